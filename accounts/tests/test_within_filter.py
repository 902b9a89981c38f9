"""`?within=<unit>` on the API's lists: checked inside the page's query, still a 400 naming `within` for a
unit the caller cannot see (core.api.filters.DeferrableFilter, accounts.api.filters.WithinUnitFilter)."""

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import override
from drf_spectacular.generators import SchemaGenerator
from rest_framework.mixins import ListModelMixin
from rest_framework.test import APIClient

from accounts.api.filters import WithinUnitFilter
from accounts.services import api_token_issue
from core.api.filters import SparseFilterBackend
from rectification.filters import FindingFilter
from supervision.tests.factories import make_finding

pytestmark = pytest.mark.django_db

NOT_A_CHOICE = forms.ModelChoiceField.default_error_messages["invalid_choice"]


def lists_with_within() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        path
        for path, item in schema["paths"].items()
        if "{" not in path
        and any(p["name"] == "within" and p["in"] == "query" for p in item.get("get", {}).get("parameters", []))
    )


LISTS = lists_with_within()


def client_for(user, language="en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user=user)
    return client


def test_the_lists_are_found():
    assert {"/api/v1/findings/", "/api/v1/business-records/", "/api/v1/persons/", "/api/v1/units/"} <= set(LISTS)


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("query", [{}, {"page": 2}, {"page_size": 1}, {"format": "csv"}], ids=str)
def test_a_unit_outside_the_scope_is_a_400_naming_within(org, outsider, path, query):
    response = client_for(outsider).get(path, {"within": org.a.pk, **query})
    assert response.status_code == 400, response.content[:300]
    assert response.json() == {"within": [NOT_A_CHOICE % {"value": org.a.pk}]}


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("value", ["999999999", "abc", "-1", "0", "1.5", str(2**64)])
def test_a_unit_that_does_not_exist_or_is_no_id_is_a_400_naming_within(outsider, path, value):
    response = client_for(outsider).get(path, {"within": value})
    assert response.status_code == 400, response.content[:300]
    assert list(response.json()) == ["within"]


@pytest.mark.parametrize("path", LISTS)
def test_the_callers_own_unit_is_a_200_even_with_nothing_in_it(org, outsider, path):
    response = client_for(outsider).get(path, {"within": org.b1.pk})
    assert response.status_code == 200, response.content[:300]


def test_the_error_is_the_one_the_browser_form_gives_in_the_users_language(rf, org, outsider):
    request = rf.get("/", {"within": org.a.pk})
    request.user = outsider
    for language in ("zh-hans", "en"):
        eager = FindingFilter(request.GET, queryset=None, request=request)
        with override(language):
            assert not eager.is_valid()
            browser_error = eager.errors["within"]
            response = client_for(outsider, language).get("/api/v1/findings/", {"within": org.a.pk})
        assert response.json()["within"] == browser_error


def token_client(api, user) -> APIClient:
    _token, key = api_token_issue(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api.get("/api/v1/me/")  # the token's last-used time is written once a minute, not in the measured call
    return api


def test_rows_under_the_unit_are_listed_and_no_unit_is_read_first(api, org, supervisor):
    # given: findings in A1 (under brigade A) and in B1
    inside = make_finding(actor=supervisor, unit=org.a1, description="一中队")
    make_finding(actor=supervisor, unit=org.b1, description="二大队")
    client = token_client(api, supervisor)

    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/findings/", {"within": org.a.pk})

    # then: the finding under A only; the token (with the caller's roles), then the page
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [inside.pk]
    assert len(queries) == 2


def test_an_empty_page_asks_once_whether_the_unit_is_visible(api, org, supervisor):
    client = token_client(api, supervisor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/findings/", {"within": org.b.pk})
    assert response.status_code == 200
    assert response.json()["results"] == []
    # the token, the page, then whether brigade B is among the supervisor's units
    assert len(queries) == 3


def test_only_lists_whose_paginator_checks_an_empty_page_defer(rf):
    checking = type("P", (), {"runs_deferred_checks": True})()

    class Eager(ListModelMixin):
        action = "list"
        paginator = None
        filterset_class = FindingFilter

    class Deferring(ListModelMixin):
        action = "list"
        paginator = checking
        filterset_class = FindingFilter

    class AnotherAction(Deferring):
        action = "ledger"

    class OwnList(Deferring):
        def list(self, request):
            pass

    request = rf.get("/", {"within": "1"})
    request.query_params = request.GET
    request.user = None
    backend = SparseFilterBackend()
    none = FindingFilter._meta.model.objects.none()
    eager = backend.get_filterset(request, none, Eager())
    assert isinstance(eager.filters["within"], WithinUnitFilter) and not eager.filters["within"].deferred
    assert backend.get_filterset(request, none, Deferring()).filters["within"].deferred
    assert not backend.get_filterset(request, none, AnotherAction()).filters["within"].deferred
    assert not backend.get_filterset(request, none, OwnList()).filters["within"].deferred
    # the declared filter of the class is left as it was
    assert not FindingFilter.base_filters["within"].deferred
