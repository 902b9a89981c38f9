"""Exports of one archive: a workbook (.xlsx, a summary sheet then one sheet per section) and a
printable file (.docx). Both are made from archive.presentation, like the page, in Chinese whatever
the interface language (the archive is a paper file too).

User text (finding descriptions, notice titles, problems, names) always goes in as plain text:
characters XML forbids are removed, and a spreadsheet cell that Excel would read as a formula is
written as text with Excel's quote prefix (as in the rectification ledger).
"""

import io
import re

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from archive.presentation import archive_sections, subject_facts, visibility_notes
from archive.services import ArchiveRecord
from rectification.documents import DOCX_CONTENT_TYPE, XLSX_CONTENT_TYPE, attachment_response, clean_text

__all__ = [
    "DOCX_CONTENT_TYPE",
    "XLSX_CONTENT_TYPE",
    "archive_docx",
    "archive_filename",
    "archive_xlsx",
    "attachment_response",
]

EXPORT_LANGUAGE = "zh-hans"
RED = "C8102E"
BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_EXCEL_CELL_MAX = 32767
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _text(value) -> str:
    if value is None:
        return "—"
    return clean_text(value)


def archive_filename(record: ArchiveRecord, extension: str) -> str:
    with translation.override(EXPORT_LANGUAGE):
        return f"{_('Integrity archive')}-{record.subject_name}-{record.year}.{extension}"


def _status_lines(record: ArchiveRecord) -> list[str]:
    """What the banner of the page says: frozen (when, by whom, digest, intact) or live."""
    lines = []
    if record.frozen:
        frozen_at = timezone.localtime(record.frozen_at, timezone.get_default_timezone())
        lines.append(
            _("Frozen on %(date)s by %(by)s.")
            % {"date": f"{frozen_at:%Y-%m-%d %H:%M}", "by": record.frozen_by or _("the year-end task")}
        )
        lines.append(_("SHA-256 digest: %(digest)s") % {"digest": record.digest})
        if not record.intact:
            lines.append(_("WARNING: the stored data no longer matches its digest; it was altered after freezing."))
    else:
        lines.append(
            _("Live, not yet frozen: built on %(date)s from the current data; it can still change.")
            % {"date": record.data.get("built_on", "")}
        )
    if record.kind == "unit":
        lines.append(_("The unit's own records; the units below it have archives of their own."))
    lines.extend(str(note) for note in visibility_notes(record.data))
    return lines


def _title(record: ArchiveRecord) -> str:
    return _("%(name)s · integrity archive %(year)s") % {"name": record.subject_name, "year": record.year}


# --- .xlsx ----------------------------------------------------------------------------------------------


def _sheet_name(title: str, used: set[str]) -> str:
    name = _SHEET_NAME_FORBIDDEN.sub("_", clean_text(title))[:31] or "Sheet"
    base, number = name, 2
    while name in used:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    used.add(name)
    return name


def archive_xlsx(record: ArchiveRecord) -> bytes:
    """The archive as a workbook: a summary sheet (subject, status, digest, totals), then one sheet per
    section with its rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    wrap = Alignment(wrap_text=True, vertical="top")

    def put(sheet, row: int, column: int, value, *, font=None, fill=None):
        if isinstance(value, str):
            value = clean_text(value)[:_EXCEL_CELL_MAX]
        elif value is None:
            value = ""
        elif not isinstance(value, int | float):
            value = clean_text(value)
        cell = sheet.cell(row=row, column=column)
        cell.value = value
        if isinstance(value, str):
            # Always text: a value such as "=HYPERLINK(...)" must never become a formula.
            cell.data_type = "s"
            if value.startswith(_FORMULA_START):
                cell.quotePrefix = True
        cell.alignment = wrap
        if font:
            cell.font = font
        if fill:
            cell.fill = fill
        return cell

    with translation.override(EXPORT_LANGUAGE):
        sections = archive_sections(record.data)
        workbook = Workbook()
        used: set[str] = set()
        summary = workbook.active
        summary.title = _sheet_name(_("Summary"), used)
        summary.column_dimensions["A"].width = 24
        summary.column_dimensions["B"].width = 24
        summary.column_dimensions["C"].width = 60
        put(summary, 1, 1, _title(record), font=Font(bold=True, size=14))
        row = 3
        for label, value in subject_facts(record.data):
            put(summary, row, 1, str(label), font=bold)
            put(summary, row, 2, _text(value))
            row += 1
        put(summary, row, 1, _("Year"), font=bold)
        put(summary, row, 2, record.year)
        row += 2
        for line in _status_lines(record):
            put(summary, row, 1, line)
            row += 1
        row += 1
        for column, header in enumerate((_("Section"), _("Measure"), _("Value")), start=1):
            put(summary, row, column, header, font=bold, fill=header_fill)
        row += 1
        for section in sections:
            for label, value in section.totals:
                put(summary, row, 1, section.title)
                put(summary, row, 2, label)
                put(summary, row, 3, value)
                row += 1

        for section in sections:
            sheet = workbook.create_sheet(_sheet_name(section.title, used))
            for column, spec in enumerate(section.columns, start=1):
                put(sheet, 1, column, str(spec.label), font=bold, fill=header_fill)
                sheet.column_dimensions[get_column_letter(column)].width = 48 if spec.wide else 16
            sheet.freeze_panes = "A2"
            for row_number, values in enumerate(section.rows, start=2):
                for column, value in enumerate(values, start=1):
                    put(
                        sheet,
                        row_number,
                        column,
                        str(value) if value is not None and not isinstance(value, int) else value,
                    )
            if not section.rows:
                put(sheet, 2, 1, _("None"))

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- .docx ----------------------------------------------------------------------------------------------


def _font(run, name: str, size: float | None = None, *, bold: bool | None = None, color: str | None = None):
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = LATIN_FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    if color is not None:
        run.font.color.rgb = RGBColor.from_string(color)


def archive_docx(record: ArchiveRecord) -> bytes:
    """The archive as a printable file: a red header, the subject, the status (frozen with its
    digest, or live), then each section's totals and table. A4 landscape, so the tables fit."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    with translation.override(EXPORT_LANGUAGE):
        sections = archive_sections(record.data)
        document = Document()
        title = clean_text(_title(record))
        document.core_properties.title = title
        document.core_properties.subject = _("Integrity archive")
        document.core_properties.author = clean_text(settings.NOTICE_ISSUING_OFFICE)
        page = document.sections[0]
        page.orientation = WD_ORIENT.LANDSCAPE
        page.page_width, page.page_height = Mm(297), Mm(210)
        page.top_margin = page.bottom_margin = Mm(20)
        page.left_margin = page.right_margin = Mm(18)

        def paragraph(text: str = "", *, font=BODY_FONT, size=12, bold=False, color=None, align=None):
            out = document.add_paragraph()
            if align is not None:
                out.alignment = align
            if text:
                _font(out.add_run(clean_text(text)), font, size, bold=bold, color=color)
            return out

        paragraph(
            settings.NOTICE_ISSUING_OFFICE,
            font=TITLE_FONT,
            size=22,
            bold=True,
            color=RED,
            align=WD_ALIGN_PARAGRAPH.CENTER,
        )
        paragraph(title, font=TITLE_FONT, size=18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        facts = "；".join(f"{label}：{_text(value)}" for label, value in subject_facts(record.data))
        paragraph(facts, size=11)
        for line in _status_lines(record):
            paragraph(line, size=10, color=None if record.intact is not False else RED)

        for number, section in enumerate(sections, start=1):
            heading = paragraph(f"{number}. {section.title}", font=HEADING_FONT, size=14)
            heading.paragraph_format.space_before = Pt(12)
            totals = "；".join(f"{label} {value}" for label, value in section.totals)
            if totals:
                paragraph(totals, size=10)
            if not section.rows:
                paragraph(_("None"), size=10)
                continue
            table = document.add_table(rows=1 + len(section.rows), cols=len(section.columns))
            table.style = "Table Grid"
            for column, spec in enumerate(section.columns):
                cell = table.rows[0].cells[column]
                _font(cell.paragraphs[0].add_run(clean_text(str(spec.label))), HEADING_FONT, 9, bold=True)
            for row_index, values in enumerate(section.rows, start=1):
                cells = table.rows[row_index].cells
                for column, value in enumerate(values):
                    _font(cells[column].paragraphs[0].add_run(_text(value)), BODY_FONT, 9)

        generated = paragraph(
            _("Printed on %(date)s.") % {"date": f"{timezone.localdate():%Y-%m-%d}"},
            size=9,
            color="808080",
            align=WD_ALIGN_PARAGRAPH.RIGHT,
        )
        generated.paragraph_format.space_before = Pt(12)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
