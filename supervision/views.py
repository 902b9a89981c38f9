"""Pages for inspections, findings, evidence and clue transfers.

Every object is fetched through supervision.permissions (outside the data scope: 404), every write
goes through supervision.services. A step the role may not take at all is a 403 page; a rule the
service enforces comes back on the form. After a successful POST the browser is redirected.
"""

import re
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role, Unit
from accounts.permissions import get_visible_or_404
from accounts.selectors import (
    person_visible_to,
    user_has_role,
    user_has_role_for_unit,
    user_role_assignments,
    user_sees_all,
    visible_units,
)
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from rectification.filters import FindingFilter
from rectification.selectors import item_visible_to, notice_visible_to
from supervision import services
from supervision.forms import (
    ClueDisposeForm,
    ClueFilter,
    ClueTransferForm,
    EvidenceForm,
    FindingForm,
    InspectionFilter,
    InspectionForm,
    UnitPickForm,
    apply_domain_error,
    style_filter_form,
)
from supervision.models import ClueTransfer, Evidence, Severity
from supervision.permissions import access_clue, access_evidence, access_finding, access_inspection
from supervision.selectors import CLUE_ROLES, clue_visible_to, finding_visible_to, inspection_visible_to

PAGE_SIZE = 30

CONTENT_TYPES = {
    Evidence.Kind.JPG: "image/jpeg",
    Evidence.Kind.PNG: "image/png",
    Evidence.Kind.PDF: "application/pdf",
    Evidence.Kind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Evidence.Kind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Evidence.Kind.MP4: "video/mp4",
}


# --- helpers shared with the rectification pages ----------------------------------------------------


def paginate(request, queryset):
    """(page, query string without `page`) for a list: COUNT plus one page, whatever the size."""
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def report_transition(request, error: TransitionNotAllowed, labels: dict) -> None:
    """The object moved on meanwhile (or was never in that state): say so, with its status."""
    status = labels.get(error.current_status, error.current_status)
    messages.error(
        request, _("Not done: %(reason)s Current status: %(status)s.") % {"reason": error.message, "status": status}
    )


def render_refused(request, template: str, context: dict, form, error: DomainError):
    """Re-render a page with a service error on its form: 403 when the service refused the person."""
    apply_domain_error(form, error)
    return render(request, template, context, status=403 if isinstance(error, NotPermitted) else 200)


