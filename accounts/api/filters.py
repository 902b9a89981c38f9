from functools import partial

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Subquery
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError as DRFValidationError

from accounts.models import PartyOrganization, Person, Position, Unit
from accounts.selectors import person_visible_to, visible_units
from core.api.filters import MAX_ID, DeferrableFilter, StrictBooleanFilter, defer_check


def scoped_units(request):
    """Filter choices limited to the caller's units: an outside unit is as unknown as a missing one."""
    return visible_units(request.user) if request is not None else Unit.objects.none()


def scoped_persons(request):
    return person_visible_to(request.user) if request is not None else Person.objects.none()


class UnitChoiceFilter(django_filters.ModelChoiceFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", scoped_units)
        super().__init__(*args, **kwargs)


class UnitIdField(ModelChoiceField):
    """A unit's id, not looked up: a whole number within the id range, else the same error as a unit
    that is not among the choices. For a `WithinUnitFilter` that checks the unit in the page's query."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            unit_id = int(str(value).strip())
        except ValueError:
            unit_id = 0
        if not 1 <= unit_id <= MAX_ID:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return unit_id


@extend_schema_field(OpenApiTypes.INT)
class WithinUnitFilter(DeferrableFilter, UnitChoiceFilter):
    """`?within=<unit id>`: that unit and everything below it.

    Deferred (an API list, see `core.api.filters.DeferrableFilter`), the unit is not read first: the rows
    are those under the path of the unit of that id among the caller's units, a subquery of the page's
    query, so a unit outside the scope yields none, and an empty page then asks whether the unit is
    among the caller's units (400 naming `within` if not). One query fewer on every such page (bench B4)."""

    deferred_field_class = UnitIdField

    def __init__(self, *args, path_field: str = "path", **kwargs):
        kwargs.setdefault("label", _("Unit and everything below it"))
        super().__init__(*args, **kwargs)
        self.path_field = path_field

    def filter(self, qs, value):
        if not value:
            return qs
        if not self.deferred:
            return qs.filter(**{f"{self.path_field}__startswith": value.path})
        request = self.parent.request
        units = scoped_units(request).filter(pk=value)
        defer_check(request, partial(_check_unit, units=units, name=self.field_name_in_form, value=value))
        return qs.filter(**{f"{self.path_field}__startswith": Subquery(units.order_by().values("path")[:1])})

    @property
    def field_name_in_form(self) -> str:
        return next(name for name, f in self.parent.filters.items() if f is self)


def _check_unit(*, units, name: str, value: int) -> None:
    if not units.exists():
        message = forms.ModelChoiceField.default_error_messages["invalid_choice"]
        raise DRFValidationError({name: [message % {"value": value}]})


class UnitFilter(django_filters.FilterSet):
    is_active = StrictBooleanFilter()
    parent = UnitChoiceFilter(label=_("Parent unit"))
    within = WithinUnitFilter()

    class Meta:
        model = Unit
        fields = ["kind", "parent", "is_active"]


class PersonFilter(django_filters.FilterSet):
    is_party_member = StrictBooleanFilter()
    is_active = StrictBooleanFilter()
    unit = UnitChoiceFilter(label=_("Unit"))
    within = WithinUnitFilter(path_field="unit__path")

    class Meta:
        model = Person
        fields = ["unit", "category", "rank", "post", "is_party_member", "is_active"]


class PositionFilter(django_filters.FilterSet):
    person = django_filters.ModelChoiceFilter(queryset=scoped_persons, label=_("Person"))
    unit = UnitChoiceFilter(label=_("Unit"))
    held_on = django_filters.DateFilter(method="filter_held_on", label=_("Held on date"))

    class Meta:
        model = Position
        fields = ["person", "unit", "level"]

    def filter_held_on(self, queryset, name, value):
        return queryset.held_on(value)


class PartyOrganizationFilter(django_filters.FilterSet):
    is_active = StrictBooleanFilter()
    unit = UnitChoiceFilter(label=_("Unit"))

    class Meta:
        model = PartyOrganization
        fields = ["unit", "kind", "is_active"]
