"""The organisation API and pages: scope on every list and detail, bounded queries, 400 on bad input."""

from datetime import date

import pytest

from accounts.models import Position
from accounts.services import position_save
from accounts.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

LIST_ENDPOINTS = [
    "/api/v1/units/",
    "/api/v1/persons/",
    "/api/v1/positions/",
    "/api/v1/party-organizations/",
    "/api/v1/posts/",
]


@pytest.fixture
def people(org):
    """Persons with positions in both brigades."""
    mine = [PersonFactory(unit=org.a1) for _ in range(3)]
    theirs = [PersonFactory(unit=org.b1) for _ in range(3)]
    for person in mine + theirs:
        position_save(
            actor=None, position=Position(person=person, unit=person.unit, level="officer", start_date=date(2024, 1, 1))
        )
    return mine, theirs


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_squad_leader_lists_only_own_squad(api_as, org, squad_leader, people):
    mine, theirs = people
    client = api_as(squad_leader)
    assert ids(client.get("/api/v1/units/")) == {org.a1.pk}
    person_ids = ids(client.get("/api/v1/persons/"))
    assert {p.pk for p in mine} <= person_ids
    assert not {p.pk for p in theirs} & person_ids
    assert {row["unit"] for row in client.get("/api/v1/positions/").json()["results"]} == {org.a1.pk}


def test_squad_leader_gets_404_for_another_squads_objects(api_as, org, squad_leader, people):
    _mine, theirs = people
    client = api_as(squad_leader)
    assert client.get(f"/api/v1/units/{org.b1.pk}/").status_code == 404
    assert client.get(f"/api/v1/persons/{theirs[0].pk}/").status_code == 404
    assert client.get(f"/api/v1/positions/{theirs[0].positions.get().pk}/").status_code == 404
    assert client.get(f"/api/v1/units/{org.b1.pk}/responsibility/").status_code == 404


def test_squad_leader_gets_404_for_another_squads_pages(client, org, squad_leader, people):
    client.force_login(squad_leader)
    assert client.get(f"/org/units/{org.b1.pk}/").status_code == 404
    assert client.get(f"/org/persons/{people[1][0].pk}/").status_code == 404
    page = client.get("/org/persons/").content.decode()
    assert people[0][0].badge_number in page
    assert people[1][0].badge_number not in page
    assert org.b1.name not in client.get("/org/units/").content.decode()


def test_brigade_leader_sees_their_squads_not_the_other_brigade(api_as, org, brigade_leader, people):
    client = api_as(brigade_leader)
    assert ids(client.get("/api/v1/units/")) == {org.a.pk, org.a1.pk, org.a2.pk}
    assert client.get(f"/api/v1/persons/{people[0][0].pk}/").status_code == 200
    assert client.get(f"/api/v1/persons/{people[1][0].pk}/").status_code == 404


def test_committee_sees_everything(api_as, org, committee_member, people):
    client = api_as(committee_member)
    assert len(ids(client.get("/api/v1/units/"))) == 9
    all_people = {p.pk for group in people for p in group}
    assert all_people <= ids(client.get("/api/v1/persons/?page_size=200"))


