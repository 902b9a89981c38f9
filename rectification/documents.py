"""Documents of the rectification: the rectification ledger (整改台账, .xlsx) and the red-header
rectification notice (整改通知书, .docx; the print page shares `notice_context`).

These are official documents served on paper too, so their labels are Chinese whatever the user's
interface language. User text always goes in as plain text: characters XML forbids are stripped,
and spreadsheet cells that Excel would read as a formula are written as text.
"""

import io
import re
from datetime import date, datetime
from urllib.parse import quote

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpResponse
from django.utils import timezone

from rectification.models import Handover, ProgressUpdate, RectificationItem, RectificationNotice

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Labels of the official documents (fixed Chinese, independent of the interface language).
ITEM_STATUS_LABELS = {
    RectificationItem.Status.OPEN: "整改中",
    RectificationItem.Status.SUBMITTED: "待验收",
    RectificationItem.Status.CLOSED: "已销号",
}
CLOSURE_LABELS = {RectificationItem.Closure.UNRECTIFIABLE: "已销号（经批准无法整改）"}
SEVERITY_LABELS = {"general": "一般", "serious": "较重", "grave": "严重"}
HANDOVER_SIDE_LABELS = {Handover.Side.PARTY: "党组织", Handover.Side.BUSINESS: "业务牵头部门"}
HANDOVER_STATUS_LABELS = {Handover.Status.PENDING: "待签收", Handover.Status.ACKNOWLEDGED: "已签收"}

# XML 1.0 forbids C0 control characters other than tab, line feed and carriage return (and the
# non-characters U+FFFE/U+FFFF); lone surrogates cannot be encoded at all.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_EXCEL_CELL_MAX = 32767


def clean_text(value) -> str:
    """Text safe for an XML document: None → "", forbidden control characters removed."""
    if value is None:
        return ""
    return _XML_ILLEGAL.sub("", str(value))


def _local_date(value: datetime | None) -> date | None:
    return timezone.localtime(value).date() if value else None


