"""Pages of the Double Clean rating: the rounds, a round with every unit's indicator values, score, rank,
grade, flags and explanation (so a rating can be explained and appealed), the adjustment and tie forms,
the workflow buttons by role, and the performance assessment export.

Every object is fetched through ratings.selectors (outside the scope: 404) and every change goes through
ratings.services. A step the role may not take at all is a 403 page; a rule the service enforces comes
back on the form or as a message; a status that moved on meanwhile is a message and a redirect.
"""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.models import Role
from accounts.permissions import get_visible_or_404
from accounts.selectors import visible_units
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from ratings import documents, grading
from ratings.forms import AdjustmentForm, ReturnForm, RoundDraftForm, TieDecideForm
from ratings.indicators import rated_units
from ratings.models import RatingRound
from ratings.selectors import (
    rating_adjustment_visible_to,
    rating_round_visible_to,
    unit_rating_visible_to,
    user_has_role_for_all_units,
    with_grade_counts,
)
from ratings.services import (
    GRADE_LABELS,
    PUBLISH_ROLES,
    SCORE_PLACES,
    rating_adjust,
    rating_round_approve,
    rating_round_draft,
    rating_round_propose,
    rating_round_publish,
    rating_round_return,
    rating_tie_decide,
)
from rectification.documents import XLSX_CONTENT_TYPE, attachment_response
from supervision.forms import apply_domain_error
from supervision.views import report_transition

STATUS_LABELS = dict(RatingRound.Status.choices)


def _may(user, *roles: str) -> bool:
    return user_has_role_for_all_units(user, roles)


def _access_round(user, pk) -> RatingRound:
    return get_visible_or_404(rating_round_visible_to(user), pk)


def _adjustable_units(user):
    return rated_units().filter(pk__in=visible_units(user).values("pk")).order_by("path")


# --- rounds --------------------------------------------------------------------------------------------


@login_required
def round_list(request, *, draft_form=None):
    user = request.user
    rounds = with_grade_counts(rating_round_visible_to(user)).order_by("-year")
    may_draft = _may(user, Role.SUPERVISOR)
    if may_draft and draft_form is None:
        draft_form = RoundDraftForm()
    return render(
        request,
        "ratings/round_list.html",
        {"rounds": rounds, "draft_form": draft_form if may_draft else None},
        status=200 if draft_form is None or not draft_form.errors else 400,
    )


@login_required
@require_POST
def round_draft_view(request):
    user = request.user
    if not _may(user, Role.SUPERVISOR):
        raise PermissionDenied
    form = RoundDraftForm(request.POST)
    if not form.is_valid():
        return round_list(request, draft_form=form)
    try:
        result = rating_round_draft(actor=user, year=form.cleaned_data["year"])
    except TransitionNotAllowed as error:
        report_transition(request, error, STATUS_LABELS)
        existing = RatingRound.objects.filter(year=form.cleaned_data["year"]).first()
        return redirect("ratings:round_detail", pk=existing.pk) if existing else redirect("ratings:round_list")
    except NotPermitted:
        raise PermissionDenied from None
    except DomainError as error:
        apply_domain_error(form, error)
        return round_list(request, draft_form=form)
    if result.created:
        messages.success(request, _("The %(year)s round is drafted.") % {"year": result.rating_round.year})
    else:
        messages.success(request, _("The %(year)s draft is recomputed.") % {"year": result.rating_round.year})
    return redirect("ratings:round_detail", pk=result.rating_round.pk)


def _rows(rating_round: RatingRound, ratings, columns) -> list:
    """Each rating with its indicator cells: (value, contribution or None when the indicator is off)."""
    rows = []
    for rating in ratings:
        cells = []
        for code, _name, weight in columns:
            value = rating.indicators.get(code)
            contribution = None
            if weight is not None and value is not None:
                contribution = (Decimal(weight) * Decimal(str(value))).quantize(SCORE_PLACES)
            cells.append((value, contribution))
        rating.cells = cells
        rows.append(rating)
    return rows


def _round_page(request, rating_round: RatingRound, *, forms=None) -> dict:
    forms = forms or {}
    user = request.user
    status = rating_round.status
    is_supervisor = _may(user, Role.SUPERVISOR)
    is_committee = _may(user, Role.COMMITTEE)
    columns = documents.indicator_columns(rating_round)
    ratings = list(
        unit_rating_visible_to(user).filter(round=rating_round).select_related("unit").order_by("rank", "unit__path")
    )
    unresolved = [r for r in ratings if r.tie_unresolved]
    may_adjust = status == RatingRound.Status.DRAFT and is_supervisor
    may_decide = status == RatingRound.Status.PROPOSED and is_committee and bool(unresolved)
    tie_queryset = (
        unit_rating_visible_to(user)
        .filter(round=rating_round, tie_unresolved=True)
        .order_by("tie_group", "rank", "unit__path")
    )
    adjust_form = forms.get("adjust") or (AdjustmentForm(units=_adjustable_units(user)) if may_adjust else None)
    tie_form = forms.get("tie") or (TieDecideForm(ratings=tie_queryset) if may_decide else None)
    return_form = forms.get("return") or (
        ReturnForm() if status == RatingRound.Status.PROPOSED and is_committee else None
    )
    groups: dict[int, list] = {}
    for rating in unresolved:
        groups.setdefault(rating.tie_group, []).append(rating)
    ties = [
        (
            number,
            members,
            [
                (GRADE_LABELS[grade], members[0].tie_grades[grade])
                for grade in grading.GRADE_ORDER
                if grade in members[0].tie_grades
            ],
        )
        for number, members in sorted(groups.items())
    ]
    return {
        "round": with_grade_counts(
            RatingRound.objects.filter(pk=rating_round.pk).select_related(
                "computed_by__person",
                "proposed_by__person",
                "returned_by__person",
                "approved_by__person",
                "published_by__person",
            )
        ).get(),
        "columns": columns,
        "ratings": _rows(rating_round, ratings, columns),
        "ties": ties,
        "adjustments": rating_adjustment_visible_to(user).filter(round=rating_round).order_by("-created_at", "-id"),
        "adjust_form": adjust_form,
        "tie_form": tie_form,
        "return_form": return_form,
        "may_recompute": may_adjust,
        "may_propose": status == RatingRound.Status.DRAFT and is_supervisor,
        "may_approve": status == RatingRound.Status.PROPOSED and is_committee,
        "may_publish": status == RatingRound.Status.APPROVED and _may(user, *PUBLISH_ROLES),
    }


