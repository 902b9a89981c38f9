"""The supervision models (监管模型) as code: each rule is ONE set-based query over business records
(GROUP BY the subject, conditional aggregation, HAVING over a threshold) that returns the subjects
it fires on with their counts and sample record ids. Never a loop over persons.

A rule's parameters, weight and on/off switch live in the RiskModel row of the same code (edited in
the admin, validated against the rule's `parameters` schema); `risk_models_sync` creates the rows.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Min, Q, QuerySet

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
        return self.description.format(**values)


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
    """GROUP BY `subject_field` (and the unit), count, keep groups with count > threshold.

    The workhorse of most rules: one query, whatever the number of subjects.
    """
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


# --- two rules as the pattern; the full registry follows in this module -------------------------------


def _deletes_per_day(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    from django.db.models.functions import TruncDate

    rows = records.filter(Q(flag_deleted=True) | Q(flag_cancelled=True), area="violation_processing")
    daily = (
        rows.exclude(operator_badge="")
        .annotate(day=TruncDate("accepted_at"))
        .values("operator_badge", "operator_id", "unit_id", "day")
        .annotate(n=Count("id"), first=Min("id"), last=Max("id"))
        .filter(n__gt=params["max_per_day"])
        .order_by()
    )
    by_person: dict[tuple, Hit] = {}
    for row in daily:
        key = (row["operator_badge"], row["unit_id"])
        hit = by_person.setdefault(
            key,
            Hit(
                subject_key=row["operator_badge"],
                unit_id=row["unit_id"],
                count=0,
                ratio=0,
                person_id=row["operator_id"],
            ),
        )
        hit.count += row["n"]
        hit.ratio = max(hit.ratio, row["n"] / max(params["max_per_day"], 1))
        hit.sample_record_ids = sorted(set(hit.sample_record_ids) | {row["first"], row["last"]})[:6]
    return list(by_person.values())


register(
    Rule(
        code="violation_mass_delete",
        name_zh="单日大量删除/撤销违法记录",
        name_en="One clerk deletes or cancels many violation records in a day",
        area="violation_processing",
        subject_kind=SubjectKind.PERSON,
        description="同一民警单日删除或撤销违法记录超过 {max_per_day} 条。",
        parameters={"max_per_day": Param(default=5, minimum=1, maximum=1000)},
        run=_deletes_per_day,
        weight=1.5,
    )
)


def _agent_many_applicants(records: QuerySet, start: datetime, end: datetime, params: dict) -> list[Hit]:
    rows = (
        records.exclude(agent_id="")
        .values("agent_id", "unit_id")
        .annotate(n=Count("applicant_id", distinct=True), first=Min("id"), last=Max("id"))
        .filter(n__gt=params["max_applicants"])
        .order_by()
    )
    return [
        Hit(
            subject_key=row["agent_id"],
            unit_id=row["unit_id"],
            count=row["n"],
            ratio=row["n"] / params["max_applicants"],
            sample_record_ids=sorted({row["first"], row["last"]}),
        )
        for row in rows
    ]


register(
    Rule(
        code="agent_many_applicants",
        name_zh="同一代理人为多名申请人办理业务（疑似非法中介）",
        name_en="One agent submits for many different applicants in a month (illegal intermediary)",
        area="vehicle_admin",
        subject_kind=SubjectKind.AGENT,
        description="同一代理人证件号一个月内为超过 {max_applicants} 名不同申请人办理业务。",
        parameters={"max_applicants": Param(default=10, minimum=1, maximum=10000)},
        run=_agent_many_applicants,
    )
)


# The circuit-breaker rules register themselves into the same registry.
from risk import breaker_rules  # noqa: E402,F401
