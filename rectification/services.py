"""Writes for dual-handover rectification. One service per transition; each one

1. checks access (scope and role), 2. checks the transition is allowed, 3. claims it with a
conditional UPDATE (so of two concurrent attempts exactly one wins, on SQLite and PostgreSQL),
4. writes an audit event, 5. notifies after commit.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BusinessArea, PartyOrganization, Person, Role, Unit
from accounts.selectors import person_visible_to, user_has_role_for_unit, users_with_role_for_unit, visible_units
from audit.services import audit_record, model_snapshot
from core.calendar import add_working_days
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from core.notifications import Message, notify
from rectification.models import (
    DeadlineRule,
    DocumentSequence,
    Handover,
    ItemRequest,
    ItemReview,
    LookBack,
    ProgressUpdate,
    RectificationItem,
    RectificationNotice,
)
from supervision.evidence import validate_uploads
from supervision.models import SEVERITY_RANK, Evidence, Finding
from supervision.services import _evidence_store

Notice = RectificationNotice
Item = RectificationItem
DEFAULT_WORKING_DAYS = {"general": 15, "serious": 10, "grave": 5}


# --- helpers ---------------------------------------------------------------------------------------


def _claim(model, obj, *, allowed_from: Sequence[str], to: str, what: str, **changes) -> None:
    """Move `obj` from one of `allowed_from` to `to` atomically, or raise 409 naming its status."""
    updated = model.objects.filter(pk=obj.pk, status__in=list(allowed_from)).update(status=to, **changes)
    if updated != 1:
        current = model.objects.filter(pk=obj.pk).values_list("status", flat=True).first() or ""
        labels = dict(model.Status.choices)
        raise TransitionNotAllowed(
            _("%(what)s cannot become “%(to)s”: it is “%(status)s”.")
            % {"what": what, "to": labels.get(to, to), "status": labels.get(current, current)},
            current_status=current,
        )
    obj.refresh_from_db()


def _status_change(before: str, after: str) -> dict:
    return {"status": {"before": before, "after": after}}


def _require(user, roles: tuple[str, ...], unit: Unit) -> None:
    if not user_has_role_for_unit(user, roles, unit):
        raise NotPermitted(_("Your role does not allow this step for %(unit)s.") % {"unit": unit.name})


def _user_ids(roles: tuple[str, ...], unit: Unit) -> list[int]:
    return list(users_with_role_for_unit(roles, unit).values_list("pk", flat=True))


def _notice_url(notice: Notice) -> str:
    return f"/rectification/notices/{notice.pk}/"


def _item_url(item: Item) -> str:
    return f"/rectification/items/{item.pk}/"


def _notify(recipient_ids, message: Message) -> None:
    """In-app notifications are rows written in the same transaction as the change they announce
    (they roll back with it); e-mail, if configured, is sent after commit by core.notifications."""
    notify(recipient_ids=[pk for pk in recipient_ids if pk], message=message)


def default_deadline(findings: Sequence[Finding], *, start: date | None = None) -> date:
    """The deadline of a notice: the working days of its gravest finding's severity."""
    gravest = max((f.severity for f in findings), key=lambda s: SEVERITY_RANK[s])
    rule = DeadlineRule.objects.filter(severity=gravest).values_list("working_days", flat=True).first()
    return add_working_days(start or timezone.localdate(), rule or DEFAULT_WORKING_DAYS[gravest])


def party_organization_for(unit: Unit) -> PartyOrganization | None:
    """The party organisation a unit answers to: its own, else its nearest ancestor's."""
    chain = {u.pk: u for u in Unit.objects.filter(pk__in=unit.ancestor_ids).select_related("party_organization")}
    for unit_id in reversed(unit.ancestor_ids):
        candidate = chain.get(unit_id)
        if candidate is not None and candidate.party_organization is not None:
            return candidate.party_organization
    return None


# --- notices -----------------------------------------------------------------------------------------


