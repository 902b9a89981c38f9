"""The generated-reports API: list and read every version, download the .docx, and generate a new
version (POST = generate; supervisors and administrators of all units)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.errors import NotPermitted
from reports.api.serializers import GeneratedReportCreateInputSerializer, GeneratedReportOutputSerializer
from reports.models import GeneratedReport
from reports.selectors import READER_ROLES, report_visible_to, user_reads_all_of
from reports.services import report_generate
from reports.views import DOCX_CONTENT_TYPE, report_file_response


class GeneratedReportFilter(django_filters.FilterSet):
    period = django_filters.CharFilter(label=_("Period"))
    kind = django_filters.ChoiceFilter(choices=GeneratedReport.Kind.choices, label=_("Kind"))

    class Meta:
        model = GeneratedReport
        fields = ["period", "kind"]


class GeneratedReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Half-year and annual supervision reports, every version (readers of all units)."""

    serializer_class = GeneratedReportOutputSerializer
    filterset_class = GeneratedReportFilter
    search_fields = ["period"]
    ordering_fields = ["period_start", "generated_at", "version", "id"]
    ordering = ["-period_start", "-period", "-version"]

    def get_queryset(self):
        return report_visible_to(self.request.user)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not user_reads_all_of(request.user, READER_ROLES):
            raise NotPermitted(_("Reports cover the whole detachment: for roles whose scope is all units."))

    @extend_schema(request=GeneratedReportCreateInputSerializer, responses={201: GeneratedReportOutputSerializer})
    def create(self, request):
        """Generate a new version of the period's report (never overwrites an earlier one)."""
        serializer = GeneratedReportCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = report_generate(actor=request.user, period=serializer.validated_data["period"])
        output = GeneratedReportOutputSerializer(
            self.get_queryset().get(pk=report.pk), context=self.get_serializer_context()
        )
        return Response(output.data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, DOCX_CONTENT_TYPE): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The report's .docx: the full edition for readers of case figures (discipline inspection, the
        committee, administrators, the report client), else the edition without them (404 for a version
        written before that edition existed)."""
        return report_file_response(self.get_object(), request.user)
