"""Output shapes of the report API (documenting dashboard.figures' dictionaries in the schema)."""

from rest_framework import serializers


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(help_text="Last day, included.")
    label = serializers.CharField(help_text="Canonical text: 2026-10, 2026Q3, 2026H1, 2026 or 2026-01-05..2026-03-31.")
    kind = serializers.ChoiceField(choices=["month", "quarter", "half_year", "year", "custom"])
    display = serializers.CharField()


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class VisibleSerializer(serializers.Serializer):
    """Which families of figures the caller's roles read; the others are null."""

    alerts = serializers.BooleanField()
    pending_alerts = serializers.BooleanField()
    cases = serializers.BooleanField()
    case_details = serializers.BooleanField()
    liabilities = serializers.BooleanField()
    model_precision = serializers.BooleanField()


class _Head(serializers.Serializer):
    period = PeriodSerializer(allow_null=True)
    unit = UnitRefSerializer(allow_null=True)


class IntFigureSerializer(serializers.Serializer):
    value = serializers.IntegerField(allow_null=True)
    as_of = serializers.DateTimeField(allow_null=True, help_text="How fresh the figure is (null: not aggregated yet).")


class FloatFigureSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    as_of = serializers.DateTimeField(allow_null=True)


class GradeCountsSerializer(serializers.Serializer):
    blue = serializers.IntegerField()
    yellow = serializers.IntegerField()
    orange = serializers.IntegerField()
    red = serializers.IntegerField()


class GradeFigureSerializer(serializers.Serializer):
    value = GradeCountsSerializer(allow_null=True)
    as_of = serializers.DateTimeField(allow_null=True)


class KeyFiguresSerializer(_Head):
    visible = VisibleSerializer()
    findings_in_period = IntFigureSerializer()
    open_findings = IntFigureSerializer(help_text="Now: findings not yet part of a closed-out notice.")
    open_items = IntFigureSerializer(help_text="Now: items with the unit (status open).")
    submitted_items = IntFigureSerializer(help_text="Now: items awaiting verification.")
    overdue_items = IntFigureSerializer(help_text="Now: open items past their deadline.")
    items_due = IntFigureSerializer(help_text="Items whose deadline falls in the period.")
    items_closed = IntFigureSerializer()
    items_closed_on_time = IntFigureSerializer()
    closure_rate = FloatFigureSerializer(help_text="Closed out / due (0..1); null when nothing was due.")
    on_time_rate = FloatFigureSerializer(help_text="Closed out by the deadline / due (0..1).")
    mean_working_days_to_close = FloatFigureSerializer()
    alerts_by_grade = GradeFigureSerializer()
    alerts_total = IntFigureSerializer()
    active_breakers = IntFigureSerializer(help_text="Now: circuit breaks active or awaiting a restore decision.")
    breakers_tripped = IntFigureSerializer()
    open_cases = IntFigureSerializer()


class TrendSeriesSerializer(serializers.Serializer):
    findings = serializers.ListField(child=serializers.IntegerField())
    items_opened = serializers.ListField(child=serializers.IntegerField())
    items_closed = serializers.ListField(child=serializers.IntegerField())
    items_overdue = serializers.ListField(
        child=serializers.IntegerField(), help_text="Items due that month and not closed out by the deadline."
    )
    alerts = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    breakers = serializers.ListField(child=serializers.IntegerField())
    cases = serializers.ListField(child=serializers.IntegerField(), allow_null=True)


class TrendsSerializer(_Head):
    months = serializers.ListField(child=serializers.CharField(), help_text="YYYY-MM, oldest first.")
    series = TrendSeriesSerializer()
    as_of = serializers.DateTimeField(allow_null=True)


class OverdueUnitSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()
    overdue = serializers.IntegerField()


class RectificationReportSerializer(_Head):
    items_due = serializers.IntegerField()
    items_closed = serializers.IntegerField()
    items_closed_on_time = serializers.IntegerField()
    closure_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    mean_working_days_to_close = serializers.FloatField(allow_null=True)
    open_items = serializers.IntegerField()
    submitted_items = serializers.IntegerField()
    overdue_items = serializers.IntegerField()
    overdue_by_unit = OverdueUnitSerializer(many=True)
    as_of = serializers.DateTimeField(allow_null=True, help_text="The rollups' refresh (null: not aggregated yet).")


class StatusCountsSerializer(serializers.Serializer):
    pending = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    dismissed = serializers.IntegerField()


class StatusFigureSerializer(serializers.Serializer):
    value = StatusCountsSerializer(allow_null=True)
    as_of = serializers.DateTimeField(allow_null=True)


class AreaCountSerializer(serializers.Serializer):
    area = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class AreaFigureSerializer(serializers.Serializer):
    value = AreaCountSerializer(many=True, allow_null=True)
    as_of = serializers.DateTimeField(allow_null=True)


