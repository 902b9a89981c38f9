"""Writes of the risk engine: the model registry sync and the monthly comprehensive assessment.

Scoring (documented so that every figure can be explained):
- each hit contributes  weight * 25 * min(count / threshold, 2)   (one clear hit of weight 1: 25-50);
- a person's index is the sum of their hits' contributions, capped at 100;
- a post's index is the sum of the contributions of its holders divided by its headcount, capped;
- a unit's index is the sum of all contributions in the unit (persons, accounts, devices, agents)
  divided by its headcount, * 10, capped at 100.
The sums are SQL aggregates; alerts are raised for persons at or above the lowest grade threshold.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from accounts.models import Person, Unit
from audit.services import audit_record
from risk.models import Alert, Assessment, ModelHit, RiskModel, RiskScore, SubjectKind
from risk.rules import REGISTRY, records_between

CONTRIBUTION_SCALE = 25
MAX_RATIO = 2


def risk_models_sync() -> int:
    """Create a RiskModel row for every rule in the registry (existing rows keep their edited
    parameters, weight and switch). Returns how many were created."""
    existing = set(RiskModel.objects.values_list("code", flat=True))
    missing = [
        RiskModel(
            code=rule.code,
            name_zh=rule.name_zh,
            name_en=rule.name_en,
            area=rule.area,
            description=rule.readable_description(rule.validated_parameters({})),
            subject_kind=rule.subject_kind,
            kind=rule.kind,
            parameters=rule.validated_parameters({}),
            weight=Decimal(str(rule.weight)),
        )
        for code, rule in REGISTRY.items()
        if code not in existing
    ]
    RiskModel.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month of `month` as [start, end) in settings.TIME_ZONE (not a request's zone: the
    assessment of a month must not depend on who asks)."""
    start = month.replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    zone = timezone.get_default_timezone()
    return datetime.combine(start, time.min, zone), datetime.combine(end, time.min, zone)


def assessment_month(text: str | None = None, *, today: date | None = None) -> date:
    """The first day of the month written `YYYY-MM`; without text, the month before `today` (the
    month a run on the 1st assesses). Raises ValueError with a readable message on a bad month."""
    if not text:
        first = (today or timezone.localdate()).replace(day=1)
        return (first - timedelta(days=1)).replace(day=1)
    try:
        return datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise ValueError(f"the month must look like 2026-10 (year-month), got {text!r}") from None


def alert_grade(index: Decimal) -> str | None:
    """The grade of a risk index under settings.RISK_ALERT_THRESHOLDS (None below the lowest)."""
    grade = None
    for name, threshold in sorted(settings.RISK_ALERT_THRESHOLDS.items(), key=lambda item: item[1]):
        if index >= threshold:
            grade = name
    return grade


@dataclass
class AssessmentResult:
    assessment: Assessment
    hits: int
    scores: int
    alerts_created: int
    alerts_withdrawn: int = 0


def _contribution(weight: Decimal, ratio: float) -> Decimal:
    return (weight * CONTRIBUTION_SCALE * Decimal(str(min(ratio, MAX_RATIO)))).quantize(Decimal("0.1"))


def assessment_run(*, month: date, actor=None) -> AssessmentResult:
    """Run every active monthly model over the month and score persons, posts and units.

    Idempotent per month: the month's hits and scores are replaced in one transaction; alerts are
    keyed (month, person), so a re-run creates none twice and never touches a decided alert.
    """
    risk_models_sync()
    start, end = month_bounds(month)
    records = records_between(start, end)
    models = {m.code: m for m in RiskModel.objects.filter(is_active=True, kind=RiskModel.Kind.MONTHLY)}
    computed: list[tuple[RiskModel, object]] = []
    for code, model in models.items():
        rule = REGISTRY.get(code)
        if rule is None:
            continue
        params = rule.validated_parameters(model.parameters)
        computed.extend((model, hit) for hit in rule.run(records, start, end, params))

    with transaction.atomic():
        assessment, _created = Assessment.objects.get_or_create(
            month=start.date(), defaults={"started_at": timezone.now()}
        )
        Assessment.objects.filter(pk=assessment.pk).update(started_at=timezone.now(), runs=F("runs") + 1)
        assessment.scores.all().delete()
        assessment.hits.all().delete()
        ModelHit.objects.bulk_create(
            [
                ModelHit(
                    assessment=assessment,
                    model=model,
                    subject_kind=model.subject_kind,
                    subject_key=hit.subject_key,
                    person_id=hit.person_id,
                    unit_id=hit.unit_id,
                    count=hit.count,
                    sample_record_ids=hit.sample_record_ids,
                    contribution=_contribution(model.weight, hit.ratio),
                )
                for model, hit in computed
            ],
            batch_size=2000,
        )
        scores = _score(assessment)
        alerts_created, alerts_withdrawn = _raise_alerts(assessment)
        Assessment.objects.filter(pk=assessment.pk).update(
            finished_at=timezone.now(),
            hit_count=len(computed),
            alert_count=Alert.objects.filter(assessment=assessment).count(),
        )
        assessment.refresh_from_db()
        audit_record(
            actor=actor,
            action="assessment.run",
            target=assessment,
            changes={
                "hits": len(computed),
                "scores": scores,
                "alerts_created": alerts_created,
                "alerts_withdrawn": alerts_withdrawn,
                "run": assessment.runs,
            },
        )
    return AssessmentResult(
        assessment=assessment,
        hits=len(computed),
        scores=scores,
        alerts_created=alerts_created,
        alerts_withdrawn=alerts_withdrawn,
    )


