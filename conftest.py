"""Shared fixtures: a small organisation and one persona per role, plus an outsider.

Tree:
    ZD 支队
    ├── JCS 监察室 (department)      supervisor (all)
    ├── JW  纪委 (department)        discipline_inspector (all)
    ├── CG  车管科 (department)      business lead of vehicle_admin
    ├── A   一大队 (brigade)         brigade_leader, party_secretary (unit and below)
    │   ├── A1 一中队 (squad)        squad_leader (own unit)
    │   └── A2 二中队 (squad)
    └── B   二大队 (brigade)
        └── B1 一中队 (squad)        outsider: squad leader of another brigade (own unit)
"""

from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from accounts.models import BusinessArea, DataScope, PartyOrganization, Role, Unit
from accounts.tests.factories import PersonFactory, RoleAssignmentFactory, UnitFactory, UserFactory

PASSWORD = "Correct-Horse-42"


@pytest.fixture
def org(db):
    zd = UnitFactory(code="ZD", name="测试支队", kind=Unit.Kind.DETACHMENT)
    committee = PartyOrganization.objects.create(name="支队党委", kind=PartyOrganization.Kind.COMMITTEE, unit=zd)
    jcs = UnitFactory(code="JCS", name="监察室", kind=Unit.Kind.DEPARTMENT, parent=zd)
    jw = UnitFactory(code="JW", name="纪委", kind=Unit.Kind.DEPARTMENT, parent=zd)
    cg = UnitFactory(code="CG", name="车管科", kind=Unit.Kind.DEPARTMENT, parent=zd)
    a = UnitFactory(code="A", name="一大队", kind=Unit.Kind.BRIGADE, parent=zd)
    a1 = UnitFactory(code="A1", name="一大队一中队", kind=Unit.Kind.SQUAD, parent=a)
    a2 = UnitFactory(code="A2", name="一大队二中队", kind=Unit.Kind.SQUAD, parent=a)
    b = UnitFactory(code="B", name="二大队", kind=Unit.Kind.BRIGADE, parent=zd)
    b1 = UnitFactory(code="B1", name="二大队一中队", kind=Unit.Kind.SQUAD, parent=b)
    branch_a = PartyOrganization.objects.create(
        name="一大队党总支", kind=PartyOrganization.Kind.GENERAL_BRANCH, unit=a, parent=committee
    )
    Unit.objects.filter(pk__in=[a.pk, a1.pk, a2.pk]).update(party_organization=branch_a)
    BusinessArea.objects.filter(code=BusinessArea.Code.VEHICLE_ADMIN).update(lead_department=cg)
    return SimpleNamespace(
        zd=zd, jcs=jcs, jw=jw, cg=cg, a=a, a1=a1, a2=a2, b=b, b1=b1, committee=committee, branch_a=branch_a
    )


def make_persona(username: str, role: str, unit: Unit, scope: str, **user_fields):
    user = UserFactory(username=username, **user_fields)
    PersonFactory(name=f"{username}-本人", unit=unit, user=user)
    RoleAssignmentFactory(user=user, role=role, unit=unit, scope=scope)
    return user


@pytest.fixture
def supervisor(org):
    return make_persona("supervisor", Role.SUPERVISOR, org.jcs, DataScope.ALL)


@pytest.fixture
def discipline_inspector(org):
    return make_persona("inspector", Role.DISCIPLINE_INSPECTOR, org.jw, DataScope.ALL)


@pytest.fixture
def brigade_leader(org):
    return make_persona("brigade_leader", Role.UNIT_LEADER, org.a, DataScope.UNIT_AND_BELOW)


@pytest.fixture
def squad_leader(org):
    return make_persona("squad_leader", Role.UNIT_LEADER, org.a1, DataScope.OWN_UNIT)


@pytest.fixture
def outsider(org):
    """A squad leader of another brigade: must see nothing of brigade A."""
    return make_persona("outsider", Role.UNIT_LEADER, org.b1, DataScope.OWN_UNIT)


@pytest.fixture
def party_secretary(org):
    return make_persona("party_secretary", Role.PARTY_SECRETARY, org.a, DataScope.UNIT_AND_BELOW)


@pytest.fixture
def committee_member(org):
    return make_persona("committee", Role.COMMITTEE, org.zd, DataScope.ALL)


