import django_filters
from django import forms
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter


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


class IdFilter(django_filters.NumberFilter):
    """The id of a related object: a whole number within the database's id range. 1.5, 1e41 or -1e308
    are a 400 naming the filter, not a 500 from a number the database cannot hold."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class YearFilter(django_filters.NumberFilter):
    """A calendar year: a whole number from 1 to 9999 (what a date can hold), else a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)
