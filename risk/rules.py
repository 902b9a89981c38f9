"""The supervision models (监管模型) as code: each rule is ONE set-based query over business records
(GROUP BY the subject, conditional aggregation, window functions, HAVING over a threshold) that
returns the subjects it fires on with their counts and sample record ids. Never a loop over persons;
folding the rows of that one query into Hit objects is the only Python work.

A rule's parameters, weight and on/off switch live in the RiskModel row of the same code (edited in
the admin, validated against the rule's `parameters` schema); `risk_models_sync` creates the rows.

Conventions shared by the rules:
- subjects: a person is the operator (key: badge number, unit: the person's unit; records whose badge
  matched no person are not scored as persons); an account, device or agent is keyed by its id, with
  the unit of its records (the lowest unit id when several); a unit by its code;
- times are local (settings.TIME_ZONE): days, hours and weekdays are computed by the database in that
  zone; the working week is Monday to Friday with the exceptions of core.CalendarDay;
- "above peers" compares a person with the other persons of the same post (or unit) who did the same
  business in the month: their pooled rate, or their mean volume, from window sums over the group;
- `ratio` is how far over the threshold: count / threshold, or the larger of (excess / allowed
  excess) and (rate / (factor * peer rate)) for the peer rules; it is > 1 whenever a rule fires.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import NotSupportedError
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    FloatField,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone

from core.models import CalendarDay
from risk.models import BusinessRecord, RiskModel, SubjectKind


@dataclass(frozen=True)
class Param:
    """One parameter of a rule: its type and allowed range."""

    default: int | float
    minimum: int | float = 0
    maximum: int | float = 1_000_000
    help: str = ""

    def validate(self, name: str, value) -> int | float:
        kind = type(self.default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name}: expected a number, got {value!r}")
        if kind is int and not float(value).is_integer():
            raise ValueError(f"{name}: expected a whole number, got {value!r}")
        if not self.minimum <= value <= self.maximum:
            raise ValueError(f"{name}: must be between {self.minimum} and {self.maximum}, got {value}")
        return kind(value)


@dataclass
class Hit:
    """A rule firing on one subject: `ratio` is count / threshold (≥ 1), used for the score."""

    subject_key: str
    unit_id: int
    count: int
    ratio: float
    person_id: int | None = None
    sample_record_ids: list[int] = field(default_factory=list)


@dataclass
class Rule:
    code: str
    name_zh: str
    name_en: str
    area: str
    subject_kind: str
    description: str  # Chinese, for supervisors; {param} placeholders are filled from the parameters
    parameters: dict[str, Param]
    run: Callable[[QuerySet, datetime, datetime, dict], list[Hit]]
    kind: str = RiskModel.Kind.MONTHLY
    weight: float = 1.0
    # Extra placeholders for the description derived from the parameters (e.g. a switch as words).
    wording: Callable[[dict], dict] | None = None

    def validated_parameters(self, raw: dict) -> dict:
        """Defaults overlaid with `raw`; raises ValueError naming the parameter on a bad value."""
        unknown = set(raw or {}) - set(self.parameters)
        if unknown:
            raise ValueError(f"unknown parameters: {', '.join(sorted(unknown))}")
        values = {name: param.default for name, param in self.parameters.items()}
        for name, value in (raw or {}).items():
            values[name] = self.parameters[name].validate(name, value)
        return values

    def readable_description(self, values: dict) -> str:
        extra = self.wording(values) if self.wording else {}
        return self.description.format(**values, **extra)


REGISTRY: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    if rule.code in REGISTRY:
        raise ValueError(f"duplicate rule code {rule.code}")
    REGISTRY[rule.code] = rule
    return rule


def records_between(start: datetime, end: datetime) -> QuerySet:
    """Business records accepted in [start, end)."""
    return BusinessRecord.objects.filter(accepted_at__gte=start, accepted_at__lt=end)


def grouped_hits(
    queryset: QuerySet, *, subject_field: str, threshold: float, person: bool = False, key_prefix: str = ""
) -> list[Hit]:
    """GROUP BY `subject_field` (and the unit), count, keep groups with count > threshold: one query.

    The registry's rules use `threshold_hits` below (one hit per subject even across units, persons
    keyed by the operator); this stays for ad-hoc rules grouped by any column."""
    fields = [subject_field, "unit_id"] + (["operator_id"] if person else [])
    rows = (
        queryset.exclude(**{subject_field: ""})
        .exclude(**{f"{subject_field}__isnull": True})
        .values(*fields)
        .annotate(n=Count("id"), first=Min("id"), last=Max("id"))
        .filter(n__gt=threshold)
        .order_by()
    )
    return [
        Hit(
            subject_key=f"{key_prefix}{row[subject_field]}",
            unit_id=row["unit_id"],
            person_id=row.get("operator_id"),
            count=row["n"],
            ratio=row["n"] / max(threshold, 1),
            sample_record_ids=sorted({row["first"], row["last"]}),
        )
        for row in rows
    ]


# --- building blocks ------------------------------------------------------------------------------------

SAMPLE_SIZE = 10  # sample record ids kept per hit
MIN_PEERS = 2  # an "above peers" comparison needs at least this many other persons in the group
WINDOW_AREAS = ("vehicle_admin", "driver_admin")  # 车驾管 window business (office hours)
IRREGULAR_CHANGE = (
    Q(flag_deleted=True)
    | Q(flag_cancelled=True)
    | Q(status__in=[BusinessRecord.Status.DELETED, BusinessRecord.Status.CANCELLED])
)
VOID = [BusinessRecord.Status.DELETED, BusinessRecord.Status.CANCELLED]


class HoursBetween(Func):
    """(end - start) in hours, as a float. PostgreSQL and SQLite (the two supported databases)."""

    arity = 2
    output_field = FloatField()

    def _operands(self, compiler) -> tuple[str, str, tuple]:
        end, start = self.get_source_expressions()
        end_sql, end_params = compiler.compile(end)
        start_sql, start_params = compiler.compile(start)
        return end_sql, start_sql, (*end_params, *start_params)

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("HoursBetween supports PostgreSQL and SQLite only.")

    def as_postgresql(self, compiler, connection, **extra_context):
        end, start, params = self._operands(compiler)
        return f"(EXTRACT(EPOCH FROM (({end})::timestamptz - ({start})::timestamptz)) / 3600.0)", params

    def as_sqlite(self, compiler, connection, **extra_context):
        end, start, params = self._operands(compiler)
        return f"((julianday({end}) - julianday({start})) * 24.0)", params


class _OverSum(Func):
    """SUM(<aggregate>) for use inside Window(): `SUM(COUNT(id)) OVER (PARTITION BY ...)`, a sum of
    the grouped rows' aggregates over a peer group. (Django's Sum refuses an aggregate argument.)"""

    function = "SUM"
    window_compatible = True


def moment(value: datetime) -> Value:
    return Value(value, output_field=DateTimeField())


def local_date(field_name: str = "accepted_at") -> TruncDate:
    return TruncDate(field_name, tzinfo=timezone.get_default_timezone())


def as_of(end: datetime) -> datetime:
    """The moment a month's deadlines are judged at: its end, or now while the month is running."""
    return min(end, timezone.now())


