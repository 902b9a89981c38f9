"""Pages for dual-handover rectification: notices, handovers, items, requests and look-backs.

Every object is fetched through rectification.permissions (outside the data scope: 404) and every
change goes through rectification.services. A step the role may not take at all is a 403 page; a
rule the service enforces comes back on the form (403 when it refuses the person); a status that
moved on meanwhile is a message and a redirect to the page. Successful POSTs redirect.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Prefetch, Q, When
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import get_visible_or_404
from accounts.selectors import person_visible_to, user_has_role, user_has_role_for_unit, visible_units
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from rectification import services
from rectification.filters import ItemFilter, NoticeFilter
from rectification.forms import (
    REQUEST_FORMS,
    AcknowledgeForm,
    DecideForm,
    ItemForm,
    LookBackForm,
    NoticeForm,
    ProgressForm,
    SubmitForm,
    VerifyForm,
)
from rectification.models import Handover, ItemRequest, LookBack, RectificationItem, RectificationNotice
from rectification.permissions import (
    access_handover,
    access_item,
    access_item_request,
    access_look_back,
    access_notice,
)
from rectification.selectors import (
    handover_visible_to,
    item_request_visible_to,
    item_visible_to,
    look_back_visible_to,
    notice_item_counts,
    notice_visible_to,
)
from supervision.forms import UnitPickForm, style_filter_form
from supervision.models import Evidence
from supervision.selectors import finding_visible_to
from supervision.views import paginate, render_refused, report_transition

Notice = RectificationNotice
Item = RectificationItem
NOTICE_OPEN = (Notice.Status.ACKNOWLEDGED, Notice.Status.RECTIFYING, Notice.Status.REOPENED)
NOTICE_LABELS = dict(Notice.Status.choices)
ITEM_LABELS = dict(Item.Status.choices)


def _may(user, role: str, unit) -> bool:
    return user_has_role_for_unit(user, (role,), unit)


# --- notices -----------------------------------------------------------------------------------------------


def _status_tabs(request, base) -> list[dict]:
    """One tab per notice status with its count under the other filters (one GROUP BY query)."""
    data = request.GET.copy()
    current = data.pop("status", [""])[0]
    data.pop("page", None)
    filterset = NoticeFilter(data or None, queryset=base, request=request)
    counts = dict(filterset.qs.order_by().values_list("status").annotate(n=Count("pk")))
    tabs = [("", _("All"), sum(counts.values()))] + [
        (value, label, counts.get(value, 0)) for value, label in Notice.Status.choices
    ]
    result = []
    for value, label, count in tabs:
        query = data.copy()
        if value:
            query["status"] = value
        result.append({"label": label, "count": count, "active": value == current, "url": f"?{query.urlencode()}"})
    return result


@login_required
def notice_list(request):
    user = request.user
    base = notice_visible_to(user)
    filterset = NoticeFilter(request.GET or None, queryset=base, request=request)
    form = style_filter_form(filterset)
    page, query = paginate(request, notice_item_counts(filterset.qs).order_by("-created_at", "-id"))
    return render(
        request,
        "rectification/notice_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "tabs": _status_tabs(request, base),
            "hidden_filters": ["status", "within"],
            "may_create": user_has_role(user, Role.SUPERVISOR),
        },
    )


@login_required
def notice_create(request):
    """Choose the unit (a GET form), tick its findings, write the notice. Saved as a draft."""
    user = request.user
    if not user_has_role(user, Role.SUPERVISOR):
        raise PermissionDenied
    issued = [status for status in Notice.Status.values if status != Notice.Status.DRAFT]
    waiting = finding_visible_to(user).exclude(notices__status__in=issued)
    supervised = visible_units(user, roles=(Role.SUPERVISOR,))
    unit = get_visible_or_404(supervised, request.GET["unit"]) if request.GET.get("unit") else None
    with_waiting = Q(pk__in=waiting.values("unit"))
    units = supervised.filter(with_waiting | Q(pk=unit.pk) if unit else with_waiting)
    context = {"picker": UnitPickForm(initial={"unit": unit}, units=units), "unit": unit}
    if unit is None:
        return render(request, "rectification/notice_form.html", context)

    findings = waiting.filter(unit=unit).order_by("-found_on", "-id")
    context["has_findings"] = findings.exists()
    if not context["has_findings"]:
        return render(request, "rectification/notice_form.html", context)
    if request.method == "POST":
        form = NoticeForm(request.POST, findings=findings)
        context["form"] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                notice = services.notice_create(
                    actor=user,
                    unit=unit,
                    findings=list(data["findings"]),
                    title=data["title"],
                    requirements=data["requirements"],
                    deadline=data["deadline"],
                    business_area=data["business_area"],
                )
            except DomainError as error:
                return render_refused(request, "rectification/notice_form.html", context, form, error)
            messages.success(request, _("Draft notice saved. Check it, then issue it."))
            return redirect("rectification:notice_detail", pk=notice.pk)
    else:
        chosen = list(findings.filter(pk__in=[v for v in request.GET.getlist("finding") if v.isdigit()]))
        initial = {
            "findings": chosen,
            "title": _("Rectification notice on the problems found at %(unit)s") % {"unit": unit.name},
        }
        if chosen:
            initial["deadline"] = services.default_deadline(chosen)
            initial["business_area"] = chosen[0].business_area
        context["form"] = NoticeForm(initial=initial, findings=findings)
    return render(request, "rectification/notice_form.html", context)


def _notice_page(request, notice, *, forms=None) -> dict:
    forms = forms or {}
    user = request.user
    handovers = sorted(
        handover_visible_to(user).filter(notice=notice).select_related("acknowledged_by__person"),
        key=lambda h: h.side != Handover.Side.PARTY,
    )
    acknowledgers = {h.acknowledged_by_id for h in handovers if h.acknowledged_by_id}
    for handover in handovers:
        may = (
            handover.status == Handover.Status.PENDING
            and user.pk not in acknowledgers
            and services.user_may_acknowledge(user, handover)
        )
        handover.ack_form = forms.get(("ack", handover.pk)) or (
            AcknowledgeForm(prefix=f"h{handover.pk}") if may else None
        )
    look_backs = list(look_back_visible_to(user).filter(notice=notice).select_related("assigned_to__person"))
    for look_back in look_backs:
        may = look_back.status == LookBack.Status.SCHEDULED and look_back.assigned_to_id == user.pk
        look_back.record_form = forms.get(("lb", look_back.pk)) or (
            LookBackForm(prefix=f"lb{look_back.pk}") if may else None
        )
    items = list(item_visible_to(user).filter(notice=notice).order_by("deadline", "id"))
    return {
        "notice": notice,
        "handovers": handovers,
        "findings": finding_visible_to(user)
        .filter(notices=notice)
        .annotate(evidence_count=Count("evidence"))
        .order_by("found_on", "id"),
        "items": items,
        "closed_count": sum(1 for i in items if i.status == Item.Status.CLOSED),
        "look_backs": look_backs,
        "may_issue": notice.status == Notice.Status.DRAFT and _may(user, Role.SUPERVISOR, notice.unit),
        "may_add_item": notice.status in NOTICE_OPEN and _may(user, Role.UNIT_LEADER, notice.unit),
        "today": timezone.localdate(),
    }


@login_required
def notice_detail(request, pk):
    notice = access_notice(request.user, pk)
    return render(request, "rectification/notice_detail.html", _notice_page(request, notice))


@login_required
@require_POST
def notice_issue(request, pk):
    user = request.user
    notice = access_notice(user, pk)
    if not _may(user, Role.SUPERVISOR, notice.unit):
        raise PermissionDenied
    try:
        notice = services.notice_issue(actor=user, notice=notice)
    except TransitionNotAllowed as error:
        report_transition(request, error, NOTICE_LABELS)
    except NotPermitted:
        raise PermissionDenied from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Notice %(number)s issued and handed over to both sides.") % {"number": notice.document_number},
        )
    return redirect("rectification:notice_detail", pk=notice.pk)


@login_required
@require_POST
def handover_acknowledge(request, pk):
    """One side signs for the notice (签收); neither side can sign for the other."""
    user = request.user
    handover = access_handover(user, pk)
    if not services.user_may_acknowledge(user, handover):
        raise PermissionDenied
    notice = handover.notice
    form = AcknowledgeForm(request.POST, prefix=f"h{handover.pk}")
    if form.is_valid():
        try:
            services.handover_acknowledge(actor=user, handover=handover, opinion=form.cleaned_data["opinion"])
        except TransitionNotAllowed as error:
            report_transition(request, error, dict(Handover.Status.choices))
            return redirect("rectification:notice_detail", pk=notice.pk)
        except DomainError as error:
            context = _notice_page(request, notice, forms={("ack", handover.pk): form})
            return render_refused(request, "rectification/notice_detail.html", context, form, error)
        messages.success(request, _("Acknowledged for the %(side)s.") % {"side": handover.get_side_display()})
        return redirect("rectification:notice_detail", pk=notice.pk)
    context = _notice_page(request, notice, forms={("ack", handover.pk): form})
    return render(request, "rectification/notice_detail.html", context)


# --- items -------------------------------------------------------------------------------------------------------


@login_required
def item_create(request, pk):
    """The unit's leader breaks an acknowledged notice into items."""
    user = request.user
    notice = access_notice(user, pk)
    if not _may(user, Role.UNIT_LEADER, notice.unit):
        raise PermissionDenied
    if notice.status not in NOTICE_OPEN:
        messages.error(
            request,
            _("Items are added once both sides have acknowledged the notice. Current status: %(status)s.")
            % {"status": notice.get_status_display()},
        )
        return redirect("rectification:notice_detail", pk=notice.pk)
    findings = finding_visible_to(user).filter(notices=notice).order_by("found_on", "id")
    form_kwargs = {
        "findings": findings,
        "units": visible_units(user),
        "persons": person_visible_to(user).filter(is_active=True).order_by("unit__path", "name"),
    }
    if request.method == "POST":
        form = ItemForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                services.item_create(actor=user, notice=notice, **form.cleaned_data)
            except TransitionNotAllowed as error:
                report_transition(request, error, NOTICE_LABELS)
                return redirect("rectification:notice_detail", pk=notice.pk)
            except DomainError as error:
                context = {"form": form, "notice": notice}
                return render_refused(request, "rectification/item_form.html", context, form, error)
            messages.success(request, _("Item added."))
            if "add_another" in request.POST:
                return redirect("rectification:item_create", pk=notice.pk)
            return redirect(f"{reverse('rectification:notice_detail', args=[notice.pk])}#items")
    else:
        single = list(findings[:2])
        initial = {"deadline": notice.deadline, "responsible_department": notice.unit}
        if len(single) == 1:
            initial.update(finding=single[0], problem=single[0].description)
        form = ItemForm(initial=initial, **form_kwargs)
    return render(request, "rectification/item_form.html", {"form": form, "notice": notice})


