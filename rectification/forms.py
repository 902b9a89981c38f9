"""Forms of the rectification pages. They collect input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import BusinessArea, Person, Unit
from rectification.models import ItemRequest, ItemReview
from supervision.forms import EvidenceFilesField, StyledForm, person_label, unit_label
from supervision.models import Finding


def finding_label(finding: Finding) -> str:
    return (
        f"{finding.found_on:%Y-%m-%d} · {finding.get_severity_display()} · {finding.category.name} · "
        f"{finding.description[:60]}"
    )


class NoticeForm(StyledForm):
    findings = forms.ModelMultipleChoiceField(
        label=_("Findings"),
        queryset=Finding.objects.none(),
        # Rendered choice by choice in the template (no wrapper), so the class goes on each box.
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    title = forms.CharField(label=pgettext_lazy("document", "Title"), max_length=200)
    requirements = forms.CharField(
        label=_("Rectification requirements"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=forms.DateInput,
        help_text=_("Leave empty for the default: working days by the severity of the gravest finding."),
    )
    business_area = forms.ModelChoiceField(
        label=_("Business area"),
        queryset=BusinessArea.objects.all(),
        required=False,
        empty_label=_("That of the first finding"),
        help_text=_("Its lead department receives the business side of the handover."),
    )

    def __init__(self, *args, findings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["findings"].queryset = findings
        self.fields["findings"].label_from_instance = finding_label


class AcknowledgeForm(StyledForm):
    opinion = forms.CharField(
        label=_("Opinion"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: how your side will follow the rectification."),
    )


class ItemForm(StyledForm):
    finding = forms.ModelChoiceField(
        label=_("Finding"), queryset=Finding.objects.none(), required=False, empty_label=_("(none in particular)")
    )
    problem = forms.CharField(label=_("Problem"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    measures = forms.CharField(
        label=_("Rectification measures"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )
    responsible_department = forms.ModelChoiceField(label=_("Responsible department"), queryset=Unit.objects.none())
    responsible_person = forms.ModelChoiceField(label=_("Responsible person"), queryset=Person.objects.none())
    responsible_leader = forms.ModelChoiceField(label=_("Responsible leader"), queryset=Person.objects.none())
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput)

    def __init__(self, *args, findings, units, persons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finding"].queryset = findings
        self.fields["finding"].label_from_instance = finding_label
        self.fields["responsible_department"].queryset = units
        self.fields["responsible_department"].label_from_instance = unit_label
        for name in ("responsible_person", "responsible_leader"):
            self.fields[name].queryset = persons
            self.fields[name].label_from_instance = person_label


class ProgressForm(StyledForm):
    text = forms.CharField(label=_("Progress"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))
    files = EvidenceFilesField(required=False)


class SubmitForm(StyledForm):
    note = forms.CharField(
        label=_("Note for the verifier"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class VerifyForm(StyledForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=ItemReview.Decision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("When rejecting, say what is still missing."),
    )


class ExtensionRequestForm(StyledForm):
    kind = ItemRequest.Kind.EXTENSION
    new_deadline = forms.DateField(label=_("New deadline"), widget=forms.DateInput)
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class UnrectifiableRequestForm(StyledForm):
    kind = ItemRequest.Kind.UNRECTIFIABLE
    reason = forms.CharField(
        label=_("Reason"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The party committee decides; the item stays open until then."),
    )


REQUEST_FORMS = {
    ItemRequest.Kind.EXTENSION: ExtensionRequestForm,
    ItemRequest.Kind.UNRECTIFIABLE: UnrectifiableRequestForm,
}


class DecideForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when refusing."),
    )


class LookBackForm(StyledForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("passed", _("Passed: the problem has not returned")), ("failed", _("Failed: reopen the notice"))],
        widget=forms.RadioSelect,
    )
    result = forms.CharField(
        label=_("What the look-back found"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )
    new_deadline = forms.DateField(
        label=_("New deadline"),
        required=False,
        widget=forms.DateInput,
        help_text=_("Only when failed: the reopened notice's deadline."),
    )
