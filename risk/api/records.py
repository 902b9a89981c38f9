"""The risk API, part one: business records (业务流水).

- `GET /api/v1/business-records/` and `/{id}/`: records of the caller's units, filtered, with cursor
  pagination ordered by -id (the table holds tens of millions of rows: never a COUNT);
- `POST /api/v1/business-records/bulk/`: the business systems push records, as a JSON array, as
  `{"records": [...], "skip_invalid": true}`, or as a text/csv body (`?skip_invalid=true`). API
  clients and administrators only, each for the units in their data scope; one call of
  risk.importing.business_records_import.
"""

import json
import re
from datetime import datetime

import django_filters
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.api.filters import UnitChoiceFilter, WithinUnitFilter
from core.api.filters import SparseFilterBackend, day_bound
from core.api.labels import ChoiceLabels, moment_formatter
from core.api.pagination import CursorPagination
from core.errors import DomainError
from risk.importing import access_business_record_import, business_record_rows_from_csv, business_records_import
from risk.models import AREA_CHOICES, BusinessRecord
from risk.selectors import business_record_visible_to

BULK_MAX_BYTES = 20 * 1024 * 1024
BULK_MAX_ROWS = 50_000


def _too_large() -> str:
    return _("The request body is too large: at most %(mb)d MB and %(rows)d records per request; split the batch.") % {
        "mb": BULK_MAX_BYTES // (1024 * 1024),
        "rows": BULK_MAX_ROWS,
    }


class _CappedParser(BaseParser):
    """Reads at most BULK_MAX_BYTES of the body (whatever Content-Length claims), then decodes it."""

    def read_text(self, stream) -> str:
        content = stream.read(BULK_MAX_BYTES + 1) if stream is not None else b""
        if len(content) > BULK_MAX_BYTES:
            raise ParseError(_too_large())
        try:
            return content.decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError(_("The body must be UTF-8 text.")) from None