def test_filter_by_out_of_scope_unit_is_rejected_like_an_unknown_one(api_as, org, squad_leader, people):
    client = api_as(squad_leader)
    outside = client.get(f"/api/v1/persons/?unit={org.b1.pk}")
    unknown = client.get("/api/v1/persons/?unit=999999")
    assert outside.status_code == unknown.status_code == 400
    assert "unit" in outside.json()
    assert client.get(f"/api/v1/persons/?within={org.b.pk}").status_code == 400


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/v1/persons/?category=wizard", "category"),
        ("/api/v1/persons/?unit=abc", "unit"),
        ("/api/v1/positions/?held_on=2026-13-45", "held_on"),
        ("/api/v1/positions/?level=emperor", "level"),
        ("/api/v1/units/?ordering=password", "ordering"),
        ("/api/v1/persons/?ordering=-nope,name", "ordering"),
        ("/api/v1/audit-events/?occurred_from=yesterday", "occurred_from"),
        ("/api/v1/units/{a}/responsibility/?date=not-a-date", "date"),
    ],
)
def test_bad_filter_values_answer_400_naming_the_field(api_as, org, admin_user, url, field):
    response = api_as(admin_user).get(url.format(a=org.a.pk))
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize("url", [*LIST_ENDPOINTS, "/api/v1/audit-events/"])
def test_list_query_count_does_not_depend_on_page_size(
    api_as, org, admin_user, people, url, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_as(admin_user)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url, {"page_size": 1}).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert client.get(url, {"page_size": 200}).status_code == 200
    assert len(many.captured_queries) == len(one.captured_queries)
    assert len(one.captured_queries) <= 8


def test_page_size_is_capped_at_200(api_as, org, committee_member):
    PersonFactory.create_batch(205, unit=org.a2)
    response = api_as(committee_member).get("/api/v1/persons/?page_size=1000")
    assert len(response.json()["results"]) == 200


def test_search_and_within_filters(api_as, org, committee_member):
    target = PersonFactory(unit=org.a2, name="张三丰", badge_number="880001")
    PersonFactory(unit=org.b1, name="李四")
    client = api_as(committee_member)
    assert ids(client.get("/api/v1/persons/?search=张三")) == {target.pk}
    within = ids(client.get(f"/api/v1/persons/?within={org.a.pk}"))
    assert target.pk in within and all(pk != target.pk for pk in ids(client.get(f"/api/v1/persons/?within={org.b.pk}")))


def test_responsibility_endpoint(api_as, org, committee_member):
    chief = PersonFactory(unit=org.a, name="大队长甲")
    position_save(actor=None, position=Position(person=chief, unit=org.a, level="chief", start_date=date(2025, 1, 1)))
    body = api_as(committee_member).get(f"/api/v1/units/{org.a1.pk}/responsibility/?date=2025-01-01").json()
    assert [row["person_name"] for row in body["chiefs"]] == ["大队长甲"]
    body = api_as(committee_member).get(f"/api/v1/units/{org.a1.pk}/responsibility/?date=2024-12-31").json()
    assert body["chiefs"] == []


def test_me_describes_roles_and_scope(api_as, org, brigade_leader):
    body = api_as(brigade_leader).get("/api/v1/me/").json()
    assert body["username"] == "brigade_leader"
    assert body["roles"] == [
        {
            "role": "unit_leader",
            "role_display": body["roles"][0]["role_display"],
            "scope": "unit_and_below",
            "scope_display": body["roles"][0]["scope_display"],
            "unit": org.a.pk,
            "unit_name": "一大队",
        }
    ]
    assert body["visible_unit_count"] == 3
    assert body["sees_all_units"] is False


def test_me_patch_sets_language_and_rejects_unknown(api_as, org, squad_leader):
    client = api_as(squad_leader)
    assert client.patch("/api/v1/me/", {"language": "fr"}, format="json").status_code == 400
    assert client.patch("/api/v1/me/", {"language": "en"}, format="json").json()["language"] == "en"


def test_anonymous_gets_401_or_403(api):
    for url in [*LIST_ENDPOINTS, "/api/v1/me/"]:
        assert api.get(url).status_code in (401, 403)


def test_org_endpoints_are_read_only(api_as, org, admin_user):
    client = api_as(admin_user)
    assert client.post("/api/v1/units/", {"code": "X", "name": "X"}, format="json").status_code == 405
    assert client.delete(f"/api/v1/units/{org.a.pk}/").status_code == 405


def test_schema_and_docs_are_served_without_cdn(client, admin_user):
    client.force_login(admin_user)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    docs = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in docs
    assert "cdn" not in docs.lower()
