"""The benchmark data set: generated with COPY into the benchmark database after `migrate`.

Full scale (`--scale 1`): 60 units, 5,000 persons, 10 million business records over the 12 months
up to yesterday (continuous up to the moment of the run, as in production, so that the planner's
statistics of "the last 24 hours" are the real ones), 1 million findings with their notices,
handovers and items (about 100,000 open). `--scale 0.01` gives a hundredth of the records and
findings (and at least 600 persons) for a quick run.

A marker table, `bench_dataset`, records the scale and the generator's version: a run finds the
data set it needs and reuses it; any other state of the benchmark database is dropped and the data
set generated again. Generation never goes through the ORM for the bulk: the large tables are
loaded with COPY with their indexes and constraints dropped, then rebuilt, then VACUUM ANALYZE.
"""

import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bench import db
from bench.findings import TABLES as FINDING_TABLES
from bench.findings import FindingGenerator
from bench.organisation import Organisation, organisation
from bench.records import COLUMNS as RECORD_COLUMNS
from bench.records import RecordGenerator, months_ending

VERSION = 2
FULL_RECORDS = 10_000_000
FULL_FINDINGS = 1_000_000
MONTHS = 12
SEED = 8
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class DataSet:
    scale: float
    records: int
    findings: int
    first_day: date
    last_day: date  # the last day with records: the day before the data set was generated
    today: date  # the day the data set was generated for
    org: Organisation

    @property
    def months(self) -> list[date]:
        """The months with records (the first and the last are partial)."""
        return months_ending(self.last_day, MONTHS + 1)

    @property
    def assessed_month(self) -> date:
        """The month B1 assesses: the last complete one."""
        return (self.today.replace(day=1) - timedelta(days=1)).replace(day=1)


def plan(scale: float, today: date) -> DataSet:
    last_day = today - timedelta(days=1)
    first_day = last_day - timedelta(days=364)
    return DataSet(
        scale=scale,
        records=max(10_000, round(FULL_RECORDS * scale)),
        findings=max(2_000, round(FULL_FINDINGS * scale)),
        first_day=first_day,
        last_day=last_day,
        today=today,
        org=organisation(scale, SEED),
    )


# --- the marker ------------------------------------------------------------------------------------


def marker(cursor) -> dict | None:
    cursor.execute("SELECT to_regclass('bench_dataset')")
    if cursor.fetchone()[0] is None:
        return None
    cursor.execute("SELECT scale, version, today, records, findings, open_items, seconds FROM bench_dataset")
    row = cursor.fetchone()
    if row is None:
        return None
    keys = ("scale", "version", "today", "records", "findings", "open_items", "seconds")
    return dict(zip(keys, row, strict=True))


def _write_marker(cursor, data: DataSet, open_items: int, seconds: float) -> None:
    cursor.execute(
        "CREATE TABLE bench_dataset (scale double precision, version integer, today date, records bigint,"
        " findings bigint, open_items bigint, seconds double precision, generated_at timestamptz DEFAULT now())"
    )
    cursor.execute(
        "INSERT INTO bench_dataset (scale, version, today, records, findings, open_items, seconds)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [data.scale, VERSION, data.today, data.records, data.findings, open_items, seconds],
    )


# --- generation ------------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(f"  [data] {message}", flush=True)


def _calendar(cursor) -> dict[date, str]:
    cursor.execute("SELECT date, kind FROM core_calendarday")
    return dict(cursor.fetchall())


def _load_calendar() -> None:
    from django.core.management import call_command

    path = ROOT / "core" / "data" / "calendar_2026.csv"
    if path.exists():
        call_command("import_calendar", str(path), verbosity=0)


