"""Statistics (统计分析): one measure counted by one or two dimensions, in one GROUP BY query.

Each measure names the dimensions that make sense for it (an alert has a grade but no finding category;
a liability record has a case category but no supervision layer); any other choice is refused with a
DomainError naming the field. Scope is that of dashboard.figures (dashboard.roles): the rows counted are
those the user's roles may read, in their data scope, narrowed to `unit` and below.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, DateField, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import BusinessArea, Person
from cases.models import Case, CaseCategory, CaseSeverity, Liability
from core.errors import DomainError
from dashboard import roles
from dashboard.figures import Period, Scope, resolve_unit
from rectification.models import RectificationItem
from risk.models import Alert
from supervision.models import Finding, Severity, SupervisionLayer

MAX_ROWS = 5000  # groups in one table; beyond it the user narrows the choice
# A text cell starting with one of these is kept as text (never a formula), as in the ledger export.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXCEL_CELL_MAX = 32767


@dataclass(frozen=True)
class Dimension:
    """How a measure groups by one dimension: the grouping key, its label (a field, a choice list or a
    month) and the order of the groups."""

    key: str  # a field path (or "@month" for the month of the measure's date)
    label_field: str | None = None  # a field path holding the label (e.g. unit__name)
    order_field: str | None = None  # a field path ordering the groups (e.g. unit__path)
    choices: tuple | None = None  # (value, label) pairs when the key is a choice
    empty_label: object = ""  # a (lazy) label for the group without a value


@dataclass(frozen=True)
class MeasureSpec:
    code: str
    label: str
    date_field: str
    is_datetime: bool
    dimensions: dict[str, Dimension]
    # Dimensions that need the full case roles (type of case, persons concerned).
    detail_dimensions: frozenset = field(default_factory=frozenset)


DIMENSION_LABELS = {
    "unit": gettext_lazy("Unit"),
    "category": gettext_lazy("Category"),
    "severity": gettext_lazy("Severity / grade"),
    "area": gettext_lazy("Business area"),
    "police_category": gettext_lazy("Police category"),
    "rank": gettext_lazy("Rank"),
    "month": gettext_lazy("Month"),
    "layer": gettext_lazy("Supervision layer"),
}
DIMENSION_ORDER = list(DIMENSION_LABELS)

# Fixed Chinese labels of the .xlsx export (an official table, whatever the interface language).
EXPORT_DIMENSION_LABELS = {
    "unit": "单位",
    "category": "类别",
    "severity": "严重程度/等级",
    "area": "业务领域",
    "police_category": "人员类别",
    "rank": "警衔",
    "month": "月份",
    "layer": "监督层级",
}
EXPORT_MEASURE_LABELS = {
    "findings": "问题数",
    "items": "整改事项数",
    "alerts": "预警数",
    "cases": "案件数",
    "liabilities": "责任追究记录数",
}

_UNIT = Dimension("unit_id", label_field="unit__name", order_field="unit__path")
_NO_INSPECTION = gettext_lazy("Not from an inspection")
_NOT_SET = gettext_lazy("(not set)")

MEASURES: dict[str, MeasureSpec] = {
    "findings": MeasureSpec(
        "findings",
        gettext_lazy("Findings"),
        "found_on",
        False,
        {
            "unit": _UNIT,
            "category": Dimension("category_id", label_field="category__name", order_field="category__sort_order"),
            "severity": Dimension("severity", choices=tuple(Severity.choices)),
            "area": Dimension("business_area__code", choices=tuple(BusinessArea.Code.choices)),
            "month": Dimension("@month"),
            "layer": Dimension(
                "inspection__layer", choices=tuple(SupervisionLayer.choices), empty_label=_NO_INSPECTION
            ),
        },
    ),
    "items": MeasureSpec(
        "items",
        gettext_lazy("Rectification items (month due)"),
        "deadline",
        False,
        {
            "unit": _UNIT,
            "category": Dimension(
                "finding__category_id",
                label_field="finding__category__name",
                order_field="finding__category__sort_order",
                empty_label=_NOT_SET,
            ),
            "severity": Dimension("finding__severity", choices=tuple(Severity.choices), empty_label=_NOT_SET),
            "area": Dimension("notice__business_area__code", choices=tuple(BusinessArea.Code.choices)),
            "month": Dimension("@month"),
            "layer": Dimension(
                "finding__inspection__layer", choices=tuple(SupervisionLayer.choices), empty_label=_NO_INSPECTION
            ),
        },
    ),
    "alerts": MeasureSpec(
        "alerts",
        gettext_lazy("Alerts (assessment month)"),
        "assessment__month",
        False,
        {
            "unit": _UNIT,
            "severity": Dimension("grade", choices=tuple(Alert.Grade.choices)),
            "police_category": Dimension("person__category", choices=tuple(Person.Category.choices)),
            "rank": Dimension("person__rank", choices=tuple(Person.Rank.choices)),
            "month": Dimension("@month"),
        },
    ),
    "cases": MeasureSpec(
        "cases",
        gettext_lazy("Integrity cases (month opened)"),
        "opened_at",
        True,
        {
            "unit": _UNIT,
            "category": Dimension("category", choices=tuple(CaseCategory.choices)),
            "severity": Dimension("severity", choices=tuple(CaseSeverity.choices)),
            "police_category": Dimension(
                "persons__person__category", choices=tuple(Person.Category.choices), empty_label=_NOT_SET
            ),
            "rank": Dimension("persons__person__rank", choices=tuple(Person.Rank.choices), empty_label=_NOT_SET),
            "month": Dimension("@month"),
        },
        detail_dimensions=frozenset({"category", "police_category", "rank"}),
    ),
    "liabilities": MeasureSpec(
        "liabilities",
        gettext_lazy("Liability records (month the disqualification starts)"),
        "start_date",
        False,
        {
            "unit": _UNIT,
            "category": Dimension("case__category", choices=tuple(CaseCategory.choices)),
            "severity": Dimension("case__severity", choices=tuple(CaseSeverity.choices)),
            "police_category": Dimension("person__category", choices=tuple(Person.Category.choices)),
            "rank": Dimension("person__rank", choices=tuple(Person.Rank.choices)),
            "month": Dimension("@month"),
        },
    ),
}


def measures_for(user) -> list[str]:
    """The measures this user may count (findings and items for every dashboard role)."""
    visible = Scope(user, None).visible()
    allowed = ["findings", "items"]
    if visible["alerts"]:
        allowed.append("alerts")
    if visible["cases"]:
        allowed.append("cases")
    if visible["liabilities"]:
        allowed.append("liabilities")
    return allowed


def allowed_dimensions(measure: str) -> list[str]:
    return [code for code in DIMENSION_ORDER if code in MEASURES[measure].dimensions]


@dataclass
class StatisticsTable:
    measure: str
    dimensions: list[str]
    period: Period
    unit: object
    rows: list[dict]  # {"key1", "label1", "key2", "label2", "count"}
    columns: list[tuple] = field(default_factory=list)  # (key2, label2) for a two-dimension table
    as_of: object = None

    @property
    def total(self) -> int:
        return sum(row["count"] for row in self.rows)

    def pivot(self) -> list[dict]:
        """Rows of the first dimension, each with a count per column of the second."""
        result: dict = {}
        for row in self.rows:
            entry = result.setdefault(
                row["key1"], {"key": row["key1"], "label": row["label1"], "cells": {}, "total": 0}
            )
            entry["cells"][row["key2"]] = entry["cells"].get(row["key2"], 0) + row["count"]
            entry["total"] += row["count"]
        return [
            {**entry, "values": [entry["cells"].get(key, 0) for key, _label in self.columns]}
            for entry in result.values()
        ]


def _base_queryset(spec: MeasureSpec, scope: Scope, dimensions: list[str]) -> QuerySet:
    if spec.code == "findings":
        return Finding.objects.filter(scope.q())
    if spec.code == "items":
        return RectificationItem.objects.filter(scope.q())
    if spec.code == "alerts":
        return Alert.objects.filter(scope.alert_q())
    if spec.code == "cases":
        needs_details = bool(set(dimensions) & spec.detail_dimensions)
        role_group = roles.CASE_FULL_ROLES if needs_details else roles.CASE_FULL_ROLES + roles.CASE_COUNT_ROLES
        return Case.objects.filter(scope.q(role_group=role_group))
    return Liability.objects.filter(scope.q(role_group=roles.LIABILITY_ROLES))


def _period_filter(spec: MeasureSpec, period: Period) -> Q:
    if spec.is_datetime:
        start, end = period.bounds()
        return Q(**{f"{spec.date_field}__gte": start, f"{spec.date_field}__lt": end})
    if spec.code == "alerts":  # an assessment month counts when the period touches it
        return Q(**{f"{spec.date_field}__gte": period.first_month, f"{spec.date_field}__lte": period.end})
    return Q(**{f"{spec.date_field}__range": (period.start, period.end)})


def validate_choice(user, measure: str, dimensions: list[str]) -> None:
    """DomainError naming the field when the measure is not readable or a dimension does not apply."""
    if measure not in MEASURES or measure not in measures_for(user):
        raise DomainError(_("Choose one of the measures offered."), field="measure")
    spec = MEASURES[measure]
    if not dimensions or not dimensions[0]:
        raise DomainError(_("Choose a dimension."), field="dimension1")
    if len(dimensions) > 2:
        raise DomainError(_("At most two dimensions."), field="dimension2")
    for index, code in enumerate(dimensions, start=1):
        if code not in spec.dimensions:
            raise DomainError(
                _("%(measure)s cannot be counted by %(dimension)s.")
                % {"measure": spec.label, "dimension": DIMENSION_LABELS.get(code, code)},
                field=f"dimension{index}",
            )
    if len(dimensions) == 2 and dimensions[0] == dimensions[1]:
        raise DomainError(_("Choose two different dimensions."), field="dimension2")
    if measure == "cases" and set(dimensions) & spec.detail_dimensions:
        scope = Scope(user, None)
        if not scope.has(roles.CASE_FULL_ROLES):
            raise DomainError(
                _("Case types and the persons concerned are for discipline inspection and the committee."),
                field="dimension1" if dimensions[0] in spec.detail_dimensions else "dimension2",
            )


def statistics_table(*, user, measure: str, dimensions: list[str], period: Period, unit=None) -> StatisticsTable:
    """Count `measure` in `period` by one or two `dimensions` (one GROUP BY query)."""
    dimensions = [code for code in dimensions if code]
    validate_choice(user, measure, dimensions)
    spec = MEASURES[measure]
    unit = resolve_unit(user, unit)
    scope = Scope(user, unit)
    queryset = _base_queryset(spec, scope, dimensions).filter(_period_filter(spec, period))

    annotations, group_fields, order_fields = {}, [], []
    for index, code in enumerate(dimensions, start=1):
        dimension = spec.dimensions[code]
        key_name = f"stat_key{index}"
        if dimension.key == "@month":
            if spec.is_datetime:
                expression = TruncMonth(
                    spec.date_field, output_field=DateField(), tzinfo=timezone.get_default_timezone()
                )
            else:
                expression = TruncMonth(spec.date_field, output_field=DateField())
            annotations[key_name] = expression
        else:
            annotations[key_name] = F(dimension.key)
        group_fields.append(key_name)
        if dimension.label_field:
            annotations[f"stat_label{index}"] = F(dimension.label_field)
            group_fields.append(f"stat_label{index}")
        if dimension.order_field:
            annotations[f"stat_order{index}"] = F(dimension.order_field)
            group_fields.append(f"stat_order{index}")
            order_fields.append(f"stat_order{index}")
        order_fields.append(key_name)

    raw = list(
        queryset.annotate(**annotations)
        .values(*group_fields)
        .annotate(stat_count=Count("pk", distinct=True))
        .order_by(*order_fields)[: MAX_ROWS + 1]
    )
    if len(raw) > MAX_ROWS:  # never a silently cut table
        raise DomainError(
            _("More than %(max)d groups: choose a shorter period, a unit or fewer dimensions.") % {"max": MAX_ROWS},
            field="dimension2" if len(dimensions) == 2 else "dimension1",
        )

    rows = []
    for item in raw:
        row = {"count": item["stat_count"], "key2": None, "label2": ""}
        for index, code in enumerate(dimensions, start=1):
            key, label = _key_and_label(spec.dimensions[code], item, index)
            row[f"key{index}"], row[f"label{index}"] = key, label
            row[f"order{index}"] = item.get(f"stat_order{index}")
        rows.append(row)
    rows.sort(key=lambda row: tuple(_sort_key(spec.dimensions[code], row, i) for i, code in enumerate(dimensions, 1)))

    columns = []
    if len(dimensions) == 2:
        seen = {}
        for row in sorted(rows, key=lambda row: _sort_key(spec.dimensions[dimensions[1]], row, 2)):
            seen.setdefault(row["key2"], row["label2"])
        columns = list(seen.items())
    return StatisticsTable(
        measure=measure,
        dimensions=dimensions,
        period=period,
        unit=unit,
        rows=rows,
        columns=columns,
        as_of=timezone.now(),
    )


def _key_and_label(dimension: Dimension, item: dict, index: int) -> tuple:
    key = item[f"stat_key{index}"]
    if dimension.key == "@month":
        return (f"{key:%Y-%m}" if key else ""), (f"{key:%Y-%m}" if key else str(_NOT_SET))
    if isinstance(key, date):
        key = key.isoformat()
    if key in (None, ""):
        return "", str(dimension.empty_label or _NOT_SET)
    if dimension.label_field:
        return key, str(item[f"stat_label{index}"])
    if dimension.choices:
        return key, str(dict(dimension.choices).get(key, key))
    return key, str(key)


def _sort_key(dimension: Dimension, row: dict, index: int) -> tuple:
    """Groups in a stable, meaningful order: choices in their declared order, units by the tree,
    months by time; the "not set" group last."""
    key = row[f"key{index}"]
    if key in (None, ""):
        return (2, 0, "")
    if dimension.choices:
        positions = {value: position for position, (value, _label) in enumerate(dimension.choices)}
        return (0, positions.get(key, len(positions)), str(key))
    if dimension.order_field:  # units by the tree, categories by their sort order
        return (0, row[f"order{index}"], str(key))
    return (1, 0, str(key))


def statistics_xlsx(table: StatisticsTable) -> bytes:
    """The table as .xlsx: fixed Chinese headers, every text cell written as text (never a formula)."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    from rectification.documents import clean_text

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("统计")

    def cell(value, *, bold=False):
        if isinstance(value, str):
            value = clean_text(value)[:EXCEL_CELL_MAX]
        out = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            out.data_type = "s"
            if value.startswith(FORMULA_START):
                out.quotePrefix = True
        if bold:
            out.font = Font(bold=True)
            out.fill = PatternFill("solid", fgColor="D9E1F2")
            out.alignment = Alignment(horizontal="center")
        return out

    measure_label = EXPORT_MEASURE_LABELS[table.measure]
    unit_text = f" · {table.unit.name}" if table.unit is not None else ""
    sheet.append([cell(f"{measure_label}统计（{table.period.label}{unit_text}）", bold=True)])
    first = EXPORT_DIMENSION_LABELS[table.dimensions[0]]
    if len(table.dimensions) == 1:
        sheet.append([cell(first, bold=True), cell(measure_label, bold=True)])
        for row in table.rows:
            sheet.append([cell(row["label1"]), cell(row["count"])])
    else:
        second = EXPORT_DIMENSION_LABELS[table.dimensions[1]]
        sheet.append(
            [cell(f"{first} \\ {second}", bold=True)]
            + [cell(label, bold=True) for _key, label in table.columns]
            + [cell("合计", bold=True)]
        )
        for entry in table.pivot():
            sheet.append([cell(entry["label"])] + [cell(value) for value in entry["values"]] + [cell(entry["total"])])
    sheet.append([cell("合计", bold=True), cell(table.total)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
