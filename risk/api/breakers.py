"""The risk API, part three: circuit breaks (预警熔断) with their restore workflow, and the allowlist.

`GET /api/v1/circuit-breaks/?status=active` is what the business systems enforce: every break IN
FORCE, i.e. active or restore requested (a restore request does not lift a suspension; only its
approval does). `?status=restore_requested` lists only those awaiting a decision, `?status=restored`
the lifted ones. Reads start from the scoped selectors (outside the scope is 404); each write is one
endpoint with an input serializer, one service call and the break's output.
"""

from datetime import timedelta
from urllib.parse import urlencode

import django_filters
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from core.api.filters import IdFilter, StrictBooleanFilter
from risk.breakers import allowlist_add, breaker_latest_request, breaker_restore_decide, breaker_restore_request
from risk.models import AllowlistEntry, CircuitBreak, RestoreRequest
from risk.selectors import allowlist_visible_to, circuit_break_visible_to
from supervision.api.serializers import LONG_TEXT, UserNameField

BUSINESS_RECORDS_URL = "/api/v1/business-records/"

# --- circuit breaks --------------------------------------------------------------------------------------


class BreakerEvidenceSerializer(serializers.Serializer):
    """Why the breaker tripped: what the model counted in its sliding window, and sample records."""

    model = serializers.CharField(help_text="The breaker model's code.")
    subject_kind = serializers.CharField(help_text="device or account: what the model counted by.")
    subject_key = serializers.CharField()
    count = serializers.IntegerField(help_text="The peak count (the largest of `counts`).")
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="What was counted, e.g. accounts, records, ips, devices."
    )
    parameters = serializers.DictField(help_text="The model's thresholds at the time of the trip.")
    window_start = serializers.DateTimeField(allow_null=True)
    window_end = serializers.DateTimeField(allow_null=True)
    sample_record_ids = serializers.ListField(child=serializers.IntegerField(), help_text="Business record ids.")
    scanned_ids = serializers.DictField(
        child=serializers.IntegerField(), help_text="The batch of record ids scanned: after < id <= up_to."
    )
    also_tripped = serializers.ListField(
        child=serializers.DictField(), help_text="Other breaker models tripped by the same scope in the same scan."
    )
    records_url = serializers.CharField(
        help_text="The subject's records in the peak window, in the business-record API (empty without a window)."
    )


EMPTY_EVIDENCE = {
    "model": "",
    "subject_kind": "",
    "subject_key": "",
    "count": 0,
    "counts": {},
    "parameters": {},
    "window_start": None,
    "window_end": None,
    "sample_record_ids": [],
    "scanned_ids": {},
    "also_tripped": [],
}


def _records_url(evidence: dict) -> str:
    """The business records of the trip's subject in its peak window (start, end]: the record API's
    `accepted_to` is exclusive, so it reaches one second past the end."""
    field = {"device": "device_id", "account": "operator_account"}.get(evidence["subject_kind"])
    if not field or not evidence["subject_key"] or not evidence["window_start"] or not evidence["window_end"]:
        return ""
    end = parse_datetime(str(evidence["window_end"]))
    if end is None:
        return ""
    query = {
        field: evidence["subject_key"],
        "accepted_from": str(evidence["window_start"]),
        "accepted_to": (end + timedelta(seconds=1)).isoformat(),
    }
    return f"{BUSINESS_RECORDS_URL}?{urlencode(query)}"


class RestoreRequestOutputSerializer(serializers.ModelSerializer):
    # A plain string, not an enum: its choice set (pending / approved / refused) is also the item
    # requests' status enum, and a second `decision` enum would make the schema's enum names collide.
    decision = serializers.CharField(read_only=True, help_text="pending, approved or refused.")
    requested_by_name = UserNameField(source="requested_by")
    decided_by_name = UserNameField(source="decided_by")
    decision_display = serializers.CharField(source="get_decision_display", read_only=True)

    class Meta:
        model = RestoreRequest
        fields = [
            "id",
            "reason",
            "requested_by",
            "requested_by_name",
            "requested_at",
            "decision",
            "decision_display",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "comment",
        ]


