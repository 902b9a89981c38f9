from django.contrib import admin

from core.admin import AuditedAdmin, WorkflowReadOnlyAdmin
from ratings.models import Indicator, RatingAdjustment, RatingRound, UnitRating


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin):
    """Names, descriptions, weights and switches are edited here (audited); the codes are the ones
    ratings.indicators computes, so none is added or deleted. A change applies to the next computation;
    each round keeps the weights it used."""

    list_display = ["code", "name", "weight", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    readonly_fields = ["code"]
    fields = ["code", "name", "description", "weight", "is_active"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RatingRound)
class RatingRoundAdmin(WorkflowReadOnlyAdmin):
    list_display = ["year", "status", "computed_at", "proposed_at", "approved_at", "published_at"]
    list_filter = ["status"]


@admin.register(UnitRating)
class UnitRatingAdmin(WorkflowReadOnlyAdmin):
    list_display = ["round", "rank", "unit", "score", "grade", "vetoed", "tie_unresolved"]
    list_filter = ["round__year", "grade", "vetoed", "tie_unresolved"]
    search_fields = ["unit__name", "unit__code"]
    list_select_related = ["round", "unit"]


@admin.register(RatingAdjustment)
class RatingAdjustmentAdmin(WorkflowReadOnlyAdmin):
    list_display = ["round", "unit", "points", "reason", "created_by", "created_at"]
    list_filter = ["round__year"]
    search_fields = ["unit__name", "reason"]
    list_select_related = ["round", "unit", "created_by"]
