"""The circuit breaker (预警熔断): the scan every five minutes, the restore workflow and the allowlist.

The scan (`breakers_run`)
- looks only at business records with an id above the watermark (BreakerWatermark, one row), in
  bounded batches of ids; each batch is one transaction that locks the watermark row, runs every
  active breaker model over the batch, creates the breaks and advances the watermark to the batch's
  last id with a conditional UPDATE. Nothing is scanned twice, nothing is skipped on a crash (the
  breaks and the watermark commit together), and two concurrent runs cannot take the same batch;
- ignores, within a batch, records accepted more than RISK_BREAKER_HORIZON_HOURS (default 24) before
  now: a back-filled import of last month is history for the monthly assessment, not a reason to
  suspend somebody today. They are still passed by the watermark;
- for each trip creates a CircuitBreak unless an active one (active or restore requested) exists for
  the scope (the partial unique constraint one_active_break_per_scope decides races: the loser's
  insert fails in its savepoint and is skipped) or an allowlist entry covers the scope beyond now.
  For the allowlist a business account and the platform user of the same name are one scope;
- notifies at once, in the same transaction, the unit leaders whose scope covers the break's unit
  and the supervisors of the supervision centre (SUPERVISION_CENTRE_UNIT_CODE; when it has none,
  every supervisor covering the unit), and audits every trip.

Scope: a device rule suspends the device; an account rule suspends the platform user whose username
is the account (it can then neither sign in nor use its API token), else the business account.

Restore (CircuitBreak.Status):
    active -> restore_requested       breaker_restore_request, a unit leader of the break's unit
    restore_requested -> restored     breaker_restore_decide(approve=True), a supervisor for the unit
    restore_requested -> active       breaker_restore_decide(approve=False, comment required)
The decider is never the requester. A restore request does not lift the suspension: only approval
does. Each step claims its transition with a conditional UPDATE (409 naming the status otherwise),
writes an audit event and notifies.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, Unit, User
from accounts.selectors import role_holders_by_unit, user_has_role, user_has_role_for_unit
from audit.services import audit_record
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from core.notifications import Message, notify, notify_many
from risk.models import AllowlistEntry, BreakerWatermark, BusinessRecord, CircuitBreak, RestoreRequest, RiskModel
from risk.rules import REGISTRY, Hit
from risk.services import risk_models_sync

logger = logging.getLogger(__name__)

# Each batch counts the windows of every subject it holds over the whole horizon: a subject in five
# batches is counted five times. 100,000 records per batch (one transaction, about a second at full
# scale) scan a typical 15-minute intake in one pass (bench B2: 1.23 s in batches of 20,000, 0.94 s).
BATCH_SIZE = 100_000
MAX_BATCHES_PER_RUN = 20  # a backlog larger than two million records is worked off over several runs
DEFAULT_HORIZON_HOURS = 24
ALLOWLIST_ROLES = (Role.SUPERVISOR, Role.ADMIN)
# A business account and the platform user of the same name are the same person.
_PERSON_SCOPES = (CircuitBreak.ScopeKind.ACCOUNT, CircuitBreak.ScopeKind.USER)

Scope = tuple[str, str]


def breaker_url(breaker: CircuitBreak) -> str:
    """The breaker's page (risk.urls "risk:breaker_detail"), for notifications and the workbench."""
    return reverse("risk:breaker_detail", args=[breaker.pk])


def breaker_horizon() -> timedelta:
    return timedelta(hours=getattr(settings, "RISK_BREAKER_HORIZON_HOURS", DEFAULT_HORIZON_HOURS))


# --- the scan ------------------------------------------------------------------------------------------


@dataclass
class BreakerRunResult:
    first_id: int  # the watermark before the run
    last_id: int  # the watermark after it
    batches: int = 0
    scanned: int = 0
    created: list[CircuitBreak] = field(default_factory=list)
    already_active: list[Scope] = field(default_factory=list)
    allowlisted: list[Scope] = field(default_factory=list)
    failed_models: dict[str, str] = field(default_factory=dict)


@dataclass
class _Trip:
    model: RiskModel
    params: dict
    hit: Hit
    scope: Scope
    also: list[dict] = field(default_factory=list)


