"""Import of business records (业务流水) from the business systems: the API's bulk endpoint and the
`import_business_records` / `seed_business_records` commands all call `business_records_import`.

The import format is a list of rows with exactly these fields (see FIELDS); a CSV file has them as
its header. Every row is validated before anything is written, and every bad row is named with its
row number, field and reason (1-based; in a CSV the header is row 1):

- a batch with a bad row is rejected whole (RowErrors, nothing written) unless `skip_invalid`; then
  the good rows land and the bad ones come back in `ImportResult.errors`;
- the same (source_system, external_id) updates the stored record, never duplicates it; the same key
  twice in one batch is a bad row (its second occurrence);
- `unit_code` must name a unit (a record that cannot be scoped is a bad row) within the importer's data
  scope; an unknown `operator_badge` (no person has it) or `operator_account` (neither a person's badge
  number, the unified police identity the business systems log in with, nor a platform username) is
  imported as it is and reported in `ImportResult.unknown_references`, never dropped silently.

Writing is set-based, in chunks of 50,000 rows inside one transaction. On PostgreSQL the new records
of a chunk are COPYed straight into the table and the ones already stored land through a staging
table with ONE `INSERT ... SELECT ... ON CONFLICT DO UPDATE` (a record sent again unchanged is left
alone); a helper thread on the same connection writes one chunk while the next is validated.
Elsewhere `bulk_create(update_conflicts=True)` in batches of 1000. `updated` counts the rows that
matched a stored record. Units and persons are resolved with one lookup each for the whole batch
(plus one for platform usernames among the accounts), never per row. One audit event per import.
"""

import csv
import gc
import io
import ipaddress
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from itertools import islice

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Person, Role, Unit, User
from accounts.selectors import user_has_role, visible_units
from audit.services import audit_record
from core.errors import NotPermitted
from core.services import RowErrors
from risk.models import AREA_CHOICES, BusinessRecord

FIELDS = (
    "source_system",
    "external_id",
    "area",
    "business_type",
    "unit_code",
    "operator_badge",
    "operator_account",
    "device_id",
    "client_ip",
    "applicant_id",
    "agent_id",
    "accepted_at",
    "completed_at",
    "time_limit_hours",
    "status",
    "flags",
    "amount",
    "points",
    "result",
)
FIELD_NAMES = frozenset(FIELDS)
REQUIRED_FIELDS = ("source_system", "external_id", "area", "business_type", "unit_code", "accepted_at", "status")
# Optional free-text fields and their column lengths (required ones are checked the same way).
TEXT_LENGTHS = {
    "source_system": 40,
    "external_id": 80,
    "business_type": 60,
    "unit_code": 32,
    "operator_badge": 20,
    "operator_account": 60,
    "device_id": 80,
    "applicant_id": 64,
    "agent_id": 64,
    "result": 200,
}
IMPORT_ROLES = (Role.API_CLIENT, Role.ADMIN)
BATCH_SIZE = 1000
# Rows validated and written at a time (the API's requests are at most one chunk).
CHUNK_SIZE = 50_000
# `IN (...)` lists are chunked to stay under SQLite's bound-parameter limit.
LOOKUP_CHUNK = 5000
FLAG_SEPARATORS = re.compile(r"[;|]")
# The common case of client_ip, checked without building an ipaddress object.
IPV4_PATTERN = re.compile(r"((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)")
BUSINESS_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
AREAS = frozenset(code for code, _label in AREA_CHOICES)
STATUSES = frozenset(BusinessRecord.Status.values)
FLAGS = frozenset(BusinessRecord.FLAGS)
AMOUNT_LIMIT = Decimal("10") ** 10  # max_digits 12, decimal_places 2
POINTS_LIMIT = 32767  # SmallIntegerField
HOURS_LIMIT = 2147483647  # PositiveIntegerField

