"""Rollups: monthly aggregates of the large tables, refreshed by dashboard.rollups every 15 minutes.

A rollup row is a number (`value`) for one month, one unit and one measure, split by up to two
dimension values (`dim1`, `dim2`, "" when unused). Scope is applied when reading, by the unit (and, for
alerts, by the status in `dim2`), exactly as for the live tables. Rows are derived data: a refresh
deletes and re-inserts whole months, so nothing else writes them.

Most measures count events of a month (a finding found, an item closed out). The "current state"
measures (open findings, item states, working days to close out) describe every row as it stands at
the refresh, filed under a month of the row (found, due); a refresh recomputes all their months.
A "day" measure files its rows under the day itself (in `month`): it serves the days of a month that a
custom period cuts where counting them live would need an expensive join.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit


class Measure(models.TextChoices):
    """What a rollup row counts, and by which month (the dimensions in brackets)."""

    FINDINGS = "findings", _("Findings (month found)")
    ITEMS_OPENED = "items_opened", _("Rectification items opened (month created)")
    ITEMS_CLOSED = "items_closed", _("Rectification items closed out (month closed)")
    ITEMS_OVERDUE = "items_overdue", _("Rectification items not closed by their deadline (month due)")
    ALERTS = "alerts", _("Alerts (assessment month; grade, status)")
    ALERT_AREAS = "alert_areas", _("Alerts with a model hit in a business area (assessment month; area, status)")
    BREAKERS = "breakers", _("Circuit breaks tripped (month tripped)")
    CASES = "cases", _("Integrity cases opened (month opened)")
    BUSINESS_RECORDS = "business_records", _("Business records (month accepted; area)")
    FINDINGS_CATEGORY = "findings_category", _("Findings (month found; category)")
    FINDINGS_LAYER = "findings_layer", _("Findings (month found; supervision layer)")
    FINDINGS_LAYER_DAY = "findings_layer_day", _("Findings (day found; supervision layer)")
    FINDINGS_SEVERITY = "findings_severity", _("Findings (month found; severity)")
    OPEN_FINDINGS = "open_findings", _("Findings open at the refresh (month found)")
    ITEM_STATES = "item_states", _("Rectification items at the refresh (month due; status, standing)")
    ITEM_STATES_DAY = "item_states_day", _("Rectification items at the refresh (day due; status, standing)")
    ITEM_CLOSE_DAYS = "item_close_days", _("Closed-out items and their working days to close out (month due)")
    ITEM_CLOSE_DAYS_DAY = "item_close_days_day", _("Closed-out items and their working days to close out (day due)")
    FLAGGED_RECORDS = "flagged_records", _("Business records with a flag (month accepted; area)")


class RollupMonthly(models.Model):
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    measure = models.CharField(_("measure"), max_length=30, choices=Measure.choices)
    dim1 = models.CharField(_("dimension 1"), max_length=40, blank=True, default="")
    dim2 = models.CharField(_("dimension 2"), max_length=40, blank=True, default="")
    value = models.BigIntegerField(_("value"))

    class Meta:
        verbose_name = _("monthly rollup")
        verbose_name_plural = _("monthly rollups")
        constraints = [
            models.UniqueConstraint(fields=["measure", "month", "unit", "dim1", "dim2"], name="rollup_monthly_key")
        ]
        indexes = [models.Index(fields=["measure", "month"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.measure} {self.unit_id} {self.dim1}/{self.dim2}: {self.value}"


class RollupState(models.Model):
    """When each measure was last refreshed: the `as_of` ("数据截至 …") of the figures read from it."""

    measure = models.CharField(_("measure"), max_length=30, choices=Measure.choices, unique=True)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)
    # Business records: the import time up to which changes are known to be rolled up.
    watermark = models.DateTimeField(_("watermark"), null=True, blank=True)
    months_refreshed = models.PositiveIntegerField(_("months refreshed last time"), default=0)
    rows = models.PositiveIntegerField(_("rows written last time"), default=0)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup states")
        ordering = ["measure"]

    def __str__(self) -> str:
        return f"{self.measure} @ {self.refreshed_at}"