class BreakerCountsSerializer(serializers.Serializer):
    active = serializers.IntegerField()
    restore_requested = serializers.IntegerField()
    tripped_in_period = serializers.IntegerField()
    restored_in_period = serializers.IntegerField()


class BreakerFigureSerializer(serializers.Serializer):
    value = BreakerCountsSerializer()
    as_of = serializers.DateTimeField()


class RecordAreaSerializer(serializers.Serializer):
    area = serializers.CharField()
    label = serializers.CharField()
    records = serializers.IntegerField()
    flagged = serializers.IntegerField()


class RecordFigureSerializer(serializers.Serializer):
    value = RecordAreaSerializer(many=True)
    as_of = serializers.DateTimeField(allow_null=True)


class ModelPrecisionSerializer(serializers.Serializer):
    model_id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    area = serializers.CharField()
    kind = serializers.CharField()
    hits = serializers.IntegerField()
    hits_in_confirmed_alerts = serializers.IntegerField()
    hits_in_dismissed_alerts = serializers.IntegerField()
    hits_in_pending_alerts = serializers.IntegerField()
    precision = serializers.FloatField(allow_null=True, help_text="confirmed / (confirmed + dismissed).")


class PrecisionFigureSerializer(serializers.Serializer):
    value = ModelPrecisionSerializer(many=True, allow_null=True, help_text="Administrators only; null otherwise.")
    as_of = serializers.DateTimeField()


class RiskReportSerializer(_Head):
    visible = VisibleSerializer()
    alerts_total = IntFigureSerializer()
    alerts_by_grade = GradeFigureSerializer()
    alerts_by_status = StatusFigureSerializer()
    alerts_by_area = AreaFigureSerializer()
    breakers = BreakerFigureSerializer()
    business_records_by_area = RecordFigureSerializer()
    model_precision = PrecisionFigureSerializer()


class _LabelledCount(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()


class CaseStatusCountSerializer(_LabelledCount):
    status = serializers.CharField()


class CaseSeverityCountSerializer(_LabelledCount):
    severity = serializers.CharField()


class CaseCategoryCountSerializer(_LabelledCount):
    category = serializers.CharField()


class RankCountSerializer(_LabelledCount):
    rank = serializers.CharField()


class LiabilityLevelCountSerializer(_LabelledCount):
    level = serializers.CharField()


class LiabilityCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    not_revoked = serializers.IntegerField()
    by_level = LiabilityLevelCountSerializer(many=True)


class CasesReportSerializer(_Head):
    visible = VisibleSerializer()
    open_cases = serializers.IntegerField(allow_null=True)
    opened_in_period = serializers.IntegerField(allow_null=True)
    concluded_in_period = serializers.IntegerField(allow_null=True)
    confirmed_in_period = serializers.IntegerField(allow_null=True)
    by_status = CaseStatusCountSerializer(many=True, allow_null=True)
    by_severity = CaseSeverityCountSerializer(many=True, allow_null=True)
    by_category = CaseCategoryCountSerializer(many=True, allow_null=True, help_text="By type of case.")
    by_police_category = CaseCategoryCountSerializer(many=True, allow_null=True, help_text="Persons concerned.")
    by_rank = RankCountSerializer(many=True, allow_null=True, help_text="Persons concerned.")
    liabilities = LiabilityCountsSerializer(allow_null=True)
    as_of = serializers.DateTimeField()


class FindingCategoryCountSerializer(serializers.Serializer):
    category_id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()


class LayerCountSerializer(_LabelledCount):
    layer = serializers.CharField(help_text='"" = not from an inspection.')


class FindingsBreakdownSerializer(_Head):
    total = serializers.IntegerField()
    by_category = FindingCategoryCountSerializer(many=True)
    by_layer = LayerCountSerializer(many=True)
    by_severity = CaseSeverityCountSerializer(many=True)
    as_of = serializers.DateTimeField(allow_null=True, help_text="The rollups' refresh (null: not aggregated yet).")


class RatingRoundRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField()


class GradeCountSerializer(_LabelledCount):
    grade = serializers.CharField()


class RatingDistributionSerializer(serializers.Serializer):
    round = RatingRoundRefSerializer(allow_null=True)
    grades = GradeCountSerializer(many=True)
    total = serializers.IntegerField()
    as_of = serializers.DateTimeField()


class SummarySerializer(_Head):
    visible = VisibleSerializer()
    generated_at = serializers.DateTimeField()
    key_figures = KeyFiguresSerializer()
    rectification = RectificationReportSerializer()
    risk = RiskReportSerializer()
    cases = CasesReportSerializer()
    findings = FindingsBreakdownSerializer()
    ratings = RatingDistributionSerializer()
    trends = TrendsSerializer()
