"""Pages of the risk engine: alerts with their dual verification, circuit breaks and the allowlist,
business records, supervision models, monthly assessments and the quarterly risk-alert lists.

Every object is fetched through risk.selectors (outside the data scope: 404) and every change goes
through the risk services. A step the role may not take at all is a 403 page; a rule the service
enforces comes back on the form (403 when it refuses the person); a status that moved on meanwhile
is a message and a redirect. Lists cost a fixed number of queries whatever their length; business
records (tens of millions of rows) are paged by id, never counted.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Prefetch, When
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import get_visible_or_404
from accounts.selectors import user_has_role, user_has_role_for_unit
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from rectification.models import RectificationItem
from risk.alerts import alert_to_finding, alert_verify
from risk.breakers import ALLOWLIST_ROLES, allowlist_add, breaker_restore_decide, breaker_restore_request
from risk.forms import (
    FLAG_LABELS,
    AlertFilter,
    AlertVerifyForm,
    AllowlistForm,
    BreakerFilter,
    RecordFilter,
    RestoreDecideForm,
    RestoreRequestForm,
    RiskModelFilter,
)
from risk.models import (
    Alert,
    AlertVerification,
    CircuitBreak,
    ModelHit,
    RestoreRequest,
    RiskModel,
    SubjectKind,
)
from risk.rules import REGISTRY
from risk.selectors import (
    ALERT_OVERSIGHT_ROLES,
    ALERT_VERIFIER_ROLES,
    alert_finding_ids,
    alert_visible_to,
    alerts_awaiting_verification,
    allowlist_visible_to,
    assessment_visible_to,
    business_record_visible_to,
    circuit_break_visible_to,
    risk_list_visible_to,
    risk_model_precision,
    risk_model_visible_to,
    risk_score_visible_to,
)
from risk.services import month_bounds
from supervision.forms import style_filter_form
from supervision.views import paginate, render_refused, report_transition

ALERT_LABELS = dict(Alert.Status.choices)
BREAKER_LABELS = {**dict(CircuitBreak.Status.choices), **dict(RestoreRequest.Decision.choices)}
ASSESSMENT_ROLES = (*ALERT_OVERSIGHT_ROLES, Role.UNIT_LEADER)
RECORD_PAGE_SIZE = 50
TOP_SCORES = 10


def _month_range(month) -> tuple:
    """The first and the last day of an assessment's month (the records filter takes whole days)."""
    start, end = month_bounds(month)
    return start.date(), (end - timedelta(days=1)).date()


def records_url(**filters) -> str:
    return f"{reverse('risk:record_list')}?{urlencode({k: v for k, v in filters.items() if v not in ('', None)})}"


# --- alerts --------------------------------------------------------------------------------------------


@login_required
def alert_list(request):
    user = request.user
    if not user_has_role(user, *ASSESSMENT_ROLES):
        raise PermissionDenied
    may_verify = user_has_role(user, *ALERT_VERIFIER_ROLES)
    base = alert_visible_to(user)
    awaiting_only = may_verify and request.GET.get("awaiting") == "1"
    if awaiting_only:
        base = base.filter(pk__in=alerts_awaiting_verification(user).values("pk"))
    filterset = AlertFilter(request.GET or None, queryset=base, request=request)
    form = style_filter_form(filterset)
    alerts = filterset.qs.prefetch_related(
        Prefetch("verifications", queryset=AlertVerification.objects.only("id", "alert_id", "role", "agree"))
    ).order_by("-assessment__month", "-index", "-id")
    page, query = paginate(request, alerts)
    awaiting = set()
    if may_verify:
        awaiting = set(
            alerts_awaiting_verification(user).filter(pk__in=[a.pk for a in page]).values_list("pk", flat=True)
        )
    for alert in page:
        by_role = {v.role: v for v in alert.verifications.all()}
        alert.verification_states = [(Role(role).label, by_role.get(role)) for role in ALERT_VERIFIER_ROLES]
        alert.awaits_me = alert.pk in awaiting
    return render(
        request,
        "risk/alert_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "hidden_filters": ["awaiting"],
            "may_verify": may_verify,
            "awaiting_only": awaiting_only,
            "awaiting_count": alerts_awaiting_verification(user).count() if may_verify else 0,
        },
    )


