"""The period selector (month, quarter, half year, year, custom range) and unit shared by the dashboard
and the statistics page, and the statistics choice. Forms only shape input: the period and the unit are
checked (again) by dashboard.figures, whose errors come back on the named field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from accounts.selectors import visible_units
from core.errors import DomainError
from dashboard import statistics
from dashboard.figures import MAX_YEAR, MIN_YEAR, Period, default_period, parse_period, period_between
from supervision.forms import apply_domain_error, style_form, unit_label

PERIOD_KINDS = [
    (Period.MONTH, _("Month")),
    (Period.QUARTER, _("Quarter")),
    (Period.HALF_YEAR, _("Half year")),
    (Period.YEAR, _("Year")),
    (Period.CUSTOM, _("Custom range")),
]


class PeriodForm(forms.Form):
    """GET form: `kind` with the fields it needs, or a ready `period` text ("2026Q3"), and a unit."""

    kind = forms.ChoiceField(label=_("Period"), choices=PERIOD_KINDS, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=MIN_YEAR, max_value=MAX_YEAR, required=False)
    month = forms.TypedChoiceField(
        label=_("Month"), choices=[(m, f"{m:02d}") for m in range(1, 13)], coerce=int, required=False
    )
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), choices=[(q, f"Q{q}") for q in range(1, 5)], coerce=int, required=False
    )
    half = forms.TypedChoiceField(
        label=_("Half year"), choices=[(1, _("First half")), (2, _("Second half"))], coerce=int, required=False
    )
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("Until"), required=False)
    period = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)

    def __init__(self, data=None, *, user, **kwargs):
        data = data.copy() if data is not None else None
        if data is not None and data.get("period") and not data.get("kind"):
            # A link carrying "?period=2026Q3": show it in the selector.
            try:
                data.update(_fields_of(parse_period(data["period"])))
            except DomainError:
                pass  # reported by clean()
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["unit"].queryset = visible_units(user)
        self.fields["unit"].empty_label = _("All units in my scope")
        for name, value in _fields_of(default_period()).items():
            self.fields[name].initial = value
        style_form(self, small=True)
        # The units read once, with a plain query: the field's own choices would read them again on
        # every render, through a server-side cursor, as model instances (bench B6).
        unit = self.fields["unit"]
        unit.choices = [("", unit.empty_label), *((u.pk, unit_label(u)) for u in visible_units(user))]
        for name in ("kind", "month", "quarter", "half"):
            self.fields[name].widget.choices = self.fields[name].choices
        for name in ("year", "month", "quarter", "half", "start", "end"):
            self.fields[name].widget.attrs["data-period-field"] = name
        self.fields["kind"].widget.attrs["data-period-kind"] = ""

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        kind = data.get("kind")
        try:
            if not kind:
                text = data.get("period")
                data["period"] = parse_period(text) if text else default_period()
            elif kind == Period.CUSTOM:
                if not self._require("start", "end"):
                    return data
                data["period"] = period_between(data["start"], data["end"], field="end")
            else:
                needs = {
                    Period.MONTH: ("year", "month"),
                    Period.QUARTER: ("year", "quarter"),
                    Period.HALF_YEAR: ("year", "half"),
                    Period.YEAR: ("year",),
                }[kind]
                if not self._require(*needs):
                    return data
                year = data["year"]
                text = {
                    Period.MONTH: lambda: f"{year}-{data['month']:02d}",
                    Period.QUARTER: lambda: f"{year}Q{data['quarter']}",
                    Period.HALF_YEAR: lambda: f"{year}H{data['half']}",
                    Period.YEAR: lambda: str(year),
                }[kind]()
                data["period"] = parse_period(text)
        except DomainError as error:
            apply_domain_error(self, error)
        return data

    def _require(self, *names: str) -> bool:
        missing = [name for name in names if self.cleaned_data.get(name) in (None, "")]
        for name in missing:
            self.add_error(name, _("Required for this kind of period."))
        return not missing

    @property
    def chosen_period(self) -> Period:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["period"]
        return default_period()

    @property
    def chosen_unit(self):
        return self.cleaned_data.get("unit") if self.is_bound and self.is_valid() else None

    def query(self) -> dict:
        """The canonical query parameters of the chosen period and unit (for links)."""
        params = {"period": self.chosen_period.label}
        if self.chosen_unit is not None:
            params["unit"] = self.chosen_unit.pk
        return params


def _fields_of(period: Period) -> dict:
    fields = {"kind": period.kind, "year": period.start.year}
    if period.kind == Period.MONTH:
        fields["month"] = period.start.month
    elif period.kind == Period.QUARTER:
        fields["quarter"] = (period.start.month - 1) // 3 + 1
    elif period.kind == Period.HALF_YEAR:
        fields["half"] = 1 if period.start.month == 1 else 2
    elif period.kind == Period.CUSTOM:
        fields.update(start=period.start.isoformat(), end=period.end.isoformat())
    return {name: str(value) for name, value in fields.items()}


class StatisticsForm(PeriodForm):
    measure = forms.ChoiceField(label=_("Measure"), choices=())
    dimension1 = forms.ChoiceField(label=_("Count by"), choices=())
    dimension2 = forms.ChoiceField(label=_("Second dimension"), choices=(), required=False)

    field_order = ["measure", "dimension1", "dimension2"]

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        measures = statistics.measures_for(user)
        self.fields["measure"].choices = [(code, statistics.MEASURES[code].label) for code in measures]
        dimensions = [(code, statistics.DIMENSION_LABELS[code]) for code in statistics.DIMENSION_ORDER]
        self.fields["dimension1"].choices = dimensions
        self.fields["dimension2"].choices = [("", _("(none)")), *dimensions]
        for name in ("measure", "dimension1", "dimension2"):
            self.fields[name].widget.choices = self.fields[name].choices
        # Which dimensions each measure allows, for the page's script to grey out the others.
        self.fields["measure"].widget.attrs["data-allowed-dimensions"] = ";".join(
            f"{code}:{','.join(statistics.allowed_dimensions(code))}" for code in measures
        )

    def clean(self):
        data = super().clean()
        measure = data.get("measure")
        dimensions = [data.get("dimension1") or "", data.get("dimension2") or ""]
        if measure and data.get("dimension1"):
            try:
                statistics.validate_choice(self.user, measure, [d for d in dimensions if d])
            except DomainError as error:
                apply_domain_error(self, error)
        data["dimensions"] = [d for d in dimensions if d]
        return data
