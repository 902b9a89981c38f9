"""Writes for inspections, findings, evidence and clue transfers. Each is atomic and audited."""

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BusinessArea, Person, Role, Unit
from accounts.selectors import person_visible_to, user_has_role, user_has_role_for_unit, users_with_role_for_unit
from audit.services import audit_record, model_snapshot
from core.errors import DomainError, TransitionNotAllowed
from core.notifications import Message, notify
from supervision.evidence import validate_uploads
from supervision.models import ClueTransfer, Evidence, Finding, FindingCategory, Inspection, Severity

FILING_ROLES = (Role.SUPERVISOR, Role.DISCIPLINE_INSPECTOR, Role.UNIT_LEADER)


def _require_filing_role_for(actor, units: Iterable[Unit]) -> None:
    if not user_has_role(actor, *FILING_ROLES):
        raise PermissionDenied
    for unit in units:
        if not user_has_role_for_unit(actor, FILING_ROLES, unit):
            raise DomainError(_("%(unit)s is outside your data scope.") % {"unit": unit.name}, field="unit")


@transaction.atomic
def inspection_create(
    *,
    actor,
    kind: str,
    layer: str,
    inspection_date: date,
    theme: str,
    organizing_unit: Unit,
    target_units: Sequence[Unit],
    inspectors: Sequence[Person] = (),
    summary: str = "",
) -> Inspection:
    if not target_units:
        raise DomainError(_("Name at least one target unit."), field="target_units")
    _require_filing_role_for(actor, target_units)
    if inspection_date > timezone.localdate() + timedelta(days=366):
        raise DomainError(_("The inspection date is more than a year ahead."), field="inspection_date")
    inspection = Inspection(
        kind=kind,
        layer=layer,
        inspection_date=inspection_date,
        theme=theme.strip(),
        summary=summary,
        organizing_unit=organizing_unit,
        created_by=actor,
    )
    inspection.full_clean()
    inspection.save()
    inspection.target_units.set(target_units)
    inspection.inspectors.set(inspectors)
    audit_record(
        actor=actor,
        action="inspection.create",
        target=inspection,
        unit_id=organizing_unit.pk,
        changes={"after": model_snapshot(inspection), "target_units": [u.pk for u in target_units]},
    )
    return inspection


@transaction.atomic
def finding_create(
    *,
    actor,
    unit: Unit,
    category: FindingCategory,
    severity: str,
    description: str,
    found_on: date,
    source: str = Finding.Source.INSPECTION,
    business_area: BusinessArea | None = None,
    inspection: Inspection | None = None,
    persons: Sequence[Person] = (),
    files: Sequence = (),
) -> Finding:
    """File a finding (with its evidence files, all or nothing)."""
    _require_filing_role_for(actor, [unit])
    checked_files = validate_uploads(files)
    if found_on > timezone.localdate():
        raise DomainError(_("A finding cannot be dated in the future."), field="found_on")
    if inspection is not None:
        if source != Finding.Source.INSPECTION:
            raise DomainError(_("Only findings from an inspection name an inspection."), field="inspection")
        targets = list(inspection.target_units.all())
        if not any(unit.path.startswith(target.path) for target in targets):
            raise DomainError(_("The unit is not a target of this inspection."), field="unit")
    business_area = business_area or category.default_business_area
    if business_area is None:
        raise DomainError(_("Choose the business area of the finding."), field="business_area")
    # One query: each involved person's unit path, for those the actor may see.
    unit_paths = dict(person_visible_to(actor).filter(pk__in=[p.pk for p in persons]).values_list("pk", "unit__path"))
    for person in persons:
        if not unit_paths.get(person.pk, "").startswith(unit.path):
            raise DomainError(
                _("%(person)s does not belong to %(unit)s.") % {"person": person.name, "unit": unit.name},
                field="persons",
            )
    finding = Finding(
        unit=unit,
        category=category,
        severity=severity,
        description=description.strip(),
        found_on=found_on,
        source=source,
        business_area=business_area,
        inspection=inspection,
        created_by=actor,
    )
    finding.full_clean()
    finding.save()
    finding.persons.set(persons)
    for checked in checked_files:
        _evidence_store(actor=actor, checked=checked, unit=unit, finding=finding)
    audit_record(
        actor=actor,
        action="finding.create",
        target=finding,
        unit_id=unit.pk,
        changes={"after": model_snapshot(finding), "persons": [p.pk for p in persons], "files": len(files)},
    )
    return finding