def _alert_factors(alert: Alert) -> list[dict]:
    """Each contributing model, explained: its names, area, description, count and contribution,
    the source records of the month and the sample record ids of the hit. Two queries."""
    codes = [factor["model"] for factor in alert.factors]
    models = {m.code: m for m in RiskModel.objects.filter(code__in=codes)}
    samples: dict[str, set[int]] = {}
    hits = ModelHit.objects.filter(assessment_id=alert.assessment_id, person_id=alert.person_id).values_list(
        "model__code", "sample_record_ids"
    )
    for code, record_ids in hits:
        samples.setdefault(code, set()).update(record_ids or [])
    first, last = _month_range(alert.assessment.month)
    explained = []
    for factor in alert.factors:
        model = models.get(factor["model"])
        explained.append(
            {
                "code": factor["model"],
                "name": model.name_zh if model else factor.get("name", factor["model"]),
                "name_en": model.name_en if model else "",
                "area": model.get_area_display() if model else "",
                "description": model.description if model else "",
                "count": factor.get("count") or 0,
                "contribution": factor.get("contribution") or 0,
                "records_url": records_url(
                    operator_badge=alert.person.badge_number,
                    area=model.area if model else "",
                    accepted_from=first.isoformat(),
                    accepted_to=last.isoformat(),
                ),
                "record_ids": sorted(samples.get(factor["model"], ())),
            }
        )
    return explained


def _alert_page(request, alert: Alert, *, verify_form=None) -> dict:
    user = request.user
    factors = _alert_factors(alert)
    names = {factor["code"]: factor["name"] for factor in factors}
    verifications = {
        v.role: v for v in AlertVerification.objects.filter(alert=alert).select_related("verifier__person")
    }
    columns = []
    for role in ALERT_VERIFIER_ROLES:
        verification = verifications.get(role)
        opinions = []
        if verification is not None:
            opinions = [(names.get(code, code), agree) for code, agree in verification.factor_opinions.items()]
        columns.append({"role": role, "label": Role(role).label, "verification": verification, "opinions": opinions})
    pending = alert.status == Alert.Status.PENDING
    may_verify = (
        pending
        and user_has_role(user, *ALERT_VERIFIER_ROLES)
        and alerts_awaiting_verification(user).filter(pk=alert.pk).exists()
    )
    if verify_form is None and may_verify:
        verify_form = AlertVerifyForm(factors=alert.factors)
    finding_id = alert_finding_ids([alert.pk]).get(alert.pk)
    may_make_finding = (
        alert.status == Alert.Status.CONFIRMED
        and finding_id is None
        and user_has_role_for_unit(user, (Role.SUPERVISOR,), alert.unit)
    )
    return {
        "alert": alert,
        "factors": factors,
        "columns": columns,
        "verify_form": verify_form,
        "finding_id": finding_id,
        "may_make_finding": may_make_finding,
    }


def _access_alert(user, pk) -> Alert:
    return get_visible_or_404(alert_visible_to(user), pk)


@login_required
def alert_detail(request, pk):
    alert = _access_alert(request.user, pk)
    return render(request, "risk/alert_detail.html", _alert_page(request, alert))


@login_required
@require_POST
def alert_verify_view(request, pk):
    user = request.user
    alert = _access_alert(user, pk)
    if not user_has_role_for_unit(user, ALERT_VERIFIER_ROLES, alert.unit):
        raise PermissionDenied
    form = AlertVerifyForm(request.POST, factors=alert.factors)
    if form.is_valid():
        try:
            alert_verify(actor=user, alert=alert, **form.service_arguments())
        except TransitionNotAllowed as error:
            report_transition(request, error, ALERT_LABELS)
            return redirect("risk:alert_detail", pk=alert.pk)
        except DomainError as error:
            context = _alert_page(request, alert, verify_form=form)
            return render_refused(request, "risk/alert_detail.html", context, form, error)
        alert.refresh_from_db()
        if alert.status == Alert.Status.CONFIRMED:
            done = _("Verified: the alert is confirmed and reported to the committee and to discipline inspection.")
            messages.success(request, done)
        elif alert.status == Alert.Status.DISMISSED:
            messages.warning(request, _("Verified: the alert is dismissed, with your comment as the reason."))
        else:
            messages.success(request, _("Verified; the alert awaits the verification of the other side."))
        return redirect("risk:alert_detail", pk=alert.pk)
    return render(request, "risk/alert_detail.html", _alert_page(request, alert, verify_form=form))


