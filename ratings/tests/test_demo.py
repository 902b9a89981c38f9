"""The ratings demo (ratings.demo, run by `manage.py seed_demo` after the cases demo): a published 2026
round with one bonus and one penalty, no unresolved tie, scoped like everything else; written once."""

from io import StringIO

from django.core.management import call_command

from accounts.models import User
from ratings.models import RatingAdjustment, RatingRound, UnitRating
from ratings.selectors import rating_round_visible_to, unit_rating_visible_to


def test_the_demo_publishes_the_2026_round_once(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Ratings demo: 2026 round published" in out.getvalue()

    rating_round = RatingRound.objects.get(year=2026)
    assert rating_round.status == RatingRound.Status.PUBLISHED
    assert rating_round.proposed_by.username == "supervisor"
    assert rating_round.approved_by.username == "committee"
    assert rating_round.ratings.count() > 10
    assert not rating_round.ratings.filter(tie_unresolved=True).exists()
    points = sorted(RatingAdjustment.objects.filter(round=rating_round).values_list("points", flat=True))
    assert len(points) == 2 and points[0] < 0 < points[1]
    assert all(RatingAdjustment.objects.values_list("reason", flat=True))

    # scoped: the second brigade's squad leader sees the published round and only their own squad
    squad_leader2 = User.objects.get(username="squad_leader2")
    assert rating_round_visible_to(squad_leader2).filter(pk=rating_round.pk).exists()
    assert set(unit_rating_visible_to(squad_leader2).values_list("unit__code", flat=True)) == {"DD02-ZD01"}

    before = (RatingRound.objects.count(), UnitRating.objects.count(), RatingAdjustment.objects.count())
    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert "Ratings demo: already present, nothing written." in again.getvalue()
    assert (RatingRound.objects.count(), UnitRating.objects.count(), RatingAdjustment.objects.count()) == before
