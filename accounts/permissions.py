"""Object access for views and the API: outsiders get 404, read-only members get 403 on writes."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Person, Unit
from accounts.selectors import person_visible_to, unit_visible_to, user_has_role


def get_visible_or_404(queryset: QuerySet, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def require_role(user, *roles: str) -> None:
    if not user_has_role(user, *roles):
        raise PermissionDenied


def access_unit(user, pk) -> Unit:
    return get_visible_or_404(unit_visible_to(user), pk)


def access_person(user, pk) -> Person:
    return get_visible_or_404(person_visible_to(user), pk)
