from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import PersonFactory
from audit.models import AuditEvent
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from public.models import PublicFeedback, PublicSummary
from public.services import (
    RateLimited,
    feedback_dismiss,
    feedback_submit,
    feedback_to_finding,
    summary_publish,
    summary_refresh,
    summary_unpublish,
)
from public.tests.conftest import MEASURES, PROBLEMS
from rectification.models import RectificationItem
from supervision.models import Finding, FindingCategory

pytestmark = pytest.mark.django_db


def _publish(actor, notice, **texts):
    values = {"title": "整改进展", "problems": PROBLEMS, "measures": MEASURES, **texts}
    return summary_publish(actor=actor, notice=notice, **values)


# --- publishing --------------------------------------------------------------------------------------


def test_publishing_derives_the_progress_and_is_audited(issued_notice, supervisor):
    # when
    summary = _publish(supervisor, issued_notice)
    # then
    assert summary.status == PublicSummary.Status.PUBLISHED
    assert summary.progress == PublicSummary.Progress.HANDED_OVER
    assert (summary.item_count, summary.closed_count, summary.overdue_count) == (0, 0, 0)
    assert summary.unit == issued_notice.unit
    assert summary.deadline == issued_notice.deadline
    assert summary.published_by == supervisor
    assert AuditEvent.objects.filter(action="public_summary.publish", object_id=str(summary.pk)).count() == 1


def test_a_draft_notice_cannot_be_published(draft_notice, supervisor):
    with pytest.raises(DomainError) as error:
        _publish(supervisor, draft_notice)
    assert error.value.field == "notice"
    assert not PublicSummary.objects.exists()


@pytest.mark.parametrize("persona", ["brigade_leader", "party_secretary", "discipline_inspector", "committee_member"])
def test_only_a_supervisor_publishes(issued_notice, persona, request):
    user = request.getfixturevalue(persona)
    with pytest.raises(NotPermitted):
        _publish(user, issued_notice)
    assert not PublicSummary.objects.exists()
    assert not AuditEvent.objects.filter(action="public_summary.publish").exists()


@pytest.mark.parametrize("field", ["title", "problems", "measures"])
def test_a_name_of_a_person_of_the_unit_is_refused_naming_the_field(issued_notice, supervisor, org, field):
    # given: a person of the notice's unit
    PersonFactory(unit=org.a1, name="张三丰")
    # when / then
    with pytest.raises(DomainError) as error:
        _publish(supervisor, issued_notice, **{field: "经查，张三丰同志值班期间玩游戏。"})
    assert error.value.field == field
    assert "张三丰" in error.value.message
    assert not PublicSummary.objects.exists()


def test_names_of_persons_named_by_the_items_are_refused_even_from_other_units(open_item, supervisor, org):
    # given: the item's responsible leader sits in the brigade, above the notice's squad
    leader = PersonFactory(unit=org.a, name="欧阳大队")
    RectificationItem.objects.filter(pk=open_item.pk).update(responsible_leader=leader)
    # when / then
    with pytest.raises(DomainError) as error:
        _publish(supervisor, open_item.notice, measures="由欧阳大队督促落实。")
    assert error.value.field == "measures"


def test_a_badge_number_is_refused(issued_notice, supervisor, org):
    person = PersonFactory(unit=org.b1)  # anywhere in the detachment
    with pytest.raises(DomainError) as error:
        _publish(supervisor, issued_notice, problems=f"警号{person.badge_number}的民警存在问题。")
    assert error.value.field == "problems"
    assert not PublicSummary.objects.exists()


def test_names_of_persons_elsewhere_and_short_words_pass(issued_notice, supervisor, org):
    # A person of another brigade, and a one-character name, are not the unit's people.
    PersonFactory(unit=org.b1, name="李四")
    PersonFactory(unit=org.a1, name="王")
    summary = _publish(supervisor, issued_notice, problems="李四所在单位无关；王者荣耀游戏问题。")
    assert summary.pk


