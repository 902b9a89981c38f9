from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from archive.services import archive_freeze
from core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Freeze the integrity archive (廉政档案) of an ended year: one snapshot for every unit and person "
        "that has none for that year yet. Existing snapshots are never rewritten; a re-run creates nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", help="The year to freeze, e.g. 2025 (default: the previous year).")

    def handle(self, *args, **options):
        text = options["year"]
        year = timezone.localdate().year - 1 if text is None else text.strip()
        try:
            result = archive_freeze(year=year)
        except DomainError as error:
            raise CommandError(f"{error.field or 'error'}: {error.message}") from None
        self.stdout.write(f"{result.year}: {result.created} archive snapshots frozen, {result.existing} already frozen")
