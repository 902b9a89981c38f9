"""Forms of the archive index: pick a unit and a year, or find a person."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from archive.services import ARCHIVE_FIRST_YEAR
from supervision.forms import style_form


def _year_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Year"),
        min_value=ARCHIVE_FIRST_YEAR,
        max_value=timezone.localdate().year,
        initial=timezone.localdate().year,
    )


class UnitArchiveForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    year = forms.IntegerField(label=_("Year"))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["year"] = _year_field()
        style_form(self)


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or badge number"), max_length=50, min_length=1)
    year = forms.IntegerField(label=_("Year"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"] = _year_field()
        style_form(self)
