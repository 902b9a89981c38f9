"""The performance assessment export (绩效考核) of a rating round as .xlsx: every unit the reader may see,
with its indicator values, score, rank, grade, flags and the explanation.

An official table, so its labels are Chinese whatever the interface language. Cells are always written
as values: text that a spreadsheet would read as a formula stays text (as in the rectification ledger).
"""

import io

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from ratings.indicators import INDICATOR_CODES
from ratings.models import Grade, Indicator, RatingRound, UnitRating
from rectification.documents import clean_text

GRADE_ZH = {
    Grade.MODEL: "清廉标兵",
    Grade.DEMONSTRATION: "示范",
    Grade.STANDARD: "达标",
    Grade.WARNING: "警示挂牌",
}
STATUS_ZH = {
    RatingRound.Status.DRAFT: "草案",
    RatingRound.Status.PROPOSED: "已提请党委审定",
    RatingRound.Status.APPROVED: "党委已审定，未发布",
    RatingRound.Status.PUBLISHED: "已发布",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_EXCEL_CELL_MAX = 32767


def round_filename(rating_round: RatingRound) -> str:
    return f"{rating_round.year}年度双清示范创建评定-绩效考核.xlsx"


def indicator_columns(rating_round: RatingRound) -> list[tuple[str, str, str | None]]:
    """(code, name, weight used or None when inactive) of every computed indicator, in a fixed order."""
    names = dict(Indicator.objects.filter(code__in=INDICATOR_CODES).values_list("code", "name"))
    return [(code, names.get(code, code), rating_round.weights.get(code)) for code in INDICATOR_CODES]


def round_xlsx(rating_round: RatingRound, ratings: QuerySet[UnitRating]) -> bytes:
    """The round's ratings (already scoped by the caller) as one sheet; a fixed number of queries."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    columns = indicator_columns(rating_round)
    headers = [
        "序号",
        "单位代码",
        "单位",
        "在职人数",
        *[f"{name}（权重{weight}）" if weight is not None else f"{name}（未启用）" for _code, name, weight in columns],
        "得分",
        "排名",
        "等次",
        "一票否决",
        "并列待党委裁定",
        "党委裁定理由",
        "评定说明",
    ]
    widths = [6, 14, 20, 9, *[14] * len(columns), 10, 7, 10, 9, 12, 24, 60]

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("双清评定")
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.merged_cells.add(f"A1:{get_column_letter(len(headers))}1")
    sheet.freeze_panes = "D3"
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
            out.data_type = "s"  # never a formula
            if value.startswith(_FORMULA_START):
                out.quotePrefix = True
        out.alignment = alignment
        out.border = border
        if number_format:
            out.number_format = number_format
        return out

    title = WriteOnlyCell(
        sheet,
        value=f"{settings.NOTICE_ISSUING_OFFICE}{rating_round.year}年度“双清”示范创建评定结果"
        f"（{STATUS_ZH.get(rating_round.status, rating_round.status)}，导出于{timezone.localdate():%Y-%m-%d}）",
    )
    title.font = Font(bold=True, size=14)
    title.alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 28
    sheet.append([title])

    header_row = []
    for text in headers:
        header = cell(text, alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
        header.font = Font(bold=True)
        header.fill = PatternFill("solid", fgColor="D9E1F2")
        header_row.append(header)
    sheet.append(header_row)

    rows = ratings.select_related("unit").order_by("rank", "unit__path")
    for number, rating in enumerate(rows.iterator(chunk_size=2000), start=1):
        sheet.append(
            [
                cell(number, alignment=centre),
                cell(rating.unit.code),
                cell(rating.unit.name),
                cell(rating.headcount, alignment=centre),
                *[cell(rating.indicators.get(code), alignment=centre) for code, _name, _weight in columns],
                cell(float(rating.score), alignment=centre, number_format="0.000"),
                cell(rating.rank, alignment=centre),
                cell(GRADE_ZH.get(rating.grade, rating.grade), alignment=centre),
                cell("是" if rating.vetoed else "", alignment=centre),
                cell("是" if rating.tie_unresolved else "", alignment=centre),
                cell(rating.grade_decision_reason),
                cell(rating.explanation),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
