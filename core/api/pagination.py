from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """For small tables: page numbers with a client-chosen page size up to 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CursorPagination(pagination.CursorPagination):
    """For big, append-mostly tables: no COUNT(*), stable under inserts, cost independent of depth."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-pk"