def _organisation(cursor, data: DataSet) -> None:
    org = data.org
    cursor.execute("SELECT code, id FROM accounts_businessarea")
    areas = dict(cursor.fetchall())
    now = f"{data.first_day - timedelta(days=30):%Y-%m-%d} 09:00:00+08"
    db.copy_lines(
        cursor,
        "accounts_unit",
        ("id", "code", "name", "kind", "parent_id", "path", "party_organization_id", "sort_order", "is_active"),
        (
            db.line((u.id, u.code, u.name, u.kind, u.parent_id, u.path, u.party_organization_id, u.id, True))
            for u in org.units
        ),
    )
    db.copy_lines(
        cursor,
        "accounts_partyorganization",
        ("id", "name", "kind", "parent_id", "unit_id", "secretary_id", "is_active"),
        (db.line((p.id, p.name, p.kind, p.parent_id, p.unit_id, p.secretary_id, True)) for p in org.parties),
    )
    db.copy_lines(
        cursor,
        "accounts_post",
        ("id", "code", "name", "risk_level", "business_area_id", "description"),
        (db.line((i, c, n, r, areas.get(a), d)) for i, c, n, r, a, d in org.posts),
    )
    db.copy_lines(
        cursor,
        "accounts_user",
        (
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "preferred_language",
            "is_demo",
        ),
        (
            db.line((u.id, "!", u.is_superuser, u.username, "", "", "", u.is_superuser, True, now, "zh-hans", False))
            for u in org.users
        ),
    )
    post_ids = org.post_ids
    db.copy_lines(
        cursor,
        "accounts_person",
        (
            "id",
            "badge_number",
            "name",
            "unit_id",
            "category",
            "rank",
            "post_id",
            "is_party_member",
            "user_id",
            "is_active",
        ),
        (
            db.line(
                (
                    p.id,
                    p.badge,
                    p.name,
                    p.unit_id,
                    p.category,
                    p.rank,
                    post_ids[p.post_code],
                    p.party_member,
                    p.user_id,
                    True,
                )
            )
            for p in org.persons
        ),
    )
    db.copy_lines(
        cursor,
        "accounts_roleassignment",
        ("user_id", "role", "scope", "unit_id", "is_active", "created_at"),
        (db.line((u.id, role, scope, unit, True, now)) for u in org.users for role, scope, unit in u.roles),
    )
    for area, unit_id in org.lead_departments.items():
        cursor.execute("UPDATE accounts_businessarea SET lead_department_id = %s WHERE code = %s", [unit_id, area])
    for table in ("accounts_unit", "accounts_partyorganization", "accounts_post", "accounts_user", "accounts_person"):
        db.sequence_reset(cursor, table)


def _records(cursor, data: DataSet, calendar: dict[date, str]) -> int:
    generator = RecordGenerator(
        data.org, first_day=data.first_day, last_day=data.last_day, total=data.records, calendar=calendar, seed=SEED
    )
    started = time.monotonic()
    written = 0
    with db.without_indexes(cursor, "risk_businessrecord"):
        cursor.execute("SET LOCAL synchronous_commit = off")
        for month in data.months:
            plan = generator.month_plan(month)

            def lines(month=month, plan=plan):
                day = max(0, (month - data.first_day).days)
                while day < generator.days and generator._date(day).replace(day=1) == month:
                    records = generator.day_records(day, plan)
                    yield from generator.table_lines(records, prefix=f"{generator._date(day):%Y%m%d}")
                    day += 1

            written += db.copy_lines(cursor, "risk_businessrecord", RECORD_COLUMNS, lines())
            elapsed = time.monotonic() - started
            _log(f"business records {month:%Y-%m}: {written:,} written ({written / elapsed:,.0f}/s)")
        _log("business records: building indexes and constraints")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL max_parallel_maintenance_workers = 1")
        index_started = time.monotonic()
    _log(f"business records: indexes built in {time.monotonic() - index_started:.0f} s")
    return written


def _findings(cursor, data: DataSet) -> int:
    cursor.execute("SELECT code, id FROM supervision_findingcategory ORDER BY sort_order, code")
    categories = dict(cursor.fetchall())
    cursor.execute("SELECT code, id FROM accounts_businessarea ORDER BY id")
    areas = dict(cursor.fetchall())
    started = time.monotonic()
    generator = FindingGenerator(
        data.org,
        total=data.findings,
        first_day=data.first_day,
        today=data.today,
        categories=categories,
        areas=areas,
        seed=SEED,
    )
    _log(f"findings planned in {time.monotonic() - started:.0f} s: {generator.plan}")
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for table, columns in FINDING_TABLES.items():
        with db.without_indexes(cursor, table):
            count = db.copy_lines(cursor, table, columns, generator.lines(table))
        db.sequence_reset(cursor, table)
        _log(f"{table}: {count:,} rows")
    for year, number in generator.plan.doc_numbers.items():
        cursor.execute("INSERT INTO rectification_documentsequence (year, last_number) VALUES (%s, %s)", [year, number])
    return generator.plan.open_items


def generate(data: DataSet) -> None:
    """Write the data set into the (freshly migrated, empty) benchmark database."""
    from django.db import connection, transaction

    from risk.services import risk_models_sync

    started = time.monotonic()
    _load_calendar()
    risk_models_sync()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with transaction.atomic():
            _organisation(raw, data)
        _log(
            f"organisation: {len(data.org.units)} units, {len(data.org.persons):,} persons, {len(data.org.users)} users"
        )
        calendar = _calendar(raw)
        with transaction.atomic():
            _records(raw, data, calendar)
        with transaction.atomic():
            open_items = _findings(raw, data)
        _log("VACUUM ANALYZE")
        for table in (
            "risk_businessrecord",
            "supervision_finding",
            "supervision_inspection",
            "supervision_evidence",
            "supervision_finding_persons",
            "rectification_rectificationnotice",
            "rectification_rectificationnotice_findings",
            "rectification_handover",
            "rectification_rectificationitem",
            "accounts_person",
            "accounts_unit",
        ):
            raw.execute(f"VACUUM (ANALYZE) {table}")
        with transaction.atomic():
            _write_marker(raw, data, open_items, time.monotonic() - started)
    _log(f"generated in {time.monotonic() - started:,.0f} s")