@dataclass(frozen=True)
class _Subject:
    group: tuple[str, ...]  # GROUP BY these
    key: str  # the subject key column
    unit: str | None  # the unit column; None: Min(unit_id) over the group
    missing: Q | None  # rows that have no such subject


SUBJECTS: dict[str, _Subject] = {
    SubjectKind.PERSON: _Subject(
        ("operator_id", "operator__badge_number", "operator__unit_id"),
        "operator__badge_number",
        "operator__unit_id",
        Q(operator__isnull=True),
    ),
    SubjectKind.ACCOUNT: _Subject(("operator_account",), "operator_account", None, Q(operator_account="")),
    SubjectKind.DEVICE: _Subject(("device_id",), "device_id", None, Q(device_id="")),
    SubjectKind.AGENT: _Subject(("agent_id",), "agent_id", None, Q(agent_id="")),
    SubjectKind.UNIT: _Subject(("unit_id", "unit__code"), "unit__code", "unit_id", None),
}


def subject_rows(queryset: QuerySet, kind: str, *, by: Iterable[str] = (), **aggregates) -> QuerySet:
    """GROUP BY the subject of `kind` (and the `by` columns) with the given aggregates."""
    subject = SUBJECTS[kind]
    if subject.missing is not None:
        queryset = queryset.exclude(subject.missing)
    if subject.unit is None:
        aggregates["subject_unit"] = Min("unit_id")
    return queryset.values(*subject.group, *by).annotate(**aggregates).order_by()


def fold_hits(
    rows: Iterable[dict],
    kind: str,
    *,
    count: Callable[[dict], int],
    ratio: Callable[[dict], float],
    combine: str = "sum",
) -> list[Hit]:
    """One hit per subject from grouped rows (several rows per subject when grouped by day, applicant,
    ...): counts summed (or the largest kept, `combine="max"`), the largest ratio, samples merged."""
    subject = SUBJECTS[kind]
    hits: dict[str, Hit] = {}
    for row in rows:
        key = str(row[subject.key])
        hit = hits.get(key)
        if hit is None:
            hit = hits[key] = Hit(
                subject_key=key,
                unit_id=row[subject.unit or "subject_unit"],
                person_id=row["operator_id"] if kind == SubjectKind.PERSON else None,
                count=0,
                ratio=0.0,
            )
        n = count(row)
        hit.count = hit.count + n if combine == "sum" else max(hit.count, n)
        hit.ratio = max(hit.ratio, ratio(row))
        samples = {row.get("first"), row.get("last")} - {None}
        hit.sample_record_ids = sorted(set(hit.sample_record_ids) | samples)[:SAMPLE_SIZE]
    return list(hits.values())


def threshold_hits(
    queryset: QuerySet,
    kind: str,
    *,
    threshold: float,
    count=None,
    by: Iterable[str] = (),
    combine: str = "sum",
) -> list[Hit]:
    """GROUP BY the subject (and `by`), keep the groups whose count (default: records) > threshold.

    The workhorse of most rules: one query, whatever the number of subjects."""
    rows = subject_rows(queryset, kind, by=by, n=count or Count("id"), first=Min("id"), last=Max("id")).filter(
        n__gt=threshold
    )
    return fold_hits(
        rows, kind, count=lambda row: row["n"], ratio=lambda row: row["n"] / max(threshold, 1), combine=combine
    )


