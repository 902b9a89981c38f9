"""Writes of the Double Clean rating (双清示范创建): computing a round, manual adjustments, the
committee's decision on ties, and the round's workflow.

Allowed transitions (RatingRound.Status), one service each:
    (none)   -> draft      rating_round_draft     supervisor (all units), the yearly task or the command
    draft    -> draft      rating_round_draft / rating_adjust   recompute: the round's ratings are replaced
    draft    -> proposed   rating_round_propose   supervisor; the committee is notified
    proposed -> draft      rating_round_return    committee, with a reason; the proposer is notified
    proposed -> approved   rating_round_approve   committee (not the proposer); refused while ties are unresolved
    approved -> published  rating_round_publish   supervisor or committee; the units' leaders are notified
A round past draft is never recomputed. Every step claims its transition with a conditional UPDATE
(of two concurrent attempts exactly one wins; the loser, or a repeat, gets 409 with the current
status) and writes an audit event in the same transaction.

Computation (documented so that every figure can be explained and appealed):
- the rated units are every active squad and service window (ratings.indicators.rated_units);
- each indicator's value comes from ratings.indicators (one set-based query per source table);
- score = 100 + sum(weight x value) over the active indicators, weights from the Indicator table
  (stored on the round as they were used), rounded half up to 0.001;
- grades follow the forced distribution with the veto and the tie rules of ratings.grading.

Ties: a tie that survives the secondary keys is flagged on each tied unit, which provisionally gets the
lowest grade its places span. The committee decides it in the proposed round (rating_tie_decide),
choosing only among the grades of those places and never more of a grade than the tie holds places of
it; once the remaining places of a tie are all of one grade, its remaining units get that grade in the
same decision. Recomputing a draft discards earlier decisions (the ratings are replaced).
"""

from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, Unit, User
from accounts.selectors import role_holders_by_unit
from audit.services import audit_record
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from core.notifications import Message, notify, notify_many
from ratings import grading
from ratings.indicators import INDICATOR_CODES, MANUAL_POINTS, ON_TIME_RATE, rated_units, unit_figures
from ratings.models import Grade, Indicator, RatingAdjustment, RatingRound, UnitRating
from ratings.selectors import user_has_role_for_all_units

BASE_SCORE = Decimal(100)
SCORE_PLACES = Decimal("0.001")
FIRST_YEAR = 2000
MAX_ADJUSTMENT_POINTS = Decimal(50)
PUBLISH_ROLES = (Role.SUPERVISOR, Role.COMMITTEE)
GRADE_LABELS = dict(Grade.choices)
STATUS_LABELS = dict(RatingRound.Status.choices)

# The default indicators (also written by migration 0002); an administrator edits names and weights.
DEFAULT_INDICATORS = {
    "findings_per_head": ("问题（按严重程度加权，人均）", "-20"),
    "on_time_rate": ("整改按期完成率", "10"),
    "overdue_items": ("逾期整改事项", "-2"),
    "confirmed_alerts": ("经双核确认的预警", "-3"),
    "circuit_breaks": ("预警熔断", "-2"),
    "cases": ("廉政案件", "-10"),
    "liabilities": ("责任追究记录", "-2"),
    "manual_points": ("加减分", "1"),
}


# --- helpers -------------------------------------------------------------------------------------------


def round_url(rating_round: RatingRound) -> str:
    return reverse("ratings:round_detail", args=[rating_round.pk])


def _require_all(actor, roles: tuple[str, ...], what: str) -> None:
    if not user_has_role_for_all_units(actor, roles):
        raise NotPermitted(what)


def _claim(rating_round: RatingRound, *, allowed_from: str, to: str, **changes) -> None:
    """Move the round from `allowed_from` to `to` atomically, or raise 409 naming its status."""
    updated = RatingRound.objects.filter(pk=rating_round.pk, status=allowed_from).update(status=to, **changes)
    if updated != 1:
        current = RatingRound.objects.filter(pk=rating_round.pk).values_list("status", flat=True).first() or ""
        raise TransitionNotAllowed(
            _("The %(year)s rating round cannot become “%(to)s”: it is “%(status)s”.")
            % {
                "year": rating_round.year,
                "to": STATUS_LABELS.get(to, to),
                "status": STATUS_LABELS.get(current, current),
            },
            current_status=current,
        )
    rating_round.refresh_from_db()


