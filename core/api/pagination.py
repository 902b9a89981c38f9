from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


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


class PageNumberPagination(pagination.PageNumberPagination):
    """For small tables: page numbers with a client-chosen page size up to 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        return strict_page_size(self, request)


class CursorPagination(pagination.CursorPagination):
    """For big, append-mostly tables: no COUNT(*), stable under inserts, cost independent of depth."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    def get_page_size(self, request):
        return strict_page_size(self, request)


class CountedRows:
    """A list's queryset read as rows of `columns` (`.values()`), counted on the queryset itself.

    Counting the `.values()` queryset would keep the joins its columns need (a unit's, a category's,
    a creator's name) in the page's COUNT; counted here, the COUNT is the filters' alone and can be
    answered from an index (bench B4b). The page paginator and the export paginator both take it."""

    def __init__(self, queryset, columns: tuple[str, ...]):
        self.queryset = queryset
        self.columns = columns
        self.model = queryset.model

    @property
    def ordered(self) -> bool:
        return self.queryset.ordered

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        rows = self.queryset.values(*self.columns)
        return list(rows[index]) if isinstance(index, slice) else rows[index]

    def __iter__(self):
        return self.queryset.values(*self.columns).iterator(chunk_size=1000)