@transaction.atomic
def notice_create(
    *,
    actor,
    unit: Unit,
    findings: Sequence[Finding],
    title: str,
    requirements: str,
    deadline: date | None = None,
    business_area: BusinessArea | None = None,
) -> Notice:
    """Draft a notice for one unit's findings."""
    _require(actor, (Role.SUPERVISOR,), unit)
    if not findings:
        raise DomainError(_("Choose at least one finding."), field="findings")
    strangers = [f for f in findings if f.unit_id != unit.pk]
    if strangers:
        raise DomainError(_("All findings of a notice must belong to its unit."), field="findings")
    deadline = deadline or default_deadline(findings)
    if deadline <= timezone.localdate():
        raise DomainError(_("The deadline must be after today."), field="deadline")
    notice = Notice(
        unit=unit,
        business_area=business_area or findings[0].business_area,
        title=title.strip(),
        requirements=requirements.strip(),
        deadline=deadline,
        created_by=actor,
    )
    notice.full_clean()
    notice.save()
    notice.findings.set(findings)
    audit_record(
        actor=actor,
        action="notice.create",
        target=notice,
        unit_id=unit.pk,
        changes={"after": model_snapshot(notice), "findings": [f.pk for f in findings]},
    )
    return notice


def _next_document_number(year: int) -> int:
    """The next 文号 number of the year: gapless, because it is taken inside the issuing
    transaction under a row lock (SQLite's IMMEDIATE transactions serialise writers the same way)."""
    DocumentSequence.objects.bulk_create([DocumentSequence(year=year)], ignore_conflicts=True)
    sequence = DocumentSequence.objects.select_for_update().get(year=year)
    DocumentSequence.objects.filter(pk=sequence.pk).update(last_number=F("last_number") + 1)
    return sequence.last_number + 1


@transaction.atomic
def notice_issue(*, actor, notice: Notice) -> Notice:
    """Issue a draft: number it, and hand it over at once to both recipients."""
    _require(actor, (Role.SUPERVISOR,), notice.unit)
    party = party_organization_for(notice.unit)
    if party is None:
        raise DomainError(
            _("%(unit)s answers to no party organisation; set one before issuing.") % {"unit": notice.unit.name},
            field="unit",
        )
    department = notice.business_area.lead_department
    if department is None:
        raise DomainError(
            _("The business area %(area)s has no lead department; set one before issuing.")
            % {"area": notice.business_area},
            field="business_area",
        )
    if notice.deadline <= timezone.localdate():
        raise DomainError(_("The deadline has passed; set a new one before issuing."), field="deadline")
    now = timezone.now()
    _claim(
        Notice,
        notice,
        allowed_from=[Notice.Status.DRAFT],
        to=Notice.Status.ISSUED,
        what=_("The notice"),
        issued_by=actor,
        issued_at=now,
    )
    year = timezone.localdate().year
    Notice.objects.filter(pk=notice.pk).update(doc_year=year, doc_number=_next_document_number(year))
    notice.refresh_from_db()
    Handover.objects.bulk_create(
        [
            Handover(notice=notice, side=Handover.Side.PARTY, party_organization=party, recipient_unit=party.unit),
            Handover(notice=notice, side=Handover.Side.BUSINESS, recipient_unit=department),
        ]
    )
    Evidence.objects.filter(finding__in=notice.findings.all(), locked_at__isnull=True).update(locked_at=now)
    audit_record(
        actor=actor,
        action="notice.issue",
        target=notice,
        unit_id=notice.unit_id,
        changes={
            **_status_change(Notice.Status.DRAFT, Notice.Status.ISSUED),
            "document_number": notice.document_number,
            "party_organization": party.name,
            "business_department": department.name,
        },
    )
    message = Message(
        key=f"notice:{notice.pk}:handover",
        title=_("Rectification notice %(number)s to acknowledge") % {"number": notice.document_number},
        body=notice.title,
        url=_notice_url(notice),
    )
    _notify(_user_ids((Role.PARTY_SECRETARY,), party.unit) + _user_ids((Role.UNIT_LEADER,), department), message)
    return notice


