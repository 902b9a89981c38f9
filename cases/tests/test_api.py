"""The cases API: scope (a unit leader learns that a case exists but not its facts; an outsider gets
404), transitions with 403 / 409 / 400, liability records with objections, rules, eligibility, and
list endpoints whose query count does not grow with their rows."""

from datetime import date

import pytest

from accounts.tests.factories import UserFactory
from cases.models import Case, Liability, LiabilityLevel, Objection
from cases.tests.factories import build_chain, concluded_case, investigating_case, open_case
from conftest import make_persona
from supervision.services import clue_transfer

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
LIABILITIES = "/api/v1/liabilities/"
RULES = "/api/v1/liability-rules/"
HIDDEN = (
    "title",
    "category",
    "facts",
    "conclusion",
    "persons",
    "integrity_problem_confirmed",
    "source",
    "clue",
    "opened_by_name",
)


@pytest.fixture
def chain(org):
    return build_chain(org)


@pytest.fixture
def concluded(org, chain, discipline_inspector, today):
    return concluded_case(
        discipline_inspector, org.a1, direct=[chain.officer], joint=[chain.colleague], severity="serious"
    )


# --- reading cases ---------------------------------------------------------------------------------


def test_an_inspector_reads_the_case_in_full(api_as, concluded, discipline_inspector, chain):
    body = api_as(discipline_inspector).get(f"{CASES}{concluded.pk}/").json()

    assert body["facts_visible"] is True
    assert body["facts"] == concluded.facts and body["title"] == concluded.title
    assert body["integrity_problem_confirmed"] is True
    assert {p["person"] for p in body["persons"]} == {chain.officer.pk, chain.colleague.pk}


@pytest.mark.parametrize("persona", ["squad_leader", "brigade_leader", "party_secretary"])
def test_a_unit_leader_sees_that_a_case_exists_but_not_its_facts(request, api_as, concluded, persona):
    client = api_as(request.getfixturevalue(persona))

    detail = client.get(f"{CASES}{concluded.pk}/")
    listed = client.get(CASES).json()["results"]

    assert detail.status_code == 200
    body = detail.json()
    assert body["number"] == concluded.number and body["status"] == "concluded" and body["severity"] == "serious"
    assert body["misconduct_date"] == str(concluded.misconduct_date)
    assert body["facts_visible"] is False
    for field in HIDDEN:
        assert body[field] is None, field
    assert concluded.facts not in detail.content.decode()
    assert [row["number"] for row in listed] == [concluded.number]
    assert all(row["facts"] is None and row["title"] is None for row in listed)


def test_filters_on_facts_cannot_reveal_a_hidden_case(api_as, concluded, squad_leader, discipline_inspector):
    # the inspector finds it by category and title words; the leader finds nothing that way
    inspector = api_as(discipline_inspector)
    assert inspector.get(CASES, {"category": "favouritism"}).json()["count"] == 1
    assert inspector.get(CASES, {"q": "亲属车辆"}).json()["count"] == 1
    leader = api_as(squad_leader)
    assert leader.get(CASES, {"category": "favouritism"}).json()["count"] == 0
    assert leader.get(CASES, {"q": "亲属车辆"}).json()["count"] == 0
    assert leader.get(CASES, {"q": concluded.number}).json()["count"] == 1


@pytest.mark.parametrize("persona", ["outsider", "supervisor", "business_lead", "api_client_user"])
def test_others_see_nothing_and_get_404(request, api_as, concluded, persona):
    client = api_as(request.getfixturevalue(persona))

    assert client.get(CASES).json()["count"] == 0
    assert client.get(f"{CASES}{concluded.pk}/").status_code == 404


def test_case_list_filters(api_as, org, chain, discipline_inspector, concluded, today):
    open_case(discipline_inspector, org.b1, severity="minor", misconduct_date=date(2026, 6, 1))
    client = api_as(discipline_inspector)

    def numbers(**params):
        return {row["number"] for row in client.get(CASES, params).json()["results"]}

    assert numbers(status="concluded") == {concluded.number}
    assert numbers(severity="minor") != {concluded.number}
    assert numbers(within=org.a.pk) == {concluded.number}
    assert numbers(unit=org.a1.pk) == {concluded.number}
    assert numbers(misconduct_from="2026-05-01") == numbers(unit=org.b1.pk)
    assert numbers(opened_from="2026-11-23", opened_to="2026-11-23") == numbers()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"misconduct_from": "2026-13-01"}, "misconduct_from"),
        ({"ordering": "facts"}, "ordering"),
        ({"unit": "999999"}, "unit"),
    ],
)
def test_bad_filters_are_400_naming_the_field(api_as, discipline_inspector, concluded, params, field):
    response = api_as(discipline_inspector).get(CASES, params)
    assert response.status_code == 400 and field in response.json()


