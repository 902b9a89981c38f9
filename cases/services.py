"""Writes for integrity cases (廉政问题/违纪案件), joint liability and objections.

Allowed transitions of a case, one service each (discipline inspectors with the case's unit in scope):

    open          -> investigating   case_start_investigation
    investigating -> concluded       case_conclude (responsibility and action for every person concerned;
                                     with a confirmed integrity problem, the liability records of the
                                     rule of its severity, in the same transaction)
    concluded     -> closed          case_close

case_update edits the facts and the persons concerned while the case is open or investigating.

A liability record: active -> objected (liability_object: the person, or an inspector on their behalf)
-> revoked (objection granted: it stops covering from the decision day) or back to active (refused).

Each service 1. checks access (scope and role), 2. checks the input, 3. claims the transition with a
conditional UPDATE (of two concurrent attempts exactly one wins; the loser gets 409 naming the current
status), 4. writes the audit events, 5. notifies (rows written in the same transaction).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Person, Role, Unit
from accounts.selectors import person_visible_to, user_has_role_for_unit, users_with_role_for_unit
from audit.services import audit_record, model_snapshot
from cases.liability import active_rule_for, liabilities_create
from cases.models import (
    CASE_NUMBER_PREFIX,
    AccountabilityAction,
    Case,
    CaseCategory,
    CasePerson,
    CaseSequence,
    CaseSeverity,
    Liability,
    Objection,
)
from cases.selectors import CASE_HANDLER_ROLES
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from core.notifications import Message, notify
from supervision.models import ClueTransfer, Severity
from supervision.services import clue_dispose

EDITABLE_STATUSES = (Case.Status.OPEN, Case.Status.INVESTIGATING)
CONCLUDED_RESPONSIBILITIES = [
    value for value in CasePerson.Responsibility.values if value != CasePerson.Responsibility.PENDING
]
# A clue's finding severity gives the case's default severity.
FINDING_SEVERITY = {
    Severity.GENERAL: CaseSeverity.MINOR,
    Severity.SERIOUS: CaseSeverity.SERIOUS,
    Severity.GRAVE: CaseSeverity.GRAVE,
}
TITLE_MAX = Case._meta.get_field("title").max_length


@dataclass(frozen=True)
class PersonConclusion:
    """What the conclusion found for one person concerned."""

    person_id: int
    responsibility: str
    action: str
    note: str = ""


# --- helpers ---------------------------------------------------------------------------------------


def case_url(case: Case) -> str:
    return reverse("cases:case_detail", args=[case.pk])


def liability_url(liability: Liability) -> str:
    return reverse("cases:liability_detail", args=[liability.pk])


def case_number(year: int, number: int) -> str:
    return f"{CASE_NUMBER_PREFIX}〔{year}〕{number}号"


def _next_case_number(year: int) -> str:
    """The next case number of the year: gapless, because it is taken inside the opening transaction
    under a row lock (SQLite's IMMEDIATE transactions serialise writers the same way)."""
    CaseSequence.objects.bulk_create([CaseSequence(year=year)], ignore_conflicts=True)
    sequence = CaseSequence.objects.select_for_update().get(year=year)
    CaseSequence.objects.filter(pk=sequence.pk).update(last_number=F("last_number") + 1)
    return case_number(year, sequence.last_number + 1)


def _claim(model, obj, *, allowed_from: Sequence[str], to: str, what: str, message: str = "", **changes) -> None:
    """Move `obj` from one of `allowed_from` to `to` atomically, or raise 409 naming its status."""
    updated = model.objects.filter(pk=obj.pk, status__in=list(allowed_from)).update(status=to, **changes)
    if updated != 1:
        current = model.objects.filter(pk=obj.pk).values_list("status", flat=True).first() or ""
        labels = dict(model.Status.choices)
        raise TransitionNotAllowed(
            message
            or _("%(what)s cannot become “%(to)s”: it is “%(status)s”.")
            % {"what": what, "to": labels.get(to, to), "status": labels.get(current, current)},
            current_status=current,
        )
    obj.refresh_from_db()


def _status_change(before: str, after: str) -> dict:
    return {"status": {"before": before, "after": after}}


def _require_handler(user, unit: Unit) -> None:
    if not user_has_role_for_unit(user, CASE_HANDLER_ROLES, unit):
        raise NotPermitted(
            _("Only a discipline inspector responsible for %(unit)s handles its cases.") % {"unit": unit.name}
        )


def _leader_ids(unit: Unit) -> list[int]:
    return list(users_with_role_for_unit((Role.UNIT_LEADER,), unit).values_list("pk", flat=True))


def _check_category(category) -> str:
    if category not in CaseCategory.values:
        raise DomainError(_("Choose a category from the list."), field="category")
    return category


def _check_severity(severity) -> str:
    if severity not in CaseSeverity.values:
        raise DomainError(_("Choose the severity: minor, serious or grave."), field="severity")
    return severity


def _check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the case a title."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_("The title is at most %(max)d characters.") % {"max": TITLE_MAX}, field="title")
    return title


def _check_misconduct_date(day) -> date:
    if not isinstance(day, date):
        raise DomainError(_("Give the date of the misconduct."), field="misconduct_date")
    if day > timezone.localdate():
        raise DomainError(_("The date of the misconduct cannot be in the future."), field="misconduct_date")
    return day


def _check_persons(actor, persons: Sequence[Person]) -> list[Person]:
    unique = list({person.pk: person for person in persons}.values())
    visible = set(person_visible_to(actor).filter(pk__in=[p.pk for p in unique]).values_list("pk", flat=True))
    for person in unique:
        if person.pk not in visible:
            raise DomainError(_("%(name)s is outside your data scope.") % {"name": person.name}, field="persons")
    return unique


# --- cases -----------------------------------------------------------------------------------------


@transaction.atomic
def case_open(
    *,
    actor,
    category: str,
    severity: str | None = None,
    title: str = "",
    facts: str = "",
    misconduct_date: date | None = None,
    clue: ClueTransfer | None = None,
    unit: Unit | None = None,
    persons: Sequence[Person] | None = None,
) -> Case:
    """Open a case, from a transferred clue or directly, with its yearly number (廉案〔2026〕3号).

    From a clue, the unit, the persons concerned, the date of the misconduct (the finding's date),
    the severity, the title and the facts default from its finding, and a clue still awaiting its
    disposal is disposed of as "case opened" (the supervisor who transferred it is told)."""
    finding = clue.finding if clue is not None else None
    if finding is not None:
        if unit is not None and unit.pk != finding.unit_id:
            raise DomainError(_("A case opened from a clue belongs to the clue's unit."), field="unit")
        unit = finding.unit
    if unit is None:
        raise DomainError(_("Choose the unit where it happened."), field="unit")
    _require_handler(actor, unit)
    if clue is not None and Case.objects.filter(clue=clue).exists():
        raise DomainError(_("A case has already been opened from this clue."), field="clue")
    category = _check_category(category)
    severity = _check_severity(severity or (FINDING_SEVERITY.get(finding.severity) if finding else None))
    misconduct_date = _check_misconduct_date(misconduct_date or (finding.found_on if finding else None))
    title = _check_title(title or (f"{finding.unit.name}：{finding.description}"[:TITLE_MAX] if finding else ""))
    facts = (facts or "").strip() or (finding.description if finding else "")
    if not facts:
        raise DomainError(_("Describe the facts."), field="facts")
    if persons is None:
        persons = list(finding.persons.all()) if finding else []
    persons = _check_persons(actor, persons)

    number = _next_case_number(timezone.localdate().year)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                number=number,
                title=title,
                source=Case.Source.CLUE if clue is not None else Case.Source.DIRECT,
                clue=clue,
                unit=unit,
                category=category,
                severity=severity,
                misconduct_date=misconduct_date,
                facts=facts,
                opened_by=actor,
            )
    except IntegrityError:
        raise DomainError(_("A case has already been opened from this clue."), field="clue") from None
    CasePerson.objects.bulk_create([CasePerson(case=case, person=person) for person in persons])
    audit_record(
        actor=actor,
        action="case.open",
        target=case,
        unit_id=unit.pk,
        changes={"after": model_snapshot(case), "persons": [person.pk for person in persons]},
    )
    if clue is not None and clue.status == ClueTransfer.Status.TRANSFERRED:
        # Stored text, a Chinese document whatever the reader's language.
        clue_dispose(actor=actor, clue=clue, disposal=f"已立案审查，案号{number}。")
    notify(
        recipient_ids=_leader_ids(unit),
        message=Message(
            key=f"case:{case.pk}:opened",
            title=_("Integrity case %(number)s opened for %(unit)s") % {"number": number, "unit": unit.name},
            url=case_url(case),
        ),
    )
    return case