def user_may_acknowledge(user, handover: Handover) -> bool:
    role = Role.PARTY_SECRETARY if handover.side == Handover.Side.PARTY else Role.UNIT_LEADER
    return user_has_role_for_unit(user, (role,), handover.recipient_unit)


@transaction.atomic
def handover_acknowledge(*, actor, handover: Handover, opinion: str = "") -> Handover:
    """One side acknowledges (签收). Neither side can speak for the other: the party side needs a
    party secretary of the party organisation, the business side a leader of the lead department,
    and one person cannot acknowledge both sides."""
    if not user_may_acknowledge(actor, handover):
        raise NotPermitted(
            _("Only the %(side)s recipient can acknowledge this side.") % {"side": handover.get_side_display()}
        )
    other = Handover.objects.filter(notice_id=handover.notice_id).exclude(pk=handover.pk).first()
    if other is not None and other.acknowledged_by_id == actor.pk:
        raise NotPermitted(
            _("You acknowledged the other side; the two sides must be acknowledged by different people.")
        )
    _claim(
        Handover,
        handover,
        allowed_from=[Handover.Status.PENDING],
        to=Handover.Status.ACKNOWLEDGED,
        what=_("The handover"),
        acknowledged_by=actor,
        acknowledged_at=timezone.now(),
        opinion=opinion.strip(),
    )
    notice = handover.notice
    audit_record(
        actor=actor,
        action=f"handover.acknowledge.{handover.side}",
        target=notice,
        unit_id=notice.unit_id,
        changes=_status_change(Handover.Status.PENDING, Handover.Status.ACKNOWLEDGED),
        note=opinion.strip(),
    )
    pending = Handover.objects.filter(notice_id=notice.pk, status=Handover.Status.PENDING).exists()
    if not pending:
        _claim(Notice, notice, allowed_from=[Notice.Status.ISSUED], to=Notice.Status.ACKNOWLEDGED, what=_("The notice"))
        audit_record(
            actor=actor,
            action="notice.acknowledged",
            target=notice,
            unit_id=notice.unit_id,
            changes=_status_change(Notice.Status.ISSUED, Notice.Status.ACKNOWLEDGED),
        )
        _notify(
            [*_user_ids((Role.UNIT_LEADER,), notice.unit), notice.issued_by_id],
            Message(
                key=f"notice:{notice.pk}:acknowledged",
                title=_("Notice %(number)s acknowledged by both sides: break it into items")
                % {"number": notice.document_number},
                url=_notice_url(notice),
            ),
        )
    return handover


# --- items ---------------------------------------------------------------------------------------------


def _check_responsibles(actor, unit: Unit, department: Unit, person: Person, leader: Person) -> None:
    visible = set(person_visible_to(actor).filter(pk__in=[person.pk, leader.pk]).values_list("pk", flat=True))
    for field, candidate in (("responsible_person", person), ("responsible_leader", leader)):
        if candidate.pk not in visible:
            raise DomainError(_("%(name)s is outside your data scope.") % {"name": candidate.name}, field=field)
    if not visible_units(actor).filter(pk=department.pk).exists():
        raise DomainError(
            _("%(unit)s is outside your data scope.") % {"unit": department.name}, field="responsible_department"
        )


