"""Every allowed transition of notices, handovers, items, requests and look-backs, and the forbidden
ones, asserting that nothing is written on refusal."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import DataScope, Role
from audit.models import AuditEvent
from conftest import make_persona
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from core.models import Notification
from rectification import services
from rectification.models import (
    Handover,
    ItemRequest,
    ItemReview,
    LookBack,
    ProgressUpdate,
    RectificationItem,
    RectificationNotice,
)
from supervision.models import Evidence
from supervision.tests.factories import upload

pytestmark = pytest.mark.django_db

Notice = RectificationNotice
Item = RectificationItem


@contextmanager
def nothing_written(*objects):
    """Assert the block changes no audit event, no listed object's status, and no notification."""
    events, notifications = AuditEvent.objects.count(), Notification.objects.count()
    statuses = [(obj, type(obj).objects.filter(pk=obj.pk).values_list("status", flat=True).get()) for obj in objects]
    yield
    assert AuditEvent.objects.count() == events
    assert Notification.objects.count() == notifications
    for obj, status in statuses:
        assert type(obj).objects.filter(pk=obj.pk).values_list("status", flat=True).get() == status


@pytest.fixture
def second_supervisor(org):
    return make_persona("centre", Role.SUPERVISOR, org.jcs, DataScope.ALL)


# --- notice: draft -> issued ---------------------------------------------------------------------


def test_issue_numbers_the_notice_and_creates_both_handovers(draft_notice, supervisor, party_secretary, business_lead):
    notice = services.notice_issue(actor=supervisor, notice=draft_notice)
    assert notice.status == Notice.Status.ISSUED
    assert notice.document_number == f"常交监〔{timezone.localdate().year}〕1号"
    sides = {h.side: h for h in notice.handovers.all()}
    assert set(sides) == {"party", "business"}
    assert sides["party"].party_organization.name == "一大队党总支"
    assert sides["business"].recipient_unit.code == "CG"
    assert AuditEvent.objects.filter(action="notice.issue", object_id=str(notice.pk)).exists()
    # both recipients are told
    assert Notification.objects.filter(recipient__in=[party_secretary, business_lead]).count() == 2
    # the finding's evidence is frozen
    assert not Evidence.objects.filter(finding__in=notice.findings.all(), locked_at__isnull=True).exists()


def test_document_numbers_follow_each_other_per_year(org, supervisor, finding_a1, party_secretary):
    notices = [
        services.notice_create(
            actor=supervisor, unit=org.a1, findings=[finding_a1], title=f"通知{n}", requirements="整改"
        )
        for n in range(3)
    ]
    numbers = [services.notice_issue(actor=supervisor, notice=n).doc_number for n in notices]
    assert numbers == [1, 2, 3]


def test_issuing_twice_is_409(issued_notice, supervisor):
    with nothing_written(issued_notice), pytest.raises(TransitionNotAllowed) as error:
        services.notice_issue(actor=supervisor, notice=issued_notice)
    assert error.value.current_status == Notice.Status.ISSUED


def test_only_a_supervisor_issues(draft_notice, squad_leader, brigade_leader):
    for user in (squad_leader, brigade_leader):
        with nothing_written(draft_notice), pytest.raises(NotPermitted):
            services.notice_issue(actor=user, notice=draft_notice)


def test_issue_refused_without_lead_department(draft_notice, supervisor):
    from accounts.models import BusinessArea

    BusinessArea.objects.filter(pk=draft_notice.business_area_id).update(lead_department=None)
    draft_notice.refresh_from_db()
    with nothing_written(draft_notice), pytest.raises(DomainError) as error:
        services.notice_issue(actor=supervisor, notice=draft_notice)
    assert error.value.field == "business_area"
    assert draft_notice.handovers.count() == 0


def test_notice_findings_must_belong_to_its_unit(org, supervisor, finding_a1):
    with pytest.raises(DomainError) as error:
        services.notice_create(actor=supervisor, unit=org.a2, findings=[finding_a1], title="x", requirements="y")
    assert error.value.field == "findings"
    assert not Notice.objects.exists()


def test_default_deadline_follows_gravest_severity_in_working_days(org, supervisor):
    from datetime import date

    from supervision.tests.factories import make_finding

    grave = make_finding(actor=supervisor, unit=org.a1, severity="grave")
    general = make_finding(actor=supervisor, unit=org.a1, severity="general")
    # 2026-11-23 is a Monday: 5 working days later is Monday 2026-11-30
    assert services.default_deadline([general, grave], start=date(2026, 11, 23)) == date(2026, 11, 30)
    assert services.default_deadline([general], start=date(2026, 11, 23)) == date(2026, 12, 14)


# --- handovers: each side on its own ----------------------------------------------------------------