def _evidence_store(*, actor, checked: tuple, unit: Unit, finding=None, progress_update=None) -> Evidence:
    """Store one file already validated by validate_uploads."""
    upload, kind, sha256 = checked
    evidence = Evidence(
        finding=finding,
        progress_update=progress_update,
        unit=unit,
        original_name=(upload.name or "file")[:255],
        kind=kind,
        size=upload.size,
        sha256=sha256,
        uploaded_by=actor,
    )
    # Stored under a random name: the original name is kept only as data, never as a path.
    evidence.file.save(f"{sha256[:16]}.{kind}", upload, save=False)
    evidence.save()
    return evidence


@transaction.atomic
def evidence_add_to_finding(*, actor, finding: Finding, files: Sequence) -> list[Evidence]:
    """Add evidence to a finding, until the finding's notice is issued."""
    _require_filing_role_for(actor, [finding.unit])
    if not files:
        raise DomainError(_("Choose at least one file."), field="files")
    if Evidence.objects.filter(finding=finding, locked_at__isnull=False).exists():
        raise DomainError(_("The notice of this finding is issued: its evidence can no longer change."), field="files")
    checked_files = validate_uploads(files)
    stored = [_evidence_store(actor=actor, checked=c, unit=finding.unit, finding=finding) for c in checked_files]
    audit_record(
        actor=actor,
        action="finding.evidence_add",
        target=finding,
        unit_id=finding.unit_id,
        changes={"evidence": [{"id": e.pk, "sha256": e.sha256, "name": e.original_name} for e in stored]},
    )
    return stored


@transaction.atomic
def clue_transfer(*, actor, finding: Finding, reason: str) -> ClueTransfer:
    """Transfer a serious or grave finding to discipline inspection (线索移送)."""
    if not user_has_role_for_unit(actor, (Role.SUPERVISOR,), finding.unit):
        raise PermissionDenied
    if finding.severity == Severity.GENERAL:
        raise DomainError(_("Only serious or grave findings are transferred as clues."), field="finding")
    if not reason.strip():
        raise DomainError(_("State the reason for the transfer."), field="reason")
    try:
        with transaction.atomic():
            clue = ClueTransfer.objects.create(finding=finding, reason=reason.strip(), transferred_by=actor)
    except IntegrityError:
        raise TransitionNotAllowed(
            _("This finding has already been transferred."), current_status=ClueTransfer.Status.TRANSFERRED
        ) from None
    audit_record(actor=actor, action="clue.transfer", target=clue, unit_id=finding.unit_id, note=reason.strip())
    recipients = users_with_role_for_unit((Role.DISCIPLINE_INSPECTOR,), finding.unit).values_list("pk", flat=True)
    notify(
        recipient_ids=recipients,
        message=Message(
            key=f"clue:{clue.pk}:transferred",
            title=_("New clue transferred: %(finding)s") % {"finding": str(finding)},
            url=f"/supervision/clues/{clue.pk}/",
        ),
    )
    return clue


@transaction.atomic
def clue_dispose(*, actor, clue: ClueTransfer, disposal: str) -> ClueTransfer:
    """Record discipline inspection's disposal; the transferring supervisor sees it."""
    if not user_has_role_for_unit(actor, (Role.DISCIPLINE_INSPECTOR,), clue.finding.unit):
        raise PermissionDenied
    if not disposal.strip():
        raise DomainError(_("Describe the disposal."), field="disposal")
    now = timezone.now()
    claimed = ClueTransfer.objects.filter(pk=clue.pk, status=ClueTransfer.Status.TRANSFERRED).update(
        status=ClueTransfer.Status.DISPOSED, disposal=disposal.strip(), disposed_by=actor, disposed_at=now
    )
    if claimed != 1:
        clue.refresh_from_db()
        raise TransitionNotAllowed(_("This clue has already been disposed of."), current_status=clue.status)
    clue.refresh_from_db()
    audit_record(
        actor=actor,
        action="clue.dispose",
        target=clue,
        unit_id=clue.finding.unit_id,
        changes={"status": {"before": ClueTransfer.Status.TRANSFERRED, "after": ClueTransfer.Status.DISPOSED}},
        note=disposal.strip(),
    )
    notify(
        recipient_ids=[clue.transferred_by_id],
        message=Message(
            key=f"clue:{clue.pk}:disposed",
            title=_("Discipline inspection disposed of your clue"),
            body=disposal.strip()[:500],
            url=f"/supervision/clues/{clue.pk}/",
        ),
    )
    return clue