def test_an_out_of_scope_unit_filter_is_rejected_like_an_unknown_one(api_as, squad_leader, org, concluded):
    response = api_as(squad_leader).get(CASES, {"unit": org.b1.pk})
    assert response.status_code == 400 and "unit" in response.json()


def test_case_list_query_count_does_not_grow(
    api_as, org, chain, discipline_inspector, today, django_assert_max_num_queries
):
    client = api_as(discipline_inspector)
    for _ in range(2):
        concluded_case(discipline_inspector, org.a1, direct=[chain.officer], severity="minor")
    with django_assert_max_num_queries(12) as few:
        client.get(CASES)
    for _ in range(8):
        concluded_case(discipline_inspector, org.a1, direct=[chain.officer], severity="minor")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(CASES).json()["count"] == 10


# --- writing cases ---------------------------------------------------------------------------------


def test_open_investigate_conclude_close_through_the_api(api_as, org, chain, discipline_inspector, today):
    client = api_as(discipline_inspector)
    created = client.post(
        CASES,
        {
            "unit": org.a1.pk,
            "title": "收受管理对象财物",
            "category": "bribery",
            "severity": "grave",
            "misconduct_date": "2026-02-20",
            "facts": "收受驾校负责人购物卡2张。",
            "persons": [chain.officer.pk],
        },
    )
    assert created.status_code == 201, created.json()
    case_id = created.json()["id"]
    assert created.json()["number"] == "廉案〔2026〕1号"

    patched = client.patch(f"{CASES}{case_id}/", {"persons": [chain.officer.pk, chain.colleague.pk]})
    assert patched.status_code == 200 and len(patched.json()["persons"]) == 2

    assert client.post(f"{CASES}{case_id}/start-investigation/").json()["status"] == "investigating"
    concluded = client.post(
        f"{CASES}{case_id}/conclude/",
        {
            "integrity_problem_confirmed": True,
            "conclusion": "问题属实，给予党纪处分。",
            "persons": [
                {"person": chain.officer.pk, "responsibility": "direct", "action": "sanction"},
                {
                    "person": chain.colleague.pk,
                    "responsibility": "joint",
                    "action": "criticism",
                    "action_note": "知情未报",
                },
            ],
        },
    )
    assert concluded.status_code == 200, concluded.json()
    assert concluded.json()["status"] == "concluded"
    assert Liability.objects.filter(case_id=case_id).count() == 6  # grave: every level
    assert client.post(f"{CASES}{case_id}/close/").json()["status"] == "closed"


def test_open_from_a_clue_through_the_api(api_as, org, chain, supervisor, discipline_inspector, today):
    from supervision.tests.factories import make_finding

    clue = clue_transfer(
        actor=supervisor, finding=make_finding(actor=supervisor, unit=org.a1, persons=[chain.officer]), reason="移送"
    )
    response = api_as(discipline_inspector).post(CASES, {"clue": clue.pk, "category": "other"})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["source"] == "clue" and body["clue"] == clue.pk and body["unit"] == org.a1.pk
    assert [p["person"] for p in body["persons"]] == [chain.officer.pk]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"category": "bribery", "severity": "grave", "misconduct_date": "2026-02-20", "facts": "x"}, "unit"),
        ({"unit": "A1", "category": "cake", "severity": "grave", "misconduct_date": "2026-02-20"}, "category"),
        (
            {"unit": "A1", "category": "bribery", "severity": "grave", "misconduct_date": "2099-01-01"},
            "misconduct_date",
        ),
        ({"unit": "A1", "category": "bribery", "severity": "grave", "misconduct_date": "yesterday"}, "misconduct_date"),
        ({"unit": "A1", "category": "bribery", "severity": "grave", "misconduct_date": "2026-02-20"}, "title"),
        ({"unit": "B1", "category": "bribery", "persons": [0]}, "persons"),
    ],
)
def test_open_with_bad_input_is_400_naming_the_field(api_as, org, discipline_inspector, today, payload, field):
    payload = dict(payload)
    if payload.get("unit") in ("A1", "B1"):
        payload["unit"] = getattr(org, payload["unit"].lower()).pk
    payload.setdefault("facts", "事实")
    response = api_as(discipline_inspector).post(CASES, payload)
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not Case.objects.exists()


