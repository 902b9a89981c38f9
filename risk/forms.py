"""Filters and forms of the risk pages. Forms only collect and shape input; the services check every
rule again (risk.alerts)."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.api.filters import UnitChoiceFilter
from core.api.filters import MonthFilter
from risk.models import AREA_CHOICES, Alert, BusinessRecord, CircuitBreak, RiskModel
from risk.selectors import alerts_in_area, assessment_visible_to
from supervision.forms import StyledForm

FACTOR_PREFIX = "factor_"
OPINION_CHOICES = [("agree", _("Agree")), ("disagree", _("Disagree"))]
FLAG_LABELS = {flag: BusinessRecord._meta.get_field(f"flag_{flag}").verbose_name for flag in BusinessRecord.FLAGS}


def _scoped_assessments(request):
    return assessment_visible_to(request.user) if request is not None else assessment_visible_to(None)


class _UnitAndBelowFilter(UnitChoiceFilter):
    """The unit (one of the caller's) and everything below it."""

    def __init__(self, *args, path_field: str = "unit__path", **kwargs):
        kwargs.setdefault("label", _("Unit"))
        super().__init__(*args, **kwargs)
        self.path_field = path_field

    def filter(self, qs, value):
        return qs.filter(**{f"{self.path_field}__startswith": value.path}) if value else qs


# --- alerts ------------------------------------------------------------------------------------------------


class AlertFilter(django_filters.FilterSet):
    assessment = django_filters.ModelChoiceFilter(queryset=_scoped_assessments, label=_("Month"))
    month_from = MonthFilter(field_name="assessment__month", lookup_expr="gte", label=_("From month"))
    month_to = MonthFilter(field_name="assessment__month", lookup_expr="lte", label=_("Until month"))
    grade = django_filters.ChoiceFilter(choices=Alert.Grade.choices, label=_("Grade"))
    status = django_filters.ChoiceFilter(choices=Alert.Status.choices, label=_("Status"))
    unit = _UnitAndBelowFilter()
    area = django_filters.ChoiceFilter(
        choices=AREA_CHOICES, method="filter_area", label=_("Business area of a model hit")
    )
    q = django_filters.CharFilter(method="filter_q", label=_("Person"), max_length=50)

    class Meta:
        model = Alert
        fields = ["assessment", "month_from", "month_to", "grade", "status", "unit", "area", "q"]

    def filter_area(self, queryset, name, value):
        return alerts_in_area(queryset, value)

    def filter_q(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Q(person__name__icontains=value) | Q(person__badge_number__iexact=value))


class AlertVerifyForm(StyledForm):
    """Agree or disagree with the alert and with each of its factors, with a comment. One radio
    group per factor, named factor_<model code>."""

    agree = forms.ChoiceField(label=_("Your opinion on the alert"), choices=OPINION_CHOICES, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you checked and what you found; a disagreement's comment is kept as the dismissal reason."),
    )

    def __init__(self, *args, factors: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.factor_fields = []
        for factor in factors:
            name = f"{FACTOR_PREFIX}{factor['model']}"
            self.fields[name] = forms.ChoiceField(
                label=factor.get("name") or factor["model"], choices=OPINION_CHOICES, widget=forms.RadioSelect
            )
            self.factor_fields.append(name)
        # The comment last, after the factors.
        self.order_fields(["agree", *self.factor_fields, "comment"])

    def factor_bound_fields(self):
        return [self[name] for name in self.factor_fields]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "agree": data["agree"] == "agree",
            "comment": data["comment"],
            "factor_opinions": {name.removeprefix(FACTOR_PREFIX): data[name] == "agree" for name in self.factor_fields},
        }


# --- business records --------------------------------------------------------------------------------------


class RecordFilter(django_filters.FilterSet):
    """The business-record filters; every one of them can use an index (no free-text search)."""

    area = django_filters.ChoiceFilter(choices=AREA_CHOICES, label=_("Business area"))
    business_type = django_filters.CharFilter(label=_("Business type"), max_length=60)
    unit = _UnitAndBelowFilter()
    operator_badge = django_filters.CharFilter(label=_("Operator badge"), max_length=20)
    operator_account = django_filters.CharFilter(label=_("Account"), max_length=60)
    device_id = django_filters.CharFilter(label=_("Device"), max_length=80)
    agent_id = django_filters.CharFilter(label=_("Agent"), max_length=64)
    status = django_filters.ChoiceFilter(choices=BusinessRecord.Status.choices, label=_("Status"))
    flag = django_filters.ChoiceFilter(choices=list(FLAG_LABELS.items()), method="filter_flag", label=_("Flag"))
    accepted_from = django_filters.DateFilter(method="filter_from", label=_("Accepted from"))
    accepted_to = django_filters.DateFilter(method="filter_to", label=_("Accepted until"))

    class Meta:
        model = BusinessRecord
        fields = [
            "area",
            "business_type",
            "unit",
            "operator_badge",
            "operator_account",
            "device_id",
            "agent_id",
            "status",
            "flag",
            "accepted_from",
            "accepted_to",
        ]

    def filter_flag(self, queryset, name, value):
        return queryset.filter(**{f"flag_{value}": True}) if value in FLAG_LABELS else queryset

    def filter_from(self, queryset, name, value):
        return queryset.filter(accepted_at__gte=_day_start(value)) if value else queryset

    def filter_to(self, queryset, name, value):
        return queryset.filter(accepted_at__lt=_day_start(value + timedelta(days=1))) if value else queryset


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, timezone.get_current_timezone())


# --- supervision models ------------------------------------------------------------------------------------


class RiskModelFilter(django_filters.FilterSet):
    area = django_filters.ChoiceFilter(choices=AREA_CHOICES, label=_("Business area"))
    kind = django_filters.ChoiceFilter(choices=RiskModel.Kind.choices, label=_("Kind"))
    is_active = django_filters.ChoiceFilter(
        choices=[("true", _("Yes")), ("false", _("No"))], method="filter_active", label=_("Active")
    )

    class Meta:
        model = RiskModel
        fields = ["area", "kind", "is_active"]

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "true") if value in ("true", "false") else queryset


# --- circuit breaks and the allowlist ----------------------------------------------------------------------


class BreakerFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CircuitBreak.Status.choices, label=_("Status"))
    scope_kind = django_filters.ChoiceFilter(choices=CircuitBreak.ScopeKind.choices, label=_("Scope"))
    unit = _UnitAndBelowFilter()
    scope_key = django_filters.CharFilter(label=_("Account / device / user"), max_length=150)

    class Meta:
        model = CircuitBreak
        fields = ["status", "scope_kind", "unit", "scope_key"]


class RestoreRequestForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason for the restore"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was checked and why the suspension can be lifted; a supervisor decides."),
    )


class RestoreDecideForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve: lift the suspension")), ("refuse", _("Refuse: keep it suspended"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when refusing."),
    )


class AllowlistForm(StyledForm):
    scope_kind = forms.ChoiceField(label=_("Scope"), choices=CircuitBreak.ScopeKind.choices)
    scope_key = forms.CharField(label=_("Account / device / user"), max_length=150)
    until = forms.DateTimeField(
        label=_("Until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Trips of this scope are suppressed until then."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