@transaction.atomic
def item_create(
    *,
    actor,
    notice: Notice,
    problem: str,
    measures: str,
    responsible_department: Unit,
    responsible_person: Person,
    responsible_leader: Person,
    deadline: date,
    finding: Finding | None = None,
) -> Item:
    """The unit's leader breaks the notice into items (problem, measures, who, by when)."""
    _require(actor, (Role.UNIT_LEADER,), notice.unit)
    open_statuses = [Notice.Status.ACKNOWLEDGED, Notice.Status.RECTIFYING, Notice.Status.REOPENED]
    if notice.status not in open_statuses:
        raise TransitionNotAllowed(
            _("Items are added once both sides have acknowledged the notice."), current_status=notice.status
        )
    if deadline > notice.deadline:
        raise DomainError(
            _("The item deadline cannot be after the notice deadline (%(deadline)s); ask for an extension instead.")
            % {"deadline": notice.deadline},
            field="deadline",
        )
    if deadline < timezone.localdate():
        raise DomainError(_("The deadline cannot be in the past."), field="deadline")
    if finding is not None and not notice.findings.filter(pk=finding.pk).exists():
        raise DomainError(_("That finding is not part of this notice."), field="finding")
    _check_responsibles(actor, notice.unit, responsible_department, responsible_person, responsible_leader)
    item = Item(
        notice=notice,
        finding=finding,
        unit=notice.unit,
        problem=problem.strip(),
        measures=measures.strip(),
        responsible_department=responsible_department,
        responsible_person=responsible_person,
        responsible_leader=responsible_leader,
        deadline=deadline,
        created_by=actor,
    )
    item.full_clean()
    item.save()
    audit_record(
        actor=actor, action="item.create", target=item, unit_id=item.unit_id, changes={"after": model_snapshot(item)}
    )
    if notice.status in (Notice.Status.ACKNOWLEDGED, Notice.Status.REOPENED):
        before = notice.status
        _claim(Notice, notice, allowed_from=[before], to=Notice.Status.RECTIFYING, what=_("The notice"))
        audit_record(
            actor=actor,
            action="notice.rectifying",
            target=notice,
            unit_id=notice.unit_id,
            changes=_status_change(before, Notice.Status.RECTIFYING),
        )
    return item


@transaction.atomic
def progress_add(*, actor, item: Item, text: str, files: Sequence = ()) -> ProgressUpdate:
    """A progress report with evidence, while the item is being rectified. All files or none."""
    _require(actor, (Role.UNIT_LEADER,), item.unit)
    if item.status != Item.Status.OPEN:
        raise TransitionNotAllowed(
            _("Progress is reported while the item is being rectified."), current_status=item.status
        )
    if not text.strip():
        raise DomainError(_("Describe the progress."), field="text")
    checked_files = validate_uploads(files)
    update = ProgressUpdate.objects.create(item=item, text=text.strip(), author=actor)
    stored = [_evidence_store(actor=actor, checked=c, unit=item.unit, progress_update=update) for c in checked_files]
    audit_record(
        actor=actor,
        action="item.progress",
        target=item,
        unit_id=item.unit_id,
        note=text.strip()[:500],
        changes={"evidence": [{"id": e.pk, "sha256": e.sha256, "name": e.original_name} for e in stored]},
    )
    return update


def item_evidence(item: Item):
    return Evidence.objects.filter(progress_update__item=item)


@transaction.atomic
def item_submit(*, actor, item: Item, note: str = "") -> Item:
    """The unit submits the item as done; its evidence is frozen from here on."""
    _require(actor, (Role.UNIT_LEADER,), item.unit)
    if item.status == Item.Status.OPEN and not item_evidence(item).exists():
        raise DomainError(_("Attach at least one evidence file before submitting."), field="files")
    now = timezone.now()
    _claim(
        Item,
        item,
        allowed_from=[Item.Status.OPEN],
        to=Item.Status.SUBMITTED,
        what=_("The item"),
        submitted_by=actor,
        submitted_at=now,
    )
    item_evidence(item).filter(locked_at__isnull=True).update(locked_at=now)
    if note.strip():
        ProgressUpdate.objects.create(item=item, text=note.strip(), author=actor)
    audit_record(
        actor=actor,
        action="item.submit",
        target=item,
        unit_id=item.unit_id,
        note=note.strip(),
        changes=_status_change(Item.Status.OPEN, Item.Status.SUBMITTED),
    )
    _notify(
        [item.notice.issued_by_id] if item.notice.issued_by_id else _user_ids((Role.SUPERVISOR,), item.unit),
        Message(
            key=f"item:{item.pk}:submitted:{now.isoformat()}",
            title=_("Item submitted for verification"),
            body=item.problem[:200],
            url=_item_url(item),
        ),
    )
    return item


