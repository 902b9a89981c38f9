"""The daily deadline scan: yellow, red, reminders, the escalation ladder, and idempotency."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command

from accounts.models import DataScope, Role
from audit.models import AuditEvent
from conftest import make_persona
from core.models import Notification
from rectification.models import RectificationItem
from rectification.services import deadline_scan, item_request_create, item_request_decide

pytestmark = pytest.mark.django_db
Item = RectificationItem
TODAY = date(2026, 11, 23)  # a Monday


def set_deadline(item, deadline):
    Item.objects.filter(pk=item.pk).update(deadline=deadline)
    item.refresh_from_db()
    return item


def keys_for(user):
    return set(Notification.objects.filter(recipient=user).values_list("key", flat=True))


def test_due_within_three_working_days_is_yellow_and_reminded(open_item, squad_leader):
    set_deadline(open_item, date(2026, 11, 26))  # Thursday: 3 working days ahead
    result = deadline_scan(today=TODAY)
    open_item.refresh_from_db()
    assert open_item.due_state == Item.DueState.DUE_SOON
    assert result.marked_due_soon == 1
    assert f"item:{open_item.pk}:due_soon:2026-11-26" in keys_for(squad_leader)


def test_four_working_days_ahead_is_on_schedule(open_item):
    set_deadline(open_item, date(2026, 11, 27))
    deadline_scan(today=TODAY)
    open_item.refresh_from_db()
    assert open_item.due_state == Item.DueState.NORMAL


def test_past_deadline_is_red_with_days_overdue(open_item, squad_leader):
    set_deadline(open_item, date(2026, 11, 20))
    deadline_scan(today=TODAY)
    open_item.refresh_from_db()
    assert open_item.due_state == Item.DueState.OVERDUE
    assert open_item.days_overdue(TODAY) == 3
    assert f"item:{open_item.pk}:overdue:2026-11-20" in keys_for(squad_leader)


def test_submitted_and_closed_items_are_not_marked(submitted_item):
    set_deadline(submitted_item, date(2026, 11, 1))
    deadline_scan(today=TODAY)
    submitted_item.refresh_from_db()
    assert submitted_item.due_state == Item.DueState.NORMAL


def test_escalation_climbs_the_ladder(
    org, open_item, squad_leader, brigade_leader, party_secretary, committee_member, settings
):
    centre = make_persona("centre", Role.SUPERVISOR, org.jcs, DataScope.ALL)
    settings.SUPERVISION_CENTRE_UNIT_CODE = "JCS"
    # 3 days overdue: unit leader (level 1) and the superior unit's leader (level 2)
    set_deadline(open_item, TODAY - timedelta(days=3))
    deadline_scan(today=TODAY)
    open_item.refresh_from_db()
    assert open_item.escalation_level == 2
    assert any(k.startswith(f"item:{open_item.pk}:escalation:1:") for k in keys_for(squad_leader))
    assert any(k.startswith(f"item:{open_item.pk}:escalation:2:") for k in keys_for(brigade_leader))
    assert not keys_for(committee_member)
    # ten days overdue (scanned later): the supervision centre, the party organisation, the committee
    deadline_scan(today=TODAY + timedelta(days=7))
    open_item.refresh_from_db()
    assert open_item.escalation_level == 4
    assert any(k.startswith(f"item:{open_item.pk}:escalation:3:") for k in keys_for(centre))
    assert any(k.startswith(f"item:{open_item.pk}:escalation:3:") for k in keys_for(party_secretary))
    assert any(k.startswith(f"item:{open_item.pk}:escalation:4:") for k in keys_for(committee_member))


def test_running_twice_on_the_same_day_sends_nothing_twice(open_item, brigade_leader):
    set_deadline(open_item, TODAY - timedelta(days=4))
    first = deadline_scan(today=TODAY)
    counts = (Notification.objects.count(), AuditEvent.objects.count())
    second = deadline_scan(today=TODAY)
    assert first.notifications > 0 and first.marked_overdue == 1
    assert (second.notifications, second.marked_overdue, second.escalations) == (0, 0, 0)
    assert (Notification.objects.count(), AuditEvent.objects.count()) == counts


def test_an_approved_extension_restarts_reminders_and_escalation(open_item, squad_leader, supervisor):
    set_deadline(open_item, TODAY - timedelta(days=4))
    deadline_scan(today=TODAY)
    new_deadline = TODAY + timedelta(days=2)
    request = item_request_create(
        actor=squad_leader, item=open_item, kind="extension", reason="r", new_deadline=new_deadline
    )
    item_request_decide(actor=supervisor, request=request, approve=True)
    deadline_scan(today=TODAY)
    open_item.refresh_from_db()
    assert open_item.escalation_level == 0
    assert open_item.due_state == Item.DueState.DUE_SOON
    assert f"item:{open_item.pk}:due_soon:{new_deadline}" in keys_for(squad_leader)


def test_scan_is_set_based(org, acknowledged_notice, squad_leader, django_assert_max_num_queries):
    from accounts.tests.factories import PersonFactory
    from rectification.services import item_create

    person = PersonFactory(unit=org.a1)
    for n in range(30):
        item = item_create(
            actor=squad_leader,
            notice=acknowledged_notice,
            problem=f"问题{n}",
            measures="m",
            responsible_department=org.a1,
            responsible_person=person,
            responsible_leader=person,
            deadline=acknowledged_notice.deadline,
        )
        set_deadline(item, TODAY - timedelta(days=n % 12))
    # a fixed number of statements whatever the number of items (batches of 2000)
    with django_assert_max_num_queries(80):
        deadline_scan(today=TODAY)


def _overdue_items(org, notice, actor, count: int) -> None:
    from accounts.tests.factories import PersonFactory
    from rectification.services import item_create

    person = PersonFactory(unit=org.a1)
    for n in range(count):
        item = item_create(
            actor=actor,
            notice=notice,
            problem=f"问题{n}",
            measures="m",
            responsible_department=org.a1,
            responsible_person=person,
            responsible_leader=person,
            deadline=notice.deadline,
        )
        set_deadline(item, TODAY - timedelta(days=n % 12) + timedelta(days=2))


def _unscanned() -> None:
    Item.objects.update(due_state=Item.DueState.NORMAL, escalation_level=0, overdue_notified_for=None)
    Item.objects.update(due_soon_notified_for=None)
    Notification.objects.all().delete()


def test_the_scan_costs_the_same_statements_for_2_items_and_for_30(
    org, acknowledged_notice, squad_leader, brigade_leader
):
    """Pinned after bench B7: one INSERT … SELECT per class of notification and one UPDATE per class
    of marking, whatever the number of items (the row-by-row version grew with the items)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given: 2 items due soon or overdue, scanned once
    _overdue_items(org, acknowledged_notice, squad_leader, 2)
    _unscanned()
    with CaptureQueriesContext(connection) as few:
        deadline_scan(today=TODAY)
    notified_few = Notification.objects.count()

    # when: 30 items in every state (due soon, overdue by 1 to 10 days), scanned from scratch
    _overdue_items(org, acknowledged_notice, squad_leader, 28)
    _unscanned()
    with CaptureQueriesContext(connection) as many:
        result = deadline_scan(today=TODAY)

    # then
    assert len(few) == len(many) <= 40, (len(few), len(many))
    assert Notification.objects.count() == result.notifications > notified_few
    assert Item.objects.filter(due_state=Item.DueState.OVERDUE, overdue_notified_for__isnull=False).count() == (
        result.marked_overdue
    )
    assert Item.objects.filter(escalation_level=3).exists()


def test_command_scans_a_given_day(open_item, capsys):
    set_deadline(open_item, date(2026, 11, 20))
    call_command("scan_deadlines", "--date", "2026-11-23")
    assert "1 newly overdue" in capsys.readouterr().out


def test_command_rejects_a_bad_date():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("scan_deadlines", "--date", "23/11/2026")


def test_task_runs_the_scan(open_item):
    from rectification.tasks import deadline_scan_task

    set_deadline(open_item, date(2026, 11, 20))
    result = deadline_scan_task.delay("2026-11-23").get()
    assert result["overdue"] == 1
