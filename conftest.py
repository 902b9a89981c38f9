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
