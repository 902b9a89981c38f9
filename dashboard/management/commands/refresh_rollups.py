from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dashboard.rollups import rollups_refresh


class Command(BaseCommand):
    help = (
        "Refresh the monthly rollups of the dashboard (findings, items, alerts, circuit breaks, cases, business "
        "records): by default the months each measure needs; with --month, that month of every measure. "
        "Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="Recompute this month of every measure, e.g. 2026-10.")

    def handle(self, *args, **options):
        month = None
        if options["month"]:
            try:
                month = datetime.strptime(options["month"].strip(), "%Y-%m").date()
            except ValueError:
                raise CommandError(f"--month: the month must look like 2026-10, got {options['month']!r}") from None
        result = rollups_refresh(month=month)
        for measure, months in result.months.items():
            span = f"{months[0]}..{months[-1]} ({len(months)} months)" if months else "no months"
            self.stdout.write(f"{measure}: {span}, {result.rows[measure]} rows")
        self.stdout.write(f"refreshed at {timezone.localtime(result.refreshed_at):%Y-%m-%d %H:%M:%S}")
