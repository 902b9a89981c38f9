"""The supervision API: inspections, findings with their evidence, evidence metadata and clues.

Reads start from the scoped selectors (outside the scope is 404); each write is one endpoint with an
input serializer, exactly one service call and an output serializer.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.filters import UnitChoiceFilter
from core.api.filters import IdFilter
from core.api.pagination import CountedRows, KeysetPagination
from rectification.filters import FindingFilter
from supervision.api.serializers import (
    ClueDisposeInputSerializer,
    ClueOutputSerializer,
    ClueTransferInputSerializer,
    EvidenceOutputSerializer,
    FilesInputSerializer,
    FindingCreateInputSerializer,
    FindingOutputSerializer,
    InspectionCreateInputSerializer,
    InspectionOutputSerializer,
    finding_rows,
)
from supervision.models import ClueTransfer, Evidence, Inspection, Severity, SupervisionLayer
from supervision.selectors import clue_visible_to, evidence_visible_to, finding_visible_to, inspection_visible_to
from supervision.services import (
    clue_dispose,
    clue_transfer,
    evidence_add_to_finding,
    finding_create,
    inspection_create,
)


def _evidence_queryset():
    return Evidence.objects.select_related("uploaded_by__person")


class InspectionFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Inspection.Kind.choices, label=_("Kind"))
    layer = django_filters.ChoiceFilter(choices=SupervisionLayer.choices, label=_("Supervision layer"))
    organizing_unit = UnitChoiceFilter(label=_("Organising unit"))
    target_unit = UnitChoiceFilter(field_name="target_units", label=_("Target unit"))
    date_from = django_filters.DateFilter(field_name="inspection_date", lookup_expr="gte", label=_("From"))
    date_to = django_filters.DateFilter(field_name="inspection_date", lookup_expr="lte", label=_("Until"))

    class Meta:
        model = Inspection
        fields = ["kind", "layer", "organizing_unit", "target_unit", "date_from", "date_to"]


class ClueFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ClueTransfer.Status.choices, label=_("Status"))
    unit = UnitChoiceFilter(field_name="finding__unit", label=_("Unit"))
    severity = django_filters.ChoiceFilter(
        field_name="finding__severity", choices=Severity.choices, label=_("Severity")
    )
    finding = IdFilter(field_name="finding_id", label=_("Finding"))

    class Meta:
        model = ClueTransfer
        fields = ["status", "unit", "severity", "finding"]


class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Inspections organised by or aimed at the caller's units."""

    serializer_class = InspectionOutputSerializer
    filterset_class = InspectionFilter
    search_fields = ["theme", "summary", "organizing_unit__name"]
    ordering_fields = ["inspection_date", "created_at", "id"]
    ordering = ["-inspection_date", "-id"]

    def get_queryset(self):
        return (
            inspection_visible_to(self.request.user)
            .select_related("created_by__person")
            .prefetch_related("target_units", "inspectors")
        )

    @extend_schema(request=InspectionCreateInputSerializer, responses={201: InspectionOutputSerializer})
    def create(self, request):
        """Record an inspection (supervisors, discipline inspectors, unit leaders for their units)."""
        serializer = InspectionCreateInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        inspection = inspection_create(actor=request.user, **serializer.validated_data)
        output = InspectionOutputSerializer(self.get_queryset().get(pk=inspection.pk))
        return Response(output.data, status=status.HTTP_201_CREATED)


class FindingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Findings in the caller's scope, and those handed over to the caller's department."""

    serializer_class = FindingOutputSerializer
    filterset_class = FindingFilter
    search_fields = ["description", "unit__name", "category__name"]
    ordering_fields = ["found_on", "created_at", "severity", "id"]
    ordering = ["-found_on", "-id"]
    # A million rows and more: pages by cursor on the whole ordering, no COUNT (bench B4b).
    pagination_class = KeysetPagination

    def get_queryset(self):
        # The serializer reads every finding as a row of `finding_rows` (names, persons and evidence in
        # the same query): nothing is selected or prefetched here.
        return finding_visible_to(self.request.user).select_related(None)

    def paginate_queryset(self, queryset):
        return super().paginate_queryset(CountedRows(queryset, finding_rows))

    @extend_schema(request=FindingCreateInputSerializer, responses={201: FindingOutputSerializer})
    def create(self, request):
        """File a finding: JSON, or multipart with evidence `files` (all are stored or none)."""
        serializer = FindingCreateInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        finding = finding_create(actor=request.user, **serializer.validated_data)
        output = FindingOutputSerializer(self.get_queryset().get(pk=finding.pk))
        return Response(output.data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FilesInputSerializer, responses={201: EvidenceOutputSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def evidence(self, request, pk=None):
        """Add evidence files to a finding, until its notice is issued."""
        finding = self.get_object()
        serializer = FilesInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stored = evidence_add_to_finding(actor=request.user, finding=finding, files=serializer.validated_data["files"])
        evidence = _evidence_queryset().filter(pk__in=[e.pk for e in stored])
        return Response(EvidenceOutputSerializer(evidence, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ClueTransferInputSerializer, responses={201: ClueOutputSerializer})
    @action(detail=True, methods=["post"], url_path="transfer-clue")
    def transfer_clue(self, request, pk=None):
        """Transfer a serious or grave finding to discipline inspection (supervisors)."""
        finding = self.get_object()
        serializer = ClueTransferInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        clue = clue_transfer(actor=request.user, finding=finding, reason=serializer.validated_data["reason"])
        clue = ClueTransfer.objects.select_related("finding__unit", "transferred_by__person").get(pk=clue.pk)
        return Response(ClueOutputSerializer(clue).data, status=status.HTTP_201_CREATED)


class EvidenceViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Metadata of an evidence file; the file itself comes from `download_url` (a scoped page)."""

    serializer_class = EvidenceOutputSerializer
    filter_backends = []

    def get_queryset(self):
        return evidence_visible_to(self.request.user).select_related("uploaded_by__person")


class ClueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Clue transfers (supervision, discipline inspection, committee and administrators only)."""

    serializer_class = ClueOutputSerializer
    filterset_class = ClueFilter
    search_fields = ["reason", "disposal", "finding__description", "finding__unit__name"]
    ordering_fields = ["transferred_at", "disposed_at", "id"]
    ordering = ["-transferred_at", "-id"]

    def get_queryset(self):
        return clue_visible_to(self.request.user).select_related(
            "finding__unit", "transferred_by__person", "disposed_by__person"
        )

    @extend_schema(request=ClueDisposeInputSerializer, responses=ClueOutputSerializer)
    @action(detail=True, methods=["post"])
    def dispose(self, request, pk=None):
        """Record discipline inspection's disposal of a clue."""
        clue = self.get_object()
        serializer = ClueDisposeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        clue_dispose(actor=request.user, clue=clue, disposal=serializer.validated_data["disposal"])
        return Response(ClueOutputSerializer(self.get_queryset().get(pk=clue.pk)).data)
