"""Backup and restore round trip (docs/BACKUP.md): on SQLite and on PostgreSQL, the restored database
has the same row counts and an intact audit chain, checked by `verify_restore` in a separate process
pointed at the restored database, as an operator would run it."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from audit.models import AuditEvent
from core.backup import MANIFEST, BackupError, backup_create, table_counts
from supervision.models import Evidence

ROOT = Path(settings.BASE_DIR)


def _verify_in_process(database_url: str, directory: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    return subprocess.run(
        [sys.executable, "manage.py", "verify_restore", str(directory)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _restored_url(target: str) -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{target}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{target}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_and_restore_round_trip(tmp_path, submitted_item, settings):
    # given a database with a whole rectification journey (audited) and its evidence files
    assert AuditEvent.objects.count() > 5
    assert Evidence.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    evidence_files = sorted(p.relative_to(media) for p in media.rglob("*") if p.is_file())
    assert evidence_files

    backup = tmp_path / "backup"
    result = backup_create(directory=backup)
    assert (backup / MANIFEST).exists()
    assert result.manifest["counts"] == table_counts()

    target = str(tmp_path / "restored.sqlite3") if connection.vendor == "sqlite" else f"restore_{uuid.uuid4().hex[:12]}"
    restored_media = tmp_path / "restored-media"
    call_command("restore_database", str(backup), "--target", target, "--media-root", str(restored_media))
    try:
        # then the restored database matches: counts, the audit head and the whole chain
        check = _verify_in_process(_restored_url(target), backup)
        assert check.returncode == 0, check.stderr
        assert "match the backup" in check.stdout
        # and the files came back
        assert sorted(p.relative_to(restored_media) for p in restored_media.rglob("*") if p.is_file()) == evidence_files

        # and a tampered restore is caught: delete the last audit event behind the application's back
        if connection.vendor == "sqlite":
            import sqlite3

            with sqlite3.connect(target) as raw:
                raw.execute("DELETE FROM audit_auditevent WHERE seq = (SELECT MAX(seq) FROM audit_auditevent)")
            broken = _verify_in_process(_restored_url(target), backup)
            assert broken.returncode != 0
            assert "audit" in broken.stderr
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{target}"')


def test_a_backup_never_overwrites(tmp_path, db):
    (tmp_path / "existing").mkdir()
    with pytest.raises(BackupError, match="already exists"):
        backup_create(directory=tmp_path / "existing")


def test_restore_needs_a_backup_directory(tmp_path, db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"manifest\.json"):
        call_command("restore_database", str(tmp_path), "--target", str(tmp_path / "x.sqlite3"))
