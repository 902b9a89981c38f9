"""Pages of the public progress page (seed 002).

The public pages (/public/rectification/...) need no login, show published summaries only (an
unpublished one is 404 at once: nothing is cached, `never_cache`), use no inline script and load
nothing from outside the site. Their feedback form is rate-limited per client IP (429 page).

The staff pages (/public/summaries/..., /public/feedback/...) are for the roles of
public.selectors; every change goes through public.services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import get_visible_or_404
from accounts.selectors import user_has_role, user_has_role_for_unit, visible_units
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from public import ratelimit, services
from public.forms import (
    FeedbackDismissForm,
    FeedbackForm,
    FeedbackToFindingForm,
    SummaryPublishForm,
    UnpublishForm,
)
from public.models import PublicFeedback, PublicSummary
from public.selectors import FEEDBACK_ROLES, feedback_visible_to, summary_published, summary_visible_to
from rectification.selectors import notice_visible_to
from supervision.forms import apply_domain_error
from supervision.views import paginate, render_refused, report_transition

SUMMARY_LABELS = dict(PublicSummary.Status.choices)
FEEDBACK_LABELS = dict(PublicFeedback.Status.choices)
RETRY_AFTER_SECONDS = services.FEEDBACK_WINDOW_SECONDS


# --- the public pages (no login) ------------------------------------------------------------------------


@never_cache
def public_summary_list(request):
    page, query = paginate(request, summary_published().order_by("-published_at", "-id"))
    return render(request, "public/public_list.html", {"page": page, "query": query})


def _published_or_404(pk) -> PublicSummary:
    return get_visible_or_404(summary_published(), pk)


@never_cache
def public_summary_detail(request, pk):
    summary = _published_or_404(pk)
    return render(request, "public/public_detail.html", {"summary": summary, "form": FeedbackForm()})


@never_cache
@require_POST
def public_feedback_submit(request, pk):
    summary = _published_or_404(pk)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.feedback_submit(summary=summary, client_ip=ratelimit.client_ip(request), **form.cleaned_data)
        except services.RateLimited as error:
            response = render(
                request, "public/rate_limited.html", {"summary": summary, "message": error.message}, status=429
            )
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        except TransitionNotAllowed:
            raise Http404 from None
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Thank you: your comment has been passed to the supervisors."))
            return redirect(f"{reverse('public:public_summary_detail', args=[summary.pk])}#feedback")
    return render(request, "public/public_detail.html", {"summary": summary, "form": form})


# --- summaries (staff) ----------------------------------------------------------------------------------


def _may_manage(user, summary: PublicSummary) -> bool:
    return user_has_role_for_unit(user, (Role.SUPERVISOR,), summary.unit)


@login_required
def summary_list(request):
    user = request.user
    summaries = summary_visible_to(user).annotate(
        new_feedback=Count("feedback", filter=Q(feedback__status=PublicFeedback.Status.NEW))
    )
    status = request.GET.get("status") or ""
    if status in SUMMARY_LABELS:
        summaries = summaries.filter(status=status)
    page, query = paginate(request, summaries.order_by("-published_at", "-id"))
    return render(
        request,
        "public/summary_list.html",
        {
            "page": page,
            "query": query,
            "status": status,
            "statuses": PublicSummary.Status.choices,
            "may_publish": user_has_role(user, Role.SUPERVISOR),
            "sees_feedback": user_has_role(user, *FEEDBACK_ROLES),
        },
    )


@login_required
def summary_publish(request):
    user = request.user
    if not user_has_role(user, Role.SUPERVISOR):
        raise PermissionDenied
    notices = notice_visible_to(user).filter(unit__in=visible_units(user, roles=(Role.SUPERVISOR,)).values("pk"))
    if request.method == "POST":
        form = SummaryPublishForm(request.POST, notices=notices)
        if form.is_valid():
            try:
                summary = services.summary_publish(actor=user, **form.cleaned_data)
            except DomainError as error:
                return render_refused(request, "public/summary_form.html", {"form": form}, form, error)
            messages.success(request, _("Published: the summary is on the public page now."))
            return redirect("public:summary_detail", pk=summary.pk)
    else:
        initial = {}
        if (notice_id := request.GET.get("notice", "")).isdigit():
            initial["notice"] = notices.filter(pk=int(notice_id)).first()
        form = SummaryPublishForm(initial=initial, notices=notices)
    return render(request, "public/summary_form.html", {"form": form})


def _summary_page(request, summary, *, unpublish_form=None) -> dict:
    user = request.user
    may_manage = _may_manage(user, summary)
    published = summary.status == PublicSummary.Status.PUBLISHED
    feedback = None
    if user_has_role(user, *FEEDBACK_ROLES):
        feedback = list(feedback_visible_to(user).filter(summary=summary).order_by("-submitted_at", "-id")[:100])
    return {
        "summary": summary,
        "may_manage": may_manage and published,
        "unpublish_form": unpublish_form or (UnpublishForm() if may_manage and published else None),
        "feedback": feedback,
    }


@login_required
def summary_detail(request, pk):
    summary = get_visible_or_404(summary_visible_to(request.user), pk)
    return render(request, "public/summary_detail.html", _summary_page(request, summary))


@login_required
@require_POST
def summary_refresh(request, pk):
    user = request.user
    summary = get_visible_or_404(summary_visible_to(user), pk)
    if not _may_manage(user, summary):
        raise PermissionDenied
    try:
        services.summary_refresh(actor=user, summary=summary)
    except TransitionNotAllowed as error:
        report_transition(request, error, SUMMARY_LABELS)
    except NotPermitted:
        raise PermissionDenied from None
    else:
        messages.success(request, _("The progress shown to the public is up to date."))
    return redirect("public:summary_detail", pk=summary.pk)


@login_required
@require_POST
def summary_unpublish(request, pk):
    user = request.user
    summary = get_visible_or_404(summary_visible_to(user), pk)
    if not _may_manage(user, summary):
        raise PermissionDenied
    form = UnpublishForm(request.POST)
    if not form.is_valid():
        return render(request, "public/summary_detail.html", _summary_page(request, summary, unpublish_form=form))
    try:
        services.summary_unpublish(actor=user, summary=summary, reason=form.cleaned_data["reason"])
    except TransitionNotAllowed as error:
        report_transition(request, error, SUMMARY_LABELS)
    except NotPermitted:
        raise PermissionDenied from None
    else:
        messages.success(request, _("Unpublished: the summary has left the public page."))
    return redirect("public:summary_detail", pk=summary.pk)


# --- feedback (staff) -----------------------------------------------------------------------------------


def _require_feedback_role(user) -> None:
    if not user_has_role(user, *FEEDBACK_ROLES):
        raise PermissionDenied


@login_required
def feedback_list(request):
    user = request.user
    _require_feedback_role(user)
    feedback = feedback_visible_to(user)
    status = request.GET.get("status", PublicFeedback.Status.NEW)
    if status in FEEDBACK_LABELS:
        feedback = feedback.filter(status=status)
    page, query = paginate(request, feedback.order_by("-submitted_at", "-id"))
    return render(
        request,
        "public/feedback_list.html",
        {"page": page, "query": query, "status": status, "statuses": PublicFeedback.Status.choices},
    )


def _feedback_page(user, feedback, *, finding_form=None, dismiss_form=None) -> dict:
    may_handle = feedback.status == PublicFeedback.Status.NEW and user_has_role_for_unit(
        user, (Role.SUPERVISOR,), feedback.unit
    )
    if may_handle:
        finding_form = finding_form or FeedbackToFindingForm(initial={"description": feedback.text})
        dismiss_form = dismiss_form or FeedbackDismissForm()
    return {
        "feedback": feedback,
        "finding_form": finding_form if may_handle else None,
        "dismiss_form": dismiss_form if may_handle else None,
        "today": timezone.localdate(),
    }


def _access_feedback(user, pk) -> PublicFeedback:
    _require_feedback_role(user)
    return get_visible_or_404(feedback_visible_to(user), pk)


@login_required
def feedback_detail(request, pk):
    feedback = _access_feedback(request.user, pk)
    return render(request, "public/feedback_detail.html", _feedback_page(request.user, feedback))


@login_required
@require_POST
def feedback_to_finding(request, pk):
    user = request.user
    feedback = _access_feedback(user, pk)
    if not user_has_role_for_unit(user, (Role.SUPERVISOR,), feedback.unit):
        raise PermissionDenied
    form = FeedbackToFindingForm(request.POST)
    if form.is_valid():
        try:
            finding = services.feedback_to_finding(actor=user, feedback=feedback, **form.cleaned_data)
        except TransitionNotAllowed as error:
            report_transition(request, error, FEEDBACK_LABELS)
            return redirect("public:feedback_detail", pk=feedback.pk)
        except DomainError as error:
            context = _feedback_page(user, feedback, finding_form=form)
            return render_refused(request, "public/feedback_detail.html", context, form, error)
        messages.success(request, _("The feedback is now a finding."))
        return redirect("supervision:finding_detail", pk=finding.pk)
    return render(request, "public/feedback_detail.html", _feedback_page(user, feedback, finding_form=form))


@login_required
@require_POST
def feedback_dismiss(request, pk):
    user = request.user
    feedback = _access_feedback(user, pk)
    if not user_has_role_for_unit(user, (Role.SUPERVISOR,), feedback.unit):
        raise PermissionDenied
    form = FeedbackDismissForm(request.POST)
    if form.is_valid():
        try:
            services.feedback_dismiss(actor=user, feedback=feedback, reason=form.cleaned_data["reason"])
        except TransitionNotAllowed as error:
            report_transition(request, error, FEEDBACK_LABELS)
            return redirect("public:feedback_detail", pk=feedback.pk)
        except DomainError as error:
            context = _feedback_page(user, feedback, dismiss_form=form)
            return render_refused(request, "public/feedback_detail.html", context, form, error)
        messages.success(request, _("The feedback is dismissed."))
        return redirect("public:feedback_detail", pk=feedback.pk)
    return render(request, "public/feedback_detail.html", _feedback_page(user, feedback, dismiss_form=form))
