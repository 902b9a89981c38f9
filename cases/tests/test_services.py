"""The case workflow and objections through the services: numbering, opening from a clue, every
transition, the role and scope checks (refused: nothing written), repeats (409), bad input (400 naming
the field), audit events and notifications."""

from datetime import date, timedelta

import pytest

from audit.models import AuditEvent
from cases.models import AccountabilityAction, Case, CasePerson, Liability, LiabilityLevel, Objection
from cases.services import (
    PersonConclusion,
    case_close,
    case_conclude,
    case_open,
    case_start_investigation,
    case_update,
    liability_object,
    objection_decide,
)
from cases.tests.factories import build_chain, concluded_case, conclusion, investigating_case, open_case
from conftest import make_persona
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from core.models import Notification
from supervision.models import ClueTransfer
from supervision.services import clue_transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(org):
    return build_chain(org)


@pytest.fixture
def second_inspector(org):
    return make_persona("inspector2", "discipline_inspector", org.jw, "all")


# --- opening ---------------------------------------------------------------------------------------


def test_case_numbers_are_yearly_and_gapless(org, chain, discipline_inspector, today):
    first = open_case(discipline_inspector, org.a1, persons=[chain.officer])
    with pytest.raises(DomainError):
        open_case(discipline_inspector, org.a1, persons=[chain.officer], title="")  # refused: no number used
    second = open_case(discipline_inspector, org.a2)

    assert first.number == "廉案〔2026〕1号"
    assert second.number == "廉案〔2026〕2号"


def test_open_directly_records_the_case_audits_and_tells_the_unit_leader(
    org, chain, discipline_inspector, squad_leader, outsider, today
):
    case = open_case(discipline_inspector, org.a1, persons=[chain.officer, chain.colleague])

    assert case.status == Case.Status.OPEN and case.source == Case.Source.DIRECT and case.unit == org.a1
    assert set(case.persons.values_list("person_id", flat=True)) == {chain.officer.pk, chain.colleague.pk}
    event = AuditEvent.objects.get(action="case.open", object_id=str(case.pk))
    assert event.actor_id == discipline_inspector.pk and event.unit_id == org.a1.pk
    notice = Notification.objects.get(recipient=squad_leader, key=f"case:{case.pk}:opened")
    assert case.number in notice.title
    assert case.facts not in notice.title + notice.body  # the leader is not told the facts
    assert not Notification.objects.filter(recipient=outsider).exists()


def test_open_from_a_clue_takes_unit_persons_date_and_severity_from_the_finding(
    org, chain, supervisor, discipline_inspector, today
):
    from supervision.tests.factories import make_finding

    finding = make_finding(actor=supervisor, unit=org.a1, severity="grave", persons=[chain.officer])
    clue = clue_transfer(actor=supervisor, finding=finding, reason="涉嫌以权谋私")

    case = case_open(actor=discipline_inspector, clue=clue, category="abuse_of_power")

    assert case.source == Case.Source.CLUE and case.clue == clue
    assert case.unit == org.a1 and case.severity == "grave" and case.misconduct_date == finding.found_on
    assert list(case.persons.values_list("person_id", flat=True)) == [chain.officer.pk]
    assert case.facts == finding.description
    clue.refresh_from_db()
    assert clue.status == ClueTransfer.Status.DISPOSED and case.number in clue.disposal
    with pytest.raises(DomainError) as error:
        case_open(actor=discipline_inspector, clue=clue, category="abuse_of_power")
    assert error.value.field == "clue"
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"category": "nonsense"}, "category"),
        ({"severity": "huge"}, "severity"),
        ({"misconduct_date": date(2026, 11, 24)}, "misconduct_date"),
        ({"title": "  "}, "title"),
        ({"facts": ""}, "facts"),
        ({"unit": None}, "unit"),
    ],
)
def test_open_refuses_bad_input_naming_the_field(org, discipline_inspector, today, fields, field):
    values = {
        "actor": discipline_inspector,
        "unit": org.a1,
        "title": "标题",
        "category": "bribery",
        "severity": "minor",
        "misconduct_date": date(2026, 5, 1),
        "facts": "事实",
    }
    values.update(fields)
    with pytest.raises(DomainError) as error:
        case_open(**values)
    assert error.value.field == field
    assert not Case.objects.exists()


