"""The working-day calendar API: anyone signed in reads it, administrators import it from CSV.

Included from config/api_urls.py (this module carries its own `urlpatterns`).
"""

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.models import Role
from accounts.selectors import user_has_role
from core.api.filters import YearFilter
from core.errors import NotPermitted
from core.models import CalendarDay
from core.services import calendar_import, calendar_rows_parse

# A year of holidays is a few dozen lines; anything much bigger is not a calendar.
CALENDAR_MAX_BYTES = 256 * 1024


class CsvParser(BaseParser):
    """`text/csv` request bodies, handed over as bytes (decoded by the view, which names the field)."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        content = stream.read(CALENDAR_MAX_BYTES + 1)
        if len(content) > CALENDAR_MAX_BYTES:
            raise ParseError(_("The CSV is too large: at most %(limit)d KB.") % {"limit": CALENDAR_MAX_BYTES // 1024})
        return content


class CalendarDayOutputSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = CalendarDay
        fields = ["id", "date", "kind", "kind_display", "name"]


class CalendarImportInputSerializer(serializers.Serializer):
    """Multipart: the CSV file (columns date, kind, name; UTF-8). Or send the CSV itself as text/csv."""

    file = serializers.FileField()


class CalendarImportOutputSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    deleted = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class CalendarRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=gettext_lazy("Line number in the file; the header is row 1."))
    field = serializers.CharField()
    error = serializers.CharField()


class CalendarImportErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    rows = CalendarRowErrorSerializer(many=True)


class CalendarDayFilter(django_filters.FilterSet):
    year = YearFilter(field_name="date", lookup_expr="year", label=gettext_lazy("Year"))
    kind = django_filters.ChoiceFilter(choices=CalendarDay.Kind.choices, label=gettext_lazy("Kind"))

    class Meta:
        model = CalendarDay
        fields = ["year", "kind"]


def _csv_text(request) -> str:
    """The CSV of an import request, as text: a text/csv body or the multipart `file`."""
    if isinstance(request.data, bytes):
        content = request.data
    else:
        serializer = CalendarImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > CALENDAR_MAX_BYTES:
            raise ValidationError(
                {"file": [_("The CSV is too large: at most %(limit)d KB.") % {"limit": CALENDAR_MAX_BYTES // 1024}]}
            )
        content = upload.read()
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError({"file": [_("The CSV must be UTF-8 text.")]}) from None


class CalendarDayViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Public holidays on weekdays and make-up workdays on weekends; other days follow the week."""

    serializer_class = CalendarDayOutputSerializer
    filterset_class = CalendarDayFilter
    search_fields = ["name"]
    ordering_fields = ["date"]
    ordering = ["date"]
    queryset = CalendarDay.objects.all()

    @extend_schema(
        request={"text/csv": OpenApiTypes.STR, "multipart/form-data": CalendarImportInputSerializer},
        responses={200: CalendarImportOutputSerializer, 400: CalendarImportErrorSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[CsvParser, MultiPartParser])
    def import_days(self, request):
        """Replace the calendar of the years in the CSV (`date,kind,name`; administrators only).
        Importing the same file again changes nothing; one bad row and nothing is imported."""
        if not user_has_role(request.user, Role.ADMIN):
            raise NotPermitted(_("Only an administrator can import the calendar."))
        rows = calendar_rows_parse(_csv_text(request))
        result = calendar_import(actor=request.user, rows=rows)
        return Response(CalendarImportOutputSerializer(result).data)


router = SimpleRouter()
router.register("calendar", CalendarDayViewSet, basename="calendar-day")
urlpatterns = router.urls
