from django.core.management.base import BaseCommand, CommandError

from risk.services import assessment_month, assessment_run


class Command(BaseCommand):
    help = (
        "Run the monthly comprehensive assessment (每月综合研判): every active monthly supervision model over "
        "the month, risk indices of persons, posts and units, and alerts; idempotent per month."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="The month, e.g. 2026-10 (default: the previous month).")

    def handle(self, *args, **options):
        try:
            month = assessment_month(options["month"])
        except ValueError as error:
            raise CommandError(f"--month: {error}") from None
        result = assessment_run(month=month)
        assessment = result.assessment
        self.stdout.write(
            f"{assessment.month:%Y-%m} (run {assessment.runs}): {result.hits} model hits, {result.scores} risk "
            f"scores, {result.alerts_created} new alerts, {result.alerts_withdrawn} withdrawn, "
            f"{assessment.alert_count} alerts in all"
        )
