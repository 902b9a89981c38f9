"""Integrity cases (廉政问题/违纪案件), the persons they concern, joint-liability rules (责任连带) and the
liability records that disqualify persons from promotion and awards, with objections.

Every state change goes through cases.services (one service per transition, audited); the models
hold no workflow logic.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Person, Position, Unit
from supervision.models import ClueTransfer


class CaseSeverity(models.TextChoices):
    MINOR = "minor", _("Minor")
    SERIOUS = "serious", _("Serious")
    GRAVE = "grave", _("Grave")


class CaseCategory(models.TextChoices):
    """The kind of misconduct (案件类型), the "type" of the statistics by type."""

    BRIBERY = "bribery", _("Taking bribes or benefits")
    ABUSE_OF_POWER = "abuse_of_power", _("Abuse of power")
    DERELICTION = "dereliction", _("Dereliction of duty")
    FAVOURITISM = "favouritism", _("Favouritism in enforcement")
    EIGHT_RULES = "eight_rules", _("Breach of the eight-point rules")
    ILLEGAL_INTERVENTION = "illegal_intervention", _("Interference in cases or business")
    INTERMEDIARY = "intermediary", _("Collusion with intermediaries")
    WORK_DISCIPLINE = "work_discipline", _("Breach of work discipline")
    OTHER = "other", _("Other")


class AccountabilityAction(models.TextChoices):
    """The accountability actions, mildest first (问责方式)."""

    NONE = "none", _("No action")
    REMINDER_TALK = "reminder_talk", _("Reminder talk (提醒谈话)")
    INTERVIEW = "interview", _("Interview (约谈)")
    WRITTEN_INQUIRY = "written_inquiry", _("Written inquiry (函询)")
    ADMONISHMENT = "admonishment", _("Admonishment (诫勉谈话)")
    SELF_EXAMINATION = "self_examination", _("Order to self-examine (责令检查)")
    CRITICISM = "criticism", _("Notice of criticism (通报批评)")
    DISCIPLINE_RECOMMENDATION = "discipline_recommendation", _("Discipline recommendation (纪检建议书)")
    SANCTION = "sanction", _("Party or administrative sanction (党纪政务处分)")


CASE_NUMBER_PREFIX = "廉案"


class CaseSequence(models.Model):
    """The last case number used in a year; incremented under a row lock when a case opens."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case number sequence")
        verbose_name_plural = _("case number sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        INVESTIGATING = "investigating", _("Investigating")
        CONCLUDED = "concluded", _("Concluded")
        CLOSED = "closed", _("Closed")

    # Allowed transitions (cases.services): open -> investigating -> concluded -> closed.

    class Source(models.TextChoices):
        CLUE = "clue", _("Transferred clue")
        DIRECT = "direct", _("Opened directly")

    number = models.CharField(_("case number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    clue = models.OneToOneField(
        ClueTransfer,
        verbose_name=_("clue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="cases", help_text=_("Where it happened.")
    )
    category = models.CharField(_("category"), max_length=30, choices=CaseCategory.choices, db_index=True)
    severity = models.CharField(_("severity"), max_length=10, choices=CaseSeverity.choices, db_index=True)
    misconduct_date = models.DateField(_("date of the misconduct"), db_index=True)
    facts = models.TextField(_("facts"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    integrity_problem_confirmed = models.BooleanField(
        _("integrity problem confirmed"),
        null=True,
        blank=True,
        help_text=_("Set on conclusion: whether the investigation confirmed an integrity problem."),
    )
    conclusion = models.TextField(_("conclusion"), blank=True)

    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    investigation_started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("investigated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    investigation_started_at = models.DateTimeField(_("investigation started at"), null=True, blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("concluded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True, db_index=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("integrity case")
        verbose_name_plural = _("integrity cases")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["unit", "misconduct_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(source="clue", clue__isnull=False) | Q(source="direct", clue__isnull=True),
                name="case_clue_matches_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class CasePerson(models.Model):
    """A person a case concerns; responsibility and action are recorded on conclusion."""

    class Responsibility(models.TextChoices):
        PENDING = "pending", _("Not yet determined")
        DIRECT = "direct", _("Direct responsibility (直接责任)")
        JOINT = "joint", _("Joint responsibility (连带责任)")
        LEADERSHIP = "leadership", _("Leadership responsibility (领导责任)")
        NONE = "none", _("No responsibility")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="persons")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="case_links")
    responsibility = models.CharField(
        _("responsibility"), max_length=20, choices=Responsibility.choices, default=Responsibility.PENDING
    )
    action = models.CharField(
        _("accountability action"),
        max_length=30,
        choices=AccountabilityAction.choices,
        default=AccountabilityAction.NONE,
    )
    action_note = models.TextField(_("note on the action"), blank=True)

    class Meta:
        verbose_name = _("person concerned")
        verbose_name_plural = _("persons concerned")
        ordering = ["case", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="case_person_once")]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.person}"


class LiabilityLevel(models.TextChoices):
    """Who a liability record falls on: the person directly responsible, or one of the four levels of
    the chain (责任连带)."""

    DIRECT = "direct", _("Directly responsible")
    CHIEF = "chief", _("Unit chief (一把手)")
    TEAM_MEMBER = "team_member", _("Team member in charge (班子成员)")
    MID_LEVEL = "mid_level", _("Mid-level in charge (中层骨干)")
    OFFICER = "officer", _("Officers jointly responsible (民警连带)")


# The chain levels and the position level each is taken from on the date of the misconduct.
CHAIN_POSITION_LEVEL = {
    LiabilityLevel.CHIEF: Position.Level.CHIEF,
    LiabilityLevel.TEAM_MEMBER: Position.Level.TEAM_MEMBER,
    LiabilityLevel.MID_LEVEL: Position.Level.MID_LEVEL,
}


class LiabilityRule(models.Model):
    """For one case severity, what follows for the persons directly responsible (their
    disqualification) and which chain levels are implicated (LiabilityRuleLevel rows). Data an admin
    edits."""

    severity = models.CharField(_("severity"), max_length=10, choices=CaseSeverity.choices, unique=True)
    direct_consequence = models.CharField(_("consequence for the directly responsible"), max_length=200)
    direct_disqualification_months = models.PositiveSmallIntegerField(
        _("disqualification of the directly responsible (months)")
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("liability rule")
        verbose_name_plural = _("liability rules")
        ordering = ["severity"]

    def __str__(self) -> str:
        return str(self.get_severity_display())


class LiabilityRuleLevel(models.Model):
    """One chain level implicated by a rule (no row: that level is not implicated)."""

    rule = models.ForeignKey(LiabilityRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="levels")
    level = models.CharField(
        _("level"),
        max_length=20,
        choices=[(value, label) for value, label in LiabilityLevel.choices if value != LiabilityLevel.DIRECT],
    )
    consequence = models.CharField(_("consequence"), max_length=200)
    action = models.CharField(
        _("accountability action"),
        max_length=30,
        choices=AccountabilityAction.choices,
        default=AccountabilityAction.NONE,
    )
    disqualification_months = models.PositiveSmallIntegerField(_("disqualification (months)"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("implicated level")
        verbose_name_plural = _("implicated levels")
        ordering = ["rule", "level"]
        constraints = [models.UniqueConstraint(fields=["rule", "level"], name="liability_rule_level_once")]

    def __str__(self) -> str:
        return f"{self.rule} · {self.get_level_display()}"


class Liability(models.Model):
    """A liability record (责任追究记录): the person is disqualified from promotion and awards from
    start_date to end_date (both included). A granted objection ends it (ended_on, status REVOKED)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("In force")
        OBJECTED = "objected", _("Objection pending")
        REVOKED = "revoked", _("Revoked on objection")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="liabilities")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="liabilities")
    level = models.CharField(_("level"), max_length=20, choices=LiabilityLevel.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="liabilities",
        help_text=_("The person's unit on the date of the misconduct."),
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The position held on the date of the misconduct that implicated the person."),
    )
    reason = models.TextField(_("reason"))
    consequence = models.CharField(_("consequence"), max_length=200)
    action = models.CharField(
        _("accountability action"),
        max_length=30,
        choices=AccountabilityAction.choices,
        default=AccountabilityAction.NONE,
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), help_text=_("Last day of the disqualification."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True, help_text=_("Set when an objection is granted."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("liability record")
        verbose_name_plural = _("liability records")
        ordering = ["-start_date", "id"]
        indexes = [
            models.Index(fields=["person", "start_date", "end_date"]),
            models.Index(fields=["unit", "start_date"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case", "person", "level"], name="liability_once_per_case_person_level"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="liability_end_not_before_start"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_level_display()} · {self.case.number}"

    @property
    def last_covered_day(self):
        """The last day the record disqualifies: its end date, or the day before a granted
        objection ended it (a revoked record stops covering from its `ended_on`)."""
        if self.status == self.Status.REVOKED and self.ended_on is not None:
            return min(self.end_date, self.ended_on - timedelta(days=1))
        return self.end_date

    def covers(self, on_date) -> bool:
        """Whether the record disqualifies the person on `on_date` (cases.eligibility does the same in SQL)."""
        return self.start_date <= on_date <= self.last_covered_day


class Objection(models.Model):
    """A person's objection (申诉) to a liability record, and its decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")

    liability = models.ForeignKey(
        Liability, verbose_name=_("liability record"), on_delete=models.PROTECT, related_name="objections"
    )
    reason = models.TextField(_("reason"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING, db_index=True
    )
    decision_comment = models.TextField(_("decision comment"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["liability"], condition=Q(decision="pending"), name="one_pending_objection_per_liability"
            )
        ]

    def __str__(self) -> str:
        return f"{self.liability} · {self.get_decision_display()}"
