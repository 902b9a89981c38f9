"""The half-year / annual supervision report as a .docx (python-docx), from dashboard.figures.

An official document, so its words are fixed Chinese (as the rectification notice's are), whatever the
interface language; the figures' own labels (categories, grades...) are rendered under zh-Hans by the
caller. Each section has its tables and, where a picture helps, a chart (reports.charts); the last
section is left blank for the party committee's conclusions.

The report holds aggregates only: no person is named. Supervision-model precision is left out (it is
for administrators only: thresholds teach evasion).
"""

import io
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

from rectification.documents import clean_text
from reports import charts

TITLE = "支队大监督工作报告"
TITLE_FONT = "宋体"
HEADING_FONT = "黑体"
BODY_FONT = "仿宋"
TABLE_FONT = "宋体"
LATIN_FONT = "Times New Roman"
NONE = "—"

SECTION_HEADINGS = (
    "一、总体情况",
    "二、监督检查与问题发现",
    "三、整改落实情况",
    "四、风险预警与熔断处置",
    "五、案件查处与责任追究",
    "六、双清示范创建评定",
    "七、党委结论/意见",
)


# --- formatting ------------------------------------------------------------------------------------------


def fmt_number(value) -> str:
    if value is None:
        return NONE
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value)) if isinstance(value, int | float) else str(value)


def fmt_rate(value) -> str:
    return NONE if value is None else f"{value * 100:.1f}%"


