"""Fixtures of the rating tests, on the shared organisation (rated units: squads A1, A2 and B1)."""

import pytest

from audit.models import AuditEvent
from core.models import Notification
from ratings.models import RatingAdjustment, RatingRound, UnitRating
from ratings.services import rating_round_draft, rating_round_propose
from ratings.tests import factories as f

YEAR = 2026


@pytest.fixture
def distinct_scores(org, squad_leader, outsider):
    """Scores without ties: A1 110, A2 90 (one general finding, nobody in service), B1 50 (one serious
    finding, one person in service: the outsider). With 3 units: 0 model, 1 demonstration, 0 warning."""
    f.finding(org.a2, severity="general")
    f.finding(org.b1, severity="serious")


@pytest.fixture
def draft(supervisor, distinct_scores, today) -> RatingRound:
    return rating_round_draft(year=YEAR, actor=supervisor).rating_round


@pytest.fixture
def proposed(draft, supervisor) -> RatingRound:
    return rating_round_propose(actor=supervisor, round=draft)


@pytest.fixture
def tied_draft(org, supervisor, squad_leader, outsider, today) -> RatingRound:
    """No data at all: the three squads score the same and tie across demonstration / standard."""
    return rating_round_draft(year=YEAR, actor=supervisor).rating_round


def state(rating_round: RatingRound) -> tuple:
    """Everything a refused step must leave as it was."""
    rating_round = RatingRound.objects.get(pk=rating_round.pk)
    return (
        rating_round.status,
        rating_round.proposed_by_id,
        rating_round.approved_by_id,
        rating_round.published_by_id,
        rating_round.returned_by_id,
        rating_round.computed_at,
        list(
            UnitRating.objects.filter(round=rating_round)
            .order_by("unit_id")
            .values_list("unit_id", "score", "rank", "grade", "tie_unresolved", "grade_decided_by_id")
        ),
        RatingAdjustment.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )
