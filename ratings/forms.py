"""Forms of the rating pages. They only collect and shape input; ratings.services checks every rule again."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratings.models import Grade, UnitRating
from ratings.services import FIRST_YEAR, MAX_ADJUSTMENT_POINTS
from supervision.forms import StyledForm


class RoundDraftForm(StyledForm):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The upper bound (the current year) is the service's rule; its error comes back on this field.
        self.fields["year"].initial = timezone.localdate().year - 1


class AdjustmentForm(StyledForm):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None)
    points = forms.DecimalField(
        label=_("Bonus or penalty points"),
        max_digits=6,
        decimal_places=2,
        min_value=-MAX_ADJUSTMENT_POINTS,
        max_value=MAX_ADJUSTMENT_POINTS,
        help_text=_("Bonus positive, penalty negative; at most 50 either way."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class RatingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: UnitRating) -> str:
        return f"{obj.unit.name}（{obj.get_grade_display()}）"


class TieDecideForm(StyledForm):
    rating = RatingChoiceField(label=_("Unit in the tie"), queryset=None)
    grade = forms.ChoiceField(label=_("Rating grade"), choices=Grade.choices)
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, ratings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].queryset = ratings


class ReturnForm(StyledForm):
    reason = forms.CharField(label=_("Reason for returning"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