@pytest.fixture
def admin_user(org):
    return make_persona("admin", Role.ADMIN, org.zd, DataScope.ALL, is_staff=True, is_superuser=True)


@pytest.fixture
def api_client_user(org):
    return make_persona("api_client", Role.API_CLIENT, org.zd, DataScope.ALL)


@pytest.fixture
def business_lead(org):
    """Leader of 车管科, the business lead department of vehicle administration."""
    return make_persona("biz_lead", Role.UNIT_LEADER, org.cg, DataScope.OWN_UNIT)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache: rate-limit counters (public feedback, login lockout)
    and cached figures must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Evidence files of a test go to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def today(monkeypatch):
    """Freeze `timezone.localdate()` / `now()` at 2026-11-23 10:00 Asia/Shanghai for date-sensitive tests."""
    import datetime as dt

    from django.utils import timezone

    frozen = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    return dt.date(2026, 11, 23)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(api):
    """`api_as(user)` -> an APIClient authenticated as that user (session auth, as the browser)."""

    def login(user):
        api.force_authenticate(user=None)
        api.force_login(user)
        return api

    return login


# --- The rectification journey, one step per fixture -----------------------------------------------


@pytest.fixture
def finding_a1(org, supervisor):
    from supervision.tests.factories import make_finding, upload

    return make_finding(actor=supervisor, unit=org.a1, files=[upload()])


@pytest.fixture
def draft_notice(org, supervisor, finding_a1):
    from datetime import timedelta

    from django.utils import timezone

    from rectification.services import notice_create

    return notice_create(
        actor=supervisor,
        unit=org.a1,
        findings=[finding_a1],
        title="关于一中队工作纪律问题的整改通知",
        requirements="立即整改，举一反三。",
        deadline=timezone.localdate() + timedelta(days=30),
    )


@pytest.fixture
def issued_notice(draft_notice, supervisor, party_secretary, business_lead):
    from rectification.services import notice_issue

    return notice_issue(actor=supervisor, notice=draft_notice)


@pytest.fixture
def acknowledged_notice(issued_notice, party_secretary, business_lead):
    from rectification.models import Handover
    from rectification.services import handover_acknowledge

    handover_acknowledge(
        actor=party_secretary, handover=issued_notice.handovers.get(side=Handover.Side.PARTY), opinion="支部已签收"
    )
    handover_acknowledge(
        actor=business_lead, handover=issued_notice.handovers.get(side=Handover.Side.BUSINESS), opinion="车管科已签收"
    )
    issued_notice.refresh_from_db()
    return issued_notice


@pytest.fixture
def open_item(acknowledged_notice, squad_leader, org, finding_a1):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.tests.factories import PersonFactory
    from rectification.services import item_create

    return item_create(
        actor=squad_leader,
        notice=acknowledged_notice,
        finding=finding_a1,
        problem="值班期间玩手机游戏",
        measures="组织纪律教育，落实值班巡查",
        responsible_department=org.a1,
        responsible_person=PersonFactory(unit=org.a1, name="责任人甲"),
        responsible_leader=PersonFactory(unit=org.a1, name="责任领导乙"),
        deadline=timezone.localdate() + timedelta(days=20),
    )


@pytest.fixture
def submitted_item(open_item, squad_leader):
    from rectification.services import item_submit, progress_add
    from supervision.tests.factories import upload

    progress_add(actor=squad_leader, item=open_item, text="已组织全队纪律教育", files=[upload("整改照片.png")])
    return item_submit(actor=squad_leader, item=open_item, note="整改完成，申请销号")


# --- Serialized rollback across browser tests -------------------------------------------------------
# Playwright's sync API runs on greenlets, which switch the context that Django's per-context
# `connections` live in: after a browser test the test thread may get a NEW connection object that
# lacks the `_test_serialized_contents` taken when the test database was created, so a later
# `serialized_rollback` test would silently restore nothing and find the reference tables empty.
# Keep the serialized contents and hand them to whichever connection object is current.
_SERIALIZED: dict[str, str] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            _SERIALIZED[alias] = contents
        elif alias in _SERIALIZED:
            connection._test_serialized_contents = _SERIALIZED[alias]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's database setup, then keep what it serialized (see above)."""
    from django.db import connections

    for alias in connections:
        contents = getattr(connections[alias], "_test_serialized_contents", None)
        if contents is not None:
            _SERIALIZED[alias] = contents