@login_required
def item_list(request):
    user = request.user
    filterset = ItemFilter(request.GET or None, queryset=item_visible_to(user), request=request)
    form = style_filter_form(filterset)
    form.fields["overdue"].widget.choices = [("unknown", _("All")), ("true", _("Yes")), ("false", _("No"))]
    # What still needs doing first (by deadline), closed items after.
    closed_last = Case(When(status=Item.Status.CLOSED, then=1), default=0, output_field=IntegerField())
    page, query = paginate(request, filterset.qs.order_by(closed_last, "deadline", "id"))
    return render(
        request,
        "rectification/item_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "hidden_filters": ["within", "notice"],
            "today": timezone.localdate(),
        },
    )


def _item_page(request, item, *, forms=None) -> dict:
    forms = forms or {}
    user = request.user
    updates = list(
        item.progress_updates.select_related("author__person").prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "id"))
        )
    )
    reviews = list(item.reviews.select_related("reviewer__person"))
    timeline = sorted(
        [{"kind": "progress", "at": u.created_at, "entry": u} for u in updates]
        + [{"kind": "review", "at": r.reviewed_at, "entry": r} for r in reviews],
        key=lambda row: row["at"],
    )
    requests = list(
        item_request_visible_to(user).filter(item=item).select_related("requested_by__person", "decided_by__person")
    )
    is_open = item.status == Item.Status.OPEN
    leader = _may(user, Role.UNIT_LEADER, item.unit)
    pending = {r.kind for r in requests if r.status == ItemRequest.Status.PENDING}
    for req in requests:
        decider = Role.SUPERVISOR if req.kind == ItemRequest.Kind.EXTENSION else Role.COMMITTEE
        may = (
            req.status == ItemRequest.Status.PENDING
            and req.requested_by_id != user.pk
            and _may(user, decider, item.unit)
        )
        req.decide_form = forms.get(("decide", req.pk)) or (DecideForm(prefix=f"r{req.pk}") if may else None)

    def form(key, cls, allowed, **kwargs):
        return forms.get(key) or (cls(**kwargs) if allowed else None)

    may_verify = (
        item.status == Item.Status.SUBMITTED
        and item.submitted_by_id != user.pk
        and _may(user, Role.SUPERVISOR, item.unit)
    )
    kinds = ItemRequest.Kind
    return {
        "item": item,
        "notice": item.notice,
        "timeline": timeline,
        "requests": requests,
        "has_evidence": any(u.evidence.all() for u in updates),
        "progress_form": form("progress", ProgressForm, leader and is_open),
        "submit_form": form("submit", SubmitForm, leader and is_open),
        "verify_form": form("verify", VerifyForm, may_verify),
        "extension_form": form(
            kinds.EXTENSION, REQUEST_FORMS[kinds.EXTENSION], leader and is_open and kinds.EXTENSION not in pending
        ),
        "unrectifiable_form": form(
            kinds.UNRECTIFIABLE,
            REQUEST_FORMS[kinds.UNRECTIFIABLE],
            leader and is_open and kinds.UNRECTIFIABLE not in pending,
        ),
        "today": timezone.localdate(),
    }