def test_a_unit_leader_who_sees_the_case_may_not_act_on_it(api_as, org, discipline_inspector, brigade_leader, today):
    case = open_case(discipline_inspector, org.a1)
    client = api_as(brigade_leader)

    assert client.post(f"{CASES}{case.pk}/start-investigation/").status_code == 403
    assert client.patch(f"{CASES}{case.pk}/", {"facts": "改"}).status_code == 403
    create = client.post(
        CASES,
        {
            "unit": org.a1.pk,
            "title": "t",
            "category": "other",
            "severity": "minor",
            "misconduct_date": "2026-01-05",
            "facts": "f",
        },
    )
    assert create.status_code == 403
    case.refresh_from_db()
    assert case.status == "open" and case.facts != "改" and Case.objects.count() == 1


def test_an_outsider_gets_404_on_transitions(api_as, org, discipline_inspector, outsider, today):
    case = open_case(discipline_inspector, org.a1)
    assert api_as(outsider).post(f"{CASES}{case.pk}/start-investigation/").status_code == 404


def test_a_repeated_transition_is_409_with_the_current_status(api_as, org, discipline_inspector, today):
    case = investigating_case(discipline_inspector, org.a1)
    response = api_as(discipline_inspector).post(f"{CASES}{case.pk}/start-investigation/")
    assert response.status_code == 409 and response.json()["current_status"] == "investigating"


def test_conclude_with_a_missing_person_is_400(api_as, org, chain, discipline_inspector, today):
    case = investigating_case(discipline_inspector, org.a1, persons=[chain.officer, chain.colleague])
    response = api_as(discipline_inspector).post(
        f"{CASES}{case.pk}/conclude/",
        {
            "integrity_problem_confirmed": True,
            "conclusion": "属实",
            "persons": [{"person": chain.officer.pk, "responsibility": "direct", "action": "interview"}],
        },
    )
    assert response.status_code == 400 and "persons" in response.json()
    case.refresh_from_db()
    assert case.status == "investigating" and not Liability.objects.exists()


def test_conclude_without_a_rule_is_400_and_writes_nothing(api_as, org, chain, discipline_inspector, today):
    from cases.models import LiabilityRule

    LiabilityRule.objects.filter(severity="serious").delete()
    case = investigating_case(discipline_inspector, org.a1, persons=[chain.officer])
    response = api_as(discipline_inspector).post(
        f"{CASES}{case.pk}/conclude/",
        {
            "integrity_problem_confirmed": True,
            "conclusion": "属实",
            "persons": [{"person": chain.officer.pk, "responsibility": "direct", "action": "interview"}],
        },
    )
    assert response.status_code == 400 and "detail" in response.json()
    case.refresh_from_db()
    assert case.status == "investigating"


# --- liability records and objections --------------------------------------------------------------


def test_liability_scope(api_as, concluded, chain, discipline_inspector, squad_leader, outsider, supervisor):
    total = Liability.objects.filter(case=concluded).count()
    assert api_as(discipline_inspector).get(LIABILITIES).json()["count"] == total
    # the squad leader: the records whose unit (on the day) is the squad
    squad_ids = set(Liability.objects.filter(unit=chain.officer.unit).values_list("pk", flat=True))
    assert {r["id"] for r in api_as(squad_leader).get(LIABILITIES).json()["results"]} == squad_ids
    assert api_as(outsider).get(LIABILITIES).json()["count"] == 0
    record = Liability.objects.filter(case=concluded).first()
    assert api_as(outsider).get(f"{LIABILITIES}{record.pk}/").status_code == 404
    assert api_as(supervisor).get(f"{LIABILITIES}{record.pk}/").status_code == 404


def test_a_person_sees_their_own_records_and_objects(api_as, concluded, chain, discipline_inspector):
    user = UserFactory(username="officer_login")
    chain.officer.user = user
    chain.officer.save()
    client = api_as(user)
    mine = client.get(LIABILITIES).json()["results"]
    assert [r["person"] for r in mine] == [chain.officer.pk]
    record_id = mine[0]["id"]

    response = client.post(f"{LIABILITIES}{record_id}/objection/", {"reason": "我当天休假。"})
    assert response.status_code == 200
    assert response.json()["status"] == "objected"
    assert response.json()["objections"][0]["decision"] == "pending"
    again = client.post(f"{LIABILITIES}{record_id}/objection/", {"reason": "再次"})
    assert again.status_code == 409 and again.json()["current_status"] == "objected"
    # the person cannot decide their own objection (not an inspector)
    assert client.post(f"{LIABILITIES}{record_id}/objection-decision/", {"grant": True}).status_code == 403

    decided = api_as(discipline_inspector).post(
        f"{LIABILITIES}{record_id}/objection-decision/", {"grant": False, "comment": "查实在岗。"}
    )
    assert decided.status_code == 200 and decided.json()["status"] == "active"