def _fmt_date(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def _fmt_datetime(value: datetime | None) -> str:
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{_fmt_date(local.date())} {local:%H:%M}"


def _person_name(person) -> str:
    return person.name if person else ""


def _user_name(user) -> str:
    if user is None:
        return ""
    person = getattr(user, "person", None)
    if person is not None:
        return person.name
    return user.get_full_name() or user.get_username()


def item_status_label(item: RectificationItem) -> str:
    if item.status == RectificationItem.Status.CLOSED and item.closure in CLOSURE_LABELS:
        return CLOSURE_LABELS[item.closure]
    return ITEM_STATUS_LABELS.get(item.status, item.status)


def attachment_response(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A download: `filename` (may be Chinese) as RFC 6266 filename* plus an ASCII fallback."""
    safe_name = re.sub(r"[\x00-\x1f\x7f]", "", clean_text(filename))
    safe_name = safe_name.replace("/", "_").replace("\\", "_").strip() or "download"
    # ASCII fallback for old clients: runs of anything else become "_" (常交监〔2026〕1号… → 2026_1…).
    stem, dot, extension = safe_name.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,8}", extension):
        stem, extension = safe_name, ""
    ascii_stem = re.sub(r"[^A-Za-z0-9.-]+", "_", stem).strip("._-") or "download"
    ascii_name = f"{ascii_stem}.{extension}" if extension else ascii_stem
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(safe_name, safe='')}"
    )
    response["Content-Length"] = str(len(content))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- The ledger (整改台账) ---------------------------------------------------------------------------

LEDGER_SHEET_TITLE = "整改台账"
LEDGER_HEADERS = (
    "序号",
    "单位",
    "文号",
    "问题类别",
    "问题",
    "整改措施",
    "责任部门",
    "责任人",
    "责任领导",
    "完成时限",
    "状态",
    "逾期天数",
    "整改进展",
    "销号日期",
)
LEDGER_WIDTHS = (6, 16, 18, 12, 40, 40, 14, 10, 10, 12, 12, 9, 40, 12)
_DATE_FORMAT = "yyyy-mm-dd"


def ledger_items(items: QuerySet[RectificationItem]) -> QuerySet[RectificationItem]:
    """The ledger's rows: related objects joined and the latest progress text annotated, so the
    whole ledger is read with one query whatever the number of items."""
    latest_progress = ProgressUpdate.objects.filter(item=OuterRef("pk")).order_by("-created_at", "-id")
    return items.select_related(
        "notice", "unit", "responsible_department", "responsible_person", "responsible_leader", "finding__category"
    ).annotate(ledger_latest_progress=Subquery(latest_progress.values("text")[:1]))


def ledger_filename(today: date | None = None) -> str:
    return f"整改台账-{(today or timezone.localdate()):%Y%m%d}.xlsx"


def ledger_xlsx(items: QuerySet[RectificationItem]) -> bytes:
    """The rectification ledger of `items` (already scoped and filtered by the caller) as .xlsx.

    Streams rows (write-only workbook, `.iterator(chunk_size=2000)`), so memory stays flat and the
    number of queries is fixed whatever the number of items.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    today = timezone.localdate()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(LEDGER_SHEET_TITLE)
    for index, width in enumerate(LEDGER_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    last_column = get_column_letter(len(LEDGER_HEADERS))
    sheet.merged_cells.add(f"A1:{last_column}1")
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(horizontal="center", vertical="top", wrap_text=True)

    def cell(value, *, alignment=wrap, number_format=None):
        if isinstance(value, str):
            value = clean_text(value)[:_EXCEL_CELL_MAX]
        out = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            # Always text: a value such as "=cmd|..." must never become a formula.
            out.data_type = "s"
            if value.startswith(_FORMULA_START):
                out.quotePrefix = True  # Excel keeps it text even when the cell is edited
        out.alignment = alignment
        out.border = border
        if number_format:
            out.number_format = number_format
        return out

    title = WriteOnlyCell(sheet, value=f"{settings.NOTICE_ISSUING_OFFICE}整改台账（{today:%Y-%m-%d}）")
    title.font = Font(bold=True, size=16)
    title.alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 30
    sheet.append([title])

    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    header_alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    headers = []
    for text in LEDGER_HEADERS:
        header = cell(text, alignment=header_alignment)
        header.font = header_font
        header.fill = header_fill
        headers.append(header)
    sheet.append(headers)

    for number, item in enumerate(ledger_items(items).iterator(chunk_size=2000), start=1):
        finding = item.finding
        sheet.append(
            [
                cell(number, alignment=centre),
                cell(item.unit.name),
                cell(item.notice.document_number),
                cell(finding.category.name if finding else ""),
                cell(item.problem),
                cell(item.measures),
                cell(item.responsible_department.name),
                cell(_person_name(item.responsible_person)),
                cell(_person_name(item.responsible_leader)),
                cell(item.deadline, alignment=centre, number_format=_DATE_FORMAT),
                cell(item_status_label(item), alignment=centre),
                cell(item.days_overdue(today), alignment=centre),
                cell(item.ledger_latest_progress or ""),
                cell(
                    _local_date(item.closed_at) if item.status == RectificationItem.Status.CLOSED else None,
                    alignment=centre,
                    number_format=_DATE_FORMAT,
                ),
            ]
        )

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- The notice (整改通知书) ------------------------------------------------------------------------

RED = "C8102E"
BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"


def notice_filename(notice: RectificationNotice) -> str:
    return f"{notice.document_number or '草稿'}整改通知书.docx"


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in clean_text(text).splitlines() if line.strip()]


def _recipients(notice: RectificationNotice) -> list[dict]:
    """The two recipients, party side first. A draft has no handovers yet: show whom issuing will
    hand it over to."""
    handovers = {
        handover.side: handover
        for handover in notice.handovers.select_related(
            "party_organization", "recipient_unit", "acknowledged_by__person"
        )
    }
    recipients = []
    for side in (Handover.Side.PARTY, Handover.Side.BUSINESS):
        handover = handovers.get(side)
        if handover is not None:
            if side == Handover.Side.PARTY and handover.party_organization is not None:
                name = handover.party_organization.name
            else:
                name = handover.recipient_unit.name
            acknowledged = handover.status == Handover.Status.ACKNOWLEDGED
            recipients.append(
                {
                    "side": HANDOVER_SIDE_LABELS[side],
                    "name": clean_text(name),
                    "acknowledged": acknowledged,
                    "status": HANDOVER_STATUS_LABELS.get(handover.status, handover.status),
                    "by": clean_text(_user_name(handover.acknowledged_by)) if acknowledged else "",
                    "at": _fmt_datetime(handover.acknowledged_at) if acknowledged else "",
                    "opinion": clean_text(handover.opinion),
                }
            )
            continue
        if side == Handover.Side.PARTY:
            from rectification.services import party_organization_for

            party = party_organization_for(notice.unit)
            name = party.name if party else ""
        else:
            department = notice.business_area.lead_department
            name = department.name if department else ""
        recipients.append(
            {
                "side": HANDOVER_SIDE_LABELS[side],
                "name": clean_text(name) or "（未设置）",
                "acknowledged": False,
                "status": "签发后交办",
                "by": "",
                "at": "",
                "opinion": "",
            }
        )
    return recipients


def notice_context(notice: RectificationNotice) -> dict:
    """Everything the printed notice shows, as plain (cleaned) values: used by the print page and
    by the .docx so both carry the same document."""
    findings = [
        {
            "number": number,
            "category": clean_text(finding.category.name),
            "severity": SEVERITY_LABELS.get(finding.severity, clean_text(finding.get_severity_display())),
            "description": clean_text(finding.description).strip(),
            "found_on": _fmt_date(finding.found_on),
        }
        for number, finding in enumerate(notice.findings.select_related("category").order_by("found_on", "id"), start=1)
    ]
    recipients = _recipients(notice)
    office = clean_text(settings.NOTICE_ISSUING_OFFICE)
    return {
        "notice": notice,
        "office": office,
        "issuer_mark": f"{office}文件",
        "document_number": notice.document_number,
        "is_draft": not notice.document_number,
        "title": clean_text(notice.title),
        "addressee": clean_text(notice.unit.name),
        "findings": findings,
        "requirements": _paragraphs(notice.requirements),
        "deadline": _fmt_date(notice.deadline),
        "recipients": recipients,
        "recipient_names": "和".join(r["name"] for r in recipients if r["name"]),
        "issue_date": _fmt_date(_local_date(notice.issued_at)),
    }


def _set_run_font(run, name: str, size: float | None = None, *, bold: bool | None = None, color: str | None = None):
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = LATIN_FONT
    run_properties = run._element.get_or_add_rPr()
    fonts = run_properties.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    if color is not None:
        run.font.color.rgb = RGBColor.from_string(color)


# Children of w:pPr that come after w:pBdr (CT_PPr sequence): a new pBdr is inserted before them.
_PPR_AFTER_PBDR = (
    "w:shd w:tabs w:suppressAutoHyphens w:kinsoku w:wordWrap w:overflowPunct w:topLinePunct w:autoSpaceDE "
    "w:autoSpaceDN w:bidi w:adjustRightInd w:snapToGrid w:spacing w:ind w:contextualSpacing w:mirrorIndents "
    "w:suppressOverlap w:jc w:textDirection w:textAlignment w:textboxTightWrap w:outlineLvl w:divId w:cnfStyle "
    "w:rPr w:sectPr w:pPrChange"
).split()


def _bottom_border(paragraph, color: str = RED, size_eighths: int = 18, space: int = 6) -> None:
    """A red rule: an OOXML paragraph border below the paragraph (w:pBdr/w:bottom)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph_properties = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), str(size_eighths))
    bottom.set(qn("w:space"), str(space))
    bottom.set(qn("w:color"), color)
    borders.append(bottom)
    paragraph_properties.insert_element_before(borders, *_PPR_AFTER_PBDR)


def _page_number_footer(section) -> None:
    """Page numbers "— 1 —" centred at the foot of each page (a PAGE field)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_run_font(paragraph.add_run("— "), TITLE_FONT, 14)
    field_run = paragraph.add_run()
    _set_run_font(field_run, TITLE_FONT, 14)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText" if text == " PAGE " else "w:t")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        field_run._r.append(element)
    _set_run_font(paragraph.add_run(" —"), TITLE_FONT, 14)


def notice_docx(notice: RectificationNotice) -> bytes:
    """The notice as a red-header .docx (GB/T 9704 layout), with the same content as the print page."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    context = notice_context(notice)
    document = Document()
    document.core_properties.title = context["title"]
    document.core_properties.subject = "整改通知书"
    document.core_properties.author = context["office"]
    document.core_properties.comments = ""

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)
    _page_number_footer(section)

    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(16)  # 三号
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)

    def paragraph(
        text: str = "",
        *,
        font: str = BODY_FONT,
        size: float = 16,
        bold: bool = False,
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
        indent: bool = True,
        color: str | None = None,
    ):
        out = document.add_paragraph()
        out.alignment = align
        if indent:
            out.paragraph_format.first_line_indent = Pt(size * 2)
        if text:
            _set_run_font(out.add_run(text), font, size, bold=bold, color=color)
        return out

    # 版头: the issuing office in red, the document number, the red rule.
    header = paragraph(
        context["issuer_mark"],
        font=TITLE_FONT,
        size=28,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
        color=RED,
    )
    header.paragraph_format.line_spacing = Pt(48)
    header.paragraph_format.space_after = Pt(24)
    if context["is_draft"]:
        number = paragraph("草稿（未签发，无文号）", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, color="808080")
    else:
        number = paragraph(context["document_number"], align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _bottom_border(number)
    number.paragraph_format.space_after = Pt(28)

    # 主体
    title = paragraph(
        context["title"], font=TITLE_FONT, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False
    )
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_after = Pt(16)
    paragraph(f"{context['addressee']}：", indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
    paragraph(
        f"经监督检查，发现你单位存在以下问题。现将问题同时交办{context['recipient_names'] or '你单位'}，"
        "请按要求认真整改，并按时报送整改情况。"
    )
    paragraph("一、发现的问题", font=HEADING_FONT)
    for finding in context["findings"]:
        line = paragraph()
        _set_run_font(line.add_run(f"{finding['number']}. "), BODY_FONT, 16)
        _set_run_font(line.add_run(f"【{finding['category']}·{finding['severity']}】"), BODY_FONT, 16, bold=True)
        _set_run_font(line.add_run(finding["description"]), BODY_FONT, 16)
        if finding["found_on"]:
            _set_run_font(line.add_run(f"（发现日期：{finding['found_on']}）"), BODY_FONT, 16)
    if not context["findings"]:
        paragraph("（无）")
    paragraph("二、整改要求", font=HEADING_FONT)
    for text in context["requirements"] or ["（无）"]:
        paragraph(text)
    paragraph("三、整改时限", font=HEADING_FONT)
    paragraph(
        f"请于{context['deadline']}前完成整改，逐项明确整改措施、责任部门、责任人、责任领导和完成时限，"
        f"并将整改情况及佐证材料报送{context['office']}。"
    )
    paragraph("四、交办对象", font=HEADING_FONT)

    recipients = context["recipients"]
    rows = (
        ("交办对象", [r["side"] for r in recipients]),
        ("名称", [r["name"] for r in recipients]),
        ("签收状态", [r["status"] for r in recipients]),
        ("签收人", [r["by"] for r in recipients]),
        ("签收时间", [r["at"] for r in recipients]),
        ("签收意见", [r["opinion"] for r in recipients]),
    )
    table = document.add_table(rows=len(rows), cols=1 + len(recipients))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Mm(30), Mm(63), Mm(63))
    for row_index, (label, values) in enumerate(rows):
        cells = table.rows[row_index].cells
        for column_index, text in enumerate([label, *values]):
            cell = cells[column_index]
            cell.width = widths[min(column_index, 2)]
            cell_paragraph = cell.paragraphs[0]
            cell_paragraph.paragraph_format.first_line_indent = Pt(0)
            cell_paragraph.paragraph_format.line_spacing = Pt(22)
            cell_paragraph.alignment = (
                WD_ALIGN_PARAGRAPH.CENTER if column_index == 0 or row_index == 0 else (WD_ALIGN_PARAGRAPH.LEFT)
            )
            if text:
                bold = column_index == 0 or row_index == 0
                _set_run_font(cell_paragraph.add_run(text), HEADING_FONT if bold else BODY_FONT, 14)

    # 落款: a seal area, the issuing office and the date, at the bottom right.
    paragraph().paragraph_format.space_before = Pt(12)
    seal = paragraph("（印章）", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, color="A0A0A0")
    seal.paragraph_format.right_indent = Pt(64)
    seal.paragraph_format.line_spacing = Pt(40)
    signer = paragraph(context["office"], align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    signer.paragraph_format.right_indent = Pt(32)
    dated = paragraph(context["issue_date"] or "年  月  日", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    dated.paragraph_format.right_indent = Pt(64)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