@login_required
@require_safe
def round_detail(request, pk):
    rating_round = _access_round(request.user, pk)
    return render(request, "ratings/round_detail.html", _round_page(request, rating_round))


def _transition(request, pk, roles: tuple[str, ...], service, done: str, **arguments):
    user = request.user
    rating_round = _access_round(user, pk)
    if not _may(user, *roles):
        raise PermissionDenied
    try:
        service(actor=user, round=rating_round, **arguments)
    except TransitionNotAllowed as error:
        report_transition(request, error, STATUS_LABELS)
    except NotPermitted as error:
        messages.error(request, error.message)
        raise PermissionDenied from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("ratings:round_detail", pk=rating_round.pk)


@login_required
@require_POST
def round_recompute_view(request, pk):
    user = request.user
    rating_round = _access_round(user, pk)
    if not _may(user, Role.SUPERVISOR):
        raise PermissionDenied
    try:
        rating_round_draft(actor=user, year=rating_round.year)
    except TransitionNotAllowed as error:
        report_transition(request, error, STATUS_LABELS)
    else:
        messages.success(request, _("The draft is recomputed from the current data and weights."))
    return redirect("ratings:round_detail", pk=rating_round.pk)


@login_required
@require_POST
def round_propose_view(request, pk):
    done = _("Proposed to the party committee.")
    return _transition(request, pk, (Role.SUPERVISOR,), rating_round_propose, done)


@login_required
@require_POST
def round_approve_view(request, pk):
    return _transition(request, pk, (Role.COMMITTEE,), rating_round_approve, _("The rating is approved."))


@login_required
@require_POST
def round_publish_view(request, pk):
    done = _("The rating is published; the units' leaders are notified.")
    return _transition(request, pk, PUBLISH_ROLES, rating_round_publish, done)


def _form_step(request, rating_round: RatingRound, form, key: str, step, done: str):
    """A step that takes a form: the service on a valid form, then back to the round with `done`; a
    refused transition is reported there; a form or domain error re-renders the round (400) with the
    form, under `key`, showing its errors."""
    if form.is_valid():
        try:
            step(form.cleaned_data)
        except TransitionNotAllowed as error:
            report_transition(request, error, STATUS_LABELS)
            return redirect("ratings:round_detail", pk=rating_round.pk)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, done)
            return redirect("ratings:round_detail", pk=rating_round.pk)
    context = _round_page(request, rating_round, forms={key: form})
    return render(request, "ratings/round_detail.html", context, status=400)


def _round_for(user, pk, role: str) -> RatingRound:
    rating_round = _access_round(user, pk)
    if not _may(user, role):
        raise PermissionDenied
    return rating_round


@login_required
@require_POST
def round_return_view(request, pk):
    user = request.user
    rating_round = _round_for(user, pk, Role.COMMITTEE)
    return _form_step(
        request,
        rating_round,
        ReturnForm(request.POST),
        "return",
        lambda data: rating_round_return(actor=user, round=rating_round, reason=data["reason"]),
        _("The rating is returned to draft."),
    )


@login_required
@require_POST
def round_adjust_view(request, pk):
    user = request.user
    rating_round = _round_for(user, pk, Role.SUPERVISOR)
    return _form_step(
        request,
        rating_round,
        AdjustmentForm(request.POST, units=_adjustable_units(user)),
        "adjust",
        lambda data: rating_adjust(actor=user, round=rating_round, **data),
        _("The adjustment is recorded and the draft recomputed."),
    )


@login_required
@require_POST
def round_decide_tie_view(request, pk):
    user = request.user
    rating_round = _round_for(user, pk, Role.COMMITTEE)
    ratings = unit_rating_visible_to(user).filter(round=rating_round, tie_unresolved=True)
    return _form_step(
        request,
        rating_round,
        TieDecideForm(request.POST, ratings=ratings),
        "tie",
        lambda data: rating_tie_decide(actor=user, **data),
        _("The committee's decision on the tie is recorded."),
    )


@login_required
@require_safe
def round_export(request, pk):
    """The performance assessment export (绩效考核): the units the reader may see."""
    rating_round = _access_round(request.user, pk)
    ratings = unit_rating_visible_to(request.user).filter(round=rating_round)
    content = documents.round_xlsx(rating_round, ratings)
    return attachment_response(content, documents.round_filename(rating_round), XLSX_CONTENT_TYPE)
