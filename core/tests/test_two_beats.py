"""Two beat processes by mistake: every periodic job run twice AT ONCE (two threads, two database
connections, as two workers fed by two beats would) ends in the same state as one run, with no
duplicated alerts, notifications, escalations, hits or lists, and neither run fails with an integrity
error. Then a third run changes nothing (idempotent per period). On SQLite and PostgreSQL."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.db.models import Count

from core.models import Notification
from rectification.models import RectificationItem
from rectification.tasks import deadline_scan_task
from risk.breaker_tasks import breakers_run_task
from risk.models import Alert, Assessment, CircuitBreak, ModelHit, RiskScore
from risk.tasks import assessment_run_task
from risk.tests.factories import LOW_THRESHOLDS, MONTH, clerks_deleting_records

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def twice_at_once(task, *args):
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def run(index):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = task(*args)
        except Exception as error:  # inspected below
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return outcomes


def assert_clean(outcomes):
    """Both runs finished, or the loser stopped with a clean domain refusal (never an integrity error)."""
    from core.errors import DomainError

    assert any(not isinstance(o, Exception) for o in outcomes), outcomes
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            assert isinstance(outcome, DomainError), repr(outcome)


def duplicated_notification_keys():
    return list(Notification.objects.exclude(key="").values("key", "recipient").annotate(n=Count("id")).filter(n__gt=1))


def risk_state():
    return (
        Assessment.objects.count(),
        sorted(ModelHit.objects.values_list("model__code", "subject_key", "count")),
        sorted(RiskScore.objects.values_list("subject_kind", "subject_id", "index")),
        sorted(Alert.objects.values_list("person_id", "grade", "status")),
        Notification.objects.count(),
    )


def test_the_deadline_scan_twice_at_once(open_item):
    # given an item well past its deadline (every rung of the ladder is due)
    RectificationItem.objects.filter(pk=open_item.pk).update(deadline=open_item.deadline - timedelta(days=60))
    day = open_item.deadline.isoformat()

    outcomes = twice_at_once(deadline_scan_task, day)

    assert_clean(outcomes)
    assert duplicated_notification_keys() == []
    after = (Notification.objects.count(), sorted(RectificationItem.objects.values_list("pk", "due_state")))
    assert after[0] > 0
    deadline_scan_task(day)
    assert (Notification.objects.count(), sorted(RectificationItem.objects.values_list("pk", "due_state"))) == after


def test_the_monthly_assessment_twice_at_once(org, settings):
    settings.RISK_ALERT_THRESHOLDS = LOW_THRESHOLDS
    clerks_deleting_records(org.a1)
    month = f"{MONTH:%Y-%m}"

    outcomes = twice_at_once(assessment_run_task, month)

    assert_clean(outcomes)
    state = risk_state()
    assert state[0] == 1 and state[3], state
    assert len(state[3]) == len({person for person, _grade, _status in state[3]})  # one alert per person
    assert duplicated_notification_keys() == []
    assessment_run_task(month)
    assert risk_state() == state


def test_the_breaker_scan_twice_at_once(org):
    from django.utils import timezone

    from risk.tests import factories

    now = timezone.now()
    for n in range(6):
        factories.record(
            unit=org.a1,
            operator=None,
            device_id="dev-shared",
            operator_account=f"acct-{n}",
            client_ip="10.0.0.9",
            accepted_at=now - timedelta(minutes=2 * n + 1),
        )

    outcomes = twice_at_once(breakers_run_task)

    assert_clean(outcomes)
    breaks = list(CircuitBreak.objects.values_list("scope_kind", "scope_key"))
    assert breaks == [("device", "dev-shared")]
    assert duplicated_notification_keys() == []
    before = Notification.objects.count()
    breakers_run_task()
    assert list(CircuitBreak.objects.values_list("scope_kind", "scope_key")) == breaks
    assert Notification.objects.count() == before
