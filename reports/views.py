"""The reports page: every version of every period, downloads through a scoped view (never
MEDIA_URL) of the edition the reader may read (reports.selectors.report_edition), and "generate" for
supervisors and administrators of all units."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.permissions import get_visible_or_404
from core.errors import DomainError, NotPermitted
from reports.models import GeneratedReport
from reports.selectors import GENERATOR_ROLES, PAGE_ROLES, report_edition, report_visible_to, user_reads_all_of
from reports.services import report_generate
from supervision.forms import StyledForm, apply_domain_error
from supervision.views import attachment_disposition, paginate

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class GenerateForm(StyledForm):
    period = forms.CharField(
        label=gettext_lazy("Period"),
        max_length=10,
        help_text=gettext_lazy("A half year (2026H1, 2026H2) or a year (2026)."),
    )


def _require_reader(user) -> None:
    if not user_reads_all_of(user, PAGE_ROLES):
        raise PermissionDenied


def _page(request, form=None, *, status=200):
    user = request.user
    may_generate = user_reads_all_of(user, GENERATOR_ROLES)
    page, query = paginate(request, report_visible_to(user).order_by("-period_start", "-period", "-version"))
    for report in page:
        report.edition = report_edition(report, user)
    context = {"page": page, "query": query, "form": (form or GenerateForm()) if may_generate else None}
    return render(request, "reports/report_list.html", context, status=status)


@login_required
def report_list(request):
    _require_reader(request.user)
    return _page(request)


@login_required
@require_POST
def report_create(request):
    user = request.user
    _require_reader(user)
    if not user_reads_all_of(user, GENERATOR_ROLES):
        raise PermissionDenied
    form = GenerateForm(request.POST)
    if not form.is_valid():
        return _page(request, form)
    try:
        report = report_generate(period=form.cleaned_data["period"], actor=user)
    except NotPermitted:
        raise PermissionDenied from None
    except DomainError as error:
        apply_domain_error(form, error)
        return _page(request, form)
    messages.success(
        request,
        _("Report %(period)s version %(version)d generated.") % {"period": report.period, "version": report.version},
    )
    return redirect("reports:report_list")


def report_file_response(report: GeneratedReport, user) -> FileResponse:
    """The .docx of the edition `user` reads. A version written before the edition without case figures
    existed has none to give a reader who may not read them: a 404, never the full edition."""
    edition = report_edition(report, user)
    if not edition.exists:
        raise Http404(_("This version has no edition without case figures; generate a new version."))
    try:
        handle = edition.file.storage.open(edition.file.name, "rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=DOCX_CONTENT_TYPE)
    suffix = "-without-cases" if edition.case_free else ""
    response["Content-Disposition"] = attachment_disposition(
        report.download_name(case_free=edition.case_free),
        f"supervision-report-{report.period}-v{report.version}{suffix}.docx",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def report_download(request, pk):
    _require_reader(request.user)
    return report_file_response(get_visible_or_404(report_visible_to(request.user), pk), request.user)
