"""Rows made directly (the figures are reads: they do not need the workflows that write these rows),
with the dates the figures depend on set explicitly. Times are local (Asia/Shanghai)."""

import itertools
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from accounts.models import BusinessArea, Person
from accounts.tests.factories import PersonFactory
from cases.models import Case, CasePerson, Liability
from ratings.models import RatingRound, UnitRating
from rectification.models import RectificationItem, RectificationNotice
from risk.models import CircuitBreak
from risk.tests.alert_factories import make_model
from supervision.models import Finding, FindingCategory, Inspection

SHANGHAI = ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI)


def inspection(*, layer: str, on: date, organizer, creator) -> Inspection:
    return Inspection.objects.create(
        kind=Inspection.Kind.ROUTINE,
        layer=layer,
        inspection_date=on,
        theme=f"检查{next(_numbers)}",
        organizing_unit=organizer,
        created_by=creator,
    )


def finding(*, unit, found_on: date, creator, category="work_discipline", severity="general", inspection=None):
    return Finding.objects.create(
        unit=unit,
        inspection=inspection,
        source=Finding.Source.INSPECTION if inspection else Finding.Source.PETITION,
        category=FindingCategory.objects.get(code=category),
        business_area=BusinessArea.objects.get(code="vehicle_admin"),
        severity=severity,
        description=f"问题{next(_numbers)}",
        found_on=found_on,
        created_by=creator,
    )


def notice(*, unit, findings=(), status=RectificationNotice.Status.RECTIFYING, creator, area="vehicle_admin"):
    created = RectificationNotice.objects.create(
        unit=unit,
        business_area=BusinessArea.objects.get(code=area),
        title=f"整改通知{next(_numbers)}",
        requirements="立即整改",
        deadline=date(2026, 12, 31),
        status=status,
        created_by=creator,
    )
    created.findings.set(findings)
    return created


def item(
    *, notice, deadline: date, created_on: date, creator, status="open", closed_on: date | None = None, finding=None
):
    person = PersonFactory(unit=notice.unit)
    created = RectificationItem.objects.create(
        notice=notice,
        finding=finding,
        unit=notice.unit,
        problem=f"事项{next(_numbers)}",
        measures="整改措施",
        responsible_department=notice.unit,
        responsible_person=person,
        responsible_leader=person,
        deadline=deadline,
        status=status,
        closure=RectificationItem.Closure.RECTIFIED if status == "closed" else "",
        created_by=creator,
    )
    RectificationItem.objects.filter(pk=created.pk).update(
        created_at=at(created_on, 9), closed_at=at(closed_on, 16) if closed_on else None
    )
    created.refresh_from_db()
    return created


def breaker(*, unit, status=CircuitBreak.Status.ACTIVE, tripped_on: date, restored_on: date | None = None):
    created = CircuitBreak.objects.create(
        scope_kind=CircuitBreak.ScopeKind.ACCOUNT,
        scope_key=f"acc-{next(_numbers)}",
        unit=unit,
        model=make_model("t-night"),
        status=status,
    )
    CircuitBreak.objects.filter(pk=created.pk).update(
        tripped_at=at(tripped_on), restored_at=at(restored_on) if restored_on else None
    )
    return created


def case(*, unit, opened_on: date, creator, category="bribery", severity="serious", status="open", persons=()):
    created = Case.objects.create(
        number=f"廉案〔2026〕{next(_numbers)}号",
        title="案件",
        source=Case.Source.DIRECT,
        unit=unit,
        category=category,
        severity=severity,
        misconduct_date=opened_on,
        facts="事实",
        status=status,
        opened_by=creator,
    )
    Case.objects.filter(pk=created.pk).update(opened_at=at(opened_on))
    for person in persons:
        CasePerson.objects.create(case=created, person=person)
    created.refresh_from_db()
    return created


def person(*, unit, category=Person.Category.POLICE, rank=Person.Rank.INSPECTOR_1) -> Person:
    return PersonFactory(unit=unit, category=category, rank=rank)


def liability(*, case, person, unit, level="direct", start: date, status=Liability.Status.ACTIVE):
    return Liability.objects.create(
        case=case,
        person=person,
        level=level,
        unit=unit,
        reason="责任",
        consequence="取消评优资格",
        start_date=start,
        end_date=date(start.year + 1, start.month, 1),
        status=status,
    )


def rating_round(*, year: int, status: str, grades: dict) -> RatingRound:
    created = RatingRound.objects.create(year=year, status=status)
    for rank, (unit, grade) in enumerate(grades.items(), start=1):
        UnitRating.objects.create(round=created, unit=unit, score=Decimal(100 - rank), rank=rank, grade=grade)
    return created