def test_each_side_acknowledges_on_its_own_then_the_notice_is_acknowledged(
    issued_notice, party_secretary, business_lead
):
    party = issued_notice.handovers.get(side=Handover.Side.PARTY)
    business = issued_notice.handovers.get(side=Handover.Side.BUSINESS)
    services.handover_acknowledge(actor=party_secretary, handover=party, opinion="签收")
    issued_notice.refresh_from_db()
    assert issued_notice.status == Notice.Status.ISSUED  # one side is not enough
    services.handover_acknowledge(actor=business_lead, handover=business)
    issued_notice.refresh_from_db()
    assert issued_notice.status == Notice.Status.ACKNOWLEDGED
    party.refresh_from_db()
    assert party.acknowledged_by == party_secretary and party.opinion == "签收"


def test_neither_side_acknowledges_for_the_other(issued_notice, party_secretary, business_lead):
    party = issued_notice.handovers.get(side=Handover.Side.PARTY)
    business = issued_notice.handovers.get(side=Handover.Side.BUSINESS)
    with nothing_written(party, business), pytest.raises(NotPermitted):
        services.handover_acknowledge(actor=party_secretary, handover=business)
    with nothing_written(party, business), pytest.raises(NotPermitted):
        services.handover_acknowledge(actor=business_lead, handover=party)


def test_one_person_holding_both_roles_cannot_acknowledge_both_sides(org, issued_notice):
    both = make_persona("both_hats", Role.PARTY_SECRETARY, org.a, DataScope.UNIT_AND_BELOW)
    from accounts.tests.factories import RoleAssignmentFactory

    RoleAssignmentFactory(user=both, role=Role.UNIT_LEADER, unit=org.cg, scope=DataScope.OWN_UNIT)
    both.refresh_from_db()
    services.handover_acknowledge(actor=both, handover=issued_notice.handovers.get(side="party"))
    business = issued_notice.handovers.get(side="business")
    with nothing_written(business), pytest.raises(NotPermitted):
        services.handover_acknowledge(actor=both, handover=business)


def test_acknowledging_twice_is_409(issued_notice, party_secretary):
    party = issued_notice.handovers.get(side=Handover.Side.PARTY)
    services.handover_acknowledge(actor=party_secretary, handover=party)
    with nothing_written(party), pytest.raises(TransitionNotAllowed) as error:
        services.handover_acknowledge(actor=party_secretary, handover=party)
    assert error.value.current_status == Handover.Status.ACKNOWLEDGED


# --- items ------------------------------------------------------------------------------------------


def test_items_wait_for_both_acknowledgements(issued_notice, squad_leader, org):
    from accounts.tests.factories import PersonFactory

    person = PersonFactory(unit=org.a1)
    with nothing_written(issued_notice), pytest.raises(TransitionNotAllowed):
        services.item_create(
            actor=squad_leader,
            notice=issued_notice,
            problem="p",
            measures="m",
            responsible_department=org.a1,
            responsible_person=person,
            responsible_leader=person,
            deadline=issued_notice.deadline,
        )


def test_first_item_moves_the_notice_to_rectifying(open_item):
    assert open_item.notice.status == Notice.Status.RECTIFYING


def test_item_deadline_not_after_the_notice(acknowledged_notice, squad_leader, org):
    from accounts.tests.factories import PersonFactory

    person = PersonFactory(unit=org.a1)
    with pytest.raises(DomainError) as error:
        services.item_create(
            actor=squad_leader,
            notice=acknowledged_notice,
            problem="p",
            measures="m",
            responsible_department=org.a1,
            responsible_person=person,
            responsible_leader=person,
            deadline=acknowledged_notice.deadline + timedelta(days=1),
        )
    assert error.value.field == "deadline"
    assert not Item.objects.exists()


def test_responsible_person_outside_scope_is_refused(acknowledged_notice, squad_leader, org):
    from accounts.tests.factories import PersonFactory

    stranger = PersonFactory(unit=org.b1)
    mine = PersonFactory(unit=org.a1)
    with pytest.raises(DomainError) as error:
        services.item_create(
            actor=squad_leader,
            notice=acknowledged_notice,
            problem="p",
            measures="m",
            responsible_department=org.a1,
            responsible_person=stranger,
            responsible_leader=mine,
            deadline=acknowledged_notice.deadline,
        )
    assert error.value.field == "responsible_person"


def test_submit_needs_evidence(open_item, squad_leader):
    with nothing_written(open_item), pytest.raises(DomainError) as error:
        services.item_submit(actor=squad_leader, item=open_item)
    assert error.value.field == "files"


def test_submit_freezes_the_evidence(submitted_item):
    evidence = services.item_evidence(submitted_item)
    assert evidence.count() == 1
    assert not evidence.filter(locked_at__isnull=True).exists()