def fmt_date(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def fmt_moment(value: datetime | None, *, seconds: bool = False) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{fmt_date(local.date())} {local:%H:%M:%S}" if seconds else f"{fmt_date(local.date())} {local:%H:%M}"


def fmt_as_of(value: datetime | None) -> str:
    return f"（汇总数据截至{fmt_moment(value)}）" if value else "（汇总数据尚未生成，以下为零）"


def period_title(period) -> str:
    year = period.start.year
    if period.kind == "half_year":
        return f"{year}年{'上' if period.start.month == 1 else '下'}半年"
    if period.kind == "year":
        return f"{year}年度"
    return f"{fmt_date(period.start)}至{fmt_date(period.end)}"


# --- the document builder -----------------------------------------------------------------------------


class _Builder:
    def __init__(self):
        from docx import Document
        from docx.enum.text import WD_LINE_SPACING
        from docx.oxml.ns import qn
        from docx.shared import Mm, Pt

        self.document = Document()
        section = self.document.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(30), Mm(28)
        section.left_margin, section.right_margin = Mm(26), Mm(24)
        normal = self.document.styles["Normal"]
        normal.font.name = LATIN_FONT
        normal.font.size = Pt(14)
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
        normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        normal.paragraph_format.line_spacing = Pt(26)
        normal.paragraph_format.space_after = Pt(0)
        self.chart_count = 0
        self.table_count = 0

    @staticmethod
    def _font(run, name: str, size: float, *, bold: bool = False, color: str | None = None) -> None:
        from docx.oxml.ns import qn
        from docx.shared import Pt, RGBColor

        run.font.name = LATIN_FONT
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
        run.font.size = Pt(size)
        run.font.bold = bold
        if color:
            run.font.color.rgb = RGBColor.from_string(color)

    def paragraph(self, text: str = "", *, font=BODY_FONT, size=14, bold=False, center=False, indent=True, color=None):
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.JUSTIFY
        if indent and not center:
            paragraph.paragraph_format.first_line_indent = Pt(size * 2)
        if text:
            self._font(paragraph.add_run(clean_text(text)), font, size, bold=bold, color=color)
        return paragraph

    def heading(self, text: str, *, level: int = 1):
        """A real Word heading (navigation pane, table of contents) in the document's fonts."""
        from docx.shared import Pt

        heading = self.document.add_heading(level=level)
        heading.paragraph_format.space_before = Pt(12 if level == 1 else 6)
        heading.paragraph_format.space_after = Pt(6)
        self._font(
            heading.add_run(text),
            HEADING_FONT if level == 1 else BODY_FONT,
            16 if level == 1 else 14,
            bold=True,
            color="000000",
        )
        return heading

    def caption(self, text: str) -> None:
        self.paragraph(text, font=HEADING_FONT, size=11, center=True)

    def table(self, title: str, headers: list[str], rows: list[list], *, numbered: bool = False):
        """A captioned grid; `numbered` adds a 序号 column (the numbers a chart without CJK fonts shows)."""
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        self.table_count += 1
        self.caption(f"表{self.table_count} {title}")
        if numbered:
            headers = ["序号", *headers]
            rows = [[number, *row] for number, row in enumerate(rows, start=1)]
        table = self.document.add_table(rows=1 + max(len(rows), 1), cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        if not rows:
            rows = [["（无）", *[""] * (len(headers) - 1)]]
        for row_index, values in enumerate([headers, *rows]):
            cells = table.rows[row_index].cells
            for column, value in enumerate(values):
                paragraph = cells[column].paragraphs[0]
                paragraph.paragraph_format.first_line_indent = Pt(0)
                paragraph.paragraph_format.line_spacing = Pt(18)
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if column or row_index == 0 else WD_ALIGN_PARAGRAPH.LEFT
                text = clean_text(value if isinstance(value, str) else fmt_number(value))
                self._font(
                    paragraph.add_run(text), HEADING_FONT if row_index == 0 else TABLE_FONT, 10.5, bold=row_index == 0
                )
        self.paragraph()
        return table

    def chart(self, title: str, png: bytes) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Mm

        self.chart_count += 1
        picture = self.document.add_paragraph()
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.add_run().add_picture(io.BytesIO(png), width=Mm(158))
        note = "" if charts.cjk_font() else "（图中编号对应下表序号）"
        self.caption(f"图{self.chart_count} {title}{note}")

    def page_break(self) -> None:
        from docx.enum.text import WD_BREAK

        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


# --- sections -----------------------------------------------------------------------------------------------


def _title_page(doc: _Builder, *, period, generated_at: datetime) -> None:
    office = clean_text(settings.NOTICE_ISSUING_OFFICE)
    for _blank in range(4):
        doc.paragraph()
    doc.paragraph(office, font=TITLE_FONT, size=22, bold=True, center=True, color="C8102E")
    doc.paragraph()
    doc.paragraph(TITLE, font=TITLE_FONT, size=26, bold=True, center=True)
    doc.paragraph(f"（{period_title(period)}）", font=TITLE_FONT, size=18, center=True)
    for _blank in range(8):
        doc.paragraph()
    doc.paragraph(f"统计期间：{fmt_date(period.start)}至{fmt_date(period.end)}", center=True)
    doc.paragraph(f"生成时间：{fmt_moment(generated_at, seconds=True)}", center=True)
    doc.paragraph("本报告由大监督平台根据业务数据自动生成，仅含汇总数据。", size=12, center=True, color="606060")
    doc.page_break()


def _overview(doc: _Builder, figures: dict, period) -> None:
    key = figures["key_figures"]

    def value(name):
        return key[name]["value"]

    doc.heading(SECTION_HEADINGS[0])
    doc.paragraph(
        f"{period_title(period)}，全支队共发现问题{fmt_number(value('findings_in_period'))}个，"
        f"目前未完成整改的问题{fmt_number(value('open_findings'))}个；期内到期整改事项"
        f"{fmt_number(value('items_due'))}项，已销号{fmt_number(value('items_closed'))}项，销号率"
        f"{fmt_rate(value('closure_rate'))}，按期销号率{fmt_rate(value('on_time_rate'))}；当前逾期未整改事项"
        f"{fmt_number(value('overdue_items'))}项。期内发出风险预警{fmt_number(value('alerts_total'))}条，"
        f"触发熔断{fmt_number(value('breakers_tripped'))}次"
        + ("。" if value("open_cases") is None else f"；目前在办案件{fmt_number(value('open_cases'))}件。")
    )
    rows = [
        ["期内发现问题（个）", value("findings_in_period")],
        ["未完成整改的问题（个）", value("open_findings")],
        ["整改中事项（项）", value("open_items")],
        ["待验收事项（项）", value("submitted_items")],
        ["逾期未整改事项（项）", value("overdue_items")],
        ["期内到期事项（项）", value("items_due")],
        ["期内已销号事项（项）", value("items_closed")],
        ["销号率", fmt_rate(value("closure_rate"))],
        ["按期销号率", fmt_rate(value("on_time_rate"))],
        ["平均销号用时（工作日）", value("mean_working_days_to_close")],
        ["期内风险预警（条）", value("alerts_total")],
        ["熔断中（个）", value("active_breakers")],
        ["期内触发熔断（次）", value("breakers_tripped")],
    ]
    if value("open_cases") is not None:
        rows.append(["在办案件（件）", value("open_cases")])
    doc.table("主要指标", ["指标", "数值"], rows)

    trends = figures["trends"]
    series = [(label, values) for label, values in _trend_series(trends) if values is not None]
    if series:
        doc.paragraph(f"近12个月主要指标走势如下{fmt_as_of(trends['as_of'])}。")
        doc.chart("近12个月走势", charts.line_chart(trends["months"], series))
        doc.table(
            "近12个月走势（按月）",
            ["指标", *[month[2:] for month in trends["months"]]],
            [[label, *values] for label, values in series],
            numbered=True,
        )


# The trend measures of dashboard.figures, as the report names them.
TREND_LABELS = {
    "findings": "发现问题",
    "items_opened": "新增整改事项",
    "items_closed": "销号事项",
    "items_overdue": "到期未销号事项",
    "alerts": "风险预警",
    "breakers": "触发熔断",
    "cases": "新立案件",
}


def _trend_series(trends: dict) -> list[tuple[str, list | None]]:
    from dashboard.models import Measure

    labels = dict(Measure.choices)
    return [
        (TREND_LABELS.get(measure) or str(labels.get(measure, measure)), values)
        for measure, values in trends["series"].items()
    ]


def _findings(doc: _Builder, figures: dict, inspections: list[dict]) -> None:
    findings = figures["findings"]
    doc.heading(SECTION_HEADINGS[1])
    total_inspections = sum(row["count"] for row in inspections)
    doc.paragraph(
        f"期内共开展各类督查{total_inspections}次，发现问题{findings['total']}个。按问题类别、监督层级和严重程度统计如下。"
    )
    doc.table("督查开展情况（按类型）", ["督查类型", "次数"], [[row["label"], row["count"]] for row in inspections])
    by_category = [row for row in findings["by_category"]]
    if by_category:
        doc.chart("问题类别分布", charts.bar_chart([r["name"] for r in by_category], [r["count"] for r in by_category]))
    doc.table("问题类别分布", ["问题类别", "问题数"], [[r["name"], r["count"]] for r in by_category], numbered=True)
    doc.table("监督层级分布", ["监督层级", "问题数"], [[r["label"], r["count"]] for r in findings["by_layer"]])
    doc.table("严重程度分布", ["严重程度", "问题数"], [[r["label"], r["count"]] for r in findings["by_severity"]])


def _rectification(doc: _Builder, figures: dict) -> None:
    report = figures["rectification"]
    doc.heading(SECTION_HEADINGS[2])
    doc.paragraph(
        f"期内到期整改事项{fmt_number(report['items_due'])}项，已销号{fmt_number(report['items_closed'])}项，"
        f"其中按期销号{fmt_number(report['items_closed_on_time'])}项；销号率{fmt_rate(report['closure_rate'])}，"
        f"按期销号率{fmt_rate(report['on_time_rate'])}，平均销号用时"
        f"{fmt_number(report['mean_working_days_to_close'])}个工作日。截至报告生成时，整改中事项"
        f"{fmt_number(report['open_items'])}项，待验收{fmt_number(report['submitted_items'])}项，逾期未整改"
        f"{fmt_number(report['overdue_items'])}项。"
    )
    doc.table(
        "整改落实情况",
        ["指标", "数值"],
        [
            ["期内到期事项（项）", report["items_due"]],
            ["已销号（项）", report["items_closed"]],
            ["按期销号（项）", report["items_closed_on_time"]],
            ["销号率", fmt_rate(report["closure_rate"])],
            ["按期销号率", fmt_rate(report["on_time_rate"])],
            ["平均销号用时（工作日）", report["mean_working_days_to_close"]],
            ["整改中（项）", report["open_items"]],
            ["待验收（项）", report["submitted_items"]],
            ["逾期未整改（项）", report["overdue_items"]],
        ],
    )
    overdue = report["overdue_by_unit"]
    if overdue:
        doc.chart(
            "逾期事项较多的单位",
            charts.bar_chart(
                [r["unit_name"] for r in overdue], [r["overdue"] for r in overdue], color=charts.COLORS[1]
            ),
        )
    doc.table(
        "逾期事项较多的单位",
        ["单位", "逾期事项（项）"],
        [[r["unit_name"], r["overdue"]] for r in overdue],
        numbered=True,
    )


def _risk(doc: _Builder, figures: dict) -> None:
    from risk.models import Alert

    risk = figures["risk"]
    doc.heading(SECTION_HEADINGS[3])
    by_grade = risk["alerts_by_grade"]["value"] or {}
    grade_labels = dict(Alert.Grade.choices)
    breakers = risk["breakers"]["value"]
    doc.paragraph(
        f"期内综合研判发出风险预警{fmt_number(risk['alerts_total']['value'])}条"
        f"{fmt_as_of(risk['alerts_total']['as_of'])}；触发预警熔断{fmt_number(breakers['tripped_in_period'])}次，"
        f"恢复{fmt_number(breakers['restored_in_period'])}次，目前熔断中{fmt_number(breakers['active'])}个、"
        f"申请恢复中{fmt_number(breakers['restore_requested'])}个。"
    )
    grade_rows = [[str(grade_labels.get(grade, grade)), count] for grade, count in by_grade.items()]
    if grade_rows:
        doc.chart(
            "风险预警等级分布",
            charts.bar_chart([r[0] for r in grade_rows], [r[1] for r in grade_rows], color=charts.COLORS[3]),
        )
    doc.table("风险预警等级分布", ["预警等级", "预警数"], grade_rows, numbered=True)
    status_labels = dict(Alert.Status.choices)
    by_status = risk["alerts_by_status"]["value"] or {}
    doc.table("风险预警核查状态", ["状态", "预警数"], [[str(status_labels.get(s, s)), n] for s, n in by_status.items()])
    areas = risk["alerts_by_area"]["value"] or []
    doc.table("风险预警业务领域分布", ["业务领域", "预警数"], [[r["label"], r["count"]] for r in areas])
    doc.table(
        "预警熔断情况",
        ["指标", "数值"],
        [
            ["期内触发熔断（次）", breakers["tripped_in_period"]],
            ["期内恢复（次）", breakers["restored_in_period"]],
            ["熔断中（个）", breakers["active"]],
            ["申请恢复中（个）", breakers["restore_requested"]],
        ],
    )
    records = risk["business_records_by_area"]
    doc.table(
        f"业务流水与异常标记{fmt_as_of(records['as_of'])}",
        ["业务领域", "业务流水（笔）", "异常标记（笔）"],
        [[r["label"], r["records"], r["flagged"]] for r in records["value"] or []],
    )


# In the edition without case figures (reports.services.without_case_figures), in place of the section.
CASES_WITHHELD = "本节涉及廉政案件、涉案人员和责任追究，仅限纪检监察部门、支队党委和系统管理员查阅，本版本不含。"


def _cases(doc: _Builder, figures: dict) -> None:
    cases = figures["cases"]
    doc.heading(SECTION_HEADINGS[4])
    if cases is None:
        doc.paragraph(CASES_WITHHELD, color="606060")
        return
    doc.paragraph(
        f"期内新立廉政案件{fmt_number(cases['opened_in_period'])}件，办结{fmt_number(cases['concluded_in_period'])}件，"
        f"其中认定廉政问题{fmt_number(cases['confirmed_in_period'])}件；目前在办{fmt_number(cases['open_cases'])}件。"
    )
    doc.table("案件类型分布", ["案件类型", "件数"], [[r["label"], r["count"]] for r in cases["by_category"] or []])
    doc.table("案件严重程度分布", ["严重程度", "件数"], [[r["label"], r["count"]] for r in cases["by_severity"] or []])
    doc.table("案件办理状态", ["状态", "件数"], [[r["label"], r["count"]] for r in cases["by_status"] or []])
    doc.table(
        "涉案人员警种（人员类别）分布",
        ["人员类别", "人次"],
        [[r["label"], r["count"]] for r in cases["by_police_category"] or []],
    )
    ranks = [r for r in cases["by_rank"] or [] if r["count"]]
    doc.table("涉案人员警衔分布", ["警衔", "人次"], [[r["label"], r["count"]] for r in ranks])
    liabilities = cases["liabilities"]
    if liabilities is not None:
        doc.paragraph(
            f"期内记录责任追究（责任连带）{fmt_number(liabilities['total'])}人次，其中未撤销"
            f"{fmt_number(liabilities['not_revoked'])}人次。"
        )
        doc.table("责任追究层级分布", ["责任层级", "人次"], [[r["label"], r["count"]] for r in liabilities["by_level"]])


def _ratings(doc: _Builder, figures: dict) -> None:
    ratings = figures["ratings"]
    doc.heading(SECTION_HEADINGS[5])
    round_info = ratings["round"]
    if round_info is None:
        doc.paragraph("尚无双清示范创建评定结果。")
        return
    doc.paragraph(
        f"{round_info['year']}年度双清示范创建评定（{round_info['status_label']}）共评定单位{ratings['total']}个，各等次分布如下。"
    )
    grades = ratings["grades"]
    if ratings["total"]:
        doc.chart(
            "双清示范创建评定等次分布",
            charts.bar_chart([r["label"] for r in grades], [r["count"] for r in grades], color=charts.COLORS[2]),
        )
    doc.table("双清示范创建评定等次分布", ["等次", "单位数"], [[r["label"], r["count"]] for r in grades], numbered=True)


def _conclusions(doc: _Builder) -> None:
    from docx.shared import Pt

    doc.heading(SECTION_HEADINGS[6])
    doc.paragraph("（由支队党委研究后填写）", color="808080")
    box = doc.document.add_table(rows=1, cols=1)
    box.style = "Table Grid"
    cell = box.rows[0].cells[0]
    cell.paragraphs[0].paragraph_format.line_spacing = Pt(26)
    for _line in range(14):
        cell.add_paragraph()
    doc.paragraph()
    doc.paragraph("党委书记（签字）：                    日期：      年    月    日", indent=False)


def report_docx(*, period, figures: dict, inspections: list[dict], generated_at: datetime) -> bytes:
    """The report of `period` from `figures` (dashboard.figures.summary) and the inspections by kind."""
    doc = _Builder()
    doc.document.core_properties.title = f"{TITLE}（{period_title(period)}）"
    doc.document.core_properties.author = clean_text(settings.NOTICE_ISSUING_OFFICE)
    doc.document.core_properties.created = generated_at
    doc.document.core_properties.comments = ""
    _title_page(doc, period=period, generated_at=generated_at)
    _overview(doc, figures, period)
    _findings(doc, figures, inspections)
    _rectification(doc, figures)
    _risk(doc, figures)
    _cases(doc, figures)
    _ratings(doc, figures)
    _conclusions(doc)
    return doc.save()