def test_one_published_summary_per_notice(published, supervisor):
    with pytest.raises(DomainError) as error:
        _publish(supervisor, published.notice)
    assert error.value.field == "notice"
    assert PublicSummary.objects.count() == 1


def test_a_risk_list_summary_is_of_the_lists_notice(issued_notice, supervisor, org):
    from risk.models import RiskList

    risk_list = RiskList.objects.create(quarter="2026Q3", unit=org.a1, notice=issued_notice, entries=[])
    summary = summary_publish(
        actor=supervisor, risk_list=risk_list, title="2026年三季度风险清单整改", problems=PROBLEMS, measures=MEASURES
    )
    assert summary.notice == issued_notice
    assert summary.risk_list == risk_list


def test_exactly_one_of_notice_and_risk_list(supervisor, org):
    with pytest.raises(DomainError) as error:
        summary_publish(actor=supervisor, title="x", problems="y", measures="z")
    assert error.value.field == "notice"


# --- refresh and unpublish -------------------------------------------------------------------------------


def test_refresh_follows_the_items(published, open_item, supervisor, today):
    # given: an item added after publishing, then past its deadline
    RectificationItem.objects.filter(pk=open_item.pk).update(deadline=today - timedelta(days=2))
    published.notice.refresh_from_db()
    # when
    summary = summary_refresh(actor=supervisor, summary=published)
    # then
    assert summary.progress == PublicSummary.Progress.RECTIFYING
    assert (summary.item_count, summary.closed_count, summary.overdue_count) == (1, 0, 1)
    event = AuditEvent.objects.get(action="public_summary.refresh")
    assert event.changes["item_count"] == {"before": "0", "after": "1"}


def test_unpublish_once(published, supervisor):
    summary = summary_unpublish(actor=supervisor, summary=published, reason="内容需更新")
    assert summary.status == PublicSummary.Status.UNPUBLISHED
    assert summary.unpublished_by == supervisor
    with pytest.raises(TransitionNotAllowed) as error:
        summary_unpublish(actor=supervisor, summary=published)
    assert error.value.current_status == PublicSummary.Status.UNPUBLISHED
    with pytest.raises(TransitionNotAllowed):
        summary_refresh(actor=supervisor, summary=published)
    assert AuditEvent.objects.filter(action="public_summary.unpublish").count() == 1


def test_publishing_again_after_unpublishing_makes_a_new_summary(published, supervisor):
    summary_unpublish(actor=supervisor, summary=published)
    again = _publish(supervisor, published.notice)
    assert again.pk != published.pk
    assert PublicSummary.objects.filter(status=PublicSummary.Status.PUBLISHED).get() == again


def test_a_unit_leader_cannot_unpublish(published, brigade_leader):
    with pytest.raises(NotPermitted):
        summary_unpublish(actor=brigade_leader, summary=published)
    published.refresh_from_db()
    assert published.status == PublicSummary.Status.PUBLISHED


# --- feedback --------------------------------------------------------------------------------------------


def test_feedback_is_stored_and_audited(published):
    feedback = feedback_submit(summary=published, text="整改情况很好", name="", contact="", client_ip="203.0.113.5")
    assert feedback.status == PublicFeedback.Status.NEW
    assert feedback.unit == published.unit
    event = AuditEvent.objects.get(action="public_feedback.submit")
    assert event.ip_address == "203.0.113.5"


def test_the_sixth_feedback_in_the_hour_is_refused_and_stores_nothing(published, settings):
    for number in range(5):
        feedback_submit(summary=published, text=f"意见{number}", client_ip="203.0.113.5")
    with pytest.raises(RateLimited) as error:
        feedback_submit(summary=published, text="第六条", client_ip="203.0.113.5")
    assert error.value.status_code == 429
    assert PublicFeedback.objects.count() == 5
    # another address is counted on its own
    feedback_submit(summary=published, text="另一个地址", client_ip="198.51.100.7")
    assert PublicFeedback.objects.count() == 6


