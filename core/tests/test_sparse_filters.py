"""The sparse filter backend builds only the filters a request names, and filters exactly as the full one."""

import django_filters
import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from accounts.models import Unit
from core.api.filters import SparseFilterBackend

pytestmark = pytest.mark.django_db


class _UnitFilter(django_filters.FilterSet):
    kind = django_filters.CharFilter()
    code = django_filters.CharFilter()
    sort = django_filters.RangeFilter(field_name="sort_order")
    active = django_filters.BooleanFilter(field_name="is_active")

    class Meta:
        model = Unit
        fields = ["kind", "code", "sort", "active"]


class _View:
    filterset_class = _UnitFilter

    def __init__(self, request):
        self.request = request


def _request(query: str) -> Request:
    return Request(APIRequestFactory().get(f"/units/?{query}"))


def _filterset(query: str):
    request = _request(query)
    return SparseFilterBackend().get_filterset(request, Unit.objects.all(), _View(request))


def test_only_the_named_filters_are_built():
    # when: a plain parameter and a range filter's suffixed parameter
    filterset = _filterset("code=A1&sort_min=2&unknown=1")

    # then
    assert set(filterset.filters) == {"code", "sort"}
    # and the narrowed class is built once per combination of names
    assert type(_filterset("sort_min=5&code=B")) is type(filterset)
    assert set(_filterset("").filters) == set()


def test_it_filters_as_the_full_filter_set(org):
    # given
    backend = SparseFilterBackend()
    request = _request(f"code={org.a1.code}")

    # when
    rows = backend.filter_queryset(request, Unit.objects.all(), _View(request))

    # then
    assert list(rows) == [org.a1]


def test_a_bad_value_is_still_an_error_naming_its_filter():
    request = _request("sort_min=abc&code=A1")

    with pytest.raises(ValidationError) as raised:
        SparseFilterBackend().filter_queryset(request, Unit.objects.all(), _View(request))

    assert set(raised.value.detail) == {"sort"}


def test_the_browsable_form_still_shows_every_filter():
    request = _request("code=A1")

    html = SparseFilterBackend().to_html(request, Unit.objects.all(), _View(request))

    for name in ("kind", "code", "sort_min", "active"):
        assert f'name="{name}"' in html