def _close_notice_if_done(*, actor, notice: Notice) -> None:
    if Item.objects.filter(notice=notice).exclude(status=Item.Status.CLOSED).exists():
        return
    if not Item.objects.filter(notice=notice).exists():
        return
    now = timezone.now()
    _claim(
        Notice,
        notice,
        allowed_from=[Notice.Status.RECTIFYING],
        to=Notice.Status.CLOSED,
        what=_("The notice"),
        closed_at=now,
    )
    scheduled = timezone.localdate() + timedelta(days=settings.LOOK_BACK_DAYS)
    look_back = LookBack.objects.create(notice=notice, scheduled_for=scheduled, assigned_to_id=notice.issued_by_id)
    audit_record(
        actor=actor,
        action="notice.close",
        target=notice,
        unit_id=notice.unit_id,
        changes={
            **_status_change(Notice.Status.RECTIFYING, Notice.Status.CLOSED),
            "look_back": {"id": look_back.pk, "scheduled_for": str(scheduled)},
        },
    )


@transaction.atomic
def item_verify(*, actor, item: Item, accept: bool, comment: str) -> Item:
    """A supervisor verifies a submitted item: accept closes it out (销号), reject sends it back
    with the reason. Whoever submitted the item can never verify it."""
    _require(actor, (Role.SUPERVISOR,), item.unit)
    if item.submitted_by_id == actor.pk:
        raise NotPermitted(_("You submitted this item, so you cannot verify it."))
    if item.status != Item.Status.SUBMITTED:
        raise TransitionNotAllowed(_("Only a submitted item can be verified."), current_status=item.status)
    if not comment.strip():
        raise DomainError(_("A verification needs a comment."), field="comment")
    if accept and not item_evidence(item).exists():
        raise DomainError(_("Closing out needs at least one evidence file."), field="decision")
    now = timezone.now()
    if accept:
        _claim(
            Item,
            item,
            allowed_from=[Item.Status.SUBMITTED],
            to=Item.Status.CLOSED,
            what=_("The item"),
            closure=Item.Closure.RECTIFIED,
            closed_by=actor,
            closed_at=now,
            due_state=Item.DueState.NORMAL,
        )
    else:
        _claim(Item, item, allowed_from=[Item.Status.SUBMITTED], to=Item.Status.OPEN, what=_("The item"))
    ItemReview.objects.create(
        item=item,
        decision=ItemReview.Decision.ACCEPT if accept else ItemReview.Decision.REJECT,
        comment=comment.strip(),
        reviewer=actor,
    )
    after = Item.Status.CLOSED if accept else Item.Status.OPEN
    audit_record(
        actor=actor,
        action="item.accept" if accept else "item.reject",
        target=item,
        unit_id=item.unit_id,
        changes=_status_change(Item.Status.SUBMITTED, after),
        note=comment.strip(),
    )
    if accept:
        _close_notice_if_done(actor=actor, notice=item.notice)
    _notify(
        _user_ids((Role.UNIT_LEADER,), item.unit),
        Message(
            key=f"item:{item.pk}:review:{now.isoformat()}",
            title=_("Item closed out") if accept else _("Item rejected: %(reason)s") % {"reason": comment[:80]},
            url=_item_url(item),
        ),
    )
    return item


