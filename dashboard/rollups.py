"""Refreshing the monthly rollups (dashboard.models.RollupMonthly) from the large tables.

Each source is ONE aggregate query (`values(month, unit, dims).annotate(Count)`) over a run of
consecutive months, written with `bulk_create`; a refresh deletes the months it recomputes and inserts
them again inside one transaction, so running it twice changes nothing and a reader never sees a
half-written month. Which months a refresh recomputes:

- a measure never refreshed before: every month that has data (the first run backfills);
- business records: the months of the records imported (or re-imported) since the last refresh, with
  a margin for imports whose transaction was still open then (`imported_at` is indexed);
- the current-state measures (open findings, findings by category / layer / severity, item states,
  working days to close out; `Source.whole`): every month, every time: their rows are deleted and
  written again, because closing a notice today changes findings of any month (one query per source
  over the whole table);
- every other measure: the trailing TRAILING_MONTHS months (what the trends show). Older months
  change only when old data is edited; `refresh_rollups --month YYYY-MM` recomputes one month of
  every measure by hand.

Each measure's RollupState records when it was refreshed: the `as_of` of the figures read from it.
Rollups are derived data, not a state change of the business: a refresh is not audited.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Case as Conditional
from django.db.models import CharField, Count, DateField, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from accounts.models import BusinessArea
from cases.models import Case
from core.calendar import working_day_ordinals
from dashboard.models import Measure, RollupMonthly, RollupState
from rectification.models import RectificationItem, RectificationNotice
from risk.models import Alert, BusinessRecord, CircuitBreak, ModelHit
from supervision.models import Finding

TRAILING_MONTHS = 13
# Records imported up to this long before the previous refresh are looked at again: an import whose
# transaction was open during that refresh committed rows stamped before it.
IMPORT_MARGIN = timedelta(hours=2)
BATCH_SIZE = 2000

Item = RectificationItem


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def _month_start(month: date) -> datetime:
    return datetime.combine(month, time.min, timezone.get_default_timezone())


def _runs(months: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive months grouped into (first, last) runs: one aggregate query per run."""
    runs: list[tuple[date, date]] = []
    for month in sorted(set(months)):
        if runs and _next_month(runs[-1][1]) == month:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return runs


def _datetime_range(field_name: str, first: date, last: date) -> Q:
    return Q(**{f"{field_name}__gte": _month_start(first), f"{field_name}__lt": _month_start(_next_month(last))})


def _date_range(field_name: str, first: date, last: date) -> Q:
    return Q(**{f"{field_name}__gte": first, f"{field_name}__lt": _next_month(last)})


def _month_of(field_name: str, *, is_datetime: bool = True) -> TruncMonth:
    if not is_datetime:
        return TruncMonth(field_name, output_field=DateField())
    # Months of settings.TIME_ZONE, not of whoever triggered the refresh.
    return TruncMonth(field_name, output_field=DateField(), tzinfo=timezone.get_default_timezone())


class Source:
    """One aggregate query that yields the rows of one or more measures."""

    measures: tuple[str, ...] = ()
    # True: the rows describe the current state of every row of the table, so every refresh recomputes
    # all months (and first deletes all the measures' rows, months that have no data any more included).
    whole = False

    def data_months(self) -> list[date]:
        """Every month that has data (a first refresh backfills them)."""
        raise NotImplementedError

    def rows(self, first: date, last: date, today: date) -> Iterable[RollupMonthly]:
        """The rollup rows of the months from `first` to `last` (first days of months)."""
        raise NotImplementedError


class CountSource(Source):
    """Count the rows of a queryset per month of `month_field`, unit and up to two dimensions."""

    def __init__(self, measure, month_field, *, queryset, is_datetime=True, dims=(), condition=None):
        self.measures = (measure,)
        self.month_field = month_field
        self.queryset = queryset
        self.is_datetime = is_datetime
        self.dims = dims
        self.condition = condition

    def data_months(self):
        if self.is_datetime:
            dates = self.queryset().datetimes(self.month_field, "month", tzinfo=timezone.get_default_timezone())
            return [moment.date() for moment in dates]
        return list(self.queryset().dates(self.month_field, "month"))

    def rows(self, first, last, today):
        in_range = (_datetime_range if self.is_datetime else _date_range)(self.month_field, first, last)
        queryset = self.queryset().filter(in_range)
        if self.condition is not None:
            queryset = queryset.filter(self.condition(today))
        keys = {"rollup_month": _month_of(self.month_field, is_datetime=self.is_datetime)}
        for index, expression in enumerate(self.dims, start=1):
            keys[f"rollup_dim{index}"] = expression
        aggregate = queryset.annotate(**keys).values("unit_id", *keys).annotate(rollup_value=Count("pk")).order_by()
        measure = self.measures[0]
        for row in aggregate.iterator(chunk_size=BATCH_SIZE):
            yield RollupMonthly(
                month=row["rollup_month"],
                unit_id=row["unit_id"],
                measure=measure,
                dim1=_dim(row.get("rollup_dim1")),
                dim2=_dim(row.get("rollup_dim2")),
                value=row["rollup_value"],
            )