@transaction.atomic
def case_update(
    *,
    actor,
    case: Case,
    title: str | None = None,
    facts: str | None = None,
    category: str | None = None,
    severity: str | None = None,
    misconduct_date: date | None = None,
    persons: Sequence[Person] | None = None,
) -> Case:
    """Edit the facts and the persons concerned while the case is open or investigating. Arguments
    left None are not changed."""
    _require_handler(actor, case.unit)
    changes: dict = {}
    if title is not None:
        changes["title"] = _check_title(title)
    if facts is not None:
        if not facts.strip():
            raise DomainError(_("Describe the facts."), field="facts")
        changes["facts"] = facts.strip()
    if category is not None:
        changes["category"] = _check_category(category)
    if severity is not None:
        changes["severity"] = _check_severity(severity)
    if misconduct_date is not None:
        changes["misconduct_date"] = _check_misconduct_date(misconduct_date)
    if persons is not None:
        persons = _check_persons(actor, persons)
    fields = list(changes)
    before = model_snapshot(case, fields)
    # The claim locks the row (status=status), so the case cannot be concluded halfway through.
    claimed = Case.objects.filter(pk=case.pk, status__in=EDITABLE_STATUSES).update(status=F("status"), **changes)
    if claimed != 1:
        current = Case.objects.filter(pk=case.pk).values_list("status", flat=True).first() or ""
        raise TransitionNotAllowed(_("A case is edited while it is open or investigating."), current_status=current)
    case.refresh_from_db()
    person_change = None
    if persons is not None:
        current = set(CasePerson.objects.filter(case=case).values_list("person_id", flat=True))
        wanted = {person.pk for person in persons}
        if current != wanted:
            CasePerson.objects.filter(case=case, person_id__in=current - wanted).delete()
            CasePerson.objects.bulk_create(
                [CasePerson(case=case, person=person) for person in persons if person.pk not in current]
            )
            person_change = {"before": sorted(current), "after": sorted(wanted)}
    diff = {
        name: {"before": before.get(name), "after": value}
        for name, value in model_snapshot(case, fields).items()
        if before.get(name) != value
    }
    if person_change:
        diff["persons"] = person_change
    if diff:
        audit_record(actor=actor, action="case.update", target=case, unit_id=case.unit_id, changes=diff)
    return case