def attachment_disposition(name: str, fallback: str) -> str:
    """`attachment` with an ASCII fallback name and the real name in RFC 5987 encoding."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") if name.isascii() else ""
    if not ascii_name:
        ascii_name = fallback
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


# --- inspections --------------------------------------------------------------------------------------------


@login_required
def inspection_list(request):
    user = request.user
    filterset = InspectionFilter(request.GET or None, queryset=inspection_visible_to(user), request=request)
    form = style_filter_form(filterset)
    finding_count = Count("findings", distinct=True)
    if not user_sees_all(user):
        finding_count = Count("findings", filter=Q(findings__unit__in=visible_units(user).values("pk")), distinct=True)
    inspections = (
        filterset.qs.annotate(finding_count=finding_count)
        .prefetch_related(Prefetch("target_units", queryset=Unit.objects.only("pk", "name", "path")))
        .order_by("-inspection_date", "-id")
    )
    page, query = paginate(request, inspections)
    return render(
        request,
        "supervision/inspection_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "may_create": user_has_role(user, *services.FILING_ROLES),
        },
    )


@login_required
def inspection_create(request):
    user = request.user
    if not user_has_role(user, *services.FILING_ROLES):
        raise PermissionDenied
    units = visible_units(user)
    form_kwargs = {
        "units": units,
        "target_units": visible_units(user, roles=services.FILING_ROLES),
        "persons": person_visible_to(user).filter(is_active=True).order_by("unit__path", "name"),
    }
    if request.method == "POST":
        form = InspectionForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                inspection = services.inspection_create(
                    actor=user,
                    kind=data["kind"],
                    layer=data["layer"],
                    inspection_date=data["inspection_date"],
                    theme=data["theme"],
                    summary=data["summary"],
                    organizing_unit=data["organizing_unit"],
                    target_units=list(data["target_units"]),
                    inspectors=list(data["inspectors"]),
                )
            except DomainError as error:
                return render_refused(request, "supervision/inspection_form.html", {"form": form}, form, error)
            messages.success(request, _("Inspection saved."))
            return redirect("supervision:inspection_detail", pk=inspection.pk)
    else:
        own = next((a.unit for a in _filing_assignments(user)), None)
        form = InspectionForm(initial={"organizing_unit": own}, **form_kwargs)
    return render(request, "supervision/inspection_form.html", {"form": form})


def _filing_assignments(user):
    return [a for a in user_role_assignments(user) if a.role in services.FILING_ROLES]


@login_required
def inspection_detail(request, pk):
    user = request.user
    inspection = access_inspection(user, pk)
    findings = (
        finding_visible_to(user)
        .filter(inspection=inspection)
        .annotate(evidence_count=Count("evidence"))
        .order_by("-found_on", "-id")
    )
    return render(
        request,
        "supervision/inspection_detail.html",
        {
            "inspection": inspection,
            "target_units": inspection.target_units.all(),
            "inspectors": inspection.inspectors.select_related("unit"),
            "findings": findings,
            "may_add_finding": user_has_role(user, *services.FILING_ROLES),
        },
    )


# --- findings --------------------------------------------------------------------------------------------------


@login_required
def finding_list(request):
    user = request.user
    filterset = FindingFilter(request.GET or None, queryset=finding_visible_to(user), request=request)
    form = style_filter_form(filterset)
    form.fields["inspection"].queryset = inspection_visible_to(user)
    findings = (
        filterset.qs.annotate(evidence_count=Count("evidence", distinct=True))
        .prefetch_related(
            Prefetch(
                "notices", queryset=notice_visible_to(user).select_related(None).only("pk", "doc_year", "doc_number")
            )
        )
        .order_by("-found_on", "-id")
    )
    page, query = paginate(request, findings)
    return render(
        request,
        "supervision/finding_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "hidden_filters": ["within", "inspection"],
            "may_create": user_has_role(user, *services.FILING_ROLES),
        },
    )


@login_required
def finding_create(request):
    """Two steps on one page: choose the unit (a GET form), then describe the finding."""
    user = request.user
    if not user_has_role(user, *services.FILING_ROLES):
        raise PermissionDenied
    units = visible_units(user, roles=services.FILING_ROLES)
    inspection = None
    if request.GET.get("inspection"):
        inspection = access_inspection(user, request.GET["inspection"])
        targets = Q(pk__in=[])
        for target in inspection.target_units.all():
            targets |= Q(path__startswith=target.path)
        units = units.filter(targets)
    unit = None
    if request.GET.get("unit"):
        unit = get_visible_or_404(units, request.GET["unit"])
    else:
        candidates = list(units[:2])
        unit = candidates[0] if len(candidates) == 1 else None
    picker = UnitPickForm(initial={"unit": unit}, units=units)
    context = {"picker": picker, "unit": unit, "inspection": inspection}
    if unit is None:
        return render(request, "supervision/finding_form.html", context)

    form_kwargs = {
        "inspections": inspection_visible_to(user).filter(target_units__in=unit.ancestor_ids).distinct(),
        "persons": person_visible_to(user).filter(unit__path__startswith=unit.path, is_active=True),
    }
    if request.method == "POST":
        form = FindingForm(request.POST, request.FILES, **form_kwargs)
        context["form"] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                finding = services.finding_create(
                    actor=user,
                    unit=unit,
                    category=data["category"],
                    severity=data["severity"],
                    description=data["description"],
                    found_on=data["found_on"],
                    source=data["source"],
                    business_area=data["business_area"],
                    inspection=data["inspection"],
                    persons=list(data["persons"]),
                    files=data["files"],
                )
            except DomainError as error:
                return render_refused(request, "supervision/finding_form.html", context, form, error)
            messages.success(
                request, _("Finding filed with %(count)d evidence file(s).") % {"count": len(data["files"])}
            )
            return redirect("supervision:finding_detail", pk=finding.pk)
    else:
        form = FindingForm(initial={"inspection": inspection}, **form_kwargs)
        context["form"] = form
    return render(request, "supervision/finding_form.html", context)


def _finding_page(request, finding, *, evidence_form=None, clue_form=None):
    user = request.user
    evidence = list(finding.evidence.select_related("uploaded_by__person"))
    clue = clue_visible_to(user).filter(finding=finding).select_related("transferred_by__person").first()
    files_locked = any(e.locked_at for e in evidence)
    may_file = user_has_role_for_unit(user, services.FILING_ROLES, finding.unit)
    may_supervise = user_has_role_for_unit(user, (Role.SUPERVISOR,), finding.unit)
    if evidence_form is None and may_file and not files_locked:
        evidence_form = EvidenceForm()
    if clue_form is None and may_supervise and clue is None and finding.severity != Severity.GENERAL:
        clue_form = ClueTransferForm()
    return {
        "finding": finding,
        "persons": finding.persons.select_related("unit"),
        "evidence": evidence,
        "files_locked": files_locked,
        "notices": notice_visible_to(user).filter(findings=finding).order_by("-created_at"),
        "items": item_visible_to(user).filter(finding=finding),
        "clue": clue,
        "may_see_clues": user_has_role(user, *CLUE_ROLES),
        "evidence_form": evidence_form,
        "clue_form": clue_form,
        "may_create_notice": may_supervise,
    }


@login_required
def finding_detail(request, pk):
    finding = access_finding(request.user, pk)
    return render(request, "supervision/finding_detail.html", _finding_page(request, finding))


@login_required
@require_POST
def finding_evidence_add(request, pk):
    user = request.user
    finding = access_finding(user, pk)
    if not user_has_role_for_unit(user, services.FILING_ROLES, finding.unit):
        raise PermissionDenied
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            stored = services.evidence_add_to_finding(actor=user, finding=finding, files=form.cleaned_data["files"])
        except DomainError as error:
            context = _finding_page(request, finding, evidence_form=form)
            return render_refused(request, "supervision/finding_detail.html", context, form, error)
        messages.success(request, _("%(count)d evidence file(s) added.") % {"count": len(stored)})
        return redirect("supervision:finding_detail", pk=finding.pk)
    return render(request, "supervision/finding_detail.html", _finding_page(request, finding, evidence_form=form))


@login_required
@require_POST
def finding_clue_transfer(request, pk):
    user = request.user
    finding = access_finding(user, pk)
    if not user_has_role_for_unit(user, (Role.SUPERVISOR,), finding.unit):
        raise PermissionDenied
    form = ClueTransferForm(request.POST)
    if form.is_valid():
        try:
            clue = services.clue_transfer(actor=user, finding=finding, reason=form.cleaned_data["reason"])
        except TransitionNotAllowed as error:
            report_transition(request, error, dict(ClueTransfer.Status.choices))
            return redirect("supervision:finding_detail", pk=finding.pk)
        except DomainError as error:
            context = _finding_page(request, finding, clue_form=form)
            return render_refused(request, "supervision/finding_detail.html", context, form, error)
        messages.success(request, _("The finding was transferred to discipline inspection as a clue."))
        return redirect("supervision:clue_detail", pk=clue.pk)
    return render(request, "supervision/finding_detail.html", _finding_page(request, finding, clue_form=form))


@login_required
@require_GET
def evidence_download(request, pk):
    """An evidence file, only within the data scope, always as a download (never rendered inline)."""
    evidence = access_evidence(request.user, pk)
    try:
        handle = evidence.file.storage.open(evidence.file.name, "rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=CONTENT_TYPES.get(evidence.kind, "application/octet-stream"))
    response["Content-Disposition"] = attachment_disposition(
        evidence.original_name, f"evidence-{evidence.pk}.{evidence.kind}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- clues ---------------------------------------------------------------------------------------------------------


@login_required
def clue_list(request):
    user = request.user
    if not user_has_role(user, *CLUE_ROLES):
        raise PermissionDenied
    queryset = clue_visible_to(user).select_related("finding__category", "transferred_by__person")
    filterset = ClueFilter(request.GET or None, queryset=queryset, request=request)
    form = style_filter_form(filterset)
    page, query = paginate(request, filterset.qs.order_by("status", "-transferred_at"))
    return render(request, "supervision/clue_list.html", {"form": form, "page": page, "query": query})


def _clue_page(request, clue, *, dispose_form=None):
    user = request.user
    may_dispose = clue.status == ClueTransfer.Status.TRANSFERRED and user_has_role_for_unit(
        user, (Role.DISCIPLINE_INSPECTOR,), clue.finding.unit
    )
    if dispose_form is None and may_dispose:
        dispose_form = ClueDisposeForm()
    return {"clue": clue, "finding": clue.finding, "dispose_form": dispose_form}


@login_required
def clue_detail(request, pk):
    clue = access_clue(request.user, pk)
    return render(request, "supervision/clue_detail.html", _clue_page(request, clue))


@login_required
@require_POST
def clue_dispose(request, pk):
    user = request.user
    clue = access_clue(user, pk)
    if not user_has_role_for_unit(user, (Role.DISCIPLINE_INSPECTOR,), clue.finding.unit):
        raise PermissionDenied
    form = ClueDisposeForm(request.POST)
    if form.is_valid():
        try:
            services.clue_dispose(actor=user, clue=clue, disposal=form.cleaned_data["disposal"])
        except TransitionNotAllowed as error:
            report_transition(request, error, dict(ClueTransfer.Status.choices))
            return redirect("supervision:clue_detail", pk=clue.pk)
        except DomainError as error:
            context = _clue_page(request, clue, dispose_form=form)
            return render_refused(request, "supervision/clue_detail.html", context, form, error)
        messages.success(request, _("Disposal recorded; the supervisor who transferred the clue is told."))
        return redirect(reverse("supervision:clue_detail", args=[clue.pk]))
    return render(request, "supervision/clue_detail.html", _clue_page(request, clue, dispose_form=form))
