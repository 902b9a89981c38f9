"""`manage.py backup_database DIR [--no-media]`: a backup of the database and MEDIA_ROOT (docs/BACKUP.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database (pg_dump, or SQLite's online backup) and the uploaded files into a new directory."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="A directory that does not exist yet.")
        parser.add_argument("--no-media", action="store_true", help="Leave MEDIA_ROOT out.")

    def handle(self, *args, directory, no_media, **options):
        try:
            result = backup_create(directory=directory, include_media=not no_media)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(result.manifest["counts"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {result.directory}: {len(result.manifest['counts'])} tables, {rows} rows, "
                f"audit head #{result.manifest['audit_head']['seq']}."
            )
        )