def _item_detail_url(item) -> str:
    return reverse("rectification:item_detail", args=[item.pk])


@login_required
def item_detail(request, pk):
    item = access_item(request.user, pk)
    return render(request, "rectification/item_detail.html", _item_page(request, item))


def _item_action(request, item, key, form, call, success: str, *, role: str):
    """The shape of every POST on an item: role check, form, service, message, redirect."""
    if not _may(request.user, role, item.unit):
        raise PermissionDenied
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except TransitionNotAllowed as error:
            report_transition(request, error, ITEM_LABELS)
            return redirect(_item_detail_url(item))
        except DomainError as error:
            context = _item_page(request, item, forms={key: form})
            return render_refused(request, "rectification/item_detail.html", context, form, error)
        messages.success(request, success)
        return redirect(_item_detail_url(item))
    return render(request, "rectification/item_detail.html", _item_page(request, item, forms={key: form}))


@login_required
@require_POST
def item_progress(request, pk):
    item = access_item(request.user, pk)
    form = ProgressForm(request.POST, request.FILES)
    return _item_action(
        request,
        item,
        "progress",
        form,
        lambda data: services.progress_add(actor=request.user, item=item, text=data["text"], files=data["files"]),
        _("Progress recorded."),
        role=Role.UNIT_LEADER,
    )


