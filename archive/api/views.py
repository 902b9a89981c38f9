"""The archive API.

- `GET /api/v1/archives/` lists FROZEN snapshots only (years that have ended and been frozen), in the
  caller's scope, with their totals: `?kind=unit|person`, `?year=`, `?unit=`, `?person=`. A year
  that is not frozen yet (the current one, or an ended year before the year-end task ran) has no
  rows here: its archives are built live on demand by the detail endpoint.
- `GET /api/v1/archives/{kind}/{id}/{year}/` returns one unit's or person's archive of one year:
  the frozen snapshot when there is one (with its digest and whether it is intact), else the live
  build, flagged `frozen: false`.

Outside the scope is 404; a bad kind or year is a 400 naming the field. What a reader sees of an
archive (unconfirmed alerts, case details, liability records) follows the rules of the risk and cases
apps (archive.selectors); `visibility` says what was left out, and the totals count what is shown.
"""

import django_filters
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from archive.api.serializers import ArchiveDetailSerializer, ArchiveSnapshotListSerializer
from archive.models import ArchiveSnapshot
from archive.selectors import (
    access_archive_subject,
    archive_persons_visible_to,
    archive_reader,
    archive_record_for_reader,
    archive_units_visible_to,
    snapshot_visible_to,
)
from archive.services import ARCHIVE_FIRST_YEAR, archive_for, archive_year_validate


def _scoped_units(request):
    return archive_units_visible_to(request.user) if request is not None else ArchiveSnapshot.objects.none()


def _scoped_persons(request):
    return archive_persons_visible_to(request.user) if request is not None else ArchiveSnapshot.objects.none()


class YearFilter(django_filters.Filter):
    field_class = forms.IntegerField


class ArchiveSnapshotFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ArchiveSnapshot.Kind.choices, label=gettext_lazy("Subject kind"))
    year = YearFilter(min_value=ARCHIVE_FIRST_YEAR, max_value=9999, label=gettext_lazy("Year"))
    unit = django_filters.ModelChoiceFilter(
        queryset=_scoped_units, label=gettext_lazy("Unit"), help_text="A unit's own archives (kind unit)."
    )
    person = django_filters.ModelChoiceFilter(queryset=_scoped_persons, label=gettext_lazy("Person"))

    class Meta:
        model = ArchiveSnapshot
        fields = ["kind", "year", "unit", "person"]


class ArchiveSnapshotViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Frozen integrity-archive snapshots (廉政档案) of the units and persons in the caller's scope.
    Only frozen years are listed; the detail endpoint serves any year, live when not frozen."""

    serializer_class = ArchiveSnapshotListSerializer
    filterset_class = ArchiveSnapshotFilter
    search_fields = ["unit__name", "unit__code", "person__name", "person__badge_number"]
    ordering_fields = ["year", "frozen_at", "id"]
    ordering = ["-year", "kind", "id"]

    def get_queryset(self):
        return snapshot_visible_to(self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not hasattr(self, "_reader"):
            self._reader = archive_reader(self.request.user)
        context["reader"] = self._reader
        return context


class ArchiveDetailView(generics.GenericAPIView):
    """One unit's or person's integrity archive of one year: frozen when the year has been frozen
    (`frozen`, `frozen_at`, `digest`, `intact`), else built live from today's data (`frozen: false`)."""

    serializer_class = ArchiveDetailSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["unit", "person"]),
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The unit's or person's id."),
            OpenApiParameter("year", OpenApiTypes.INT, OpenApiParameter.PATH, description="e.g. 2025"),
        ],
        responses=ArchiveDetailSerializer,
    )
    def get(self, request, kind: str, id: str, year: str):
        if kind not in ArchiveSnapshot.Kind.values:
            raise ValidationError({"kind": [_("The kind must be unit or person.")]})
        year = archive_year_validate(year)
        subject = access_archive_subject(request.user, kind, id)
        record = archive_record_for_reader(
            request.user, archive_for(subject, year), reader=archive_reader(request.user)
        )
        payload = {**vars(record), "subject_name": record.subject_name, "visibility": record.data["visibility"]}
        return Response(ArchiveDetailSerializer(payload).data)