def _occurrence(rating_round: RatingRound, action: str) -> int:
    """How many times the round has gone through `action` (its audit events): a returned and proposed
    again round is announced again, while a notification key stays idempotent per occurrence."""
    from audit.models import AuditEvent

    return AuditEvent.objects.filter(
        action=action, object_type=rating_round._meta.label_lower, object_id=str(rating_round.pk)
    ).count()


def _status_change(before: str, after: str) -> dict:
    return {"status": {"before": before, "after": after}}


def indicators_sync() -> dict[str, Indicator]:
    """The Indicator rows of every computed code (missing ones are created with their defaults)."""
    existing = {indicator.code: indicator for indicator in Indicator.objects.all()}
    missing = [
        Indicator(code=code, name=DEFAULT_INDICATORS[code][0], weight=Decimal(DEFAULT_INDICATORS[code][1]))
        for code in INDICATOR_CODES
        if code not in existing
    ]
    if missing:
        Indicator.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {indicator.code: indicator for indicator in Indicator.objects.all()}
    return existing


def check_year(year) -> int:
    """A year that can be rated: from FIRST_YEAR up to the current year."""
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise DomainError(_("Give the year as a number, e.g. 2026."), field="year") from None
    this_year = timezone.localdate().year
    if not FIRST_YEAR <= year <= this_year:
        raise DomainError(
            _("The year must be between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": this_year},
            field="year",
        )
    return year


def previous_year(today=None) -> int:
    return (today or timezone.localdate()).year - 1


# --- computation ---------------------------------------------------------------------------------------


@dataclass
class RoundResult:
    rating_round: RatingRound
    created: bool
    ratings: int
    grades: dict[str, int]
    unresolved_ties: int
    vetoed: int


def _value_text(value) -> str:
    return f"{value}"


def _score_line(indicators: dict, weights: dict[str, Decimal], names: dict[str, str], score: Decimal) -> str:
    parts = []
    for code in INDICATOR_CODES:
        weight = weights.get(code)
        value = Decimal(str(indicators.get(code, 0)))
        if weight is None or not value or not weight:
            continue
        parts.append(
            _("%(name)s %(value)s x %(weight)s = %(contribution)s")
            % {
                "name": names.get(code, code),
                "value": _value_text(indicators.get(code)),
                "weight": format(weight.normalize(), "f"),
                "contribution": (weight * value).quantize(SCORE_PLACES, ROUND_HALF_UP),
            }
        )
    detail = "; ".join(parts) if parts else _("no indicator moved it")
    return _("Score %(score)s = base %(base)s + (%(detail)s).") % {"score": score, "base": BASE_SCORE, "detail": detail}