# Columns written by an import: every concrete field but the primary key.
_COLUMNS = [f for f in BusinessRecord._meta.concrete_fields if not f.primary_key]
_KEY_FIELDS = ["source_system", "external_id"]
_UPDATE_FIELDS = [f.name for f in _COLUMNS if f.name not in _KEY_FIELDS]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[dict] = field(default_factory=list)
    unknown_references: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "errors": self.errors,
            "unknown_references": self.unknown_references,
        }


def access_business_record_import(user) -> None:
    """Only API clients (the business systems) and administrators import business records."""
    if not user_has_role(user, *IMPORT_ROLES):
        raise NotPermitted(_("Only an API client or an administrator can import business records."))


# --- parsing -------------------------------------------------------------------------------------------


def business_record_rows_from_csv(text: str, *, lazy: bool = False) -> list[dict] | Iterator[dict]:
    """The rows of a CSV with the import format's header (UTF-8 text). The header is row 1: a missing
    required column or an unknown one is reported there (RowErrors), at once. Cell values stay
    strings; the import validates them, numbering the first data row 2.

    `lazy`: an iterator instead of a list, so that a large file is read while the import writes
    what it has validated (import_business_records; bench B3)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in next(reader, [])]
    errors = [{"row": 1, "field": name, "error": _("missing column")} for name in REQUIRED_FIELDS if name not in header]
    errors += [{"row": 1, "field": name, "error": _("unknown column")} for name in header if name not in FIELDS]
    if errors:
        raise RowErrors(errors)
    rows = _csv_rows(reader, header)
    if lazy:
        return rows
    with _without_gc():
        return list(rows)


def _csv_rows(reader, header: list[str]) -> Iterator[dict]:
    """What csv.DictReader gives (blank lines skipped, missing cells None, extra cells a list under
    the key None), at twice its speed for the common, well-formed line (bench B3)."""
    width = len(header)
    for cells in reader:
        if len(cells) == width:
            yield dict(zip(header, cells, strict=True))
        elif cells:
            row = dict(zip(header, cells, strict=False))
            if len(cells) < width:
                row.update(dict.fromkeys(header[len(cells) :]))
            else:
                row[None] = cells[width:]
            yield row


@contextmanager
def _without_gc():
    """No cyclic garbage collection while building a million plain dicts (which hold no cycles):
    otherwise the collector walks the growing heap again and again (bench B3)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- validating one row --------------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, message: str):
        self.message = message