@login_required
@require_POST
def alert_to_finding_view(request, pk):
    user = request.user
    alert = _access_alert(user, pk)
    if not user_has_role_for_unit(user, (Role.SUPERVISOR,), alert.unit):
        raise PermissionDenied
    try:
        finding = alert_to_finding(actor=user, alert=alert)
    except TransitionNotAllowed as error:
        report_transition(request, error, ALERT_LABELS)
    except NotPermitted:
        raise PermissionDenied from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The alert is now a finding; issue a rectification notice from it."))
        return redirect("supervision:finding_detail", pk=finding.pk)
    return redirect("risk:alert_detail", pk=alert.pk)


# --- circuit breaks ------------------------------------------------------------------------------------


@login_required
def breaker_list(request):
    """Active breaks first (suspended, then awaiting a restore decision), newest first."""
    user = request.user
    filterset = BreakerFilter(request.GET or None, queryset=circuit_break_visible_to(user), request=request)
    form = style_filter_form(filterset)
    active_first = Case(
        When(status=CircuitBreak.Status.ACTIVE, then=0),
        When(status=CircuitBreak.Status.RESTORE_REQUESTED, then=1),
        default=2,
        output_field=IntegerField(),
    )
    breakers = filterset.qs.annotate(active_first=active_first).order_by("active_first", "-tripped_at", "-id")
    page, query = paginate(request, breakers)
    return render(
        request,
        "risk/breaker_list.html",
        {"form": form, "page": page, "query": query, "may_see_allowlist": user_has_role(user, *ALERT_OVERSIGHT_ROLES)},
    )


def _breaker_evidence(breaker: CircuitBreak) -> dict:
    """The evidence, readable: the counts, the parameters, the window, the sample records and the
    other models that tripped the same scope at the same time."""
    evidence = breaker.evidence or {}
    window = [
        parse_datetime(value) if isinstance(value, str) else None
        for value in (evidence.get("window_start"), evidence.get("window_end"))
    ]
    also = evidence.get("also_tripped") or []
    names = dict(RiskModel.objects.filter(code__in=[a.get("model") for a in also]).values_list("code", "name_zh"))
    scope_field = "device_id" if breaker.scope_kind == CircuitBreak.ScopeKind.DEVICE else "operator_account"
    days = {}
    if window[0] and window[1]:
        days = {
            "accepted_from": timezone.localdate(window[0]).isoformat(),
            "accepted_to": timezone.localdate(window[1]).isoformat(),
        }
    return {
        "count": evidence.get("count"),
        "counts": evidence.get("counts") or {},
        "parameters": evidence.get("parameters") or {},
        "window_start": window[0],
        "window_end": window[1],
        "record_ids": evidence.get("sample_record_ids") or [],
        "records_url": records_url(**{scope_field: breaker.scope_key}, **days),
        "also": [{**a, "name": names.get(a.get("model"), a.get("model"))} for a in also],
        "scanned": evidence.get("scanned_ids") or {},
    }


