"""One place that turns domain and validation errors into HTTP answers."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext
from django.views import defaults
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError, TransitionNotAllowed
from core.services import RowErrors


def exception_handler(exc, context):
    if isinstance(exc, RowErrors):
        # An import names every bad row: [{"row": 3, "field": "date", "error": "..."}, ...].
        return Response({"detail": exc.message, "rows": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, TransitionNotAllowed):
        return Response({"detail": exc.message, "current_status": exc.current_status}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DomainError):
        body = {exc.field: [exc.message]} if exc.field else {"detail": exc.message}
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            body = {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
        else:
            body = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def page_not_found(request, exception):
    """Django's 404 (an URL no route matches, e.g. /api/v1/findings/abc/): JSON under /api/, as every
    other API error; the HTML page elsewhere. Wired as `handler404` in config/urls.py."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": gettext("Not found.")}, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """Django's 500: JSON under /api/, the HTML page elsewhere. Wired as `handler500` in config/urls.py."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": gettext("Internal server error. Nothing was half-saved; please retry.")},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return defaults.server_error(request)
