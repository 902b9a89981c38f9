"""Writing and verifying the hash-chained operation log."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import models, transaction
from django.utils import timezone

from audit.context import current_ip
from audit.models import AuditChainHead, AuditCheck, AuditEvent

GENESIS_HASH = "0" * 64
_HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_name",
    "ip_address",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "unit_id",
    "changes",
    "outcome",
    "note",
    "prev_hash",
)


def _normalise(value):
    """JSON-safe and stable across SQLite and PostgreSQL (jsonb) round trips: scalars become strings."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False, sort_keys=True))


def _event_hash(fields: dict) -> str:
    payload = dict(fields)
    occurred_at = payload["occurred_at"]
    payload["occurred_at"] = (
        occurred_at.astimezone(UTC).isoformat() if isinstance(occurred_at, datetime) else occurred_at
    )
    text = json.dumps(
        [payload[name] for name in _HASHED_FIELDS],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def model_snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, str | None]:
    """The instance's concrete field values as strings, for before/after records."""
    snapshot = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"password"}:
            continue
        value = getattr(instance, field.attname)
        snapshot[field.name] = None if value is None else str(value)
    return snapshot


def snapshot_diff(before: dict, after: dict) -> dict[str, dict]:
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    unit_id: int | None = None,
    changes: dict | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    note: str = "",
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event to the chain. Runs inside the caller's transaction, so a rolled-back change
    leaves no event behind, and a committed change always has its event."""
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
        object_repr = object_repr or str(target)[:255]
    actor = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        # The lock serialises writers so the chain never forks (SQLite's IMMEDIATE transactions do
        # the same there; select_for_update is a no-op on SQLite).
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:  # an emptied database (tests flush tables): start a new chain
            AuditChainHead.objects.bulk_create([AuditChainHead(pk=1)], ignore_conflicts=True)
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        fields = {
            "seq": head.last_seq + 1,
            "occurred_at": timezone.now(),
            "actor_id": actor.pk if actor else None,
            "actor_name": actor.get_username() if actor else "system",
            "ip_address": ip_address or current_ip.get(),
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "object_repr": object_repr[:255],
            "unit_id": unit_id,
            "changes": _normalise(changes or {}),
            "outcome": outcome,
            "note": note,
            "prev_hash": head.last_hash,
        }
        event = AuditEvent(**fields, hash=_event_hash(fields))
        event.save()
        AuditChainHead.objects.filter(pk=1).update(last_seq=event.seq, last_hash=event.hash)
    return event


@dataclass(frozen=True)
class ChainReport:
    is_intact: bool
    events_checked: int
    first_bad_seq: int | None
    message: str


def audit_chain_verify() -> ChainReport:
    """Walk the chain in order and report the first altered, broken or missing link."""
    expected_seq, expected_prev, checked = 1, GENESIS_HASH, 0
    rows = AuditEvent.objects.order_by("seq").values(*_HASHED_FIELDS, "hash")
    for row in rows.iterator(chunk_size=5000):
        seq = row["seq"]
        if seq != expected_seq:
            return ChainReport(
                False, checked, expected_seq, f"event #{expected_seq} is missing (next present is #{seq})"
            )
        if row["prev_hash"] != expected_prev:
            return ChainReport(
                False, checked, seq, f"link broken before event #{seq}: previous event altered or replaced"
            )
        stored_hash = row.pop("hash")
        if _event_hash(row) != stored_hash:
            return ChainReport(False, checked, seq, f"event #{seq} was altered after it was written")
        expected_prev, expected_seq, checked = stored_hash, seq + 1, checked + 1
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(pk=1)
    if head.last_seq != checked or head.last_hash != expected_prev:
        return ChainReport(
            False, checked, checked + 1, f"events after #{checked} are missing (the chain head names #{head.last_seq})"
        )
    return ChainReport(True, checked, None, f"{checked} events, chain intact")


def audit_check_run(*, on_date) -> AuditCheck:
    """Verify the chain and keep the day's result; running it again the same day updates that row."""
    report = audit_chain_verify()
    check, _created = AuditCheck.objects.update_or_create(
        check_date=on_date,
        defaults={
            "checked_at": timezone.now(),
            "events_checked": report.events_checked,
            "is_intact": report.is_intact,
            "message": report.message,
        },
    )
    return check
