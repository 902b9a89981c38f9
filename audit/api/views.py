import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets
from rest_framework.permissions import BasePermission

from accounts.models import Role
from accounts.selectors import user_has_role
from audit.models import AuditEvent
from audit.selectors import audit_event_visible_to
from core.api.pagination import CursorPagination


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "seq",
            "occurred_at",
            "actor",
            "actor_name",
            "ip_address",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "unit_id",
            "changes",
            "outcome",
            "note",
            "prev_hash",
            "hash",
        ]


class AuditEventFilter(django_filters.FilterSet):
    occurred_from = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte", label=_("From"))
    occurred_to = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt", label=_("Until"))

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "object_type", "object_id", "outcome", "unit_id"]


class CanReadAuditLog(BasePermission):
    def has_permission(self, request, view):
        return user_has_role(request.user, Role.ADMIN, Role.DISCIPLINE_INSPECTOR)


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The operation log, newest first (administrators and discipline inspection only)."""

    serializer_class = AuditEventSerializer
    permission_classes = [CanReadAuditLog]
    filterset_class = AuditEventFilter
    pagination_class = CursorPagination
    ordering_fields = ["seq"]
    ordering = ["-seq"]
    search_fields = ["object_repr", "actor_name"]

    def get_queryset(self):
        return audit_event_visible_to(self.request.user)
