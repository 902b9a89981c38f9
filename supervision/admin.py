from django.contrib import admin

from core.admin import AuditedAdmin, WorkflowReadOnlyAdmin
from supervision.models import ClueTransfer, Evidence, Finding, FindingCategory, Inspection


@admin.register(FindingCategory)
class FindingCategoryAdmin(AuditedAdmin):
    list_display = ["code", "name", "default_business_area", "sort_order", "is_active"]
    list_filter = ["is_active", "default_business_area"]
    search_fields = ["code", "name"]


@admin.register(Inspection)
class InspectionAdmin(WorkflowReadOnlyAdmin):
    list_display = ["inspection_date", "theme", "kind", "layer", "organizing_unit", "created_by"]
    list_filter = ["kind", "layer", "inspection_date"]
    search_fields = ["theme", "summary"]
    date_hierarchy = "inspection_date"


@admin.register(Finding)
class FindingAdmin(WorkflowReadOnlyAdmin):
    list_display = ["found_on", "unit", "category", "severity", "source", "created_by"]
    list_filter = ["severity", "source", "category", "found_on"]
    search_fields = ["description", "unit__name"]
    list_select_related = ["unit", "category", "created_by"]
    date_hierarchy = "found_on"


@admin.register(Evidence)
class EvidenceAdmin(WorkflowReadOnlyAdmin):
    list_display = ["original_name", "kind", "size", "sha256", "unit", "uploaded_by", "uploaded_at", "locked_at"]
    list_filter = ["kind"]
    search_fields = ["original_name", "sha256"]
    list_select_related = ["unit", "uploaded_by"]


@admin.register(ClueTransfer)
class ClueTransferAdmin(WorkflowReadOnlyAdmin):
    list_display = ["finding", "status", "transferred_by", "transferred_at", "disposed_by", "disposed_at"]
    list_filter = ["status"]
