from django.contrib import admin

from audit.models import AuditCheck, AuditEvent
from core.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "occurred_at", "actor_name", "ip_address", "action", "object_repr", "outcome"]
    list_filter = ["outcome", "object_type", "occurred_at"]
    search_fields = ["action", "object_repr", "actor_name", "object_id"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(AuditCheck)
class AuditCheckAdmin(ReadOnlyAdmin):
    list_display = ["check_date", "checked_at", "events_checked", "is_intact", "message"]
