"""Spreadsheet exports of every list endpoint: `?format=xlsx` and `?format=csv`.

One mechanism for every app, present and future, wired in config/settings.py (REST_FRAMEWORK):

- `CsvRenderer` and `XlsxRenderer` are in DEFAULT_RENDERER_CLASSES, chosen by `?format=` (DRF's
  URL_FORMAT_OVERRIDE) or by the Accept header;
- `ExportContentNegotiation` admits them only on a list (a viewset's `list` action or a GET on a
  ListModelMixin view): any other endpoint asked for a spreadsheet answers 406. On a list it swaps
  the view's paginator for an `ExportPaginator`, so the export holds ALL rows the list would page
  through, under the same scope (the view's get_queryset, i.e. the `*_visible_to` selector), filters,
  search and ordering (cursor-paginated lists keep their cursor ordering). Above
  settings.API_EXPORT_MAX_ROWS rows the answer is a 400 asking to narrow the filters, never a
  silently truncated file;
- rows are serialised by the list's own serializer in chunks (`QuerySet.iterator(chunk_size=...)`,
  which runs the prefetches per chunk), so an export costs a fixed number of queries per chunk and
  never one per row;
- `core.api.schema.ExportAwareAutoSchema` (DEFAULT_SCHEMA_CLASS) shows the spreadsheet media types,
  as binary, on list responses only.

Columns are the serializer's fields; headers are their labels through gettext (the model fields'
verbose names, followed along `source`), so they are Chinese in the zh-Hans interface. Nested
objects become their names ("name" of each) or are left out; ids of related objects say "(ID)". Text
that a spreadsheet would read as a formula (= + - @) is written as text: prefixed with ' in CSV,
a string cell with Excel's quote prefix in xlsx.
"""

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.exceptions import NotAcceptable, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv"
DEFAULT_MAX_ROWS = 50_000
CHUNK_SIZE = 1000

