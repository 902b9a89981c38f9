"""The risk engine (the "2" of 1+2+6): business records from the business systems, supervision
models (监管模型) over them, the monthly comprehensive assessment with explainable scores and
alerts, dual verification, the circuit breaker (预警熔断) and the quarterly risk-alert lists."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import BusinessArea, Person, Post, Unit

AREA_CHOICES = BusinessArea.Code.choices


class BusinessRecord(models.Model):
    """One business transaction as the business systems report it (业务流水). Tens of millions of
    rows: indexed for the models' monthly scans, listed with cursor pagination, never COUNTed."""

    class Status(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        PENDING = "pending", pgettext_lazy("business record status", "In progress")
        CANCELLED = "cancelled", _("Cancelled")
        DELETED = "deleted", _("Deleted")

    # The import format's `flags` list maps onto these columns (conditional aggregation needs columns).
    FLAGS = (
        "deleted",
        "cancelled",
        "downgraded",
        "points_exempted",
        "manual_discard",
        "modified",
        "public_servant_dui",
        "transferred",
    )

    source_system = models.CharField(_("source system"), max_length=40)
    external_id = models.CharField(_("external id"), max_length=80)
    area = models.CharField(_("business area"), max_length=32, choices=AREA_CHOICES)
    business_type = models.CharField(_("business type"), max_length=60)
    unit_code = models.CharField(_("unit code"), max_length=32)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    operator_badge = models.CharField(_("operator badge"), max_length=20, blank=True)
    operator = models.ForeignKey(
        Person, verbose_name=_("operator"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    operator_account = models.CharField(_("operator account"), max_length=60, blank=True)
    device_id = models.CharField(_("device id"), max_length=80, blank=True)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    applicant_id = models.CharField(_("applicant id"), max_length=64, blank=True)
    agent_id = models.CharField(_("agent id"), max_length=64, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    time_limit_hours = models.PositiveIntegerField(_("time limit (hours)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    flag_deleted = models.BooleanField(_("deleted"), default=False)
    flag_cancelled = models.BooleanField(_("cancelled"), default=False)
    flag_downgraded = models.BooleanField(_("downgraded"), default=False)
    flag_points_exempted = models.BooleanField(_("points exempted"), default=False)
    flag_manual_discard = models.BooleanField(_("manual discard"), default=False)
    flag_modified = models.BooleanField(_("modified"), default=False)
    flag_public_servant_dui = models.BooleanField(_("public servant DUI"), default=False)
    flag_transferred = models.BooleanField(_("transferred"), default=False)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    points = models.SmallIntegerField(_("points"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("business record")
        verbose_name_plural = _("business records")
        constraints = [
            models.UniqueConstraint(fields=["source_system", "external_id"], name="business_record_external_key")
        ]
        indexes = [
            models.Index(fields=["accepted_at"]),
            models.Index(fields=["unit", "accepted_at"]),
            models.Index(fields=["operator_badge", "accepted_at"]),
            models.Index(fields=["operator_account", "accepted_at"]),
            models.Index(fields=["device_id", "accepted_at"]),
            models.Index(fields=["agent_id", "accepted_at"]),
            models.Index(fields=["business_type", "accepted_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.source_system}:{self.external_id}"

    @property
    def flags(self) -> list[str]:
        return [flag for flag in self.FLAGS if getattr(self, f"flag_{flag}")]


class SubjectKind(models.TextChoices):
    PERSON = "person", _("Person")
    ACCOUNT = "account", _("Business account")
    DEVICE = "device", _("Device")
    AGENT = "agent", _("Agent")
    UNIT = "unit", _("Unit")
    POST = "post", _("Post")


class RiskModel(models.Model):
    """A supervision model (监管模型): a named, explainable rule over business records. The rule
    itself is code in risk/rules.py; its parameters, weight and switch are data edited here."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly assessment")
        BREAKER = "breaker", _("Circuit breaker (every few minutes)")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150)
    area = models.CharField(_("business area"), max_length=32, choices=AREA_CHOICES)
    description = models.TextField(_("description"))
    subject_kind = models.CharField(_("subject"), max_length=10, choices=SubjectKind.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MONTHLY)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=1)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("supervision model")
        verbose_name_plural = _("supervision models")
        ordering = ["area", "code"]

    def __str__(self) -> str:
        return self.name_zh


class Assessment(models.Model):
    """One month's comprehensive assessment (每月综合研判); re-running replaces its scores."""

    month = models.DateField(_("month"), unique=True, help_text=_("The first day of the month."))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    hit_count = models.PositiveIntegerField(_("model hits"), default=0)
    alert_count = models.PositiveIntegerField(_("alerts"), default=0)

    class Meta:
        verbose_name = _("monthly assessment")
        verbose_name_plural = _("monthly assessments")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class ModelHit(models.Model):
    """A model firing on one subject in one assessment, with its count and sample source records."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="hits"
    )
    model = models.ForeignKey(RiskModel, verbose_name=_("model"), on_delete=models.PROTECT, related_name="hits")
    subject_kind = models.CharField(_("subject"), max_length=10, choices=SubjectKind.choices)
    subject_key = models.CharField(_("subject key"), max_length=80)
    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    count = models.PositiveIntegerField(_("count"))
    contribution = models.DecimalField(_("contribution to the index"), max_digits=6, decimal_places=1, default=0)
    sample_record_ids = models.JSONField(_("sample records"), default=list)

    class Meta:
        verbose_name = _("model hit")
        verbose_name_plural = _("model hits")
        indexes = [models.Index(fields=["assessment", "model"]), models.Index(fields=["assessment", "person"])]

    def __str__(self) -> str:
        return f"{self.model} · {self.subject_key} · {self.count}"


class RiskScore(models.Model):
    """The risk index (0-100) of a person, post or unit in one assessment, with what explains it."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="scores"
    )
    subject_kind = models.CharField(_("subject"), max_length=10, choices=SubjectKind.choices)
    # The id of the person, post or unit scored (subject_kind says which).
    subject_id = models.BigIntegerField(_("subject id"))
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # For a person: their unit; for a unit: itself; for a post: the detachment (posts span units).
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    index = models.DecimalField(_("risk index"), max_digits=5, decimal_places=1)
    contributions = models.JSONField(_("contributions by model"), default=dict)
    top_factors = models.JSONField(_("top factors"), default=list)

    class Meta:
        verbose_name = _("risk score")
        verbose_name_plural = _("risk scores")
        indexes = [models.Index(fields=["assessment", "subject_kind", "index"])]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "subject_kind", "subject_id"], name="one_score_per_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_kind} {self.index}"


class Alert(models.Model):
    """预警: raised when a person's index crosses a threshold; confirmed only by dual verification."""

    class Grade(models.TextChoices):
        BLUE = "blue", _("Blue")
        YELLOW = "yellow", _("Yellow")
        ORANGE = "orange", _("Orange")
        RED = "red", _("Red")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting dual verification")
        CONFIRMED = "confirmed", _("Confirmed (reported)")
        DISMISSED = "dismissed", _("Dismissed")

    # Allowed transitions: pending -> confirmed (second agreeing verifier of the other role)
    #                      pending -> dismissed (any disagreeing verifier)   — alert_verify

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.PROTECT, related_name="alerts"
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="alerts")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, db_index=True)
    index = models.DecimalField(_("risk index"), max_digits=5, decimal_places=1)
    factors = models.JSONField(_("factors"), default=list)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    dismissal_reason = models.TextField(_("dismissal reason"), blank=True)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["assessment", "person"], name="one_alert_per_person_month")]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.get_grade_display()}"


class AlertVerification(models.Model):
    """One verifier's opinion on an alert and on each of its factors (双核)."""

    alert = models.ForeignKey(Alert, verbose_name=_("alert"), on_delete=models.PROTECT, related_name="verifications")
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("verifier"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("verifying role"), max_length=30)
    agree = models.BooleanField(_("agrees"))
    factor_opinions = models.JSONField(_("opinions per factor"), default=dict)
    comment = models.TextField(_("comment"))
    verified_at = models.DateTimeField(_("verified at"), auto_now_add=True)

    class Meta:
        verbose_name = _("alert verification")
        verbose_name_plural = _("alert verifications")
        constraints = [
            models.UniqueConstraint(fields=["alert", "verifier"], name="one_verification_per_person"),
            models.UniqueConstraint(fields=["alert", "role"], name="one_verification_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.alert} · {self.verifier} · {self.agree}"


class CircuitBreak(models.Model):
    """熔断: an account, device or platform user suspended at once when a breaker model trips."""

    class ScopeKind(models.TextChoices):
        ACCOUNT = "account", _("Business account")
        DEVICE = "device", _("Device")
        USER = "user", _("Platform user")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active (suspended)")
        RESTORE_REQUESTED = "restore_requested", _("Restore requested")
        RESTORED = "restored", _("Restored")

    # Allowed transitions: active -> restore_requested (unit leader, breaker_restore_request)
    #                      restore_requested -> restored | active (another supervisor decides)
    ACTIVE_STATUSES = (Status.ACTIVE, Status.RESTORE_REQUESTED)

    scope_kind = models.CharField(_("scope"), max_length=10, choices=ScopeKind.choices)
    scope_key = models.CharField(_("account / device / user"), max_length=150)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    model = models.ForeignKey(RiskModel, verbose_name=_("model"), on_delete=models.PROTECT, related_name="breaks")
    evidence = models.JSONField(_("evidence"), default=dict)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    tripped_at = models.DateTimeField(_("tripped at"), auto_now_add=True)
    restored_at = models.DateTimeField(_("restored at"), null=True, blank=True)

    class Meta:
        verbose_name = _("circuit break")
        verbose_name_plural = _("circuit breaks")
        ordering = ["-tripped_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope_kind", "scope_key"],
                condition=Q(status__in=["active", "restore_requested"]),
                name="one_active_break_per_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_kind_display()} {self.scope_key}"


class RestoreRequest(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    breaker = models.ForeignKey(
        CircuitBreak, verbose_name=_("circuit break"), on_delete=models.PROTECT, related_name="restore_requests"
    )
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("restore request")
        verbose_name_plural = _("restore requests")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.breaker} · {self.get_decision_display()}"


class AllowlistEntry(models.Model):
    """Suppresses breaker trips for a scope until a date, with the reason."""

    scope_kind = models.CharField(_("scope"), max_length=10, choices=CircuitBreak.ScopeKind.choices)
    scope_key = models.CharField(_("account / device / user"), max_length=150)
    until = models.DateTimeField(_("until"))
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("allowlist entry")
        verbose_name_plural = _("breaker allowlist")
        indexes = [models.Index(fields=["scope_kind", "scope_key", "until"])]

    def __str__(self) -> str:
        return f"{self.scope_kind} {self.scope_key} → {self.until:%Y-%m-%d}"


class BreakerWatermark(models.Model):
    """The last business record the breaker scan has looked at (one row)."""

    last_record_id = models.BigIntegerField(default=0)
    scanned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("breaker watermark")
        verbose_name_plural = _("breaker watermark")

    def __str__(self) -> str:
        return str(self.last_record_id)


class RiskList(models.Model):
    """The quarterly risk-alert list (廉政预警风险提醒清单) of one second-level unit. It is issued as a
    rectification notice; each entry is an item of that notice."""

    quarter = models.CharField(_("quarter"), max_length=6, help_text="2026Q3")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="risk_lists")
    notice = models.OneToOneField(
        "rectification.RectificationNotice",
        verbose_name=_("notice"),
        on_delete=models.PROTECT,
        related_name="risk_list",
    )
    entries = models.JSONField(_("entries"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("quarterly risk-alert list")
        verbose_name_plural = _("quarterly risk-alert lists")
        ordering = ["-quarter", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["quarter", "unit"], name="one_risk_list_per_unit_quarter")]

    def __str__(self) -> str:
        return f"{self.quarter} {self.unit.name}"
