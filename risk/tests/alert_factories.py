"""Alerts, hits and models made directly (the tests of verification and lists do not run the rule
engine): an alert as the assessment would leave it, with its person hits and their factors."""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from accounts.tests.factories import PersonFactory
from risk.models import Alert, Assessment, ModelHit, RiskModel, SubjectKind

MODELS = {
    "t-deletes": ("一人一天删除违法记录过多", "Too many violation deletions a day", "violation_processing"),
    "t-night": ("非工作时间办理业务", "Business outside working hours", "vehicle_admin"),
    "t-agent": ("同一代理人为过多申请人办理", "One agent for too many applicants", "vehicle_admin"),
}


def make_model(code: str = "t-night") -> RiskModel:
    name_zh, name_en, area = MODELS[code]
    model, _created = RiskModel.objects.get_or_create(
        code=code,
        defaults={
            "name_zh": name_zh,
            "name_en": name_en,
            "area": area,
            "description": f"{name_zh}：超过阈值即命中。",
            "subject_kind": SubjectKind.PERSON,
            "parameters": {"threshold": 5},
        },
    )
    return model


def make_assessment(month: date = date(2026, 10, 1)) -> Assessment:
    assessment, _created = Assessment.objects.get_or_create(month=month, defaults={"started_at": timezone.now()})
    return assessment


def make_alert(
    *,
    unit,
    person=None,
    month: date = date(2026, 10, 1),
    codes=("t-night", "t-agent"),
    grade: str = Alert.Grade.RED,
    index: str = "88.0",
    status: str = Alert.Status.PENDING,
    decided_at: datetime | None = None,
) -> Alert:
    """An alert with one hit per model code (count 7, contribution 40, two sample records each)."""
    assessment = make_assessment(month)
    person = person or PersonFactory(unit=unit)
    factors = []
    for number, code in enumerate(codes):
        model = make_model(code)
        ModelHit.objects.create(
            assessment=assessment,
            model=model,
            subject_kind=SubjectKind.PERSON,
            subject_key=person.badge_number,
            person=person,
            unit=unit,
            count=7,
            contribution=Decimal("40.0") - number,
            sample_record_ids=[1000 + number, 2000 + number],
        )
        factors.append({"model": code, "name": model.name_zh, "contribution": 40.0 - number, "count": 7})
    return Alert.objects.create(
        assessment=assessment,
        person=person,
        unit=unit,
        grade=grade,
        index=Decimal(index),
        factors=factors,
        status=status,
        decided_at=decided_at or (timezone.now() if status != Alert.Status.PENDING else None),
    )


def opinions(alert: Alert, value: bool = True) -> dict[str, bool]:
    return {factor["model"]: value for factor in alert.factors}