def _locked_watermark() -> BreakerWatermark:
    """The watermark row, locked until the end of the transaction (created on first use)."""
    BreakerWatermark.objects.bulk_create([BreakerWatermark(pk=1)], ignore_conflicts=True)
    return BreakerWatermark.objects.select_for_update().order_by("pk").first()


def _batch_end(after_id: int, size: int) -> int | None:
    """The id closing the next batch of at most `size` records after `after_id` (None: none new)."""
    newer = BusinessRecord.objects.filter(pk__gt=after_id).order_by("pk").values_list("pk", flat=True)
    end = newer[size - 1 : size].first()
    if end is None:
        end = newer.aggregate(last=Max("pk"))["last"]
    return end


def _breaker_models(result: BreakerRunResult) -> list[tuple[RiskModel, dict]]:
    """The active breaker models with their validated parameters; a model with bad parameters is
    reported and skipped, never allowed to stop the others."""
    models = []
    for model in RiskModel.objects.filter(is_active=True, kind=RiskModel.Kind.BREAKER).order_by("code"):
        rule = REGISTRY.get(model.code)
        if rule is None:
            continue
        try:
            models.append((model, rule.validated_parameters(model.parameters)))
        except ValueError as error:
            result.failed_models[model.code] = str(error)
            logger.error("breaker model %s has bad parameters: %s", model.code, error)
    return models