def _breaker_page(request, breaker: CircuitBreak, *, forms=None) -> dict:
    forms = forms or {}
    user = request.user
    requests = list(breaker.restore_requests.select_related("requested_by__person", "decided_by__person"))
    latest = requests[0] if requests else None
    may_request = breaker.status == CircuitBreak.Status.ACTIVE and user_has_role_for_unit(
        user, (Role.UNIT_LEADER,), breaker.unit
    )
    may_decide = (
        breaker.status == CircuitBreak.Status.RESTORE_REQUESTED
        and latest is not None
        and latest.decision == RestoreRequest.Decision.PENDING
        and latest.requested_by_id != user.pk
        and user_has_role_for_unit(user, (Role.SUPERVISOR,), breaker.unit)
    )
    return {
        "breaker": breaker,
        "evidence": _breaker_evidence(breaker),
        "requests": requests,
        "latest": latest,
        "request_form": forms.get("request") or (RestoreRequestForm() if may_request else None),
        "decide_form": forms.get("decide") or (RestoreDecideForm() if may_decide else None),
        "may_allowlist": user_has_role(user, *ALLOWLIST_ROLES),
    }


def _access_breaker(user, pk) -> CircuitBreak:
    return get_visible_or_404(circuit_break_visible_to(user), pk)


@login_required
def breaker_detail(request, pk):
    breaker = _access_breaker(request.user, pk)
    return render(request, "risk/breaker_detail.html", _breaker_page(request, breaker))


@login_required
@require_POST
def breaker_restore_request_view(request, pk):
    user = request.user
    breaker = _access_breaker(user, pk)
    if not user_has_role_for_unit(user, (Role.UNIT_LEADER,), breaker.unit):
        raise PermissionDenied
    form = RestoreRequestForm(request.POST)
    if form.is_valid():
        try:
            breaker_restore_request(actor=user, breaker=breaker, reason=form.cleaned_data["reason"])
        except TransitionNotAllowed as error:
            report_transition(request, error, BREAKER_LABELS)
            return redirect("risk:breaker_detail", pk=breaker.pk)
        except DomainError as error:
            context = _breaker_page(request, breaker, forms={"request": form})
            return render_refused(request, "risk/breaker_detail.html", context, form, error)
        messages.success(request, _("Restore requested; a supervisor decides. The suspension stays until then."))
        return redirect("risk:breaker_detail", pk=breaker.pk)
    context = _breaker_page(request, breaker, forms={"request": form})
    return render(request, "risk/breaker_detail.html", context)


@login_required
@require_POST
def breaker_restore_decide_view(request, pk):
    user = request.user
    breaker = _access_breaker(user, pk)
    if not user_has_role_for_unit(user, (Role.SUPERVISOR,), breaker.unit):
        raise PermissionDenied
    restore_request = breaker.restore_requests.order_by("-requested_at", "-pk").first()
    if restore_request is None:
        messages.error(request, _("Nobody has requested a restore of this circuit break."))
        return redirect("risk:breaker_detail", pk=breaker.pk)
    if restore_request.requested_by_id == user.pk:
        raise PermissionDenied
    form = RestoreDecideForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            breaker_restore_decide(
                actor=user, request=restore_request, approve=approve, comment=form.cleaned_data["comment"]
            )
        except TransitionNotAllowed as error:
            report_transition(request, error, BREAKER_LABELS)
            return redirect("risk:breaker_detail", pk=breaker.pk)
        except DomainError as error:
            context = _breaker_page(request, breaker, forms={"decide": form})
            return render_refused(request, "risk/breaker_detail.html", context, form, error)
        if approve:
            messages.success(request, _("Restore approved: the suspension is lifted."))
        else:
            messages.warning(request, _("Restore refused: the suspension stays."))
        return redirect("risk:breaker_detail", pk=breaker.pk)
    context = _breaker_page(request, breaker, forms={"decide": form})
    return render(request, "risk/breaker_detail.html", context)


@login_required
def allowlist(request):
    """The breaker allowlist, the entries still in force first; supervisors and admins add to it."""
    user = request.user
    if not user_has_role(user, *ALERT_OVERSIGHT_ROLES):
        raise PermissionDenied
    may_add = user_has_role(user, *ALLOWLIST_ROLES)
    form = None
    if request.method == "POST":
        if not may_add:
            raise PermissionDenied
        form = AllowlistForm(request.POST)
        if form.is_valid():
            try:
                allowlist_add(actor=user, **form.cleaned_data)
            except DomainError as error:
                return render_refused(request, "risk/allowlist.html", _allowlist_page(request, form), form, error)
            messages.success(request, _("Added to the allowlist: trips of this scope are suppressed until then."))
            return redirect("risk:allowlist")
    elif may_add:
        initial = {key: request.GET[key] for key in ("scope_kind", "scope_key") if request.GET.get(key)}
        form = AllowlistForm(initial=initial)
    return render(request, "risk/allowlist.html", _allowlist_page(request, form))