def daily_hits(queryset: QuerySet, kind: str, *, threshold: float, count=None, combine: str = "sum") -> list[Hit]:
    """Like threshold_hits, per local day: the days over the threshold, folded per subject."""
    return threshold_hits(
        queryset.annotate(day=local_date()), kind, threshold=threshold, count=count, by=("day",), combine=combine
    )


def peer_hits(
    queryset: QuerySet,
    *,
    peer: str,
    flagged: Q | None,
    min_records: int,
    min_factor: float,
    min_points: float = 0,
    min_flagged: int = 1,
) -> list[Hit]:
    """Persons far above the other persons of their post (`peer="operator__post_id"`) or unit
    (`peer="operator__unit_id"`) in `queryset`, in one query: GROUP BY person with window sums over
    the peer group.

    Rate mode (`flagged` given): the person's share of flagged records against the pooled share of
    the peers; fires when the person has at least `min_records` records and `min_flagged` flagged ones
    and the share exceeds the peers' by more than `min_points` percentage points or is more than
    `min_factor` times theirs. Volume mode (`flagged` None): the person's record count against the
    peers' mean; fires above `min_factor` times the mean (and at least `min_records`)."""
    subject = SUBJECTS[SubjectKind.PERSON]
    group = [F(peer)]
    marked = Q(pk__isnull=False) if flagged is None else flagged
    rows = (
        queryset.exclude(operator__isnull=True)
        .exclude(**{f"{peer}__isnull": True})
        .values(*dict.fromkeys((*subject.group, peer)))
        .annotate(
            total=Count("id"),
            flagged=Count("id", filter=marked),
            first=Min("id", filter=marked),
            last=Max("id", filter=marked),
        )
        .annotate(
            group_total=Window(_OverSum(F("total")), partition_by=group),
            group_flagged=Window(_OverSum(F("flagged")), partition_by=group),
            group_size=Window(Count("*"), partition_by=group),
        )
        .order_by()
    )
    outliers = []
    for row in rows:
        total, marked_count = int(row["total"]), int(row["flagged"])
        peers, peer_total = int(row["group_size"]) - 1, int(row["group_total"]) - total
        if total < min_records or peers < MIN_PEERS or peer_total <= 0:
            continue
        if flagged is None:
            peer_mean = peer_total / peers
            row["ratio"] = total / (min_factor * peer_mean)
        else:
            if marked_count < min_flagged:
                continue
            rate = marked_count / total
            peer_rate = (int(row["group_flagged"]) - marked_count) / peer_total
            ratios = [(rate - peer_rate) * 100 / min_points] if min_points else []
            if peer_rate > 0:
                ratios.append(rate / (min_factor * peer_rate))
            row["ratio"] = max(ratios, default=0.0)
        if row["ratio"] > 1:
            outliers.append(row)
    return fold_hits(
        outliers,
        SubjectKind.PERSON,
        count=lambda row: row["total"] if flagged is None else row["flagged"],
        ratio=lambda row: row["ratio"],
    )


def outside_working_hours(queryset: QuerySet, params: dict) -> QuerySet:
    """Records accepted outside working hours, in local time: before `start_hour`, from `end_hour`
    on, and (when `count_rest_days`) on rest days: weekends that are not make-up workdays, and
    public holidays (core.CalendarDay). One query; the calendar is an EXISTS subquery."""
    zone = timezone.get_default_timezone()
    annotated = queryset.annotate(
        local_hour=ExtractHour("accepted_at", tzinfo=zone),
        local_weekday=ExtractIsoWeekDay("accepted_at", tzinfo=zone),
        local_day=TruncDate("accepted_at", tzinfo=zone),
    )
    outside = Q(local_hour__lt=params["start_hour"]) | Q(local_hour__gte=params["end_hour"])
    if params["count_rest_days"]:
        calendar = CalendarDay.objects.filter(date=OuterRef("local_day"))
        annotated = annotated.annotate(
            holiday=Exists(calendar.filter(kind=CalendarDay.Kind.HOLIDAY)),
            makeup_workday=Exists(calendar.filter(kind=CalendarDay.Kind.WORKDAY)),
        )
        outside |= Q(holiday=True) | Q(local_weekday__gte=6, makeup_workday=False)
    return annotated.filter(outside)


def working_hours_parameters(max_records: int) -> dict[str, Param]:
    return {
        "max_records": Param(default=max_records, minimum=0, maximum=10000, help="records allowed"),
        "start_hour": Param(default=8, minimum=0, maximum=12, help="working day starts (hour, local time)"),
        "end_hour": Param(default=18, minimum=12, maximum=24, help="working day ends (hour, local time)"),
        "count_rest_days": Param(default=1, minimum=0, maximum=1, help="1: weekends and holidays count as outside"),
    }


def working_hours_wording(values: dict) -> dict:
    return {"rest_days": "，以及周末和法定节假日" if values["count_rest_days"] else ""}