def breakers_run(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> BreakerRunResult:
    """Scan the records added since the last run, trip the breakers they call for, move the mark."""
    now = now or timezone.now()
    risk_models_sync()
    start = now - breaker_horizon()
    first = BreakerWatermark.objects.order_by("pk").values_list("last_record_id", flat=True).first() or 0
    result = BreakerRunResult(first_id=first, last_id=first)
    models = _breaker_models(result)
    for _batch in range(MAX_BATCHES_PER_RUN):
        with transaction.atomic():
            mark = _locked_watermark()
            low = mark.last_record_id
            high = _batch_end(low, batch_size)
            if high is None:
                BreakerWatermark.objects.filter(pk=mark.pk).update(scanned_at=now)
                result.last_id = low
                break
            batch = BusinessRecord.objects.filter(pk__gt=low, pk__lte=high)
            recent = batch.filter(accepted_at__gte=start)
            trips: list[_Trip] = []
            for model, params in models:
                trips += [
                    _Trip(model, params, hit, ("", "")) for hit in REGISTRY[model.code].run(recent, start, now, params)
                ]
            _trip(trips, now=now, scan=(low, high), result=result)
            result.scanned += batch.count()
            moved = BreakerWatermark.objects.filter(pk=mark.pk, last_record_id=low).update(
                last_record_id=high, scanned_at=now
            )
            if moved != 1:  # cannot happen under the row lock; never commit a batch twice
                raise RuntimeError("the breaker watermark moved during the scan")
            result.batches += 1
            result.last_id = high
    return result


def _resolve_scopes(trips: list[_Trip]) -> None:
    """Device subjects suspend the device; account subjects the platform user of that name, if any."""
    accounts = {t.hit.subject_key for t in trips if t.model.subject_kind != CircuitBreak.ScopeKind.DEVICE}
    usernames = (
        set(User.objects.filter(username__in=accounts).values_list("username", flat=True)) if accounts else set()
    )
    for trip in trips:
        key = trip.hit.subject_key
        if trip.model.subject_kind == CircuitBreak.ScopeKind.DEVICE:
            trip.scope = (CircuitBreak.ScopeKind.DEVICE, key)
        elif key in usernames:
            trip.scope = (CircuitBreak.ScopeKind.USER, key)
        else:
            trip.scope = (CircuitBreak.ScopeKind.ACCOUNT, key)


def _covering(scopes: set[Scope], rows) -> set[Scope]:
    """Which of `scopes` the (kind, key) rows cover; account and user of one name cover each other."""
    rows = set(rows)
    covered = set()
    for kind, key in scopes:
        kinds = _PERSON_SCOPES if kind in _PERSON_SCOPES else (kind,)
        if any((k, key) in rows for k in kinds):
            covered.add((kind, key))
    return covered


def allowlisted_scopes(scopes: set[Scope], *, now: datetime) -> set[Scope]:
    if not scopes:
        return set()
    rows = AllowlistEntry.objects.filter(until__gt=now, scope_key__in={key for _kind, key in scopes}).values_list(
        "scope_kind", "scope_key"
    )
    return _covering(scopes, rows)


def _evidence(trip: _Trip, scan: tuple[int, int]) -> dict:
    hit = trip.hit
    return {
        "model": trip.model.code,
        "subject_kind": trip.model.subject_kind,
        "subject_key": hit.subject_key,
        "count": hit.count,
        "counts": getattr(hit, "counts", {}) or {"records": hit.count},
        "parameters": trip.params,
        "window_start": getattr(hit, "window_start", None),
        "window_end": getattr(hit, "window_end", None),
        "sample_record_ids": list(hit.sample_record_ids),
        "scanned_ids": {"after": scan[0], "up_to": scan[1]},
        "also_tripped": trip.also,
    }


def _trip(trips: list[_Trip], *, now: datetime, scan: tuple[int, int], result: BreakerRunResult) -> None:
    if not trips:
        return
    _resolve_scopes(trips)
    by_scope: dict[Scope, _Trip] = {}
    for trip in trips:  # two models tripping one scope: one break, the second model named in it
        first = by_scope.setdefault(trip.scope, trip)
        if first is not trip:
            first.also.append(
                {"model": trip.model.code, "count": trip.hit.count, "counts": getattr(trip.hit, "counts", {})}
            )
    scopes = set(by_scope)
    allowed = allowlisted_scopes(scopes, now=now)
    active = set(
        CircuitBreak.objects.filter(
            status__in=CircuitBreak.ACTIVE_STATUSES, scope_key__in={key for _kind, key in scopes}
        ).values_list("scope_kind", "scope_key")
    )
    created = []
    for scope in sorted(scopes):
        trip = by_scope[scope]
        if scope in allowed:
            result.allowlisted.append(scope)
            continue
        if scope in active:
            result.already_active.append(scope)
            continue
        try:
            with transaction.atomic():  # a savepoint: losing the race to the unique constraint is fine
                breaker = CircuitBreak.objects.create(
                    scope_kind=scope[0],
                    scope_key=scope[1],
                    unit_id=trip.hit.unit_id,
                    model=trip.model,
                    evidence=_normalised(_evidence(trip, scan)),
                )
        except IntegrityError:
            result.already_active.append(scope)
            continue
        audit_record(
            actor=None,
            action="circuit_break.trip",
            target=breaker,
            unit_id=breaker.unit_id,
            changes={"status": {"before": None, "after": breaker.status}, "evidence": breaker.evidence},
        )
        created.append(breaker)
    _notify_trips(created)
    result.created += created


def _normalised(evidence: dict) -> dict:
    """Datetimes as ISO 8601 text, so the JSON reads the same on SQLite and PostgreSQL."""
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in evidence.items()}


def _centre_supervisors(unit_ids: set[int]) -> dict[int, set[int]]:
    """Per unit, the supervisors of the supervision centre; when the centre has none (or does not
    exist), the supervisors whose scope covers the unit, so that a trip never goes unannounced."""
    centre = Unit.objects.filter(code=settings.SUPERVISION_CENTRE_UNIT_CODE).values_list("pk", flat=True).first()
    centre_ids = role_holders_by_unit((Role.SUPERVISOR,), {centre}, exact=True)[centre] if centre else set()
    if centre_ids:
        return {unit_id: centre_ids for unit_id in unit_ids}
    logger.warning(
        "supervision centre %s has no supervisors: notifying the supervisors of the unit",
        settings.SUPERVISION_CENTRE_UNIT_CODE,
    )
    return role_holders_by_unit((Role.SUPERVISOR,), unit_ids)