def test_ipv6_addresses_of_one_64_share_a_count(published):
    for number in range(5):
        feedback_submit(summary=published, text=f"意见{number}", client_ip=f"2001:db8:1:2::{number + 1}")
    with pytest.raises(RateLimited):
        feedback_submit(summary=published, text="同一网段", client_ip="2001:db8:1:2:ffff::1")


def test_bad_feedback_is_refused_without_counting(published):
    for _attempt in range(6):
        with pytest.raises(DomainError) as error:
            feedback_submit(summary=published, text="   ", client_ip="203.0.113.5")
        assert error.value.field == "text"
    with pytest.raises(DomainError) as error:
        feedback_submit(summary=published, text="x" * 1001, client_ip="203.0.113.5")
    assert error.value.field == "text"
    assert feedback_submit(summary=published, text="有效意见", client_ip="203.0.113.5").pk


def test_feedback_on_an_unpublished_summary_is_refused(published, supervisor):
    summary_unpublish(actor=supervisor, summary=published)
    with pytest.raises(TransitionNotAllowed):
        feedback_submit(summary=published, text="还在吗", client_ip="203.0.113.5")
    assert not PublicFeedback.objects.exists()


def _category():
    return FindingCategory.objects.get(code="work_discipline")


def test_feedback_becomes_a_public_feedback_finding_once(published, supervisor):
    feedback = feedback_submit(summary=published, text="窗口仍有民警玩手机", client_ip="203.0.113.5")
    # when
    finding = feedback_to_finding(actor=supervisor, feedback=feedback, category=_category(), severity="general")
    # then
    assert finding.source == Finding.Source.PUBLIC_FEEDBACK
    assert finding.unit == published.unit
    assert finding.description == "窗口仍有民警玩手机"
    assert finding.found_on == timezone.localdate()
    feedback.refresh_from_db()
    assert feedback.status == PublicFeedback.Status.TURNED_INTO_FINDING
    assert feedback.finding == finding
    assert feedback.handled_by == supervisor
    assert AuditEvent.objects.filter(action="public_feedback.to_finding").count() == 1
    # a second time is refused and creates nothing
    with pytest.raises(TransitionNotAllowed):
        feedback_to_finding(actor=supervisor, feedback=feedback, category=_category(), severity="general")
    assert Finding.objects.filter(source=Finding.Source.PUBLIC_FEEDBACK).count() == 1


def test_only_a_supervisor_turns_feedback_into_a_finding(published, discipline_inspector, brigade_leader):
    feedback = feedback_submit(summary=published, text="意见", client_ip="203.0.113.5")
    for user in (discipline_inspector, brigade_leader):
        with pytest.raises(NotPermitted):
            feedback_to_finding(actor=user, feedback=feedback, category=_category(), severity="general")
    feedback.refresh_from_db()
    assert feedback.status == PublicFeedback.Status.NEW
    assert not Finding.objects.filter(source=Finding.Source.PUBLIC_FEEDBACK).exists()


def test_dismissing_needs_a_reason(published, supervisor):
    feedback = feedback_submit(summary=published, text="无关内容", client_ip="203.0.113.5")
    with pytest.raises(DomainError) as error:
        feedback_dismiss(actor=supervisor, feedback=feedback, reason=" ")
    assert error.value.field == "reason"
    feedback_dismiss(actor=supervisor, feedback=feedback, reason="与整改无关")
    feedback.refresh_from_db()
    assert feedback.status == PublicFeedback.Status.DISMISSED
    assert feedback.dismissal_reason == "与整改无关"
    with pytest.raises(TransitionNotAllowed):
        feedback_dismiss(actor=supervisor, feedback=feedback, reason="再次")
    assert AuditEvent.objects.filter(action="public_feedback.dismiss").count() == 1
