"""`manage.py verify_restore DIR`: check the current database (a restored one) against a backup's manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import backup_verify


class Command(BaseCommand):
    help = "Compare row counts and the audit chain of the current database with a backup's manifest."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="The backup directory.")

    def handle(self, *args, directory, **options):
        if not (directory / "manifest.json").exists():
            raise CommandError(f"{directory} holds no backup (manifest.json is missing).")
        problems = backup_verify(directory=directory)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"The restored database does not match the backup ({len(problems)} problems).")
        self.stdout.write(self.style.SUCCESS("Row counts and the audit chain match the backup."))
