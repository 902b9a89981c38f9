"""Dual verification, dual report (双核双报): the rules of alert_verify, the finding an alert becomes,
the models' precision, the alerts' visibility and the workbench. Alerts are made directly."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import DataScope, Role
from accounts.tests.factories import RoleAssignmentFactory
from audit.models import AuditEvent
from conftest import make_persona
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from core.models import Notification
from core.workbench import workbench_sections
from rectification.tests.test_concurrency import run_concurrently
from risk.alerts import alert_to_finding, alert_verify
from risk.models import Alert, AlertVerification
from risk.selectors import alert_visible_to, alerts_awaiting_verification, risk_model_precision
from risk.tests.alert_factories import make_alert, make_model, opinions
from supervision.models import Finding, Severity

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(org):
    return make_alert(unit=org.a1)


@pytest.fixture
def second_supervisor(org):
    return make_persona("supervisor2", Role.SUPERVISOR, org.jcs, DataScope.ALL)


@pytest.fixture
def second_inspector(org):
    return make_persona("inspector2", Role.DISCIPLINE_INSPECTOR, org.jw, DataScope.ALL)


def verify(actor, alert, *, agree=True, comment="核实属实", factor_opinions=None):
    return alert_verify(
        actor=actor,
        alert=alert,
        agree=agree,
        comment=comment,
        factor_opinions=opinions(alert, agree) if factor_opinions is None else factor_opinions,
    )


def written(alert):
    """Everything a refused verification might have written."""
    alert.refresh_from_db()
    return (
        alert.status,
        alert.dismissal_reason,
        AlertVerification.objects.filter(alert=alert).count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


def confirmed_keys(user):
    return set(Notification.objects.filter(recipient=user).values_list("key", flat=True))


# --- the rules -----------------------------------------------------------------------------------------


def test_supervisor_and_inspector_agreeing_confirm_and_report_to_committee_and_discipline(
    alert, supervisor, discipline_inspector, committee_member, brigade_leader
):
    # given a supervisor has agreed
    first = verify(supervisor, alert)
    alert.refresh_from_db()
    assert (first.role, alert.status) == (Role.SUPERVISOR, Alert.Status.PENDING)
    # when a discipline inspector agrees too
    second = verify(discipline_inspector, alert)
    # then the alert is confirmed and reported to the committee and to discipline inspection
    alert.refresh_from_db()
    assert second.role == Role.DISCIPLINE_INSPECTOR
    assert alert.status == Alert.Status.CONFIRMED
    assert alert.decided_at is not None
    key = f"alert:{alert.pk}:confirmed"
    assert key in confirmed_keys(committee_member)
    assert key in confirmed_keys(discipline_inspector)
    assert key not in confirmed_keys(brigade_leader)
    assert list(
        AuditEvent.objects.filter(object_type="risk.alert", object_id=str(alert.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["alert.verify", "alert.verify", "alert.confirm"]


def test_inspector_first_then_supervisor_also_confirms(alert, supervisor, discipline_inspector):
    verify(discipline_inspector, alert)
    verify(supervisor, alert)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.CONFIRMED


def test_one_person_cannot_verify_twice(alert, supervisor):
    verify(supervisor, alert)
    before = written(alert)
    with pytest.raises(TransitionNotAllowed) as refused:
        verify(supervisor, alert, comment="再核一次")
    assert refused.value.current_status == Alert.Status.PENDING
    assert written(alert) == before


def test_a_holder_of_both_roles_verifies_once_only(org, alert):
    both = make_persona("both", Role.SUPERVISOR, org.jcs, DataScope.ALL)
    RoleAssignmentFactory(user=both, role=Role.DISCIPLINE_INSPECTOR, unit=org.jw, scope=DataScope.ALL)
    verify(both, alert)
    with pytest.raises(TransitionNotAllowed):
        verify(both, alert)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.PENDING
    assert AlertVerification.objects.filter(alert=alert).count() == 1


def test_two_verifications_of_the_same_role_do_not_confirm(alert, supervisor, second_supervisor):
    verify(supervisor, alert)
    before = written(alert)
    with translation.override("en"), pytest.raises(TransitionNotAllowed, match="other role"):
        verify(second_supervisor, alert)
    assert written(alert) == before
    assert before[0] == Alert.Status.PENDING


def test_a_disagreement_dismisses_and_keeps_the_reason(alert, supervisor, discipline_inspector, committee_member):
    verify(supervisor, alert, agree=False, comment="系统批量处理所致，非人为操作")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.DISMISSED
    assert alert.dismissal_reason == "系统批量处理所致，非人为操作"
    assert alert.decided_at is not None
    assert f"alert:{alert.pk}:confirmed" not in confirmed_keys(committee_member)
    # a later verification is refused with the status
    with pytest.raises(TransitionNotAllowed) as refused:
        verify(discipline_inspector, alert)
    assert refused.value.current_status == Alert.Status.DISMISSED


def test_the_second_verifier_disagreeing_dismisses(alert, supervisor, discipline_inspector):
    verify(supervisor, alert)
    verify(discipline_inspector, alert, agree=False, comment="经查系正常加班办理")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.DISMISSED
    assert alert.dismissal_reason == "经查系正常加班办理"


def test_agreeing_with_the_alert_but_not_with_a_factor_is_recorded(alert, supervisor):
    mixed = {"t-night": True, "t-agent": False}
    verification = verify(supervisor, alert, factor_opinions=mixed)
    assert verification.factor_opinions == mixed


@pytest.mark.parametrize("persona", ["squad_leader", "brigade_leader", "committee_member", "outsider"])
def test_only_supervisors_and_inspectors_verify(request, alert, persona):
    actor = request.getfixturevalue(persona)
    before = written(alert)
    with pytest.raises(NotPermitted):
        verify(actor, alert)
    assert written(alert) == before


def test_a_verifier_outside_the_alerts_scope_cannot_verify(org, alert):
    inspector_b = make_persona("inspector_b", Role.DISCIPLINE_INSPECTOR, org.b, DataScope.UNIT_AND_BELOW)
    with pytest.raises(NotPermitted):
        verify(inspector_b, alert)


def test_a_comment_is_required(alert, supervisor):
    before = written(alert)
    with pytest.raises(DomainError) as refused:
        verify(supervisor, alert, comment="   ")
    assert refused.value.field == "comment"
    assert written(alert) == before


def test_every_factor_needs_an_opinion_and_the_missing_are_named(alert, supervisor):
    with pytest.raises(DomainError) as refused:
        verify(supervisor, alert, factor_opinions={"t-night": True})
    assert refused.value.field == "factor_opinions"
    assert "t-agent" in refused.value.message
    with pytest.raises(DomainError, match="t-unknown"):
        verify(supervisor, alert, factor_opinions={**opinions(alert), "t-unknown": True})
    assert AlertVerification.objects.count() == 0


def test_a_decided_alert_cannot_be_verified(org, supervisor):
    confirmed = make_alert(unit=org.a1, status=Alert.Status.CONFIRMED)
    with pytest.raises(TransitionNotAllowed) as refused:
        verify(supervisor, confirmed)
    assert refused.value.current_status == Alert.Status.CONFIRMED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_concurrent_second_verifications_give_exactly_one_confirmation(org, supervisor, committee_member):
    # given a supervisor's agreement and twenty discipline inspectors ready to give the second
    alert = make_alert(unit=org.a1)
    verify(supervisor, alert)
    inspectors = [make_persona(f"insp{n}", Role.DISCIPLINE_INSPECTOR, org.jw, DataScope.ALL) for n in range(20)]

    # when all twenty verify at once
    def second(index):
        return verify(inspectors[index], Alert.objects.select_related("unit").get(pk=alert.pk))

    results = run_concurrently(20, second)

    # then exactly one is recorded and confirms; the others are refused with 409
    successes = [r for r in results if isinstance(r, AlertVerification)]
    conflicts = [r for r in results if isinstance(r, TransitionNotAllowed)]
    assert len(successes) == 1, results
    assert len(conflicts) == 19, results
    alert.refresh_from_db()
    assert alert.status == Alert.Status.CONFIRMED
    assert AlertVerification.objects.filter(alert=alert).count() == 2
    assert AuditEvent.objects.filter(action="alert.confirm", object_id=str(alert.pk)).count() == 1
    assert Notification.objects.filter(key=f"alert:{alert.pk}:confirmed", recipient=committee_member).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_both_first_verifications_arriving_together_confirm(org, supervisor, discipline_inspector):
    # given nobody has verified yet; when the supervisor and the inspector agree at the same moment
    alert = make_alert(unit=org.a1)
    actors = [supervisor, discipline_inspector]
    results = run_concurrently(2, lambda n: verify(actors[n], Alert.objects.select_related("unit").get(pk=alert.pk)))
    # then both are recorded and the second of them to commit confirmed the alert
    assert all(isinstance(r, AlertVerification) for r in results), results
    alert.refresh_from_db()
    assert alert.status == Alert.Status.CONFIRMED


# --- alert to finding ----------------------------------------------------------------------------------


@pytest.fixture
def confirmed(org, supervisor, discipline_inspector):
    alert = make_alert(unit=org.a1)
    verify(supervisor, alert)
    verify(discipline_inspector, alert)
    alert.refresh_from_db()
    return alert


def test_a_confirmed_alert_becomes_a_finding_once(confirmed, supervisor, second_supervisor):
    finding = alert_to_finding(actor=supervisor, alert=confirmed)
    assert finding.source == Finding.Source.RISK_ALERT
    assert finding.unit_id == confirmed.unit_id
    assert finding.category.code == "integrity"
    assert finding.severity == Severity.GRAVE  # a red alert
    assert finding.business_area.code == "vehicle_admin"  # the top factor's area
    assert list(finding.persons.all()) == [confirmed.person]
    assert f"[预警 #{confirmed.pk}]" in finding.description
    assert "非工作时间办理业务" in finding.description
    # never twice, by anyone
    with pytest.raises(TransitionNotAllowed, match=f"#{finding.pk}"):
        alert_to_finding(actor=second_supervisor, alert=confirmed)
    assert Finding.objects.filter(source=Finding.Source.RISK_ALERT).count() == 1


def test_only_a_confirmed_alert_becomes_a_finding(alert, supervisor):
    with pytest.raises(TransitionNotAllowed) as refused:
        alert_to_finding(actor=supervisor, alert=alert)
    assert refused.value.current_status == Alert.Status.PENDING
    assert not Finding.objects.exists()


def test_only_a_supervisor_turns_an_alert_into_a_finding(confirmed, discipline_inspector, committee_member):
    for actor in (discipline_inspector, committee_member):
        with pytest.raises(NotPermitted):
            alert_to_finding(actor=actor, alert=confirmed)
    assert not Finding.objects.exists()


def test_a_grade_gives_the_severity(org, supervisor):
    blue = make_alert(unit=org.a1, grade=Alert.Grade.BLUE, index="35.0", status=Alert.Status.CONFIRMED)
    assert alert_to_finding(actor=supervisor, alert=blue).severity == Severity.GENERAL


# --- precision -----------------------------------------------------------------------------------------


def test_precision_is_the_share_of_hits_in_confirmed_against_dismissed_alerts(org, django_assert_num_queries):
    # given t-night fired in 3 confirmed and 1 dismissed alert, t-agent in 1 confirmed, 1 dismissed and 1 pending
    for status in [Alert.Status.CONFIRMED] * 2:
        make_alert(unit=org.a1, codes=("t-night",), status=status)
    make_alert(unit=org.a1, codes=("t-night", "t-agent"), status=Alert.Status.CONFIRMED)
    make_alert(unit=org.a2, codes=("t-night", "t-agent"), status=Alert.Status.DISMISSED)
    make_alert(unit=org.a2, codes=("t-agent",), status=Alert.Status.PENDING)
    silent = make_model("t-deletes")
    night, agent = make_model("t-night"), make_model("t-agent")
    # when
    with django_assert_num_queries(1):
        figures = risk_model_precision()
    # then
    assert figures[night.pk] == {
        "hits": 4,
        "hits_in_confirmed_alerts": 3,
        "hits_in_dismissed_alerts": 1,
        "hits_in_pending_alerts": 0,
        "precision": 0.75,
    }
    assert figures[agent.pk]["precision"] == 0.5
    assert figures[agent.pk]["hits_in_pending_alerts"] == 1
    assert silent.pk not in figures


# --- visibility and workbench --------------------------------------------------------------------------


def test_pending_alerts_are_for_the_verifiers_and_confirmed_ones_for_the_units_leaders(
    org, supervisor, discipline_inspector, committee_member, brigade_leader, squad_leader, outsider, party_secretary
):
    pending = make_alert(unit=org.a1)
    confirmed = make_alert(unit=org.a1, status=Alert.Status.CONFIRMED)
    other = make_alert(unit=org.b1, status=Alert.Status.CONFIRMED)
    everything = {pending.pk, confirmed.pk, other.pk}
    for user in (supervisor, discipline_inspector, committee_member):
        assert set(alert_visible_to(user).values_list("pk", flat=True)) == everything
    for user in (brigade_leader, squad_leader):
        assert set(alert_visible_to(user).values_list("pk", flat=True)) == {confirmed.pk}
    assert not alert_visible_to(outsider).filter(pk__in=[pending.pk, confirmed.pk]).exists()
    assert set(alert_visible_to(outsider).values_list("pk", flat=True)) == {other.pk}
    assert not alert_visible_to(party_secretary).exists()


def test_a_scoped_inspector_sees_only_the_alerts_of_their_units(org):
    inspector_b = make_persona("inspector_b", Role.DISCIPLINE_INSPECTOR, org.b, DataScope.UNIT_AND_BELOW)
    make_alert(unit=org.a1)
    mine = make_alert(unit=org.b1)
    assert list(alert_visible_to(inspector_b)) == [mine]
    assert list(alerts_awaiting_verification(inspector_b)) == [mine]


def section(user, key):
    return next((s for s in workbench_sections(user) if s.key == key), None)


def test_the_workbench_shows_alerts_to_verify_then_the_confirmed_ones_reported(
    alert, supervisor, discipline_inspector, committee_member
):
    # pending: both verifiers have it to do; the committee has nothing yet
    assert [r.url for r in section(supervisor, "alerts_to_verify").rows] == [
        reverse("risk:alert_detail", args=[alert.pk])
    ]
    assert section(discipline_inspector, "alerts_to_verify") is not None
    assert section(committee_member, "alerts_reported") is None
    # after the supervisor: only the inspector has it to do
    verify(supervisor, alert)
    assert section(supervisor, "alerts_to_verify") is None
    assert len(section(discipline_inspector, "alerts_to_verify").rows) == 1
    # confirmed: reported to the committee and to discipline inspection
    verify(discipline_inspector, alert)
    assert section(discipline_inspector, "alerts_to_verify") is None
    assert len(section(committee_member, "alerts_reported").rows) == 1
    assert len(section(discipline_inspector, "alerts_reported").rows) == 1
    assert section(supervisor, "alerts_reported") is None
