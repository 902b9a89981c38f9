"""Forms of the supervision pages, plus the small form helpers the rectification pages share.

Forms only collect and shape input; every rule is checked (again) by the services.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.api.filters import UnitChoiceFilter
from accounts.models import BusinessArea, Person, Unit
from core.errors import DomainError
from supervision.evidence import validate_uploads
from supervision.models import ClueTransfer, Finding, Inspection, Severity, SupervisionLayer
from supervision.selectors import category_choices

EVIDENCE_ACCEPT = ".jpg,.jpeg,.png,.pdf,.docx,.xlsx,.mp4"


# --- shared helpers ---------------------------------------------------------------------------------


def unit_label(unit: Unit) -> str:
    """A unit in a select: indented by its depth in the tree (no query: the depth is in the path)."""
    return "\u3000" * max(unit.depth - 1, 0) + unit.name


def person_label(person) -> str:
    return f"{person.name}（{person.badge_number}）· {person.unit.name}"


def _css(widget) -> str:
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return ""  # Django puts the class on the wrapping <div> too; app.css styles these lists
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-control"


# Django's select, and the same HTML without an include per option (core/templates/core/widgets).
_DJANGO_SELECT = ("django/forms/widgets/select.html", "django/forms/widgets/select_option.html")
_INLINE_SELECT = "core/widgets/select.html"


def style_form(form, *, small: bool = False) -> None:
    """Bootstrap classes on every widget, `type=date` on date inputs, "All" as the empty choice, selects
    rendered with their options inline."""
    for field in form.fields.values():
        widget = field.widget
        if (getattr(widget, "template_name", None), getattr(widget, "option_template_name", None)) == _DJANGO_SELECT:
            widget.template_name = _INLINE_SELECT
        css = _css(widget)
        if small and css in ("form-select", "form-control"):
            css += " form-select-sm" if css == "form-select" else " form-control-sm"
        if css:
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
        if isinstance(field, forms.DateField) and isinstance(widget, forms.DateInput):
            widget.input_type = "date"
            widget.format = "%Y-%m-%d"
        single_model_choice = isinstance(field, forms.ModelChoiceField) and not isinstance(
            field, forms.ModelMultipleChoiceField
        )
        if single_model_choice and field.queryset is not None and field.queryset.model is Unit:
            field.label_from_instance = unit_label
        # Filter selects (django-filter fields read empty_label whenever they are rendered).
        if small and getattr(field, "empty_label", None) is not None:
            field.empty_label = _("All")
            if not isinstance(field, forms.ModelChoiceField):
                # The widget still iterates the choices of the FilterSet's base field (a shallow copy).
                field.widget.choices = field.choices


def style_filter_form(filterset) -> forms.Form:
    """The form of a django-filter FilterSet, made compact for a filter row."""
    form = filterset.form
    style_form(form, small=True)
    if "q" in form.fields:
        form.fields["q"].widget.input_type = "search"
        form.fields["q"].widget.attrs.setdefault("placeholder", _("Keyword"))
    return form


def apply_domain_error(form, error: DomainError) -> None:
    """Show a service's DomainError on its named field, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class EvidenceFilesField(forms.FileField):
    """Several evidence files at once. Each is checked by content (as the service will check it
    again), and every bad file is named, so the user can fix them all in one go."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}))
        kwargs.setdefault("label", _("Evidence files"))
        kwargs.setdefault(
            "help_text",
            _("Photos, video, PDF or Office files (JPG, PNG, MP4, PDF, DOCX, XLSX); you can choose several."),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        try:
            validate_uploads(uploads)
        except DomainError as error:
            raise ValidationError(error.message) from None
        return uploads


# --- inspections ----------------------------------------------------------------------------------------


class InspectionFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Inspection.Kind.choices, label=_("Kind"))
    layer = django_filters.ChoiceFilter(choices=SupervisionLayer.choices, label=_("Supervision layer"))
    date_from = django_filters.DateFilter(field_name="inspection_date", lookup_expr="gte", label=_("Date from"))
    date_to = django_filters.DateFilter(field_name="inspection_date", lookup_expr="lte", label=_("Date until"))
    unit = UnitChoiceFilter(label=_("Unit"), method="filter_unit")
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=100)

    class Meta:
        model = Inspection
        fields = ["kind", "layer", "date_from", "date_to", "unit", "q"]

    def filter_unit(self, queryset, name, value):
        """Organised by, or aimed at, the unit or a unit below it."""
        if not value:
            return queryset
        matching = Inspection.objects.filter(
            Q(organizing_unit__path__startswith=value.path) | Q(target_units__path__startswith=value.path)
        ).values("pk")
        return queryset.filter(pk__in=matching)

    def filter_q(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Q(theme__icontains=value) | Q(summary__icontains=value))


class InspectionForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Inspection.Kind.choices)
    layer = forms.ChoiceField(label=_("Supervision layer"), choices=SupervisionLayer.choices)
    inspection_date = forms.DateField(label=_("Inspection date"), widget=forms.DateInput)
    theme = forms.CharField(
        label=_("Theme"), max_length=200, help_text=_("e.g. special unannounced visit on the business environment")
    )
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    organizing_unit = forms.ModelChoiceField(label=_("Organising unit"), queryset=Unit.objects.none())
    target_units = forms.ModelMultipleChoiceField(
        label=_("Target units"),
        queryset=Unit.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl to choose several."),
    )
    inspectors = forms.ModelMultipleChoiceField(
        label=_("Inspectors"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl to choose several."),
    )

    def __init__(self, *args, units, target_units, persons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizing_unit"].queryset = units
        self.fields["target_units"].queryset = target_units
        self.fields["target_units"].label_from_instance = unit_label
        self.fields["inspectors"].queryset = persons
        self.fields["inspectors"].label_from_instance = person_label
        self.fields["inspection_date"].initial = timezone.localdate()


# --- findings ----------------------------------------------------------------------------------------------


class FindingForm(StyledForm):
    """A finding of one unit (the unit is chosen first, so persons can be limited to it)."""

    category = forms.ModelChoiceField(label=_("Category"), queryset=category_choices(), empty_label=_("Choose"))
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    business_area = forms.ModelChoiceField(
        label=_("Business area"),
        queryset=BusinessArea.objects.all(),
        required=False,
        empty_label=_("Default of the category"),
        help_text=_("Decides the business lead department that receives the handover."),
    )
    found_on = forms.DateField(label=_("Found on"), widget=forms.DateInput)
    source = forms.ChoiceField(label=_("Source"), choices=Finding.Source.choices, initial=Finding.Source.INSPECTION)
    inspection = forms.ModelChoiceField(
        label=_("Inspection"), queryset=Inspection.objects.none(), required=False, empty_label=_("(none)")
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    persons = forms.ModelMultipleChoiceField(
        label=_("Persons involved"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Optional. Hold Ctrl to choose several."),
    )
    files = EvidenceFilesField(required=False)

    def __init__(self, *args, inspections, persons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = inspections
        self.fields["persons"].queryset = persons
        self.fields["persons"].label_from_instance = person_label
        self.fields["found_on"].initial = timezone.localdate()


class EvidenceForm(StyledForm):
    files = EvidenceFilesField(required=True)


class ClueTransferForm(StyledForm):
    reason = forms.CharField(label=_("Reason for transfer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class ClueDisposeForm(StyledForm):
    disposal = forms.CharField(
        label=_("Disposal"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What discipline inspection did with the clue; the supervisor who transferred it sees this."),
    )


class UnitPickForm(forms.Form):
    """The first step of a form that belongs to one unit (a GET form: it only reloads the page)."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), empty_label=_("Choose a unit"))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        style_form(self)
        self.fields["unit"].widget.attrs["data-autosubmit"] = ""


# --- clues ---------------------------------------------------------------------------------------------------


class ClueFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ClueTransfer.Status.choices, label=_("Status"))
    unit = UnitChoiceFilter(label=_("Unit"), method="filter_unit")
    severity = django_filters.ChoiceFilter(
        field_name="finding__severity", choices=Severity.choices, label=_("Severity")
    )
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=100)

    class Meta:
        model = ClueTransfer
        fields = ["status", "unit", "severity", "q"]

    def filter_unit(self, queryset, name, value):
        return queryset.filter(finding__unit__path__startswith=value.path) if value else queryset

    def filter_q(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            Q(reason__icontains=value) | Q(finding__description__icontains=value) | Q(disposal__icontains=value)
        )
