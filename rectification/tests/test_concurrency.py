"""Concurrent identical transitions: exactly one wins, the others get 409; document numbers stay
unique and gapless. Real threads with their own database connections, on SQLite and PostgreSQL."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from core.errors import TransitionNotAllowed
from rectification import services
from rectification.models import ItemReview, RectificationItem, RectificationNotice

# serialized_rollback: a transactional test empties the tables; this restores the reference rows
# that migrations created (categories, business areas, deadline rules).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_concurrently(count: int, work) -> list:
    """Start `count` threads together; each runs work(index) and records its result or exception."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def runner(index):
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as error:  # the test inspects every outcome
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_twenty_concurrent_verifications_one_success(submitted_item, supervisor):
    # when twenty verifications of the same item arrive at once
    def verify(_index):
        item = RectificationItem.objects.get(pk=submitted_item.pk)
        return services.item_verify(actor=supervisor, item=item, accept=True, comment="同意销号")

    results = run_concurrently(20, verify)
    # then exactly one succeeds and nineteen are refused with the current status
    successes = [r for r in results if isinstance(r, RectificationItem)]
    conflicts = [r for r in results if isinstance(r, TransitionNotAllowed)]
    assert len(successes) == 1, results
    assert len(conflicts) == 19, results
    assert {c.current_status for c in conflicts} == {RectificationItem.Status.CLOSED}
    assert ItemReview.objects.filter(item=submitted_item).count() == 1


def test_concurrent_issuing_gives_unique_gapless_numbers(org, supervisor, finding_a1, party_secretary, business_lead):
    drafts = [
        services.notice_create(
            actor=supervisor,
            unit=org.a1,
            findings=[finding_a1],
            title=f"通知{n}",
            requirements="整改",
            deadline=timezone.localdate() + timedelta(days=20),
        )
        for n in range(12)
    ]

    def issue(index):
        notice = RectificationNotice.objects.get(pk=drafts[index].pk)
        return services.notice_issue(actor=supervisor, notice=notice).doc_number

    results = run_concurrently(len(drafts), issue)
    assert sorted(results) == list(range(1, 13)), results
    assert connection.vendor in {"sqlite", "postgresql"}
