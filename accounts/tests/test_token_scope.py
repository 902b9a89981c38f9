"""The token authentication reads the user's role assignments in its own query (bench B4): the data
scope of a token request must be exactly the one the ORM reads for a session."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory

from accounts.authentication import ApiTokenAuthentication
from accounts.models import DataScope, Role, RoleAssignment
from accounts.selectors import user_role_assignments, user_sees_all, visible_units
from accounts.services import api_token_issue
from accounts.tests.factories import RoleAssignmentFactory
from supervision.tests.factories import make_finding

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/findings/"


def _authenticate(user):
    _token, key = api_token_issue(user=user)
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {key}")
    ApiTokenAuthentication().authenticate(request)  # the first use writes the last-used time
    with CaptureQueriesContext(connection) as queries:
        authenticated, _auth = ApiTokenAuthentication().authenticate(request)
    return authenticated, queries


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_the_token_query_reads_the_same_assignments_as_the_orm(org, squad_leader):
    # given: a second active role elsewhere, and an inactive one that must not count
    RoleAssignmentFactory(user=squad_leader, role=Role.PARTY_SECRETARY, unit=org.a, scope=DataScope.UNIT_AND_BELOW)
    RoleAssignmentFactory(user=squad_leader, role=Role.SUPERVISOR, unit=org.zd, scope=DataScope.ALL, is_active=False)

    # when
    user, queries = _authenticate(squad_leader)
    read = user_role_assignments(user)

    # then: one query for the token, its user, the suspension and the roles; every field of every
    # assignment and its unit as the ORM reads them (date-times aware, booleans as booleans)
    expected = list(
        RoleAssignment.objects.filter(user=squad_leader, is_active=True).select_related("unit").order_by("id")
    )
    assert len(queries) == 1
    assert [_fields(assignment) for assignment in read] == [_fields(assignment) for assignment in expected]
    assert [_fields(assignment.unit) for assignment in read] == [_fields(assignment.unit) for assignment in expected]
    assert all(assignment.is_active is True for assignment in read)
    assert {assignment.role for assignment in read} == {Role.UNIT_LEADER, Role.PARTY_SECRETARY}


def test_a_user_without_active_roles_reads_an_empty_scope(org, squad_leader):
    # given
    RoleAssignment.objects.filter(user=squad_leader).update(is_active=False)

    # when
    user, _queries = _authenticate(squad_leader)

    # then
    assert user_role_assignments(user) == []
    assert not user_sees_all(user)
    assert list(visible_units(user)) == []


def test_a_token_of_another_unit_sees_none_of_its_findings(api, org, supervisor, outsider, squad_leader):
    # given: findings of squadron A1 and of squadron B1
    make_finding(actor=supervisor, unit=org.a1, description="一中队问题")
    own = make_finding(actor=supervisor, unit=org.b1, description="二大队一中队问题")

    def listed(user):
        _token, key = api_token_issue(user=user)
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = api.get(LIST_URL)
        assert response.status_code == 200
        return [row["description"] for row in response.json()["results"]]

    # when / then: the outsider's token reads B1 only, the squad leader's A1 only, the supervisor both
    assert listed(outsider) == [own.description]
    assert listed(squad_leader) == ["一中队问题"]
    assert sorted(listed(supervisor)) == sorted(["一中队问题", own.description])
    assert api.get(f"{LIST_URL}?within={org.a.pk}").status_code == 200
    _token, key = api_token_issue(user=outsider)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(f"{LIST_URL}?within={org.a.pk}").status_code == 400
