"""`manage.py import_business_records FILE [--skip-invalid] [--format json|csv]`.

The file holds rows of the import format (risk.importing.FIELDS): a JSON array (or
`{"records": [...]}`) or a CSV whose header is the field names. The system imports for every unit;
everything else (validation, idempotency, unknown references) is business_records_import's.
"""

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.services import RowErrors
from risk.importing import business_record_rows_from_csv, business_records_import

# At most this many row errors or unknown references are printed; the rest are counted.
SHOWN = 50


class Command(BaseCommand):
    help = "Import business records (业务流水) from a JSON or CSV file; idempotent by (source_system, external_id)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="A .json or .csv file in the import format.")
        parser.add_argument("--skip-invalid", action="store_true", help="Import the good rows and report the bad ones.")
        parser.add_argument(
            "--format", choices=["json", "csv"], help="The file's format (default: from its extension)."
        )

    def handle(self, *args, file: Path, skip_invalid: bool, format: str | None, **options):
        started = time.monotonic()
        rows, first_row = self.read(file, format or file.suffix.lstrip(".").lower())
        try:
            result = business_records_import(actor=None, rows=rows, skip_invalid=skip_invalid, first_row=first_row)
        except RowErrors as error:
            raise CommandError(f"{error.message}\n{self.describe(error.errors)}") from None
        elapsed = time.monotonic() - started
        total = result.created + result.updated + result.skipped

        self.stdout.write(
            f"{total} rows: {result.created} created, {result.updated} updated, {result.skipped} skipped "
            f"in {elapsed:.1f} s ({total / max(elapsed, 1e-6):,.0f} rows/s)."
        )
        if result.errors:
            self.stdout.write(self.style.WARNING(f"Skipped rows:\n{self.describe(result.errors)}"))
        if result.unknown_references:
            lines = [f"  row {ref['row']}: {ref['field']} {ref['value']}" for ref in result.unknown_references[:SHOWN]]
            more = len(result.unknown_references) - SHOWN
            if more > 0:
                lines.append(f"  … and {more} more")
            self.stdout.write(
                self.style.WARNING(
                    f"{len(result.unknown_references)} unknown badges or accounts (imported):\n" + "\n".join(lines)
                )
            )

    def read(self, file: Path, format: str) -> tuple[list, int]:
        if format not in ("json", "csv"):
            raise CommandError(f"Cannot tell the format of {file}: pass --format json or --format csv.")
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text.") from None
        if format == "csv":
            try:
                # Lazily: the file is parsed while the import writes what it has validated.
                return business_record_rows_from_csv(text, lazy=True), 2
            except RowErrors as error:
                raise CommandError(f"{error.message}\n{self.describe(error.errors)}") from None
        try:
            data = json.loads(text.lstrip("\ufeff"))
        except json.JSONDecodeError as error:
            raise CommandError(f"{file} is not valid JSON: {error}") from None
        if isinstance(data, dict) and isinstance(data.get("records"), list):
            data = data["records"]
        if not isinstance(data, list):
            raise CommandError(f'{file}: expected a JSON array of records or {{"records": [...]}}.')
        return data, 1

    @staticmethod
    def describe(errors: list[dict]) -> str:
        lines = [f"  row {e['row']}: {e['field'] or '-'}: {e['error']}" for e in errors[:SHOWN]]
        if len(errors) > SHOWN:
            lines.append(f"  … and {len(errors) - SHOWN} more errors")
        rows = sorted({e["row"] for e in errors})
        lines.append(f"Bad rows: {', '.join(map(str, rows[:200]))}{' …' if len(rows) > 200 else ''}")
        return "\n".join(lines)
