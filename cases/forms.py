"""Forms of the cases pages. Forms only collect and shape input; cases.services checks every rule again."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Person
from cases.models import AccountabilityAction, CaseCategory, CasePerson, CaseSeverity
from cases.services import CONCLUDED_RESPONSIBILITIES, PersonConclusion
from supervision.forms import StyledForm, person_label, style_form

BADGE_SPLIT = re.compile(r"[\s,，、;；]+")


class CaseForm(StyledForm):
    """Open or edit a case. Persons come from the unit (and below) or, for anyone else in scope
    (someone who has moved since), by badge number."""

    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=CaseCategory.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=CaseSeverity.choices)
    misconduct_date = forms.DateField(
        label=_("Date of the misconduct"),
        widget=forms.DateInput,
        help_text=_("Decides who answered for the unit that day (the chain of joint liability)."),
    )
    facts = forms.CharField(label=_("Facts"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    persons = forms.ModelMultipleChoiceField(
        label=_("Persons concerned"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl to choose several."),
    )
    other_badges = forms.CharField(
        label=_("Other persons concerned (badge numbers)"),
        required=False,
        max_length=500,
        help_text=_("Persons outside this unit, e.g. who have moved since: badge numbers separated by commas."),
    )

    def __init__(self, *args, persons, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["persons"].queryset = persons
        self.fields["persons"].label_from_instance = person_label

    def clean_other_badges(self) -> list[Person]:
        badges = [badge for badge in BADGE_SPLIT.split(self.cleaned_data.get("other_badges", "").strip()) if badge]
        if not badges:
            return []
        found = {person.badge_number: person for person in self.scope.filter(badge_number__in=badges)}
        unknown = [badge for badge in badges if badge not in found]
        if unknown:
            raise forms.ValidationError(
                _("Unknown badge number(s) or outside your scope: %(badges)s") % {"badges": "、".join(unknown)}
            )
        return list(found.values())

    def chosen_persons(self) -> list[Person]:
        return [*self.cleaned_data["persons"], *self.cleaned_data["other_badges"]]


YES_NO = [("yes", _("Yes: an integrity problem is confirmed")), ("no", _("No integrity problem confirmed"))]


class CaseConcludeForm(forms.Form):
    """The conclusion, and for each person concerned one row: responsibility, action, note (fields
    named resp_<id>, action_<id> and note_<id>, by the CasePerson id)."""

    integrity_problem_confirmed = forms.ChoiceField(
        label=_("Integrity problem"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        help_text=_("Confirmed: the liability records of the rule of the case's severity are created at once."),
    )
    conclusion = forms.CharField(label=_("Conclusion"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, case_persons: list[CasePerson], **kwargs):
        super().__init__(*args, **kwargs)
        responsibility_choices = [("", _("Choose"))] + [
            (value, label) for value, label in CasePerson.Responsibility.choices if value in CONCLUDED_RESPONSIBILITIES
        ]
        self.rows = []
        for link in case_persons:
            names = (f"resp_{link.pk}", f"action_{link.pk}", f"note_{link.pk}")
            self.fields[names[0]] = forms.ChoiceField(
                label=_("Responsibility"), choices=responsibility_choices, initial=link.responsibility
            )
            self.fields[names[1]] = forms.ChoiceField(
                label=_("Accountability action"), choices=AccountabilityAction.choices, initial=link.action
            )
            self.fields[names[2]] = forms.CharField(
                label=_("Note"), required=False, max_length=2000, initial=link.action_note
            )
            self.rows.append((link, names))
        style_form(self)

    def row_fields(self):
        """(case person, responsibility field, action field, note field) per person, for the template."""
        return [(link, *(self[name] for name in names)) for link, names in self.rows]

    def confirmed(self) -> bool:
        return self.cleaned_data["integrity_problem_confirmed"] == "yes"

    def conclusions(self) -> list[PersonConclusion]:
        return [
            PersonConclusion(
                person_id=link.person_id,
                responsibility=self.cleaned_data[names[0]],
                action=self.cleaned_data[names[1]],
                note=self.cleaned_data[names[2]],
            )
            for link, names in self.rows
        ]


class ObjectionForm(StyledForm):
    reason = forms.CharField(
        label=_("Grounds of the objection"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why the record is wrong; a discipline inspector other than the submitter decides."),
    )


DECISIONS = [("grant", _("Grant: revoke the record from today")), ("refuse", _("Refuse: the record stays in force"))]


class ObjectionDecisionForm(StyledForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when refusing."),
    )