def _notify_trips(breakers: list[CircuitBreak]) -> None:
    if not breakers:
        return
    unit_ids = {b.unit_id for b in breakers}
    leaders = role_holders_by_unit((Role.UNIT_LEADER,), unit_ids)
    supervisors = _centre_supervisors(unit_ids)
    unit_names = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    pairs = []
    for breaker in breakers:
        message = Message(
            key=f"circuit-break:{breaker.pk}:trip",
            title=_("Circuit break: %(scope)s %(key)s suspended")
            % {"scope": breaker.get_scope_kind_display(), "key": breaker.scope_key},
            body=_("%(model)s — %(unit)s. Count %(count)s; sample records %(records)s.")
            % {
                "model": breaker.model.name_zh,
                "unit": unit_names.get(breaker.unit_id, ""),
                "count": breaker.evidence.get("count"),
                "records": ", ".join(str(pk) for pk in breaker.evidence.get("sample_record_ids", [])),
            },
            url=breaker_url(breaker),
        )
        recipients = leaders.get(breaker.unit_id, set()) | supervisors.get(breaker.unit_id, set())
        pairs += [(recipient, message) for recipient in recipients]
    notify_many(pairs)


# --- restore -------------------------------------------------------------------------------------------


def _claim(breaker: CircuitBreak, *, allowed_from: tuple[str, ...], to: str, **changes) -> None:
    """Move the break from one of `allowed_from` to `to` atomically, or 409 naming its status."""
    updated = CircuitBreak.objects.filter(pk=breaker.pk, status__in=list(allowed_from)).update(status=to, **changes)
    if updated != 1:
        current = CircuitBreak.objects.filter(pk=breaker.pk).values_list("status", flat=True).first() or ""
        labels = dict(CircuitBreak.Status.choices)
        raise TransitionNotAllowed(
            _("The circuit break cannot become “%(to)s”: it is “%(status)s”.")
            % {"to": labels.get(to, to), "status": labels.get(current, current)},
            current_status=current,
        )
    breaker.refresh_from_db()


def _supervisors_for(unit: Unit) -> set[int]:
    return _centre_supervisors({unit.pk})[unit.pk] | role_holders_by_unit((Role.SUPERVISOR,), {unit.pk})[unit.pk]


