from django.contrib import admin

from core.admin import WorkflowReadOnlyAdmin
from public.models import PublicFeedback, PublicSummary


@admin.register(PublicSummary)
class PublicSummaryAdmin(WorkflowReadOnlyAdmin):
    list_display = ["title", "unit", "status", "progress", "published_at", "unpublished_at"]
    list_filter = ["status", "progress"]
    search_fields = ["title", "unit__name"]
    list_select_related = ["unit"]


@admin.register(PublicFeedback)
class PublicFeedbackAdmin(WorkflowReadOnlyAdmin):
    list_display = ["submitted_at", "unit", "status", "text"]
    list_filter = ["status"]
    search_fields = ["text", "unit__name"]
    list_select_related = ["unit"]