def peer_parameters(
    *, min_records: int, min_points: float, min_factor: float, min_flagged: int | None = None
) -> dict[str, Param]:
    """The parameters of a rate-above-peers rule (`min_flagged` None: no minimum of flagged records)."""
    parameters = {"min_records": Param(default=min_records, minimum=1, maximum=100000, help="records a person needs")}
    if min_flagged is not None:
        parameters["min_flagged"] = Param(
            default=min_flagged, minimum=1, maximum=100000, help="flagged records a person needs"
        )
    parameters["min_points"] = Param(
        default=min_points, minimum=0.5, maximum=100.0, help="percentage points above the peers' rate"
    )
    parameters["min_factor"] = Param(default=min_factor, minimum=1.0, maximum=100.0, help="times the peers' rate")
    return parameters


def _peer_rule(queryset: QuerySet, params: dict, *, peer: str, flagged: Q) -> list[Hit]:
    return peer_hits(
        queryset,
        peer=peer,
        flagged=flagged,
        min_records=params["min_records"],
        min_flagged=params.get("min_flagged", 1),
        min_points=params["min_points"],
        min_factor=params["min_factor"],
    )


PERSON = SubjectKind.PERSON


# === vehicle administration (车驾管 · 机动车) ===========================================================


def _agent_many_applicants(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    return threshold_hits(
        records.exclude(applicant_id=""),
        SubjectKind.AGENT,
        threshold=params["max_applicants"],
        count=Count("applicant_id", distinct=True),
    )


register(
    Rule(
        code="agent_many_applicants",
        name_zh="同一代理人为多名申请人办理业务（疑似非法中介）",
        name_en="One agent submits for many different applicants in a month (illegal intermediary)",
        area="vehicle_admin",
        subject_kind=SubjectKind.AGENT,
        description="同一代理人证件号一个月内为超过 {max_applicants} 名不同申请人办理业务，疑似非法中介（黄牛）代办。",
        parameters={"max_applicants": Param(default=10, minimum=1, maximum=10000, help="distinct applicants")},
        run=_agent_many_applicants,
        weight=1.5,
    )
)


def _off_hours_business(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    window_business = records.filter(area__in=WINDOW_AREAS).exclude(status__in=VOID)
    return threshold_hits(outside_working_hours(window_business, params), PERSON, threshold=params["max_records"])


register(
    Rule(
        code="off_hours_business",
        name_zh="非工作时间办理车驾管业务",
        name_en="Vehicle and driver administration business processed outside working hours",
        area="vehicle_admin",
        subject_kind=PERSON,
        description=(
            "同一民警一个月内在非工作时间（{start_hour} 时前、{end_hour} 时后"
            "{rest_days}）受理车驾管业务超过 {max_records} 笔。"
        ),
        parameters=working_hours_parameters(max_records=5),
        wording=working_hours_wording,
        run=_off_hours_business,
        weight=1.2,
    )
)


def _owner_many_registrations(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    registrations = records.filter(business_type="vehicle.register").exclude(applicant_id="").exclude(status__in=VOID)
    return threshold_hits(registrations, PERSON, threshold=params["max_per_owner"], by=("applicant_id",))


register(
    Rule(
        code="owner_many_registrations",
        name_zh="同一车主名下短期大量注册登记",
        name_en="A clerk registers unusually many vehicles for one owner in a month",
        area="vehicle_admin",
        subject_kind=PERSON,
        description=(
            "同一民警一个月内为同一车主（证件号）办理机动车注册登记超过 {max_per_owner} 辆，疑似违规代办或套牌。"
        ),
        parameters={"max_per_owner": Param(default=5, minimum=1, maximum=1000, help="registrations per owner")},
        run=_owner_many_registrations,
    )
)


def _inspection_too_fast(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    quick = (
        records.filter(business_type="vehicle.inspect", completed_at__isnull=False)
        .annotate(hours=HoursBetween(F("completed_at"), F("accepted_at")))
        .filter(hours__lt=params["min_minutes"] / 60)
    )
    return threshold_hits(quick, PERSON, threshold=params["max_records"])


register(
    Rule(
        code="inspection_too_fast",
        name_zh="机动车查验用时过短",
        name_en="Vehicle inspections completed implausibly fast",
        area="vehicle_admin",
        subject_kind=PERSON,
        description=(
            "同一查验员一个月内有超过 {max_records} 笔机动车查验从受理到办结不足 {min_minutes} 分钟，疑似未实车查验。"
        ),
        parameters={
            "min_minutes": Param(default=5, minimum=1, maximum=240, help="shortest plausible inspection"),
            "max_records": Param(default=10, minimum=0, maximum=10000, help="quick inspections allowed"),
        },
        run=_inspection_too_fast,
        weight=1.2,
    )
)


def _business_modified_after_completion(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    modified = records.filter(area__in=WINDOW_AREAS, flag_modified=True, completed_at__isnull=False)
    return threshold_hits(modified, PERSON, threshold=params["max_records"])


register(
    Rule(
        code="business_modified_after_completion",
        name_zh="车驾管业务办结后修改",
        name_en="Vehicle and driver administration business modified after completion",
        area="vehicle_admin",
        subject_kind=PERSON,
        description="同一民警一个月内对已办结的车驾管业务进行修改超过 {max_records} 笔。",
        parameters={"max_records": Param(default=3, minimum=0, maximum=10000, help="modifications allowed")},
        run=_business_modified_after_completion,
    )
)


def _device_many_accounts(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    return threshold_hits(
        records.exclude(operator_account=""),
        SubjectKind.DEVICE,
        threshold=params["max_accounts"],
        count=Count("operator_account", distinct=True),
    )


register(
    Rule(
        code="device_many_accounts",
        name_zh="同一设备被多个账号使用",
        name_en="One device used by many business accounts in a month",
        area="vehicle_admin",
        subject_kind=SubjectKind.DEVICE,
        description="同一终端设备一个月内被超过 {max_accounts} 个不同业务账号登录使用，疑似账号混用或借用。",
        parameters={"max_accounts": Param(default=3, minimum=1, maximum=1000, help="distinct accounts allowed")},
        run=_device_many_accounts,
        weight=1.2,
    )
)


def _unit_overdue_share(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    limited = (
        records.filter(area__in=WINDOW_AREAS, time_limit_hours__isnull=False)
        .exclude(status__in=VOID)
        .annotate(hours=HoursBetween(Coalesce(F("completed_at"), moment(as_of(end))), F("accepted_at")))
    )
    overdue = Q(hours__gt=F("time_limit_hours"))
    share = params["max_share"] / 100
    rows = subject_rows(
        limited,
        SubjectKind.UNIT,
        total=Count("id"),
        n=Count("id", filter=overdue),
        first=Min("id", filter=overdue),
        last=Max("id", filter=overdue),
    ).filter(total__gte=params["min_records"], n__gt=F("total") * share)
    return fold_hits(
        rows, SubjectKind.UNIT, count=lambda row: row["n"], ratio=lambda row: row["n"] / (row["total"] * share)
    )


register(
    Rule(
        code="unit_overdue_share",
        name_zh="单位车驾管业务超时办结比例过高",
        name_en="A unit completes too large a share of its vehicle and driver business past the time limit",
        area="vehicle_admin",
        subject_kind=SubjectKind.UNIT,
        description=(
            "单位一个月内受理的限时车驾管业务（不少于 {min_records} 笔）中，超过办理时限的比例高于 {max_share}%。"
        ),
        parameters={
            "max_share": Param(default=10.0, minimum=0.5, maximum=100.0, help="overdue share allowed (%)"),
            "min_records": Param(default=20, minimum=1, maximum=100000, help="records a unit needs"),
        },
        run=_unit_overdue_share,
    )
)


# === driver administration (车驾管 · 驾驶人) =============================================================


def _examiner_pass_rate(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    exams = records.filter(business_type="license.exam", result__in=["pass", "fail"])
    return _peer_rule(exams, params, peer="operator__post_id", flagged=Q(result="pass"))


register(
    Rule(
        code="examiner_pass_rate_high",
        name_zh="考试员考试合格率明显高于同岗位",
        name_en="An examiner's pass rate far above the peers of the same post",
        area="driver_admin",
        subject_kind=PERSON,
        description=(
            "考试员一个月内评判驾驶人考试不少于 {min_records} 场，"
            "合格率比同岗位其他考试员高出 {min_points} 个百分点以上，"
            "或达到其 {min_factor} 倍以上。"
        ),
        parameters=peer_parameters(min_records=50, min_points=10.0, min_factor=1.3),
        run=_examiner_pass_rate,
        weight=1.5,
    )
)


def _examiner_daily_volume(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    return daily_hits(records.filter(business_type="license.exam"), PERSON, threshold=params["max_per_day"])


register(
    Rule(
        code="examiner_daily_volume",
        name_zh="考试员单日考试量超标",
        name_en="An examiner examines too many candidates in a day",
        area="driver_admin",
        subject_kind=PERSON,
        description="同一考试员单日评判驾驶人考试超过 {max_per_day} 人次，难以保证考试质量。",
        parameters={"max_per_day": Param(default=30, minimum=1, maximum=1000, help="exams per day allowed")},
        run=_examiner_daily_volume,
    )
)


def _license_repeated_replacement(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    replacements = records.filter(business_type="license.replace").exclude(applicant_id="").exclude(status__in=VOID)
    return threshold_hits(replacements, PERSON, threshold=params["max_per_applicant"], by=("applicant_id",))


register(
    Rule(
        code="license_repeated_replacement",
        name_zh="同一驾驶人频繁补领驾驶证",
        name_en="A clerk replaces the same driver's licence repeatedly in a month",
        area="driver_admin",
        subject_kind=PERSON,
        description=(
            "同一民警一个月内为同一驾驶人补领驾驶证超过 {max_per_applicant} 次，疑似帮助规避记分或违规“买分卖分”。"
        ),
        parameters={"max_per_applicant": Param(default=1, minimum=1, maximum=100, help="replacements per driver")},
        run=_license_repeated_replacement,
    )
)


def _account_many_endpoints(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    max_devices, max_ips = params["max_devices"], params["max_ips"]
    rows = subject_rows(
        records.annotate(day=local_date()),
        SubjectKind.ACCOUNT,
        by=("day",),
        devices=Count("device_id", distinct=True, filter=~Q(device_id="")),
        ips=Count("client_ip", distinct=True),
        first=Min("id"),
        last=Max("id"),
    ).filter(Q(devices__gt=max_devices) | Q(ips__gt=max_ips))
    return fold_hits(
        rows,
        SubjectKind.ACCOUNT,
        count=lambda row: max(row["devices"], row["ips"]),
        ratio=lambda row: max(row["devices"] / max_devices, row["ips"] / max_ips),
        combine="max",
    )


register(
    Rule(
        code="account_many_endpoints",
        name_zh="同一账号单日在多台设备或多个IP使用",
        name_en="One account used from many devices or IP addresses in a day",
        area="driver_admin",
        subject_kind=SubjectKind.ACCOUNT,
        description=(
            "同一业务账号单日在超过 {max_devices} 台不同设备或超过 {max_ips} 个不同IP地址上办理业务，"
            "疑似账号出借或被盗用。"
        ),
        parameters={
            "max_devices": Param(default=2, minimum=1, maximum=1000, help="distinct devices a day"),
            "max_ips": Param(default=2, minimum=1, maximum=1000, help="distinct IP addresses a day"),
        },
        run=_account_many_endpoints,
        weight=1.2,
    )
)


# === violation processing (违法处理) ====================================================================


def _violation_mass_delete(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    deletions = records.filter(IRREGULAR_CHANGE, area="violation_processing")
    return daily_hits(deletions, PERSON, threshold=params["max_per_day"])


register(
    Rule(
        code="violation_mass_delete",
        name_zh="单日大量删除/撤销违法记录",
        name_en="One clerk deletes or cancels many violation records in a day",
        area="violation_processing",
        subject_kind=PERSON,
        description="同一民警单日删除或撤销违法记录超过 {max_per_day} 条。",
        parameters={"max_per_day": Param(default=5, minimum=1, maximum=1000, help="deletions a day allowed")},
        run=_violation_mass_delete,
        weight=1.5,
    )
)


def _violation_off_hours_change(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    changes = records.filter(IRREGULAR_CHANGE | Q(flag_modified=True), area="violation_processing")
    return threshold_hits(outside_working_hours(changes, params), PERSON, threshold=params["max_records"])


register(
    Rule(
        code="violation_off_hours_change",
        name_zh="非工作时间修改/删除违法记录",
        name_en="Violation records modified, deleted or cancelled outside working hours",
        area="violation_processing",
        subject_kind=PERSON,
        description=(
            "同一民警一个月内在非工作时间（{start_hour} 时前、{end_hour} 时后{rest_days}）"
            "修改、删除或撤销违法记录超过 {max_records} 条。"
        ),
        parameters=working_hours_parameters(max_records=2),
        wording=working_hours_wording,
        run=_violation_off_hours_change,
        weight=1.5,
    )
)


def _points_exempted_above_peers(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    processed = records.filter(business_type="violation.process")
    return _peer_rule(processed, params, peer="operator__post_id", flagged=Q(flag_points_exempted=True))


register(
    Rule(
        code="points_exempted_above_peers",
        name_zh="违法处理免予记分比例明显高于同岗位",
        name_en="Points exemptions far above the peers of the same post",
        area="violation_processing",
        subject_kind=PERSON,
        description=(
            "民警一个月内处理违法不少于 {min_records} 起、免予记分不少于 {min_flagged} 起，免予记分比例比同岗位高出 "
            "{min_points} 个百分点以上，或达到同岗位的 {min_factor} 倍以上。"
        ),
        parameters=peer_parameters(min_records=30, min_points=10.0, min_factor=5.0, min_flagged=5),
        run=_points_exempted_above_peers,
        weight=1.5,
    )
)


def _violation_downgraded_above_peers(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    processed = records.filter(business_type="violation.process")
    return _peer_rule(processed, params, peer="operator__post_id", flagged=Q(flag_downgraded=True))


register(
    Rule(
        code="violation_downgraded_above_peers",
        name_zh="违法处理降档处罚比例明显高于同岗位",
        name_en="Downgraded violation penalties far above the peers of the same post",
        area="violation_processing",
        subject_kind=PERSON,
        description=(
            "民警一个月内处理违法不少于 {min_records} 起、"
            "降档（从轻）处罚不少于 {min_flagged} 起，降档比例比同岗位高出 "
            "{min_points} 个百分点以上，或达到同岗位的 {min_factor} 倍以上。"
        ),
        parameters=peer_parameters(min_records=30, min_points=10.0, min_factor=5.0, min_flagged=5),
        run=_violation_downgraded_above_peers,
        weight=1.5,
    )
)


def _violation_throughput(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    return peer_hits(
        records.filter(area="violation_processing"),
        peer="operator__post_id",
        flagged=None,
        min_records=params["min_records"],
        min_factor=params["min_factor"],
    )


register(
    Rule(
        code="violation_throughput_above_peers",
        name_zh="违法处理业务量明显高于同岗位",
        name_en="A clerk's violation-processing throughput far above the peers of the same post",
        area="violation_processing",
        subject_kind=PERSON,
        description=(
            "民警一个月内办理违法处理业务不少于 {min_records} 笔，"
            "且超过同岗位人均业务量的 {min_factor} 倍，疑似代他人操作或批量违规处理。"
        ),
        parameters={
            "min_records": Param(default=30, minimum=1, maximum=1000000, help="records a person needs"),
            "min_factor": Param(default=2.0, minimum=1.0, maximum=100.0, help="times the peers' mean"),
        },
        run=_violation_throughput,
    )
)


def _account_repeated_cancellations(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    cancellations = records.filter(Q(flag_cancelled=True) | Q(status=BusinessRecord.Status.CANCELLED))
    return threshold_hits(cancellations, SubjectKind.ACCOUNT, threshold=params["max_records"])


register(
    Rule(
        code="account_repeated_cancellations",
        name_zh="同一账号频繁撤销业务",
        name_en="One business account cancels business repeatedly in a month",
        area="violation_processing",
        subject_kind=SubjectKind.ACCOUNT,
        description="同一业务账号一个月内撤销（作废）业务超过 {max_records} 笔。",
        parameters={"max_records": Param(default=10, minimum=0, maximum=100000, help="cancellations allowed")},
        run=_account_repeated_cancellations,
    )
)


# === accident handling (事故处理) =======================================================================


def _accident_overdue(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    # The cases whose deadline (accepted + time limit) falls in the month, so that a case accepted
    # late in one month and left open is judged in the month its limit runs out; the lookback bounds
    # the scan by the accepted_at index.
    cases = (
        records_between(start - timedelta(days=params["lookback_days"]), end)
        .filter(area="accident_handling", time_limit_hours__isnull=False)
        .exclude(status__in=VOID)
        .annotate(
            to_start=HoursBetween(moment(start), F("accepted_at")),
            to_end=HoursBetween(moment(end), F("accepted_at")),
            taken=HoursBetween(Coalesce(F("completed_at"), moment(as_of(end))), F("accepted_at")),
        )
        .filter(to_start__lte=F("time_limit_hours"), to_end__gt=F("time_limit_hours"), taken__gt=F("time_limit_hours"))
    )
    return threshold_hits(cases, PERSON, threshold=params["max_cases"])


register(
    Rule(
        code="accident_overdue",
        name_zh="事故案件超期办理",
        name_en="Accident cases over their time limit",
        area="accident_handling",
        subject_kind=PERSON,
        description=(
            "同一民警办理的事故案件中，本月到期而超过办案时限办结或到期仍未办结的超过 {max_cases} 起"
            "（回溯 {lookback_days} 天内受理的案件）。"
        ),
        parameters={
            "max_cases": Param(default=2, minimum=0, maximum=10000, help="overdue cases allowed"),
            "lookback_days": Param(default=60, minimum=1, maximum=366, help="longest time limit, in days"),
        },
        run=_accident_overdue,
        weight=1.2,
    )
)


def _accident_quick_close(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    quick = (
        records.filter(business_type="accident.close", completed_at__isnull=False)
        .exclude(status__in=VOID)
        .annotate(hours=HoursBetween(F("completed_at"), F("accepted_at")))
        .filter(hours__lt=params["min_hours"])
    )
    return threshold_hits(quick, PERSON, threshold=params["max_records"])


register(
    Rule(
        code="accident_quick_close",
        name_zh="事故案件异常快速结案",
        name_en="Accident cases closed implausibly fast",
        area="accident_handling",
        subject_kind=PERSON,
        description=(
            "同一民警一个月内有超过 {max_records} 起事故案件从受理到结案不足 {min_hours} 小时，疑似未经调查或违规调解。"
        ),
        parameters={
            "min_hours": Param(default=2, minimum=1, maximum=240, help="shortest plausible case, in hours"),
            "max_records": Param(default=3, minimum=0, maximum=10000, help="quick closures allowed"),
        },
        run=_accident_quick_close,
    )
)


def _accident_liability_modified(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    modified = records.filter(area="accident_handling", flag_modified=True)
    return threshold_hits(modified, PERSON, threshold=params["max_records"])


register(
    Rule(
        code="accident_liability_modified",
        name_zh="事故认定结果多次变更",
        name_en="Accident records (liability findings) modified repeatedly",
        area="accident_handling",
        subject_kind=PERSON,
        description="同一民警一个月内修改事故认定或结案信息超过 {max_records} 起。",
        parameters={"max_records": Param(default=2, minimum=0, maximum=10000, help="modifications allowed")},
        run=_accident_liability_modified,
        weight=1.2,
    )
)


# === non-site enforcement (非现场执法) ===================================================================


def _manual_discard_above_peers(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    reviews = records.filter(area="nonsite_enforcement")
    return _peer_rule(reviews, params, peer="operator__post_id", flagged=Q(flag_manual_discard=True))


register(
    Rule(
        code="manual_discard_above_peers",
        name_zh="非现场执法人工二次筛查废弃比例明显高于同岗位",
        name_en="Manual discards in non-site enforcement far above the peers of the same post",
        area="nonsite_enforcement",
        subject_kind=PERSON,
        description=(
            "民警一个月内审核非现场违法记录不少于 {min_records} 条、"
            "人工废弃不少于 {min_flagged} 条，废弃比例比同岗位高出 "
            "{min_points} 个百分点以上，或达到同岗位的 {min_factor} 倍以上。"
        ),
        parameters=peer_parameters(min_records=30, min_points=10.0, min_factor=4.0, min_flagged=5),
        run=_manual_discard_above_peers,
        weight=1.5,
    )
)


def _nonsite_daily_mass_discard(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    discards = records.filter(area="nonsite_enforcement", flag_manual_discard=True)
    return daily_hits(discards, PERSON, threshold=params["max_per_day"])


register(
    Rule(
        code="nonsite_daily_mass_discard",
        name_zh="单日大量废弃非现场违法记录",
        name_en="One reviewer discards many non-site violation records in a day",
        area="nonsite_enforcement",
        subject_kind=PERSON,
        description="同一民警单日人工废弃非现场违法记录超过 {max_per_day} 条。",
        parameters={"max_per_day": Param(default=15, minimum=1, maximum=10000, help="discards a day allowed")},
        run=_nonsite_daily_mass_discard,
    )
)


def _nonsite_repeat_discard_same_owner(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    discards = records.filter(area="nonsite_enforcement", flag_manual_discard=True).exclude(applicant_id="")
    return threshold_hits(discards, PERSON, threshold=params["max_per_owner"], by=("applicant_id",))


register(
    Rule(
        code="nonsite_repeat_discard_same_owner",
        name_zh="反复废弃同一车主的非现场违法记录",
        name_en="A reviewer repeatedly discards the same owner's non-site violations (favoured vehicles)",
        area="nonsite_enforcement",
        subject_kind=PERSON,
        description=(
            "同一民警一个月内废弃同一车主（当事人）的非现场违法记录超过 {max_per_owner} 条，疑似为“关系车”消除违法。"
        ),
        parameters={"max_per_owner": Param(default=2, minimum=1, maximum=1000, help="discards per owner allowed")},
        run=_nonsite_repeat_discard_same_owner,
        weight=1.5,
    )
)


# === on-road enforcement (路面执法) =====================================================================


def _dui_not_transferred(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    # The cases whose transfer deadline (accepted + days) falls in the month: not transferred by
    # now (once the deadline passed), or transferred (completed) after it.
    limit = timedelta(days=params["days"])
    cases = (
        records_between(start - limit, end - limit)
        .filter(flag_public_servant_dui=True)
        .exclude(status__in=VOID)
        .annotate(taken=HoursBetween(F("completed_at"), F("accepted_at")))
        .filter(
            Q(flag_transferred=False, accepted_at__lt=as_of(end) - limit)
            | Q(flag_transferred=True, taken__gt=params["days"] * 24)
        )
    )
    return threshold_hits(cases, PERSON, threshold=params["max_cases"])


register(
    Rule(
        code="dui_not_transferred",
        name_zh="公职人员酒驾案件未按时移交",
        name_en="A public servant's drink-driving case not transferred in time",
        area="road_enforcement",
        subject_kind=PERSON,
        description="民警查处的公职人员酒驾醉驾案件超过 {days} 天未移交纪检监察机关的超过 {max_cases} 起。",
        parameters={
            "days": Param(default=3, minimum=1, maximum=90, help="days allowed for the transfer"),
            "max_cases": Param(default=0, minimum=0, maximum=100, help="late cases allowed"),
        },
        run=_dui_not_transferred,
        weight=2.0,
    )
)


def _road_downgraded_above_peers(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    tickets = records.filter(business_type="road.ticket")
    return _peer_rule(tickets, params, peer="operator__post_id", flagged=Q(flag_downgraded=True))


register(
    Rule(
        code="road_downgraded_above_peers",
        name_zh="路面执法降档处罚比例明显高于同岗位",
        name_en="Downgraded on-road penalties far above the peers of the same post",
        area="road_enforcement",
        subject_kind=PERSON,
        description=(
            "民警一个月内开具处罚决定不少于 {min_records} 份、"
            "降档（从轻）处罚不少于 {min_flagged} 份，降档比例比同岗位高出 "
            "{min_points} 个百分点以上，或达到同岗位的 {min_factor} 倍以上。"
        ),
        parameters=peer_parameters(min_records=30, min_points=10.0, min_factor=5.0, min_flagged=5),
        run=_road_downgraded_above_peers,
        weight=1.5,
    )
)


def _road_warning_share(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    decisions = records.filter(business_type__in=["road.ticket", "road.warning"])
    return _peer_rule(decisions, params, peer="operator__unit_id", flagged=Q(business_type="road.warning"))


register(
    Rule(
        code="road_warning_share_above_peers",
        name_zh="路面执法以警告代替处罚比例明显高于本单位",
        name_en="On-road warnings instead of penalties far above the peers of the same unit",
        area="road_enforcement",
        subject_kind=PERSON,
        description=(
            "民警一个月内作出处罚或警告不少于 {min_records} 起、"
            "警告不少于 {min_flagged} 起，警告比例比本单位其他民警高出 "
            "{min_points} 个百分点以上，或达到其 {min_factor} 倍以上。"
        ),
        parameters=peer_parameters(min_records=30, min_points=25.0, min_factor=2.5, min_flagged=10),
        run=_road_warning_share,
    )
)


# The circuit-breaker rules register themselves into the same registry.
from risk import breaker_rules  # noqa: E402,F401