def test_no_progress_after_submission(submitted_item, squad_leader):
    with nothing_written(submitted_item), pytest.raises(TransitionNotAllowed):
        services.progress_add(actor=squad_leader, item=submitted_item, text="more", files=[upload()])
    assert ProgressUpdate.objects.filter(item=submitted_item).count() == 2  # the report and the submit note


def test_submitter_never_verifies(org, submitted_item, squad_leader):
    from accounts.tests.factories import RoleAssignmentFactory

    # given the squad leader also holds the supervisor role
    RoleAssignmentFactory(user=squad_leader, role=Role.SUPERVISOR, unit=org.jcs, scope=DataScope.ALL)
    squad_leader.refresh_from_db()
    with nothing_written(submitted_item), pytest.raises(NotPermitted):
        services.item_verify(actor=squad_leader, item=submitted_item, accept=True, comment="ok")


def test_verification_needs_a_comment(submitted_item, supervisor):
    with nothing_written(submitted_item), pytest.raises(DomainError) as error:
        services.item_verify(actor=supervisor, item=submitted_item, accept=True, comment="  ")
    assert error.value.field == "comment"


def test_reject_sends_the_item_back_with_the_reason(submitted_item, supervisor):
    item = services.item_verify(actor=supervisor, item=submitted_item, accept=False, comment="照片不清晰")
    assert item.status == Item.Status.OPEN
    assert ItemReview.objects.get(item=item).comment == "照片不清晰"
    assert item.notice.status == Notice.Status.RECTIFYING


def test_accepting_the_last_item_closes_the_notice_and_schedules_a_look_back(submitted_item, supervisor, settings):
    item = services.item_verify(actor=supervisor, item=submitted_item, accept=True, comment="整改到位，同意销号")
    assert item.status == Item.Status.CLOSED and item.closure == Item.Closure.RECTIFIED
    notice = item.notice
    notice.refresh_from_db()
    assert notice.status == Notice.Status.CLOSED
    look_back = LookBack.objects.get(notice=notice)
    assert look_back.scheduled_for == timezone.localdate() + timedelta(days=settings.LOOK_BACK_DAYS)
    assert look_back.assigned_to == supervisor


def test_verifying_an_open_item_is_409(open_item, supervisor):
    with nothing_written(open_item), pytest.raises(TransitionNotAllowed) as error:
        services.item_verify(actor=supervisor, item=open_item, accept=True, comment="ok")
    assert error.value.current_status == Item.Status.OPEN


def test_unit_leader_cannot_verify(submitted_item, brigade_leader):
    with nothing_written(submitted_item), pytest.raises(NotPermitted):
        services.item_verify(actor=brigade_leader, item=submitted_item, accept=True, comment="ok")


# --- requests: extension and "cannot be rectified" ----------------------------------------------------


def test_extension_approved_by_a_supervisor_moves_the_deadline(open_item, squad_leader, supervisor):
    new_deadline = open_item.notice.deadline + timedelta(days=10)  # beyond the notice: allowed by approval
    request = services.item_request_create(
        actor=squad_leader, item=open_item, kind="extension", reason="需采购设备", new_deadline=new_deadline
    )
    services.item_request_decide(actor=supervisor, request=request, approve=True)
    open_item.refresh_from_db()
    assert open_item.deadline == new_deadline


def test_only_one_pending_request_per_kind(open_item, squad_leader):
    deadline = open_item.deadline + timedelta(days=5)
    services.item_request_create(
        actor=squad_leader, item=open_item, kind="extension", reason="r", new_deadline=deadline
    )
    with pytest.raises(TransitionNotAllowed):
        services.item_request_create(
            actor=squad_leader, item=open_item, kind="extension", reason="r", new_deadline=deadline
        )
    assert ItemRequest.objects.count() == 1


def test_refusal_needs_a_reason_and_keeps_the_deadline(open_item, squad_leader, supervisor):
    before = open_item.deadline
    request = services.item_request_create(
        actor=squad_leader, item=open_item, kind="extension", reason="r", new_deadline=before + timedelta(days=5)
    )
    with pytest.raises(DomainError):
        services.item_request_decide(actor=supervisor, request=request, approve=False)
    services.item_request_decide(actor=supervisor, request=request, approve=False, comment="理由不充分")
    open_item.refresh_from_db()
    assert open_item.deadline == before


def test_unrectifiable_needs_the_committee(open_item, squad_leader, supervisor, committee_member):
    request = services.item_request_create(
        actor=squad_leader, item=open_item, kind="unrectifiable", reason="历史遗留，客观无法整改"
    )
    with nothing_written(request), pytest.raises(NotPermitted):
        services.item_request_decide(actor=supervisor, request=request, approve=True)
    services.item_request_decide(actor=committee_member, request=request, approve=True)
    open_item.refresh_from_db()
    assert open_item.status == Item.Status.CLOSED
    assert open_item.closure == Item.Closure.UNRECTIFIABLE
    open_item.notice.refresh_from_db()
    assert open_item.notice.status == Notice.Status.CLOSED


