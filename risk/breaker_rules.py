"""Circuit-breaker models (kind BREAKER): run every few minutes over new records only.

Each rule is ONE SQL statement over the batch of new business records it is given: for every record,
a correlated subquery counts what the same subject (device or account) did in the `window_minutes`
before it (a sliding window ending at that record). The window reads the whole table, not only the
batch, so a burst that straddles two runs is still caught when its last record arrives; only the new
records start windows, so nothing is scanned twice.

Only the records of suspects get a window (`_suspect`): subjects that exceed the threshold across the
whole span the batch's windows cover, counted by one GROUP BY inside the same statement. A subject
under the threshold over the span is under it in every window inside it, so nothing is missed, and
the windows computed follow the few suspects, not the batch. The statement returns the suspects'
records with their counts; `_over` keeps those over the threshold and the rows are folded per
subject in Python (no query per subject): the peak count, its window and a sample of the records.

The subquery walks the (device_id, accepted_at) and (operator_account, accepted_at) indexes of
BusinessRecord, and the span the accepted_at index, so the cost grows with the batch, not with the
table.

Scope of a trip (risk.breakers decides it from the rule's subject kind):
- DEVICE subject  -> a device break;
- ACCOUNT subject -> a platform-user break when an accounts.User has that username (the user is
  then refused at login and on the API), else a business-account break.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)

from risk.models import BusinessRecord, RiskModel, SubjectKind
from risk.rules import Hit, Param, Rule, register

SAMPLE_SIZE = 10

# What counts as irregular business: the record was deleted, cancelled or its penalty downgraded.
IRREGULAR = (
    Q(flag_deleted=True)
    | Q(flag_cancelled=True)
    | Q(flag_downgraded=True)
    | Q(status__in=[BusinessRecord.Status.DELETED, BusinessRecord.Status.CANCELLED])
)


@dataclass
class BreakerHit(Hit):
    """A breaker rule firing on one subject: `counts` names what was counted (accounts, IPs, ...),
    `window_start` / `window_end` the sliding window of the peak."""

    counts: dict[str, int] = field(default_factory=dict)
    window_start: datetime | None = None
    window_end: datetime | None = None


def _window(records: QuerySet, subject_field: str, minutes: int) -> QuerySet:
    """The records of the outer record's subject accepted in the `minutes` up to it (it included),
    `records` is the population counted: the whole table (or a filter of it), never just the batch."""
    start = ExpressionWrapper(OuterRef("accepted_at") - timedelta(minutes=minutes), output_field=DateTimeField())
    return records.filter(
        **{subject_field: OuterRef(subject_field)},
        accepted_at__lte=OuterRef("accepted_at"),
        accepted_at__gt=start,
    )


def _count_in_window(
    records: QuerySet, subject_field: str, minutes: int, *, distinct_field: str | None = None
) -> Subquery:
    """A correlated subquery: how many records (or distinct non-empty `distinct_field` values) the
    outer record's subject has in its window."""
    window = _window(records, subject_field, minutes)
    if distinct_field is None:
        counted = Count("id")
    else:
        # COUNT(DISTINCT) skips NULLs; an empty text is "none" too (an IP column holds no empty text).
        if BusinessRecord._meta.get_field(distinct_field).get_internal_type() == "CharField":
            window = window.exclude(**{distinct_field: ""})
        counted = Count(distinct_field, distinct=True)
    return Subquery(
        window.order_by().values(subject_field).annotate(n=counted).values("n")[:1], output_field=IntegerField()
    )


def _edge(batch: QuerySet, aggregate) -> Subquery:
    """MIN or MAX of the batch's accepted_at, as a scalar subquery (a constant GROUP BY vanishes).

    The FILTER (always true) keeps PostgreSQL from rewriting the aggregate into a walk of the whole
    accepted_at index from its end (its min/max optimisation ignores the batch's id range and read
    80,000 rows for one value in bench B2); the batch's own rows are read instead."""
    return Subquery(
        batch.order_by()
        .annotate(_batch=Value(1, output_field=IntegerField()))
        .values("_batch")
        .annotate(edge=aggregate("accepted_at", filter=Q(accepted_at__isnull=False)))
        .values("edge"),
        output_field=DateTimeField(),
    )