@login_required
@require_POST
def item_submit(request, pk):
    item = access_item(request.user, pk)
    form = SubmitForm(request.POST)
    return _item_action(
        request,
        item,
        "submit",
        form,
        lambda data: services.item_submit(actor=request.user, item=item, note=data["note"]),
        _("Submitted for verification."),
        role=Role.UNIT_LEADER,
    )


@login_required
@require_POST
def item_verify(request, pk):
    item = access_item(request.user, pk)
    if item.submitted_by_id == request.user.pk:
        raise PermissionDenied
    form = VerifyForm(request.POST)
    accept = request.POST.get("decision") == "accept"
    return _item_action(
        request,
        item,
        "verify",
        form,
        lambda data: services.item_verify(
            actor=request.user, item=item, accept=data["decision"] == "accept", comment=data["comment"]
        ),
        _("Item closed out.") if accept else _("Item sent back to the unit."),
        role=Role.SUPERVISOR,
    )


@login_required
@require_POST
def item_request_create(request, pk, kind):
    item = access_item(request.user, pk)
    form = REQUEST_FORMS[kind](request.POST)
    return _item_action(
        request,
        item,
        kind,
        form,
        lambda data: services.item_request_create(
            actor=request.user, item=item, kind=kind, reason=data["reason"], new_deadline=data.get("new_deadline")
        ),
        _("Request sent; you are told when it is decided."),
        role=Role.UNIT_LEADER,
    )