class AlertAreaSource(Source):
    """Alerts by business area: an alert counts once in each area of the models that hit its person in
    its assessment. One query: per (month, unit, status), a conditional count per area."""

    measures = (Measure.ALERT_AREAS,)

    def data_months(self):
        return list(Alert.objects.order_by().values_list("assessment__month", flat=True).distinct())

    def rows(self, first, last, today):
        areas = BusinessArea.Code.values
        counts = {
            f"area_{area}": Count(
                "pk",
                filter=Q(
                    Exists(
                        ModelHit.objects.filter(
                            assessment_id=OuterRef("assessment_id"), person_id=OuterRef("person_id"), model__area=area
                        )
                    )
                ),
            )
            for area in areas
        }
        aggregate = (
            Alert.objects.filter(assessment__month__gte=first, assessment__month__lte=last)
            .values("assessment__month", "unit_id", "status")
            .annotate(**counts)
            .order_by()
        )
        for row in aggregate.iterator(chunk_size=BATCH_SIZE):
            for area in areas:
                if row[f"area_{area}"]:
                    yield RollupMonthly(
                        month=row["assessment__month"],
                        unit_id=row["unit_id"],
                        measure=Measure.ALERT_AREAS,
                        dim1=area,
                        dim2=row["status"],
                        value=row[f"area_{area}"],
                    )


class RecordSource(Source):
    """Business records and flagged records by area: one query for both measures."""

    FLAG_FIELDS = tuple(f"flag_{flag}" for flag in BusinessRecord.FLAGS)

    measures = (Measure.BUSINESS_RECORDS, Measure.FLAGGED_RECORDS)

    def data_months(self):
        dates = BusinessRecord.objects.datetimes("accepted_at", "month", tzinfo=timezone.get_default_timezone())
        return [moment.date() for moment in dates]

    def changed_months(self, since: datetime) -> list[date]:
        dates = BusinessRecord.objects.filter(imported_at__gte=since).datetimes(
            "accepted_at", "month", tzinfo=timezone.get_default_timezone()
        )
        return [moment.date() for moment in dates]

    def rows(self, first, last, today):
        flagged = Q()
        for flag_field in self.FLAG_FIELDS:
            flagged |= Q(**{flag_field: True})
        aggregate = (
            BusinessRecord.objects.filter(_datetime_range("accepted_at", first, last))
            .annotate(rollup_month=_month_of("accepted_at"))
            .values("rollup_month", "unit_id", "area")
            .annotate(records=Count("pk"), flagged=Count("pk", filter=flagged))
            .order_by()
        )
        for row in aggregate.iterator(chunk_size=BATCH_SIZE):
            common = {"month": row["rollup_month"], "unit_id": row["unit_id"], "dim1": row["area"], "dim2": ""}
            yield RollupMonthly(measure=Measure.BUSINESS_RECORDS, value=row["records"], **common)
            if row["flagged"]:
                yield RollupMonthly(measure=Measure.FLAGGED_RECORDS, value=row["flagged"], **common)


