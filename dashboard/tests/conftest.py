"""The crafted data set every figure is checked against, by hand (today is 2026-11-23; the period is
2026Q4 = 1 October .. 31 December). Brigade A (A1, A2) and brigade B (B1):

findings   F1 A1 2026-10-10 work_discipline general  committee layer   in closed notice N1 → closed
           F2 A1 2026-11-02 appearance      serious  unit_daily layer  in notice N2       → open
           F3 A2 2026-09-15 work_discipline general  no inspection     no notice          → open (Q3)
           F4 B1 2026-10-20 work_discipline grave    discipline layer  in notice N3       → open
items      I1 A1 due 10-20 created 10-12 closed 10-19 (on time; 6 working days: make-up workday 10-17)
           I2 A1 due 11-10 created 11-02 closed 11-13 (late;    8 working days: holiday 11-05)
           I3 A1 due 11-15 created 11-02 open      → overdue
           I4 A2 due 12-15 created 11-03 submitted → not overdue
           I5 B1 due 11-01 created 10-20 open      → overdue
           I6 B1 due 09-30 created 09-01 open      → overdue, due in Q3
alerts     A1 2026-10 red confirmed (vehicle_admin + violation_processing models)
           A1 2026-11 blue pending (vehicle_admin)
           B1 2026-10 orange confirmed (vehicle_admin)
breakers   B1 active tripped 11-01; A1 restore requested tripped 10-05; A2 restored tripped 09-01, restored 10-02
cases      C1 A1 opened 10-08 bribery serious investigating, persons P1 police inspector_1, P2 auxiliary no rank
           C2 B1 opened 11-03 eight_rules minor closed, person P3 police constable_1
           C3 A2 opened 07-01 other minor open
liability  L1 B1 P3 direct starts 11-10 active; L2 A1 P1 chief starts 10-15 revoked
ratings    2025 published: A1 model, A2 demonstration, B1 warning; 2026 draft: A1 standard
records    A1 2026-10: 2 (one flagged "deleted"); B1 2026-11: 1
"""

from datetime import date
from types import SimpleNamespace

import pytest

from accounts.models import Person
from core.models import CalendarDay
from dashboard.figures import parse_period
from dashboard.tests import factories as f
from rectification.models import RectificationNotice
from risk.models import Alert, CircuitBreak
from risk.tests.alert_factories import make_alert
from risk.tests.factories import local, record

Q4 = parse_period("2026Q4")