@transaction.atomic
def case_start_investigation(*, actor, case: Case) -> Case:
    _require_handler(actor, case.unit)
    _claim(
        Case,
        case,
        allowed_from=[Case.Status.OPEN],
        to=Case.Status.INVESTIGATING,
        what=_("The case"),
        investigation_started_by=actor,
        investigation_started_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="case.start_investigation",
        target=case,
        unit_id=case.unit_id,
        changes=_status_change(Case.Status.OPEN, Case.Status.INVESTIGATING),
    )
    return case


def _check_conclusions(persons: Sequence[PersonConclusion], *, confirmed: bool) -> dict[int, PersonConclusion]:
    by_person: dict[int, PersonConclusion] = {}
    for row in persons:
        if row.person_id in by_person:
            raise DomainError(_("Each person concerned is concluded once."), field="persons")
        if row.responsibility not in CONCLUDED_RESPONSIBILITIES:
            raise DomainError(_("Record the responsibility found for every person concerned."), field="persons")
        if row.action not in AccountabilityAction.values:
            raise DomainError(_("Choose an accountability action from the list."), field="persons")
        by_person[row.person_id] = row
    if confirmed and not any(r.responsibility == CasePerson.Responsibility.DIRECT for r in by_person.values()):
        raise DomainError(
            _("A confirmed integrity problem needs at least one person with direct responsibility."), field="persons"
        )
    return by_person


