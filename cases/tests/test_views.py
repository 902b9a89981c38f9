"""The cases pages: facts hidden from unit leaders, 404 for outsiders, the forms posting through the
services (open, edit, transitions, conclude with a row per person, objections), the person page's
eligibility, the clue page's link, the menu, the admin, and list pages with bounded query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from cases.models import Case, CasePerson, Liability, LiabilityLevel, LiabilityRule, LiabilityRuleLevel, Objection
from cases.services import liability_object
from cases.tests.factories import build_chain, concluded_case, investigating_case, open_case
from conftest import make_persona
from supervision.services import clue_transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(org):
    return build_chain(org)


@pytest.fixture
def concluded(org, chain, discipline_inspector, today):
    return concluded_case(
        discipline_inspector, org.a1, direct=[chain.officer], joint=[chain.colleague], severity="serious"
    )


def body(response, status=200) -> str:
    assert response.status_code == status, response.content.decode()[:800]
    return response.content.decode()


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


# --- reading -------------------------------------------------------------------------------------------


def test_an_inspector_sees_the_facts_persons_conclusion_and_records(client, concluded, chain, discipline_inspector):
    client.force_login(discipline_inspector)
    page = body(client.get(f"/cases/{concluded.pk}/"))

    assert concluded.facts in page and concluded.title in page and concluded.conclusion in page
    assert chain.officer.name in page and chain.old_chief.name in page
    assert '<html lang="zh-CN">' in page


@pytest.mark.parametrize("persona", ["squad_leader", "brigade_leader", "party_secretary"])
def test_a_unit_leader_sees_the_case_exists_but_not_its_facts(request, client, concluded, chain, persona):
    client.force_login(request.getfixturevalue(persona))

    detail = body(client.get(f"/cases/{concluded.pk}/"))
    listing = body(client.get("/cases/"))

    assert concluded.number in detail and concluded.number in listing
    for secret in (concluded.facts, concluded.title, concluded.conclusion, chain.officer.name, chain.colleague.name):
        assert secret not in detail and secret not in listing
    assert 'id="facts-withheld"' in detail and 'id="facts"' not in detail
    # nor can they act on it
    assert client.post(f"/cases/{concluded.pk}/close/").status_code == 403
    assert client.get(f"/cases/{concluded.pk}/edit/").status_code == 403


@pytest.mark.parametrize("persona", ["outsider", "supervisor"])
def test_others_get_404_on_a_case_page(request, client, concluded, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"/cases/{concluded.pk}/").status_code == 404
    assert client.post(f"/cases/{concluded.pk}/close/").status_code == 404


def test_the_case_list_is_refused_to_roles_without_cases(client, supervisor, outsider, concluded):
    client.force_login(supervisor)
    assert client.get("/cases/").status_code == 403
    client.force_login(outsider)  # a unit leader elsewhere: the list is empty
    page = body(client.get("/cases/"))
    assert concluded.number not in page


def test_case_list_filters_and_query_count(client, org, chain, discipline_inspector, today):
    client.force_login(discipline_inspector)
    concluded_case(discipline_inspector, org.a1, direct=[chain.officer], severity="minor")
    few = count_queries(client, "/cases/")
    for _ in range(6):
        concluded_case(discipline_inspector, org.a1, direct=[chain.officer], severity="minor")
    open_case(discipline_inspector, org.b1, title="二大队案件")
    assert count_queries(client, "/cases/") <= few
    page = body(client.get("/cases/", {"within": org.b.pk}))
    assert "二大队案件" in page and "违规撤销" not in page
    rows = body(client.get("/cases/", {"status": "open"})).split("<tbody>")[1].split("</tbody>")[0]
    assert "二大队案件" in rows and "违规撤销" not in rows


def test_liability_pages_and_their_query_count(client, org, chain, discipline_inspector, today):
    client.force_login(discipline_inspector)
    concluded_case(discipline_inspector, org.a1, direct=[chain.officer], severity="grave")
    few = count_queries(client, "/cases/liabilities/")
    for _ in range(4):
        concluded_case(discipline_inspector, org.a1, direct=[chain.officer], severity="grave")
    assert count_queries(client, "/cases/liabilities/") <= few
    record = Liability.objects.filter(level=LiabilityLevel.CHIEF).first()
    page = body(client.get(f"/cases/liabilities/{record.pk}/"))
    assert record.reason in page and record.person.name in page


def test_the_rules_page_is_for_everyone(client, squad_leader, org):
    client.force_login(squad_leader)
    page = body(client.get("/cases/rules/"))
    for rule in LiabilityRule.objects.all():
        assert rule.direct_consequence in page


def test_the_menu_shows_the_cases_group_to_the_roles_that_see_cases(client, discipline_inspector, supervisor):
    client.force_login(discipline_inspector)
    assert 'href="/cases/"' in body(client.get("/"))
    client.force_login(supervisor)
    page = body(client.get("/"))
    assert 'href="/cases/"' not in page and 'href="/cases/rules/"' in page


# --- writing -------------------------------------------------------------------------------------------


def test_open_a_case_directly_in_two_steps(client, org, chain, discipline_inspector, today):
    client.force_login(discipline_inspector)
    assert "unit-picker" in body(client.get("/cases/new/"))
    form_page = body(client.get("/cases/new/", {"unit": org.a1.pk}))
    assert chain.officer.name in form_page  # persons of the unit to choose from

    response = client.post(
        f"/cases/new/?unit={org.a1.pk}",
        {
            "title": "违规插手交通事故处理",
            "category": "illegal_intervention",
            "severity": "serious",
            "misconduct_date": "2026-03-02",
            "facts": "为亲友说情，干预事故责任认定。",
            "persons": [chain.officer.pk],
            "other_badges": chain.outsider_officer.badge_number,
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert set(case.persons.values_list("person_id", flat=True)) == {chain.officer.pk, chain.outsider_officer.pk}


def test_the_open_form_names_bad_fields(client, org, discipline_inspector, today):
    client.force_login(discipline_inspector)
    response = client.post(
        f"/cases/new/?unit={org.a1.pk}",
        {
            "title": "t",
            "category": "other",
            "severity": "minor",
            "misconduct_date": "2099-01-01",
            "facts": "f",
            "other_badges": "000000",
        },
    )
    body(response)
    errors = response.context["form"].errors
    assert "other_badges" in errors
    assert not Case.objects.exists()
    response = client.post(
        f"/cases/new/?unit={org.a1.pk}",
        {"title": "t", "category": "other", "severity": "minor", "misconduct_date": "2099-01-01", "facts": "f"},
    )
    assert "misconduct_date" in response.context["form"].errors
    assert not Case.objects.exists()


def test_open_from_the_clue_page(client, org, chain, supervisor, discipline_inspector, today):
    from supervision.tests.factories import make_finding

    clue = clue_transfer(
        actor=supervisor, finding=make_finding(actor=supervisor, unit=org.a1, persons=[chain.officer]), reason="移送"
    )
    client.force_login(discipline_inspector)
    assert f"/cases/new/?clue={clue.pk}" in body(client.get(f"/supervision/clues/{clue.pk}/"))
    client.force_login(supervisor)  # the supervisor sees no button
    assert "/cases/new/" not in body(client.get(f"/supervision/clues/{clue.pk}/"))

    client.force_login(discipline_inspector)
    form = body(client.get(f"/cases/new/?clue={clue.pk}"))
    assert clue.finding.description in form
    response = client.post(
        f"/cases/new/?clue={clue.pk}",
        {
            "title": "删除违法记录",
            "category": "abuse_of_power",
            "severity": "serious",
            "misconduct_date": "2026-08-01",
            "facts": clue.finding.description,
            "persons": [chain.officer.pk],
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and case.clue == clue
    assert case.number in body(client.get(f"/supervision/clues/{clue.pk}/"))
    # a second opening from the same clue goes to the existing case
    assert client.get(f"/cases/new/?clue={clue.pk}")["Location"] == f"/cases/{case.pk}/"


def test_transitions_and_conclusion_through_the_pages(client, org, chain, discipline_inspector, today):
    case = open_case(discipline_inspector, org.a1, persons=[chain.officer, chain.colleague], severity="minor")
    client.force_login(discipline_inspector)

    client.post(f"/cases/{case.pk}/start-investigation/")
    case.refresh_from_db()
    assert case.status == "investigating"
    form = body(client.get(f"/cases/{case.pk}/conclude/"))
    links = {link.person_id: link.pk for link in CasePerson.objects.filter(case=case)}
    assert f"resp_{links[chain.officer.pk]}" in form and f"resp_{links[chain.colleague.pk]}" in form

    incomplete = client.post(
        f"/cases/{case.pk}/conclude/",
        {
            "integrity_problem_confirmed": "yes",
            "conclusion": "属实",
            f"resp_{links[chain.officer.pk]}": "direct",
            f"action_{links[chain.officer.pk]}": "interview",
        },
    )
    body(incomplete)
    assert f"resp_{links[chain.colleague.pk]}" in incomplete.context["form"].errors
    case.refresh_from_db()
    assert case.status == "investigating"

    done = client.post(
        f"/cases/{case.pk}/conclude/",
        {
            "integrity_problem_confirmed": "yes",
            "conclusion": "经查属实。",
            f"resp_{links[chain.officer.pk]}": "direct",
            f"action_{links[chain.officer.pk]}": "interview",
            f"resp_{links[chain.colleague.pk]}": "joint",
            f"action_{links[chain.colleague.pk]}": "reminder_talk",
            f"note_{links[chain.colleague.pk]}": "知情未报",
        },
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == "concluded" and case.integrity_problem_confirmed
    assert Liability.objects.filter(case=case).count() == 3  # minor: direct, mid-level, officer

    client.post(f"/cases/{case.pk}/close/")
    case.refresh_from_db()
    assert case.status == "closed"
    # a repeat is a message, not a change
    response = client.post(f"/cases/{case.pk}/close/", follow=True)
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="case.close").count() == 1


def test_editing_a_case_through_the_page(client, org, chain, discipline_inspector, today):
    case = investigating_case(discipline_inspector, org.a1, persons=[chain.officer])
    client.force_login(discipline_inspector)
    page = body(client.get(f"/cases/{case.pk}/edit/"))
    assert case.facts in page
    response = client.post(
        f"/cases/{case.pk}/edit/",
        {
            "title": case.title,
            "category": case.category,
            "severity": "grave",
            "misconduct_date": "2026-03-01",
            "facts": "补充：涉及金额较大。",
            "persons": [chain.officer.pk, chain.colleague.pk],
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.severity == "grave" and case.facts == "补充：涉及金额较大。" and case.persons.count() == 2


def test_objection_submit_and_decide_through_the_pages(client, org, concluded, chain, discipline_inspector):
    record = Liability.objects.get(case=concluded, level=LiabilityLevel.DIRECT)
    login = UserFactory(username="officer_login")
    chain.officer.user = login
    chain.officer.save()

    client.force_login(login)
    assert f'action="/cases/liabilities/{record.pk}/objection/"' in body(client.get(f"/cases/liabilities/{record.pk}/"))
    response = client.post(f"/cases/liabilities/{record.pk}/objection/", {"reason": ""})
    assert "reason" in response.context["object_form"].errors
    client.post(f"/cases/liabilities/{record.pk}/objection/", {"reason": "当天本人在外培训。"})
    record.refresh_from_db()
    assert record.status == "objected"
    # the person may not decide
    assert client.post(f"/cases/liabilities/{record.pk}/objection-decision/", {"decision": "grant"}).status_code == 403

    client.force_login(discipline_inspector)
    refused = client.post(f"/cases/liabilities/{record.pk}/objection-decision/", {"decision": "refuse", "comment": ""})
    assert "comment" in refused.context["decide_form"].errors
    client.post(f"/cases/liabilities/{record.pk}/objection-decision/", {"decision": "grant", "comment": "属实"})
    record.refresh_from_db()
    assert record.status == "revoked"
    assert Objection.objects.get().decision == "granted"


def test_the_submitter_gets_no_decision_form_and_403(client, org, concluded, discipline_inspector):
    record = Liability.objects.get(case=concluded, level=LiabilityLevel.DIRECT)
    liability_object(actor=discipline_inspector, liability=record, reason="代为申诉")
    client.force_login(discipline_inspector)
    assert "objection-decision" not in body(client.get(f"/cases/liabilities/{record.pk}/"))
    assert client.post(f"/cases/liabilities/{record.pk}/objection-decision/", {"decision": "grant"}).status_code == 403
    second = make_persona("inspector2", "discipline_inspector", org.jw, "all")
    client.force_login(second)
    assert "objection-decision" in body(client.get(f"/cases/liabilities/{record.pk}/"))


# --- the person page, workbench and admin --------------------------------------------------------------


def test_the_person_page_shows_eligibility_with_every_reason(client, concluded, chain, squad_leader, brigade_leader):
    client.force_login(squad_leader)
    page = body(client.get(f"/org/persons/{chain.officer.pk}/"))
    assert 'data-eligible="false"' in page
    assert concluded.number in page and "2027-11-22" in page
    client.force_login(brigade_leader)
    assert 'data-eligible="true"' in body(client.get(f"/org/persons/{chain.new_chief.pk}/"))


def test_the_workbench_lists_cases_in_hand_and_objections_to_decide(
    client, org, concluded, chain, discipline_inspector
):
    open_case(discipline_inspector, org.a2, title="待调查案件")
    record = Liability.objects.get(case=concluded, level=LiabilityLevel.DIRECT)
    second = make_persona("inspector2", "discipline_inspector", org.jw, "all")
    liability_object(actor=second, liability=record, reason="代为申诉")

    client.force_login(discipline_inspector)
    page = body(client.get("/"))
    assert "待调查案件" in page and f"/cases/liabilities/{record.pk}/" in page
    client.force_login(second)  # the submitter: the case is in hand, the objection is not theirs to decide
    assert f"/cases/liabilities/{record.pk}/" not in body(client.get("/"))


@pytest.mark.parametrize(
    "url",
    [
        "/admin/cases/case/",
        "/admin/cases/liability/",
        "/admin/cases/objection/",
        "/admin/cases/liabilityrule/",
        "/admin/cases/casesequence/",
    ],
)
def test_admin_pages_render(client, admin_user, concluded, url):
    client.force_login(admin_user)
    assert client.get(url).status_code == 200


def test_cases_are_read_only_in_the_admin(client, admin_user, concluded):
    client.force_login(admin_user)
    assert client.get("/admin/cases/case/add/").status_code == 403
    assert client.get(f"/admin/cases/case/{concluded.pk}/change/").status_code == 200
    assert client.post(f"/admin/cases/case/{concluded.pk}/delete/", {"post": "yes"}).status_code == 403


def test_editing_a_rule_and_its_levels_in_the_admin_is_audited(client, admin_user, org):
    rule = LiabilityRule.objects.get(severity="minor")
    levels = list(rule.levels.order_by("pk"))
    client.force_login(admin_user)
    data = {
        "severity": "minor",
        "direct_consequence": rule.direct_consequence,
        "direct_disqualification_months": 9,
        "is_active": "on",
        "levels-TOTAL_FORMS": str(len(levels) + 1),
        "levels-INITIAL_FORMS": str(len(levels)),
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000",
    }
    for n, level in enumerate(levels):
        data.update(
            {
                f"levels-{n}-id": level.pk,
                f"levels-{n}-rule": rule.pk,
                f"levels-{n}-level": level.level,
                f"levels-{n}-consequence": level.consequence,
                f"levels-{n}-action": level.action,
                f"levels-{n}-disqualification_months": level.disqualification_months,
            }
        )
    n = len(levels)
    data.update(
        {
            f"levels-{n}-rule": rule.pk,
            f"levels-{n}-level": "team_member",
            f"levels-{n}-consequence": "提醒谈话",
            f"levels-{n}-action": "reminder_talk",
            f"levels-{n}-disqualification_months": 0,
        }
    )
    response = client.post(f"/admin/cases/liabilityrule/{rule.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    rule.refresh_from_db()
    assert rule.direct_disqualification_months == 9
    assert rule.levels.filter(level="team_member").exists()
    assert AuditEvent.objects.get(action="liabilityrule.update").changes["direct_disqualification_months"] == {
        "before": "6",
        "after": "9",
    }
    added = LiabilityRuleLevel.objects.get(rule=rule, level="team_member")
    assert AuditEvent.objects.filter(action="liabilityrulelevel.create", object_id=str(added.pk)).exists()
