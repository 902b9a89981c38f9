"""Writes for the public progress page. Each is atomic and audited; transitions are claimed with a
conditional UPDATE, so of two concurrent attempts exactly one wins.

- summary_publish / summary_unpublish / summary_refresh: supervisors responsible for the unit;
- feedback_submit: anyone (no login), rate-limited per client IP;
- feedback_to_finding / feedback_dismiss: supervisors responsible for the unit, once per feedback.
"""

import re
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, TextField, Value
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BusinessArea, Person, Role
from accounts.selectors import user_has_role_for_unit
from audit.services import audit_record, model_snapshot
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from public import ratelimit
from public.models import (
    FEEDBACK_CONTACT_MAX,
    FEEDBACK_NAME_MAX,
    FEEDBACK_TEXT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    PublicFeedback,
    PublicSummary,
)
from rectification.models import RectificationItem, RectificationNotice
from supervision.models import Finding, FindingCategory
from supervision.services import finding_create

Summary = PublicSummary
Feedback = PublicFeedback
FEEDBACK_WINDOW_SECONDS = 3600
# A run of letters and digits that could be a badge number (警号); shorter runs are years, counts...
_BADGE_CANDIDATE = re.compile(r"[A-Za-z0-9]{4,}")


class RateLimited(DomainError):
    """Too many requests from one client (HTTP 429)."""

    status_code = 429


def _require_supervisor(actor, unit) -> None:
    if not user_has_role_for_unit(actor, (Role.SUPERVISOR,), unit):
        raise NotPermitted(_("Only a supervisor responsible for %(unit)s can do this.") % {"unit": unit.name})


def _refuse_transition(model, pk: int, message: str) -> None:
    current = model.objects.filter(pk=pk).values_list("status", flat=True).first() or ""
    raise TransitionNotAllowed(message, current_status=current)


# --- the text of a summary: no personal names, no badge numbers --------------------------------------


def _persons_concerned(notice: RectificationNotice):
    """Persons the summary could name: everyone of the notice's unit and the units below it, and
    everyone its findings and items name (responsible persons and leaders may sit elsewhere)."""
    items = RectificationItem.objects.filter(notice=notice)
    return Person.objects.filter(
        Q(unit__path__startswith=notice.unit.path)
        | Q(pk__in=items.values("responsible_person"))
        | Q(pk__in=items.values("responsible_leader"))
        | Q(pk__in=notice.findings.values("persons"))
    )


def summary_text_check(*, notice: RectificationNotice, texts: dict[str, str]) -> None:
    """Refuse text that names a person concerned or carries a badge number: a DomainError naming the
    field. One query per field for names (the text is matched against every name in SQL) and one
    for badge numbers."""
    persons = _persons_concerned(notice)
    for field, text in texts.items():
        if not text:
            continue
        named = list(
            persons.annotate(name_length=Length("name"), summary_text=Value(text, output_field=TextField()))
            .filter(name_length__gte=2, summary_text__contains=F("name"))
            .values_list("name", flat=True)
            .distinct()[:3]
        )
        if named:
            raise DomainError(
                _("Public text names no person: remove “%(names)s”.") % {"names": "、".join(sorted(named))},
                field=field,
            )
        candidates = set(_BADGE_CANDIDATE.findall(text))
        if candidates and Person.objects.filter(badge_number__in=candidates).exists():
            raise DomainError(_("Public text carries no badge numbers: remove it."), field=field)


def _clean_texts(*, title: str, problems: str, measures: str) -> dict[str, str]:
    texts = {"title": (title or "").strip(), "problems": (problems or "").strip(), "measures": (measures or "").strip()}
    for field, text in texts.items():
        if not text:
            raise DomainError(_("This field is required."), field=field)
    if len(texts["title"]) > TITLE_MAX:
        raise DomainError(_("At most %(limit)d characters.") % {"limit": TITLE_MAX}, field="title")
    for field in ("problems", "measures"):
        if len(texts[field]) > TEXT_MAX:
            raise DomainError(_("At most %(limit)d characters.") % {"limit": TEXT_MAX}, field=field)
    return texts


# --- the derived progress ------------------------------------------------------------------------------

_PROGRESS_OF_NOTICE = {
    RectificationNotice.Status.ISSUED: Summary.Progress.HANDED_OVER,
    RectificationNotice.Status.ACKNOWLEDGED: Summary.Progress.HANDED_OVER,
    RectificationNotice.Status.RECTIFYING: Summary.Progress.RECTIFYING,
    RectificationNotice.Status.REOPENED: Summary.Progress.RECTIFYING,
    RectificationNotice.Status.CLOSED: Summary.Progress.COMPLETED,
}


