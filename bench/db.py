"""PostgreSQL plumbing of the harness: the benchmark database, COPY, bulk loads without indexes.

Only the benchmark database (default `bigsup_bench`) is ever created, dropped or written; the
administrative connection to `postgres` is used for CREATE/DROP DATABASE of that one name only.
"""

import os
import re
from collections.abc import Iterable
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bigsup_bench"
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not _NAME.match(name):
        raise SystemExit(f"bench: the database name must be a plain identifier, got {name!r}")
    return name


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def database_exists(url: str) -> bool:
    with psycopg.connect(_admin_url(url), autocommit=True) as admin:
        row = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database_name(url)]).fetchone()
    return row is not None


def database_create(url: str) -> None:
    name = database_name(url)
    with psycopg.connect(_admin_url(url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')


def database_drop(url: str) -> None:
    """Drop the benchmark database (and only it); its open connections are ended first."""
    name = database_name(url)
    with psycopg.connect(_admin_url(url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def copy_lines(cursor, table: str, columns: Iterable[str], lines: Iterable[str], *, chunk: int = 4000) -> int:
    """COPY text-format lines (tab-separated, `\\N` for NULL, each ending with a newline) into
    `table`. The lines are written in chunks so that generation and loading overlap."""
    column_list = ", ".join(columns)
    written = 0
    buffer: list[str] = []
    with cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
        for line in lines:
            buffer.append(line)
            if len(buffer) >= chunk:
                copy.write("".join(buffer))
                written += len(buffer)
                buffer.clear()
        if buffer:
            copy.write("".join(buffer))
            written += len(buffer)
    return written


@contextmanager
def without_indexes(cursor, table: str):
    """Drop the table's secondary indexes and its foreign-key and unique constraints for a bulk
    load, and build them again afterwards (exactly as they were: their definitions are read from
    the catalogue first). The primary key stays."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC, conname",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s"
        " AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        [table, table],
    )
    indexes = cursor.fetchall()
    for name, _definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    for _name, definition in indexes:
        cursor.execute(definition)
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def sequence_reset(cursor, table: str) -> None:
    """Move the id sequence of `table` past its largest id (after a COPY with explicit ids)."""
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1,"  # noqa: S608
        " false)"
    )


def text(value) -> str:
    """One value in COPY text format (the generated values never hold tabs, newlines or backslashes)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


def line(values: Iterable) -> str:
    return "\t".join(text(value) for value in values) + "\n"
