import base64
import functools
import json
import operator
from datetime import date, datetime

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from core.api.filters import run_deferred_checks


def strict_page_size(paginator, request):
    """The requested page size, up to the maximum; one that is not a positive integer (page_size=abc,
    page_size=0, page_size=) is a 400 naming `page_size` rather than silently the default."""
    raw = request.query_params.get(paginator.page_size_query_param)
    if raw is None:
        return paginator.page_size
    try:
        size = pagination._positive_int(raw, strict=True)
    except (TypeError, ValueError):
        raise ValidationError({paginator.page_size_query_param: [_("Enter a whole number of at least 1.")]}) from None
    return min(size, paginator.max_page_size)


class DeferredChecks:
    """A paginator that runs the filters' deferred checks (`core.api.filters.defer_check`) when the page
    it reads is empty, or is past the end: a filter value that is not valid (a unit outside the caller's
    scope) yields no rows, and is then a 400 naming the filter rather than an empty page."""

    runs_deferred_checks = True

    def paginate_queryset(self, queryset, request, view=None):
        try:
            page = super().paginate_queryset(queryset, request, view)
        except NotFound:
            run_deferred_checks(request)
            raise
        if not page:
            run_deferred_checks(request)
        return page


class PageNumberPagination(DeferredChecks, pagination.PageNumberPagination):
    """For small tables: page numbers with a client-chosen page size up to 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        return strict_page_size(self, request)


class CursorPagination(DeferredChecks, pagination.CursorPagination):
    """For big, append-mostly tables: no COUNT(*), stable under inserts, cost independent of depth."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    def get_page_size(self, request):
        return strict_page_size(self, request)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise _bad_cursor(self.cursor_query_param) from None


def _bad_cursor(parameter: str) -> ValidationError:
    """A cursor that was not one of the list's links: a 400 naming it, not DRF's 404."""
    return ValidationError({parameter: [_("This cursor is not valid for this list; start again from the first page.")]})


class CountedRows:
    """A list's queryset read as rows (`.values()` of `columns`, or what `columns(queryset)` returns),
    counted on the queryset itself.

    Counting the rows would keep what they need (a unit's, a category's, a creator's name) in the page's
    COUNT; counted here, the COUNT is the filters' alone and can be answered from an index (bench B4b).
    The paginators and the export paginator all take it."""

    def __init__(self, queryset, columns):
        self.queryset = queryset
        self.columns = columns
        self.model = queryset.model

    def read(self, queryset):
        """`queryset` (this list's, filtered further or reordered) as rows."""
        return self.columns(queryset) if callable(self.columns) else queryset.values(*self.columns)

    @property
    def ordered(self) -> bool:
        return self.queryset.ordered

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        rows = self.read(self.queryset)
        return list(rows[index]) if isinstance(index, slice) else rows[index]

    def __iter__(self):
        return self.read(self.queryset).iterator(chunk_size=1000)


