"""Writes for the organisation and access. Each one is atomic and writes one audit event."""

import hashlib
import secrets
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, DataScope, Person, Position, RoleAssignment, Unit, User
from audit.services import audit_record, model_snapshot, snapshot_diff


def _before(instance) -> dict:
    if instance.pk is None:
        return {}
    fresh = type(instance)._default_manager.filter(pk=instance.pk).first()
    return model_snapshot(fresh) if fresh else {}


def _audited_save(*, actor, instance, unit_id: int | None, note: str = "") -> None:
    before = _before(instance)
    action = "update" if before else "create"
    instance.full_clean()
    instance.save()
    audit_record(
        actor=actor,
        action=f"{instance._meta.model_name}.{action}",
        target=instance,
        unit_id=unit_id,
        changes=snapshot_diff(before, model_snapshot(instance)),
        note=note,
    )


@transaction.atomic
def unit_save(*, actor, unit: Unit) -> Unit:
    """Create or update a unit, keeping the materialised path of it and its subtree right."""
    before = _before(unit)
    old_path = before.get("path") or ""
    parent = Unit.objects.get(pk=unit.parent_id) if unit.parent_id is not None else None
    if parent is not None and old_path and parent.path.startswith(old_path):
        raise ValidationError({"parent": _("A unit cannot be moved under itself or one of its sub-units.")})
    unit.full_clean(exclude=["path"])
    if unit.pk is None:
        unit.path = "/pending/"
        unit.save()
    new_path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.path = new_path
    unit.save()
    if old_path and old_path != new_path:
        # Move the whole subtree in one statement.
        Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).update(
            path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
        )
    audit_record(
        actor=actor,
        action="unit.update" if before else "unit.create",
        target=unit,
        unit_id=unit.pk,
        changes=snapshot_diff(before, model_snapshot(unit)),
    )
    return unit


@transaction.atomic
def person_save(*, actor, person: Person) -> Person:
    _audited_save(actor=actor, instance=person, unit_id=person.unit_id)
    return person


def _check_position(position: Position) -> None:
    if position.end_date and position.end_date < position.start_date:
        raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
    overlapping = (
        Position.objects.filter(person_id=position.person_id, unit_id=position.unit_id, level=position.level)
        .exclude(pk=position.pk)
        .filter(start_date__lte=position.end_date or date.max)
        .exclude(end_date__lt=position.start_date)
    )
    if overlapping.exists():
        raise ValidationError(
            {"start_date": _("This person already holds this position level in this unit during these dates.")}
        )


@transaction.atomic
def position_save(*, actor, position: Position, in_charge_of: list[Unit] | None = None) -> Position:
    _check_position(position)
    _audited_save(actor=actor, instance=position, unit_id=position.unit_id)
    if in_charge_of is not None:
        position.in_charge_of.set(in_charge_of)
    return position


@transaction.atomic
def position_end(*, actor, position: Position, end_date: date) -> Position:
    position.end_date = end_date
    return position_save(actor=actor, position=position)


@transaction.atomic
def role_assign(*, actor, user: User, role: str, scope: str, unit: Unit) -> RoleAssignment:
    if scope not in DataScope.values:
        raise ValidationError({"scope": _("Unknown data scope.")})
    assignment, _created = RoleAssignment.objects.get_or_create(
        user=user, role=role, unit=unit, defaults={"scope": scope}
    )
    before = model_snapshot(assignment) if not _created else {}
    assignment.scope, assignment.is_active = scope, True
    assignment.save(update_fields=["scope", "is_active"])
    audit_record(
        actor=actor,
        action="role_assignment.grant",
        target=assignment,
        unit_id=unit.pk,
        changes=snapshot_diff(before, model_snapshot(assignment)),
    )
    return assignment


@transaction.atomic
def role_assignment_save(*, actor, assignment: RoleAssignment) -> RoleAssignment:
    _audited_save(actor=actor, instance=assignment, unit_id=assignment.unit_id)
    return assignment


@transaction.atomic
def user_set_language(*, actor, user: User, language: str) -> User:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Unknown language.")})
    if user.preferred_language != language:
        before = user.preferred_language
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
        audit_record(
            actor=actor,
            action="user.set_language",
            target=user,
            changes={"preferred_language": {"before": before, "after": language}},
        )
    return user


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


@transaction.atomic
def api_token_issue(*, user: User) -> tuple[ApiToken, str]:
    """Issue a token; the raw key is returned once and only its hash is kept."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, key_hash=_token_hash(key), prefix=key[:8], expires_at=timezone.now() + settings.API_TOKEN_TTL
    )
    audit_record(actor=user, action="api_token.issue", target=token, note=f"expires {token.expires_at:%Y-%m-%d}")
    return token, key


def api_token_lookup(key: str, **annotations) -> ApiToken | None:
    """The live token of this key with its user, or None. `annotations` ride along in the same query
    (the token authentication asks whether a circuit break suspends the user)."""
    try:
        key_hash = _token_hash(key)
    except UnicodeEncodeError:
        return None
    # The key hash is unique: no ORDER BY (as .first() would add) for at most one row.
    found = (
        ApiToken.objects.select_related("user")
        .annotate(**annotations)
        .filter(key_hash=key_hash, revoked_at__isnull=True, expires_at__gt=timezone.now())[:1]
    )
    return next(iter(found), None)


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> None:
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()) == 1:
        audit_record(actor=actor, action="api_token.revoke", target=token)