def _explanation(
    result: grading.GradeResult, quotas: grading.Quotas, *, score_line: str, veto_cases: list[str], year: int
) -> str:
    """Why the unit has its grade, in the default UI language (stored; the page shows it as is)."""
    grade_label = GRADE_LABELS[result.grade]
    lines = [
        _("Rank %(rank)s of %(units)s.") % {"rank": result.rank, "units": quotas.units},
        score_line,
        _(
            "Quotas (round half up): model %(model)s (10 %%), demonstration %(demonstration)s (40 %%), "
            "warning-tagged %(warning)s (the bottom 10 %%); the rest standard."
        )
        % {"model": quotas.model, "demonstration": quotas.demonstration, "warning": quotas.warning},
    ]
    if result.vetoed:
        lines.append(
            _(
                "Veto (一票否决): case %(cases)s of the unit, concluded with a confirmed integrity problem, "
                "concerns %(year)s; the unit can be neither model nor demonstration."
            )
            % {"cases": "、".join(veto_cases), "year": year}
        )
        if result.vetoed_from:
            lines.append(
                _("By rank its place would have been “%(grade)s”; that place passes to the next eligible unit.")
                % {"grade": GRADE_LABELS[result.vetoed_from]}
            )
    if result.tie_unresolved:
        places = ", ".join(
            f"{GRADE_LABELS[grade]} {count}"
            for grade, count in sorted(result.tie_grades.items(), key=lambda item: grading.GRADE_ORDER.index(item[0]))
        )
        lines.append(
            _(
                "Tied with %(others)s other unit(s) on score, grave findings and on-time rate across a grade "
                "boundary (places of the tie: %(places)s). A tie is never broken at random: “%(grade)s” is "
                "provisional, and the committee decides before the round can be approved."
            )
            % {"others": result.tie_size - 1, "places": places, "grade": grade_label}
        )
    elif result.in_warning_places:
        lines.append(
            _("Place %(place)s is among the last %(warning)s places (the bottom 10 %%): warning-tagged.")
            % {"place": result.place, "warning": quotas.warning}
        )
    elif result.vetoed:
        lines.append(_("Grade: standard."))
    else:
        lines.append(
            _("Place %(place)s among the units eligible for model or demonstration: “%(grade)s”.")
            % {"place": result.eligible_place, "grade": grade_label}
        )
        if result.place_grade and grading.GRADE_ORDER.index(result.grade) < grading.GRADE_ORDER.index(
            result.place_grade
        ):
            lines.append(
                _("It moved up from “%(from)s”: %(count)s vetoed unit(s) above it cannot hold those places.")
                % {"from": GRADE_LABELS[result.place_grade], "count": result.passed_over}
            )
    if result.separated_by == grading.SECONDARY_GRAVE:
        lines.append(_("Its score equals that of a unit across the grade boundary; fewer grave findings decided."))
    elif result.separated_by == grading.SECONDARY_ON_TIME:
        lines.append(
            _(
                "Its score and grave findings equal those of a unit across the grade boundary; the higher "
                "rectification on-time rate decided."
            )
        )
    return "\n".join(lines)


