from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.services import RowErrors, calendar_import, calendar_rows_parse


class Command(BaseCommand):
    help = "Import a year's holidays and make-up workdays from a CSV file (date,kind,name)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV with columns date (YYYY-MM-DD), kind (holiday|workday), name")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            rows = calendar_rows_parse(path.read_text(encoding="utf-8"))
            result = calendar_import(actor=None, rows=rows)
        except RowErrors as error:
            lines = [f"row {e['row']}, {e['field']}: {e['error']}" for e in error.errors]
            raise CommandError(f"{error.message}\n" + "\n".join(lines)) from None
        self.stdout.write(f"{result['created']} created, {result['deleted']} removed, {result['unchanged']} unchanged")
