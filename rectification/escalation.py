"""Reminders and escalation for the daily deadline scan, set-based.

The recipients are resolved per unit (never per item: the organisation is small, the items are
many) and travel into the database as a VALUES list; each class of notification is then ONE
`INSERT … SELECT … ON CONFLICT DO NOTHING` over the items (keys make it idempotent, as
core.notifications does), and each class of marking ONE UPDATE. A first scan over 100,000 open
items costs the same dozen statements as a quiet day's scan (bench B7: the row-by-row version
spent 4 times the raw-SQL limit building messages in Python).

Runs on PostgreSQL and SQLite alike (CTE with VALUES, `||`, SUBSTR, ON CONFLICT). Keys and titles
carry the deadline as the database writes a date: ISO 8601 on both (PostgreSQL's default
DateStyle, SQLite's text dates), exactly as `str(date)` in Python.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Person, Role, Unit
from accounts.selectors import role_holders_by_unit
from core.models import Notification
from rectification.models import EscalationStep, RectificationItem

Item = RectificationItem
ITEM_URL = "/rectification/items/{pk}/"


def _item_url(pk: int) -> str:
    return ITEM_URL.format(pk=pk)


def _recipients(name: str, pairs: dict[int, set[int]]) -> str:
    """A CTE `name(unit_id, user_id)` of the recipients per unit. The ids are integers read from
    the database, written in as literals (a parameter per id would hit SQLite's limits)."""
    rows = [
        f"({int(unit_id)}, {int(user_id)})" for unit_id, users in sorted(pairs.items()) for user_id in sorted(users)
    ]
    if not rows:
        return f"{name}(unit_id, user_id) AS (SELECT CAST(NULL AS BIGINT), CAST(NULL AS BIGINT) WHERE 1 = 0)"
    return f"{name}(unit_id, user_id) AS (VALUES {', '.join(rows)})"


def _insert(ctes: str, select: str, params: list) -> int:
    """INSERT the notifications `select` yields (recipient, key, title, body, url), once per key."""
    notifications = connection.ops.quote_name(Notification._meta.db_table)
    # INSERT first (its WITH inside): Python's sqlite3 reports the rowcount of INSERT statements only.
    sql = (
        f"INSERT INTO {notifications} (recipient_id, {connection.ops.quote_name('key')}, title, body, url, created_at)"  # noqa: S608
        f" WITH {ctes} SELECT recipient, note_key, title, body, url, %s FROM ({select}) notes WHERE 1 = 1"
        f" ON CONFLICT (recipient_id, {connection.ops.quote_name('key')}) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), *params])
        sent = max(cursor.rowcount, 0)
    if sent and settings.NOTIFY_BY_EMAIL:
        from core.tasks import notification_email_task

        transaction.on_commit(notification_email_task.delay)
    return sent


def _columns(kind: str) -> str:
    """key, title (prefix || deadline || suffix, two parameters), body and url of an item's note."""
    return (
        f"'item:' || i.id || ':{kind}:' || i.deadline AS note_key, %s || i.deadline || %s AS title,"
        " SUBSTR(i.problem, 1, 200) AS body, '/rectification/items/' || i.id || '/' AS url"
    )


def _title_parts(template: str, **values) -> list[str]:
    """The title around its deadline: ("… since ", "") for "… since %(deadline)s"."""
    marker = "\x00"
    prefix, suffix = (template % {**values, "deadline": marker}).split(marker)
    return [prefix, suffix]


def _tables() -> tuple[str, str]:
    quote = connection.ops.quote_name
    return quote(Item._meta.db_table), quote(Person._meta.db_table)


def reminder_messages(*, today: date) -> int:
    """Remind the unit's leader and the responsible person once per deadline: due soon, overdue."""
    items, persons = _tables()
    unit_ids = set(Unit.objects.values_list("pk", flat=True))
    leaders = _recipients("leaders", role_holders_by_unit((Role.UNIT_LEADER,), unit_ids, exact=True))
    sent = 0
    for due_state, marker, template in (
        (Item.DueState.DUE_SOON, "due_soon_notified_for", _("Rectification item due soon (%(deadline)s)")),
        (Item.DueState.OVERDUE, "overdue_notified_for", _("Rectification item overdue since %(deadline)s")),
    ):

        def pending(alias: str = "i.", due_state=due_state, marker=marker) -> str:
            return (
                f"{alias}status = '{Item.Status.OPEN}' AND {alias}due_state = '{due_state}'"
                f" AND ({alias}{marker} IS NULL OR {alias}{marker} <> {alias}deadline)"
            )

        title = _title_parts(template)
        select = (
            f"SELECT l.user_id AS recipient, {_columns(due_state)} FROM {items} i"  # noqa: S608
            f" JOIN leaders l ON l.unit_id = i.unit_id WHERE {pending()}"
            f" UNION SELECT p.user_id AS recipient, {_columns(due_state)} FROM {items} i"
            f" JOIN {persons} p ON p.id = i.responsible_person_id WHERE {pending()} AND p.user_id IS NOT NULL"
        )
        sent += _insert(leaders, select, title + title)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {items} SET {marker} = deadline WHERE {pending('')}")  # noqa: S608
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
    """Raise overdue items up the ladder: every rung an item has reached and not yet been escalated
    to notifies that rung's recipients (one INSERT per rung), then one UPDATE sets each item to the
    highest rung it has reached. Returns (items escalated, notifications sent)."""
    items, _persons = _tables()
    steps = list(EscalationStep.objects.order_by("level"))
    if not steps:
        return 0, 0
    unit_ids = set(Unit.objects.values_list("pk", flat=True))
    sent = 0
    for step in steps:
        cutoff = today - timedelta(days=step.days_overdue)
        select = (
            f"SELECT t.user_id AS recipient, {_columns(f'escalation:{int(step.level)}')} FROM {items} i"  # noqa: S608
            f" JOIN targets t ON t.unit_id = i.unit_id WHERE i.status = '{Item.Status.OPEN}'"
            f" AND i.deadline <= %s AND i.escalation_level < {int(step.level)}"
        )
        title = _title_parts(_("Escalated (level %(level)d): item overdue since %(deadline)s"), level=step.level)
        sent += _insert(_recipients("targets", _targets(step, unit_ids)), select, [*title, cutoff])
    # The highest rung reached, in one UPDATE (a CASE from the top rung down).
    rungs = [(step.level, today - timedelta(days=step.days_overdue)) for step in steps]
    level = " ".join(f"WHEN deadline <= %s THEN {int(number)}" for number, _cutoff in reversed(rungs))
    cutoffs = [cutoff for _number, cutoff in reversed(rungs)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {items} SET escalation_level = CASE {level} ELSE escalation_level END"  # noqa: S608
            f" WHERE status = '{Item.Status.OPEN}' AND deadline <= %s"
            f" AND escalation_level < CASE {level} ELSE escalation_level END",
            [*cutoffs, max(cutoff for _n, cutoff in rungs), *cutoffs],
        )
        escalated = max(cursor.rowcount, 0)
    return escalated, sent
