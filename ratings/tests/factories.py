"""Records the rating reads, made directly (the rating tests do not walk every workflow): findings,
rectification items in every deadline state, confirmed alerts, circuit breaks, cases and liability
records, each dated where the test needs it."""

from datetime import date, datetime, time, timedelta
from itertools import count

from django.utils import timezone

from accounts.models import BusinessArea, Person
from accounts.tests.factories import PersonFactory, UnitFactory, UserFactory
from cases.models import Case, CaseCategory, CaseSeverity, Liability, LiabilityLevel
from rectification.models import RectificationItem, RectificationNotice
from risk.models import Alert, CircuitBreak, RiskModel, SubjectKind
from risk.tests.alert_factories import make_alert
from supervision.models import Finding, FindingCategory

_numbers = count(1)


def aware(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), timezone.get_default_timezone())


def author():
    return UserFactory(username="ratings-factory-author")


def staff(unit, n: int) -> list[Person]:
    return [PersonFactory(unit=unit) for _ in range(n)]


def finding(unit, *, severity="general", found_on=date(2026, 5, 10)) -> Finding:
    return Finding.objects.create(
        unit=unit,
        category=FindingCategory.objects.get(code="work_discipline"),
        business_area=BusinessArea.objects.get(code=BusinessArea.Code.VEHICLE_ADMIN),
        severity=severity,
        description="值班期间玩手机游戏",
        found_on=found_on,
        created_by=author(),
    )


def notice(unit) -> RectificationNotice:
    return RectificationNotice.objects.create(
        unit=unit,
        business_area=BusinessArea.objects.get(code=BusinessArea.Code.VEHICLE_ADMIN),
        title="整改通知",
        requirements="立即整改",
        deadline=date(2026, 12, 31),
        status=RectificationNotice.Status.RECTIFYING,
        created_by=author(),
    )


def outsider_person(unit) -> Person:
    """A person who does not count in the unit's headcount (not in service)."""
    return PersonFactory(unit=unit, is_active=False)


def item(
    unit, *, deadline: date, status="open", closed_on: date | None = None, closed_hour: int = 10
) -> RectificationItem:
    person = outsider_person(unit)
    return RectificationItem.objects.create(
        notice=notice(unit),
        unit=unit,
        problem="问题",
        measures="措施",
        responsible_department=unit,
        responsible_person=person,
        responsible_leader=person,
        deadline=deadline,
        status=status,
        closed_at=aware(closed_on, closed_hour) if closed_on else None,
        created_by=author(),
    )


def confirmed_alert(unit, *, month=date(2026, 3, 1), status=Alert.Status.CONFIRMED) -> Alert:
    return make_alert(unit=unit, person=outsider_person(unit), month=month, status=status)


def circuit_break(unit, *, tripped_on=date(2026, 6, 1), hour: int = 10) -> CircuitBreak:
    model, _created = RiskModel.objects.get_or_create(
        code="t-breaker",
        defaults={
            "name_zh": "测试熔断模型",
            "name_en": "Test breaker",
            "area": "vehicle_admin",
            "description": "测试",
            "subject_kind": SubjectKind.DEVICE,
            "kind": RiskModel.Kind.BREAKER,
            "parameters": {},
        },
    )
    breaker = CircuitBreak.objects.create(
        scope_kind=CircuitBreak.ScopeKind.DEVICE,
        scope_key=f"dev-{next(_numbers)}",
        unit=unit,
        model=model,
        status=CircuitBreak.Status.RESTORED,
    )
    CircuitBreak.objects.filter(pk=breaker.pk).update(tripped_at=aware(tripped_on, hour))
    return breaker


def case(
    unit,
    *,
    misconduct_date=date(2026, 4, 1),
    status=Case.Status.OPEN,
    confirmed: bool | None = None,
    concluded_on: date | None = None,
) -> Case:
    return Case.objects.create(
        number=f"廉案测试{next(_numbers):04d}",
        title="测试案件",
        source=Case.Source.DIRECT,
        unit=unit,
        category=CaseCategory.BRIBERY,
        severity=CaseSeverity.SERIOUS,
        misconduct_date=misconduct_date,
        facts="事实",
        status=status,
        integrity_problem_confirmed=confirmed,
        concluded_at=aware(concluded_on) if concluded_on else None,
        opened_by=author(),
    )


def confirmed_case(unit, *, misconduct_date=date(2026, 4, 1), concluded_on=date(2026, 8, 1)) -> Case:
    return case(
        unit,
        misconduct_date=misconduct_date,
        status=Case.Status.CONCLUDED,
        confirmed=True,
        concluded_on=concluded_on,
    )


def liability(unit, *, start_date=date(2026, 8, 1), status=Liability.Status.ACTIVE) -> Liability:
    # Its case is an old open one, so that it adds neither a case of the year nor a veto.
    return Liability.objects.create(
        case=case(unit, misconduct_date=date(2024, 1, 1)),
        person=outsider_person(unit),
        level=LiabilityLevel.DIRECT,
        unit=unit,
        reason="直接责任",
        consequence="取消评优评先资格",
        start_date=start_date,
        end_date=start_date + timedelta(days=365),
        status=status,
    )


def squads(parent, n: int, *, prefix="S") -> list:
    return [UnitFactory(code=f"{prefix}{i:03d}", name=f"中队{i}", parent=parent) for i in range(n)]
