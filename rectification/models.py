"""Dual-handover rectification (双交办 → 整改 → 销号 → 回头看).

A notice (整改通知书) carries one unit's findings. Issuing it hands it over at once to the unit's
party organisation and to the business lead department of its area; each side acknowledges on its
own. The unit breaks it into items, rectifies with evidence, and a supervisor other than the
submitter closes each item out. A look-back some time after closing may reopen the notice.

Every status change goes through one service in rectification.services, which claims the change
with a conditional UPDATE (so concurrent attempts cannot both succeed) and writes an audit event.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import BusinessArea, PartyOrganization, Person, Unit
from supervision.models import Finding, Severity


class DeadlineRule(models.Model):
    """Default rectification time per severity, in working days (editable by an administrator)."""

    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, unique=True)
    working_days = models.PositiveSmallIntegerField(_("working days"))

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["working_days"]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.working_days}"


class EscalationStep(models.Model):
    """A rung of the escalation ladder: once an item is this many days overdue, these are told."""

    class Target(models.TextChoices):
        UNIT_LEADER = "unit_leader", _("Leader of the unit")
        SUPERIOR_UNIT = "superior_unit", _("Leader of the superior unit")
        SUPERVISION_AND_PARTY = "supervision_and_party", _("Supervision centre and the party organisation")
        COMMITTEE = "committee", _("Party committee")

    level = models.PositiveSmallIntegerField(_("level"), unique=True)
    days_overdue = models.PositiveSmallIntegerField(_("days overdue"))
    target = models.CharField(_("notify"), max_length=30, choices=Target.choices)

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation ladder")
        ordering = ["level"]

    def __str__(self) -> str:
        return f"{self.level}: +{self.days_overdue} → {self.get_target_display()}"


class DocumentSequence(models.Model):
    """The last document number (文号) used in a year; incremented under a row lock."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document number sequence")
        verbose_name_plural = _("document number sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class RectificationNotice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued, awaiting acknowledgement")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged by both sides")
        RECTIFYING = "rectifying", _("Rectifying")
        CLOSED = "closed", _("Closed out")
        REOPENED = "reopened", _("Reopened after look-back")

    # Allowed transitions (one service each):
    #   draft        -> issued        notice_issue            supervisor
    #   issued       -> acknowledged  handover_acknowledge    (when the second side acknowledges)
    #   acknowledged -> rectifying    item_create             unit leader (first item)
    #   rectifying   -> closed        item_verify / item_request_decide (last open item closed)
    #   closed       -> reopened      look_back_record        supervisor (failed look-back)
    #   reopened     -> rectifying    item_create             unit leader (first new item after reopening)
    TRANSITIONS = {
        Status.DRAFT: {Status.ISSUED},
        Status.ISSUED: {Status.ACKNOWLEDGED},
        Status.ACKNOWLEDGED: {Status.RECTIFYING},
        Status.RECTIFYING: {Status.CLOSED},
        Status.CLOSED: {Status.REOPENED},
        Status.REOPENED: {Status.RECTIFYING},
    }

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="notices")
    findings = models.ManyToManyField(Finding, verbose_name=_("findings"), related_name="notices")
    business_area = models.ForeignKey(BusinessArea, verbose_name=_("business area"), on_delete=models.PROTECT)
    title = models.CharField(_("title"), max_length=200)
    requirements = models.TextField(_("rectification requirements"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    doc_year = models.PositiveSmallIntegerField(_("document year"), null=True, blank=True, editable=False)
    doc_number = models.PositiveIntegerField(_("document number"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[findings])

    class Meta:
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["doc_year", "doc_number"], name="notice_document_number_unique")]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return f"{self.document_number or _('(draft)')} {self.title}"

    @property
    def document_number(self) -> str:
        if self.doc_number is None:
            return ""
        return f"{settings.NOTICE_DOCUMENT_PREFIX}〔{self.doc_year}〕{self.doc_number}号"


class Handover(models.Model):
    """One of the two recipients of a notice; each acknowledges on its own."""

    class Side(models.TextChoices):
        PARTY = "party", _("Party organisation")
        BUSINESS = "business", _("Business lead department")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting acknowledgement")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")

    # Allowed transitions: pending -> acknowledged (handover_acknowledge, that side's recipient only).

    notice = models.ForeignKey(
        RectificationNotice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="handovers"
    )
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    party_organization = models.ForeignKey(
        PartyOrganization, verbose_name=_("party organisation"), null=True, blank=True, on_delete=models.PROTECT
    )
    # The unit whose people acknowledge: the party organisation's unit, or the lead department.
    recipient_unit = models.ForeignKey(
        Unit, verbose_name=_("recipient unit"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    opinion = models.TextField(_("opinion"), blank=True)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["notice", "side"]
        constraints = [models.UniqueConstraint(fields=["notice", "side"], name="one_handover_per_side")]

    def __str__(self) -> str:
        return f"{self.notice} · {self.get_side_display()}"


class RectificationItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Rectifying")
        SUBMITTED = "submitted", _("Submitted for verification")
        CLOSED = "closed", _("Closed out")

    class Closure(models.TextChoices):
        RECTIFIED = "rectified", _("Rectified")
        UNRECTIFIABLE = "unrectifiable", _("Cannot be rectified (committee approved)")

    class DueState(models.TextChoices):
        NORMAL = "normal", _("On schedule")
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")

    # Allowed transitions:
    #   open      -> submitted  item_submit       unit leader of the unit
    #   submitted -> closed     item_verify       supervisor, never the submitter (accept)
    #   submitted -> open       item_verify       supervisor (reject, with a reason)
    #   open      -> closed     item_request_decide  committee (approves "cannot be rectified")
    # A closed item stays closed: a failed look-back reopens the notice, and the unit adds new items.
    TRANSITIONS = {
        Status.OPEN: {Status.SUBMITTED, Status.CLOSED},
        Status.SUBMITTED: {Status.CLOSED, Status.OPEN},
        Status.CLOSED: set(),
    }

    notice = models.ForeignKey(
        RectificationNotice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="items"
    )
    finding = models.ForeignKey(
        Finding, verbose_name=_("finding"), null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    # Copied from the notice for scope and set-based counting without joins.
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="rectification_items")
    problem = models.TextField(_("problem"))
    measures = models.TextField(_("rectification measures"))
    responsible_department = models.ForeignKey(
        Unit, verbose_name=_("responsible department"), on_delete=models.PROTECT, related_name="+"
    )
    responsible_person = models.ForeignKey(
        Person, verbose_name=_("responsible person"), on_delete=models.PROTECT, related_name="+"
    )
    responsible_leader = models.ForeignKey(
        Person, verbose_name=_("responsible leader"), on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateField(_("deadline"), db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    closure = models.CharField(_("closure"), max_length=20, choices=Closure.choices, blank=True)
    due_state = models.CharField(
        _("deadline state"), max_length=10, choices=DueState.choices, default=DueState.NORMAL, db_index=True
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    # The deadline a reminder was last sent for: a moved deadline (extension) reminds again.
    due_soon_notified_for = models.DateField(_("due-soon reminder sent for"), null=True, blank=True, editable=False)
    overdue_notified_for = models.DateField(_("overdue notice sent for"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed out by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed out at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["unit", "status"]),
            # The dashboard's figures for the days of a month a custom period cuts: index-only (bench B6).
            models.Index(
                fields=["deadline"], include=["unit", "status", "closed_at", "created_at"], name="item_deadline_cover"
            ),
        ]

    def __str__(self) -> str:
        return self.problem[:40]

    def days_overdue(self, today: date | None = None) -> int:
        """Days past the deadline while the unit still holds the item (an item awaiting
        verification is the verifier's to move, not overdue for the unit)."""
        if self.status != self.Status.OPEN:
            return 0
        return max(((today or timezone.localdate()) - self.deadline).days, 0)


class ProgressUpdate(models.Model):
    """A dated progress report on an item, with evidence files attached to it."""

    item = models.ForeignKey(
        RectificationItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="progress_updates"
    )
    text = models.TextField(_("progress"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class ItemReview(models.Model):
    """One verification of a submitted item: accepted (closed out) or rejected with a reason."""

    class Decision(models.TextChoices):
        ACCEPT = "accept", _("Accept and close out")
        REJECT = "reject", _("Reject")

    item = models.ForeignKey(
        RectificationItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="reviews"
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    comment = models.TextField(_("comment"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        ordering = ["reviewed_at", "id"]

    def __str__(self) -> str:
        return f"{self.item} · {self.get_decision_display()}"


class ItemRequest(models.Model):
    """A request on an item that someone else decides: an extension (supervisor) or closing it as
    "cannot be rectified" (committee), so closure rates cannot be inflated."""

    class Kind(models.TextChoices):
        EXTENSION = "extension", _("Extension")
        UNRECTIFIABLE = "unrectifiable", _("Cannot be rectified")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    # Allowed transitions: pending -> approved | refused (item_request_decide).

    item = models.ForeignKey(
        RectificationItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="requests"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reason = models.TextField(_("reason"))
    new_deadline = models.DateField(_("requested deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)

    class Meta:
        verbose_name = _("item request")
        verbose_name_plural = _("item requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "kind"], condition=models.Q(status="pending"), name="one_pending_request_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.get_kind_display()} · {self.get_status_display()}"


class LookBack(models.Model):
    """回头看: a review some time after a notice closed, checking the problem has not returned."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed (notice reopened)")

    # Allowed transitions: scheduled -> passed | failed (look_back_record, the assigned supervisor).

    notice = models.ForeignKey(
        RectificationNotice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="look_backs"
    )
    scheduled_for = models.DateField(_("scheduled for"), db_index=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    result = models.TextField(_("result"), blank=True)
    new_deadline = models.DateField(_("new deadline"), null=True, blank=True)
    performed_at = models.DateTimeField(_("performed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("look-back review")
        verbose_name_plural = _("look-back reviews")
        ordering = ["scheduled_for", "id"]

    def __str__(self) -> str:
        return f"{self.notice} · {self.scheduled_for:%Y-%m-%d}"
