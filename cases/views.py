"""Pages of integrity cases, liability records with their objections, and the joint-liability rules.

Every object is fetched through cases.permissions (outside the data scope: 404) and every change goes
through cases.services. A unit leader or party secretary sees that a case exists, never its facts,
persons or conclusion (`can_read_facts`). A step the role may not take at all is a 403 page; a rule
the service enforces comes back on the form; a status that moved on meanwhile is a message and a
redirect. Lists cost a fixed number of queries whatever their length.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import get_visible_or_404
from accounts.selectors import person_visible_to, user_has_role, visible_units
from cases.filters import CaseFilter, LiabilityFilter
from cases.forms import CaseConcludeForm, CaseForm, ObjectionDecisionForm, ObjectionForm
from cases.models import Case, CasePerson, Liability, LiabilityLevel, Objection
from cases.permissions import access_case, access_liability
from cases.selectors import (
    CASE_HANDLER_ROLES,
    CASE_ROLES,
    can_read_facts,
    case_visible_to,
    liability_rule_visible_to,
    liability_visible_to,
    user_may_handle_case,
)
from cases.services import (
    FINDING_SEVERITY,
    case_close,
    case_conclude,
    case_open,
    case_start_investigation,
    case_update,
    liability_object,
    objection_decide,
    user_may_decide,
    user_may_object,
)
from core.errors import DomainError, TransitionNotAllowed
from supervision.forms import UnitPickForm, style_filter_form
from supervision.permissions import access_clue
from supervision.views import paginate, render_refused, report_transition

CASE_LABELS = dict(Case.Status.choices)
LIABILITY_LABELS = {**dict(Liability.Status.choices), **dict(Objection.Decision.choices)}


# --- cases ---------------------------------------------------------------------------------------------


@login_required
def case_list(request):
    user = request.user
    if not user_has_role(user, *CASE_ROLES):
        raise PermissionDenied
    filterset = CaseFilter(request.GET or None, queryset=case_visible_to(user), request=request)
    form = style_filter_form(filterset)
    page, query = paginate(request, filterset.qs.order_by("-opened_at", "-id"))
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "hidden_filters": ["unit"],
            "may_open": user_has_role(user, *CASE_HANDLER_ROLES),
        },
    )


def _case_form_kwargs(user, unit):
    return {
        "persons": person_visible_to(user).filter(unit__path__startswith=unit.path, is_active=True),
        "scope": person_visible_to(user),
    }


@login_required
def case_open_view(request):
    """From a clue (`?clue=<id>`), or directly in two steps: choose the unit, then describe the case."""
    user = request.user
    if not user_has_role(user, *CASE_HANDLER_ROLES):
        raise PermissionDenied
    clue = None
    if request.GET.get("clue"):
        clue = access_clue(user, request.GET["clue"])
        unit = clue.finding.unit
        existing = Case.objects.filter(clue=clue).first()
        if existing is not None:
            messages.info(request, _("A case has already been opened from this clue."))
            return redirect("cases:case_detail", pk=existing.pk)
    else:
        units = visible_units(user, roles=CASE_HANDLER_ROLES)
        unit = get_visible_or_404(units, request.GET["unit"]) if request.GET.get("unit") else None
    context = {"clue": clue, "unit": unit, "finding": clue.finding if clue else None}
    if unit is None:
        context["picker"] = UnitPickForm(units=visible_units(user, roles=CASE_HANDLER_ROLES))
        return render(request, "cases/case_form.html", context)
    kwargs = _case_form_kwargs(user, unit)
    if request.method == "POST":
        form = CaseForm(request.POST, **kwargs)
        context["form"] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = case_open(
                    actor=user,
                    clue=clue,
                    unit=unit,
                    title=data["title"],
                    category=data["category"],
                    severity=data["severity"],
                    misconduct_date=data["misconduct_date"],
                    facts=data["facts"],
                    persons=form.chosen_persons(),
                )
            except DomainError as error:
                return render_refused(request, "cases/case_form.html", context, form, error)
            messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
            return redirect("cases:case_detail", pk=case.pk)
    else:
        initial = {"misconduct_date": timezone.localdate()}
        if clue is not None:
            finding = clue.finding
            initial.update(
                {
                    "title": f"{finding.unit.name}：{finding.description}"[:200],
                    "severity": FINDING_SEVERITY.get(finding.severity),
                    "misconduct_date": finding.found_on,
                    "facts": finding.description,
                    "persons": list(finding.persons.all()),
                }
            )
        form = CaseForm(initial=initial, **kwargs)
        context["form"] = form
    return render(request, "cases/case_form.html", context)


def _case_page(request, case: Case) -> dict:
    user = request.user
    readable = can_read_facts(user, case)
    handler = readable and user_may_handle_case(user, case)
    context = {
        "case": case,
        "readable": readable,
        "may_edit": handler and case.status in (Case.Status.OPEN, Case.Status.INVESTIGATING),
        "may_start": handler and case.status == Case.Status.OPEN,
        "may_conclude": handler and case.status == Case.Status.INVESTIGATING,
        "may_close": handler and case.status == Case.Status.CONCLUDED,
    }
    if readable:
        context["persons"] = list(case.persons.select_related("person__unit").order_by("pk"))
        context["liabilities"] = list(
            liability_visible_to(user).filter(case=case).order_by("pk").select_related("position__unit")
        )
        context["clue"] = case.clue
    return context


@login_required
def case_detail(request, pk):
    case = access_case(request.user, pk)
    return render(request, "cases/case_detail.html", _case_page(request, case))


def _handled_case(user, pk) -> Case:
    case = access_case(user, pk)
    if not user_may_handle_case(user, case):
        raise PermissionDenied
    return case


@login_required
def case_edit(request, pk):
    user = request.user
    case = _handled_case(user, pk)
    if case.status not in (Case.Status.OPEN, Case.Status.INVESTIGATING):
        messages.error(request, _("A case is edited while it is open or investigating."))
        return redirect("cases:case_detail", pk=case.pk)
    kwargs = _case_form_kwargs(user, case.unit)
    current = [link.person for link in case.persons.select_related("person").order_by("pk")]
    in_unit = set(kwargs["persons"].filter(pk__in=[p.pk for p in current]).values_list("pk", flat=True))
    context = {"case": case, "unit": case.unit, "editing": True}
    if request.method == "POST":
        form = CaseForm(request.POST, **kwargs)
        context["form"] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                case_update(
                    actor=user,
                    case=case,
                    title=data["title"],
                    category=data["category"],
                    severity=data["severity"],
                    misconduct_date=data["misconduct_date"],
                    facts=data["facts"],
                    persons=form.chosen_persons(),
                )
            except TransitionNotAllowed as error:
                report_transition(request, error, CASE_LABELS)
                return redirect("cases:case_detail", pk=case.pk)
            except DomainError as error:
                return render_refused(request, "cases/case_form.html", context, form, error)
            messages.success(request, _("Case updated."))
            return redirect("cases:case_detail", pk=case.pk)
    else:
        form = CaseForm(
            initial={
                "title": case.title,
                "category": case.category,
                "severity": case.severity,
                "misconduct_date": case.misconduct_date,
                "facts": case.facts,
                "persons": [p for p in current if p.pk in in_unit],
                "other_badges": "，".join(p.badge_number for p in current if p.pk not in in_unit),
            },
            **kwargs,
        )
        context["form"] = form
    return render(request, "cases/case_form.html", context)


def _transition(request, pk, service, done: str):
    user = request.user
    case = _handled_case(user, pk)
    try:
        service(actor=user, case=case)
    except TransitionNotAllowed as error:
        report_transition(request, error, CASE_LABELS)
        return redirect("cases:case_detail", pk=case.pk)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("cases:case_detail", pk=case.pk)
    messages.success(request, done)
    return redirect("cases:case_detail", pk=case.pk)


@login_required
@require_POST
def case_start_investigation_view(request, pk):
    return _transition(request, pk, case_start_investigation, _("Investigation started."))


@login_required
@require_POST
def case_close_view(request, pk):
    return _transition(request, pk, case_close, _("Case closed."))


@login_required
def case_conclude_view(request, pk):
    user = request.user
    case = _handled_case(user, pk)
    if case.status != Case.Status.INVESTIGATING:
        messages.error(
            request,
            _("Not done: only a case under investigation can be concluded. Current status: %(status)s.")
            % {"status": case.get_status_display()},
        )
        return redirect("cases:case_detail", pk=case.pk)
    case_persons = list(CasePerson.objects.filter(case=case).select_related("person__unit").order_by("pk"))
    context = {"case": case}
    if request.method == "POST":
        form = CaseConcludeForm(request.POST, case_persons=case_persons)
        context["form"] = form
        if form.is_valid():
            try:
                case_conclude(
                    actor=user,
                    case=case,
                    integrity_problem_confirmed=form.confirmed(),
                    conclusion=form.cleaned_data["conclusion"],
                    persons=form.conclusions(),
                )
            except TransitionNotAllowed as error:
                report_transition(request, error, CASE_LABELS)
                return redirect("cases:case_detail", pk=case.pk)
            except DomainError as error:
                return render_refused(request, "cases/case_conclude.html", context, form, error)
            case.refresh_from_db()
            count = case.liabilities.count()
            if case.integrity_problem_confirmed:
                messages.success(
                    request,
                    _("Case concluded: %(count)d liability record(s) created.") % {"count": count},
                )
            else:
                messages.success(request, _("Case concluded: no integrity problem confirmed."))
            return redirect("cases:case_detail", pk=case.pk)
    else:
        form = CaseConcludeForm(case_persons=case_persons)
        context["form"] = form
    return render(request, "cases/case_conclude.html", context)


# --- liability records and objections ------------------------------------------------------------------


@login_required
def liability_list(request):
    user = request.user
    filterset = LiabilityFilter(request.GET or None, queryset=liability_visible_to(user), request=request)
    form = style_filter_form(filterset)
    today = timezone.localdate()
    records = filterset.qs.order_by("-start_date", "-id")
    page, query = paginate(request, records)
    for record in page:
        record.in_force = record.covers(today)
    return render(
        request,
        "cases/liability_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "hidden_filters": ["person", "case", "unit"],
            "today": today,
        },
    )


def _liability_page(request, liability: Liability, *, forms=None) -> dict:
    forms = forms or {}
    user = request.user
    objections = list(
        liability.objections.select_related("submitted_by__person", "decided_by__person").order_by(
            "-submitted_at", "-pk"
        )
    )
    pending = next((o for o in objections if o.decision == Objection.Decision.PENDING), None)
    may_object = liability.status == Liability.Status.ACTIVE and user_may_object(user, liability)
    may_decide = pending is not None and user_may_decide(user, pending)
    return {
        "liability": liability,
        "objections": objections,
        "pending": pending,
        "in_force": liability.covers(timezone.localdate()),
        "case_visible": case_visible_to(user).filter(pk=liability.case_id).exists(),
        "chain_level": liability.level != LiabilityLevel.DIRECT,
        "object_form": forms.get("object") or (ObjectionForm() if may_object else None),
        "decide_form": forms.get("decide") or (ObjectionDecisionForm() if may_decide else None),
    }


@login_required
def liability_detail(request, pk):
    liability = access_liability(request.user, pk)
    return render(request, "cases/liability_detail.html", _liability_page(request, liability))


@login_required
@require_POST
def liability_object_view(request, pk):
    user = request.user
    liability = access_liability(user, pk)
    if not user_may_object(user, liability):
        raise PermissionDenied
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            liability_object(actor=user, liability=liability, reason=form.cleaned_data["reason"])
        except TransitionNotAllowed as error:
            report_transition(request, error, LIABILITY_LABELS)
            return redirect("cases:liability_detail", pk=liability.pk)
        except DomainError as error:
            context = _liability_page(request, liability, forms={"object": form})
            return render_refused(request, "cases/liability_detail.html", context, form, error)
        messages.success(request, _("Objection recorded; a discipline inspector other than you decides it."))
        return redirect("cases:liability_detail", pk=liability.pk)
    context = _liability_page(request, liability, forms={"object": form})
    return render(request, "cases/liability_detail.html", context)


@login_required
@require_POST
def objection_decide_view(request, pk):
    user = request.user
    liability = access_liability(user, pk)
    if not user_has_role(user, *CASE_HANDLER_ROLES):
        raise PermissionDenied
    objection = liability.objections.filter(decision=Objection.Decision.PENDING).first()
    if objection is None:
        messages.error(request, _("No objection to this record is pending."))
        return redirect("cases:liability_detail", pk=liability.pk)
    if not user_may_decide(user, objection):
        raise PermissionDenied
    form = ObjectionDecisionForm(request.POST)
    if form.is_valid():
        grant = form.cleaned_data["decision"] == "grant"
        try:
            objection_decide(actor=user, objection=objection, grant=grant, comment=form.cleaned_data["comment"])
        except TransitionNotAllowed as error:
            report_transition(request, error, LIABILITY_LABELS)
            return redirect("cases:liability_detail", pk=liability.pk)
        except DomainError as error:
            context = _liability_page(request, liability, forms={"decide": form})
            return render_refused(request, "cases/liability_detail.html", context, form, error)
        if grant:
            messages.success(request, _("Objection granted: the record is revoked from today."))
        else:
            messages.warning(request, _("Objection refused: the record stays in force."))
        return redirect("cases:liability_detail", pk=liability.pk)
    context = _liability_page(request, liability, forms={"decide": form})
    return render(request, "cases/liability_detail.html", context)


# --- rules ---------------------------------------------------------------------------------------------


@login_required
def rule_list(request):
    rules = list(liability_rule_visible_to(request.user).order_by("id"))
    order = {"minor": 0, "serious": 1, "grave": 2}
    rules.sort(key=lambda rule: order.get(rule.severity, 9))
    level_order = {level: n for n, level in enumerate(LiabilityLevel.values)}
    for rule in rules:
        rule.level_rows = sorted(rule.levels.all(), key=lambda level: level_order.get(level.level, 9))
    return render(
        request,
        "cases/rule_list.html",
        {"rules": rules, "may_edit": request.user.is_staff and user_has_role(request.user, Role.ADMIN)},
    )
