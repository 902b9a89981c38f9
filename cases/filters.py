"""One definition of the list filters of cases and liability records, shared by the pages and the API.

Filters on what a unit leader may not read (a case's category, title and facts) only ever match the
cases whose facts the caller may read, so a filter can never reveal a hidden case's facts.
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.api.filters import UnitChoiceFilter, WithinUnitFilter
from cases.eligibility import covering_condition
from cases.models import Case, CaseCategory, CaseSeverity, Liability, LiabilityLevel
from cases.selectors import readable_cases_condition
from core.api.filters import IdFilter


def _user(filterset):
    request = getattr(filterset, "request", None)
    return getattr(request, "user", None)


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Case.Status.choices, label=_("Status"))
    severity = django_filters.ChoiceFilter(choices=CaseSeverity.choices, label=_("Severity"))
    category = django_filters.ChoiceFilter(choices=CaseCategory.choices, method="filter_category", label=_("Category"))
    unit = UnitChoiceFilter(label=_("Unit"))
    within = WithinUnitFilter(path_field="unit__path")
    misconduct_from = django_filters.DateFilter(
        field_name="misconduct_date", lookup_expr="gte", label=_("Misconduct from")
    )
    misconduct_to = django_filters.DateFilter(
        field_name="misconduct_date", lookup_expr="lte", label=_("Misconduct until")
    )
    opened_from = django_filters.DateFilter(field_name="opened_at", lookup_expr="date__gte", label=_("Opened from"))
    opened_to = django_filters.DateFilter(field_name="opened_at", lookup_expr="date__lte", label=_("Opened until"))
    concluded_from = django_filters.DateFilter(
        field_name="concluded_at", lookup_expr="date__gte", label=_("Concluded from")
    )
    concluded_to = django_filters.DateFilter(
        field_name="concluded_at", lookup_expr="date__lte", label=_("Concluded until")
    )
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Number or title"),
        max_length=100,
        help_text=_("Case number, or words of the title."),
    )

    class Meta:
        model = Case
        fields = [
            "status",
            "severity",
            "category",
            "unit",
            "within",
            "misconduct_from",
            "misconduct_to",
            "opened_from",
            "opened_to",
            "concluded_from",
            "concluded_to",
            "q",
        ]

    def filter_category(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(readable_cases_condition(_user(self)), category=value)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value) | (Q(title__icontains=value) & readable_cases_condition(_user(self)))
        )


class LiabilityFilter(django_filters.FilterSet):
    person = IdFilter(field_name="person_id", label=_("Person"))
    case = IdFilter(field_name="case_id", label=_("Case"))
    case_number = django_filters.CharFilter(field_name="case__number", label=_("Case number"), max_length=40)
    unit = UnitChoiceFilter(label=_("Unit"))
    within = WithinUnitFilter(path_field="unit__path")
    level = django_filters.ChoiceFilter(choices=LiabilityLevel.choices, label=_("Level"))
    status = django_filters.ChoiceFilter(choices=Liability.Status.choices, label=_("Status"))
    in_force_on = django_filters.DateFilter(
        method="filter_in_force_on",
        label=_("Disqualifying on"),
        help_text=_("Records that disqualify on this date (objected ones included, revoked ones until revoked)."),
    )
    start_from = django_filters.DateFilter(field_name="start_date", lookup_expr="gte", label=_("Starting from"))
    start_to = django_filters.DateFilter(field_name="start_date", lookup_expr="lte", label=_("Starting until"))
    q = django_filters.CharFilter(method="filter_q", label=_("Person"), max_length=50)

    class Meta:
        model = Liability
        fields = [
            "person",
            "case",
            "case_number",
            "unit",
            "within",
            "level",
            "status",
            "in_force_on",
            "start_from",
            "start_to",
            "q",
        ]

    def filter_in_force_on(self, queryset, name, value):
        return queryset.filter(covering_condition(value)) if value else queryset

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(person__name__icontains=value) | Q(person__badge_number__iexact=value))
