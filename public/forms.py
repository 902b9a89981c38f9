"""Forms of the public progress pages. They collect and shape input; the services check the rules
(again): no personal names, the rate limit, the transitions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import BusinessArea
from public.models import (
    FEEDBACK_CONTACT_MAX,
    FEEDBACK_NAME_MAX,
    FEEDBACK_TEXT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    PublicSummary,
)
from rectification.models import RectificationNotice
from supervision.forms import StyledForm
from supervision.models import Severity
from supervision.selectors import category_choices


def notice_label(notice: RectificationNotice) -> str:
    risk_list = getattr(notice, "risk_list", None)
    prefix = f"[{_('Quarterly risk list')} {risk_list.quarter}] " if risk_list is not None else ""
    return f"{prefix}{notice.document_number} {notice.title} · {notice.unit.name}"


class SummaryPublishForm(StyledForm):
    notice = forms.ModelChoiceField(
        label=_("Notice or quarterly risk list"),
        queryset=RectificationNotice.objects.none(),
        help_text=_("Issued notices of your units without a published summary."),
    )
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    problems = forms.CharField(
        label=_("Problems"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Written for the public: describe the problems without naming any person or badge number."),
    )
    measures = forms.CharField(
        label=_("Rectification measures"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What has been and will be done; again without personal names."),
    )

    def __init__(self, *args, notices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if notices is not None:
            live = PublicSummary.objects.filter(status=PublicSummary.Status.PUBLISHED).values("notice")
            self.fields["notice"].queryset = (
                notices.exclude(status=RectificationNotice.Status.DRAFT)
                .exclude(pk__in=live)
                .select_related("unit", "risk_list")
                .order_by("-issued_at", "-id")
            )
        self.fields["notice"].label_from_instance = notice_label


class UnpublishForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class FeedbackForm(StyledForm):
    """The public's comment. Name and contact are optional."""

    name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=FEEDBACK_NAME_MAX)
    contact = forms.CharField(
        label=_("Contact (optional)"),
        required=False,
        max_length=FEEDBACK_CONTACT_MAX,
        help_text=_("A phone number or e-mail address, if you would like an answer."),
    )
    text = forms.CharField(
        label=_("Your comment"),
        max_length=FEEDBACK_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": FEEDBACK_TEXT_MAX}),
    )


class FeedbackToFindingForm(StyledForm):
    category = forms.ModelChoiceField(label=_("Category"), queryset=category_choices())
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    business_area = forms.ModelChoiceField(
        label=_("Business area"),
        queryset=BusinessArea.objects.all(),
        required=False,
        help_text=_("Empty: the category's default business area, else the notice's."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Prefilled with the comment; edit it into a finding."),
    )


class FeedbackDismissForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