def _text(value, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Bad(_("must be a string"))
    value = str(value).strip()
    if len(value) > TEXT_LENGTHS[name]:
        raise _Bad(_("longer than %(limit)d characters") % {"limit": TEXT_LENGTHS[name]})
    return value


def _moment(value) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise _Bad(_("must be an ISO 8601 date-time string"))
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _Bad(_("not an ISO 8601 date-time")) from None
    if moment.utcoffset() is None:
        raise _Bad(_("has no UTC offset (e.g. 2026-10-09T09:30:00+08:00)"))
    return moment


def _whole_number(value, limit: int) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise _Bad(_("must be a whole number"))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise _Bad(_("must be a whole number")) from None
    if not isinstance(value, int):
        raise _Bad(_("must be a whole number"))
    if not 0 <= value <= limit:
        raise _Bad(_("must be between 0 and %(limit)d") % {"limit": limit})
    return value


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Bad(_("must be a number"))
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise _Bad(_("must be a number")) from None
    if not amount.is_finite() or abs(amount) >= AMOUNT_LIMIT:
        raise _Bad(_("must be a number below 10,000,000,000"))
    if amount != amount.quantize(Decimal("0.01")):
        raise _Bad(_("at most two decimal places"))
    return amount.quantize(Decimal("0.01"))


def _flags(value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        names = [name.strip() for name in FLAG_SEPARATORS.split(value) if name.strip()]
    elif isinstance(value, list) and all(isinstance(name, str) for name in value):
        names = [name.strip() for name in value]
    else:
        raise _Bad(_("must be a list of flags, or flags separated by ; or |"))
    unknown = sorted(set(names) - FLAGS)
    if unknown:
        raise _Bad(
            _("unknown flag %(flags)s; allowed: %(allowed)s")
            % {"flags": ", ".join(unknown), "allowed": ", ".join(BusinessRecord.FLAGS)}
        )
    return names


def _client_ip(value) -> str | None:
    if value in (None, ""):
        return None
    if type(value) is str and IPV4_PATTERN.fullmatch(value):
        return value
    if not isinstance(value, str):
        raise _Bad(_("must be an IPv4 or IPv6 address"))
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise _Bad(_("not an IPv4 or IPv6 address")) from None


def _hours(value) -> int | None:
    return _whole_number(value, HOURS_LIMIT)


def _points(value) -> int | None:
    return _whole_number(value, POINTS_LIMIT)


_PARSERS = (
    ("client_ip", _client_ip),
    ("accepted_at", _moment),
    ("completed_at", _moment),
    ("time_limit_hours", _hours),
    ("points", _points),
    ("amount", _amount),
    ("flags", _flags),
)


def _row_values(raw: dict) -> tuple[dict, list[tuple[str, str]]]:
    """The model field values of one raw row, and its (field, reason) errors. Called once per row of
    batches of up to hundreds of thousands: the common case (a string) takes the short path."""
    errors: list[tuple[str, str]] = []
    values: dict = {}
    get = raw.get

    if raw.keys() - FIELD_NAMES:
        for name in raw:
            if name is None:  # a CSV line with more cells than its header
                errors.append(("", _("more cells than the header has columns")))
            elif name not in FIELD_NAMES:
                errors.append((str(name), _("unknown field")))
    for name, limit in TEXT_LENGTHS.items():
        value = get(name)
        if type(value) is str and len(value) <= limit:
            values[name] = value.strip()
            continue
        try:
            values[name] = _text(value, name)
        except _Bad as bad:
            errors.append((name, bad.message))
    for name, parse in _PARSERS:
        try:
            values[name] = parse(get(name))
        except _Bad as bad:
            errors.append((name, bad.message))
    for name in ("area", "status"):
        value = raw.get(name)
        values[name] = value.strip() if isinstance(value, str) else value
    failed = {name for name, _reason in errors}
    for name in REQUIRED_FIELDS:
        if name not in failed and values.get(name) in (None, ""):
            errors.append((name, _("required")))
            failed.add(name)
    if "area" not in failed and values["area"] not in AREAS:
        errors.append(("area", _("must be one of %(allowed)s") % {"allowed": ", ".join(sorted(AREAS))}))
    if "status" not in failed and values["status"] not in STATUSES:
        errors.append(("status", _("must be one of %(allowed)s") % {"allowed": ", ".join(BusinessRecord.Status)}))
    if "business_type" not in failed and not BUSINESS_TYPE_PATTERN.match(values["business_type"]):
        errors.append(("business_type", _("must be a code such as violation.delete")))
    if not {"accepted_at", "completed_at"} & failed and values["completed_at"] is not None:
        if values["completed_at"] < values["accepted_at"]:
            errors.append(("completed_at", _("before accepted_at")))
    return values, errors


# --- the import ----------------------------------------------------------------------------------------


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _unit_ids(codes: set[str], actor) -> tuple[dict[str, int], set[str]]:
    """unit code -> id for the known codes, and the codes within the actor's import scope."""
    known: dict[str, int] = {}
    for chunk in _chunks(sorted(codes), LOOKUP_CHUNK):
        known.update(Unit.objects.filter(code__in=chunk).values_list("code", "pk"))
    if actor is None:  # the system (a management command) imports for every unit
        return known, set(known)
    allowed = set(visible_units(actor, roles=IMPORT_ROLES).filter(pk__in=known.values()).values_list("code", flat=True))
    return known, allowed


def _person_lookup(badges: set[str], accounts: set[str]) -> tuple[dict[str, int], set[str]]:
    """badge -> person id, and the accounts that name a person (by badge) or a platform user."""
    person_of: dict[str, int] = {}
    for chunk in _chunks(sorted(badges | accounts), LOOKUP_CHUNK):
        person_of.update(Person.objects.filter(badge_number__in=chunk).values_list("badge_number", "pk"))
    known_accounts = {account for account in accounts if account in person_of}
    for chunk in _chunks(sorted(accounts - known_accounts), LOOKUP_CHUNK):
        known_accounts.update(User.objects.filter(username__in=chunk).values_list("username", flat=True))
    return {badge: pk for badge, pk in person_of.items() if badge in badges}, known_accounts


@dataclass
class _Batch:
    """What the validation of the chunks accumulates, and the references resolved so far."""

    actor: object
    imported_at: datetime
    unit_ids: dict[str, int] = field(default_factory=dict)
    allowed_codes: set[str] = field(default_factory=set)
    person_of: dict[str, int] = field(default_factory=dict)
    known_accounts: set[str] = field(default_factory=set)
    looked_up: dict[str, set[str]] = field(default_factory=lambda: {"unit": set(), "badge": set(), "account": set()})
    errors: list[dict] = field(default_factory=list)
    unknown_references: list[dict] = field(default_factory=list)
    first_of_key: dict[tuple[str, str], int] = field(default_factory=dict)
    source_systems: set[str] = field(default_factory=set)

    def resolve(self, cleaned: list[tuple[int, dict]], *, before_queries) -> None:
        """Look up the unit codes, badges and accounts of `cleaned` not looked up yet (one query
        each, whatever the number of rows; none at all once a chunk brings nothing new).
        `before_queries` is called first when there is something to look up."""
        codes = {values["unit_code"] for _n, values in cleaned} - self.looked_up["unit"]
        badges = {values["operator_badge"] for _n, values in cleaned if values["operator_badge"]}
        accounts = {values["operator_account"] for _n, values in cleaned if values["operator_account"]}
        badges -= self.looked_up["badge"]
        accounts -= self.looked_up["account"]
        if codes or badges or accounts:
            before_queries()
        if codes:
            unit_ids, allowed = _unit_ids(codes, self.actor)
            self.unit_ids.update(unit_ids)
            self.allowed_codes |= allowed
            self.looked_up["unit"] |= codes
        if badges or accounts:
            person_of, known_accounts = _person_lookup(badges, accounts)
            self.person_of.update(person_of)
            self.known_accounts |= known_accounts
            self.looked_up["badge"] |= badges
            self.looked_up["account"] |= accounts


def _validated(rows: list, first_row: int, batch: _Batch) -> list[tuple[int, dict]]:
    """Validate one chunk of raw rows (no query): the good ones come back numbered, with their model
    field values; the bad ones are added to batch.errors (row number, field, reason)."""
    cleaned: list[tuple[int, dict]] = []
    errors, first_of_key = batch.errors, batch.first_of_key
    for number, raw in enumerate(rows, start=first_row):
        if not isinstance(raw, dict):
            errors.append({"row": number, "field": "", "error": _("not an object with the import fields")})
            continue
        values, row_errors = _row_values(raw)
        if not row_errors:
            key = (values["source_system"], values["external_id"])
            if key in first_of_key:
                row_errors.append(("external_id", _("repeats row %(row)d") % {"row": first_of_key[key]}))
            else:
                first_of_key[key] = number
        if row_errors:
            errors.extend({"row": number, "field": name, "error": reason} for name, reason in row_errors)
        else:
            cleaned.append((number, values))
    return cleaned


def _records_of(cleaned: list[tuple[int, dict]], batch: _Batch) -> list[dict]:
    """The validated rows of a chunk with their units and persons resolved (batch.resolve first);
    a unit unknown or outside the importer's scope is a bad row, an unknown badge or account is
    imported and reported in batch.unknown_references."""
    records: list[dict] = []
    errors = batch.errors
    unit_ids, allowed_codes = batch.unit_ids, batch.allowed_codes
    person_of, known_accounts = batch.person_of, batch.known_accounts
    for number, values in cleaned:
        code = values["unit_code"]
        if code not in unit_ids:
            errors.append({"row": number, "field": "unit_code", "error": _("unknown unit %(code)s") % {"code": code}})
            continue
        if code not in allowed_codes:
            errors.append(
                {
                    "row": number,
                    "field": "unit_code",
                    "error": _("unit %(code)s is outside your data scope") % {"code": code},
                }
            )
            continue
        badge, account = values["operator_badge"], values["operator_account"]
        if badge and badge not in person_of:
            batch.unknown_references.append({"row": number, "field": "operator_badge", "value": badge})
        if account and account not in known_accounts:
            batch.unknown_references.append({"row": number, "field": "operator_account", "value": account})
        flags = set(values.pop("flags"))
        values.update({f"flag_{flag}": flag in flags for flag in BusinessRecord.FLAGS})
        values.update(unit_id=unit_ids[code], operator_id=person_of.get(badge), imported_at=batch.imported_at)
        batch.source_systems.add(values["source_system"])
        records.append(values)
    return records


def _chunked(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


class _Writer:
    """Writes validated chunks inside the caller's transaction. On PostgreSQL, while the database
    takes in one chunk (COPY, upsert) the next one is validated: the write runs in a helper thread
    on the caller's own connection (so in its transaction), never two statements at once — the
    main thread issues no query while a write is under way. Elsewhere the chunks are written in
    turn."""

    def __init__(self) -> None:
        self.created = self.updated = 0
        self.wrapper = connections[DEFAULT_DB_ALIAS]
        self.pipelined = self.wrapper.vendor == "postgresql"
        self.pool: ThreadPoolExecutor | None = None
        self.pending: Future | None = None

    def write(self, records: list[dict]) -> None:
        if not self.pipelined:
            created, updated = _upsert_in_batches(records)
            self.created, self.updated = self.created + created, self.updated + updated
            return
        self.wait()
        if self.pool is None:
            self.wrapper.inc_thread_sharing()
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="business-records-import")
        self.pending = self.pool.submit(_upsert_with_copy, records, self.wrapper)

    def wait(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            created, updated = pending.result()
            self.created, self.updated = self.created + created, self.updated + updated

    def close(self) -> None:
        """Wait for the write under way (also when the import is failing), then release the thread."""
        if self.pool is None:
            return
        try:
            if self.pending is not None:
                wait([self.pending])
        finally:
            self.pool.shutdown(wait=True)
            self.pool = None
            self.wrapper.dec_thread_sharing()


def business_records_import(
    *, actor, rows: Iterable[dict], skip_invalid: bool = False, first_row: int = 1
) -> ImportResult:
    """Validate and upsert business records (see the module docstring).

    `rows` are dicts with the import format's field names (a list, or an iterator such as
    business_record_rows_from_csv(..., lazy=True) gives); values may be JSON-typed or CSV strings.
    `actor` None is the system (a management command: every unit); a user must be an API client or an
    administrator and imports only for units within that role's data scope. `first_row` is the number
    of rows[0] in the error report (2 for a CSV, whose header is row 1).

    The rows are validated and written in chunks of CHUNK_SIZE inside one transaction (on PostgreSQL
    the database writes one chunk while the next is validated: bench B3). A bad row found in any
    chunk, without `skip_invalid`, rolls everything back.

    Raises RowErrors (nothing written) when a row is bad and `skip_invalid` is not set.
    """
    if actor is not None:
        access_business_record_import(actor)
    batch = _Batch(actor=actor, imported_at=timezone.now())
    with transaction.atomic():
        writer = _Writer()
        try:
            with _without_gc():
                number = first_row
                for chunk in _chunked(rows, CHUNK_SIZE):
                    cleaned = _validated(chunk, number, batch)
                    number += len(chunk)
                    # A lookup needs the connection: the write under way finishes first.
                    batch.resolve(cleaned, before_queries=writer.wait)
                    records = _records_of(cleaned, batch)
                    if records and (skip_invalid or not batch.errors):
                        writer.write(records)
            writer.wait()
        finally:
            writer.close()
        errors = sorted(batch.errors, key=lambda error: error["row"])
        if errors and not skip_invalid:
            bad_rows = len({error["row"] for error in errors})
            exception = RowErrors(errors)
            exception.message = _("%(rows)d rows are invalid (%(errors)d errors); nothing was imported.") % {
                "rows": bad_rows,
                "errors": len(errors),
            }
            raise exception
        result = ImportResult(
            created=writer.created,
            updated=writer.updated,
            skipped=len({error["row"] for error in errors}),
            errors=errors,
            unknown_references=batch.unknown_references,
        )
        audit_record(
            actor=actor,
            action="business_records.import",
            object_type=BusinessRecord._meta.label_lower,
            object_repr=_("Business records import"),
            changes={
                "created": result.created,
                "updated": result.updated,
                "skipped": result.skipped,
                "unknown_references": len(batch.unknown_references),
                "source_systems": sorted(batch.source_systems),
            },
        )
    return result


def _upsert_in_batches(records: list[dict]) -> tuple[int, int]:
    """bulk_create(update_conflicts=True) in batches; one query per batch finds the existing keys
    so that created and updated can be told apart."""
    created = updated = 0
    for batch in _chunks(records, BATCH_SIZE):
        keys: dict[str, list[str]] = {}
        for record in batch:
            keys.setdefault(record["source_system"], []).append(record["external_id"])
        condition = Q()
        for source, external_ids in keys.items():
            condition |= Q(source_system=source, external_id__in=external_ids)
        existing = BusinessRecord.objects.filter(condition).count()
        BusinessRecord.objects.bulk_create(
            [BusinessRecord(**record) for record in batch],
            update_conflicts=True,
            unique_fields=_KEY_FIELDS,
            update_fields=_UPDATE_FIELDS,
        )
        created += len(batch) - existing
        updated += existing
    return created, updated


def _existing_keys(cursor, records: list[dict]) -> set[tuple[str, str]]:
    """The (source_system, external_id) of `records` already stored: one indexed lookup per source
    system (`external_id = ANY(array)` walks the unique index)."""
    by_source: dict[str, list[str]] = {}
    for record in records:
        by_source.setdefault(record["source_system"], []).append(record["external_id"])
    table = connection.ops.quote_name(BusinessRecord._meta.db_table)
    existing: set[tuple[str, str]] = set()
    for source, external_ids in by_source.items():
        cursor.execute(
            f"SELECT source_system, external_id FROM {table} WHERE source_system = %s AND external_id = ANY(%s)",  # noqa: S608
            [source, external_ids],
        )
        existing.update(cursor.fetchall())
    return existing


def _upsert_with_copy(records: list[dict], wrapper=None) -> tuple[int, int]:
    """Write `records` inside the caller's transaction: new ones with a plain COPY into the table,
    the ones already stored through a staging table and ONE INSERT ... SELECT ... ON CONFLICT DO
    UPDATE. Returns (created, updated).

    New records are the common case (the business systems push what has just happened), and COPY
    into the table is what the machine does fastest (bench B3: the staging upsert of every row cost
    1.6 times a COPY). So the COPY is tried first, in a savepoint; when the unique constraint stops
    it (some records are stored already), it is rolled back, the stored keys are looked up, the new
    records COPYed and the stored ones upserted; should a concurrent import store one of the "new"
    ones in between, every record takes the upsert. The result is the same on every path.

    `wrapper` is the connection to use (the caller's, when called from the import's writer thread).
    """
    wrapper = wrapper or connection
    with wrapper.cursor() as cursor:
        if _copy_into_table(cursor, records, wrapper):
            return len(records), 0
        existing = _existing_keys(cursor, records)
        fresh = [r for r in records if (r["source_system"], r["external_id"]) not in existing]
        if not fresh or not _copy_into_table(cursor, fresh, wrapper):
            return _upsert_with_staging(cursor, records, wrapper)
        stored = [r for r in records if (r["source_system"], r["external_id"]) in existing]
        created, updated = _upsert_with_staging(cursor, stored, wrapper) if stored else (0, 0)
    return len(fresh) + created, updated


def _copy_into_table(cursor, records: list[dict], wrapper) -> bool:
    """COPY `records` into the table in a savepoint; False (and nothing written) when one of them is
    stored already."""
    quote = wrapper.ops.quote_name
    table = quote(BusinessRecord._meta.db_table)
    column_list = ", ".join(quote(f.column) for f in _COLUMNS)
    attributes = [f.attname for f in _COLUMNS]
    cursor.execute("SAVEPOINT business_records_copy")
    try:
        with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
            for record in records:
                copy.write_row([record.get(name) for name in attributes])
    except psycopg.errors.UniqueViolation:
        cursor.execute("ROLLBACK TO SAVEPOINT business_records_copy")
        return False
    cursor.execute("RELEASE SAVEPOINT business_records_copy")
    return True


def _upsert_with_staging(cursor, records: list[dict], wrapper) -> tuple[int, int]:
    """COPY into a temporary staging table, then ONE INSERT ... SELECT ... ON CONFLICT DO UPDATE.

    An existing record whose values are all the same is left alone (a re-sent batch then costs no
    new row versions in the table's dozen indexes); it still counts as updated, as on other
    databases. `xmax = 0` tells the inserted rows from the updated ones.

    Every identifier in the SQL comes from the model's metadata; the values travel through COPY.
    """
    quote = wrapper.ops.quote_name
    table = quote(BusinessRecord._meta.db_table)
    staging = "risk_business_record_staging"
    column_list = ", ".join(quote(f.column) for f in _COLUMNS)
    attributes = [f.attname for f in _COLUMNS]
    updated_columns = [quote(f.column) for f in _COLUMNS if f.name in _UPDATE_FIELDS]
    compared_columns = [column for column in updated_columns if column != quote("imported_at")]
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in updated_columns)
    changed = "({}) IS DISTINCT FROM ({})".format(
        ", ".join(f"stored.{column}" for column in compared_columns),
        ", ".join(f"EXCLUDED.{column}" for column in compared_columns),
    )
    key_list = ", ".join(quote(BusinessRecord._meta.get_field(name).column) for name in _KEY_FIELDS)
    # A second import in the same transaction (seed_demo seeds month by month) finds the table.
    cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{staging}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS SELECT {column_list} FROM {table} WITH NO DATA"  # noqa: S608
    )
    with cursor.cursor.copy(f"COPY {staging} ({column_list}) FROM STDIN") as copy:
        for record in records:
            copy.write_row([record.get(name) for name in attributes])
    cursor.execute(
        f"WITH upserted AS ("  # noqa: S608
        f" INSERT INTO {table} AS stored ({column_list}) SELECT {column_list} FROM {staging}"
        f" ON CONFLICT ({key_list}) DO UPDATE SET {updates} WHERE {changed}"
        f" RETURNING (xmax = 0) AS inserted"
        f") SELECT COUNT(*) FILTER (WHERE inserted) FROM upserted"
    )
    (created,) = cursor.fetchone()
    cursor.execute(f"DROP TABLE {staging}")
    return created, len(records) - created