@pytest.mark.parametrize("persona", ["supervisor", "brigade_leader", "committee_member", "admin_user"])
def test_only_discipline_inspectors_open_cases(request, org, persona, today):
    user = request.getfixturevalue(persona)
    with pytest.raises(NotPermitted):
        open_case(user, org.a1)
    assert not Case.objects.exists()


def test_an_inspector_of_another_brigade_cannot_open_a_case_here(org, today):
    inspector_b = make_persona("inspector_b", "discipline_inspector", org.b, "unit_and_below")
    with pytest.raises(NotPermitted):
        open_case(inspector_b, org.a1)


def test_persons_outside_the_inspectors_scope_are_refused(org, chain, today):
    inspector_a = make_persona("inspector_a", "discipline_inspector", org.a, "unit_and_below")
    with pytest.raises(DomainError) as error:
        open_case(inspector_a, org.a1, persons=[chain.outsider_officer])
    assert error.value.field == "persons"


# --- transitions -----------------------------------------------------------------------------------


def test_the_whole_workflow(org, chain, discipline_inspector, squad_leader, today):
    case = open_case(discipline_inspector, org.a1, persons=[chain.officer])
    case_start_investigation(actor=discipline_inspector, case=case)
    assert case.status == Case.Status.INVESTIGATING and case.investigation_started_by == discipline_inspector
    case_conclude(
        actor=discipline_inspector,
        case=case,
        integrity_problem_confirmed=True,
        conclusion="问题属实。",
        persons=[conclusion(chain.officer)],
    )
    assert case.status == Case.Status.CONCLUDED and case.concluded_at is not None
    link = CasePerson.objects.get(case=case)
    assert (link.responsibility, link.action) == ("direct", "admonishment")
    case_close(actor=discipline_inspector, case=case)
    assert case.status == Case.Status.CLOSED

    actions = list(
        AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["case.open", "case.start_investigation", "case.conclude", "case.close"]
    assert AuditEvent.objects.filter(action="liability.create").count() == Liability.objects.count() > 0
    assert Notification.objects.filter(recipient=squad_leader, key=f"case:{case.pk}:concluded").exists()


@pytest.mark.parametrize(
    ("service", "status"),
    [
        (case_start_investigation, Case.Status.INVESTIGATING),
        (case_close, Case.Status.OPEN),
    ],
)
def test_a_step_not_allowed_in_the_current_state_is_409_naming_it(org, discipline_inspector, today, service, status):
    case = open_case(discipline_inspector, org.a1)
    if status == Case.Status.INVESTIGATING:
        case_start_investigation(actor=discipline_inspector, case=case)
    with pytest.raises(TransitionNotAllowed) as error:
        service(actor=discipline_inspector, case=case)
    assert error.value.current_status == status


def test_repeating_a_transition_on_a_stale_copy_is_409(org, discipline_inspector, today):
    case = open_case(discipline_inspector, org.a1)
    stale = Case.objects.get(pk=case.pk)
    case_start_investigation(actor=discipline_inspector, case=case)
    with pytest.raises(TransitionNotAllowed) as error:
        case_start_investigation(actor=discipline_inspector, case=stale)
    assert error.value.current_status == Case.Status.INVESTIGATING
    assert AuditEvent.objects.filter(action="case.start_investigation").count() == 1


def test_concluding_twice_creates_the_records_once(org, chain, discipline_inspector, today):
    case = concluded_case(discipline_inspector, org.a1, direct=[chain.officer])
    count = Liability.objects.count()
    with pytest.raises(TransitionNotAllowed):
        case_conclude(
            actor=discipline_inspector,
            case=Case.objects.get(pk=case.pk),
            integrity_problem_confirmed=True,
            conclusion="再次",
            persons=[conclusion(chain.officer)],
        )
    assert Liability.objects.count() == count


@pytest.mark.parametrize("persona", ["brigade_leader", "squad_leader", "committee_member", "supervisor"])
def test_other_roles_cannot_take_a_step_and_nothing_changes(request, org, discipline_inspector, persona, today):
    case = open_case(discipline_inspector, org.a1)
    user = request.getfixturevalue(persona)
    with pytest.raises(NotPermitted):
        case_start_investigation(actor=user, case=case)
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN
    assert not AuditEvent.objects.filter(action="case.start_investigation").exists()


def test_conclude_needs_every_person_concerned(org, chain, discipline_inspector, today):
    case = investigating_case(discipline_inspector, org.a1, persons=[chain.officer, chain.colleague])
    with pytest.raises(DomainError) as error:
        case_conclude(
            actor=discipline_inspector,
            case=case,
            integrity_problem_confirmed=True,
            conclusion="属实",
            persons=[conclusion(chain.officer)],
        )
    assert error.value.field == "persons" and chain.colleague.name in error.value.message
    case.refresh_from_db()
    assert case.status == Case.Status.INVESTIGATING
    assert not Liability.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"conclusion": "  "}, "conclusion"),
        ({"responsibility": "pending"}, "persons"),
        ({"action": "flogging"}, "persons"),
        ({"responsibility": "joint"}, "persons"),  # confirmed but nobody directly responsible
        ({"stranger": True}, "persons"),
    ],
)
def test_conclude_refuses_bad_input_and_writes_nothing(org, chain, discipline_inspector, today, kwargs, field):
    case = investigating_case(discipline_inspector, org.a1, persons=[chain.officer])
    rows = [
        PersonConclusion(
            person_id=chain.officer.pk,
            responsibility=kwargs.get("responsibility", "direct"),
            action=kwargs.get("action", AccountabilityAction.INTERVIEW),
        )
    ]
    if kwargs.get("stranger"):
        rows.append(PersonConclusion(person_id=chain.colleague.pk, responsibility="none", action="none"))
    with pytest.raises(DomainError) as error:
        case_conclude(
            actor=discipline_inspector,
            case=case,
            integrity_problem_confirmed=True,
            conclusion=kwargs.get("conclusion", "属实"),
            persons=rows,
        )
    assert error.value.field == field
    case.refresh_from_db()
    assert case.status == Case.Status.INVESTIGATING and case.conclusion == ""
    assert not Liability.objects.exists()


