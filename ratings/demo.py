"""The ratings part of the demo (called by `manage.py seed_demo` after the cases demo, in its transaction).

Everything goes through the services, as production would: the demo supervisor drafts the 2026 round,
adds one bonus and one penalty with their reasons, proposes it; the committee decides any tie the
secondary keys left unresolved and approves; the supervisor publishes. Written once: nothing happens
when the 2026 round exists.
"""

from collections import Counter

from accounts.demo_data import DEMO_TODAY
from accounts.models import User
from core.errors import DomainError
from ratings import grading
from ratings.models import Grade, RatingRound, UnitRating
from ratings.services import (
    rating_adjust,
    rating_round_approve,
    rating_round_draft,
    rating_round_propose,
    rating_round_publish,
    rating_tie_decide,
)

DEMO_YEAR = DEMO_TODAY.year
DEMO_SUPERVISOR = "supervisor"
DEMO_COMMITTEE = "committee"
BONUS = ("3", "该中队（窗口）年内获评市级“人民满意窗口”，经支队党委研究，加3分。")
PENALTY = ("-2", "年内被群众有效投诉2次（服务态度），经支队督察通报，减2分。")
TIE_REASON = "经支队党委会议研究，综合年度日常督察和群众评议情况裁定。"


def _resolve_ties(rating_round: RatingRound, committee: User) -> int:
    """Decide every unresolved tie as the committee: the first unit of each tie (by rank, then unit) gets
    the best grade still open to it; the service gives the rest of the tie the remaining places."""
    decided = 0
    while True:
        rating = (
            UnitRating.objects.filter(round=rating_round, tie_unresolved=True)
            .select_related("unit")
            .order_by("tie_group", "rank", "unit__path")
            .first()
        )
        if rating is None:
            return decided
        for grade in grading.GRADE_ORDER:
            if grade not in rating.tie_grades:
                continue
            try:
                rating_tie_decide(actor=committee, rating=rating, grade=grade, reason=TIE_REASON)
            except DomainError:
                continue
            decided += 1
            break
        else:  # pragma: no cover - the service always leaves one grade open
            raise RuntimeError(f"no grade could be decided for {rating.unit}")


def seed_ratings_demo() -> str:
    """Write the demo objects once; return the summary line for the seed_demo output."""
    if RatingRound.objects.filter(year=DEMO_YEAR).exists():
        return "Ratings demo: already present, nothing written."
    supervisor = User.objects.get(username=DEMO_SUPERVISOR)
    committee = User.objects.get(username=DEMO_COMMITTEE)
    result = rating_round_draft(year=DEMO_YEAR, actor=supervisor)
    rating_round = result.rating_round
    ratings = list(rating_round.ratings.select_related("unit").order_by("rank", "unit__path"))
    if len(ratings) >= 2:
        # The bonus to a unit in the middle of the order, the penalty to the unit just above the bottom.
        bonus_unit = ratings[len(ratings) // 2].unit
        penalty_unit = ratings[-2].unit if ratings[-2].unit != bonus_unit else ratings[-1].unit
        rating_adjust(actor=supervisor, round=rating_round, unit=bonus_unit, points=BONUS[0], reason=BONUS[1])
        rating_adjust(actor=supervisor, round=rating_round, unit=penalty_unit, points=PENALTY[0], reason=PENALTY[1])
    rating_round_propose(actor=supervisor, round=rating_round)
    ties = _resolve_ties(rating_round, committee)
    rating_round_approve(actor=committee, round=rating_round)
    rating_round_publish(actor=supervisor, round=rating_round)
    grades = Counter(rating_round.ratings.values_list("grade", flat=True))
    summary = ", ".join(f"{grades.get(grade, 0)} {grade}" for grade in Grade.values)
    vetoed = rating_round.ratings.filter(vetoed=True).count()
    return (
        f"Ratings demo: {DEMO_YEAR} round published for {sum(grades.values())} units ({summary}); "
        f"{vetoed} vetoed, {ties} tie decision(s), 2 adjustments."
    )
