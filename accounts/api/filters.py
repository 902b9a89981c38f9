import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.models import PartyOrganization, Person, Position, Unit
from accounts.selectors import person_visible_to, visible_units
from core.api.filters import StrictBooleanFilter


def scoped_units(request):
    """Filter choices limited to the caller's units: an outside unit is as unknown as a missing one."""
    return visible_units(request.user) if request is not None else Unit.objects.none()


def scoped_persons(request):
    return person_visible_to(request.user) if request is not None else Person.objects.none()


class UnitChoiceFilter(django_filters.ModelChoiceFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", scoped_units)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class WithinUnitFilter(UnitChoiceFilter):
    """`?within=<unit id>`: that unit and everything below it."""

    def __init__(self, *args, path_field: str = "path", **kwargs):
        kwargs.setdefault("label", _("Unit and everything below it"))
        super().__init__(*args, **kwargs)
        self.path_field = path_field

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.path_field}__startswith": value.path})


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
