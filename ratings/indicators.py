"""The indicator values of the Double Clean rating: one set-based query per source table, over the whole
set of rated units (a GROUP BY unit with conditional counts), never a query per unit. The number of
queries is the same for 5 units and for 500.

What each indicator counts for a unit and a year (calendar year in settings.TIME_ZONE):

- findings_per_head: the findings of the unit found in the year, weighted by severity (general 1,
  serious 3, grave 5), divided by the unit's headcount (its persons in service; at least 1);
- on_time_rate: of the unit's rectification items closed out in the year, the share closed out on or
  before their deadline (0-1); 1 when none was closed out in the year (nothing was late; open overdue
  items are counted by overdue_items);
- overdue_items: items still with the unit (open) whose deadline passed before the computation (for a
  past year: before 1 January of the next year), plus items closed out in the year after their deadline;
- confirmed_alerts: alerts of the unit's persons confirmed by dual verification, from the monthly
  assessments of the year;
- circuit_breaks: circuit breaks of the unit tripped in the year (restored ones too);
- cases: integrity cases of the unit whose misconduct happened in the year, except those concluded
  without a confirmed integrity problem (cleared);
- liabilities: liability records of the unit starting in the year, except those revoked on objection;
- manual_points: the sum of the round's manual adjustments for the unit (bonus positive, penalty negative).

The veto (一票否决) is read here too: a concluded (or closed) case of the unit with a confirmed integrity
problem whose misconduct happened in the year or that was concluded in the year.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncDate
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone

from accounts.models import Person, Unit
from cases.models import Case as IntegrityCase
from cases.models import Liability
from rectification.models import RectificationItem
from risk.models import Alert, CircuitBreak
from supervision.models import Finding, Severity

FINDINGS_PER_HEAD = "findings_per_head"
ON_TIME_RATE = "on_time_rate"
OVERDUE_ITEMS = "overdue_items"
CONFIRMED_ALERTS = "confirmed_alerts"
CIRCUIT_BREAKS = "circuit_breaks"
CASES = "cases"
LIABILITIES = "liabilities"
MANUAL_POINTS = "manual_points"
INDICATOR_CODES = (
    FINDINGS_PER_HEAD,
    ON_TIME_RATE,
    OVERDUE_ITEMS,
    CONFIRMED_ALERTS,
    CIRCUIT_BREAKS,
    CASES,
    LIABILITIES,
    MANUAL_POINTS,
)
SEVERITY_POINTS = {Severity.GENERAL: 1, Severity.SERIOUS: 3, Severity.GRAVE: 5}
RATED_KINDS = (Unit.Kind.SQUAD, Unit.Kind.WINDOW)
RATE_PLACES = Decimal("0.0001")
POINT_PLACES = Decimal("0.01")


def rated_units() -> QuerySet[Unit]:
    """Every active squad and service window: the units a round rates."""
    return Unit.objects.filter(is_active=True, kind__in=RATED_KINDS)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) of `year` in settings.TIME_ZONE (never a request's zone)."""
    zone = timezone.get_default_timezone()
    return datetime.combine(date(year, 1, 1), time.min, zone), datetime.combine(date(year + 1, 1, 1), time.min, zone)


@dataclass
class UnitFigures:
    """The counts behind one unit's indicator values."""

    headcount: int = 0
    findings_general: int = 0
    findings_serious: int = 0
    findings_grave: int = 0
    findings_points: int = 0
    items_closed: int = 0
    items_closed_on_time: int = 0
    items_closed_late: int = 0
    items_open_overdue: int = 0
    confirmed_alerts: int = 0
    circuit_breaks: int = 0
    cases: int = 0
    liabilities: int = 0
    manual_points: Decimal = Decimal("0.00")
    veto_cases: list[str] = field(default_factory=list)

    @property
    def vetoed(self) -> bool:
        return bool(self.veto_cases)

    def indicator_values(self) -> dict[str, Decimal | int]:
        heads = max(self.headcount, 1)
        findings_per_head = (Decimal(self.findings_points) / heads).quantize(RATE_PLACES, ROUND_HALF_UP)
        if self.items_closed:
            on_time = (Decimal(self.items_closed_on_time) / self.items_closed).quantize(RATE_PLACES, ROUND_HALF_UP)
        else:
            on_time = Decimal(1).quantize(RATE_PLACES)
        return {
            FINDINGS_PER_HEAD: findings_per_head,
            ON_TIME_RATE: on_time,
            OVERDUE_ITEMS: self.items_open_overdue + self.items_closed_late,
            CONFIRMED_ALERTS: self.confirmed_alerts,
            CIRCUIT_BREAKS: self.circuit_breaks,
            CASES: self.cases,
            LIABILITIES: self.liabilities,
            MANUAL_POINTS: self.manual_points.quantize(POINT_PLACES),
        }

    def as_dict(self) -> dict:
        return {
            "headcount": self.headcount,
            "findings_general": self.findings_general,
            "findings_serious": self.findings_serious,
            "findings_grave": self.findings_grave,
            "findings_points": self.findings_points,
            "items_closed": self.items_closed,
            "items_closed_on_time": self.items_closed_on_time,
            "items_closed_late": self.items_closed_late,
            "items_open_overdue": self.items_open_overdue,
            "veto_cases": list(self.veto_cases),
        }


