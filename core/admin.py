"""Admin base classes: changes made in the admin go through the same audited services."""

from django.contrib import admin
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from audit.services import audit_record, model_snapshot, snapshot_diff
from core.models import CalendarDay, Notification


def audited_admin_save(request, obj, unit_id=None) -> None:
    """Save an admin form's object and record the change in the operation log, atomically."""
    with transaction.atomic():
        before = model_snapshot(type(obj).objects.get(pk=obj.pk)) if obj.pk else {}
        obj.save()
        audit_record(
            actor=request.user,
            action=f"{obj._meta.model_name}.{'update' if before else 'create'}",
            target=obj,
            unit_id=unit_id,
            changes=snapshot_diff(before, model_snapshot(obj)),
        )


def audited_admin_delete(request, obj) -> None:
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action=f"{obj._meta.model_name}.delete",
            target=obj,
            unit_id=getattr(obj, "unit_id", None),
            changes={"deleted": model_snapshot(obj)},
        )
        obj.delete()


class ReadOnlyAdmin(admin.ModelAdmin):
    """For logs: viewable and searchable, never added to, changed or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceAdmin(SimpleHistoryAdmin):
    """Saves through `save_service(actor=, instance)`; deletes are recorded in the operation log."""

    save_service = None

    def save_model(self, request, obj, form, change):
        type(self).save_service(actor=request.user, **{self.model._meta.model_name: obj})

    def delete_model(self, request, obj):
        audited_admin_delete(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class AuditedAdmin(SimpleHistoryAdmin):
    """Reference data edited in the admin (categories, rules, calendar): every save and delete is
    recorded in the operation log."""

    def save_model(self, request, obj, form, change):
        audited_admin_save(request, obj, unit_id=getattr(obj, "unit_id", None))

    def delete_model(self, request, obj):
        audited_admin_delete(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audited_admin_delete(request, obj)


class WorkflowReadOnlyAdmin(ReadOnlyAdmin):
    """Workflow records change only through their services (pages, API, commands): the admin
    shows them for support, never edits them."""


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "title", "read_at", "emailed_at"]
    search_fields = ["title", "recipient__username"]
    list_filter = ["read_at"]
