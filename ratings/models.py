"""The Double Clean rating (双清示范创建): a yearly round over every squad and service window, scored
from weighted indicators, graded by the forced distribution of seed 000 (10 % model, 40 %
demonstration, bottom 10 % warning-tagged, the rest standard) with the integrity veto (一票否决), and
approved by the party committee before it is published.

Workflow and computation live in ratings.services; the models hold no logic.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Unit


class Grade(models.TextChoices):
    MODEL = "model", _("Model (清廉标兵)")
    DEMONSTRATION = "demonstration", _("Demonstration (示范)")
    STANDARD = "standard", _("Standard (达标)")
    WARNING = "warning", _("Warning-tagged (警示挂牌)")


class Indicator(models.Model):
    """One scoring indicator and its weight (data an admin edits). `code` is what ratings.services
    computes; the weight multiplies the indicator's value; negative weights penalise."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(_("weight"), max_digits=8, decimal_places=3)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rating indicator")
        verbose_name_plural = _("rating indicators")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RatingRound(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved by the committee")
        PUBLISHED = "published", _("Published")

    # Allowed transitions (ratings.services): draft -> proposed -> approved -> published;
    # proposed -> draft (sent back by the committee, with a reason).

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    weights = models.JSONField(
        _("weights used"), default=dict, help_text=_("The indicator weights of the last computation.")
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("computed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the yearly task or the command computed it."),
    )
    quotas = models.JSONField(
        _("quotas"),
        default=dict,
        help_text=_("The forced distribution of the last computation: rated units and the grade quotas."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("returned by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rating round")
        verbose_name_plural = _("rating rounds")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}"


class UnitRating(models.Model):
    """One unit's result in a round: its indicator values, score, rank and grade, and why."""

    round = models.ForeignKey(RatingRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="ratings")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="ratings")
    headcount = models.PositiveIntegerField(_("headcount"), default=0)
    indicators = models.JSONField(_("indicator values"), default=dict)
    figures = models.JSONField(
        _("underlying figures"),
        default=dict,
        help_text=_("The counts behind the indicator values (findings by severity, items closed on time, cases)."),
    )
    adjustment_points = models.DecimalField(_("manual points"), max_digits=8, decimal_places=2, default=0)
    score = models.DecimalField(_("score"), max_digits=10, decimal_places=3)
    # Not "rank" and "grade": those words are already a police rank (警衔) and an alert grade (预警等级).
    rank = models.PositiveIntegerField(_("rank in the round"))
    grade = models.CharField(_("rating grade"), max_length=20, choices=Grade.choices, db_index=True)
    vetoed = models.BooleanField(_("vetoed (一票否决)"), default=False)
    tie_unresolved = models.BooleanField(
        _("unresolved tie"),
        default=False,
        help_text=_("A tie at a grade boundary that the secondary keys did not break."),
    )
    tie_group = models.PositiveIntegerField(
        _("tie group"),
        null=True,
        blank=True,
        help_text=_("Units of one round with the same tie group number are tied across a grade boundary."),
    )
    tie_grades = models.JSONField(
        _("grades open to the tie"),
        default=dict,
        help_text=_("For a tie at a grade boundary: each grade the tied units' places span, and how many places."),
    )
    explanation = models.TextField(_("explanation"), blank=True)
    grade_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("grade decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grade_decision_reason = models.TextField(_("reason for the decided grade"), blank=True)

    class Meta:
        verbose_name = _("unit rating")
        verbose_name_plural = _("unit ratings")
        ordering = ["round", "rank", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="one_rating_per_unit_and_round")]
        indexes = [models.Index(fields=["unit", "round"])]

    def __str__(self) -> str:
        return f"{self.round.year} · {self.unit} · {self.get_grade_display()}"


class RatingAdjustment(models.Model):
    """Manual bonus (positive) or penalty (negative) points for one unit in one round, with a reason."""

    round = models.ForeignKey(
        RatingRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="adjustments"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating adjustment")
        verbose_name_plural = _("rating adjustments")
        ordering = ["round", "unit", "created_at"]
        constraints = [models.CheckConstraint(condition=~Q(points=0), name="rating_adjustment_not_zero")]

    def __str__(self) -> str:
        return f"{self.round.year} · {self.unit} · {self.points}"