def _compute(rating_round: RatingRound, *, actor) -> RoundResult:
    """Replace the round's ratings with a fresh computation (the caller has claimed the draft)."""
    indicators = indicators_sync()
    weights = {
        code: indicators[code].weight for code in INDICATOR_CODES if code in indicators and indicators[code].is_active
    }
    names = {code: indicator.name for code, indicator in indicators.items()}
    units = list(rated_units().order_by("path").values_list("pk", flat=True))
    figures = unit_figures(year=rating_round.year, unit_ids=units, rating_round=rating_round)
    values = {unit_id: figures[unit_id].indicator_values() for unit_id in units}
    scores = {
        unit_id: (
            BASE_SCORE + sum((weight * Decimal(values[unit_id][code]) for code, weight in weights.items()), Decimal(0))
        ).quantize(SCORE_PLACES, ROUND_HALF_UP)
        for unit_id in units
    }
    quotas, results = grading.grade_units(
        [
            grading.GradeInput(
                unit_id=unit_id,
                score=scores[unit_id],
                grave_findings=figures[unit_id].findings_grave,
                on_time_rate=values[unit_id][ON_TIME_RATE],
                vetoed=figures[unit_id].vetoed,
            )
            for unit_id in units
        ]
    )
    with translation.override(settings.LANGUAGE_CODE):
        rows = []
        for result in results:
            unit_id = result.unit_id
            stored = {code: _json_number(value) for code, value in values[unit_id].items()}
            rows.append(
                UnitRating(
                    round=rating_round,
                    unit_id=unit_id,
                    headcount=figures[unit_id].headcount,
                    indicators=stored,
                    figures=figures[unit_id].as_dict(),
                    adjustment_points=values[unit_id][MANUAL_POINTS],
                    score=scores[unit_id],
                    rank=result.rank,
                    grade=result.grade,
                    vetoed=result.vetoed,
                    tie_unresolved=result.tie_unresolved,
                    tie_group=result.tie_group,
                    tie_grades=result.tie_grades,
                    explanation=_explanation(
                        result,
                        quotas,
                        score_line=_score_line(stored, weights, names, scores[unit_id]),
                        veto_cases=figures[unit_id].veto_cases,
                        year=rating_round.year,
                    ),
                )
            )
    rating_round.ratings.all().delete()
    UnitRating.objects.bulk_create(rows, batch_size=1000)
    RatingRound.objects.filter(pk=rating_round.pk).update(
        weights={code: str(weight) for code, weight in weights.items()},
        quotas=quotas.as_dict(),
        computed_at=timezone.now(),
        computed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    rating_round.refresh_from_db()
    grades = dict(Counter(row.grade for row in rows))
    return RoundResult(
        rating_round=rating_round,
        created=False,
        ratings=len(rows),
        grades={grade: grades.get(grade, 0) for grade in Grade.values},
        unresolved_ties=sum(row.tie_unresolved for row in rows),
        vetoed=sum(row.vetoed for row in rows),
    )


def _json_number(value):
    """Indicator values as JSON numbers: integers stay integers, decimals become their exact float."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def _claim_draft(rating_round: RatingRound) -> None:
    """Lock the round for a recomputation, or 409 when it is past draft (the round's row stays locked on
    PostgreSQL until the transaction ends; SQLite's IMMEDIATE transactions serialise writers anyway)."""
    updated = RatingRound.objects.filter(pk=rating_round.pk, status=RatingRound.Status.DRAFT).update(
        computed_at=timezone.now()
    )
    if updated != 1:
        current = RatingRound.objects.filter(pk=rating_round.pk).values_list("status", flat=True).first() or ""
        raise TransitionNotAllowed(
            _("The %(year)s rating round is “%(status)s”: only a draft is recomputed.")
            % {"year": rating_round.year, "status": STATUS_LABELS.get(current, current)},
            current_status=current,
        )


@transaction.atomic
def rating_round_draft(*, year, actor=None) -> RoundResult:
    """Create the round of `year` and compute it, or recompute it while it is a draft (its ratings are
    replaced). Idempotent: the same data gives the same ratings. `actor` None: the yearly task or the
    command; otherwise a supervisor whose scope is all units."""
    if actor is not None:
        _require_all(actor, (Role.SUPERVISOR,), _("Only a supervisor responsible for all units can draft a rating."))
    year = check_year(year)
    created = False
    rating_round = RatingRound.objects.filter(year=year).first()
    if rating_round is None:
        try:
            with transaction.atomic():
                rating_round = RatingRound.objects.create(year=year)
                created = True
        except IntegrityError:  # a concurrent draft of the same year won
            rating_round = RatingRound.objects.get(year=year)
    _claim_draft(rating_round)
    result = _compute(rating_round, actor=actor)
    result.created = created
    audit_record(
        actor=actor,
        action="rating_round.draft" if created else "rating_round.recompute",
        target=rating_round,
        changes={
            "year": year,
            "ratings": result.ratings,
            "grades": result.grades,
            "unresolved_ties": result.unresolved_ties,
            "vetoed": result.vetoed,
            "quotas": rating_round.quotas,
            "weights": rating_round.weights,
        },
    )
    return result


def _check_points(points) -> Decimal:
    try:
        value = Decimal(str(points))
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(_("Give the points as a number, e.g. 2 or -1.5."), field="points") from None
    if not value.is_finite():
        raise DomainError(_("Give the points as a number, e.g. 2 or -1.5."), field="points")
    if value != value.quantize(Decimal("0.01")):
        raise DomainError(_("Points have at most two decimal places."), field="points")
    if not value:
        raise DomainError(_("An adjustment of 0 points changes nothing; give a bonus or a penalty."), field="points")
    if abs(value) > MAX_ADJUSTMENT_POINTS:
        raise DomainError(
            _("An adjustment is at most %(max)s points either way.") % {"max": MAX_ADJUSTMENT_POINTS}, field="points"
        )
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def rating_adjust(*, actor, round: RatingRound, unit: Unit, points, reason: str) -> RatingAdjustment:
    """Manual bonus (positive) or penalty (negative) points for a rated unit in a draft round, with a
    reason; the round is recomputed at once."""
    rating_round = round
    _require_all(actor, (Role.SUPERVISOR,), _("Only a supervisor responsible for all units can adjust a rating."))
    reason = (reason or "").strip()
    value = _check_points(points)
    if not reason:
        raise DomainError(_("An adjustment needs a reason."), field="reason")
    if not rated_units().filter(pk=unit.pk).exists():
        raise DomainError(_("Only active squads and service windows are rated."), field="unit")
    _claim_draft(rating_round)
    adjustment = RatingAdjustment.objects.create(
        round=rating_round, unit=unit, points=value, reason=reason, created_by=actor
    )
    audit_record(
        actor=actor,
        action="rating_adjustment.create",
        target=adjustment,
        unit_id=unit.pk,
        changes={"round": rating_round.year, "points": str(value)},
        note=reason,
    )
    result = _compute(rating_round, actor=actor)
    audit_record(
        actor=actor,
        action="rating_round.recompute",
        target=rating_round,
        changes={
            "year": rating_round.year,
            "ratings": result.ratings,
            "grades": result.grades,
            "unresolved_ties": result.unresolved_ties,
            "after_adjustment": adjustment.pk,
        },
    )
    return adjustment


# --- ties ----------------------------------------------------------------------------------------------


@transaction.atomic
def rating_tie_decide(*, actor, rating: UnitRating, grade: str, reason: str) -> UnitRating:
    """The committee decides the grade of a unit in an unresolved tie of a proposed round: only one of the
    grades the tie's places span, never more of a grade than the tie holds places of it (the quotas stay
    as computed), never model or demonstration for a vetoed unit. When the tie's remaining places are
    then all of one grade, its remaining units get that grade in the same decision."""
    _require_all(actor, (Role.COMMITTEE,), _("Only the party committee decides a tie."))
    reason = (reason or "").strip()
    rating_round = RatingRound.objects.select_for_update().get(pk=rating.round_id)
    if rating_round.status != RatingRound.Status.PROPOSED:
        raise TransitionNotAllowed(
            _("Ties are decided while the round is proposed; the %(year)s round is “%(status)s”.")
            % {"year": rating_round.year, "status": rating_round.get_status_display()},
            current_status=rating_round.status,
        )
    rating = UnitRating.objects.select_related("unit").get(pk=rating.pk)
    if not rating.tie_unresolved:
        raise TransitionNotAllowed(
            _("%(unit)s has no unresolved tie: its grade is “%(grade)s”.")
            % {"unit": rating.unit.name, "grade": rating.get_grade_display()},
            current_status=rating_round.status,
        )
    if grade not in rating.tie_grades:
        allowed = "、".join(str(GRADE_LABELS[g]) for g in grading.GRADE_ORDER if g in rating.tie_grades)
        raise DomainError(
            _("Choose one of the grades at this boundary: %(grades)s.") % {"grades": allowed}, field="grade"
        )
    if rating.vetoed and grade in grading.VETO_EXCLUDED:
        raise DomainError(_("A vetoed unit (一票否决) can be neither model nor demonstration."), field="grade")
    if not reason:
        raise DomainError(_("A decision on a tie needs a reason."), field="reason")
    group = list(
        UnitRating.objects.filter(round=rating_round, tie_group=rating.tie_group)
        .select_related("unit")
        .order_by("rank", "unit__path")
    )
    decided = Counter(r.grade for r in group if not r.tie_unresolved)
    remaining = Counter(rating.tie_grades) - decided
    if remaining[grade] < 1:
        raise DomainError(
            _("All %(count)s place(s) of “%(grade)s” in this tie are taken.")
            % {"count": rating.tie_grades[grade], "grade": GRADE_LABELS[grade]},
            field="grade",
        )
    remaining[grade] -= 1
    others = [r for r in group if r.tie_unresolved and r.pk != rating.pk]
    vetoed_others = sum(r.vetoed for r in others)
    if vetoed_others > remaining[grading.STANDARD] + remaining[grading.WARNING]:
        raise DomainError(
            _("That would leave a vetoed unit of this tie only a model or demonstration place; choose another grade."),
            field="grade",
        )
    decision = _decide(actor=actor, rating=rating, grade=grade, reason=reason)
    remaining_grades = [g for g, count in remaining.items() if count > 0]
    if others and len(remaining_grades) == 1:
        with translation.override(settings.LANGUAGE_CODE):
            follow_reason = _("The only places left in the tie after the decision on %(unit)s: %(reason)s") % {
                "unit": rating.unit.name,
                "reason": reason,
            }
        for other in others:
            _decide(actor=actor, rating=other, grade=remaining_grades[0], reason=follow_reason)
    return decision


def _decide(*, actor, rating: UnitRating, grade: str, reason: str) -> UnitRating:
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Committee decision on the tie: “%(grade)s”. Reason: %(reason)s") % {
            "grade": GRADE_LABELS[grade],
            "reason": reason,
        }
    before = rating.grade
    updated = UnitRating.objects.filter(pk=rating.pk, tie_unresolved=True).update(
        grade=grade,
        tie_unresolved=False,
        grade_decided_by=actor,
        grade_decision_reason=reason,
        explanation=f"{rating.explanation}\n{note}",
    )
    if updated != 1:
        raise TransitionNotAllowed(
            _("%(unit)s has no unresolved tie any more.") % {"unit": rating.unit.name},
            current_status=RatingRound.Status.PROPOSED,
        )
    rating.refresh_from_db()
    audit_record(
        actor=actor,
        action="unit_rating.tie_decide",
        target=rating,
        unit_id=rating.unit_id,
        changes={"grade": {"before": before, "after": grade}, "tie_group": rating.tie_group},
        note=reason,
    )
    return rating


# --- workflow ------------------------------------------------------------------------------------------


def _committee_ids() -> list[int]:
    return list(
        User.objects.filter(is_active=True, role_assignments__role=Role.COMMITTEE, role_assignments__is_active=True)
        .distinct()
        .values_list("pk", flat=True)
    )


@transaction.atomic
def rating_round_propose(*, actor, round: RatingRound) -> RatingRound:
    """A supervisor proposes the draft to the party committee."""
    rating_round = round
    _require_all(actor, (Role.SUPERVISOR,), _("Only a supervisor responsible for all units can propose a rating."))
    if rating_round.status == RatingRound.Status.DRAFT and not rating_round.ratings.exists():
        raise DomainError(_("The round rates no unit; recompute it before proposing."), field="round")
    _claim(
        rating_round,
        allowed_from=RatingRound.Status.DRAFT,
        to=RatingRound.Status.PROPOSED,
        proposed_by=actor,
        proposed_at=timezone.now(),
    )
    ties = rating_round.ratings.filter(tie_unresolved=True).count()
    audit_record(
        actor=actor,
        action="rating_round.propose",
        target=rating_round,
        changes={**_status_change(RatingRound.Status.DRAFT, RatingRound.Status.PROPOSED), "unresolved_ties": ties},
    )
    body = _("Review and approve it, or return it with a reason.")
    if ties:
        body = _("%(ties)s unit(s) are in unresolved ties that the committee must decide before approval.") % {
            "ties": ties
        }
    notify(
        recipient_ids=_committee_ids(),
        message=Message(
            key=f"rating_round:{rating_round.pk}:proposed:{_occurrence(rating_round, 'rating_round.propose')}",
            title=_("The %(year)s Double Clean rating is proposed for approval") % {"year": rating_round.year},
            body=body,
            url=round_url(rating_round),
        ),
    )
    return rating_round


@transaction.atomic
def rating_round_return(*, actor, round: RatingRound, reason: str) -> RatingRound:
    """The committee sends the proposed round back to draft, with a reason."""
    rating_round = round
    _require_all(actor, (Role.COMMITTEE,), _("Only the party committee can return a proposed rating."))
    reason = (reason or "").strip()
    if rating_round.status == RatingRound.Status.PROPOSED and not reason:
        raise DomainError(_("Say why the rating is returned."), field="reason")
    _claim(
        rating_round,
        allowed_from=RatingRound.Status.PROPOSED,
        to=RatingRound.Status.DRAFT,
        returned_by=actor,
        returned_at=timezone.now(),
        return_reason=reason,
    )
    audit_record(
        actor=actor,
        action="rating_round.return",
        target=rating_round,
        changes=_status_change(RatingRound.Status.PROPOSED, RatingRound.Status.DRAFT),
        note=reason,
    )
    if rating_round.proposed_by_id:
        notify(
            recipient_ids=[rating_round.proposed_by_id],
            message=Message(
                key=f"rating_round:{rating_round.pk}:returned:{_occurrence(rating_round, 'rating_round.return')}",
                title=_("The %(year)s Double Clean rating was returned") % {"year": rating_round.year},
                body=reason,
                url=round_url(rating_round),
            ),
        )
    return rating_round


@transaction.atomic
def rating_round_approve(*, actor, round: RatingRound) -> RatingRound:
    """A committee member approves the proposed round; refused while a tie is unresolved, and never by the
    person who proposed it."""
    rating_round = round
    _require_all(actor, (Role.COMMITTEE,), _("Only the party committee approves a rating."))
    current = RatingRound.objects.filter(pk=rating_round.pk).values_list("status", "proposed_by_id").first()
    if current and current[0] == RatingRound.Status.PROPOSED:
        if current[1] == actor.pk:
            raise NotPermitted(_("The person who proposed the rating cannot also approve it."))
        ties = UnitRating.objects.filter(round_id=rating_round.pk, tie_unresolved=True).count()
        if ties:
            raise DomainError(
                _("%(ties)s unit(s) are still in unresolved ties; decide them before approving.") % {"ties": ties},
                field="ties",
            )
    _claim(
        rating_round,
        allowed_from=RatingRound.Status.PROPOSED,
        to=RatingRound.Status.APPROVED,
        approved_by=actor,
        approved_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="rating_round.approve",
        target=rating_round,
        changes={
            **_status_change(RatingRound.Status.PROPOSED, RatingRound.Status.APPROVED),
            "grades": dict(rating_round.ratings.values_list("grade").annotate(n=Count("id")).order_by()),
        },
    )
    return rating_round


@transaction.atomic
def rating_round_publish(*, actor, round: RatingRound) -> RatingRound:
    """Publish the approved round: its grades show on the unit pages and in the performance export, and
    the leaders of the rated units are told their units' grades."""
    rating_round = round
    _require_all(actor, PUBLISH_ROLES, _("Only a supervisor or the party committee can publish a rating."))
    _claim(
        rating_round,
        allowed_from=RatingRound.Status.APPROVED,
        to=RatingRound.Status.PUBLISHED,
        published_by=actor,
        published_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="rating_round.publish",
        target=rating_round,
        changes=_status_change(RatingRound.Status.APPROVED, RatingRound.Status.PUBLISHED),
    )
    ratings = list(rating_round.ratings.select_related("unit").order_by("unit__path"))
    leaders = role_holders_by_unit((Role.UNIT_LEADER,), [r.unit_id for r in ratings])
    by_leader: dict[int, list[UnitRating]] = {}
    for rating in ratings:
        for user_id in leaders.get(rating.unit_id, ()):
            by_leader.setdefault(user_id, []).append(rating)
    title = _("The %(year)s Double Clean rating is published") % {"year": rating_round.year}
    pairs = []
    for user_id, own in by_leader.items():
        body = "；".join(f"{r.unit.name}：{r.get_grade_display()}" for r in own[:30])
        if len(own) > 30:
            body += " …"
        pairs.append(
            (
                user_id,
                Message(
                    key=f"rating_round:{rating_round.pk}:published", title=title, body=body, url=round_url(rating_round)
                ),
            )
        )
    notify_many(pairs)
    return rating_round