@transaction.atomic
def case_conclude(
    *,
    actor,
    case: Case,
    integrity_problem_confirmed: bool,
    conclusion: str,
    persons: Sequence[PersonConclusion],
) -> Case:
    """Conclude the investigation: whether an integrity problem is confirmed, the conclusion, and for
    EACH person concerned the responsibility found and the accountability action. A confirmed problem
    creates the liability records of the active rule of the case's severity (cases.liability), in
    this same transaction: without such a rule nothing is written."""
    _require_handler(actor, case.unit)
    if not isinstance(integrity_problem_confirmed, bool):
        raise DomainError(_("Say whether an integrity problem is confirmed."), field="integrity_problem_confirmed")
    conclusion = (conclusion or "").strip()
    if not conclusion:
        raise DomainError(_("Write the conclusion."), field="conclusion")
    by_person = _check_conclusions(persons, confirmed=integrity_problem_confirmed)
    rule = active_rule_for(case.severity) if integrity_problem_confirmed else None
    now = timezone.now()
    _claim(
        Case,
        case,
        allowed_from=[Case.Status.INVESTIGATING],
        to=Case.Status.CONCLUDED,
        what=_("The case"),
        integrity_problem_confirmed=integrity_problem_confirmed,
        conclusion=conclusion,
        concluded_by=actor,
        concluded_at=now,
    )
    # Checked under the claim (the row is locked): the persons concerned cannot change meanwhile.
    links = {cp.person_id: cp for cp in CasePerson.objects.filter(case=case).select_related("person")}
    missing = [cp.person.name for person_id, cp in links.items() if person_id not in by_person]
    if missing:
        raise DomainError(
            _("Record the responsibility and action of every person concerned; missing: %(names)s.")
            % {"names": "、".join(missing)},
            field="persons",
        )
    if set(by_person) - set(links):
        raise DomainError(_("Only the persons concerned by the case can be concluded on."), field="persons")
    for person_id, link in links.items():
        row = by_person[person_id]
        link.responsibility, link.action, link.action_note = row.responsibility, row.action, row.note.strip()
    CasePerson.objects.bulk_update(links.values(), ["responsibility", "action", "action_note"])

    liabilities = liabilities_create(case=case, rule=rule, start=timezone.localdate(now)) if rule else []
    audit_record(
        actor=actor,
        action="case.conclude",
        target=case,
        unit_id=case.unit_id,
        note=conclusion,
        changes={
            **_status_change(Case.Status.INVESTIGATING, Case.Status.CONCLUDED),
            "integrity_problem_confirmed": integrity_problem_confirmed,
            "persons": [
                {"person": person_id, "responsibility": row.responsibility, "action": row.action}
                for person_id, row in sorted(by_person.items())
            ],
            "rule": None if rule is None else {"id": rule.pk, "severity": rule.severity},
            "liabilities": [liability.pk for liability in liabilities],
        },
    )
    for liability in liabilities:
        audit_record(
            actor=actor,
            action="liability.create",
            target=liability,
            unit_id=liability.unit_id,
            note=liability.reason,
            changes={"after": model_snapshot(liability)},
        )
    notify(
        recipient_ids=_leader_ids(case.unit),
        message=Message(
            key=f"case:{case.pk}:concluded",
            title=_("Integrity case %(number)s concluded") % {"number": case.number},
            url=case_url(case),
        ),
    )
    for liability in liabilities:
        if liability.person.user_id:
            notify(
                recipient_ids=[liability.person.user_id],
                message=Message(
                    key=f"liability:{liability.pk}:created",
                    title=_("A liability record concerns you (%(number)s); you may object") % {"number": case.number},
                    body=liability.consequence,
                    url=liability_url(liability),
                ),
            )
    return case


@transaction.atomic
def case_close(*, actor, case: Case) -> Case:
    _require_handler(actor, case.unit)
    _claim(
        Case,
        case,
        allowed_from=[Case.Status.CONCLUDED],
        to=Case.Status.CLOSED,
        what=_("The case"),
        closed_by=actor,
        closed_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="case.close",
        target=case,
        unit_id=case.unit_id,
        changes=_status_change(Case.Status.CONCLUDED, Case.Status.CLOSED),
    )
    return case


# --- objections ------------------------------------------------------------------------------------


def user_may_object(user, liability: Liability) -> bool:
    """The person themselves (through their login) or a discipline inspector recording it for them."""
    if liability.person.user_id is not None and liability.person.user_id == user.pk:
        return True
    return user_has_role_for_unit(user, CASE_HANDLER_ROLES, liability.case.unit)


def user_may_decide(user, objection: Objection) -> bool:
    liability = objection.liability
    return (
        objection.submitted_by_id != user.pk
        and liability.person.user_id != user.pk
        and user_has_role_for_unit(user, CASE_HANDLER_ROLES, liability.case.unit)
    )


