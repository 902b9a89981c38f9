from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rectification.services import deadline_scan


class Command(BaseCommand):
    help = "Mark due-soon and overdue rectification items, remind and escalate (idempotent per day)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to scan as, YYYY-MM-DD (default: today).")

    def handle(self, *args, **options):
        try:
            today = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, got {options['date']!r}") from None
        result = deadline_scan(today=today)
        self.stdout.write(
            f"{today}: {result.marked_overdue} newly overdue, {result.marked_due_soon} newly due soon, "
            f"{result.marked_normal} back on schedule, {result.escalations} escalations, "
            f"{result.notifications} notifications"
        )