class FindingSource(Source):
    """Findings by month found and unit, split by category, supervision layer ("" = not from an
    inspection) and severity, and how many of them are open at the refresh (not part of a closed-out
    notice), and by day found and layer: five measures from three queries."""

    measures = (
        Measure.FINDINGS_CATEGORY,
        Measure.FINDINGS_LAYER,
        Measure.FINDINGS_SEVERITY,
        Measure.OPEN_FINDINGS,
        Measure.FINDINGS_LAYER_DAY,
    )
    whole = True

    def data_months(self):
        return list(Finding.objects.dates("found_on", "month"))

    def rows(self, first, last, today):
        findings = Finding.objects.filter(_date_range("found_on", first, last)).annotate(
            rollup_month=_month_of("found_on", is_datetime=False)
        )
        totals = (
            findings.values("rollup_month", "unit_id", "category_id", "inspection__layer", "severity")
            .annotate(total=Count("pk"))
            .order_by()
        )
        sums: dict[tuple, int] = defaultdict(int)
        for row in totals.iterator(chunk_size=BATCH_SIZE):
            key = (row["rollup_month"], row["unit_id"])
            sums[(*key, Measure.FINDINGS_CATEGORY, _dim(row["category_id"]))] += row["total"]
            sums[(*key, Measure.FINDINGS_LAYER, _dim(row["inspection__layer"]))] += row["total"]
            sums[(*key, Measure.FINDINGS_SEVERITY, _dim(row["severity"]))] += row["total"]
        # By day and layer: the layer is the inspection's, a join too costly for the dashboard to make
        # live over the days of a month that a custom period cuts.
        by_day = findings.values("found_on", "unit_id", "inspection__layer").annotate(total=Count("*")).order_by()
        for row in by_day.iterator(chunk_size=BATCH_SIZE):
            key = (row["found_on"], row["unit_id"], Measure.FINDINGS_LAYER_DAY, _dim(row["inspection__layer"]))
            sums[key] += row["total"]
        # A query for the open ones: NOT EXISTS in WHERE is planned as one hash anti-join, where
        # the same test inside the aggregate's FILTER would run a subquery per finding (5x slower).
        closed_notice = RectificationNotice.objects.filter(
            findings=OuterRef("pk"), status=RectificationNotice.Status.CLOSED
        )
        open_findings = (
            findings.filter(~Exists(closed_notice))
            .values("rollup_month", "unit_id")
            .annotate(total=Count("pk"))
            .order_by()
        )
        for row in open_findings.iterator(chunk_size=BATCH_SIZE):
            sums[(row["rollup_month"], row["unit_id"], Measure.OPEN_FINDINGS, "")] += row["total"]
        for (month, unit_id, measure, dim1), value in sums.items():
            if value:
                yield RollupMonthly(month=month, unit_id=unit_id, measure=measure, dim1=dim1, dim2="", value=value)


ON_TIME, OVERDUE = "on_time", "overdue"


def item_standing(today: date) -> Conditional:
    """ "on_time": closed out on or before the deadline; "overdue": open and past the deadline on `today`
    (what the item list's overdue filter shows); "" otherwise."""
    return Conditional(
        When(Q(status=Item.Status.CLOSED, closed_at__date__lte=F("deadline")), then=Value(ON_TIME)),
        When(Q(status=Item.Status.OPEN, deadline__lt=today), then=Value(OVERDUE)),
        default=Value(""),
        output_field=CharField(),
    )


class ItemStateSource(Source):
    """Rectification items by day due and unit (ITEM_STATES_DAY) and by month due and unit (ITEM_STATES,
    the days summed), split by status (dim1) and standing (dim2, see item_standing) at the refresh. The
    days serve a period that cuts a month: the current month to today is read from them instead of
    counting its items live (bench B6)."""

    measures = (Measure.ITEM_STATES, Measure.ITEM_STATES_DAY)
    whole = True

    def data_months(self):
        return list(Item.objects.dates("deadline", "month"))

    def rows(self, first, last, today):
        aggregate = (
            Item.objects.filter(_date_range("deadline", first, last))
            .annotate(standing=item_standing(today))
            .values_list("deadline", "unit_id", "status", "standing")
            .annotate(value=Count("pk"))
            .order_by()
        )
        months: dict[tuple, int] = defaultdict(int)
        for day, unit_id, status, standing, value in aggregate.iterator(chunk_size=BATCH_SIZE):
            months[(day.replace(day=1), unit_id, status, standing)] += value
            yield RollupMonthly(
                month=day, unit_id=unit_id, measure=Measure.ITEM_STATES_DAY, dim1=status, dim2=standing, value=value
            )
        for (month, unit_id, status, standing), value in months.items():
            yield RollupMonthly(
                month=month, unit_id=unit_id, measure=Measure.ITEM_STATES, dim1=status, dim2=standing, value=value
            )


CLOSED_ITEMS, WORKING_DAYS = "items", "working_days"