@login_required
@require_POST
def item_request_decide(request, pk):
    user = request.user
    item_request = access_item_request(user, pk)
    item = item_request.item
    role = Role.SUPERVISOR if item_request.kind == ItemRequest.Kind.EXTENSION else Role.COMMITTEE
    if item_request.requested_by_id == user.pk:
        raise PermissionDenied
    form = DecideForm(request.POST, prefix=f"r{item_request.pk}")
    return _item_action(
        request,
        item,
        ("decide", item_request.pk),
        form,
        lambda data: services.item_request_decide(
            actor=user, request=item_request, approve=data["decision"] == "approve", comment=data["comment"]
        ),
        _("Decision recorded."),
        role=role,
    )


# --- look-backs ---------------------------------------------------------------------------------------------------


@login_required
def look_back_list(request):
    """Look-backs in scope, the ones scheduled for me first."""
    user = request.user
    look_backs = look_back_visible_to(user).select_related("assigned_to__person")
    status = request.GET.get("status", "")
    if status in LookBack.Status.values:
        look_backs = look_backs.filter(status=status)
    mine_first = Case(
        When(assigned_to=user, status=LookBack.Status.SCHEDULED, then=0), default=1, output_field=IntegerField()
    )
    page, query = paginate(request, look_backs.annotate(mine=mine_first).order_by("mine", "scheduled_for", "id"))
    tabs = [
        {"label": label, "url": f"?{urlencode({'status': value})}" if value else "?", "active": value == status}
        for value, label in [("", _("All")), *LookBack.Status.choices]
    ]
    return render(
        request,
        "rectification/look_back_list.html",
        {"page": page, "query": query, "tabs": tabs, "today": timezone.localdate()},
    )


@login_required
def look_back_detail(request, pk):
    user = request.user
    look_back = access_look_back(user, pk)
    notice = look_back.notice
    may_record = look_back.status == LookBack.Status.SCHEDULED and look_back.assigned_to_id == user.pk
    form = LookBackForm(prefix=f"lb{look_back.pk}") if may_record else None
    if request.method == "POST":
        if not _may(user, Role.SUPERVISOR, notice.unit) or look_back.assigned_to_id != user.pk:
            raise PermissionDenied
        form = LookBackForm(request.POST, prefix=f"lb{look_back.pk}")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.look_back_record(
                    actor=user,
                    look_back=look_back,
                    passed=data["outcome"] == "passed",
                    result=data["result"],
                    new_deadline=data["new_deadline"],
                )
            except TransitionNotAllowed as error:
                report_transition(request, error, dict(LookBack.Status.choices))
                return redirect("rectification:look_back_detail", pk=look_back.pk)
            except DomainError as error:
                context = {"look_back": look_back, "notice": notice, "form": form}
                return render_refused(request, "rectification/look_back_detail.html", context, form, error)
            if data["outcome"] == "passed":
                messages.success(request, _("Look-back recorded: passed."))
            else:
                messages.warning(request, _("Look-back failed: the notice is reopened with the new deadline."))
            return redirect("rectification:notice_detail", pk=notice.pk)
    return render(
        request, "rectification/look_back_detail.html", {"look_back": look_back, "notice": notice, "form": form}
    )
