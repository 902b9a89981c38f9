"""The public progress page (整改进展公开, seed 002): summaries a supervisor publishes of a
rectification notice's or a quarterly risk list's progress, readable without login, and the
public's feedback on them, which reaches the supervisors as a finding source ("public feedback").

A summary's text is written by the supervisor and may name no person (checked on publishing);
its progress figures are derived from the notice's items when it is published and each time a
supervisor refreshes it, so the public sees nothing the supervisor has not looked at.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit

TITLE_MAX = 200
TEXT_MAX = 5000
FEEDBACK_TEXT_MAX = 1000
FEEDBACK_NAME_MAX = 50
FEEDBACK_CONTACT_MAX = 100


class PublicSummary(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")

    class Progress(models.TextChoices):
        """What the public reads of the notice's status (no internal workflow terms)."""

        HANDED_OVER = "handed_over", _("Handed over, rectification starting")
        RECTIFYING = "rectifying", _("Rectification in progress")
        COMPLETED = "completed", _("Rectification completed")

    # Allowed transitions: published -> unpublished (summary_unpublish, a supervisor). An unpublished
    # summary stays unpublished; publishing again makes a new summary.
    TRANSITIONS = {Status.PUBLISHED: {Status.UNPUBLISHED}, Status.UNPUBLISHED: set()}

    notice = models.ForeignKey(
        "rectification.RectificationNotice",
        verbose_name=_("notice"),
        on_delete=models.PROTECT,
        related_name="public_summaries",
    )
    # Set when the summary is of a quarterly risk-alert list (whose notice is `notice`).
    risk_list = models.ForeignKey(
        "risk.RiskList",
        verbose_name=_("quarterly risk-alert list"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="public_summaries",
    )
    # Copied from the notice for scope without joins.
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    problems = models.TextField(_("problems"))
    measures = models.TextField(_("rectification measures"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PUBLISHED, db_index=True
    )
    # The derived progress, as of `progress_as_of` (publishing, then each refresh).
    progress = models.CharField(_("progress"), max_length=20, choices=Progress.choices)
    item_count = models.PositiveIntegerField(_("rectification items"), default=0)
    closed_count = models.PositiveIntegerField(_("items closed out"), default=0)
    overdue_count = models.PositiveIntegerField(_("items overdue"), default=0)
    deadline = models.DateField(_("deadline"))
    progress_as_of = models.DateTimeField(_("progress as of"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"))
    unpublished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("unpublished by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unpublished_at = models.DateTimeField(_("unpublished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("public summary")
        verbose_name_plural = _("public summaries")
        ordering = ["-published_at", "-id"]
        constraints = [
            # One live summary per notice: refresh it, or unpublish it before publishing another.
            models.UniqueConstraint(
                fields=["notice"], condition=Q(status="published"), name="one_published_summary_per_notice"
            )
        ]
        indexes = [models.Index(fields=["status", "published_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def open_count(self) -> int:
        return self.item_count - self.closed_count


class PublicFeedback(models.Model):
    """A comment from the public on a published summary (name and contact optional)."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        TURNED_INTO_FINDING = "finding", _("Turned into a finding")
        DISMISSED = "dismissed", _("Dismissed")

    # Allowed transitions (a supervisor responsible for the unit, once):
    #   new -> finding    feedback_to_finding
    #   new -> dismissed  feedback_dismiss (with a reason)
    TRANSITIONS = {Status.NEW: {Status.TURNED_INTO_FINDING, Status.DISMISSED}}

    summary = models.ForeignKey(
        PublicSummary, verbose_name=_("public summary"), on_delete=models.PROTECT, related_name="feedback"
    )
    # Copied from the summary for scope without joins.
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=FEEDBACK_NAME_MAX, blank=True)
    contact = models.CharField(_("contact"), max_length=FEEDBACK_CONTACT_MAX, blank=True)
    text = models.TextField(_("comment"))
    client_ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    finding = models.OneToOneField(
        "supervision.Finding",
        verbose_name=_("finding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="public_feedback",
    )
    dismissal_reason = models.TextField(_("reason for dismissal"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("public feedback")
        verbose_name_plural = _("public feedback")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return self.text[:40]
