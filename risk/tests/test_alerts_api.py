"""The risk API of models, assessments, scores, alerts (with verify and to-finding) and quarterly lists:
scope (404 and empty lists outside it), roles (403, nothing written), transitions (409 with the current
status), input errors (400 naming the field), explained factors, and bounded query counts."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import DataScope, Role
from accounts.tests.factories import PersonFactory, PostFactory
from audit.models import AuditEvent
from conftest import make_persona
from risk.lists import risk_lists_generate
from risk.models import Alert, AlertVerification, RiskScore, SubjectKind
from risk.tests.alert_factories import make_alert, make_assessment, make_model, opinions
from supervision.models import Finding

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def written():
    return (
        list(Alert.objects.order_by("pk").values_list("status", "dismissal_reason")),
        AlertVerification.objects.count(),
        Finding.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def alerts(org):
    return {
        "pending": make_alert(unit=org.a1),
        "confirmed": make_alert(unit=org.a1, status=Alert.Status.CONFIRMED),
        "other": make_alert(unit=org.b1),
    }


def verify_body(alert, *, agree=True, comment="核实属实"):
    return {"agree": agree, "comment": comment, "factor_opinions": opinions(alert, agree)}


# --- alerts: scope -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("supervisor", {"pending", "confirmed", "other"}),
        ("discipline_inspector", {"pending", "confirmed", "other"}),
        ("committee_member", {"pending", "confirmed", "other"}),
        ("admin_user", {"pending", "confirmed", "other"}),
        ("brigade_leader", {"confirmed"}),
        ("squad_leader", {"confirmed"}),
        ("outsider", set()),
        ("party_secretary", set()),
    ],
)
def test_alert_list_and_detail_are_scoped(request, api_as, alerts, persona, visible):
    client = api_as(request.getfixturevalue(persona))
    assert ids(client.get("/api/v1/alerts/")) == {alerts[name].pk for name in visible}
    for name, alert in alerts.items():
        expected = 200 if name in visible else 404
        assert client.get(f"/api/v1/alerts/{alert.pk}/").status_code == expected, name


def test_an_alert_explains_its_factors_with_links_to_the_source_records(api_as, supervisor, alerts):
    alert = alerts["pending"]
    body = api_as(supervisor).get(f"/api/v1/alerts/{alert.pk}/").json()
    assert body["status"] == "pending"
    assert body["awaiting_roles"] == [Role.SUPERVISOR, Role.DISCIPLINE_INSPECTOR]
    assert body["person"]["badge_number"] == alert.person.badge_number
    night, agent = body["factors"]
    assert night["model"] == "t-night"
    assert night["name"] == "非工作时间办理业务"
    assert night["description"].startswith("非工作时间办理业务")
    assert night["area"] == "vehicle_admin"
    assert (night["count"], night["contribution"]) == (7, 40.0)
    assert night["record_ids"] == [1000, 2000]
    assert night["records_url"].startswith(
        f"/api/v1/business-records/?operator_badge={alert.person.badge_number}&accepted_from=2026-10-01"
    )
    assert agent["record_ids"] == [1001, 2001]


def test_alert_filters(api_as, supervisor, alerts, org):
    client = api_as(supervisor)
    assert ids(client.get("/api/v1/alerts/?status=confirmed")) == {alerts["confirmed"].pk}
    assert ids(client.get(f"/api/v1/alerts/?unit={org.b1.pk}")) == {alerts["other"].pk}
    assert ids(client.get("/api/v1/alerts/?awaiting_me=true")) == {alerts["pending"].pk, alerts["other"].pk}
    assert client.get("/api/v1/alerts/?status=bogus").status_code == 400
    assert client.get("/api/v1/alerts/?ordering=-index").status_code == 200


def test_the_alert_list_costs_the_same_for_one_alert_and_many(api_as, supervisor, discipline_inspector, org):
    from risk.alerts import alert_verify

    client = api_as(supervisor)
    make_alert(unit=org.a1)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/alerts/").status_code == 200
        return len(captured)

    one = queries()
    for _n in range(6):
        alert = make_alert(unit=org.a2)
        alert_verify(
            actor=discipline_inspector, alert=alert, agree=True, comment="属实", factor_opinions=opinions(alert)
        )
    assert queries() == one


# --- alerts: verify ------------------------------------------------------------------------------------


def test_supervisor_then_inspector_confirm_through_the_api(api_as, supervisor, discipline_inspector, alerts):
    alert = alerts["pending"]
    url = f"/api/v1/alerts/{alert.pk}/verify/"
    first = api_as(supervisor).post(url, verify_body(alert))
    assert first.status_code == 200, first.content
    assert (first.json()["status"], first.json()["awaiting_roles"]) == ("pending", [Role.DISCIPLINE_INSPECTOR])
    second = api_as(discipline_inspector).post(url, verify_body(alert))
    assert second.status_code == 200, second.content
    body = second.json()
    assert body["status"] == "confirmed"
    assert body["awaiting_roles"] == []
    assert [v["role"] for v in body["verifications"]] == [Role.SUPERVISOR, Role.DISCIPLINE_INSPECTOR]
    assert body["verifications"][0]["verifier_name"] == "supervisor-本人"


def test_verifying_twice_is_a_conflict_naming_the_status(api_as, supervisor, alerts):
    alert = alerts["pending"]
    url = f"/api/v1/alerts/{alert.pk}/verify/"
    assert api_as(supervisor).post(url, verify_body(alert)).status_code == 200
    before = written()
    again = api_as(supervisor).post(url, verify_body(alert))
    assert again.status_code == 409
    assert again.json()["current_status"] == "pending"
    assert written() == before


def test_a_disagreement_dismisses_and_a_decided_alert_is_a_conflict(api_as, supervisor, discipline_inspector, alerts):
    alert = alerts["pending"]
    url = f"/api/v1/alerts/{alert.pk}/verify/"
    response = api_as(discipline_inspector).post(url, verify_body(alert, agree=False, comment="正常业务，误报"))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["dismissal_reason"]) == ("dismissed", "正常业务，误报")
    late = api_as(supervisor).post(url, verify_body(alert))
    assert (late.status_code, late.json()["current_status"]) == (409, "dismissed")


@pytest.mark.parametrize(
    ("persona", "which", "expected"),
    [
        ("committee_member", "pending", 403),
        ("admin_user", "pending", 403),
        ("squad_leader", "confirmed", 403),
        ("squad_leader", "pending", 404),
        ("brigade_leader", "pending", 404),
        ("outsider", "pending", 404),
        ("outsider", "confirmed", 404),
    ],
)
def test_who_cannot_verify(request, api_as, alerts, persona, which, expected):
    alert = alerts[which]
    before = written()
    response = api_as(request.getfixturevalue(persona)).post(f"/api/v1/alerts/{alert.pk}/verify/", verify_body(alert))
    assert response.status_code == expected, response.content
    assert written() == before


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"comment": "  "}, "comment", ""),
        ({"factor_opinions": {"t-night": True}}, "factor_opinions", "t-agent"),
        ({"factor_opinions": {"t-night": True, "t-agent": True, "t-x": False}}, "factor_opinions", "t-x"),
        ({"factor_opinions": {"t-night": "maybe", "t-agent": True}}, "factor_opinions", ""),
        ({"agree": None}, "agree", ""),
    ],
)
def test_bad_input_is_400_naming_the_field(api_as, supervisor, alerts, change, field, text):
    alert = alerts["pending"]
    body = {**verify_body(alert), **change}
    before = written()
    response = api_as(supervisor).post(f"/api/v1/alerts/{alert.pk}/verify/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert text in str(response.json()[field])
    assert written() == before


# --- alerts: to finding --------------------------------------------------------------------------------


def test_a_confirmed_alert_becomes_a_finding_once(api_as, supervisor, alerts):
    alert = alerts["confirmed"]
    url = f"/api/v1/alerts/{alert.pk}/to-finding/"
    response = api_as(supervisor).post(url)
    assert response.status_code == 201, response.content
    finding = response.json()
    assert finding["source"] == "risk_alert"
    assert finding["unit"] == alert.unit_id
    assert api_as(supervisor).get(f"/api/v1/alerts/{alert.pk}/").json()["finding"] == finding["id"]
    again = api_as(supervisor).post(url)
    assert (again.status_code, again.json()["current_status"]) == (409, "confirmed")
    assert Finding.objects.count() == 1


def test_to_finding_refusals(api_as, supervisor, discipline_inspector, brigade_leader, outsider, alerts):
    before = written()
    pending = api_as(supervisor).post(f"/api/v1/alerts/{alerts['pending'].pk}/to-finding/")
    assert (pending.status_code, pending.json()["current_status"]) == (409, "pending")
    confirmed = f"/api/v1/alerts/{alerts['confirmed'].pk}/to-finding/"
    assert api_as(discipline_inspector).post(confirmed).status_code == 403
    assert api_as(brigade_leader).post(confirmed).status_code == 403
    assert api_as(outsider).post(confirmed).status_code == 404
    assert written() == before


# --- models, assessments, scores -----------------------------------------------------------------------


def test_models_are_for_the_oversight_roles_and_precision_for_admins(
    api_as, supervisor, admin_user, brigade_leader, alerts
):
    night = make_model("t-night")
    rows = {row["code"]: row for row in api_as(supervisor).get("/api/v1/risk-models/").json()["results"]}
    assert set(rows) >= {"t-night", "t-agent"}
    assert rows["t-night"]["precision"] is None
    assert rows["t-night"]["parameters"] == {"threshold": 5}
    admin_rows = {row["code"]: row for row in api_as(admin_user).get("/api/v1/risk-models/").json()["results"]}
    assert admin_rows["t-night"]["precision"] == {
        "hits": 3,
        "hits_in_confirmed_alerts": 1,
        "hits_in_dismissed_alerts": 0,
        "hits_in_pending_alerts": 2,
        "precision": 1.0,
    }
    assert api_as(admin_user).get(f"/api/v1/risk-models/{night.pk}/").json()["precision"]["hits"] == 3
    assert ids(api_as(brigade_leader).get("/api/v1/risk-models/")) == set()
    assert api_as(brigade_leader).get(f"/api/v1/risk-models/{night.pk}/").status_code == 404


def test_assessments_are_listed_for_those_who_see_alerts_or_scores(api_as, supervisor, brigade_leader, party_secretary):
    october = make_assessment(date(2026, 10, 1))
    september = make_assessment(date(2026, 9, 1))
    response = api_as(supervisor).get("/api/v1/assessments/")
    assert [row["id"] for row in response.json()["results"]] == [october.pk, september.pk]
    assert api_as(brigade_leader).get(f"/api/v1/assessments/{october.pk}/").status_code == 200
    assert ids(api_as(party_secretary).get("/api/v1/assessments/")) == set()


@pytest.fixture
def scores(org):
    assessment = make_assessment(date(2026, 10, 1))
    post = PostFactory(code="KSY", name="考试员")

    def score(kind, subject_id, unit, index, **fields):
        return RiskScore.objects.create(
            assessment=assessment,
            subject_kind=kind,
            subject_id=subject_id,
            unit=unit,
            index=Decimal(index),
            **fields,
        )

    person_a1 = PersonFactory(unit=org.a1, name="甲")
    person_b1 = PersonFactory(unit=org.b1, name="乙")
    return {
        "person_a1": score(SubjectKind.PERSON, person_a1.pk, org.a1, "72.5", person=person_a1),
        "person_b1": score(SubjectKind.PERSON, person_b1.pk, org.b1, "31.0", person=person_b1),
        "unit_a1": score(SubjectKind.UNIT, org.a1.pk, org.a1, "40.0"),
        "unit_b1": score(SubjectKind.UNIT, org.b1.pk, org.b1, "12.0"),
        "post": score(SubjectKind.POST, post.pk, org.zd, "55.0", post=post),
        "assessment": assessment,
    }


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("supervisor", {"person_a1", "person_b1", "unit_a1", "unit_b1", "post"}),
        ("committee_member", {"person_a1", "person_b1", "unit_a1", "unit_b1", "post"}),
        ("brigade_leader", {"unit_a1"}),
        ("outsider", {"unit_b1"}),
        ("party_secretary", set()),
    ],
)
def test_scores_are_scoped(request, api_as, scores, persona, visible):
    client = api_as(request.getfixturevalue(persona))
    assert ids(client.get("/api/v1/risk-scores/")) == {scores[name].pk for name in visible}


def test_a_scoped_inspector_sees_person_and_unit_scores_of_their_units_but_no_post_scores(api_as, org, scores):
    inspector_b = make_persona("inspector_b", Role.DISCIPLINE_INSPECTOR, org.b, DataScope.UNIT_AND_BELOW)
    assert ids(api_as(inspector_b).get("/api/v1/risk-scores/")) == {scores["person_b1"].pk, scores["unit_b1"].pk}


def test_score_filters_and_ordering(api_as, supervisor, scores, org):
    client = api_as(supervisor)
    response = client.get("/api/v1/risk-scores/?subject_kind=person&ordering=-index")
    assert [row["id"] for row in response.json()["results"]] == [scores["person_a1"].pk, scores["person_b1"].pk]
    assert response.json()["results"][0]["subject_name"] == "甲"
    assert ids(client.get("/api/v1/risk-scores/?min_index=50")) == {scores["person_a1"].pk, scores["post"].pk}
    assert ids(client.get(f"/api/v1/risk-scores/?unit={org.a1.pk}")) == {
        scores["person_a1"].pk,
        scores["unit_a1"].pk,
    }
    assert len(ids(client.get(f"/api/v1/risk-scores/?assessment={scores['assessment'].pk}"))) == 5
    assert client.get("/api/v1/risk-scores/?min_index=high").status_code == 400
    assert client.get("/api/v1/risk-scores/?ordering=person__name").status_code == 400


# --- quarterly lists -----------------------------------------------------------------------------------


def test_risk_lists_are_visible_with_their_notice_and_filtered_by_quarter(
    today, api_as, org, supervisor, brigade_leader, outsider, business_lead
):
    from django.utils import timezone

    make_alert(unit=org.a1, codes=("t-night",), status=Alert.Status.CONFIRMED, decided_at=timezone.now())
    risk_lists_generate(quarter="2026Q4", issuer=supervisor)
    rows = api_as(brigade_leader).get("/api/v1/risk-lists/?quarter=2026Q4").json()["results"]
    assert len(rows) == 1
    row = rows[0]
    assert (row["unit"], row["quarter"], row["notice_status"]) == (org.a.pk, "2026Q4", "issued")
    assert row["notice_document_number"]
    assert row["entries"][0]["kind"] == "alert"
    assert row["entries"][0]["status"] == "awaiting_item"
    assert (row["entry_count"], row["closed_entry_count"], row["is_closed_out"]) == (1, 0, False)
    # the business lead department receives the handover, so it sees the list too
    assert len(ids(api_as(business_lead).get("/api/v1/risk-lists/"))) == 1
    assert ids(api_as(outsider).get("/api/v1/risk-lists/")) == set()
    assert api_as(outsider).get(f"/api/v1/risk-lists/{row['id']}/").status_code == 404
    assert ids(api_as(supervisor).get("/api/v1/risk-lists/?quarter=2026Q3")) == set()
    bad = api_as(supervisor).get("/api/v1/risk-lists/?quarter=2026-4")
    assert bad.status_code == 400
    assert "quarter" in bad.json()


# --- query counts --------------------------------------------------------------------------------------


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_score_and_model_lists_cost_the_same_for_one_row_and_many(api_as, admin_user, org):
    client = api_as(admin_user)
    assessment = make_assessment(date(2026, 10, 1))
    make_model("t-night")

    def add_score(n):
        person = PersonFactory(unit=org.a1)
        RiskScore.objects.create(
            assessment=assessment,
            subject_kind=SubjectKind.PERSON,
            subject_id=person.pk,
            person=person,
            unit=org.a1,
            index=Decimal(n),
        )

    add_score(1)
    scores_one, models_one = query_count(client, "/api/v1/risk-scores/"), query_count(client, "/api/v1/risk-models/")
    for n in range(2, 12):
        add_score(n)
    make_model("t-agent")
    make_model("t-deletes")
    make_alert(unit=org.a1)
    assert query_count(client, "/api/v1/risk-scores/") == scores_one
    assert query_count(client, "/api/v1/risk-models/") == models_one


def test_the_risk_list_list_costs_the_same_for_one_list_and_many(today, api_as, org, supervisor, committee_member):
    from django.utils import timezone

    from accounts.models import PartyOrganization, Unit

    make_alert(unit=org.a1, codes=("t-night",), status=Alert.Status.CONFIRMED, decided_at=timezone.now())
    risk_lists_generate(quarter="2026Q4", issuer=supervisor)
    client = api_as(committee_member)
    one = query_count(client, "/api/v1/risk-lists/")
    branch = PartyOrganization.objects.create(
        name="二大队党总支", kind=PartyOrganization.Kind.GENERAL_BRANCH, unit=org.b, parent=org.committee
    )
    Unit.objects.filter(pk__in=[org.b.pk, org.b1.pk]).update(party_organization=branch)
    make_alert(unit=org.b1, codes=("t-night", "t-agent"), status=Alert.Status.CONFIRMED, decided_at=timezone.now())
    risk_lists_generate(quarter="2026Q4", issuer=supervisor)
    assert len(ids(client.get("/api/v1/risk-lists/"))) == 2
    assert query_count(client, "/api/v1/risk-lists/") == one