@transaction.atomic
def breaker_restore_request(*, actor, breaker: CircuitBreak, reason: str) -> RestoreRequest:
    """A unit leader of the break's unit asks for the suspension to be lifted, with a reason."""
    if not user_has_role_for_unit(actor, (Role.UNIT_LEADER,), breaker.unit):
        raise NotPermitted(
            _("Only a unit leader responsible for %(unit)s can request a restore.") % {"unit": breaker.unit.name}
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the restore."), field="reason")
    _claim(breaker, allowed_from=(CircuitBreak.Status.ACTIVE,), to=CircuitBreak.Status.RESTORE_REQUESTED)
    request = RestoreRequest.objects.create(breaker=breaker, reason=reason, requested_by=actor)
    audit_record(
        actor=actor,
        action="circuit_break.restore_request",
        target=breaker,
        unit_id=breaker.unit_id,
        changes={
            "status": {"before": CircuitBreak.Status.ACTIVE, "after": breaker.status},
            "restore_request": request.pk,
        },
        note=reason,
    )
    notify(
        recipient_ids=_supervisors_for(breaker.unit) - {actor.pk},
        message=Message(
            key=f"restore-request:{request.pk}:requested",
            title=_("Restore requested: %(scope)s %(key)s")
            % {"scope": breaker.get_scope_kind_display(), "key": breaker.scope_key},
            body=reason[:200],
            url=breaker_url(breaker),
        ),
    )
    return request


def breaker_latest_request(breaker: CircuitBreak) -> RestoreRequest:
    """The break's latest restore request (the one a decision is about), or 409 when it has none."""
    request = breaker.restore_requests.order_by("-requested_at", "-pk").first()
    if request is None:
        raise TransitionNotAllowed(
            _("Nobody has requested a restore of this circuit break: it is “%(status)s”.")
            % {"status": breaker.get_status_display()},
            current_status=breaker.status,
        )
    return request


@transaction.atomic
def breaker_restore_decide(*, actor, request: RestoreRequest, approve: bool, comment: str = "") -> RestoreRequest:
    """A supervisor for the break's unit, who did not request it, approves (the break is restored)
    or refuses (it stays active; the comment says why) a pending restore request."""
    breaker = request.breaker
    if not user_has_role_for_unit(actor, (Role.SUPERVISOR,), breaker.unit):
        raise NotPermitted(
            _("Only a supervisor responsible for %(unit)s can decide a restore.") % {"unit": breaker.unit.name}
        )
    if request.requested_by_id == actor.pk:
        raise NotPermitted(_("You requested this restore: another supervisor must decide it."))
    comment = (comment or "").strip()
    if not approve and not comment:
        raise DomainError(_("Say why the restore is refused."), field="comment")
    now = timezone.now()
    decision = RestoreRequest.Decision.APPROVED if approve else RestoreRequest.Decision.REFUSED
    claimed = RestoreRequest.objects.filter(pk=request.pk, decision=RestoreRequest.Decision.PENDING).update(
        decision=decision, decided_by=actor, decided_at=now, comment=comment
    )
    if claimed != 1:
        current = RestoreRequest.objects.filter(pk=request.pk).values_list("decision", flat=True).first() or ""
        raise TransitionNotAllowed(
            _("The restore request has already been decided: it is “%(decision)s”.")
            % {"decision": dict(RestoreRequest.Decision.choices).get(current, current)},
            current_status=current,
        )
    request.refresh_from_db()
    if approve:
        _claim(
            breaker,
            allowed_from=(CircuitBreak.Status.RESTORE_REQUESTED,),
            to=CircuitBreak.Status.RESTORED,
            restored_at=now,
        )
    else:
        _claim(breaker, allowed_from=(CircuitBreak.Status.RESTORE_REQUESTED,), to=CircuitBreak.Status.ACTIVE)
    audit_record(
        actor=actor,
        action="circuit_break.restore" if approve else "circuit_break.restore_refused",
        target=breaker,
        unit_id=breaker.unit_id,
        changes={
            "status": {"before": CircuitBreak.Status.RESTORE_REQUESTED, "after": breaker.status},
            "restore_request": request.pk,
            "decision": decision,
        },
        note=comment,
    )
    leaders = role_holders_by_unit((Role.UNIT_LEADER,), {breaker.unit_id})[breaker.unit_id]
    title = (
        _("Restored: %(scope)s %(key)s") if approve else _("Restore refused: %(scope)s %(key)s stays suspended")
    ) % {"scope": breaker.get_scope_kind_display(), "key": breaker.scope_key}
    notify(
        recipient_ids=(leaders | {request.requested_by_id}) - {actor.pk},
        message=Message(
            key=f"restore-request:{request.pk}:{decision}", title=title, body=comment[:200], url=breaker_url(breaker)
        ),
    )
    return request


# --- allowlist -----------------------------------------------------------------------------------------


@transaction.atomic
def allowlist_add(*, actor, scope_kind: str, scope_key: str, until: datetime, reason: str) -> AllowlistEntry:
    """Suppress trips for a scope until a time (supervisors and administrators). An active break of
    the scope is not lifted by this: that is the restore workflow's job."""
    if not user_has_role(actor, *ALLOWLIST_ROLES):
        raise NotPermitted(_("Only a supervisor or an administrator can add to the breaker allowlist."))
    if scope_kind not in CircuitBreak.ScopeKind.values:
        raise DomainError(_("Choose a business account, a device or a platform user."), field="scope_kind")
    scope_key = (scope_key or "").strip()
    if not scope_key:
        raise DomainError(_("Name the account, device or user."), field="scope_key")
    if until <= timezone.now():
        raise DomainError(_("The allowlist entry must last until a time in the future."), field="until")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the allowlist entry."), field="reason")
    entry = AllowlistEntry.objects.create(
        scope_kind=scope_kind, scope_key=scope_key, until=until, reason=reason, created_by=actor
    )
    audit_record(
        actor=actor,
        action="allowlist.add",
        target=entry,
        changes={"scope_kind": scope_kind, "scope_key": scope_key, "until": until.isoformat()},
        note=reason,
    )
    return entry
