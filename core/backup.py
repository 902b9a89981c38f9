"""Backup and restore of the database and the uploaded files (docs/BACKUP.md explains the procedure).

A backup is a directory holding:
- `database.dump` (PostgreSQL: `pg_dump --format=custom`) or `database.sqlite3` (SQLite: an online
  copy through SQLite's backup API, consistent while the server runs);
- `media.tar.gz`: MEDIA_ROOT (evidence files, generated reports);
- `manifest.json`: when, which engine, the row count of every table and the head of the audit chain,
  so that a restore can be checked against what was backed up.

Restore writes into an EMPTY target (a new PostgreSQL database or a new SQLite file): it never
overwrites the live database by itself. Switching the application over is an operator's step.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA_ARCHIVE = "media.tar.gz"


class BackupError(Exception):
    pass


@dataclass
class BackupResult:
    directory: Path
    manifest: dict


def table_counts() -> dict[str, int]:
    """Row count of every table of the installed models (one COUNT per table)."""
    counts = {}
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table in existing and table not in counts:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608  (table names come from the model registry, quoted)
                counts[table] = cursor.fetchone()[0]
    return dict(sorted(counts.items()))


def _audit_head() -> dict:
    last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    return {"seq": last["seq"], "hash": last["hash"]} if last else {"seq": None, "hash": None}


def _pg_env(db: dict) -> dict:
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db: dict, name: str | None = None) -> list[str]:
    args = ["--dbname", name or db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return args


def _run(command: list[str], env: dict | None = None) -> None:
    executable = shutil.which(command[0])
    if executable is None:
        raise BackupError(f"{command[0]} is not installed.")
    completed = subprocess.run([executable, *command[1:]], env=env, capture_output=True, text=True, check=False)  # noqa: S603  (fixed argument list, no shell)
    if completed.returncode != 0:
        raise BackupError(f"{command[0]} failed: {completed.stderr.strip()[:2000]}")


def backup_create(*, directory: Path, include_media: bool = True) -> BackupResult:
    """Write a backup of the default database (and MEDIA_ROOT) into `directory`, which must not exist."""
    directory = Path(directory)
    if directory.exists():
        raise BackupError(f"{directory} already exists; a backup never overwrites.")
    directory.mkdir(parents=True)
    db = connection.settings_dict
    vendor = connection.vendor
    # Counts and the audit head are read before the copy; writes that land between the two are in the
    # copy but not in the manifest, so verification compares "at least" for a live system.
    manifest = {
        "created_at": timezone.now().isoformat(),
        "engine": vendor,
        "counts": table_counts(),
        "audit_head": _audit_head(),
        "media": include_media,
    }
    if vendor == "postgresql":
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(directory / PG_DUMP), *_pg_args(db)], _pg_env(db)
        )
    elif vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(directory / SQLITE_COPY)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        raise BackupError(f"No backup procedure for {vendor}.")
    if include_media:
        media_root = Path(settings.MEDIA_ROOT)
        with tarfile.open(directory / MEDIA_ARCHIVE, "w:gz") as archive:
            if media_root.exists():
                archive.add(media_root, arcname="media")
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return BackupResult(directory=directory, manifest=manifest)


def backup_restore(*, directory: Path, target: str, media_root: Path | None = None) -> dict:
    """Restore the backup in `directory` into `target`: a PostgreSQL database name (created; it must not
    exist) on the same server as the default database, or a SQLite file path (must not exist). Media go to
    `media_root` when given (must be empty or absent). Returns the manifest."""
    directory = Path(directory)
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    if manifest["engine"] == "postgresql":
        db = connection.settings_dict
        env = _pg_env(db)
        _run(["createdb", *_pg_args(db, target)[2:], target], env)
        _run(["pg_restore", "--no-owner", "--exit-on-error", *_pg_args(db, target), str(directory / PG_DUMP)], env)
    elif manifest["engine"] == "sqlite":
        path = Path(target)
        if path.exists():
            raise BackupError(f"{path} already exists; restore into a new file.")
        source = sqlite3.connect(directory / SQLITE_COPY)
        destination = sqlite3.connect(path)
        try:
            source.backup(destination)
        finally:
            source.close()
            destination.close()
    else:
        raise BackupError(f"No restore procedure for {manifest['engine']}.")
    if media_root is not None and manifest.get("media"):
        media_root = Path(media_root)
        if media_root.exists() and any(media_root.iterdir()):
            raise BackupError(f"{media_root} is not empty.")
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(directory / MEDIA_ARCHIVE, "r:gz") as archive:
            archive.extractall(media_root.parent / "_restore_tmp", filter="data")
        extracted = media_root.parent / "_restore_tmp" / "media"
        if extracted.exists():
            for item in extracted.iterdir():
                shutil.move(str(item), media_root / item.name)
        shutil.rmtree(media_root.parent / "_restore_tmp", ignore_errors=True)
    return manifest


def backup_verify(*, directory: Path) -> list[str]:
    """Check the CURRENT default database (point DATABASE_URL at the restored one) against the backup's
    manifest: every table has at least the backed-up rows (exactly, for a backup of a quiet system), the
    audit event named as the chain's head is there with the same hash, and the whole chain verifies.
    Returns the problems found (empty: the restore is good)."""
    from audit.services import audit_chain_verify

    manifest = json.loads((Path(directory) / MANIFEST).read_text(encoding="utf-8"))
    problems = []
    counts = table_counts()
    for table, expected in manifest["counts"].items():
        found = counts.get(table)
        if found is None:
            problems.append(f"table {table} is missing")
        elif found < expected:
            problems.append(f"table {table}: {found} rows, the backup had {expected}")
    head = manifest["audit_head"]
    if head["seq"] is not None and not AuditEvent.objects.filter(seq=head["seq"], hash=head["hash"]).exists():
        problems.append(f"audit event #{head['seq']} is missing or differs")
    report = audit_chain_verify()
    if not report.is_intact:
        problems.append(f"audit chain: {report.message}")
    return problems