def test_update_edits_facts_and_persons_while_open_or_investigating_only(org, chain, discipline_inspector, today):
    case = open_case(discipline_inspector, org.a1, persons=[chain.officer])
    case_update(actor=discipline_inspector, case=case, facts="补充事实", persons=[chain.colleague], severity="grave")
    case.refresh_from_db()
    assert case.facts == "补充事实" and case.severity == "grave"
    assert list(case.persons.values_list("person_id", flat=True)) == [chain.colleague.pk]
    event = AuditEvent.objects.get(action="case.update")
    assert event.changes["facts"]["after"] == "补充事实"
    assert event.changes["persons"] == {"before": [chain.officer.pk], "after": [chain.colleague.pk]}

    case_start_investigation(actor=discipline_inspector, case=case)
    case_conclude(
        actor=discipline_inspector,
        case=case,
        integrity_problem_confirmed=False,
        conclusion="不属实",
        persons=[PersonConclusion(chain.colleague.pk, "none", "none")],
    )
    with pytest.raises(TransitionNotAllowed):
        case_update(actor=discipline_inspector, case=case, facts="事后修改")
    case.refresh_from_db()
    assert case.facts == "补充事实"


# --- objections ------------------------------------------------------------------------------------


@pytest.fixture
def direct_record(org, chain, discipline_inspector, today):
    case = concluded_case(discipline_inspector, org.a1, direct=[chain.officer], severity="serious")
    return Liability.objects.get(case=case, person=chain.officer, level=LiabilityLevel.DIRECT)


@pytest.fixture
def own_login(chain):
    """The directly responsible officer has a login of their own."""
    from accounts.tests.factories import UserFactory

    user = UserFactory(username="dangshi")
    chain.officer.user = user
    chain.officer.save()
    return user


def test_the_person_objects_and_a_granted_objection_ends_the_record(
    direct_record, own_login, discipline_inspector, today
):
    objection = liability_object(actor=own_login, liability=direct_record, reason="本人未参与。")
    direct_record.refresh_from_db()
    assert direct_record.status == Liability.Status.OBJECTED
    assert Notification.objects.filter(recipient=discipline_inspector, key=f"objection:{objection.pk}:submitted")

    objection_decide(actor=discipline_inspector, objection=objection, grant=True, comment="经复核，申诉成立。")

    direct_record.refresh_from_db()
    objection.refresh_from_db()
    assert direct_record.status == Liability.Status.REVOKED and direct_record.ended_on == today
    assert objection.decision == Objection.Decision.GRANTED and objection.decided_by == discipline_inspector
    assert Notification.objects.filter(recipient=own_login, key=f"objection:{objection.pk}:granted").exists()
    events = AuditEvent.objects.filter(object_type="cases.liability", object_id=str(direct_record.pk))
    assert list(events.order_by("seq").values_list("action", flat=True)) == [
        "liability.create",
        "liability.object",
        "liability.objection.granted",
    ]


