"""The yearly Double Clean rating draft as a Celery task (beat: 5 January, the year that has just ended)."""

import logging

from celery import shared_task

from core.errors import TransitionNotAllowed
from ratings.services import previous_year, rating_round_draft

logger = logging.getLogger(__name__)


@shared_task(soft_time_limit=1500, time_limit=1800)
def rating_round_draft_task(year: int | None = None) -> dict:
    """Draft (or recompute, while it is a draft) the round of `year` (default: the previous year).
    Idempotent: the same data gives the same ratings. A round past draft is left alone and reported."""
    year = year or previous_year()
    try:
        result = rating_round_draft(year=year)
    except TransitionNotAllowed as error:
        logger.warning("rating round %s not recomputed: it is %s", year, error.current_status)
        return {"year": year, "skipped": error.current_status}
    return {
        "year": year,
        "round": result.rating_round.pk,
        "created": result.created,
        "ratings": result.ratings,
        "grades": result.grades,
        "unresolved_ties": result.unresolved_ties,
    }