def progress_of(notice: RectificationNotice, *, today: date | None = None) -> dict:
    """The notice's progress as the public reads it: a stage and item counts (one query). Carries
    no names by construction: only the stage, numbers and the deadline."""
    today = today or timezone.localdate()
    counts = RectificationItem.objects.filter(notice=notice).aggregate(
        item_count=Count("pk"),
        closed_count=Count("pk", filter=Q(status=RectificationItem.Status.CLOSED)),
        overdue_count=Count("pk", filter=Q(status=RectificationItem.Status.OPEN, deadline__lt=today)),
    )
    return {
        "progress": _PROGRESS_OF_NOTICE.get(notice.status, Summary.Progress.HANDED_OVER),
        "deadline": notice.deadline,
        "progress_as_of": timezone.now(),
        **counts,
    }


# --- summaries ------------------------------------------------------------------------------------------


@transaction.atomic
def summary_publish(
    *,
    actor,
    title: str,
    problems: str,
    measures: str,
    notice: RectificationNotice | None = None,
    risk_list=None,
) -> PublicSummary:
    """Publish a summary of a notice's (or a quarterly risk list's) rectification progress."""
    if (notice is None) == (risk_list is None):
        raise DomainError(_("Choose a notice or a quarterly risk list."), field="notice")
    if risk_list is not None:
        notice = risk_list.notice
    elif hasattr(notice, "risk_list"):
        risk_list = notice.risk_list
    _require_supervisor(actor, notice.unit)
    if notice.status == RectificationNotice.Status.DRAFT:
        raise DomainError(_("A draft notice cannot be published; issue it first."), field="notice")
    texts = _clean_texts(title=title, problems=problems, measures=measures)
    summary_text_check(notice=notice, texts=texts)
    if Summary.objects.filter(notice=notice, status=Summary.Status.PUBLISHED).exists():
        raise DomainError(
            _("This notice already has a published summary: refresh it, or unpublish it first."), field="notice"
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            summary = Summary.objects.create(
                notice=notice,
                risk_list=risk_list,
                unit=notice.unit,
                published_by=actor,
                published_at=now,
                **texts,
                **progress_of(notice),
            )
    except IntegrityError:  # a concurrent publish of the same notice won
        raise DomainError(
            _("This notice already has a published summary: refresh it, or unpublish it first."), field="notice"
        ) from None
    audit_record(
        actor=actor,
        action="public_summary.publish",
        target=summary,
        unit_id=summary.unit_id,
        changes={"after": model_snapshot(summary)},
    )
    return summary


@transaction.atomic
def summary_unpublish(*, actor, summary: PublicSummary, reason: str = "") -> PublicSummary:
    """Take a summary off the public page at once (its pages answer 404 from then on)."""
    _require_supervisor(actor, summary.unit)
    claimed = Summary.objects.filter(pk=summary.pk, status=Summary.Status.PUBLISHED).update(
        status=Summary.Status.UNPUBLISHED, unpublished_by=actor, unpublished_at=timezone.now()
    )
    if claimed != 1:
        _refuse_transition(Summary, summary.pk, _("This summary is no longer published."))
    summary.refresh_from_db()
    audit_record(
        actor=actor,
        action="public_summary.unpublish",
        target=summary,
        unit_id=summary.unit_id,
        changes={"status": {"before": Summary.Status.PUBLISHED, "after": Summary.Status.UNPUBLISHED}},
        note=(reason or "").strip()[:500],
    )
    return summary


_PROGRESS_FIELDS = ("progress", "item_count", "closed_count", "overdue_count", "deadline")


@transaction.atomic
def summary_refresh(*, actor, summary: PublicSummary) -> PublicSummary:
    """Bring a published summary's progress up to date with its notice's items."""
    _require_supervisor(actor, summary.unit)
    notice = RectificationNotice.objects.get(pk=summary.notice_id)
    before = {name: str(getattr(summary, name)) for name in _PROGRESS_FIELDS}
    claimed = Summary.objects.filter(pk=summary.pk, status=Summary.Status.PUBLISHED).update(**progress_of(notice))
    if claimed != 1:
        _refuse_transition(Summary, summary.pk, _("Only a published summary is refreshed."))
    summary.refresh_from_db()
    after = {name: str(getattr(summary, name)) for name in _PROGRESS_FIELDS}
    audit_record(
        actor=actor,
        action="public_summary.refresh",
        target=summary,
        unit_id=summary.unit_id,
        changes={
            name: {"before": before[name], "after": after[name]} for name in before if before[name] != after[name]
        },
    )
    return summary


# --- feedback -------------------------------------------------------------------------------------------


def feedback_limit() -> int:
    return getattr(settings, "PUBLIC_FEEDBACK_PER_HOUR", 5)


@transaction.atomic
def feedback_submit(
    *, summary: PublicSummary, text: str, name: str = "", contact: str = "", client_ip: str | None = None
) -> PublicFeedback:
    """A member of the public comments on a published summary. Bad input is refused before it
    counts; then at most PUBLIC_FEEDBACK_PER_HOUR submissions per client IP and hour are stored
    (RateLimited, HTTP 429, beyond: nothing is stored)."""
    text, name, contact = (text or "").strip(), (name or "").strip(), (contact or "").strip()
    if not text:
        raise DomainError(_("This field is required."), field="text")
    for field, value, limit in (
        ("text", text, FEEDBACK_TEXT_MAX),
        ("name", name, FEEDBACK_NAME_MAX),
        ("contact", contact, FEEDBACK_CONTACT_MAX),
    ):
        if len(value) > limit:
            raise DomainError(_("At most %(limit)d characters.") % {"limit": limit}, field=field)
    if not Summary.objects.filter(pk=summary.pk, status=Summary.Status.PUBLISHED).exists():
        _refuse_transition(Summary, summary.pk, _("This summary is no longer published."))
    key = f"public-feedback:{ratelimit.client_key(client_ip)}"
    if not ratelimit.hit(key, limit=feedback_limit(), window_seconds=FEEDBACK_WINDOW_SECONDS):
        raise RateLimited(_("Too many comments from your network; please try again in an hour."))
    feedback = Feedback.objects.create(
        summary=summary, unit_id=summary.unit_id, name=name, contact=contact, text=text, client_ip=client_ip
    )
    audit_record(
        actor=None,
        action="public_feedback.submit",
        target=feedback,
        unit_id=feedback.unit_id,
        changes={"summary": summary.pk, "length": len(text)},
        note=_("Submitted on the public page"),
        ip_address=client_ip,
    )
    return feedback


def _claim_feedback(feedback: PublicFeedback, *, to: str, actor, **changes) -> None:
    claimed = Feedback.objects.filter(pk=feedback.pk, status=Feedback.Status.NEW).update(
        status=to, handled_by=actor, handled_at=timezone.now(), **changes
    )
    if claimed != 1:
        _refuse_transition(Feedback, feedback.pk, _("This feedback has already been handled."))


@transaction.atomic
def feedback_to_finding(
    *,
    actor,
    feedback: PublicFeedback,
    category: FindingCategory,
    severity: str,
    description: str = "",
    business_area: BusinessArea | None = None,
) -> Finding:
    """Turn new feedback into a finding (source "public feedback") of the summary's unit, through
    the supervision service; the finding then follows the normal flow. The business area, unless
    given, is the category's default, else that of the summary's notice."""
    _require_supervisor(actor, feedback.unit)
    if business_area is None and category.default_business_area_id is None:
        business_area = RectificationNotice.objects.get(pk=feedback.summary.notice_id).business_area
    _claim_feedback(feedback, to=Feedback.Status.TURNED_INTO_FINDING, actor=actor)
    finding = finding_create(
        actor=actor,
        unit=feedback.unit,
        category=category,
        severity=severity,
        description=(description or "").strip() or feedback.text,
        found_on=timezone.localtime(feedback.submitted_at).date(),
        source=Finding.Source.PUBLIC_FEEDBACK,
        business_area=business_area,
    )
    Feedback.objects.filter(pk=feedback.pk).update(finding=finding)
    feedback.refresh_from_db()
    audit_record(
        actor=actor,
        action="public_feedback.to_finding",
        target=feedback,
        unit_id=feedback.unit_id,
        changes={"status": {"before": Feedback.Status.NEW, "after": feedback.status}, "finding": finding.pk},
    )
    return finding


@transaction.atomic
def feedback_dismiss(*, actor, feedback: PublicFeedback, reason: str) -> PublicFeedback:
    """Dismiss new feedback, with the reason on record."""
    _require_supervisor(actor, feedback.unit)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("State the reason for dismissing it."), field="reason")
    _claim_feedback(feedback, to=Feedback.Status.DISMISSED, actor=actor, dismissal_reason=reason)
    feedback.refresh_from_db()
    audit_record(
        actor=actor,
        action="public_feedback.dismiss",
        target=feedback,
        unit_id=feedback.unit_id,
        changes={"status": {"before": Feedback.Status.NEW, "after": feedback.status}},
        note=reason,
    )
    return feedback
