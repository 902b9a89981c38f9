"""Admin base classes: changes made in the admin go through the same audited services."""

from django.contrib import admin
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from audit.services import audit_record, model_snapshot


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
        with transaction.atomic():
            audit_record(
                actor=request.user,
                action=f"{obj._meta.model_name}.delete",
                target=obj,
                unit_id=getattr(obj, "unit_id", None),
                changes={"deleted": model_snapshot(obj)},
            )
            obj.delete()

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