class CircuitBreakOutputSerializer(serializers.ModelSerializer):
    scope_kind_display = serializers.CharField(source="get_scope_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    in_force = serializers.SerializerMethodField(help_text="Active or restore requested: the scope is suspended.")
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    model_code = serializers.CharField(source="model.code", read_only=True)
    model_name = serializers.CharField(source="model.name_zh", read_only=True)
    model_name_en = serializers.CharField(source="model.name_en", read_only=True)
    evidence = serializers.SerializerMethodField()
    restore_requests = RestoreRequestOutputSerializer(many=True, read_only=True)

    class Meta:
        model = CircuitBreak
        fields = [
            "id",
            "scope_kind",
            "scope_kind_display",
            "scope_key",
            "status",
            "status_display",
            "in_force",
            "unit",
            "unit_name",
            "model",
            "model_code",
            "model_name",
            "model_name_en",
            "evidence",
            "tripped_at",
            "restored_at",
            "restore_requests",
        ]

    @extend_schema_field(BreakerEvidenceSerializer)
    def get_evidence(self, breaker):
        # Every key present, whatever an older or hand-made break stored.
        evidence = {**EMPTY_EVIDENCE, **(breaker.evidence or {})}
        return BreakerEvidenceSerializer({**evidence, "records_url": _records_url(evidence)}).data

    def get_in_force(self, breaker) -> bool:
        return breaker.status in CircuitBreak.ACTIVE_STATUSES


class CircuitBreakFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=CircuitBreak.Status.choices,
        method="filter_status",
        label=gettext_lazy("Status"),
        help_text="active: every break in force (active or restore requested), what the business systems "
        "enforce; restore_requested: only those awaiting a decision; restored: lifted.",
    )
    scope_kind = django_filters.ChoiceFilter(choices=CircuitBreak.ScopeKind.choices, label=gettext_lazy("Scope"))
    scope_key = django_filters.CharFilter(label=gettext_lazy("Account / device / user"))
    unit = IdFilter(field_name="unit_id", label=gettext_lazy("Unit"))
    model = IdFilter(field_name="model_id", label=gettext_lazy("Model"))
    model_code = django_filters.CharFilter(field_name="model__code", label=gettext_lazy("Model code"))
    tripped_after = django_filters.IsoDateTimeFilter(
        field_name="tripped_at", lookup_expr="gte", label=gettext_lazy("Tripped at or after")
    )

    class Meta:
        model = CircuitBreak
        fields = ["status", "scope_kind", "scope_key", "unit", "model", "model_code", "tripped_after"]

    def filter_status(self, queryset, name, value):
        if value == CircuitBreak.Status.ACTIVE:
            return queryset.filter(status__in=CircuitBreak.ACTIVE_STATUSES)
        return queryset.filter(status=value)


class RestoreRequestInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=LONG_TEXT, trim_whitespace=True)


class RestoreDecisionInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(
        max_length=LONG_TEXT,
        allow_blank=True,
        required=False,
        default="",
        trim_whitespace=True,
        help_text="Required when refusing.",
    )


class CircuitBreakViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Circuit breaks (预警熔断): accounts, devices and platform users suspended when a breaker model
    trips, with their evidence and restore requests. `?status=active` lists every break in force."""

    serializer_class = CircuitBreakOutputSerializer
    filterset_class = CircuitBreakFilter
    search_fields = ["scope_key", "unit__name", "model__code", "model__name_zh"]
    ordering_fields = ["tripped_at", "restored_at", "id"]
    ordering = ["-tripped_at", "-id"]

    def get_queryset(self):
        return circuit_break_visible_to(self.request.user).prefetch_related(
            Prefetch(
                "restore_requests",
                queryset=RestoreRequest.objects.select_related("requested_by__person", "decided_by__person").order_by(
                    "-requested_at", "-pk"
                ),
            )
        )

    def _output(self, breaker) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=breaker.pk)).data)

    @extend_schema(request=RestoreRequestInputSerializer, responses=CircuitBreakOutputSerializer)
    @action(detail=True, methods=["post"], url_path="restore-request")
    def restore_request(self, request, pk=None):
        """Ask for an active break to be lifted, with the reason (a unit leader of the break's unit).
        The scope stays suspended until a supervisor who is not the requester approves."""
        breaker = self.get_object()
        serializer = RestoreRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        breaker_restore_request(actor=request.user, breaker=breaker, **serializer.validated_data)
        return self._output(breaker)

    @extend_schema(request=RestoreDecisionInputSerializer, responses=CircuitBreakOutputSerializer)
    @action(detail=True, methods=["post"], url_path="restore-decision")
    def restore_decision(self, request, pk=None):
        """Approve (the break is restored) or refuse (it stays active; a comment is required) the
        pending restore request (a supervisor for the unit who did not request it). 409 when no
        request is pending."""
        breaker = self.get_object()
        serializer = RestoreDecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        breaker_restore_decide(actor=request.user, request=breaker_latest_request(breaker), **serializer.validated_data)
        return self._output(breaker)


# --- allowlist -------------------------------------------------------------------------------------------


class AllowlistEntryOutputSerializer(serializers.ModelSerializer):
    scope_kind_display = serializers.CharField(source="get_scope_kind_display", read_only=True)
    created_by_name = UserNameField(source="created_by")
    is_current = serializers.SerializerMethodField(help_text="Whether the entry still suppresses trips.")

    class Meta:
        model = AllowlistEntry
        fields = [
            "id",
            "scope_kind",
            "scope_kind_display",
            "scope_key",
            "until",
            "is_current",
            "reason",
            "created_by",
            "created_by_name",
            "created_at",
        ]

    def get_is_current(self, entry) -> bool:
        return entry.until > timezone.now()


class AllowlistEntryInputSerializer(serializers.Serializer):
    scope_kind = serializers.ChoiceField(choices=CircuitBreak.ScopeKind.choices)
    scope_key = serializers.CharField(max_length=150, trim_whitespace=True)
    until = serializers.DateTimeField()
    reason = serializers.CharField(max_length=LONG_TEXT, trim_whitespace=True)


class AllowlistEntryFilter(django_filters.FilterSet):
    scope_kind = django_filters.ChoiceFilter(choices=CircuitBreak.ScopeKind.choices, label=gettext_lazy("Scope"))
    scope_key = django_filters.CharFilter(label=gettext_lazy("Account / device / user"))
    current = StrictBooleanFilter(method="filter_current", label=gettext_lazy("Still in effect"))

    class Meta:
        model = AllowlistEntry
        fields = ["scope_kind", "scope_key", "current"]

    def filter_current(self, queryset, name, value):
        now = timezone.now()
        return queryset.filter(until__gt=now) if value else queryset.filter(until__lte=now)


class AllowlistEntryViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The breaker allowlist: a scope listed here until a time does not trip breakers. Read by the
    oversight roles; added to by supervisors and administrators."""

    serializer_class = AllowlistEntryOutputSerializer
    filterset_class = AllowlistEntryFilter
    search_fields = ["scope_key", "reason"]
    ordering_fields = ["until", "created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return allowlist_visible_to(self.request.user)

    @extend_schema(request=AllowlistEntryInputSerializer, responses={201: AllowlistEntryOutputSerializer})
    def create(self, request, *args, **kwargs):
        """Add a scope to the allowlist until a time, with the reason (supervisors and administrators)."""
        serializer = AllowlistEntryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = allowlist_add(actor=request.user, **serializer.validated_data)
        output = AllowlistEntry.objects.select_related("created_by__person").get(pk=entry.pk)
        return Response(AllowlistEntryOutputSerializer(output).data, status=status.HTTP_201_CREATED)


router = SimpleRouter()
router.register("circuit-breaks", CircuitBreakViewSet, basename="circuit-break")
router.register("allowlist", AllowlistEntryViewSet, basename="allowlist-entry")
urlpatterns = router.urls
