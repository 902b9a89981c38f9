"""Inspections, findings, their evidence files, and clue transfers to discipline inspection."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import BusinessArea, Person, Unit


class SupervisionLayer(models.TextChoices):
    """The "1" of 1+2+6: the five layers of supervision."""

    COMMITTEE = "committee", _("Party committee supervision")
    DISCIPLINE = "discipline", _("Discipline inspection supervision")
    FUNCTIONAL = "functional", _("Functional department supervision")
    UNIT_DAILY = "unit_daily", _("Second-level unit daily supervision")
    DEMOCRATIC = "democratic", _("Party member democratic supervision")


class Severity(models.TextChoices):
    GENERAL = "general", _("General")
    SERIOUS = "serious", _("Serious")
    GRAVE = "grave", _("Grave")


# Gravest first: a notice's default deadline follows its gravest finding.
SEVERITY_RANK = {Severity.GENERAL: 1, Severity.SERIOUS: 2, Severity.GRAVE: 3}


class Inspection(models.Model):
    class Kind(models.TextChoices):
        UNANNOUNCED = "unannounced", _("Unannounced visit")
        ROUTINE = "routine", _("Routine inspection")
        SPOT = "spot", _("Spot check")
        SPECIAL = "special", _("Special inspection")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    layer = models.CharField(_("supervision layer"), max_length=20, choices=SupervisionLayer.choices)
    inspection_date = models.DateField(_("inspection date"), db_index=True)
    theme = models.CharField(_("theme"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    organizing_unit = models.ForeignKey(
        Unit, verbose_name=_("organising unit"), on_delete=models.PROTECT, related_name="inspections_organized"
    )
    target_units = models.ManyToManyField(Unit, verbose_name=_("target units"), related_name="inspections_received")
    inspectors = models.ManyToManyField(Person, verbose_name=_("inspectors"), blank=True, related_name="inspections")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[target_units, inspectors])

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspection_date", "-id"]

    def __str__(self) -> str:
        return f"{self.inspection_date:%Y-%m-%d} {self.theme}"


class FindingCategory(models.Model):
    """Finding categories are data: an administrator can add more."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    default_business_area = models.ForeignKey(
        BusinessArea, verbose_name=_("default business area"), null=True, blank=True, on_delete=models.SET_NULL
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("finding category")
        verbose_name_plural = _("finding categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Finding(models.Model):
    class Source(models.TextChoices):
        INSPECTION = "inspection", _("Inspection")
        RISK_ALERT = "risk_alert", _("Risk alert")
        PETITION = "petition", _("Petition (信访)")
        COMPLAINT = "complaint", _("Complaint (12389)")
        AUDIT = "audit", _("Audit")
        PUBLIC_FEEDBACK = "public_feedback", _("Public feedback")

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="findings")
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.INSPECTION)
    category = models.ForeignKey(FindingCategory, verbose_name=_("category"), on_delete=models.PROTECT)
    business_area = models.ForeignKey(
        BusinessArea,
        verbose_name=_("business area"),
        on_delete=models.PROTECT,
        help_text=_("Decides the business lead department that receives the handover."),
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, db_index=True)
    description = models.TextField(_("description"))
    persons = models.ManyToManyField(Person, verbose_name=_("persons involved"), blank=True, related_name="findings")
    found_on = models.DateField(_("found on"), db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[persons])

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-found_on", "-id"]
        indexes = [
            models.Index(fields=["unit", "found_on"]),
            models.Index(fields=["category", "severity"]),
            # The list's and the dashboard's severity filter over a date range, counted from the index
            # alone (bench B4b: the page's COUNT went from a bitmap heap scan to an index-only scan).
            models.Index(fields=["severity", "found_on"], include=["unit"], name="finding_severity_found_on"),
            # The same within a unit's subtree (a data scope or ?within=): one short index range per unit
            # instead of every finding of that severity (bench B4b: the page's COUNT 12 ms -> 1.3 ms).
            models.Index(fields=["unit", "severity", "found_on"], name="finding_unit_severity_found_on"),
            # The dashboard's figures for the days of a month a custom period cuts (the whole months come
            # from the rollups): counted by an index-only scan (bench B6).
            models.Index(
                fields=["found_on"],
                include=["unit", "category", "severity", "inspection"],
                name="finding_found_on_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name}：{self.description[:30]}"


class Evidence(models.Model):
    """An evidence file. Stored under MEDIA_ROOT (never static), served only through a scoped view.

    It supports either a finding or a rectification progress update. Once the item it supports is
    submitted (or the notice of its finding is issued) it is locked and can no longer be removed.
    """

    class Kind(models.TextChoices):
        JPG = "jpg", "JPEG"
        PNG = "png", "PNG"
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word (.docx)"
        XLSX = "xlsx", "Excel (.xlsx)"
        MP4 = "mp4", "MP4"

    finding = models.ForeignKey(
        Finding, verbose_name=_("finding"), null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    progress_update = models.ForeignKey(
        "rectification.ProgressUpdate",
        verbose_name=_("progress update"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    # The unit the evidence belongs to, for data scope without joins.
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(finding__isnull=False, progress_update__isnull=True)
                | models.Q(finding__isnull=True, progress_update__isnull=False),
                name="evidence_supports_exactly_one_thing",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class ClueTransfer(models.Model):
    """线索移送: a serious finding handed to discipline inspection, with its disposal fed back."""

    class Status(models.TextChoices):
        TRANSFERRED = "transferred", _("Transferred")
        DISPOSED = "disposed", _("Disposed")

    # Allowed transitions: transferred -> disposed (clue_dispose, discipline inspector).

    finding = models.OneToOneField(
        Finding, verbose_name=_("finding"), on_delete=models.PROTECT, related_name="clue_transfer"
    )
    reason = models.TextField(_("reason for transfer"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.TRANSFERRED)
    transferred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("transferred by"), on_delete=models.PROTECT, related_name="+"
    )
    transferred_at = models.DateTimeField(_("transferred at"), auto_now_add=True)
    disposal = models.TextField(_("disposal"), blank=True)
    disposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("disposed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    disposed_at = models.DateTimeField(_("disposed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("clue transfer")
        verbose_name_plural = _("clue transfers")
        ordering = ["-transferred_at"]

    def __str__(self) -> str:
        return f"{self.finding} → {self.get_status_display()}"
