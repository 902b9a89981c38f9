from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError, TransitionNotAllowed
from ratings.models import Grade
from ratings.services import previous_year, rating_round_draft

FLAGS = {"vetoed": "veto", "tie_unresolved": "TIE"}


class Command(BaseCommand):
    help = (
        "Draft the Double Clean rating (双清示范创建) of a year, or recompute it while it is a draft: every "
        "active squad and service window, scored from the weighted indicators and graded by the forced "
        "distribution (10 % / 40 % / bottom 10 %). Idempotent; a round past draft is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", help="The year rated, e.g. 2026 (default: the previous year).")

    def handle(self, *args, **options):
        year = options["year"] or previous_year()
        try:
            result = rating_round_draft(year=year)
        except TransitionNotAllowed as error:
            raise CommandError(
                f"the {year} rating round is {error.current_status}: only a draft is recomputed "
                "(the committee returns a proposed round to draft)"
            ) from None
        except DomainError as error:
            raise CommandError(f"--{error.field or 'year'}: {error.message}") from None
        rating_round = result.rating_round
        self.stdout.write(
            f"{rating_round.year} rating round ({'created' if result.created else 'recomputed'}, "
            f"{rating_round.get_status_display()}): {result.ratings} units"
        )
        self.stdout.write(f"{'rank':>4}  {'score':>9}  {'grade':<14} {'flags':<9} unit")
        for rating in rating_round.ratings.select_related("unit").order_by("rank", "unit__path"):
            flags = ",".join(label for name, label in FLAGS.items() if getattr(rating, name))
            unit = f"{rating.unit.code} {rating.unit.name}"
            self.stdout.write(f"{rating.rank:>4}  {rating.score:>9}  {rating.grade:<14} {flags:<9} {unit}")
        grades = ", ".join(f"{result.grades.get(grade, 0)} {grade}" for grade in Grade.values)
        self.stdout.write(f"grades: {grades}; vetoed: {result.vetoed}; unresolved ties: {result.unresolved_ties}")