def _allowlist_page(request, form) -> dict:
    now = timezone.now()
    in_force_first = Case(When(until__gt=now, then=0), default=1, output_field=IntegerField())
    entries = allowlist_visible_to(request.user).annotate(expired=in_force_first).order_by("expired", "until", "-id")
    page, query = paginate(request, entries)
    return {"form": form, "page": page, "query": query, "now": now}


# --- business records ----------------------------------------------------------------------------------


def _cursor(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@login_required
def record_list(request):
    """Newest first, paged by id: `before` shows older rows, `after` newer ones. No COUNT."""
    user = request.user
    filterset = RecordFilter(request.GET or None, queryset=business_record_visible_to(user), request=request)
    form = style_filter_form(filterset)
    records = filterset.qs.select_related("unit", "operator")
    before, after = _cursor(request.GET.get("before", "")), _cursor(request.GET.get("after", ""))
    if after is not None:
        rows = list(records.filter(id__gt=after).order_by("id")[: RECORD_PAGE_SIZE + 1])
        has_newer = len(rows) > RECORD_PAGE_SIZE
        rows = rows[:RECORD_PAGE_SIZE][::-1]
        has_older = bool(rows) and records.filter(id__lt=rows[-1].id).exists()
    else:
        if before is not None:
            records_page = records.filter(id__lt=before)
        else:
            records_page = records
        rows = list(records_page.order_by("-id")[: RECORD_PAGE_SIZE + 1])
        has_older = len(rows) > RECORD_PAGE_SIZE
        rows = rows[:RECORD_PAGE_SIZE]
        has_newer = before is not None and bool(rows) and records.filter(id__gt=rows[0].id).exists()
    for record in rows:
        record.flag_labels = [FLAG_LABELS[flag] for flag in record.flags]
    query = request.GET.copy()
    for key in ("before", "after"):
        query.pop(key, None)
    query = query.urlencode()
    return render(
        request,
        "risk/record_list.html",
        {
            "form": form,
            "records": rows,
            "query": query,
            "older": rows[-1].id if rows and has_older else None,
            "newer": rows[0].id if rows and has_newer else None,
        },
    )


@login_required
def record_detail(request, pk):
    user = request.user
    record = get_visible_or_404(business_record_visible_to(user).select_related("unit", "operator__unit"), pk)
    day = timezone.localdate(record.accepted_at).isoformat()
    same_day = {"accepted_from": day, "accepted_to": day}
    related = [
        (label, records_url(**{field: value}, **extra))
        for label, field, value, extra in [
            (_("Same operator that day"), "operator_badge", record.operator_badge, same_day),
            (_("Same account that day"), "operator_account", record.operator_account, same_day),
            (_("Same device that day"), "device_id", record.device_id, same_day),
            (_("Same agent"), "agent_id", record.agent_id, {}),
        ]
        if value
    ]
    return render(
        request,
        "risk/record_detail.html",
        {
            "record": record,
            "flags": [FLAG_LABELS[flag] for flag in record.flags],
            "related": related,
        },
    )


# --- supervision models --------------------------------------------------------------------------------


def _parameters(model: RiskModel) -> list[dict]:
    rule = REGISTRY.get(model.code)
    specs = rule.parameters if rule else {}
    return [
        {"name": name, "value": value, "help": specs[name].help if name in specs else ""}
        for name, value in (model.parameters or {}).items()
    ]


@login_required
def model_list(request):
    user = request.user
    if not user_has_role(user, *ALERT_OVERSIGHT_ROLES):
        raise PermissionDenied
    filterset = RiskModelFilter(request.GET or None, queryset=risk_model_visible_to(user), request=request)
    form = style_filter_form(filterset)
    models = list(filterset.qs.order_by("area", "code"))
    is_admin = user_has_role(user, Role.ADMIN)
    precision = risk_model_precision([m.pk for m in models]) if is_admin and models else {}
    for model in models:
        model.parameter_list = _parameters(model)
        model.figures = precision.get(model.pk)
        if model.figures and model.figures["precision"] is not None:
            model.figures["percent"] = round(model.figures["precision"] * 100)
    return render(request, "risk/model_list.html", {"form": form, "models": models, "show_precision": is_admin})


# --- monthly assessments -------------------------------------------------------------------------------


@login_required
def assessment_list(request):
    user = request.user
    if not user_has_role(user, *ASSESSMENT_ROLES):
        raise PermissionDenied
    page, query = paginate(request, assessment_visible_to(user).order_by("-month"))
    return render(request, "risk/assessment_list.html", {"page": page, "query": query})


@login_required
def assessment_detail(request, pk):
    user = request.user
    assessment = get_visible_or_404(assessment_visible_to(user), pk)
    scores = risk_score_visible_to(user).filter(assessment=assessment).order_by("-index", "id")
    persons = list(scores.filter(subject_kind=SubjectKind.PERSON)[:TOP_SCORES])
    alerts_in_scope = alert_visible_to(user).filter(assessment=assessment)
    alert_of = dict(alerts_in_scope.filter(person_id__in=[s.person_id for s in persons]).values_list("person_id", "pk"))
    for score in persons:
        score.alert_id = alert_of.get(score.person_id)
    grades = dict(alerts_in_scope.order_by().values_list("grade").annotate(n=Count("pk")))
    return render(
        request,
        "risk/assessment_detail.html",
        {
            "assessment": assessment,
            "persons": persons,
            "units": list(scores.filter(subject_kind=SubjectKind.UNIT)[:TOP_SCORES]),
            "posts": list(scores.filter(subject_kind=SubjectKind.POST)[:TOP_SCORES]),
            "grades": [(value, label, grades.get(value, 0)) for value, label in Alert.Grade.choices],
            "alerts_in_scope": sum(grades.values()),
            "alerts_url": f"{reverse('risk:alert_list')}?{urlencode({'assessment': assessment.pk})}",
        },
    )


# --- quarterly risk-alert lists ------------------------------------------------------------------------


def _entry_states(risk_list) -> list[dict]:
    """Each entry with its state: awaiting its item, rectifying, or closed out (all its items closed)."""
    statuses: dict[int, list[str]] = {}
    for item in risk_list.notice.items.all():
        statuses.setdefault(item.finding_id, []).append(item.status)
    entries = []
    for entry in risk_list.entries:
        items = statuses.get(entry.get("finding"), [])
        if not items:
            state = "awaiting_item"
        elif all(status == RectificationItem.Status.CLOSED for status in items):
            state = "closed"
        else:
            state = "rectifying"
        entries.append({**entry, "state": state})
    return entries


@login_required
def risk_list_list(request):
    user = request.user
    lists = risk_list_visible_to(user)
    quarter = request.GET.get("quarter", "").strip()[:6]
    quarters = list(lists.order_by("-quarter").values_list("quarter", flat=True).distinct())
    if quarter:
        lists = lists.filter(quarter=quarter)
    lists = lists.prefetch_related(
        Prefetch("notice__items", queryset=RectificationItem.objects.only("id", "notice_id", "finding_id", "status"))
    ).order_by("-quarter", "unit__path")
    page, query = paginate(request, lists)
    alert_ids = {entry["alert"] for risk_list in page for entry in risk_list.entries if entry.get("alert")}
    visible_alerts = set(alert_visible_to(user).filter(pk__in=alert_ids).values_list("pk", flat=True))
    for risk_list in page:
        risk_list.entry_rows = _entry_states(risk_list)
        risk_list.closed_entries = sum(1 for e in risk_list.entry_rows if e["state"] == "closed")
        for entry in risk_list.entry_rows:
            entry["alert_visible"] = entry.get("alert") in visible_alerts
    return render(
        request,
        "risk/risk_list_list.html",
        {"page": page, "query": query, "quarters": quarters, "quarter": quarter},
    )