def _grouped(queryset: QuerySet, **aggregates) -> dict[int, dict]:
    """One GROUP BY unit query: {unit_id: {name: value}}."""
    rows = queryset.values("unit_id").annotate(**aggregates).order_by()
    return {row.pop("unit_id"): row for row in rows}


def unit_figures(*, year: int, unit_ids: list[int], rating_round=None, today: date | None = None) -> dict:
    """{unit_id: UnitFigures} for the given units and year: eight queries whatever the number of units."""
    today = today or timezone.localdate()
    start, end = year_bounds(year)
    first_day, next_first_day = date(year, 1, 1), date(year + 1, 1, 1)
    overdue_cutoff = min(today, next_first_day)
    figures = {unit_id: UnitFigures() for unit_id in unit_ids}

    for unit_id, row in _grouped(Person.objects.filter(unit_id__in=unit_ids, is_active=True), n=Count("id")).items():
        figures[unit_id].headcount = row["n"]

    points = Case(
        *[When(severity=severity, then=Value(value)) for severity, value in SEVERITY_POINTS.items()],
        default=Value(0),
        output_field=IntegerField(),
    )
    findings = Finding.objects.filter(unit_id__in=unit_ids, found_on__gte=first_day, found_on__lt=next_first_day)
    for unit_id, row in _grouped(
        findings,
        general=Count("id", filter=Q(severity=Severity.GENERAL)),
        serious=Count("id", filter=Q(severity=Severity.SERIOUS)),
        grave=Count("id", filter=Q(severity=Severity.GRAVE)),
        points=Sum(points),
    ).items():
        target = figures[unit_id]
        target.findings_general, target.findings_serious, target.findings_grave = (
            row["general"],
            row["serious"],
            row["grave"],
        )
        target.findings_points = row["points"] or 0

    closed_day = TruncDate("closed_at", tzinfo=timezone.get_default_timezone())
    closed_in_year = Q(status=RectificationItem.Status.CLOSED, closed_at__gte=start, closed_at__lt=end)
    items = RectificationItem.objects.filter(unit_id__in=unit_ids).filter(
        closed_in_year | Q(status=RectificationItem.Status.OPEN, deadline__lt=overdue_cutoff)
    )
    for unit_id, row in _grouped(
        items,
        closed=Count("id", filter=closed_in_year),
        on_time=Count("id", filter=closed_in_year & Q(LessThanOrEqual(closed_day, F("deadline")))),
        late=Count("id", filter=closed_in_year & Q(GreaterThan(closed_day, F("deadline")))),
        open_overdue=Count("id", filter=Q(status=RectificationItem.Status.OPEN, deadline__lt=overdue_cutoff)),
    ).items():
        target = figures[unit_id]
        target.items_closed, target.items_closed_on_time = row["closed"], row["on_time"]
        target.items_closed_late, target.items_open_overdue = row["late"], row["open_overdue"]

    alerts = Alert.objects.filter(
        unit_id__in=unit_ids,
        status=Alert.Status.CONFIRMED,
        assessment__month__gte=first_day,
        assessment__month__lt=next_first_day,
    )
    for unit_id, row in _grouped(alerts, n=Count("id")).items():
        figures[unit_id].confirmed_alerts = row["n"]

    breaks = CircuitBreak.objects.filter(unit_id__in=unit_ids, tripped_at__gte=start, tripped_at__lt=end)
    for unit_id, row in _grouped(breaks, n=Count("id")).items():
        figures[unit_id].circuit_breaks = row["n"]

    in_year = Q(misconduct_date__gte=first_day, misconduct_date__lt=next_first_day)
    not_cleared = Q(integrity_problem_confirmed__isnull=True) | Q(integrity_problem_confirmed=True)
    veto = Q(
        status__in=[IntegrityCase.Status.CONCLUDED, IntegrityCase.Status.CLOSED],
        integrity_problem_confirmed=True,
    ) & (in_year | Q(concluded_at__gte=start, concluded_at__lt=end))
    case_rows = (
        IntegrityCase.objects.filter(unit_id__in=unit_ids)
        .filter((in_year & not_cleared) | veto)
        .annotate(
            counts=Case(When(in_year & not_cleared, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
        .annotate(vetoes=Case(When(veto, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .values_list("unit_id", "number", "counts", "vetoes")
        .order_by("unit_id", "number")
    )
    for unit_id, number, counts, vetoes in case_rows:
        figures[unit_id].cases += counts
        if vetoes:
            figures[unit_id].veto_cases.append(number)

    liabilities = Liability.objects.filter(
        unit_id__in=unit_ids, start_date__gte=first_day, start_date__lt=next_first_day
    ).exclude(status=Liability.Status.REVOKED)
    for unit_id, row in _grouped(liabilities, n=Count("id")).items():
        figures[unit_id].liabilities = row["n"]

    if rating_round is not None:
        from ratings.models import RatingAdjustment

        adjustments = RatingAdjustment.objects.filter(round=rating_round, unit_id__in=unit_ids)
        for unit_id, row in _grouped(adjustments, total=Sum("points")).items():
            figures[unit_id].manual_points = row["total"] or Decimal("0.00")
    return figures