# Labels of values that are not model fields (properties, annotations, computed fields), by name.
EXTRA_LABELS = {
    "document_number": gettext_lazy("document number"),
    "depth": gettext_lazy("tree depth"),
    "has_login": gettext_lazy("login account"),
    "handovers": gettext_lazy("handovers"),
    "item_count": gettext_lazy("rectification items"),
    "closed_count": gettext_lazy("Closed out"),
    "overdue_count": gettext_lazy("Overdue"),
    "days_overdue": gettext_lazy("days overdue"),
    "evidence": gettext_lazy("evidence files"),
    "precision": gettext_lazy("Precision"),
    "subject_name": gettext_lazy("Subject"),
    "factors": gettext_lazy("Top factors"),
    "top_factors": gettext_lazy("Top factors"),
    "contributions": gettext_lazy("Contributions"),
    "awaiting_roles": gettext_lazy("Awaiting roles"),
    "finding": gettext_lazy("finding"),
    "entries": gettext_lazy("entries"),
    "entry_count": gettext_lazy("Entry count"),
    "closed_entry_count": gettext_lazy("Closed entries"),
    "is_closed_out": gettext_lazy("Closed out"),
    "in_force": gettext_lazy("In force"),
    "is_current": gettext_lazy("Current"),
    "month": gettext_lazy("month"),
    "flags": gettext_lazy("Flags"),
}
# A relation followed by one of these is named by the relation alone: unit.name is "unit".
_NAME_ATTRIBUTES = {"name", "name_zh"}
_DISPLAY = re.compile(r"^get_(\w+)_display$")
# XML 1.0 forbids these (xlsx is XML); they are dropped from CSV too, for the same file either way.
_ILLEGAL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_EXCEL_CELL_MAX = 32767
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def max_export_rows() -> int:
    return getattr(settings, "API_EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS)


def is_list_endpoint(view, method: str) -> bool:
    """Whether `view` answers `method` with a list: a viewset's `list` action, or a GET on a
    non-viewset ListModelMixin view without an object id in its URL."""
    # Imported here: DRF imports this module while rest_framework.views is still loading.
    from rest_framework.mixins import ListModelMixin
    from rest_framework.viewsets import ViewSetMixin

    if view is None or method != "GET":
        return False
    if isinstance(view, ViewSetMixin):
        return getattr(view, "action", None) == "list"
    if not isinstance(view, ListModelMixin):
        return False
    lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", None)
    return lookup not in (getattr(view, "kwargs", None) or {})


# --- rows -----------------------------------------------------------------------------------------------


@dataclass
class ExportRows:
    """Every row of a list, serialised chunk by chunk by the list's own serializer."""

    view: object
    queryset: object

    def model(self):
        return getattr(self.queryset, "model", None)

    def __iter__(self):
        rows = self.queryset
        if isinstance(rows, QuerySet):
            rows = rows.iterator(chunk_size=CHUNK_SIZE)
        chunk = []
        for instance in rows:
            chunk.append(instance)
            if len(chunk) == CHUNK_SIZE:
                yield from self.view.get_serializer(chunk, many=True).data
                chunk = []
        if chunk:
            yield from self.view.get_serializer(chunk, many=True).data


class ExportPaginator:
    """Stands in for a list's paginator during an export: no page, every row (up to the cap)."""

    display_page_controls = False

    def __init__(self, inner=None):
        self.inner = inner
        self.rows = None

    def paginate_queryset(self, queryset, request, view=None):
        if isinstance(self.inner, CursorPagination) and isinstance(queryset, QuerySet):
            # The cursor paginator orders the list itself; the export follows the same order.
            queryset = queryset.order_by(*self.inner.get_ordering(request, queryset, view))
        limit = max_export_rows()
        # A list read as rows (CountedRows) is counted on its queryset.
        counted = getattr(queryset, "queryset", queryset)
        if isinstance(counted, QuerySet):
            # COUNT over at most limit + 1 rows: bounded even on the big, never-counted tables.
            too_many = counted.order_by()[: limit + 1].count() > limit
        else:
            too_many = len(queryset) > limit
        if too_many:
            raise ValidationError(
                {
                    "format": [
                        _("The export is limited to %(limit)d rows; narrow the filters and export again.")
                        % {"limit": limit}
                    ]
                }
            )
        self.rows = ExportRows(view=view, queryset=queryset)
        return []

    def get_paginated_response(self, data):
        return Response(self.rows)

    def get_paginated_response_schema(self, schema):
        return schema


class ExportContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, plus: a spreadsheet only for lists (406 elsewhere), and then every row."""

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer, media_type = super().select_renderer(request, renderers, format_suffix)
        if isinstance(renderer, ExportRenderer):
            view = (getattr(request, "parser_context", None) or {}).get("view")
            method = request.method.lower()
            if view is not None and (method not in view.http_method_names or not hasattr(view, method)):
                # A method the view does not answer: JSON, so that the 405 that follows is what the caller sees.
                json_renderer = next(r for r in renderers if not isinstance(r, ExportRenderer))
                return json_renderer, json_renderer.media_type
            if not is_list_endpoint(view, request.method):
                raise NotAcceptable(
                    _("Only lists can be exported as %(format)s; this endpoint answers JSON.")
                    % {"format": renderer.format}
                )
            view._paginator = ExportPaginator(view.paginator)
        return renderer, media_type


# --- columns --------------------------------------------------------------------------------------------


@dataclass
class Column:
    name: str
    header: str
    kind: str  # value, date, datetime, bool, decimal, id, ids, name, names, code, label
    base_header: str = ""
    choices: dict | None = None
    shows_choice_label: bool = False


def _verbose(model_field) -> str:
    verbose = getattr(model_field, "verbose_name", None)
    if verbose is None and getattr(model_field, "related_model", None) is not None:
        verbose = model_field.related_model._meta.verbose_name_plural
    return str(verbose or model_field.name)


def _join(owner: str, part: str) -> str:
    separator = "" if (translation.get_language() or "").startswith("zh") else " "
    return f"{owner}{separator}{part}"


def _model_path(model, source: str):
    """The model fields along `source` ("unit.name", "get_status_display", "finding.unit_id") and
    the first attribute that is not a model field (None when all are)."""
    fields = []
    current = model
    for part in source.split("."):
        match = _DISPLAY.match(part)
        name = match.group(1) if match else part
        if current is None:
            return fields, name
        try:
            model_field = current._meta.get_field(name)
        except FieldDoesNotExist:
            return fields, name
        fields.append(model_field)
        current = model_field.related_model if model_field.is_relation else None
    return fields, None


def _header_from_model(model, field) -> tuple[str | None, object]:
    """(header, the model field the value comes from) along the serializer field's source."""
    source = field.source if field.source != "*" else field.field_name
    if model is None or not source:
        return None, None
    fields, rest = _model_path(model, source)
    if rest is not None:
        extra = EXTRA_LABELS.get(rest)
        if extra is None:
            return None, None
        return (_join(_verbose(fields[-1]), str(extra)) if fields else str(extra)), None
    if not fields:
        return None, None
    final = fields[-1]
    if len(fields) == 1 or final.is_relation:
        return _verbose(final), final
    if final.name in _NAME_ATTRIBUTES:
        return _verbose(fields[-2]), final
    return _join(_verbose(fields[-2]), _verbose(final)), final


def _nested_has_name(field) -> bool:
    child = field.child if isinstance(field, serializers.ListSerializer) else field
    return "name" in getattr(child, "fields", {})


def export_columns(serializer) -> list[Column]:
    """The spreadsheet columns of a list serializer, with translated, unique headers."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    columns: list[Column] = []
    for name, field in serializer.fields.items():
        if getattr(field, "write_only", False):
            continue
        explicit = field._kwargs.get("label")
        header, model_field = _header_from_model(model, field)
        if explicit is not None:
            header = str(explicit)
        if header is None:
            header = str(EXTRA_LABELS.get(name) or field.label or name)
        header = capfirst(header)

        choices = None
        if isinstance(field, serializers.ListSerializer):
            if not _nested_has_name(field):
                continue
            kind = "names"
        elif isinstance(field, serializers.Serializer):
            if not _nested_has_name(field):
                continue
            kind = "name"
        elif isinstance(field, serializers.ManyRelatedField):
            kind = "ids"
        elif isinstance(field, serializers.PrimaryKeyRelatedField) or (
            model_field is not None
            and model_field.is_relation
            and isinstance(field, serializers.IntegerField | serializers.ReadOnlyField)
        ):
            kind = "id"
        elif (
            model_field is not None
            and getattr(model_field, "choices", None)
            and not _DISPLAY.match(field.source.rsplit(".", 1)[-1])
            and isinstance(field, serializers.CharField | serializers.ChoiceField)
        ):
            kind = "code"
            choices = {key: str(label) for key, label in model_field.flatchoices}
        elif isinstance(field, serializers.DateTimeField):
            kind = "datetime"
        elif isinstance(field, serializers.DateField):
            kind = "date"
        elif isinstance(field, serializers.BooleanField):
            kind = "bool"
        elif isinstance(field, serializers.DecimalField):
            kind = "decimal"
        else:
            kind = "value"
        columns.append(Column(name=name, header=header, kind=kind, base_header=header, choices=choices))

    # Codes next to their display column keep the code; alone, they show the label instead.
    headers = [column.base_header for column in columns]
    for column in columns:
        if column.kind == "id" or column.kind == "ids":
            column.header = _("%(label)s (ID)") % {"label": column.base_header}
        elif column.kind == "code":
            if headers.count(column.base_header) > 1:
                column.header = _("%(label)s (code)") % {"label": column.base_header}
            else:
                column.shows_choice_label = True
    seen: dict[str, int] = {}
    for column in columns:
        count = seen.get(column.header, 0) + 1
        seen[column.header] = count
        if count > 1:
            column.header = f"{column.header} ({count})"
    return columns


# --- values ---------------------------------------------------------------------------------------------


def _text(value) -> str:
    return _ILLEGAL_CHARACTERS.sub("", str(value))


def _structured(value) -> str:
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return ", ".join("" if v is None else _text(v) for v in value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _parse_datetime(value):
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return value
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return parsed.replace(tzinfo=None)


def cell_value(column: Column, value):
    """The typed value of one cell: str, int, float, Decimal, date, datetime or None."""
    if value is None or (value == "" and column.kind not in ("value", "code")):
        return None
    kind = column.kind
    if kind == "names":
        return "、".join(_text(item.get("name") or "") for item in value if isinstance(item, dict))
    if kind == "name":
        return _text(value.get("name") or "") if isinstance(value, dict) else _text(value)
    if kind == "ids":
        return ", ".join(str(v) for v in value)
    if kind == "code" and column.shows_choice_label:
        return (column.choices or {}).get(value, value)
    if kind == "datetime":
        return _parse_datetime(value)
    if kind == "date":
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            return value
    if kind == "decimal":
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return value
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict | list):
        return _structured(value)
    if isinstance(value, int | float | Decimal):
        return value
    return _text(value)


def is_formula_like(text: str) -> bool:
    """Text a spreadsheet would evaluate (=, +, -, @, tab, CR first); a plain number is not."""
    return text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(text)


# --- renderers ------------------------------------------------------------------------------------------


def export_filename(model, extension: str) -> tuple[str, str]:
    """(name, ASCII fallback): e.g. ("问题-20261123.csv", "finding-20261123.csv")."""
    today = timezone.localdate()
    if model is None:
        title, ascii_title = _("export"), "export"
    else:
        title, ascii_title = str(model._meta.verbose_name_plural), model._meta.model_name
    title = re.sub(r"[\x00-\x1f\x7f/\\\"]", "", _text(title)).strip() or "export"
    return f"{title}-{today:%Y%m%d}.{extension}", f"{ascii_title}-{today:%Y%m%d}.{extension}"


def content_disposition(filename: str, ascii_fallback: str) -> str:
    """`attachment` with an ASCII fallback and the real (Chinese) name as RFC 5987 `filename*`."""
    return f"attachment; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class ExportRenderer(BaseRenderer):
    """Renders an `ExportRows` as a spreadsheet download. Errors (4xx/5xx) stay JSON."""

    extension = ""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        response = renderer_context.get("response")
        if not isinstance(data, ExportRows):
            return self._render_json(data, response)
        view = renderer_context.get("view") or data.view
        columns = export_columns(view.get_serializer())
        filename, ascii_name = export_filename(data.model(), self.extension)
        content = self.write(columns, data, sheet_title=filename.rsplit("-", 1)[0])
        if response is not None:
            response["Content-Disposition"] = content_disposition(filename, ascii_name)
            response["Cache-Control"] = "private, no-store"
            response["X-Content-Type-Options"] = "nosniff"
        return content

    def _render_json(self, data, response) -> bytes:
        if response is not None:
            if response.status_code < 400:
                # A non-list answer slipped past the negotiation (a custom list()): refuse it.
                response.status_code = 406
                data = {"detail": _("Only lists can be exported; this endpoint answers JSON.")}
            response["Content-Type"] = "application/json"
        if data is None:
            return b""
        return json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")

    def write(self, columns: list[Column], rows: ExportRows, *, sheet_title: str) -> bytes:
        raise NotImplementedError


class CsvRenderer(ExportRenderer):
    """UTF-8 with a byte-order mark, so Excel on Chinese Windows opens it as UTF-8."""

    media_type = CSV_MEDIA_TYPE
    format = "csv"
    charset = "utf-8"
    extension = "csv"

    def write(self, columns, rows, *, sheet_title):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([column.header for column in columns])
        for row in rows:
            writer.writerow([self._csv_cell(column, row.get(column.name)) for column in columns])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")

    @staticmethod
    def _csv_cell(column, value) -> str:
        value = cell_value(column, value)
        if value is None:
            return ""
        if isinstance(value, datetime):
            return f"{value:%Y-%m-%d %H:%M:%S}"
        if isinstance(value, date):
            return f"{value:%Y-%m-%d}"
        if isinstance(value, str) and is_formula_like(value):
            return "'" + value
        return str(value)


class XlsxRenderer(ExportRenderer):
    """An Excel workbook (openpyxl, write-only: rows are streamed into the file)."""

    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"
    extension = "xlsx"

    def write(self, columns, rows, *, sheet_title):
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_SHEET_TITLE_FORBIDDEN.sub("", sheet_title)[:31] or "export")
        for index, column in enumerate(columns, start=1):
            width = min(max(len(column.header) * 2 + 2, 10), 60)
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        if columns:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"

        header_font = Font(bold=True)
        header_fill = PatternFill("solid", fgColor="D9E1F2")
        header_alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        headers = []
        for column in columns:
            cell = self._cell(sheet, WriteOnlyCell, column.header)
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = header_alignment
            headers.append(cell)
        sheet.append(headers)
        for row in rows:
            sheet.append([self._cell(sheet, WriteOnlyCell, cell_value(c, row.get(c.name))) for c in columns])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    @staticmethod
    def _cell(sheet, cell_class, value):
        if isinstance(value, str):
            value = value[:_EXCEL_CELL_MAX]
        cell = cell_class(sheet, value=value)
        if isinstance(value, str):
            # Always text: "=HYPERLINK(...)" must never become a formula.
            cell.data_type = "s"
            if is_formula_like(value):
                cell.quotePrefix = True
        elif isinstance(value, datetime):
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
        elif isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
        return cell


EXPORT_RENDERERS = (CsvRenderer, XlsxRenderer)
EXPORT_MEDIA_TYPES = {renderer.media_type for renderer in EXPORT_RENDERERS}
EXPORT_FORMATS = {renderer.format for renderer in EXPORT_RENDERERS}
