from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import Person, Unit


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    unit = forms.ModelChoiceField(label=_("Unit (and below)"), queryset=Unit.objects.none(), required=False)
    category = forms.ChoiceField(
        label=_("Police category"), required=False, choices=[("", _("All")), *Person.Category.choices]
    )
    rank = forms.ChoiceField(label=_("Rank"), required=False, choices=[("", _("All")), *Person.Rank.choices])

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