def _suspect(batch: QuerySet, population: QuerySet, subject_field: str, minutes: int, over: Q, **counts) -> Q:
    """The records whose subject can exceed the threshold at all: counted over the whole span the
    batch's windows cover (from its first record's window start to its last record), the subject
    already exceeds it (`over`, a condition on `counts`). A subject under the threshold over that
    span is under it in every window inside it, so the statement keeps the suspects' records only
    and computes their windows: the same result, at a cost that follows the few suspects instead of
    the whole batch (bench B2: the windows of all 100,000 records took 4 s). The rows come back with
    their counts and `_over` keeps those above the threshold: a filter on the window count in SQL
    would make PostgreSQL compute it for every record of the batch before the join with the
    suspects."""
    since = ExpressionWrapper(_edge(batch, Min) - timedelta(minutes=minutes), output_field=DateTimeField())
    suspects = (
        population.filter(accepted_at__gt=since, accepted_at__lte=_edge(batch, Max))
        .order_by()
        .values(subject_field)
        .annotate(**counts)
        .filter(over)
        .values(subject_field)
    )
    return Q(**{f"{subject_field}__in": suspects})


def _over(rows, **thresholds: int) -> list[dict]:
    """The rows whose window exceeds at least one of `thresholds` (column -> threshold)."""
    return [row for row in rows if any(row[column] > limit for column, limit in thresholds.items())]


def _fold(rows, *, subject_field: str, minutes: int, counted: tuple[tuple[str, str, int], ...]) -> list[Hit]:
    """Rows (one per record whose window exceeds a threshold) -> one hit per subject.

    `counted` is (name, row column, threshold) per counted quantity; the peak row is the one with the
    largest ratio to its threshold; its unit becomes the unit of the trip."""
    by_subject: dict[str, BreakerHit] = {}
    for row in rows:
        ratio = max(row[column] / max(threshold, 1) for _name, column, threshold in counted)
        key = row[subject_field]
        hit = by_subject.get(key)
        if hit is None:
            hit = by_subject[key] = BreakerHit(subject_key=key, unit_id=row["unit_id"], count=0, ratio=0)
        if ratio > hit.ratio:
            hit.ratio = ratio
            hit.unit_id = row["unit_id"]
            hit.counts = {name: row[column] for name, column, _threshold in counted}
            hit.count = max(hit.counts.values())
            hit.window_end = row["accepted_at"]
            hit.window_start = row["accepted_at"] - timedelta(minutes=minutes)
        if len(hit.sample_record_ids) < SAMPLE_SIZE:
            hit.sample_record_ids.append(row["id"])
    for hit in by_subject.values():
        hit.sample_record_ids.sort()
    return list(by_subject.values())


# --- 1. a suspicious device ----------------------------------------------------------------------------