def test_a_refused_objection_restores_the_record_and_needs_a_comment(
    direct_record, discipline_inspector, second_inspector, today
):
    objection = liability_object(actor=discipline_inspector, liability=direct_record, reason="当事人口头申诉。")
    with pytest.raises(DomainError) as error:
        objection_decide(actor=second_inspector, objection=objection, grant=False, comment=" ")
    assert error.value.field == "comment"
    direct_record.refresh_from_db()
    assert direct_record.status == Liability.Status.OBJECTED

    objection_decide(actor=second_inspector, objection=objection, grant=False, comment="申诉理由不成立。")
    direct_record.refresh_from_db()
    assert direct_record.status == Liability.Status.ACTIVE and direct_record.ended_on is None
    # and the person may object again later
    liability_object(actor=discipline_inspector, liability=direct_record, reason="补充新证据。")
    assert Objection.objects.filter(liability=direct_record).count() == 2


def test_one_pending_objection_at_a_time(direct_record, own_login, discipline_inspector, today):
    liability_object(actor=own_login, liability=direct_record, reason="第一次")
    with pytest.raises(TransitionNotAllowed) as error:
        liability_object(actor=discipline_inspector, liability=direct_record, reason="第二次")
    assert error.value.current_status == Liability.Status.OBJECTED
    assert Objection.objects.count() == 1


def test_the_submitter_cannot_decide(direct_record, discipline_inspector, today):
    objection = liability_object(actor=discipline_inspector, liability=direct_record, reason="代为申诉")
    with pytest.raises(NotPermitted):
        objection_decide(actor=discipline_inspector, objection=objection, grant=True)
    objection.refresh_from_db()
    assert objection.decision == Objection.Decision.PENDING


def test_an_objection_is_decided_once(direct_record, discipline_inspector, second_inspector, today):
    objection = liability_object(actor=discipline_inspector, liability=direct_record, reason="代为申诉")
    stale = Objection.objects.get(pk=objection.pk)
    objection_decide(actor=second_inspector, objection=objection, grant=True)
    with pytest.raises(TransitionNotAllowed):
        objection_decide(actor=second_inspector, objection=stale, grant=False, comment="改判")
    direct_record.refresh_from_db()
    assert direct_record.status == Liability.Status.REVOKED


@pytest.mark.parametrize("persona", ["squad_leader", "brigade_leader", "supervisor", "committee_member"])
def test_others_cannot_object_for_someone(request, direct_record, persona, today):
    with pytest.raises(NotPermitted):
        liability_object(actor=request.getfixturevalue(persona), liability=direct_record, reason="代为")
    direct_record.refresh_from_db()
    assert direct_record.status == Liability.Status.ACTIVE


def test_objection_needs_grounds(direct_record, own_login, today):
    with pytest.raises(DomainError) as error:
        liability_object(actor=own_login, liability=direct_record, reason="")
    assert error.value.field == "reason"


def test_a_revoked_record_cannot_be_objected_to_again(direct_record, discipline_inspector, second_inspector, today):
    objection = liability_object(actor=discipline_inspector, liability=direct_record, reason="代为申诉")
    objection_decide(actor=second_inspector, objection=objection, grant=True)
    with pytest.raises(TransitionNotAllowed) as error:
        liability_object(actor=discipline_inspector, liability=direct_record, reason="再次")
    assert error.value.current_status == Liability.Status.REVOKED


def test_misconduct_today_is_accepted_tomorrow_is_not(org, discipline_inspector, today):
    assert open_case(discipline_inspector, org.a1, misconduct_date=today).misconduct_date == today
    with pytest.raises(DomainError):
        open_case(discipline_inspector, org.a1, misconduct_date=today + timedelta(days=1))
