from django import forms
from django.contrib.auth import get_user_model
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

    def get_invalid_login_error(self):
        """A user who gave the right password but is suspended by a circuit break (预警熔断) is told
        so, and whom to ask; anyone else gets the generic error, which reveals nothing."""
        from risk.enforcement import user_is_suspended

        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        user = get_user_model()._default_manager.filter(username=username).first() if username else None
        if user is not None and user.is_active and user_is_suspended(user) and user.check_password(password or ""):
            return forms.ValidationError(
                _(
                    "This account is suspended by a circuit break (预警熔断). "
                    "Ask your unit leader to request a restore."
                ),
                code="circuit_break",
            )
        return super().get_invalid_login_error()


class UnitSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50, strip=True)


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