@pytest.fixture
def crafted(org, today, supervisor):
    creator = supervisor
    CalendarDay.objects.create(date=date(2026, 10, 17), kind=CalendarDay.Kind.WORKDAY, name="调休")
    CalendarDay.objects.create(date=date(2026, 11, 5), kind=CalendarDay.Kind.HOLIDAY, name="测试假日")

    committee_layer = f.inspection(layer="committee", on=date(2026, 10, 10), organizer=org.jcs, creator=creator)
    daily_layer = f.inspection(layer="unit_daily", on=date(2026, 11, 2), organizer=org.a, creator=creator)
    discipline_layer = f.inspection(layer="discipline", on=date(2026, 10, 20), organizer=org.jw, creator=creator)
    f1 = f.finding(unit=org.a1, found_on=date(2026, 10, 10), creator=creator, inspection=committee_layer)
    f2 = f.finding(
        unit=org.a1,
        found_on=date(2026, 11, 2),
        creator=creator,
        category="appearance",
        severity="serious",
        inspection=daily_layer,
    )
    f3 = f.finding(unit=org.a2, found_on=date(2026, 9, 15), creator=creator)
    f4 = f.finding(
        unit=org.b1, found_on=date(2026, 10, 20), creator=creator, severity="grave", inspection=discipline_layer
    )
    n1 = f.notice(unit=org.a1, findings=[f1], status=RectificationNotice.Status.CLOSED, creator=creator)
    n2 = f.notice(unit=org.a1, findings=[f2], creator=creator)
    n3 = f.notice(unit=org.b1, findings=[f4], creator=creator)
    n4 = f.notice(unit=org.a2, creator=creator)
    items = SimpleNamespace(
        i1=f.item(
            notice=n1,
            deadline=date(2026, 10, 20),
            created_on=date(2026, 10, 12),
            status="closed",
            closed_on=date(2026, 10, 19),
            creator=creator,
            finding=f1,
        ),
        i2=f.item(
            notice=n2,
            deadline=date(2026, 11, 10),
            created_on=date(2026, 11, 2),
            status="closed",
            closed_on=date(2026, 11, 13),
            creator=creator,
            finding=f2,
        ),
        i3=f.item(notice=n2, deadline=date(2026, 11, 15), created_on=date(2026, 11, 2), creator=creator, finding=f2),
        i4=f.item(
            notice=n4, deadline=date(2026, 12, 15), created_on=date(2026, 11, 3), status="submitted", creator=creator
        ),
        i5=f.item(notice=n3, deadline=date(2026, 11, 1), created_on=date(2026, 10, 20), creator=creator, finding=f4),
        i6=f.item(notice=n3, deadline=date(2026, 9, 30), created_on=date(2026, 9, 1), creator=creator),
    )

    make_alert(
        unit=org.a1,
        month=date(2026, 10, 1),
        grade=Alert.Grade.RED,
        status=Alert.Status.CONFIRMED,
        codes=("t-night", "t-deletes"),
    )
    make_alert(unit=org.a1, month=date(2026, 11, 1), grade=Alert.Grade.BLUE, codes=("t-night",), index="35.0")
    make_alert(
        unit=org.b1,
        month=date(2026, 10, 1),
        grade=Alert.Grade.ORANGE,
        status=Alert.Status.CONFIRMED,
        codes=("t-agent",),
        index="72.0",
    )

    f.breaker(unit=org.b1, tripped_on=date(2026, 11, 1))
    f.breaker(unit=org.a1, status=CircuitBreak.Status.RESTORE_REQUESTED, tripped_on=date(2026, 10, 5))
    f.breaker(
        unit=org.a2, status=CircuitBreak.Status.RESTORED, tripped_on=date(2026, 9, 1), restored_on=date(2026, 10, 2)
    )

    p1 = f.person(unit=org.a1)
    p2 = f.person(unit=org.a1, category=Person.Category.AUXILIARY, rank=Person.Rank.NONE)
    p3 = f.person(unit=org.b1, rank=Person.Rank.CONSTABLE_1)
    c1 = f.case(unit=org.a1, opened_on=date(2026, 10, 8), creator=creator, status="investigating", persons=[p1, p2])
    c2 = f.case(
        unit=org.b1,
        opened_on=date(2026, 11, 3),
        creator=creator,
        category="eight_rules",
        severity="minor",
        status="closed",
        persons=[p3],
    )
    f.case(unit=org.a2, opened_on=date(2026, 7, 1), creator=creator, category="other", severity="minor")
    f.liability(case=c2, person=p3, unit=org.b1, start=date(2026, 11, 10))
    f.liability(case=c1, person=p1, unit=org.a1, level="chief", start=date(2026, 10, 15), status="revoked")

    f.rating_round(year=2025, status="published", grades={org.a1: "model", org.a2: "demonstration", org.b1: "warning"})
    f.rating_round(year=2026, status="draft", grades={org.a1: "standard"})

    operator = f.person(unit=org.a1)
    record(unit=org.a1, operator=operator, day=3)
    record(unit=org.a1, operator=operator, day=4, flags=["deleted"])
    record(unit=org.b1, operator=None, accepted_at=local(2026, 11, 2))
    return SimpleNamespace(org=org, items=items, findings=(f1, f2, f3, f4), cases=(c1, c2))


@pytest.fixture
def rolled_up(crafted):
    """The crafted data set with the rollups refreshed (as the beat would have done)."""
    from dashboard.rollups import rollups_refresh

    rollups_refresh()
    return crafted