class KeysetPagination(pagination.BasePagination):
    """Cursor pagination on the list's whole ordering, for big tables whose order has ties.

    DRF's cursor keeps only the first ordering field and an offset among equal values, capped at 1,000:
    a list ordered by date with more findings on one day than that would repeat rows. Here the cursor
    holds the last row's value of every ordering field (the ordering the list's queryset has, from
    `?ordering=` or the view's default, with the primary key added to break ties), and the next page is
    the rows after it in that order: no COUNT, no OFFSET, the same cost on every page. `next` and
    `previous` are links carrying the cursor; a cursor that was tampered with, or that belongs to
    another ordering, is a 400 naming `cursor`. An empty page runs the filters' deferred checks (see
    `DeferredChecks`)."""

    cursor_query_param = "cursor"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    runs_deferred_checks = True

    def get_page_size(self, request):
        return strict_page_size(self, request)

    def paginate_queryset(self, queryset, request, view=None):
        rows = queryset if isinstance(queryset, CountedRows) else CountedRows(queryset, lambda found: found)
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.ordering = _keyset_ordering(rows.queryset)
        size = self.get_page_size(request)
        cursor = self._decode_cursor(request, rows.model)
        backwards = cursor is not None and cursor[0]
        found = rows.queryset
        if cursor is not None:
            found = found.filter(_beyond(self.ordering, cursor[1], backwards=backwards))
        ordering = [_flip(name) for name in self.ordering] if backwards else self.ordering
        page = list(rows.read(found.order_by(*ordering))[: size + 1])
        more = len(page) > size
        page = page[:size]
        if backwards:
            page.reverse()
        self.next_cursor = self.previous_cursor = None
        if page and (backwards or more):
            self.next_cursor = self._encode_cursor(page[-1], backwards=False)
        if page and (more if backwards else cursor is not None):
            self.previous_cursor = self._encode_cursor(page[0], backwards=True)
        if not page:
            run_deferred_checks(request)
        return page

    def get_paginated_response(self, data):
        return Response(
            {"next": self._link(self.next_cursor), "previous": self._link(self.previous_cursor), "results": data}
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": force_str(_("The pagination cursor of the next or previous link.")),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": force_str(_("Number of results to return per page.")),
                "schema": {"type": "integer"},
            },
        ]

    def _link(self, cursor: str | None) -> str | None:
        return None if cursor is None else replace_query_param(self.base_url, self.cursor_query_param, cursor)

    def _encode_cursor(self, row, *, backwards: bool) -> str:
        values = [_plain(_value_of(row, name.lstrip("-"))) for name in self.ordering]
        token = json.dumps({"o": self.ordering, "b": backwards, "v": values}, separators=(",", ":"))
        return base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")

    def _decode_cursor(self, request, model) -> tuple[bool, list] | None:
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        try:
            token = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
            if token["o"] != self.ordering or not isinstance(token["b"], bool) or len(token["v"]) != len(self.ordering):
                raise ValueError(token)
            values = [
                model._meta.get_field(_field_name(model, name.lstrip("-"))).to_python(value)
                for name, value in zip(self.ordering, token["v"], strict=True)
            ]
        except (ValueError, TypeError, KeyError, AttributeError, DjangoValidationError, FieldDoesNotExist):
            raise _bad_cursor(self.cursor_query_param) from None
        return token["b"], values


def _keyset_ordering(queryset) -> list[str]:
    """The queryset's ordering as field names, ending with the primary key."""
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering or [])
    if not all(isinstance(name, str) for name in ordering):
        raise ImproperlyConfigured("KeysetPagination needs an ordering by field names.")
    if not any(name.lstrip("-") in ("pk", "id") for name in ordering):
        ordering.append("-id" if ordering and ordering[0].startswith("-") else "id")
    return ordering


def _flip(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


def _field_name(model, name: str) -> str:
    return model._meta.pk.name if name == "pk" else name


def _value_of(row, name: str):
    if isinstance(row, dict):
        return row["id" if name == "pk" else name]
    return getattr(row, name)


def _plain(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _beyond(ordering: list[str], values: list, *, backwards: bool) -> Q:
    """The rows after (or, backwards, before) the row whose ordering fields hold `values`: for
    -found_on, -id that is found_on < d OR (found_on = d AND id < i), with found_on <= d added so that
    an index on the first field bounds the scan."""
    terms = []
    equal = Q()
    for name, value in zip(ordering, values, strict=True):
        field = name.lstrip("-")
        descending = name.startswith("-") != backwards
        terms.append(equal & Q(**{f"{field}__{'lt' if descending else 'gt'}": value}))
        equal &= Q(**{field: value})
    after = functools.reduce(operator.or_, terms)
    first, descending = ordering[0].lstrip("-"), ordering[0].startswith("-") != backwards
    return Q(**{f"{first}__{'lte' if descending else 'gte'}": values[0]}) & after
