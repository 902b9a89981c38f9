"""`manage.py run_rating`, the yearly task and its beat entry."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from ratings.models import RatingRound
from ratings.tasks import rating_round_draft_task
from ratings.tests.conftest import YEAR

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("run_rating", *args, stdout=out)
    return out.getvalue()


def test_run_rating_drafts_then_recomputes_and_prints_a_table(org, distinct_scores, today):
    first = run("--year", str(YEAR))
    assert "2026 rating round (created" in first and "3 units" in first
    assert "A1" in first and "demonstration" in first and "B1" in first
    second = run("--year", str(YEAR))
    assert "recomputed" in second
    assert RatingRound.objects.count() == 1


def test_run_rating_refuses_a_round_past_draft_naming_the_problem(org, distinct_scores, today):
    run("--year", str(YEAR))
    RatingRound.objects.filter(year=YEAR).update(status=RatingRound.Status.PROPOSED)
    with pytest.raises(CommandError, match="proposed"):
        run("--year", str(YEAR))


@pytest.mark.parametrize("year", ["1999", "2099", "20x6"])
def test_run_rating_names_a_bad_year(org, today, year):
    with pytest.raises(CommandError, match="year"):
        run("--year", year)
    assert not RatingRound.objects.exists()


def test_the_task_drafts_the_previous_year_by_default_and_is_idempotent(org, distinct_scores, today):
    result = rating_round_draft_task()
    assert result["year"] == 2025 and result["created"] and result["ratings"] == 3
    again = rating_round_draft_task(2025)
    assert not again["created"] and again["grades"] == result["grades"]
    RatingRound.objects.filter(year=2025).update(status=RatingRound.Status.APPROVED)
    assert rating_round_draft_task(2025) == {"year": 2025, "skipped": "approved"}


def test_the_yearly_beat_entry_drafts_on_5_january():
    entry = settings.CELERY_BEAT_SCHEDULE["ratings-draft-yearly"]
    assert entry["task"] == "ratings.tasks.rating_round_draft_task"
    schedule = entry["schedule"]
    assert schedule.month_of_year == {1} and schedule.day_of_month == {5}