class ItemCloseDaysSource(Source):
    """The closed-out items by day due and unit (ITEM_CLOSE_DAYS_DAY) and by month due and unit
    (ITEM_CLOSE_DAYS): how many (dim1 "items") and the sum of their working days from creation to
    close-out (dim1 "working_days"), so that the mean over any days or months is one sum divided by
    another. One query grouping by (day due, unit, day created, day closed out); the working days are
    then counted per distinct pair of days with one calendar query (core.calendar)."""

    measures = (Measure.ITEM_CLOSE_DAYS, Measure.ITEM_CLOSE_DAYS_DAY)
    whole = True

    def data_months(self):
        return list(Item.objects.filter(status=Item.Status.CLOSED).dates("deadline", "month"))

    def rows(self, first, last, today):
        pairs = list(
            close_out_pairs(Item.objects.filter(_date_range("deadline", first, last)), "deadline", "unit_id").iterator(
                chunk_size=BATCH_SIZE
            )
        )
        if not pairs:
            return
        ordinal_days = pair_working_days(pairs)
        sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
        for day, unit_id, opened_on, closed_on, count in pairs:
            working_days = ordinal_days[(opened_on, closed_on)] * count
            for key in ((Measure.ITEM_CLOSE_DAYS_DAY, day), (Measure.ITEM_CLOSE_DAYS, day.replace(day=1))):
                sums[(*key, unit_id)][0] += count
                sums[(*key, unit_id)][1] += working_days
        for (measure, month, unit_id), (items, days) in sums.items():
            common = {"month": month, "unit_id": unit_id, "measure": measure, "dim2": ""}
            yield RollupMonthly(dim1=CLOSED_ITEMS, value=items, **common)
            yield RollupMonthly(dim1=WORKING_DAYS, value=days, **common)


# The items whose working days to close out are counted: closed out, with the moment they were.
CLOSED_OUT = Q(status=Item.Status.CLOSED, closed_at__isnull=False)


def close_out_days() -> dict:
    """An item's day created (`opened_on`) and day closed out (`closed_on`), days of settings.TIME_ZONE."""
    zone = timezone.get_default_timezone()
    return {"opened_on": TruncDate("created_at", tzinfo=zone), "closed_on": TruncDate("closed_at", tzinfo=zone)}


def close_out_pairs(queryset, *keys: str):
    """Rows (*keys, day created, day closed out, count) of the closed-out items of `queryset`: the
    working days to close out depend only on the pair of days."""
    return (
        queryset.filter(CLOSED_OUT)
        .annotate(**close_out_days())
        .values_list(*keys, "opened_on", "closed_on")
        .annotate(count=Count("*"))
        .order_by()
    )


def pair_working_days(pairs: list[tuple]) -> dict[tuple[date, date], int]:
    """Working days per distinct (day created, day closed out) of rows (…, created, closed, count), with
    one calendar query for all of them."""
    ordinal = working_day_ordinals(min(p[-3] for p in pairs), max(max(p[-3], p[-2]) for p in pairs))
    return {(p[-3], p[-2]): max(ordinal[p[-2]] - ordinal[p[-3]], 0) for p in pairs}


def _dim(value) -> str:
    return "" if value is None else str(value)


def _overdue(today: date) -> Q:
    """Not closed out by the deadline, once the deadline has passed (closed late, or still not closed)."""
    return Q(deadline__lt=today) & (Q(closed_at__isnull=True) | Q(closed_at__date__gt=F("deadline")))


SOURCES: list[Source] = [
    CountSource(Measure.FINDINGS, "found_on", queryset=lambda: Finding.objects.all(), is_datetime=False),
    CountSource(Measure.ITEMS_OPENED, "created_at", queryset=lambda: Item.objects.all()),
    CountSource(
        Measure.ITEMS_CLOSED,
        "closed_at",
        queryset=lambda: Item.objects.filter(status=Item.Status.CLOSED, closed_at__isnull=False),
    ),
    CountSource(
        Measure.ITEMS_OVERDUE, "deadline", queryset=lambda: Item.objects.all(), is_datetime=False, condition=_overdue
    ),
    CountSource(
        Measure.ALERTS,
        "assessment__month",
        queryset=lambda: Alert.objects.all(),
        is_datetime=False,
        dims=(F("grade"), F("status")),
    ),
    AlertAreaSource(),
    CountSource(Measure.BREAKERS, "tripped_at", queryset=lambda: CircuitBreak.objects.all()),
    CountSource(Measure.CASES, "opened_at", queryset=lambda: Case.objects.all()),
    RecordSource(),
    FindingSource(),
    ItemStateSource(),
    ItemCloseDaysSource(),
]


@dataclass
class RefreshResult:
    refreshed_at: datetime
    months: dict[str, list[str]] = field(default_factory=dict)  # measure -> ["2026-10", ...]
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def trailing_months(today: date, count: int = TRAILING_MONTHS) -> list[date]:
    months = [today.replace(day=1)]
    while len(months) < count:
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return sorted(months)


@transaction.atomic
def rollups_refresh(*, month: date | None = None, today: date | None = None) -> RefreshResult:
    """Recompute the rollups: `month` (any first-of-month date) for every measure, or by default the
    months each measure needs (see the module docstring). Idempotent; one transaction."""
    now = timezone.now()
    today = today or timezone.localdate()
    # Every state row exists, then is locked: two refreshes (beat and a hand run) queue instead of
    # deleting each other's rows half-way.
    RollupState.objects.bulk_create([RollupState(measure=measure) for measure in Measure.values], ignore_conflicts=True)
    states = {state.measure: state for state in RollupState.objects.select_for_update().order_by("measure")}
    result = RefreshResult(refreshed_at=now)
    for source in SOURCES:
        source_states = [states[measure] for measure in source.measures]
        months = _months_to_refresh(source, source_states, month=month, today=today)
        existing = RollupMonthly.objects.filter(measure__in=source.measures)
        if not (source.whole and month is None):
            # `month__lt` the next month: a day measure files its rows under the days of the month.
            existing = existing.filter(
                _any_of(Q(month__gte=first, month__lt=_next_month(last)) for first, last in _runs(months))
            )
        computed = (row for first, last in _runs(months) for row in source.rows(first, last, today))
        written = {**dict.fromkeys(source.measures, 0), **_sync(existing, computed)}
        for state in source_states:
            state.refreshed_at = now
            state.months_refreshed = len(months)
            state.rows = written[state.measure]
            if isinstance(source, RecordSource) and month is None:
                state.watermark = now
            state.save(update_fields=["refreshed_at", "months_refreshed", "rows", "watermark"])
            result.months[state.measure] = [f"{m:%Y-%m}" for m in sorted(months)]
            result.rows[state.measure] = written[state.measure]
    return result


def _any_of(conditions) -> Q:
    combined = Q(pk__in=[])
    for condition in conditions:
        combined |= condition
    return combined


def _sync(existing, computed: Iterable[RollupMonthly]) -> dict[str, int]:
    """Make the rollup rows of `existing` exactly the `computed` ones, writing only the differences: a
    refresh recomputes every month of the current-state measures, but few of their numbers change
    between two refreshes, and deleting and re-inserting all of them left a table of dead rows behind
    every 15 minutes (which slowed the dashboard's reads until vacuumed; bench B6). Returns the number
    of computed rows per measure."""
    current = {
        (measure, month, unit_id, dim1, dim2): (pk, value)
        for pk, measure, month, unit_id, dim1, dim2, value in existing.values_list(
            "pk", "measure", "month", "unit_id", "dim1", "dim2", "value"
        ).iterator(chunk_size=BATCH_SIZE)
    }
    counts: dict[str, int] = defaultdict(int)
    inserts: list[RollupMonthly] = []
    updates: list[RollupMonthly] = []
    for row in computed:
        counts[row.measure] += 1
        month = row.month.date() if isinstance(row.month, datetime) else row.month
        found = current.pop((row.measure, month, row.unit_id, row.dim1, row.dim2), None)
        if found is None:
            inserts.append(row)
        elif found[1] != row.value:
            row.pk = found[0]
            updates.append(row)
        if len(inserts) >= BATCH_SIZE:
            RollupMonthly.objects.bulk_create(inserts)
            inserts = []
    gone = [pk for pk, _value in current.values()]
    for start in range(0, len(gone), BATCH_SIZE):
        RollupMonthly.objects.filter(pk__in=gone[start : start + BATCH_SIZE]).delete()
    RollupMonthly.objects.bulk_update(updates, ["value"], batch_size=BATCH_SIZE)
    RollupMonthly.objects.bulk_create(inserts)
    return counts


def _months_to_refresh(source: Source, states: list[RollupState], *, month: date | None, today: date) -> list[date]:
    if month is not None:
        return [month.replace(day=1)]
    never = any(state.refreshed_at is None for state in states)
    if isinstance(source, RecordSource):
        watermark = min((state.watermark for state in states if state.watermark), default=None)
        if never or watermark is None:
            return source.data_months()
        return source.changed_months(watermark - IMPORT_MARGIN)
    window = trailing_months(today)
    if source.whole:
        return source.data_months()
    if never:
        return sorted(set(source.data_months()) | set(window))
    return window
