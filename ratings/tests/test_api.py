"""The rating API: scope (drafts hidden from unit leaders, other units' ratings invisible), every action
with its role (403, nothing changed), repeats (409 with current_status), bad input (400 naming the
field), filters, bounded queries and the schema."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Unit
from ratings.models import Grade, RatingAdjustment, RatingRound
from ratings.services import (
    rating_adjust,
    rating_round_approve,
    rating_round_draft,
    rating_round_propose,
    rating_round_publish,
    rating_tie_decide,
)
from ratings.tests import factories as f
from ratings.tests.conftest import YEAR, state

pytestmark = pytest.mark.django_db

ROUNDS = "/api/v1/rating-rounds/"
RATINGS = "/api/v1/ratings/"
ADJUSTMENTS = "/api/v1/rating-adjustments/"


def results(response) -> list:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def unit_codes(response) -> set:
    return {row["unit_code"] for row in results(response)}


@pytest.fixture
def published(proposed, committee_member, supervisor):
    rating_round_approve(actor=committee_member, round=proposed)
    return rating_round_publish(actor=supervisor, round=proposed)


# --- scope ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees_draft"),
    [
        ("supervisor", True),
        ("committee_member", True),
        ("admin_user", True),
        ("discipline_inspector", False),
        ("brigade_leader", False),
        ("squad_leader", False),
        ("outsider", False),
        ("api_client_user", False),
    ],
)
def test_drafts_are_hidden_from_all_but_supervisors_committee_and_admins(request, api_as, draft, persona, sees_draft):
    client = api_as(request.getfixturevalue(persona))
    assert bool(results(client.get(ROUNDS))) is sees_draft
    assert client.get(f"{ROUNDS}{draft.pk}/").status_code == (200 if sees_draft else 404)
    assert bool(results(client.get(RATINGS))) is sees_draft


@pytest.mark.parametrize(
    ("persona", "units"),
    [
        ("supervisor", {"A1", "A2", "B1"}),
        ("committee_member", {"A1", "A2", "B1"}),
        ("discipline_inspector", {"A1", "A2", "B1"}),
        ("api_client_user", {"A1", "A2", "B1"}),
        ("brigade_leader", {"A1", "A2"}),
        ("squad_leader", {"A1"}),
        ("outsider", {"B1"}),
        ("party_secretary", {"A1", "A2"}),
        ("business_lead", set()),
    ],
)
def test_published_ratings_are_seen_only_within_the_scope(request, api_as, org, published, persona, units):
    client = api_as(request.getfixturevalue(persona))
    assert client.get(f"{ROUNDS}{published.pk}/").status_code == 200  # a published round: everyone
    assert unit_codes(client.get(RATINGS)) == units
    for rating in published.ratings.select_related("unit"):
        expected = 200 if rating.unit.code in units else 404
        assert client.get(f"{RATINGS}{rating.pk}/").status_code == expected


def test_an_outsider_sees_no_adjustment_of_other_units(org, api_as, draft, supervisor, outsider, committee_member):
    rating_adjust(actor=supervisor, round=draft, unit=org.a2, points="2", reason="加分")
    rating_adjust(actor=supervisor, round=draft, unit=org.b1, points="-1", reason="减分")
    rating_round_propose(actor=supervisor, round=draft)
    rating_round_approve(actor=committee_member, round=draft)
    rating_round_publish(actor=supervisor, round=draft)
    assert {row["unit_name"] for row in results(api_as(outsider).get(ADJUSTMENTS))} == {org.b1.name}
    assert len(results(api_as(supervisor).get(ADJUSTMENTS))) == 2


# --- drafting and the workflow -------------------------------------------------------------------------


def test_create_drafts_then_recomputes(api_as, supervisor, distinct_scores, today):
    client = api_as(supervisor)
    created = client.post(ROUNDS, {"year": YEAR})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["rating_count"] == 3 and body["demonstration_count"] == 1
    assert body["quotas"]["units"] == 3
    again = client.post(ROUNDS, {"year": YEAR})
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    recomputed = client.post(f"{ROUNDS}{body['id']}/recompute/")
    assert recomputed.status_code == 200


@pytest.mark.parametrize("year", [1999, 2030, "abc", ""])
def test_a_bad_year_is_a_400_naming_it(api_as, supervisor, today, year):
    response = api_as(supervisor).post(ROUNDS, {"year": year})
    assert response.status_code == 400
    assert "year" in response.json()
    assert not RatingRound.objects.exists()


def test_a_unit_leader_cannot_draft(api_as, squad_leader, today):
    assert api_as(squad_leader).post(ROUNDS, {"year": YEAR}).status_code == 403
    assert not RatingRound.objects.exists()


def test_the_workflow_through_the_api(api_as, draft, supervisor, committee_member):
    sup = api_as(supervisor)
    assert sup.post(f"{ROUNDS}{draft.pk}/propose/").json()["status"] == "proposed"
    repeat = sup.post(f"{ROUNDS}{draft.pk}/propose/")
    assert repeat.status_code == 409 and repeat.json()["current_status"] == "proposed"
    com = api_as(committee_member)
    no_reason = com.post(f"{ROUNDS}{draft.pk}/return/", {"reason": ""})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    returned = com.post(f"{ROUNDS}{draft.pk}/return/", {"reason": "请补充说明"})
    assert returned.status_code == 200 and returned.json()["return_reason"] == "请补充说明"
    sup = api_as(supervisor)
    sup.post(f"{ROUNDS}{draft.pk}/propose/")
    com = api_as(committee_member)
    approved = com.post(f"{ROUNDS}{draft.pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = com.post(f"{ROUNDS}{draft.pk}/approve/")
    assert again.status_code == 409 and again.json()["current_status"] == "approved"
    published = com.post(f"{ROUNDS}{draft.pk}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    recompute = api_as(supervisor).post(f"{ROUNDS}{draft.pk}/recompute/")
    assert recompute.status_code == 409 and recompute.json()["current_status"] == "published"


@pytest.mark.parametrize(
    ("action", "status", "persona"),
    [
        ("propose", "draft", "committee_member"),
        ("recompute", "draft", "committee_member"),
        ("return", "proposed", "supervisor"),
        ("approve", "proposed", "supervisor"),
        ("approve", "proposed", "admin_user"),
        ("publish", "approved", "admin_user"),
    ],
)
def test_wrong_roles_get_403_and_nothing_changes(request, api_as, draft, action, status, persona):
    RatingRound.objects.filter(pk=draft.pk).update(status=status)
    before = state(draft)
    response = api_as(request.getfixturevalue(persona)).post(f"{ROUNDS}{draft.pk}/{action}/", {"reason": "理由"})
    assert response.status_code == 403, response.content
    assert state(draft) == before


def test_a_unit_leader_cannot_even_find_a_draft_to_act_on(api_as, draft, squad_leader):
    before = state(draft)
    assert api_as(squad_leader).post(f"{ROUNDS}{draft.pk}/propose/").status_code == 404
    assert state(draft) == before


def test_ties_through_the_api(org, api_as, tied_draft, supervisor, committee_member):
    api_as(supervisor).post(f"{ROUNDS}{tied_draft.pk}/propose/")
    com = api_as(committee_member)
    refused = com.post(f"{ROUNDS}{tied_draft.pk}/approve/")
    assert refused.status_code == 400 and "ties" in refused.json()
    assert RatingRound.objects.get(pk=tied_draft.pk).status == "proposed"
    tied = results(com.get(RATINGS, {"tie_unresolved": "true"}))
    assert len(tied) == 3 and all(row["tie_grades"] == {"demonstration": 1, "standard": 2} for row in tied)
    a1 = tied_draft.ratings.get(unit=org.a1)
    bad = com.post(f"{RATINGS}{a1.pk}/decide-tie/", {"grade": "model", "reason": "理由"})
    assert bad.status_code == 400 and "grade" in bad.json()
    not_committee = api_as(supervisor).post(
        f"{RATINGS}{a1.pk}/decide-tie/", {"grade": "demonstration", "reason": "理由"}
    )
    assert not_committee.status_code == 403
    com = api_as(committee_member)
    decided = com.post(f"{RATINGS}{a1.pk}/decide-tie/", {"grade": "demonstration", "reason": "党委研究决定"})
    assert decided.status_code == 200, decided.content
    assert decided.json()["grade"] == "demonstration" and decided.json()["grade_decision_reason"] == "党委研究决定"
    repeat = com.post(f"{RATINGS}{a1.pk}/decide-tie/", {"grade": "standard", "reason": "改判"})
    assert repeat.status_code == 409
    assert com.post(f"{ROUNDS}{tied_draft.pk}/approve/").status_code == 200


# --- adjustments ---------------------------------------------------------------------------------------


def test_adjustments_through_the_api(org, api_as, draft, supervisor, committee_member):
    client = api_as(supervisor)
    created = client.post(ADJUSTMENTS, {"round": draft.pk, "unit": org.a2.pk, "points": "25", "reason": "获评先进"})
    assert created.status_code == 201, created.content
    assert created.json()["points"] == 25.0 and created.json()["unit_name"] == org.a2.name
    a2 = results(client.get(RATINGS, {"unit": org.a2.pk}))[0]
    assert a2["grade"] == "demonstration" and a2["adjustment_points"] == 25.0
    assert len(results(client.get(ADJUSTMENTS, {"round": draft.pk}))) == 1

    for body, field in [
        ({"round": draft.pk, "unit": org.a2.pk, "points": "0", "reason": "理由"}, "points"),
        ({"round": draft.pk, "unit": org.a2.pk, "points": "1.234", "reason": "理由"}, "points"),
        ({"round": draft.pk, "unit": org.a2.pk, "points": "2", "reason": ""}, "reason"),
        ({"round": draft.pk, "unit": org.a.pk, "points": "2", "reason": "理由"}, "unit"),
        ({"round": draft.pk, "unit": 999999, "points": "2", "reason": "理由"}, "unit"),
        ({"round": 999999, "unit": org.a2.pk, "points": "2", "reason": "理由"}, "round"),
    ]:
        response = client.post(ADJUSTMENTS, body)
        assert response.status_code == 400, (body, response.content)
        assert field in response.json(), (body, response.json())
    assert RatingAdjustment.objects.count() == 1
    denied = api_as(committee_member).post(
        ADJUSTMENTS, {"round": draft.pk, "unit": org.a2.pk, "points": "2", "reason": "理由"}
    )
    assert denied.status_code == 403
    assert RatingAdjustment.objects.count() == 1


# --- filters, ordering, queries, schema ----------------------------------------------------------------


def test_filters_and_ordering(org, api_as, draft, supervisor):
    client = api_as(supervisor)
    assert unit_codes(client.get(RATINGS, {"grade": Grade.DEMONSTRATION})) == {"A1"}
    assert unit_codes(client.get(RATINGS, {"year": YEAR})) == {"A1", "A2", "B1"}
    assert unit_codes(client.get(RATINGS, {"year": 2020})) == set()
    assert unit_codes(client.get(RATINGS, {"round": draft.pk, "unit": org.b1.pk})) == {"B1"}
    ranks = [row["rank"] for row in results(client.get(RATINGS, {"ordering": "-rank"}))]
    assert ranks == sorted(ranks, reverse=True)
    assert client.get(RATINGS, {"ordering": "password"}).status_code == 400
    assert client.get(RATINGS, {"grade": "excellent"}).status_code == 400
    assert client.get(RATINGS, {"vetoed": "maybe"}).status_code == 400
    assert len(results(client.get(ROUNDS, {"status": "draft"}))) == 1


def test_an_outside_unit_filter_is_rejected_like_an_unknown_one(org, api_as, published, outsider):
    response = api_as(outsider).get(RATINGS, {"unit": org.a1.pk})
    assert response.status_code == 400


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_lists_cost_the_same_number_of_queries_for_3_and_33_units(org, api_as, supervisor, today):
    rating_round = rating_round_draft(year=YEAR, actor=supervisor).rating_round
    rating_adjust(actor=supervisor, round=rating_round, unit=org.a1, points="1", reason="理由")
    client = api_as(supervisor)
    small = [_count(client, url) for url in (RATINGS, ROUNDS, ADJUSTMENTS)]
    f.squads(org.b, 30, prefix="Q")
    rating_round_draft(year=YEAR, actor=supervisor)
    for unit in Unit.objects.filter(code__startswith="Q")[:10]:
        rating_adjust(actor=supervisor, round=rating_round, unit=unit, points="1", reason="理由")
    assert rating_round.ratings.count() == 33 and RatingAdjustment.objects.count() == 11
    client = api_as(supervisor)
    assert [_count(client, url) for url in (RATINGS, ROUNDS, ADJUSTMENTS)] == small


def test_everything_is_in_the_schema(api_as, admin_user):
    schema = api_as(admin_user).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/rating-rounds/",
        "/api/v1/rating-rounds/{id}/",
        "/api/v1/rating-rounds/{id}/recompute/",
        "/api/v1/rating-rounds/{id}/propose/",
        "/api/v1/rating-rounds/{id}/return/",
        "/api/v1/rating-rounds/{id}/approve/",
        "/api/v1/rating-rounds/{id}/publish/",
        "/api/v1/ratings/",
        "/api/v1/ratings/{id}/",
        "/api/v1/ratings/{id}/decide-tie/",
        "/api/v1/rating-adjustments/",
    ):
        assert path in paths, path
    assert "post" in paths["/api/v1/rating-adjustments/"]
    assert "post" in paths["/api/v1/rating-rounds/"]


def test_a_decided_tie_shows_who_decided(org, api_as, tied_draft, supervisor, committee_member):
    rating_round_propose(actor=supervisor, round=tied_draft)
    rating_tie_decide(
        actor=committee_member, rating=tied_draft.ratings.get(unit=org.a1), grade=Grade.DEMONSTRATION, reason="决定"
    )
    row = results(api_as(supervisor).get(RATINGS, {"unit": org.a1.pk}))[0]
    assert row["grade_decided_by_name"] == "committee-本人"
    assert "决定" in row["explanation"]
