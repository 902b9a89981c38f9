"""One definition of the filters for lists of findings, notices and items: the API, the pages and
the exports all use these, so a filtered page exports exactly what it shows."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.api.filters import UnitChoiceFilter, WithinUnitFilter
from core.api.filters import IdFilter, LocalDayFilter, StrictBooleanFilter
from rectification.models import RectificationItem, RectificationNotice
from supervision.models import Finding, FindingCategory, Severity


class _SearchFilter(django_filters.CharFilter):
    def __init__(self, *args, fields: tuple[str, ...], **kwargs):
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault("max_length", 100)
        super().__init__(*args, **kwargs)
        self.search_fields = fields

    def filter(self, qs, value):
        if not value:
            return qs
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return qs.filter(condition)


class FindingFilter(django_filters.FilterSet):
    unit = UnitChoiceFilter(label=_("Unit"))
    within = WithinUnitFilter(path_field="unit__path")
    category = django_filters.ModelChoiceFilter(queryset=FindingCategory.objects.all(), label=_("Category"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"))
    source = django_filters.ChoiceFilter(choices=Finding.Source.choices, label=_("Source"))
    found_from = django_filters.DateFilter(field_name="found_on", lookup_expr="gte", label=_("Found from"))
    found_to = django_filters.DateFilter(field_name="found_on", lookup_expr="lte", label=_("Found until"))
    is_open = StrictBooleanFilter(method="filter_is_open", label=_("Not closed out"))
    q = _SearchFilter(fields=("description", "unit__name"))

    class Meta:
        model = Finding
        fields = [
            "unit",
            "within",
            "category",
            "severity",
            "source",
            "inspection",
            "found_from",
            "found_to",
            "is_open",
            "q",
        ]

    def filter_is_open(self, queryset, name, value):
        """Open: not (yet) part of a closed-out notice, as the dashboard's "open findings" counts them."""
        closed_notice = RectificationNotice.objects.filter(
            findings=OuterRef("pk"), status=RectificationNotice.Status.CLOSED
        )
        return queryset.filter(~Exists(closed_notice) if value else Exists(closed_notice))


class NoticeFilter(django_filters.FilterSet):
    unit = UnitChoiceFilter(label=_("Unit"))
    within = WithinUnitFilter(path_field="unit__path")
    status = django_filters.ChoiceFilter(choices=RectificationNotice.Status.choices, label=_("Status"))
    deadline_from = django_filters.DateFilter(field_name="deadline", lookup_expr="gte", label=_("Deadline from"))
    deadline_to = django_filters.DateFilter(field_name="deadline", lookup_expr="lte", label=_("Deadline until"))
    q = _SearchFilter(fields=("title", "requirements", "unit__name"))

    class Meta:
        model = RectificationNotice
        fields = ["unit", "within", "status", "business_area", "deadline_from", "deadline_to", "q"]


class ItemFilter(django_filters.FilterSet):
    unit = UnitChoiceFilter(label=_("Unit"))
    within = WithinUnitFilter(path_field="unit__path")
    notice = IdFilter(field_name="notice_id", label=_("Notice"))
    status = django_filters.ChoiceFilter(choices=RectificationItem.Status.choices, label=_("Status"))
    due_state = django_filters.ChoiceFilter(choices=RectificationItem.DueState.choices, label=_("Deadline state"))
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("Overdue"))
    category = django_filters.ModelChoiceFilter(
        field_name="finding__category", queryset=FindingCategory.objects.all(), label=_("Category")
    )
    severity = django_filters.ChoiceFilter(
        field_name="finding__severity", choices=Severity.choices, label=_("Severity")
    )
    deadline_from = django_filters.DateFilter(field_name="deadline", lookup_expr="gte", label=_("Deadline from"))
    deadline_to = django_filters.DateFilter(field_name="deadline", lookup_expr="lte", label=_("Deadline until"))
    created_from = LocalDayFilter(field_name="created_at", bound="from", label=_("Created from"))
    created_to = LocalDayFilter(field_name="created_at", bound="to", label=_("Created until"))
    closed_from = LocalDayFilter(field_name="closed_at", bound="from", label=_("Closed out from"))
    closed_to = LocalDayFilter(field_name="closed_at", bound="to", label=_("Closed out until"))
    q = _SearchFilter(fields=("problem", "measures", "unit__name"))

    class Meta:
        model = RectificationItem
        fields = [
            "unit",
            "within",
            "notice",
            "status",
            "due_state",
            "overdue",
            "category",
            "severity",
            "deadline_from",
            "deadline_to",
            "created_from",
            "created_to",
            "closed_from",
            "closed_to",
            "q",
        ]

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        overdue = Q(deadline__lt=today, status=RectificationItem.Status.OPEN)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