class BulkJSONParser(_CappedParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return json.loads(self.read_text(stream))
        except json.JSONDecodeError as error:
            raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": error}) from None


class CsvBody(str):
    """The text of a text/csv body (told apart from a JSON string)."""


class BulkCsvParser(_CappedParser):
    """A text/csv body arrives as CsvBody; the view parses it (the header names the fields)."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return CsvBody(self.read_text(stream))


# --- serializers ---------------------------------------------------------------------------------------


_RECORD_LABELS = ChoiceLabels(AREA_CHOICES, BusinessRecord.Status.choices)


class BusinessRecordOutputSerializer(serializers.ModelSerializer):
    area_display = serializers.CharField(source="get_area_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    operator_name = serializers.CharField(source="operator.name", read_only=True, allow_null=True, default=None)
    flags = serializers.ListField(child=serializers.ChoiceField(choices=BusinessRecord.FLAGS), read_only=True)
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, coerce_to_string=False, read_only=True, allow_null=True
    )

    class Meta:
        model = BusinessRecord
        fields = [
            "id",
            "source_system",
            "external_id",
            "area",
            "area_display",
            "business_type",
            "unit",
            "unit_code",
            "unit_name",
            "operator",
            "operator_badge",
            "operator_name",
            "operator_account",
            "device_id",
            "client_ip",
            "applicant_id",
            "agent_id",
            "accepted_at",
            "completed_at",
            "time_limit_hours",
            "status",
            "status_display",
            "flags",
            "amount",
            "points",
            "result",
            "imported_at",
        ]

    def to_representation(self, record) -> dict:
        """The declared fields, built directly (see `represent_records`)."""
        return represent_records([record])[0]


class _RecordPageSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        return represent_records(data)


BusinessRecordOutputSerializer.Meta.list_serializer_class = _RecordPageSerializer

_AMOUNT = BusinessRecordOutputSerializer._declared_fields["amount"]


def represent_records(records) -> list[dict]:
    """Records (rows of `PAGE_COLUMNS` from `.values()`, as the list and the detail read them, or
    instances) as the API shows them, the labels and the time zone looked up once: a page is 50 records
    of 27 fields, and model instances with DRF's generic per-field attribute resolution cost several
    times the page's query (bench B4). The output is the generic serializer's exactly
    (risk/tests/test_records_api.py compares them)."""
    moment, (areas, statuses) = moment_formatter(), _RECORD_LABELS()
    rows = (record if isinstance(record, dict) else record_row(record) for record in records)
    return [_represent(row, moment, areas, statuses) for row in rows]


def _represent(row: dict, moment, areas: dict, statuses: dict) -> dict:
    amount = row["amount"]
    return {
        "id": row["id"],
        "source_system": row["source_system"],
        "external_id": row["external_id"],
        "area": row["area"],
        "area_display": areas.get(row["area"], row["area"]),
        "business_type": row["business_type"],
        "unit": row["unit_id"],
        "unit_code": row["unit_code"],
        "unit_name": row["unit__name"],
        "operator": row["operator_id"],
        "operator_badge": row["operator_badge"],
        "operator_name": row["operator__name"],
        "operator_account": row["operator_account"],
        "device_id": row["device_id"],
        "client_ip": row["client_ip"],
        "applicant_id": row["applicant_id"],
        "agent_id": row["agent_id"],
        "accepted_at": moment(row["accepted_at"]),
        "completed_at": moment(row["completed_at"]),
        "time_limit_hours": row["time_limit_hours"],
        "status": row["status"],
        "status_display": statuses.get(row["status"], row["status"]),
        "flags": [flag for flag in BusinessRecord.FLAGS if row[f"flag_{flag}"]],
        "amount": _AMOUNT.to_representation(amount) if amount is not None else None,
        "points": row["points"],
        "result": row["result"],
        "imported_at": moment(row["imported_at"]),
    }


PAGE_COLUMNS = (
    *(
        name
        for name in BusinessRecordOutputSerializer.Meta.fields
        if name not in ("unit", "operator", "unit_name", "operator_name", "area_display", "status_display", "flags")
    ),
    "unit_id",
    "operator_id",
    "unit__name",
    "operator__name",
    *(f"flag_{flag}" for flag in BusinessRecord.FLAGS),
)


def record_row(record: BusinessRecord) -> dict:
    """A record as the row `.values(*PAGE_COLUMNS)` gives (its unit and operator loaded)."""
    row = {name: getattr(record, name) for name in PAGE_COLUMNS if "__" not in name}
    row["unit__name"] = record.unit.name
    row["operator__name"] = record.operator.name if record.operator_id else None
    return row


@extend_schema_field({"type": "string", "enum": BusinessRecord.Status.values})
class _StatusCodeField(serializers.CharField):
    """The record status in the import format, documented inline: a second component using the
    status enum would make its schema name collide with the other `status` enums."""


class BusinessRecordImportRowSerializer(serializers.Serializer):
    """One row of the import format (documentation: the import validates rows itself, so that every
    error is named by its row number)."""

    source_system = serializers.CharField(max_length=40)
    external_id = serializers.CharField(max_length=80, help_text="Unique within its source system.")
    area = serializers.ChoiceField(choices=AREA_CHOICES)
    business_type = serializers.CharField(max_length=60, help_text="A code such as violation.delete.")
    unit_code = serializers.CharField(max_length=32, help_text="Must name a unit within the caller's scope.")
    operator_badge = serializers.CharField(max_length=20, required=False, allow_blank=True)
    operator_account = serializers.CharField(max_length=60, required=False, allow_blank=True)
    device_id = serializers.CharField(max_length=80, required=False, allow_blank=True)
    client_ip = serializers.IPAddressField(required=False, allow_null=True, allow_blank=True)
    applicant_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    agent_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    accepted_at = serializers.DateTimeField(help_text="ISO 8601 with a UTC offset.")
    completed_at = serializers.DateTimeField(required=False, allow_null=True, help_text="ISO 8601 with an offset.")
    time_limit_hours = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    status = _StatusCodeField()
    flags = serializers.ListField(
        child=serializers.ChoiceField(choices=BusinessRecord.FLAGS),
        required=False,
        help_text="A list; in a CSV, the flags separated by ; or |.",
    )
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    points = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    result = serializers.CharField(max_length=200, required=False, allow_blank=True)


class BusinessRecordBulkEnvelopeSerializer(serializers.Serializer):
    records = BusinessRecordImportRowSerializer(many=True)
    skip_invalid = serializers.BooleanField(
        required=False, default=False, help_text="Import the good rows and report the bad ones."
    )


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="1-based; in a CSV the header is row 1.")
    field = serializers.CharField()
    error = serializers.CharField()


class UnknownReferenceSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    field = serializers.ChoiceField(choices=["operator_badge", "operator_account"])
    value = serializers.CharField()


class BusinessRecordImportOutputSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Bad rows left out (skip_invalid).")
    errors = ImportRowErrorSerializer(many=True, help_text="The bad rows left out, with field and reason.")
    unknown_references = UnknownReferenceSerializer(
        many=True, help_text="Imported, but the badge or account names no known person or account."
    )


class ImportErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    rows = ImportRowErrorSerializer(many=True)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


# --- filters -------------------------------------------------------------------------------------------

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class MomentField(forms.Field):
    """A date (its start, in the platform's time zone) or an ISO 8601 date-time with an offset.

    With `through_day`, a bare date means the start of the *next* day, so that an exclusive upper
    bound written as a date includes that whole day (as the pages' "until" does)."""

    widget = forms.TextInput

    def __init__(self, *args, through_day: bool = False, **kwargs):
        self.through_day = through_day
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in (None, ""):
            return None
        value = value.strip()
        if _DATE_ONLY.match(value):
            try:
                day = datetime.fromisoformat(value).date()
            except ValueError:
                raise forms.ValidationError(_("Not a date."), code="invalid") from None
            # None (no bound) for the first day as a start or the last day "through": nothing lies outside.
            return day_bound(day, bound="to" if self.through_day else "from")
        # A "+" that was not percent-encoded arrives as a space.
        value = value.replace(" ", "+") if "T" in value else value
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError(
                _("Enter a date (YYYY-MM-DD) or a date-time with an offset (2026-10-09T09:30:00+08:00)."),
                code="invalid",
            ) from None
        if moment.utcoffset() is None:
            raise forms.ValidationError(_("A date-time needs a UTC offset."), code="invalid")
        return moment


@extend_schema_field(OpenApiTypes.STR)
class MomentFilter(django_filters.Filter):
    field_class = MomentField


class BusinessRecordFilter(django_filters.FilterSet):
    source_system = django_filters.CharFilter(label=gettext_lazy("Source system"))
    area = django_filters.ChoiceFilter(choices=AREA_CHOICES, label=gettext_lazy("Business area"))
    business_type = django_filters.CharFilter(label=gettext_lazy("Business type"))
    unit = UnitChoiceFilter(label=gettext_lazy("Unit"))
    within = WithinUnitFilter(path_field="unit__path")
    operator_badge = django_filters.CharFilter(label=gettext_lazy("Operator badge"))
    operator_account = django_filters.CharFilter(label=gettext_lazy("Operator account"))
    device_id = django_filters.CharFilter(label=gettext_lazy("Device id"))
    agent_id = django_filters.CharFilter(label=gettext_lazy("Agent id"))
    status = django_filters.ChoiceFilter(choices=BusinessRecord.Status.choices, label=gettext_lazy("Status"))
    flag = django_filters.ChoiceFilter(
        choices=[(flag, flag) for flag in BusinessRecord.FLAGS], method="filter_flag", label=gettext_lazy("Flag")
    )
    accepted_from = MomentFilter(
        field_name="accepted_at",
        lookup_expr="gte",
        label=gettext_lazy("Accepted at or after (a date, or a date-time with offset)"),
    )
    accepted_to = MomentFilter(
        field_name="accepted_at",
        lookup_expr="lt",
        label=gettext_lazy("Accepted until (a date includes that whole day; a date-time is exclusive)"),
        through_day=True,
    )

    class Meta:
        model = BusinessRecord
        fields = [
            "source_system",
            "area",
            "business_type",
            "unit",
            "within",
            "operator_badge",
            "operator_account",
            "device_id",
            "agent_id",
            "status",
            "flag",
            "accepted_from",
            "accepted_to",
        ]

    def filter_flag(self, queryset, name, value):
        return queryset.filter(**{f"flag_{value}": True})


# --- views ---------------------------------------------------------------------------------------------


def _skip_invalid_param(request) -> bool:
    raw = request.query_params.get("skip_invalid")
    if raw in (None, ""):
        return False
    try:
        return serializers.BooleanField().to_internal_value(raw)
    except serializers.ValidationError as error:
        raise ValidationError({"skip_invalid": error.detail}) from None


class BusinessRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Business records (业务流水) of the units in the caller's data scope, newest first."""

    serializer_class = BusinessRecordOutputSerializer
    filterset_class = BusinessRecordFilter
    # Cursor pagination ordered by -id; no ordering or search parameters on a table this size.
    filter_backends = [SparseFilterBackend]
    pagination_class = CursorPagination

    def get_queryset(self):
        # Rows, not model instances: the page is built from the columns it shows (bench B4).
        return business_record_visible_to(self.request.user).values(*PAGE_COLUMNS)

    @extend_schema(
        request={
            "application/json": PolymorphicProxySerializer(
                component_name="BusinessRecordBulkInput",
                serializers=[BusinessRecordImportRowSerializer(many=True), BusinessRecordBulkEnvelopeSerializer],
                resource_type_field_name=None,
                many=False,
            ),
            "text/csv": OpenApiTypes.STR,
        },
        parameters=[
            OpenApiParameter(
                "skip_invalid",
                OpenApiTypes.BOOL,
                description="Import the good rows and report the bad ones (else one bad row rejects the batch).",
            )
        ],
        responses={
            200: BusinessRecordImportOutputSerializer,
            400: OpenApiResponse(
                ImportErrorSerializer, description="Bad rows (nothing imported), or a body too large or malformed."
            ),
            403: OpenApiResponse(DetailSerializer, description="Only API clients and administrators import."),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[BulkJSONParser, BulkCsvParser],
        filter_backends=[],
        pagination_class=None,
    )
    def bulk(self, request):
        """Import business records: a JSON array, `{"records": [...], "skip_invalid": true}`, or a
        text/csv body whose header is the import format's field names (`flags` separated by ; or |).
        Idempotent by (source_system, external_id). One bad row rejects the whole batch with every
        bad row's number, field and reason, unless skip_invalid. Rows for units outside the caller's
        data scope are bad rows. At most 20 MB and 50,000 records per request."""
        access_business_record_import(request.user)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > BULK_MAX_BYTES:
            raise ParseError(_too_large())
        skip_invalid = _skip_invalid_param(request)
        body = request.data
        first_row = 1
        if isinstance(body, CsvBody):
            rows = business_record_rows_from_csv(body)
            first_row = 2
        elif isinstance(body, list):
            rows = body
        elif isinstance(body, dict) and isinstance(body.get("records"), list):
            rows = body["records"]
            envelope_skip = body.get("skip_invalid", False)
            if not isinstance(envelope_skip, bool):
                raise ValidationError({"skip_invalid": [_("Must be true or false.")]})
            skip_invalid = skip_invalid or envelope_skip
        else:
            raise DomainError(_('Send a JSON array of records, {"records": [...]}, or a text/csv body.'))
        if len(rows) > BULK_MAX_ROWS:
            raise DomainError(_too_large())
        result = business_records_import(actor=request.user, rows=rows, skip_invalid=skip_invalid, first_row=first_row)
        return Response(BusinessRecordImportOutputSerializer(result.as_dict()).data)


router = SimpleRouter()
router.register("business-records", BusinessRecordViewSet, basename="business-record")
urlpatterns = router.urls