def _device_many_accounts(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    minutes, limit = params["window_minutes"], params["max_accounts"]
    suspect = _suspect(
        records,
        BusinessRecord.objects.exclude(operator_account=""),
        "device_id",
        minutes,
        Q(accounts__gt=limit),
        accounts=Count("operator_account", distinct=True),
    )
    window = _count_in_window(BusinessRecord.objects.all(), "device_id", minutes, distinct_field="operator_account")
    rows = (
        records.exclude(device_id="")
        .filter(suspect)
        .annotate(accounts=window)
        .values("id", "device_id", "unit_id", "accepted_at", "accounts")
        .order_by("device_id", "accepted_at", "id")
    )
    return _fold(
        _over(rows, accounts=limit),
        subject_field="device_id",
        minutes=minutes,
        counted=(("accounts", "accounts", limit),),
    )


register(
    Rule(
        code="breaker_device_many_accounts",
        name_zh="同一设备短时间内被多个账号使用（可疑设备）",
        name_en="Suspicious device: one device used by many accounts within minutes",
        area="vehicle_admin",
        subject_kind=SubjectKind.DEVICE,
        description="同一设备在 {window_minutes} 分钟内被超过 {max_accounts} 个不同业务账号使用，立即熔断该设备。",
        parameters={
            "max_accounts": Param(default=3, minimum=1, maximum=1000, help="distinct accounts allowed"),
            "window_minutes": Param(default=30, minimum=1, maximum=24 * 60, help="sliding window"),
        },
        run=_device_many_accounts,
        kind=RiskModel.Kind.BREAKER,
        weight=2.0,
    )
)


# --- 2. a batch of irregular business --------------------------------------------------------------------


def _account_irregular_batch(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    minutes, limit = params["window_minutes"], params["max_records"]
    irregular = records.filter(IRREGULAR).exclude(operator_account="")
    suspect = _suspect(
        irregular,
        BusinessRecord.objects.filter(IRREGULAR),
        "operator_account",
        minutes,
        Q(irregular__gt=limit),
        irregular=Count("id"),
    )
    window = _count_in_window(BusinessRecord.objects.filter(IRREGULAR), "operator_account", minutes)
    rows = (
        irregular.filter(suspect)
        .annotate(irregular=window)
        .values("id", "operator_account", "unit_id", "accepted_at", "irregular")
        .order_by("operator_account", "accepted_at", "id")
    )
    return _fold(
        _over(rows, irregular=limit),
        subject_field="operator_account",
        minutes=minutes,
        counted=(("records", "irregular", limit),),
    )


register(
    Rule(
        code="breaker_account_irregular_batch",
        name_zh="同一账号短时间内批量删除/撤销/降级业务（批量异常业务）",
        name_en="Batch of irregular business: one account deletes, cancels or downgrades many records within minutes",
        area="violation_processing",
        subject_kind=SubjectKind.ACCOUNT,
        description=(
            "同一业务账号在 {window_minutes} 分钟内删除、撤销或降级处理业务超过 {max_records} 笔，"
            "立即熔断该账号（同名平台用户同时禁止登录）。"
        ),
        parameters={
            "max_records": Param(default=10, minimum=1, maximum=100000, help="irregular records allowed"),
            "window_minutes": Param(default=60, minimum=1, maximum=24 * 60, help="sliding window"),
        },
        run=_account_irregular_batch,
        kind=RiskModel.Kind.BREAKER,
        weight=2.0,
    )
)


# --- 3. an abnormal user ---------------------------------------------------------------------------------


def _account_many_endpoints(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    minutes, max_ips, max_devices = params["window_minutes"], params["max_ips"], params["max_devices"]
    suspect = _suspect(
        records.exclude(operator_account=""),
        BusinessRecord.objects.all(),
        "operator_account",
        minutes,
        Q(ips__gt=max_ips) | Q(devices__gt=max_devices),
        ips=Count("client_ip", distinct=True),
        devices=Count("device_id", distinct=True, filter=~Q(device_id="")),
    )
    rows = (
        records.exclude(operator_account="")
        .filter(suspect)
        .annotate(
            ips=_count_in_window(BusinessRecord.objects.all(), "operator_account", minutes, distinct_field="client_ip"),
            devices=_count_in_window(
                BusinessRecord.objects.all(), "operator_account", minutes, distinct_field="device_id"
            ),
        )
        .values("id", "operator_account", "unit_id", "accepted_at", "ips", "devices")
        .order_by("operator_account", "accepted_at", "id")
    )
    return _fold(
        _over(rows, ips=max_ips, devices=max_devices),
        subject_field="operator_account",
        minutes=minutes,
        counted=(("ips", "ips", max_ips), ("devices", "devices", max_devices)),
    )


register(
    Rule(
        code="breaker_account_many_endpoints",
        name_zh="同一账号短时间内在多个IP或设备上使用（异常用户）",
        name_en="Abnormal user: one account used from many IP addresses or devices within minutes",
        area="driver_admin",
        subject_kind=SubjectKind.ACCOUNT,
        description=(
            "同一账号在 {window_minutes} 分钟内从超过 {max_ips} 个不同IP地址"
            "或超过 {max_devices} 台不同设备登录办理业务，"
            "立即熔断该账号（同名平台用户同时禁止登录）。"
        ),
        parameters={
            "max_ips": Param(default=3, minimum=1, maximum=1000, help="distinct client IPs allowed"),
            "max_devices": Param(default=3, minimum=1, maximum=1000, help="distinct devices allowed"),
            "window_minutes": Param(default=60, minimum=1, maximum=24 * 60, help="sliding window"),
        },
        run=_account_many_endpoints,
        kind=RiskModel.Kind.BREAKER,
        weight=2.0,
    )
)