def test_deciding_twice_is_409(open_item, squad_leader, supervisor, second_supervisor):
    request = services.item_request_create(
        actor=squad_leader,
        item=open_item,
        kind="extension",
        reason="r",
        new_deadline=open_item.deadline + timedelta(days=3),
    )
    services.item_request_decide(actor=supervisor, request=request, approve=True)
    with pytest.raises(TransitionNotAllowed):
        services.item_request_decide(actor=second_supervisor, request=request, approve=False, comment="no")


# --- look-back --------------------------------------------------------------------------------------


@pytest.fixture
def closed_notice(submitted_item, supervisor):
    services.item_verify(actor=supervisor, item=submitted_item, accept=True, comment="同意销号")
    return Notice.objects.get(pk=submitted_item.notice_id)


def test_passed_look_back(closed_notice, supervisor):
    look_back = closed_notice.look_backs.get()
    services.look_back_record(actor=supervisor, look_back=look_back, passed=True, result="未反弹")
    closed_notice.refresh_from_db()
    assert closed_notice.status == Notice.Status.CLOSED


def test_failed_look_back_reopens_with_a_new_deadline(closed_notice, supervisor, squad_leader, org):
    from accounts.tests.factories import PersonFactory

    new_deadline = timezone.localdate() + timedelta(days=15)
    services.look_back_record(
        actor=supervisor,
        look_back=closed_notice.look_backs.get(),
        passed=False,
        result="问题反弹",
        new_deadline=new_deadline,
    )
    closed_notice.refresh_from_db()
    assert closed_notice.status == Notice.Status.REOPENED
    assert closed_notice.deadline == new_deadline
    # the unit takes it up again with a new item, which moves it back to rectifying
    person = PersonFactory(unit=org.a1)
    services.item_create(
        actor=squad_leader,
        notice=closed_notice,
        problem="反弹",
        measures="再整改",
        responsible_department=org.a1,
        responsible_person=person,
        responsible_leader=person,
        deadline=new_deadline,
    )
    closed_notice.refresh_from_db()
    assert closed_notice.status == Notice.Status.RECTIFYING


def test_failed_look_back_needs_a_future_deadline(closed_notice, supervisor):
    look_back = closed_notice.look_backs.get()
    with nothing_written(look_back, closed_notice), pytest.raises(DomainError) as error:
        services.look_back_record(actor=supervisor, look_back=look_back, passed=False, result="反弹")
    assert error.value.field == "new_deadline"


def test_only_the_assigned_supervisor_records_the_look_back(closed_notice, second_supervisor):
    look_back = closed_notice.look_backs.get()
    with nothing_written(look_back), pytest.raises(NotPermitted):
        services.look_back_record(actor=second_supervisor, look_back=look_back, passed=True, result="ok")


def test_recording_a_look_back_twice_is_409(closed_notice, supervisor):
    look_back = closed_notice.look_backs.get()
    services.look_back_record(actor=supervisor, look_back=look_back, passed=True, result="ok")
    with pytest.raises(TransitionNotAllowed):
        services.look_back_record(actor=supervisor, look_back=look_back, passed=True, result="ok")


# --- scope ----------------------------------------------------------------------------------------------


def test_outsider_sees_nothing_of_the_notice(submitted_item, outsider):
    from rectification.selectors import handover_visible_to, item_visible_to, notice_visible_to
    from supervision.selectors import evidence_visible_to, finding_visible_to

    assert not notice_visible_to(outsider).exists()
    assert not handover_visible_to(outsider).exists()
    assert not item_visible_to(outsider).exists()
    assert not finding_visible_to(outsider).exists()
    assert not evidence_visible_to(outsider).exists()


def test_business_lead_department_sees_the_notice_handed_to_it(submitted_item, business_lead):
    from rectification.selectors import item_visible_to, notice_visible_to
    from supervision.selectors import evidence_visible_to, finding_visible_to

    assert notice_visible_to(business_lead).filter(pk=submitted_item.notice_id).exists()
    assert item_visible_to(business_lead).filter(pk=submitted_item.pk).exists()
    assert finding_visible_to(business_lead).filter(pk=submitted_item.finding_id).exists()
    assert evidence_visible_to(business_lead).count() == 2  # the finding's photo and the progress photo


def test_workbench_shows_each_person_their_step(
    client, issued_notice, party_secretary, business_lead, squad_leader, supervisor
):
    client.force_login(party_secretary)
    assert 'data-section="acknowledge"' in client.get("/").content.decode()
    client.force_login(squad_leader)
    assert 'data-section="acknowledge"' not in client.get("/").content.decode()