@transaction.atomic
def item_request_create(*, actor, item: Item, kind: str, reason: str, new_deadline: date | None = None) -> ItemRequest:
    """Ask for an extension (the supervisor decides) or to close as "cannot be rectified" (the
    committee decides)."""
    _require(actor, (Role.UNIT_LEADER,), item.unit)
    if item.status != Item.Status.OPEN:
        raise TransitionNotAllowed(_("Only an item being rectified can ask for this."), current_status=item.status)
    if not reason.strip():
        raise DomainError(_("State the reason."), field="reason")
    if kind == ItemRequest.Kind.EXTENSION:
        if new_deadline is None or new_deadline <= item.deadline:
            raise DomainError(
                _("The requested deadline must be after the current one (%(deadline)s).") % {"deadline": item.deadline},
                field="new_deadline",
            )
    elif kind == ItemRequest.Kind.UNRECTIFIABLE:
        new_deadline = None
    else:
        raise DomainError(_("Unknown request kind."), field="kind")
    try:
        with transaction.atomic():
            request = ItemRequest.objects.create(
                item=item, kind=kind, reason=reason.strip(), new_deadline=new_deadline, requested_by=actor
            )
    except IntegrityError:
        raise TransitionNotAllowed(
            _("A request of this kind is already pending."), current_status=ItemRequest.Status.PENDING
        ) from None
    audit_record(
        actor=actor,
        action=f"item.request.{kind}",
        target=item,
        unit_id=item.unit_id,
        note=reason.strip(),
        changes={"request": request.pk, "new_deadline": str(new_deadline) if new_deadline else None},
    )
    deciders = (Role.SUPERVISOR,) if kind == ItemRequest.Kind.EXTENSION else (Role.COMMITTEE,)
    _notify(
        _user_ids(deciders, item.unit),
        Message(
            key=f"item-request:{request.pk}",
            title=_("A request to decide: %(kind)s") % {"kind": request.get_kind_display()},
            body=reason[:200],
            url=_item_url(item),
        ),
    )
    return request


@transaction.atomic
def item_request_decide(*, actor, request: ItemRequest, approve: bool, comment: str = "") -> ItemRequest:
    item = request.item
    if request.kind == ItemRequest.Kind.EXTENSION:
        _require(actor, (Role.SUPERVISOR,), item.unit)
    else:
        _require(actor, (Role.COMMITTEE,), item.unit)
    if request.requested_by_id == actor.pk:
        raise NotPermitted(_("You cannot decide your own request."))
    if not approve and not comment.strip():
        raise DomainError(_("Give the reason for refusing."), field="comment")
    to = ItemRequest.Status.APPROVED if approve else ItemRequest.Status.REFUSED
    _claim(
        ItemRequest,
        request,
        allowed_from=[ItemRequest.Status.PENDING],
        to=to,
        what=_("The request"),
        decided_by=actor,
        decided_at=timezone.now(),
        decision_comment=comment.strip(),
    )
    audit_record(
        actor=actor,
        action=f"item.request.{request.kind}.{to}",
        target=item,
        unit_id=item.unit_id,
        changes={"request": request.pk, **_status_change(ItemRequest.Status.PENDING, to)},
        note=comment.strip(),
    )
    if approve and request.kind == ItemRequest.Kind.EXTENSION:
        before = item.deadline
        Item.objects.filter(pk=item.pk).update(
            deadline=request.new_deadline, due_state=Item.DueState.NORMAL, escalation_level=0
        )
        audit_record(
            actor=actor,
            action="item.extend",
            target=item,
            unit_id=item.unit_id,
            changes={"deadline": {"before": str(before), "after": str(request.new_deadline)}},
        )
    elif approve:
        _claim(
            Item,
            item,
            allowed_from=[Item.Status.OPEN],
            to=Item.Status.CLOSED,
            what=_("The item"),
            closure=Item.Closure.UNRECTIFIABLE,
            closed_by=actor,
            closed_at=timezone.now(),
            due_state=Item.DueState.NORMAL,
        )
        audit_record(
            actor=actor,
            action="item.close_unrectifiable",
            target=item,
            unit_id=item.unit_id,
            changes=_status_change(Item.Status.OPEN, Item.Status.CLOSED),
        )
        _close_notice_if_done(actor=actor, notice=item.notice)
    _notify(
        [request.requested_by_id],
        Message(
            key=f"item-request:{request.pk}:{to}",
            title=_("Your request was %(status)s") % {"status": request.get_status_display()},
            body=comment[:200],
            url=_item_url(item),
        ),
    )
    return request


# --- look-back -----------------------------------------------------------------------------------------


