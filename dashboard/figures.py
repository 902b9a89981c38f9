"""The one place where the platform's figures are computed: the committee dashboard, the big screen,
the report API and the half-year / annual reports all call these functions.

Interface (other modules depend on these names):

    Period, parse_period(text), key_figures, trends, rectification_report, risk_report, cases_report,
    findings_breakdown, rating_distribution, summary

`user` is the person asking; every figure is limited to what their roles may read in their data scope
(see dashboard.roles). `user=None` means the whole detachment and is ONLY for unattended tasks (the
report generator), never for a request. `unit` (a Unit in the user's scope, or its id) narrows every
figure to that unit and the units below it; a unit outside the scope is refused exactly like an unknown
one (DomainError on the field "unit").

Every figure is one aggregate query (conditional aggregation, `values().annotate()`), so a call costs a
small fixed number of queries whatever the size of the data or the number of units.

Where the figures come from, and how fresh they are (each figure carries its `as_of`):

- ROLLUP (as_of = the last refresh of dashboard.rollups, "数据截至 …", every 15 minutes): everything over
  the large tables. Findings (open ones, and by category / layer / severity) and rectification items
  (open, awaiting verification, overdue; due, closed out, on time and the working days to close out of
  the items due in the period) come from current-state rollups that a refresh rewrites for every month,
  so at the refresh they equal the lists they drill down to; business records and alerts (by grade /
  status / area) from monthly rollups; the month-by-month trends of every measure likewise. A period
  that cuts a month (a custom range, or one ending today) reads its whole months from the rollups by
  month and the days of the cut months from the rollups by day (items by day due, findings' layers by
  day found) or, for the findings' categories and severities, live from the table (a month taken from
  its first day to today is read whole: no finding is dated after today); the monthly event rollups of
  alerts and business records count every month the period touches. The half-year and annual reports
  refresh the rollups first.
- LIVE (as_of = the moment of the call): the small tables: circuit breaks, cases and persons
  concerned, liability records, ratings.

Definitions:

- open finding: not (yet) part of a closed-out rectification notice (a reopened notice opens it again);
- open item: with the unit (status open); submitted: awaiting verification; overdue: open and past its
  deadline today (what the item list's `overdue=true` filter shows);
- items of a period: items whose deadline falls in it. closure rate = closed out / due; on-time rate =
  closed out on or before the deadline / due; mean working days to close out: from the day the item was
  created to the day it was closed out, in working days (core.calendar: holidays and make-up workdays),
  over the closed-out items of the period;
- alerts of a period: alerts of the monthly assessments of the months it touches;
- cases of a period: cases opened in it; persons concerned: one per person per case;
- liability records of a period: records whose disqualification starts in it.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

from django.db.models import Case as Conditional
from django.db.models import Count, IntegerField, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BusinessArea, Person, Unit
from accounts.selectors import user_has_role, user_sees_all, visible_units
from cases.models import Case, CaseCategory, CasePerson, CaseSeverity, Liability, LiabilityLevel
from core.errors import DomainError
from dashboard import roles
from dashboard.models import Measure, RollupMonthly, RollupState
from dashboard.rollups import (
    CLOSED_ITEMS,
    ON_TIME,
    OVERDUE,
    WORKING_DAYS,
)
from ratings.models import Grade as RatingGrade
from ratings.models import RatingRound, UnitRating
from rectification.models import RectificationItem
from risk.models import Alert, CircuitBreak, RiskModel
from risk.selectors import risk_model_precision, user_has_role_for_all_units
from supervision.models import Finding, FindingCategory, Severity, SupervisionLayer

MIN_YEAR, MAX_YEAR = 2000, 2099
MAX_TREND_MONTHS = 36
DEFAULT_TOP = 10

Item = RectificationItem

# --- periods -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A span of days, both ends included, with its canonical text (`label`) and kind."""

    start: date
    end: date
    label: str
    kind: str

    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"
    CUSTOM = "custom"

    @property
    def first_month(self) -> date:
        return self.start.replace(day=1)

    @property
    def months(self) -> list[date]:
        """The first days of the months the period touches."""
        months, month = [], self.first_month
        while month <= self.end:
            months.append(month)
            month = _next_month(month)
        return months

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes in settings.TIME_ZONE (not the request's)."""
        zone = timezone.get_default_timezone()
        return (
            datetime.combine(self.start, time.min, zone),
            datetime.combine(self.end + timedelta(days=1), time.min, zone),
        )

    @property
    def display(self) -> str:
        """The period for people (in the active language)."""
        year = self.start.year
        if self.kind == self.MONTH:
            return _("%(year)d-%(month)02d") % {"year": year, "month": self.start.month}
        if self.kind == self.QUARTER:
            return _("%(year)d Q%(quarter)d") % {"year": year, "quarter": (self.start.month - 1) // 3 + 1}
        if self.kind == self.HALF_YEAR:
            if self.start.month == 1:
                return _("First half of %(year)d") % {"year": year}
            return _("Second half of %(year)d") % {"year": year}
        if self.kind == self.YEAR:
            return _("Year %(year)d") % {"year": year}
        return _("%(start)s to %(end)s") % {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def as_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "kind": self.kind,
            "display": self.display,
        }


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")
_HALF = re.compile(r"^(\d{4})[Hh]([12])$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$")


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def _month_end(month: date) -> date:
    return _next_month(month) - timedelta(days=1)


def _bad_period(text: str) -> DomainError:
    return DomainError(
        _(
            "Not a period: %(text)s. Write a month (2026-10), a quarter (2026Q3), a half year (2026H1), "
            "a year (2026) or a range (2026-01-05..2026-03-31)."
        )
        % {"text": text},
        field="period",
    )


def _check_year(year: int, text: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(
            _("The year of %(text)s is outside %(min)d-%(max)d.") % {"text": text, "min": MIN_YEAR, "max": MAX_YEAR},
            field="period",
        )


def parse_period(text: str) -> Period:
    """ "2026-10" (month), "2026Q3", "2026H1", "2026" or "2026-01-05..2026-03-31" (both days included).
    Raises DomainError(field="period") on anything else, and when the range ends before it starts."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Choose a period."), field="period")
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        _check_year(year, text)
        if not 1 <= month <= 12:
            raise _bad_period(text)
        start = date(year, month, 1)
        return Period(start, _month_end(start), f"{year}-{month:02d}", Period.MONTH)
    if match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        _check_year(year, text)
        start = date(year, 3 * quarter - 2, 1)
        return Period(start, _month_end(date(year, 3 * quarter, 1)), f"{year}Q{quarter}", Period.QUARTER)
    if match := _HALF.match(text):
        year, half = int(match[1]), int(match[2])
        _check_year(year, text)
        start = date(year, 1 if half == 1 else 7, 1)
        return Period(start, _month_end(date(year, 6 if half == 1 else 12, 1)), f"{year}H{half}", Period.HALF_YEAR)
    if match := _YEAR.match(text):
        year = int(match[1])
        _check_year(year, text)
        return Period(date(year, 1, 1), date(year, 12, 31), str(year), Period.YEAR)
    if match := _RANGE.match(text):
        try:
            start, end = date.fromisoformat(match[1]), date.fromisoformat(match[2])
        except ValueError:
            raise _bad_period(text) from None
        return period_between(start, end)
    raise _bad_period(text)


def period_between(start: date, end: date, *, field: str = "period") -> Period:
    """A custom period from two days (both included); DomainError on `field` if it ends before it starts."""
    for day in (start, end):
        _check_year(day.year, day.isoformat())
    if end < start:
        raise DomainError(
            _("The period ends (%(end)s) before it starts (%(start)s).")
            % {"start": start.isoformat(), "end": end.isoformat()},
            field=field,
        )
    return Period(start, end, f"{start.isoformat()}..{end.isoformat()}", Period.CUSTOM)


def default_period(today: date | None = None) -> Period:
    """The current year: what the dashboard shows when no period is chosen."""
    return parse_period(str((today or timezone.localdate()).year))


def period_of(value) -> Period:
    return value if isinstance(value, Period) else parse_period(str(value))


# --- scope ---------------------------------------------------------------------------------------------

_NOTHING = object()  # marker: the user holds none of the roles


def resolve_unit(user, unit) -> Unit | None:
    """The Unit for a `unit` argument (a Unit or its id), checked against the user's scope: an
    unknown unit and one outside the scope are refused the same way."""
    if unit in (None, ""):
        return None
    pk = unit.pk if isinstance(unit, Unit) else unit
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise DomainError(_("Unknown unit."), field="unit") from None
    units = Unit.objects.all() if user is None else visible_units(user)
    found = units.filter(pk=pk).first()
    if found is None:
        raise DomainError(_("Unknown unit."), field="unit")
    return found


class Scope:
    """What one user may count, as Q objects over a unit field. Built once per call."""

    def __init__(self, user, unit: Unit | None):
        self.user = user
        self.unit = unit

    def has(self, role_group: tuple[str, ...]) -> bool:
        return self.user is None or user_has_role(self.user, *role_group)

    def _units(self, role_group: tuple[str, ...] | None):
        """None: no restriction; _NOTHING: none of the roles; else a subquery of unit ids."""
        if self.user is None:
            return None
        if role_group is None:
            return None if user_sees_all(self.user) else visible_units(self.user).values("pk")
        if not user_has_role(self.user, *role_group):
            return _NOTHING
        if user_has_role_for_all_units(self.user, role_group):
            return None
        return visible_units(self.user, roles=role_group).values("pk")

    def _narrow(self, field: str) -> Q:
        if self.unit is None:
            return Q()
        return Q(**{f"{field}__in": Unit.objects.filter(path__startswith=self.unit.path).values("pk")})

    def q(self, field: str = "unit", role_group: tuple[str, ...] | None = None) -> Q:
        """Rows whose `field` is a unit the roles (any role when None) cover, within `unit`."""
        units = self._units(role_group)
        if units is _NOTHING:
            return Q(pk__in=[])
        condition = self._narrow(field)
        if units is not None:
            condition &= Q(**{f"{field}__in": units})
        return condition

    def alert_q(self, field: str = "unit", status_field: str = "status") -> Q:
        """Alerts: every status for the full roles, confirmed ones for unit leaders."""
        full = self._units(roles.ALERT_FULL_ROLES)
        narrow = self._narrow(field)
        if full is None:
            return narrow
        confirmed_only = self._units(roles.ALERT_CONFIRMED_ONLY_ROLES)
        parts = []
        if full is not _NOTHING:
            parts.append(Q(**{f"{field}__in": full}))
        if confirmed_only is None:
            parts.append(Q(**{status_field: Alert.Status.CONFIRMED}))
        elif confirmed_only is not _NOTHING:
            parts.append(Q(**{status_field: Alert.Status.CONFIRMED, f"{field}__in": confirmed_only}))
        if not parts:
            return Q(pk__in=[])
        condition = parts[0]
        for part in parts[1:]:
            condition |= part
        return narrow & condition

    def visible(self) -> dict[str, bool]:
        """Which families of figures this user reads (the pages hide the others)."""
        user = self.user
        return {
            "alerts": self.has(roles.ALERT_FULL_ROLES + roles.ALERT_CONFIRMED_ONLY_ROLES),
            "pending_alerts": self.has(roles.ALERT_FULL_ROLES),
            "cases": self.has(roles.CASE_FULL_ROLES + roles.CASE_COUNT_ROLES),
            "case_details": self.has(roles.CASE_FULL_ROLES),
            "liabilities": self.has(roles.LIABILITY_ROLES),
            "model_precision": user is None or user_has_role_for_all_units(user, roles.PRECISION_ROLES),
        }


# --- the context of one call -------------------------------------------------------------------------


class _Figures:
    """One call's user, scope, period and clock, with the rollup states read at most once."""

    def __init__(self, *, user, unit=None, period: Period | None = None):
        self.user = user
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.unit = resolve_unit(user, unit)
        self.scope = Scope(user, self.unit)
        self.period = period
        self._states: dict[str, datetime | None] | None = None
        self._visible: dict[str, bool] | None = None

    @property
    def visible(self) -> dict[str, bool]:
        if self._visible is None:
            self._visible = self.scope.visible()
        return self._visible

    def live(self, value) -> dict:
        return {"value": value, "as_of": self.now}

    def as_of(self, *measures: str) -> datetime | None:
        """The oldest refresh of these rollup measures (None before the first refresh)."""
        if self._states is None:
            self._states = dict(RollupState.objects.values_list("measure", "refreshed_at"))
        times = [self._states.get(measure) for measure in measures]
        if not times or any(moment is None for moment in times):
            return None
        return min(times)

    def rolled(self, value, *measures: str) -> dict:
        return {"value": value, "as_of": self.as_of(*measures)}

    def head(self) -> dict:
        return {
            "period": self.period.as_dict() if self.period else None,
            "unit": {"id": self.unit.pk, "name": self.unit.name} if self.unit else None,
        }

    # --- the period's months: whole ones from the rollups by month, cut ones by day -------------------

    @cached_property
    def split(self) -> tuple[list[date], list[tuple[date, date]]]:
        """The period's whole months (read from the rollups by month) and the day ranges of the months it
        cuts (read from the rollups by day, or counted live): a month, quarter, half year or year cuts
        none."""
        whole, cut = [], []
        for month in self.period.months:
            first, last = max(month, self.period.start), min(_month_end(month), self.period.end)
            if (first, last) == (month, _month_end(month)):
                whole.append(month)
            else:
                cut.append((first, last))
        return whole, cut

    @cached_property
    def past_split(self) -> tuple[list[date], list[tuple[date, date]]]:
        """`split` for the findings, whose day found cannot come after today (finding_create refuses it):
        a month the period takes from its first day to today or later holds all of its findings, and is
        read whole from the rollups, as of their refresh. The current month of a period ending today is
        then one rollup read instead of a live count of every finding found this month (bench B6)."""
        whole, cut = list(self.split[0]), []
        for first, last in self.split[1]:
            if first.day == 1 and last >= self.today:
                whole.append(first)
            else:
                cut.append((first, last))
        return sorted(whole), cut

    def edges(self, field: str, *, past: bool = False) -> Q | None:
        """Rows whose `field` (a date) falls in a month the period cuts (`past`: as `past_split` cuts it);
        None when it cuts none."""
        cut = (self.past_split if past else self.split)[1]
        if not cut:
            return None
        condition = Q()
        for first, last in cut:
            condition |= Q(**{f"{field}__range": (first, last)})
        return condition

    def whole_months(self, *measures: str, past: bool = False) -> Q:
        """Rollup rows by month of these measures in the period's whole months (`past`: as `past_split` has
        them); none when it has none."""
        whole = (self.past_split if past else self.split)[0]
        if not whole:
            return Q(pk__in=[])
        return Q(measure__in=measures, month__gte=whole[0], month__lte=whole[-1])

    def cut_days(self, day_measure: str, *, past: bool = False) -> Q:
        """Rollup rows by day of `day_measure` in the days of the months the period cuts (`past`: as
        `past_split` cuts them); none when it cuts none."""
        edges = self.edges("month", past=past)
        return Q(pk__in=[]) if edges is None else Q(edges, measure=day_measure)

    def rolled_rows(self, *measures: str, every_month: bool = False, past: bool = False):
        """Rollup rows of these measures within scope: of every month (a current-state measure read as
        a whole) or of the period's whole months (`past`: as `past_split` has them)."""
        rows = RollupMonthly.objects.filter(self.scope.q())
        if every_month:
            return rows.filter(measure__in=measures)
        return rows.filter(self.whole_months(*measures, past=past))

    # --- findings -----------------------------------------------------------------------------------

    FINDING_MEASURES = (
        Measure.FINDINGS_CATEGORY,
        Measure.FINDINGS_LAYER,
        Measure.FINDINGS_SEVERITY,
        Measure.FINDINGS_LAYER_DAY,
    )

    @cached_property
    def _cut_findings(self) -> list[tuple]:
        """(category id, severity, count) of the findings found in the days of the months the period cuts:
        one index-only query (finding_found_on_cover)."""
        edges = self.edges("found_on", past=True)
        if edges is None:
            return []
        return list(
            Finding.objects.filter(self.scope.q(), edges)
            .values_list("category_id", "severity")
            .annotate(total=Count("*"))
            .order_by()
        )

    def _findings_by(self, measure: str, position: int | None) -> dict[str, int]:
        """Findings found in the period per value of a dimension (as text; "" for none): the whole months
        from the rollups; the cut days from _cut_findings (`position`: the dimension's place in its rows)
        or, for the supervision layer (None), from the rollup by day."""
        counts: dict[str, int] = defaultdict(int)
        rolled = self.rolled_rows(measure, past=True)
        for value, total in rolled.values_list("dim1").annotate(total=Sum("value")).order_by():
            counts[value] += total
        if position is not None:
            for row in self._cut_findings:
                counts["" if row[position] is None else str(row[position])] += row[-1]
        elif self.edges("month", past=True) is not None:
            rows = RollupMonthly.objects.filter(self.scope.q(), self.cut_days(Measure.FINDINGS_LAYER_DAY, past=True))
            for value, total in rows.values_list("dim1").annotate(total=Sum("value")).order_by():
                counts[value] += total
        return counts

    @cached_property
    def finding_counts(self) -> dict:
        open_findings = self.rolled_rows(Measure.OPEN_FINDINGS, every_month=True).aggregate(total=Sum("value"))
        return {
            "open": open_findings["total"] or 0,
            "in_period": sum(row["count"] for row in self.findings_by_severity),
        }

    def findings_by_category(self) -> list[dict]:
        counts = {int(pk): count for pk, count in self._findings_by(Measure.FINDINGS_CATEGORY, 0).items()}
        categories = FindingCategory.objects.filter(pk__in=[pk for pk, count in counts.items() if count])
        return [
            {"category_id": c.pk, "code": c.code, "name": c.name, "count": counts[c.pk]}
            for c in categories.order_by("sort_order", "code")
        ]

    def findings_by_layer(self) -> list[dict]:
        counts = self._findings_by(Measure.FINDINGS_LAYER, None)
        rows = [
            {"layer": value, "label": str(label), "count": counts.get(value, 0)}
            for value, label in SupervisionLayer.choices
        ]
        # Findings from petitions, complaints, audits, alerts or public feedback have no inspection.
        rows.append({"layer": "", "label": _("Not from an inspection"), "count": counts.get("", 0)})
        return rows

    @cached_property
    def findings_by_severity(self) -> list[dict]:
        """Read twice per summary (the breakdown and the key figures' total): computed once."""
        counts = self._findings_by(Measure.FINDINGS_SEVERITY, 1)
        return [
            {"severity": value, "label": str(label), "count": counts.get(value, 0)} for value, label in Severity.choices
        ]

    # --- rectification ------------------------------------------------------------------------------

    # The figures of the items due in a period read the rollups by month due and by day due.
    ITEM_STATE_MEASURES = (Measure.ITEM_STATES, Measure.ITEM_STATES_DAY)
    ITEM_CLOSE_MEASURES = (Measure.ITEM_CLOSE_DAYS, Measure.ITEM_CLOSE_DAYS_DAY)
    ITEM_MEASURES = ITEM_STATE_MEASURES + ITEM_CLOSE_MEASURES

    @cached_property
    def item_counts(self) -> dict:
        """Open, awaiting verification and overdue: every item at the refresh. Due, closed out and closed
        out on time: the items due in the period, from the rollups by month due for its whole months and
        by day due for the days of the months it cuts. One query."""
        whole = set(self.split[0])
        counts = dict.fromkeys(("open", "submitted", "overdue", "due", "closed", "closed_on_time"), 0)
        rows = (
            RollupMonthly.objects.filter(self.scope.q())
            .filter(Q(measure=Measure.ITEM_STATES) | self.cut_days(Measure.ITEM_STATES_DAY))
            .values_list("measure", "month", "dim1", "dim2")
            .annotate(total=Sum("value"))
            .order_by()
        )
        for measure, month, status, standing, total in rows:
            if measure == Measure.ITEM_STATES:
                if status == Item.Status.OPEN:
                    counts["open"] += total
                elif status == Item.Status.SUBMITTED:
                    counts["submitted"] += total
                counts["overdue"] += total if standing == OVERDUE else 0
                if month not in whole:
                    continue
            counts["due"] += total
            counts["closed"] += total if status == Item.Status.CLOSED else 0
            counts["closed_on_time"] += total if standing == ON_TIME else 0
        counts["closure_rate"] = _rate(counts["closed"], counts["due"])
        counts["on_time_rate"] = _rate(counts["closed_on_time"], counts["due"])
        return counts

    @cached_property
    def mean_working_days_to_close(self) -> float | None:
        """Over the closed-out items due in the period: the rollups' sums by month due for its whole months
        and by day due for the days of the months it cuts. One query."""
        sums = dict(
            RollupMonthly.objects.filter(self.scope.q())
            .filter(self.whole_months(Measure.ITEM_CLOSE_DAYS) | self.cut_days(Measure.ITEM_CLOSE_DAYS_DAY))
            .values_list("dim1")
            .annotate(total=Sum("value"))
            .order_by()
        )
        days, items = sums.get(WORKING_DAYS, 0), sums.get(CLOSED_ITEMS, 0)
        return round(days / items, 1) if items else None

    def overdue_by_unit(self, top: int = DEFAULT_TOP) -> list[dict]:
        rows = (
            self.rolled_rows(Measure.ITEM_STATES, every_month=True)
            .filter(dim2=OVERDUE)
            .values("unit_id", "unit__name", "unit__path")
            .annotate(overdue=Sum("value"))
            .order_by("-overdue", "unit__path")[:top]
        )
        return [{"unit_id": r["unit_id"], "unit_name": r["unit__name"], "overdue": r["overdue"]} for r in rows]

    # --- risk ---------------------------------------------------------------------------------------

    def _rollups(self, *measures: str, months: list[date] | None = None):
        """Rollup rows of these measures in the period's months (or `months`), within scope."""
        general = [m for m in measures if m not in (Measure.ALERTS, Measure.ALERT_AREAS, Measure.CASES)]
        condition = Q(pk__in=[])
        if general:
            condition |= Q(measure__in=general) & self.scope.q()
        alert_measures = [m for m in measures if m in (Measure.ALERTS, Measure.ALERT_AREAS)]
        if alert_measures:
            condition |= Q(measure__in=alert_measures) & self.scope.alert_q(status_field="dim2")
        if Measure.CASES in measures:
            condition |= Q(measure=Measure.CASES) & self.scope.q(
                role_group=roles.CASE_FULL_ROLES + roles.CASE_COUNT_ROLES
            )
        if months is None:
            months_q = Q(month__gte=self.period.first_month, month__lte=self.period.end)
        else:
            months_q = Q(month__gte=months[0], month__lte=months[-1])
        return RollupMonthly.objects.filter(condition, months_q)

    @cached_property
    def alerts_by_grade_and_status(self) -> dict:
        rows = self._rollups(Measure.ALERTS).values_list("dim1", "dim2").annotate(total=Sum("value")).order_by()
        by_grade: dict[str, int] = defaultdict(int)
        by_status: dict[str, int] = defaultdict(int)
        for grade, status, total in rows:
            by_grade[grade] += total
            by_status[status] += total
        return {
            "by_grade": {value: by_grade.get(value, 0) for value in Alert.Grade.values},
            "by_status": {value: by_status.get(value, 0) for value in Alert.Status.values},
            "total": sum(by_grade.values()),
        }

    def alerts_by_area(self) -> list[dict]:
        counts = dict(self._rollups(Measure.ALERT_AREAS).values_list("dim1").annotate(total=Sum("value")).order_by())
        return [
            {"area": value, "label": str(label), "count": counts.get(value, 0)}
            for value, label in BusinessArea.Code.choices
        ]

    @cached_property
    def breaker_counts(self) -> dict:
        start, end = self.period.bounds()
        return CircuitBreak.objects.filter(self.scope.q()).aggregate(
            active=Count("id", filter=Q(status=CircuitBreak.Status.ACTIVE)),
            restore_requested=Count("id", filter=Q(status=CircuitBreak.Status.RESTORE_REQUESTED)),
            tripped_in_period=Count("id", filter=Q(tripped_at__gte=start, tripped_at__lt=end)),
            restored_in_period=Count("id", filter=Q(restored_at__gte=start, restored_at__lt=end)),
        )

    def business_records_by_area(self) -> list[dict]:
        rows = (
            self._rollups(Measure.BUSINESS_RECORDS, Measure.FLAGGED_RECORDS)
            .values_list("measure", "dim1")
            .annotate(total=Sum("value"))
            .order_by()
        )
        totals = {(measure, area): total for measure, area, total in rows}
        return [
            {
                "area": value,
                "label": str(label),
                "records": totals.get((Measure.BUSINESS_RECORDS, value), 0),
                "flagged": totals.get((Measure.FLAGGED_RECORDS, value), 0),
            }
            for value, label in BusinessArea.Code.choices
        ]

    def model_precision(self) -> list[dict] | None:
        """Per supervision model, its hits and precision in dual verification (administrators only;
        over the whole detachment and all months, as on the models page)."""
        if not self.visible["model_precision"]:
            return None
        figures = risk_model_precision()
        models = RiskModel.objects.order_by("area", "code").values("id", "code", "name_zh", "area", "kind")
        empty = {"hits": 0, "hits_in_confirmed_alerts": 0, "hits_in_dismissed_alerts": 0, "hits_in_pending_alerts": 0}
        return [
            {
                "model_id": model["id"],
                "code": model["code"],
                "name": model["name_zh"],
                "area": model["area"],
                "kind": model["kind"],
                **empty,
                "precision": None,
                **figures.get(model["id"], {}),
            }
            for model in models
        ]

    # --- cases and liability ------------------------------------------------------------------------

    def case_q(self) -> Q:
        return self.scope.q(role_group=roles.CASE_FULL_ROLES + roles.CASE_COUNT_ROLES)

    @cached_property
    def case_counts(self) -> dict:
        start, end = self.period.bounds()
        return Case.objects.filter(self.case_q()).aggregate(
            open=Count("id", filter=Q(status__in=[Case.Status.OPEN, Case.Status.INVESTIGATING])),
            opened_in_period=Count("id", filter=Q(opened_at__gte=start, opened_at__lt=end)),
            concluded_in_period=Count("id", filter=Q(concluded_at__gte=start, concluded_at__lt=end)),
            confirmed_in_period=Count(
                "id", filter=Q(concluded_at__gte=start, concluded_at__lt=end, integrity_problem_confirmed=True)
            ),
        )

    def cases_in_period(self, role_group: tuple[str, ...]):
        start, end = self.period.bounds()
        return Case.objects.filter(self.scope.q(role_group=role_group), opened_at__gte=start, opened_at__lt=end)

    def cases_by_status_and_severity(self) -> dict:
        rows = (
            self.cases_in_period(roles.CASE_FULL_ROLES + roles.CASE_COUNT_ROLES)
            .values_list("status", "severity")
            .annotate(count=Count("id"))
            .order_by()
        )
        by_status: dict[str, int] = defaultdict(int)
        by_severity: dict[str, int] = defaultdict(int)
        for status, severity, count in rows:
            by_status[status] += count
            by_severity[severity] += count
        return {
            "by_status": [
                {"status": value, "label": str(label), "count": by_status.get(value, 0)}
                for value, label in Case.Status.choices
            ],
            "by_severity": [
                {"severity": value, "label": str(label), "count": by_severity.get(value, 0)}
                for value, label in CaseSeverity.choices
            ],
        }

    def cases_by_category(self) -> list[dict] | None:
        if not self.visible["case_details"]:
            return None
        counts = dict(
            self.cases_in_period(roles.CASE_FULL_ROLES).values_list("category").annotate(count=Count("id")).order_by()
        )
        return [
            {"category": value, "label": str(label), "count": counts.get(value, 0)}
            for value, label in CaseCategory.choices
        ]

    def case_persons_by_category_and_rank(self) -> dict | None:
        if not self.visible["case_details"]:
            return None
        start, end = self.period.bounds()
        rows = (
            CasePerson.objects.filter(
                self.scope.q(field="case__unit", role_group=roles.CASE_FULL_ROLES),
                case__opened_at__gte=start,
                case__opened_at__lt=end,
            )
            .values_list("person__category", "person__rank")
            .annotate(count=Count("id"))
            .order_by()
        )
        by_category: dict[str, int] = defaultdict(int)
        by_rank: dict[str, int] = defaultdict(int)
        for category, rank, count in rows:
            by_category[category] += count
            by_rank[rank] += count
        return {
            "by_police_category": [
                {"category": value, "label": str(label), "count": by_category.get(value, 0)}
                for value, label in Person.Category.choices
            ],
            "by_rank": [
                {"rank": value, "label": str(label), "count": by_rank.get(value, 0)}
                for value, label in Person.Rank.choices
            ],
        }

    def liability_counts(self) -> dict | None:
        if not self.visible["liabilities"]:
            return None
        rows = (
            Liability.objects.filter(
                self.scope.q(role_group=roles.LIABILITY_ROLES),
                start_date__range=(self.period.start, self.period.end),
            )
            .values_list("level")
            .annotate(count=Count("id"), in_force=Count("id", filter=~Q(status=Liability.Status.REVOKED)))
            .order_by()
        )
        counts = {level: (count, in_force) for level, count, in_force in rows}
        return {
            "total": sum(count for count, _in_force in counts.values()),
            "not_revoked": sum(in_force for _count, in_force in counts.values()),
            "by_level": [
                {"level": value, "label": str(label), "count": counts.get(value, (0, 0))[0]}
                for value, label in LiabilityLevel.choices
            ],
        }

    # --- ratings ------------------------------------------------------------------------------------

    def rating_distribution(self) -> dict:
        rounds = RatingRound.objects.all()
        if self.user is not None and not user_has_role(self.user, *roles.RATING_UNPUBLISHED_ROLES):
            rounds = rounds.filter(status=RatingRound.Status.PUBLISHED)
        published_first = Conditional(
            When(status=RatingRound.Status.PUBLISHED, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
        latest = rounds.annotate(published=published_first).order_by("-published", "-year").first()
        grades = [{"grade": value, "label": str(label), "count": 0} for value, label in RatingGrade.choices]
        if latest is None:
            return {"round": None, "grades": grades, "total": 0, "as_of": self.now}
        counts = dict(
            UnitRating.objects.filter(self.scope.q(), round=latest)
            .values_list("grade")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in grades:
            row["count"] = counts.get(row["grade"], 0)
        return {
            "round": {
                "id": latest.pk,
                "year": latest.year,
                "status": latest.status,
                "status_label": str(latest.get_status_display()),
            },
            "grades": grades,
            "total": sum(counts.values()),
            "as_of": self.now,
        }

    # --- trends -------------------------------------------------------------------------------------

    TREND_MEASURES = (
        Measure.FINDINGS,
        Measure.ITEMS_OPENED,
        Measure.ITEMS_CLOSED,
        Measure.ITEMS_OVERDUE,
        Measure.ALERTS,
        Measure.BREAKERS,
        Measure.CASES,
    )

    def trends(self, *, end: date, months: int) -> dict:
        if not isinstance(months, int) or not 1 <= months <= MAX_TREND_MONTHS:
            raise DomainError(_("Between 1 and %(max)d months, please.") % {"max": MAX_TREND_MONTHS}, field="months")
        last = end.replace(day=1)
        month_list = [last]
        for _index in range(months - 1):
            month_list.insert(0, (month_list[0] - timedelta(days=1)).replace(day=1))
        measures = [m for m in self.TREND_MEASURES if self._trend_visible(m)]
        rows = (
            self._rollups(*measures, months=month_list)
            .values_list("month", "measure")
            .annotate(total=Sum("value"))
            .order_by()
        )
        totals = {(month, measure): total for month, measure, total in rows}
        series = {
            measure: ([totals.get((month, measure), 0) for month in month_list] if measure in measures else None)
            for measure in self.TREND_MEASURES
        }
        return {
            **self.head(),
            "months": [f"{month:%Y-%m}" for month in month_list],
            "series": {str(measure): values for measure, values in series.items()},
            "as_of": self.as_of(*measures),
        }

    def _trend_visible(self, measure: str) -> bool:
        if measure == Measure.ALERTS:
            return self.visible["alerts"]
        if measure == Measure.CASES:
            return self.visible["cases"]
        return True


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# --- the public functions ------------------------------------------------------------------------------


def _key_figures(ctx: _Figures) -> dict:
    findings = ctx.finding_counts
    items = ctx.item_counts
    alerts = ctx.alerts_by_grade_and_status if ctx.visible["alerts"] else None
    breakers = ctx.breaker_counts
    cases = ctx.case_counts if ctx.visible["cases"] else None
    alert_measures = (Measure.ALERTS,)
    return {
        **ctx.head(),
        "visible": ctx.visible,
        "findings_in_period": ctx.rolled(findings["in_period"], Measure.FINDINGS_SEVERITY),
        "open_findings": ctx.rolled(findings["open"], Measure.OPEN_FINDINGS),
        "open_items": ctx.rolled(items["open"], Measure.ITEM_STATES),
        "submitted_items": ctx.rolled(items["submitted"], Measure.ITEM_STATES),
        "overdue_items": ctx.rolled(items["overdue"], Measure.ITEM_STATES),
        "items_due": ctx.rolled(items["due"], *ctx.ITEM_STATE_MEASURES),
        "items_closed": ctx.rolled(items["closed"], *ctx.ITEM_STATE_MEASURES),
        "items_closed_on_time": ctx.rolled(items["closed_on_time"], *ctx.ITEM_STATE_MEASURES),
        "closure_rate": ctx.rolled(items["closure_rate"], *ctx.ITEM_STATE_MEASURES),
        "on_time_rate": ctx.rolled(items["on_time_rate"], *ctx.ITEM_STATE_MEASURES),
        "mean_working_days_to_close": ctx.rolled(ctx.mean_working_days_to_close, *ctx.ITEM_CLOSE_MEASURES),
        "alerts_by_grade": ctx.rolled(alerts["by_grade"] if alerts else None, *alert_measures),
        "alerts_total": ctx.rolled(alerts["total"] if alerts else None, *alert_measures),
        "active_breakers": ctx.live(breakers["active"] + breakers["restore_requested"]),
        "breakers_tripped": ctx.live(breakers["tripped_in_period"]),
        "open_cases": ctx.live(cases["open"] if cases else None),
    }


def key_figures(*, user, period, unit=None) -> dict:
    """The dashboard's cards. Each figure is {"value": ..., "as_of": datetime}; a value of None means
    the user's roles do not read that figure (see `visible`) or, for a rate, that nothing was due."""
    return _key_figures(_Figures(user=user, unit=unit, period=period_of(period)))


def trends(*, user, end: date, months: int = 12, unit=None) -> dict:
    """Per month, the `months` months up to the month of `end`: findings, items opened / closed out /
    not closed by their deadline, alerts, circuit breaks tripped, cases opened (None: not readable by
    the user). From the rollups (`as_of`: the oldest refresh among them)."""
    return _Figures(user=user, unit=unit).trends(end=end, months=months)


def _rectification_report(ctx: _Figures, top: int = DEFAULT_TOP) -> dict:
    items = ctx.item_counts
    return {
        **ctx.head(),
        "items_due": items["due"],
        "items_closed": items["closed"],
        "items_closed_on_time": items["closed_on_time"],
        "closure_rate": items["closure_rate"],
        "on_time_rate": items["on_time_rate"],
        "mean_working_days_to_close": ctx.mean_working_days_to_close,
        "open_items": items["open"],
        "submitted_items": items["submitted"],
        "overdue_items": items["overdue"],
        "overdue_by_unit": ctx.overdue_by_unit(top),
        "as_of": ctx.as_of(*ctx.ITEM_MEASURES),
    }


def rectification_report(*, user, period, unit=None, top: int = DEFAULT_TOP) -> dict:
    """Closure rate, on-time rate and mean working days to close out of the items due in the period;
    items open / awaiting verification / overdue now, and the `top` units by overdue items."""
    return _rectification_report(_Figures(user=user, unit=unit, period=period_of(period)), top)


def _risk_report(ctx: _Figures) -> dict:
    alerts = ctx.alerts_by_grade_and_status if ctx.visible["alerts"] else None
    breakers = ctx.breaker_counts
    return {
        **ctx.head(),
        "visible": ctx.visible,
        "alerts_total": ctx.rolled(alerts["total"] if alerts else None, Measure.ALERTS),
        "alerts_by_grade": ctx.rolled(alerts["by_grade"] if alerts else None, Measure.ALERTS),
        "alerts_by_status": ctx.rolled(alerts["by_status"] if alerts else None, Measure.ALERTS),
        "alerts_by_area": ctx.rolled(ctx.alerts_by_area() if alerts else None, Measure.ALERT_AREAS),
        "breakers": ctx.live(breakers),
        "business_records_by_area": ctx.rolled(
            ctx.business_records_by_area(), Measure.BUSINESS_RECORDS, Measure.FLAGGED_RECORDS
        ),
        "model_precision": ctx.live(ctx.model_precision()),
    }


def risk_report(*, user, period, unit=None) -> dict:
    """Alerts by grade, status and business area, circuit breaks, business records by area, and
    (administrators) each supervision model's precision."""
    return _risk_report(_Figures(user=user, unit=unit, period=period_of(period)))


def _cases_report(ctx: _Figures) -> dict:
    visible = ctx.visible
    counts = ctx.case_counts if visible["cases"] else None
    breakdown = ctx.cases_by_status_and_severity() if visible["cases"] else None
    persons = ctx.case_persons_by_category_and_rank()
    return {
        **ctx.head(),
        "visible": visible,
        "open_cases": counts["open"] if counts else None,
        "opened_in_period": counts["opened_in_period"] if counts else None,
        "concluded_in_period": counts["concluded_in_period"] if counts else None,
        "confirmed_in_period": counts["confirmed_in_period"] if counts else None,
        "by_status": breakdown["by_status"] if breakdown else None,
        "by_severity": breakdown["by_severity"] if breakdown else None,
        "by_category": ctx.cases_by_category(),
        "by_police_category": persons["by_police_category"] if persons else None,
        "by_rank": persons["by_rank"] if persons else None,
        "liabilities": ctx.liability_counts(),
        "as_of": ctx.now,
    }


def cases_report(*, user, period, unit=None) -> dict:
    """Cases opened in the period by status, severity and type (category); the persons concerned by
    police category and rank; liability records starting in the period by level. Parts the user's roles
    do not read are None."""
    return _cases_report(_Figures(user=user, unit=unit, period=period_of(period)))


def _findings_breakdown(ctx: _Figures) -> dict:
    by_category = ctx.findings_by_category()
    return {
        **ctx.head(),
        "total": sum(row["count"] for row in by_category),
        "by_category": by_category,
        "by_layer": ctx.findings_by_layer(),
        "by_severity": ctx.findings_by_severity,
        "as_of": ctx.as_of(*ctx.FINDING_MEASURES),
    }


def findings_breakdown(*, user, period, unit=None) -> dict:
    """Findings found in the period by category, supervision layer ("" = not from an inspection) and
    severity."""
    return _findings_breakdown(_Figures(user=user, unit=unit, period=period_of(period)))


def rating_distribution(*, user) -> dict:
    """The grade counts of the latest published Double Clean round (or, for those who may see drafts,
    the latest round when none is published yet), over the units in the user's scope."""
    return _Figures(user=user).rating_distribution()


def summary(*, user, period, unit=None) -> dict:
    """Everything above for one period (the report API and the .docx reports); the trends are the
    12 months up to the period's end."""
    ctx = _Figures(user=user, unit=unit, period=period_of(period))
    return {
        **ctx.head(),
        "visible": ctx.visible,
        "generated_at": ctx.now,
        "key_figures": _key_figures(ctx),
        "rectification": _rectification_report(ctx),
        "risk": _risk_report(ctx),
        "cases": _cases_report(ctx),
        "findings": _findings_breakdown(ctx),
        "ratings": ctx.rating_distribution(),
        "trends": ctx.trends(end=min(ctx.period.end, ctx.today), months=12),
    }
