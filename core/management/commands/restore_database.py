"""`manage.py restore_database DIR --target NAME_OR_PATH [--media-root DIR]` (docs/BACKUP.md).

Restores into a NEW PostgreSQL database on the configured server, or a NEW SQLite file; never over the
live database. Then run `verify_restore DIR` with DATABASE_URL pointing at the restored database.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup into a new database (and, optionally, a new media directory)."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="The backup directory.")
        parser.add_argument("--target", required=True, help="New PostgreSQL database name, or new SQLite file path.")
        parser.add_argument("--media-root", type=Path, help="An empty directory to restore the uploaded files into.")

    def handle(self, *args, directory, target, media_root, **options):
        if not (directory / "manifest.json").exists():
            raise CommandError(f"{directory} holds no backup (manifest.json is missing).")
        try:
            manifest = backup_restore(directory=directory, target=target, media_root=media_root)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Restored the {manifest['engine']} backup of {manifest['created_at']} into {target}.")
        )