@transaction.atomic
def liability_object(*, actor, liability: Liability, reason: str) -> Objection:
    """Object to a liability record (申诉). One pending objection at a time; the record shows
    "objection pending" until it is decided, and still disqualifies meanwhile."""
    if not user_may_object(actor, liability):
        raise NotPermitted(_("Only the person concerned, or a discipline inspector for them, can object."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("State the grounds of the objection."), field="reason")
    current = Liability.objects.filter(pk=liability.pk).values_list("status", flat=True).first()
    _claim(
        Liability,
        liability,
        allowed_from=[Liability.Status.ACTIVE],
        to=Liability.Status.OBJECTED,
        what=_("The liability record"),
        message=_("An objection to this record is already pending.")
        if current == Liability.Status.OBJECTED
        else _("This record was revoked on an earlier objection."),
    )
    try:
        with transaction.atomic():
            objection = Objection.objects.create(liability=liability, reason=reason, submitted_by=actor)
    except IntegrityError:
        raise TransitionNotAllowed(
            _("An objection to this record is already pending."), current_status=Liability.Status.OBJECTED
        ) from None
    on_behalf = liability.person.user_id != actor.pk
    audit_record(
        actor=actor,
        action="liability.object",
        target=liability,
        unit_id=liability.unit_id,
        note=reason,
        changes={
            **_status_change(Liability.Status.ACTIVE, Liability.Status.OBJECTED),
            "objection": objection.pk,
            "on_behalf_of_person": on_behalf,
        },
    )
    deciders = users_with_role_for_unit(CASE_HANDLER_ROLES, liability.case.unit).exclude(pk=actor.pk)
    notify(
        recipient_ids=deciders.values_list("pk", flat=True),
        message=Message(
            key=f"objection:{objection.pk}:submitted",
            title=_("An objection to decide: %(person)s, %(number)s")
            % {"person": liability.person.name, "number": liability.case.number},
            body=reason[:300],
            url=liability_url(liability),
        ),
    )
    return objection


@transaction.atomic
def objection_decide(*, actor, objection: Objection, grant: bool, comment: str = "") -> Objection:
    """Decide a pending objection (a discipline inspector who neither submitted it nor is the person
    concerned). Granted: the record is revoked and stops covering from today. Refused (a comment is
    required): the record is in force again."""
    liability = objection.liability
    _require_handler(actor, liability.case.unit)
    if objection.submitted_by_id == actor.pk:
        raise NotPermitted(_("You submitted this objection, so you cannot decide it."))
    if liability.person.user_id == actor.pk:
        raise NotPermitted(_("You cannot decide an objection to your own record."))
    comment = (comment or "").strip()
    if not grant and not comment:
        raise DomainError(_("Give the reason for refusing."), field="comment")
    now = timezone.now()
    today = timezone.localdate(now)
    decision = Objection.Decision.GRANTED if grant else Objection.Decision.REFUSED
    claimed = Objection.objects.filter(pk=objection.pk, decision=Objection.Decision.PENDING).update(
        decision=decision, decision_comment=comment, decided_by=actor, decided_at=now
    )
    if claimed != 1:
        current = Objection.objects.filter(pk=objection.pk).values_list("decision", flat=True).first() or ""
        raise TransitionNotAllowed(_("This objection has already been decided."), current_status=current)
    objection.refresh_from_db()
    to = Liability.Status.REVOKED if grant else Liability.Status.ACTIVE
    _claim(
        Liability,
        liability,
        allowed_from=[Liability.Status.OBJECTED],
        to=to,
        what=_("The liability record"),
        ended_on=today if grant else None,
    )
    audit_record(
        actor=actor,
        action=f"liability.objection.{decision}",
        target=liability,
        unit_id=liability.unit_id,
        note=comment,
        changes={
            **_status_change(Liability.Status.OBJECTED, to),
            "objection": objection.pk,
            "ended_on": str(today) if grant else None,
        },
    )
    notify(
        recipient_ids={objection.submitted_by_id, liability.person.user_id} - {None},
        message=Message(
            key=f"objection:{objection.pk}:{decision}",
            title=_("Objection granted: the liability record is revoked")
            if grant
            else _("Objection refused: the liability record stays in force"),
            body=comment[:300],
            url=liability_url(liability),
        ),
    )
    return objection