def test_objection_decision_rules_through_the_api(api_as, org, concluded, chain, discipline_inspector, today):
    record = Liability.objects.get(case=concluded, level=LiabilityLevel.DIRECT)
    client = api_as(discipline_inspector)
    assert client.post(f"{LIABILITIES}{record.pk}/objection-decision/", {"grant": True}).status_code == 409
    assert client.post(f"{LIABILITIES}{record.pk}/objection/", {"reason": ""}).status_code == 400
    assert client.post(f"{LIABILITIES}{record.pk}/objection/", {"reason": "代为申诉"}).status_code == 200
    # the submitter cannot decide
    assert client.post(f"{LIABILITIES}{record.pk}/objection-decision/", {"grant": True}).status_code == 403
    second = api_as(make_persona("inspector2", "discipline_inspector", org.jw, "all"))
    refused = second.post(f"{LIABILITIES}{record.pk}/objection-decision/", {"grant": False, "comment": ""})
    assert refused.status_code == 400 and "comment" in refused.json()
    granted = second.post(f"{LIABILITIES}{record.pk}/objection-decision/", {"grant": True})
    assert granted.status_code == 200
    assert granted.json()["status"] == "revoked" and granted.json()["ended_on"] == "2026-11-23"
    assert Objection.objects.get().decision == "granted"


def test_liability_filters(api_as, concluded, chain, discipline_inspector):
    client = api_as(discipline_inspector)

    def persons(**params):
        return {row["person"] for row in client.get(LIABILITIES, params).json()["results"]}

    assert persons(level="chief") == {chain.old_chief.pk, chain.instructor.pk}
    assert persons(person=chain.officer.pk) == {chain.officer.pk}
    assert persons(in_force_on="2026-11-24") == {
        chain.officer.pk,
        chain.deputy.pk,
        chain.squad_head.pk,
        chain.colleague.pk,
    }
    assert persons(in_force_on="2026-11-22") == set()
    assert client.get(LIABILITIES, {"in_force_on": "not-a-date"}).status_code == 400


def test_liability_list_query_count_does_not_grow(
    api_as, org, chain, discipline_inspector, today, django_assert_max_num_queries
):
    client = api_as(discipline_inspector)
    concluded_case(discipline_inspector, org.a1, direct=[chain.officer], severity="grave")
    with django_assert_max_num_queries(12) as few:
        client.get(LIABILITIES)
    for _ in range(4):
        concluded_case(discipline_inspector, org.a1, direct=[chain.officer], severity="grave")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(LIABILITIES).json()["count"] == 25


# --- rules and eligibility -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["squad_leader", "supervisor", "api_client_user"])
def test_every_signed_in_user_reads_the_rules(request, api_as, org, persona):
    body = api_as(request.getfixturevalue(persona)).get(RULES).json()
    by_severity = {rule["severity"]: rule for rule in body["results"]}
    assert set(by_severity) == {"minor", "serious", "grave"}
    assert {level["level"] for level in by_severity["grave"]["levels"]} == {
        "chief",
        "team_member",
        "mid_level",
        "officer",
    }
    assert "chief" not in {level["level"] for level in by_severity["minor"]["levels"]}


def test_rules_are_read_only_through_the_api(api_as, admin_user):
    client = api_as(admin_user)
    assert client.post(RULES, {"severity": "minor"}).status_code == 405


def test_anonymous_gets_nothing(api, concluded):
    assert api.get(RULES).status_code in (401, 403)
    assert api.get(CASES).status_code in (401, 403)


def test_eligibility_endpoint(api_as, concluded, chain, squad_leader, outsider, discipline_inspector):
    url = f"/api/v1/persons/{chain.officer.pk}/eligibility/"
    body = api_as(squad_leader).get(url, {"date": "2027-11-22"}).json()
    assert body["eligible"] is False and body["date"] == "2027-11-22" and body["person"] == chain.officer.pk
    (reason,) = body["reasons"]
    assert reason["case_number"] == concluded.number and reason["end_date"] == "2027-11-22"
    assert api_as(squad_leader).get(url, {"date": "2027-11-23"}).json()["eligible"] is True
    # default: today (2026-11-23, the start day)
    assert api_as(discipline_inspector).get(url).json()["eligible"] is False
    bad = api_as(squad_leader).get(url, {"date": "2026-02-30"})
    assert bad.status_code == 400 and "date" in bad.json()
    assert api_as(squad_leader).get(url, {"date": "tomorrow"}).status_code == 400
    assert api_as(outsider).get(url).status_code == 404
    assert api_as(squad_leader).get("/api/v1/persons/999999/eligibility/").status_code == 404
