import copy
from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.constants import EMPTY_VALUES
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.mixins import ListModelMixin


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=` that answers 400 naming the bad field instead of silently ignoring it."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            valid = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
            invalid = [field for field in fields if field.lstrip("-") not in valid]
            if invalid:
                raise ValidationError(
                    {
                        self.ordering_param: [
                            _("Unknown ordering field: %(fields)s. Allowed: %(allowed)s.")
                            % {"fields": ", ".join(invalid), "allowed": ", ".join(sorted(valid))}
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)


class StrictBooleanField(forms.NullBooleanField):
    """true/false (also 1/0, yes/no); anything else is an error naming the filter, not ignored."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        lowered = str(value).strip().lower()
        if lowered in {"true", "1", "yes", "on"}:
            return True
        if lowered in {"false", "0", "no", "off"}:
            return False
        raise forms.ValidationError(_("Enter true or false."), code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


# The largest id a database's 64-bit integer column holds.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """The id of a related object: a whole number within the database's id range. 1.5, 1e41 or -1e308
    are a 400 naming the filter, not a 500 from a number the database cannot hold."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


DAY_BOUNDS = ("from", "to")


def day_bound(day: date, *, bound: str) -> datetime | None:
    """Where a day of settings.TIME_ZONE bounds a range of moments: its start (`bound="from"`) or the start
    of the next day (`bound="to"`, exclusive, so that the whole day is included). None for the first day a
    date can hold as a lower bound and the last one as an upper bound: every moment lies within them
    (their midnights cannot even be written in UTC), so they bound nothing."""
    if bound not in DAY_BOUNDS:
        raise ValueError(f"bound must be one of {DAY_BOUNDS}, not {bound!r}")
    if (bound, day) in (("from", date.min), ("to", date.max)):
        return None
    if bound == "to":
        day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


class LocalDayFilter(django_filters.DateFilter):
    """A day (YYYY-MM-DD) bounding a date-time field, as `day_bound` makes it a moment: a range of moments
    rather than a `__date` lookup, so that an index on the field serves it and the day is the
    detachment's, not UTC's. A day that bounds nothing keeps the rows that have a moment at all."""

    def __init__(self, *args, bound: str, **kwargs):
        if bound not in DAY_BOUNDS:
            raise ValueError(f"bound must be one of {DAY_BOUNDS}, not {bound!r}")
        self.bound = bound
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        moment = day_bound(value, bound=self.bound)
        if moment is None:
            return self.get_method(qs)(**{f"{self.field_name}__isnull": False})
        lookup = "lt" if self.bound == "to" else "gte"
        return self.get_method(qs)(**{f"{self.field_name}__{lookup}": moment})


class MonthInput(forms.TextInput):
    """A browser's month picker; it submits YYYY-MM."""

    input_type = "month"


class MonthField(forms.Field):
    """A calendar month, YYYY-MM, as the date of its first day."""

    widget = MonthInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return datetime.strptime(str(value).strip(), "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."), code="invalid") from None


@extend_schema_field(OpenApiTypes.STR)
class MonthFilter(django_filters.Filter):
    """A month (YYYY-MM) bounding a field that holds first days of months (an assessment's month)."""

    field_class = MonthField


class YearFilter(django_filters.NumberFilter):
    """A calendar year: a whole number from 1 to 9999 (what a date can hold), else a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)


def defer_check(request, check) -> None:
    """Queue `check` (a callable raising ValidationError) until the list's page is read: a paginator that
    reads an empty page runs it (`run_deferred_checks`). For a filter whose value need not be looked up
    when the page has rows (see `DeferrableFilter`)."""
    request._deferred_checks = [*getattr(request, "_deferred_checks", ()), check]


def run_deferred_checks(request) -> None:
    for check in getattr(request, "_deferred_checks", ()):
        check()


class DeferrableFilter:
    """A filter that can check its value in the page's own query instead of a query of its own.

    `deferring()` gives a copy for a list whose paginator runs deferred checks: the copy filters in a
    way that yields no row for a value that is not valid (say, a unit outside the caller's scope), and
    queues with `defer_check` the look-up that tells such a value from a page that is simply empty. A
    page with rows proves the value valid; only an empty page costs the look-up, and a value that is not
    valid is still a 400 naming the filter."""

    deferred = False
    # The form field of the deferring copy (one that does not look the value up), if not the filter's own.
    deferred_field_class = None

    def deferring(self):
        twin = copy.deepcopy(self)
        twin.deferred = True
        twin.__dict__.pop("_field", None)
        if self.deferred_field_class is not None:
            twin.field_class = self.deferred_field_class
        return twin


def pages_check_deferred(view) -> bool:
    """Whether `view` reads its rows as a page of a paginator that runs the deferred checks: a viewset's
    own `list` action (not another action, which may read the filtered rows without a page, and not an
    export, whose paginator does not run them)."""
    return (
        getattr(view, "action", None) == "list"
        and getattr(type(view), "list", None) is ListModelMixin.list
        and getattr(getattr(view, "paginator", None), "runs_deferred_checks", False)
    )


class SparseFilterBackend(DjangoFilterBackend):
    """django-filter's backend, building a filter set of only the filters the request names.

    A FilterSet deep-copies every declared filter and builds and cleans a form field for each on every
    request; for a list with a dozen filters and three in use that was a fifth of a page's time
    (bench B4). Here the filter set class is narrowed to the filters whose parameters are present
    (`name`, or `name_<suffix>` for the range widgets), one narrowed class per combination, kept.
    Filtering and errors are django-filter's own: a bad value is still a 400 naming its field. The
    browsable API's filter form still shows every filter (`to_html` is not narrowed). Where the list's
    paginator runs deferred checks, a `DeferrableFilter` checks its value in the page's query."""

    _narrowed: dict = {}

    def get_filterset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        keys = set(request.query_params)
        names = frozenset(
            name for name in filterset_class.base_filters if name in keys or any(k.startswith(f"{name}_") for k in keys)
        )
        defer = pages_check_deferred(view)
        narrowed = self._narrowed.get((filterset_class, names, defer))
        if narrowed is None:
            narrowed = type(filterset_class.__name__, (filterset_class,), {"__module__": filterset_class.__module__})
            narrowed.base_filters = {
                name: f.deferring() if defer and isinstance(f, DeferrableFilter) else f
                for name, f in filterset_class.base_filters.items()
                if name in names
            }
            self._narrowed[(filterset_class, names, defer)] = narrowed
        return narrowed(**self.get_filterset_kwargs(request, queryset, view))

    def to_html(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        return loader.get_template(self.template).render({"filter": filterset}, request)
