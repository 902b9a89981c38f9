from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Unit
from accounts.selectors import unit_visible_to
from ratings.models import Grade, RatingAdjustment, RatingRound, UnitRating
from ratings.selectors import rating_round_visible_to
from supervision.api.serializers import LONG_TEXT, ScopedPrimaryKeyRelatedField, UserNameField


@extend_schema_field(
    {
        # Wrapped in allOf so that the schema keeps the enum inline: the risk alerts' `grade` (blue … red)
        # is another choice set under the same property name, and shared enum components would collide.
        "allOf": [{"type": "string", "enum": Grade.values}],
        "description": "model 清廉标兵 · demonstration 示范 · standard 达标 · warning 警示挂牌",
    }
)
class GradeField(serializers.ChoiceField):
    """A rating grade (described inline in the OpenAPI schema, see above)."""

    def __init__(self, **kwargs):
        super().__init__(choices=Grade.choices, **kwargs)


class RatingRoundOutputSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    weights = serializers.DictField(
        child=serializers.CharField(), read_only=True, help_text="The indicator weights used, by indicator code."
    )
    quotas = serializers.DictField(
        read_only=True, help_text="Rated units and the number of places of each grade (round half up)."
    )
    computed_by_name = UserNameField(source="computed_by")
    proposed_by_name = UserNameField(source="proposed_by")
    approved_by_name = UserNameField(source="approved_by")
    published_by_name = UserNameField(source="published_by")
    returned_by_name = UserNameField(source="returned_by")
    rating_count = serializers.IntegerField(read_only=True)
    model_count = serializers.IntegerField(read_only=True)
    demonstration_count = serializers.IntegerField(read_only=True)
    standard_count = serializers.IntegerField(read_only=True)
    warning_count = serializers.IntegerField(read_only=True)
    vetoed_count = serializers.IntegerField(read_only=True)
    unresolved_tie_count = serializers.IntegerField(
        read_only=True, help_text="Units in ties the committee must decide before approval."
    )

    class Meta:
        model = RatingRound
        fields = [
            "id",
            "year",
            "status",
            "status_display",
            "weights",
            "quotas",
            "rating_count",
            "model_count",
            "demonstration_count",
            "standard_count",
            "warning_count",
            "vetoed_count",
            "unresolved_tie_count",
            "computed_at",
            "computed_by_name",
            "proposed_at",
            "proposed_by_name",
            "returned_at",
            "returned_by_name",
            "return_reason",
            "approved_at",
            "approved_by_name",
            "published_at",
            "published_by_name",
            "created_at",
        ]


class UnitRatingOutputSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="round.year", read_only=True)
    round_status = serializers.CharField(source="round.status", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    grade = GradeField(read_only=True)
    grade_display = serializers.CharField(source="get_grade_display", read_only=True)
    indicators = serializers.DictField(read_only=True, help_text="Indicator values by indicator code.")
    figures = serializers.DictField(read_only=True, help_text="The counts behind the indicator values.")
    tie_grades = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="For an unresolved or decided tie: the places of each grade the tie spans.",
    )
    score = serializers.DecimalField(max_digits=10, decimal_places=3, coerce_to_string=False, read_only=True)
    adjustment_points = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=False, read_only=True)
    grade_decided_by_name = UserNameField(source="grade_decided_by")

    class Meta:
        model = UnitRating
        fields = [
            "id",
            "round",
            "year",
            "round_status",
            "unit",
            "unit_name",
            "unit_code",
            "headcount",
            "indicators",
            "figures",
            "adjustment_points",
            "score",
            "rank",
            "grade",
            "grade_display",
            "vetoed",
            "tie_unresolved",
            "tie_group",
            "tie_grades",
            "explanation",
            "grade_decided_by_name",
            "grade_decision_reason",
        ]


class RatingAdjustmentOutputSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="round.year", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    points = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False, read_only=True)
    created_by_name = UserNameField(source="created_by")

    class Meta:
        model = RatingAdjustment
        fields = ["id", "round", "year", "unit", "unit_name", "points", "reason", "created_by_name", "created_at"]


class RoundDraftInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="The year rated, e.g. 2026.")


class RoundReturnInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=LONG_TEXT, help_text="Why the committee returns the proposal.")


class TieDecideInputSerializer(serializers.Serializer):
    grade = GradeField(help_text="One of the grades the tie's places span.")
    reason = serializers.CharField(max_length=LONG_TEXT)


class AdjustmentCreateInputSerializer(serializers.Serializer):
    round = ScopedPrimaryKeyRelatedField(queryset=RatingRound.objects.all(), scope=rating_round_visible_to)
    unit = ScopedPrimaryKeyRelatedField(queryset=Unit.objects.all(), scope=unit_visible_to)
    points = serializers.DecimalField(
        max_digits=6, decimal_places=2, help_text="Bonus (positive) or penalty (negative) points, at most 50."
    )
    reason = serializers.CharField(max_length=LONG_TEXT)
