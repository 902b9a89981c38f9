"""Sending in-app notifications. Idempotent by key: the same key reaches a recipient once."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from core.models import Notification


@dataclass(frozen=True)
class Message:
    key: str
    title: str
    body: str = ""
    url: str = ""


def notify(*, recipient_ids: Iterable[int], message: Message) -> int:
    """Notify each recipient once per key; returns how many notifications are new."""
    return notify_many([(recipient_id, message) for recipient_id in set(recipient_ids)])


def notify_many(pairs: Iterable[tuple[int, Message]]) -> int:
    rows = [
        Notification(recipient_id=recipient_id, key=m.key[:150], title=m.title[:200], body=m.body, url=m.url[:255])
        for recipient_id, m in pairs
    ]
    if not rows:
        return 0
    keys = {(row.recipient_id, row.key) for row in rows}
    existing = set(
        Notification.objects.filter(recipient_id__in={r for r, _k in keys}, key__in={k for _r, k in keys}).values_list(
            "recipient_id", "key"
        )
    )
    new_rows = [row for row in rows if (row.recipient_id, row.key) not in existing]
    # ignore_conflicts: a concurrent sender with the same key loses quietly instead of failing.
    Notification.objects.bulk_create(new_rows, ignore_conflicts=True, batch_size=1000)
    if new_rows and settings.NOTIFY_BY_EMAIL:
        from core.tasks import notification_email_task

        transaction.on_commit(notification_email_task.delay)
    return len(new_rows)