@transaction.atomic
def look_back_record(
    *, actor, look_back: LookBack, passed: bool, result: str, new_deadline: date | None = None
) -> LookBack:
    """Record a look-back (回头看). A failed one reopens the notice with a new deadline."""
    notice = look_back.notice
    _require(actor, (Role.SUPERVISOR,), notice.unit)
    if look_back.assigned_to_id != actor.pk:
        raise NotPermitted(_("This look-back is assigned to someone else."))
    if not result.strip():
        raise DomainError(_("Describe what the look-back found."), field="result")
    if not passed and (new_deadline is None or new_deadline <= timezone.localdate()):
        raise DomainError(_("A failed look-back needs a new deadline after today."), field="new_deadline")
    to = LookBack.Status.PASSED if passed else LookBack.Status.FAILED
    _claim(
        LookBack,
        look_back,
        allowed_from=[LookBack.Status.SCHEDULED],
        to=to,
        what=_("The look-back"),
        result=result.strip(),
        new_deadline=None if passed else new_deadline,
        performed_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=f"look_back.{to}",
        target=notice,
        unit_id=notice.unit_id,
        note=result.strip(),
        changes=_status_change(LookBack.Status.SCHEDULED, to),
    )
    if not passed:
        old_deadline = notice.deadline
        _claim(
            Notice,
            notice,
            allowed_from=[Notice.Status.CLOSED],
            to=Notice.Status.REOPENED,
            what=_("The notice"),
            deadline=new_deadline,
            closed_at=None,
        )
        audit_record(
            actor=actor,
            action="notice.reopen",
            target=notice,
            unit_id=notice.unit_id,
            note=result.strip(),
            changes={
                **_status_change(Notice.Status.CLOSED, Notice.Status.REOPENED),
                "deadline": {"before": str(old_deadline), "after": str(new_deadline)},
            },
        )
        _notify(
            _user_ids((Role.UNIT_LEADER, Role.PARTY_SECRETARY), notice.unit),
            Message(
                key=f"notice:{notice.pk}:reopened:{look_back.pk}",
                title=_("Look-back failed: notice %(number)s reopened") % {"number": notice.document_number},
                body=result[:300],
                url=_notice_url(notice),
            ),
        )
    return look_back


# --- the daily deadline scan ---------------------------------------------------------------------------


@dataclass
class ScanResult:
    on_date: date
    marked_overdue: int = 0
    marked_due_soon: int = 0
    marked_normal: int = 0
    notifications: int = 0
    escalations: int = 0


def deadline_scan(*, today: date) -> ScanResult:
    """Mark due-soon (yellow) and overdue (red) items, remind, and escalate up the ladder.

    Set-based: one UPDATE per class of change. Idempotent per day: notifications carry keys (item,
    kind, deadline, level), and escalation levels only rise, so a second run sends nothing twice.
    """
    from rectification.escalation import escalation_messages, reminder_messages

    result = ScanResult(on_date=today)
    threshold = add_working_days(today, settings.DUE_SOON_WORKING_DAYS)
    open_items = Item.objects.filter(status=Item.Status.OPEN)
    with transaction.atomic():
        result.marked_overdue = (
            open_items.filter(deadline__lt=today)
            .exclude(due_state=Item.DueState.OVERDUE)
            .update(due_state=Item.DueState.OVERDUE)
        )
        result.marked_due_soon = (
            open_items.filter(deadline__gte=today, deadline__lte=threshold)
            .exclude(due_state=Item.DueState.DUE_SOON)
            .update(due_state=Item.DueState.DUE_SOON)
        )
        result.marked_normal = (
            open_items.filter(deadline__gt=threshold)
            .exclude(due_state=Item.DueState.NORMAL)
            .update(due_state=Item.DueState.NORMAL)
        )
        result.notifications = reminder_messages(today=today)
        result.escalations, escalation_notes = escalation_messages(today=today)
        result.notifications += escalation_notes
        if result.marked_overdue or result.marked_due_soon or result.marked_normal or result.escalations:
            audit_record(
                actor=None,
                action="deadline_scan.run",
                object_type="rectification.deadline_scan",
                object_id=today.isoformat(),
                object_repr=f"deadline scan {today}",
                changes={
                    "overdue": result.marked_overdue,
                    "due_soon": result.marked_due_soon,
                    "normal": result.marked_normal,
                    "escalations": result.escalations,
                    "notifications": result.notifications,
                },
            )
    return result