def _score(assessment: Assessment) -> int:
    """Person, post and unit indices from the hits: three GROUP BY queries, bulk inserted."""
    hits = ModelHit.objects.filter(assessment=assessment)
    rows: list[RiskScore] = []
    # persons
    person_totals = (
        hits.filter(person__isnull=False)
        .values("person_id", "person__unit_id")
        .annotate(total=Sum("contribution"))
        .order_by()
    )
    contributions = _contributions_by(hits.filter(person__isnull=False), "person_id")
    for row in person_totals:
        index = min(row["total"], Decimal(100))
        factors = contributions.get(row["person_id"], [])
        rows.append(
            RiskScore(
                assessment=assessment,
                subject_kind=SubjectKind.PERSON,
                subject_id=row["person_id"],
                person_id=row["person_id"],
                unit_id=row["person__unit_id"],
                index=index,
                contributions={f["model"]: str(f["contribution"]) for f in factors},
                top_factors=factors[:5],
            )
        )
    # posts: contributions of the holders over the post's headcount
    headcount = dict(
        Person.objects.filter(is_active=True, post__isnull=False)
        .values("post_id")
        .annotate(n=Count("id"))
        .values_list("post_id", "n")
        .order_by()
    )
    post_totals = (
        hits.filter(person__post__isnull=False).values("person__post_id").annotate(total=Sum("contribution")).order_by()
    )
    post_contributions = _contributions_by(hits.filter(person__post__isnull=False), "person__post_id")
    root = Unit.objects.filter(parent__isnull=True).values_list("pk", flat=True).first()
    for row in post_totals:
        post_id = row["person__post_id"]
        index = min(row["total"] / max(headcount.get(post_id, 1), 1), Decimal(100)).quantize(Decimal("0.1"))
        factors = post_contributions.get(post_id, [])
        rows.append(
            RiskScore(
                assessment=assessment,
                subject_kind=SubjectKind.POST,
                subject_id=post_id,
                post_id=post_id,
                unit_id=root,
                index=index,
                contributions={f["model"]: str(f["contribution"]) for f in factors},
                top_factors=factors[:5],
            )
        )
    # units: every hit in the unit over its headcount
    unit_heads = dict(
        Person.objects.filter(is_active=True)
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
        .order_by()
    )
    unit_contributions = _contributions_by(hits, "unit_id")
    for row in hits.values("unit_id").annotate(total=Sum("contribution")).order_by():
        unit_id = row["unit_id"]
        index = min(row["total"] * 10 / max(unit_heads.get(unit_id, 1), 1), Decimal(100)).quantize(Decimal("0.1"))
        factors = unit_contributions.get(unit_id, [])
        rows.append(
            RiskScore(
                assessment=assessment,
                subject_kind=SubjectKind.UNIT,
                subject_id=unit_id,
                unit_id=unit_id,
                index=index,
                contributions={f["model"]: str(f["contribution"]) for f in factors},
                top_factors=factors[:5],
            )
        )
    RiskScore.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _contributions_by(hits, key: str) -> dict[int, list[dict]]:
    """Per subject, the contribution of each model, largest first (one GROUP BY query)."""
    grouped = (
        hits.values(key, "model__code", "model__name_zh")
        .annotate(contribution=Sum("contribution"), count=Sum("count"))
        .order_by(key, "-contribution")
    )
    result: dict[int, list[dict]] = {}
    for row in grouped:
        result.setdefault(row[key], []).append(
            {
                "model": row["model__code"],
                "name": row["model__name_zh"],
                "contribution": float(row["contribution"]),
                "count": row["count"],
            }
        )
    return result


def _raise_alerts(assessment: Assessment) -> tuple[int, int]:
    """One alert per person at or above the lowest threshold. A pending alert nobody has verified yet
    is refreshed, or withdrawn (deleted) when its person no longer crosses the threshold; an alert
    with a verification or a decision is never touched; none is created twice (unique per month and
    person). Returns (created, withdrawn)."""
    lowest = min(settings.RISK_ALERT_THRESHOLDS.values())
    scores = RiskScore.objects.filter(assessment=assessment, subject_kind=SubjectKind.PERSON, index__gte=lowest)
    existing = {
        a.person_id: a for a in Alert.objects.filter(assessment=assessment).annotate(reviews=Count("verifications"))
    }
    new, refreshed, crossing = [], [], set()
    for score in scores:
        crossing.add(score.person_id)
        grade = alert_grade(score.index)
        alert = existing.get(score.person_id)
        if alert is None:
            new.append(
                Alert(
                    assessment=assessment,
                    person_id=score.person_id,
                    unit_id=score.unit_id,
                    grade=grade,
                    index=score.index,
                    factors=score.top_factors,
                )
            )
        elif alert.status == Alert.Status.PENDING and not alert.reviews:
            alert.grade, alert.index, alert.factors = grade, score.index, score.top_factors
            refreshed.append(alert)
    stale = [
        alert.pk
        for person_id, alert in existing.items()
        if person_id not in crossing and alert.status == Alert.Status.PENDING and not alert.reviews
    ]
    Alert.objects.bulk_create(new, ignore_conflicts=True)
    Alert.objects.bulk_update(refreshed, ["grade", "index", "factors"])
    if stale:
        Alert.objects.filter(pk__in=stale, status=Alert.Status.PENDING, verifications__isnull=True).delete()
    return len(new), len(stale)
