from django.contrib import admin

from core.admin import AuditedAdmin, WorkflowReadOnlyAdmin
from rectification.models import (
    DeadlineRule,
    EscalationStep,
    Handover,
    ItemRequest,
    LookBack,
    RectificationItem,
    RectificationNotice,
)


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(AuditedAdmin):
    list_display = ["severity", "working_days"]


@admin.register(EscalationStep)
class EscalationStepAdmin(AuditedAdmin):
    list_display = ["level", "days_overdue", "target"]


class HandoverInline(admin.TabularInline):
    model = Handover
    extra = 0
    can_delete = False
    readonly_fields = [
        "side",
        "party_organization",
        "recipient_unit",
        "status",
        "acknowledged_by",
        "acknowledged_at",
        "opinion",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RectificationNotice)
class RectificationNoticeAdmin(WorkflowReadOnlyAdmin):
    list_display = ["document_number", "title", "unit", "status", "deadline", "issued_at", "closed_at"]
    list_filter = ["status", "business_area"]
    search_fields = ["title", "unit__name", "doc_number"]
    list_select_related = ["unit"]
    inlines = [HandoverInline]


@admin.register(RectificationItem)
class RectificationItemAdmin(WorkflowReadOnlyAdmin):
    list_display = ["problem", "unit", "deadline", "status", "due_state", "escalation_level", "closure"]
    list_filter = ["status", "due_state", "closure"]
    search_fields = ["problem", "measures", "unit__name"]
    list_select_related = ["unit"]


@admin.register(ItemRequest)
class ItemRequestAdmin(WorkflowReadOnlyAdmin):
    list_display = ["item", "kind", "status", "requested_by", "requested_at", "decided_by"]
    list_filter = ["kind", "status"]


@admin.register(LookBack)
class LookBackAdmin(admin.ModelAdmin):
    """Only the assignee may be changed here (to hand a look-back to another supervisor)."""

    list_display = ["notice", "scheduled_for", "assigned_to", "status", "performed_at"]
    list_filter = ["status"]
    fields = ["notice", "scheduled_for", "assigned_to", "status", "result", "new_deadline", "performed_at"]
    readonly_fields = ["notice", "status", "result", "new_deadline", "performed_at"]
    autocomplete_fields = ["assigned_to"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        from core.admin import audited_admin_save

        audited_admin_save(request, obj, unit_id=obj.notice.unit_id)
