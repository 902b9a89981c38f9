"""Reminders and escalation for the daily deadline scan, addressed set-based.

Each batch of items is read once, its recipients are resolved per unit (not per item), the
notifications are inserted in bulk, and the items are marked so the next run skips them.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import Role, Unit
from accounts.selectors import role_holders_by_unit
from core.notifications import Message, notify_many
from rectification.models import EscalationStep, RectificationItem

Item = RectificationItem
_BATCH = 2000


def _open_items():
    return Item.objects.filter(status=Item.Status.OPEN)


def _rows(queryset):
    return list(queryset.values("pk", "unit_id", "deadline", "problem", "responsible_person__user_id")[:_BATCH])


def _item_url(pk: int) -> str:
    return f"/rectification/items/{pk}/"


def reminder_messages(*, today: date) -> int:
    """Remind the unit's leader and the responsible person once per deadline: due soon, overdue."""
    sent = 0
    for due_state, marker, title in (
        (Item.DueState.DUE_SOON, "due_soon_notified_for", _("Rectification item due soon (%(deadline)s)")),
        (Item.DueState.OVERDUE, "overdue_notified_for", _("Rectification item overdue since %(deadline)s")),
    ):
        while True:
            rows = _rows(_open_items().filter(due_state=due_state).exclude(**{marker: F("deadline")}))
            if not rows:
                break
            leaders = role_holders_by_unit((Role.UNIT_LEADER,), {row["unit_id"] for row in rows}, exact=True)
            pairs = []
            for row in rows:
                message = Message(
                    key=f"item:{row['pk']}:{due_state}:{row['deadline']}",
                    title=title % {"deadline": row["deadline"]},
                    body=row["problem"][:200],
                    url=_item_url(row["pk"]),
                )
                recipients = set(leaders.get(row["unit_id"], ()))
                if row["responsible_person__user_id"]:
                    recipients.add(row["responsible_person__user_id"])
                pairs += [(recipient, message) for recipient in recipients]
            sent += notify_many(pairs)
            # One UPDATE per distinct deadline, not per item.
            by_deadline: dict[date, list[int]] = {}
            for row in rows:
                by_deadline.setdefault(row["deadline"], []).append(row["pk"])
            for deadline, ids in by_deadline.items():
                Item.objects.filter(pk__in=ids).update(**{marker: deadline})
    return sent


def _targets(step: EscalationStep, unit_ids: set[int]) -> dict[int, set[int]]:
    """Recipients per unit for one rung of the ladder."""
    if step.target == EscalationStep.Target.UNIT_LEADER:
        return role_holders_by_unit((Role.UNIT_LEADER,), unit_ids, exact=True)
    if step.target == EscalationStep.Target.SUPERIOR_UNIT:
        parents = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "parent_id"))
        by_parent = role_holders_by_unit((Role.UNIT_LEADER,), {p for p in parents.values() if p}, exact=True)
        return {unit_id: by_parent.get(parent_id, set()) for unit_id, parent_id in parents.items()}
    if step.target == EscalationStep.Target.SUPERVISION_AND_PARTY:
        centre = Unit.objects.filter(code=settings.SUPERVISION_CENTRE_UNIT_CODE).first()
        supervisors = (
            role_holders_by_unit((Role.SUPERVISOR,), {centre.pk}, exact=True).get(centre.pk, set()) if centre else set()
        )
        party = role_holders_by_unit((Role.PARTY_SECRETARY,), unit_ids)
        return {unit_id: supervisors | party.get(unit_id, set()) for unit_id in unit_ids}
    return role_holders_by_unit((Role.COMMITTEE,), unit_ids)


def escalation_messages(*, today: date) -> tuple[int, int]:
    """Raise overdue items up the ladder; returns (items escalated, notifications sent)."""
    escalated = sent = 0
    for step in EscalationStep.objects.order_by("level"):
        cutoff = today - timedelta(days=step.days_overdue)
        while True:
            rows = _rows(_open_items().filter(deadline__lte=cutoff, escalation_level__lt=step.level))
            if not rows:
                break
            targets = _targets(step, {row["unit_id"] for row in rows})
            pairs = []
            for row in rows:
                message = Message(
                    key=f"item:{row['pk']}:escalation:{step.level}:{row['deadline']}",
                    title=_("Escalated (level %(level)d): item overdue since %(deadline)s")
                    % {"level": step.level, "deadline": row["deadline"]},
                    body=row["problem"][:200],
                    url=_item_url(row["pk"]),
                )
                pairs += [(recipient, message) for recipient in targets.get(row["unit_id"], ())]
            sent += notify_many(pairs)
            escalated += Item.objects.filter(pk__in=[row["pk"] for row in rows]).update(escalation_level=step.level)
    return escalated, sent
