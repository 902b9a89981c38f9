"""B1-B7 of issue 8. Each benchmark calls the project's real code path and its limit (bench/limits.py,
bench/views.py, psql), alternately, and restores the starting state before every measurement."""

import csv
import io
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import db, limits, loadgen
from bench.dataset import SEED, DataSet
from bench.harness import Result, alternate, timed
from bench.records import COLUMNS, Record, RecordGenerator

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"


def log(message: str) -> None:
    print(message, flush=True)


def _cursor():
    return connection.cursor().cursor


def _scalar(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _execute(sql: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _vacuum(*tables: str) -> None:
    for table in tables:
        # INDEX_CLEANUP ON: with few dead rows VACUUM would skip the indexes, leaving their dead
        # entries to slow down the next round.
        _execute(f"VACUUM (ANALYZE, INDEX_CLEANUP ON) {table}")


def _monthly_params() -> dict[str, dict]:
    from risk.models import RiskModel
    from risk.rules import REGISTRY

    return {
        model.code: REGISTRY[model.code].validated_parameters(model.parameters)
        for model in RiskModel.objects.filter(is_active=True, kind=RiskModel.Kind.MONTHLY)
        if model.code in REGISTRY
    }


# --- B1: the monthly assessment --------------------------------------------------------------------------


def b1_assessment(data: DataSet, rounds: int) -> Result:
    from risk.models import ModelHit
    from risk.services import assessment_run, month_bounds, risk_models_sync

    risk_models_sync()
    month = data.assessed_month
    start, end = month_bounds(month)
    statements = limits.monthly_statements(_monthly_params(), start=start, end=end)
    result = Result(
        code="B1",
        title=f"monthly assessment of {month:%Y-%m}",
        project="risk.services.assessment_run (26 models, hits, scores, alerts, audit)",
        limit=f"{len(statements)} hand-written GROUP BY statements of the same month's hits",
        unit="s",
        goal="≤ 1.2×; queries do not grow with the number of persons",
        ratio_goal=1.2,
    )
    limit_rows: dict[str, list[tuple]] = {}

    def project() -> float:
        seconds, _value = timed(lambda: assessment_run(month=month))
        return seconds

    def limit() -> float:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for code, (sql, params) in statements.items():
                cursor.execute(sql, params)
                limit_rows[code] = cursor.fetchall()
        return time.perf_counter() - started

    alternate(result, rounds=rounds, project=project, limit=limit, log=log)
    with CaptureQueriesContext(connection) as queries:
        outcome = assessment_run(month=month)
    result.extra.update(queries=len(queries.captured_queries), hits=outcome.hits, scores=outcome.scores)
    # The limit must find the same hits: same subjects, same counts.
    project_hits = {
        (code, key): count
        for code, key, count in ModelHit.objects.filter(assessment=outcome.assessment).values_list(
            "model__code", "subject_key", "count"
        )
    }
    limit_hits = {(code, str(row[0])): int(row[2]) for code, rows in limit_rows.items() for row in rows}
    differing = {k for k in project_hits.keys() | limit_hits.keys() if project_hits.get(k) != limit_hits.get(k)}
    result.extra["same_hits"] = not differing
    result.notes.append(
        f"{outcome.hits:,} hits, {outcome.scores:,} scores; {len(queries.captured_queries)} queries per run; "
        + (
            "the limit finds exactly the same hits."
            if not differing
            else f"{len(differing)} hits differ: {sorted(differing)[:5]}"
        )
    )
    return result


# --- B2: the circuit-breaker scan ------------------------------------------------------------------------


def _recent_records(data: DataSet, count: int, now: datetime) -> tuple[RecordGenerator, list[Record]]:
    """`count` records accepted in the 20 hours before `now`, with bursts the breakers trip on."""
    import random

    local_now = timezone.localtime(now)
    first = local_now.date() - timedelta(days=1)
    calendar = {first: "workday", local_now.date(): "workday"}
    generator = RecordGenerator(
        # Four times the count over the two days: the 20 hours before `now` always hold enough, whatever
        # the time of day (2.6 times left early-morning runs about 8 % short).
        data.org,
        first_day=first,
        last_day=local_now.date(),
        total=int(count * 4),
        calendar=calendar,
        seed=SEED,
    )
    plan = generator.month_plan(local_now.date().replace(day=1))
    records = generator.day_records(0, plan) + generator.day_records(1, plan)
    midnight = datetime.combine(first, datetime.min.time(), local_now.tzinfo)
    now_seconds = int((local_now - midnight).total_seconds())
    window = [r for r in records if now_seconds - 20 * 3600 <= r.accepted < now_seconds - 300]
    rng = random.Random(f"{SEED}:breakers")  # noqa: S311 (benchmark data)
    bursts: list[Record] = []
    windows = [i for i, op in enumerate(generator.operators) if op.post_code in ("CJGSL", "WFCL", "FXCSH")]
    clerks = generator.pools.get("WFCL", windows)
    for number in range(10):
        at = now_seconds - 3600 * (1 + number)
        target = generator.operators[rng.choice(windows)].device
        for step, index in enumerate(rng.sample(windows, k=5)):  # 1. a device under five accounts in 25 minutes
            bursts.append(_burst(generator, index, "vehicle.transfer", at + step * 300, device=target))
        clerk = rng.choice(clerks)  # 2. twelve deletions by one account in 40 minutes
        for step in range(12):
            bursts.append(_burst(generator, clerk, "violation.delete", at + 60 + step * 200, status="deleted", mask=1))
        roamer = rng.choice(windows)  # 3. one account from five devices and IPs in half an hour
        for step, index in enumerate(rng.sample(windows, k=5)):
            other = generator.operators[index]
            bursts.append(
                _burst(generator, roamer, "vehicle.plate", at + 120 + step * 360, device=other.device, ip=other.ip)
            )
    chosen = window[: max(0, count - len(bursts))] + bursts
    chosen.sort(key=lambda r: r.accepted)
    return generator, chosen


def _burst(generator, index, business_type, accepted, *, device=None, ip=None, status="completed", mask=0) -> Record:
    person = generator.operators[index]
    return Record(
        business_type, index, device or person.device, ip or person.ip, "430000000000000001", "", accepted,
        accepted + 120, status, mask, None, None, "completed",
    )  # fmt: skip


def b2_breakers(data: DataSet, rounds: int) -> Result:
    from risk.breakers import BATCH_SIZE, breaker_horizon, breakers_run
    from risk.models import BreakerWatermark, CircuitBreak, RiskModel
    from risk.rules import REGISTRY
    from risk.services import risk_models_sync

    risk_models_sync()
    count = max(5_000, round(100_000 * data.scale))
    now = timezone.now()
    generator, records = _recent_records(data, count, now)
    base_id = _scalar("SELECT COALESCE(MAX(id), 0) FROM risk_businessrecord")
    base_break = _scalar("SELECT COALESCE(MAX(id), 0) FROM risk_circuitbreak")
    base_notification = _scalar("SELECT COALESCE(MAX(id), 0) FROM core_notification")
    with transaction.atomic(), connection.cursor() as cursor:
        db.copy_lines(
            cursor.cursor, "risk_businessrecord", COLUMNS, generator.table_lines(records, prefix=f"B2{now:%H%M%S}")
        )
    _vacuum("risk_businessrecord")
    params = {
        model.code: REGISTRY[model.code].validated_parameters(model.parameters)
        for model in RiskModel.objects.filter(is_active=True, kind=RiskModel.Kind.BREAKER)
    }
    statements = limits.breaker_statements(params)
    since = now - breaker_horizon()
    result = Result(
        code="B2",
        title=f"circuit-breaker scan of {len(records):,} new records",
        project=f"risk.breakers.breakers_run (batches of {BATCH_SIZE:,}, 3 models, trips, notifications, audit)",
        limit="the 3 breaker models as raw SQL (LATERAL window counts) over the same records",
        unit="s",
        goal="≤ 1.5×; ≤ 1 s",
        ratio_goal=1.5,
        absolute_goal=1.0,
    )
    trips = {}

    def reset() -> None:
        BreakerWatermark.objects.update_or_create(pk=1, defaults={"last_record_id": base_id})
        CircuitBreak.objects.filter(pk__gt=base_break).delete()
        # Also the deadline notifications an earlier run's last round left behind: kept, they would
        # make every notification of this run a duplicate, and the scans would send none.
        _execute(
            "DELETE FROM core_notification WHERE id > %s OR key ~ '^item:[0-9]+:(due_soon|overdue|escalation):'",
            [base_notification],
        )

    def project() -> float:
        seconds, outcome = timed(lambda: breakers_run(now=now))
        trips["project"] = len(outcome.created)
        trips["scanned"] = outcome.scanned
        return seconds

    def limit() -> float:
        started = time.perf_counter()
        found = 0
        with connection.cursor() as cursor:
            for sql in statements.values():
                cursor.execute(sql, {"after": base_id, "since": since})
                found += len(cursor.fetchall())
        trips["limit_rows"] = found
        return time.perf_counter() - started

    try:
        alternate(result, rounds=rounds, project=project, limit=limit, reset=reset, log=log)
    finally:
        reset()
        _execute("DELETE FROM risk_businessrecord WHERE id > %s", [base_id])
        BreakerWatermark.objects.update_or_create(pk=1, defaults={"last_record_id": base_id})
        _vacuum("risk_businessrecord")
    result.notes.append(
        f"{trips.get('scanned', 0):,} records scanned, {trips.get('project', 0)} breaks tripped; "
        f"the limit returns {trips.get('limit_rows', 0)} over-threshold windows."
    )
    return result


# --- B3: bulk import --------------------------------------------------------------------------------------

IMPORT_SOURCE = "bench_import"


def _import_files(data: DataSet, count: int) -> tuple[Path, Path]:
    """The same `count` records as an import-format CSV (the project's input) and as a COPY text
    file in the table's layout (psql's input)."""
    from risk.importing import FIELDS

    WORK.mkdir(parents=True, exist_ok=True)
    csv_path, copy_path = WORK / f"b3_import_{count}.csv", WORK / f"b3_table_{count}.tsv"
    if csv_path.exists() and copy_path.exists():
        return csv_path, copy_path
    generator = RecordGenerator(
        data.org, first_day=data.first_day, last_day=data.last_day, total=data.records, calendar={}, seed=SEED + 1
    )
    plan = generator.month_plan(data.assessed_month)
    records: list[Record] = []
    day = generator.days - 1
    while len(records) < count:
        records.extend(generator.day_records(day, plan))
        day -= 1
    records = sorted(records[:count], key=lambda r: r.accepted)
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        for number, record in enumerate(records, start=1):
            writer.writerow(generator.import_row(record, external_id=f"B3-{number:07d}", source_system=IMPORT_SOURCE))
    with copy_path.open("w", encoding="utf-8") as handle:
        for text in generator.table_lines(records, prefix="B3"):
            handle.write(IMPORT_SOURCE + text[text.index("\t") :])
    return csv_path, copy_path


def b3_import(data: DataSet, rounds: int) -> Result:
    import shutil

    count = max(10_000, round(1_000_000 * data.scale))
    csv_path, copy_path = _import_files(data, count)
    psql = shutil.which("psql")
    result = Result(
        code="B3",
        title=f"bulk import of {count:,} records",
        project="manage.py import_business_records FILE.csv (validate, resolve, COPY to staging, one upsert, audit)",
        limit="psql \\copy of the same records into the table"
        if psql
        else "psycopg COPY of the same records (no psql)",
        unit="rows/s",
        goal="≥ 0.8× the rows/s",
        higher_is_better=True,
        ratio_goal=0.8,
    )
    columns = ", ".join(COLUMNS)

    def reset() -> None:
        _execute("DELETE FROM risk_businessrecord WHERE source_system = %s", [IMPORT_SOURCE])
        _vacuum("risk_businessrecord")

    def project() -> float:
        seconds, _value = timed(lambda: call_command("import_business_records", str(csv_path), stdout=io.StringIO()))
        return count / seconds

    def limit() -> float:
        if psql:
            command = [psql, db.database_url(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                       f"\\copy risk_businessrecord ({columns}) FROM '{copy_path}'"]  # fmt: skip
            seconds, _value = timed(lambda: subprocess.run(command, check=True, capture_output=True))  # noqa: S603
        else:

            def copy() -> None:
                with transaction.atomic(), connection.cursor() as cursor, copy_path.open() as handle:
                    db.copy_lines(cursor.cursor, "risk_businessrecord", COLUMNS, handle)

            seconds, _value = timed(copy)
        return count / seconds

    try:
        alternate(result, rounds=rounds, project=project, limit=limit, reset=reset, log=log)
    finally:
        reset()
    result.notes.append(f"the same {count:,} records: {csv_path.stat().st_size / 1e6:,.0f} MB of import CSV")
    return result


# --- the HTTP benchmarks (B4, B5, B6) ----------------------------------------------------------------


def _token(username: str) -> str:
    from accounts.models import User
    from accounts.services import api_token_issue

    _token_row, key = api_token_issue(user=User.objects.get(username=username))
    return key


def _session(username: str) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "risk.enforcement.BreakerAwareModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _check(url: str, headers: dict, *, rows: int | None = None) -> str | None:
    """None when `url` answers 200 (with `rows` results), else why not."""
    import json

    status, body = loadgen.fetch(url, headers)
    if status != 200:
        return f"HTTP {status}"
    if rows is not None:
        found = len(json.loads(body).get("results", []))
        if found != rows:
            return f"{found} rows instead of {rows}"
    return None


def _filters(data: DataSet) -> dict:
    brigade = data.org.unit("DD01")
    month = data.assessed_month
    return {
        "records": f"within={brigade.id}&area=road_enforcement&accepted_from={month:%Y-%m-%d}",
        "findings": f"within={brigade.id}&severity=serious&found_from={month - timedelta(days=92):%Y-%m-%d}",
    }


def b4_lists(data: DataSet, rounds: int, server: loadgen.Server, seconds: float) -> list[Result]:
    headers = {"Authorization": f"Token {_token('bench_api')}"}
    filters = _filters(data)
    results = []
    for code, title, project_path, bare_path in (
        ("B4a", "business records, page of 50", "/api/v1/business-records/", "/bench/bare/business-records/"),
        ("B4b", "findings, page of 50", "/api/v1/findings/", "/bench/bare/findings/"),
    ):
        query = filters["records" if code == "B4a" else "findings"]
        project_url, bare_url = f"{server.base}{project_path}?{query}", f"{server.base}{bare_path}?{query}"
        result = Result(
            code=code,
            title=f"{title} ({query.replace('&', ', ')})",
            project=f"GET {project_path} (DRF, token auth, scope, filters, serializer, pagination)",
            limit=f"GET {bare_path}: a bare Django view returning .values() of the same 50 rows",
            unit="req/s",
            goal="≥ 0.5×",
            higher_is_better=True,
            ratio_goal=0.5,
        )
        problem = _check(project_url, headers, rows=50) or _check(bare_url, {}, rows=50)
        if problem:
            result.available = False
            result.notes.append(f"not measured: {problem}")
            results.append(result)
            continue
        errors = []

        def measure(url: str, extra: dict, errors=errors) -> float:
            outcome = loadgen.load(url, extra, seconds=seconds, connections=4)
            errors.append(outcome.errors)
            return outcome.rate

        alternate(
            result,
            rounds=rounds,
            project=lambda url=project_url: measure(url, headers),
            limit=lambda url=bare_url: measure(url, {}),
            log=log,
        )
        if any(errors):
            result.notes.append(f"{sum(errors)} failed requests")
        results.append(result)
    return results


def _cursor_param(position: int) -> str:
    import base64
    from urllib.parse import urlencode

    return base64.b64encode(urlencode({"p": str(position)}).encode("ascii")).decode("ascii")


def b5_deep_page(data: DataSet, rounds: int, server: loadgen.Server, seconds: float) -> Result:
    from urllib.parse import quote

    from accounts.models import Unit
    from risk.models import BusinessRecord

    headers = {"Authorization": f"Token {_token('bench_api')}"}
    query = _filters(data)["records"].split("&accepted_from")[0]
    brigade = data.org.unit("DD01")
    path = Unit.objects.get(pk=brigade.id).path
    oldest = (
        BusinessRecord.objects.filter(unit__path__startswith=path, area="road_enforcement")
        .order_by("pk")
        .values_list("pk", flat=True)[50:51]
    )
    position = oldest[0] if oldest else 1
    first_url = f"{server.base}/api/v1/business-records/?{query}"
    deep_url = f"{first_url}&cursor={quote(_cursor_param(position))}"
    result = Result(
        code="B5",
        title=f"deepest cursor page of business records ({query.replace('&', ', ')})",
        project="GET /api/v1/business-records/?cursor=<the last page>",
        limit="the first page of the same list",
        unit="ms (median latency)",
        goal="≤ 2×",
        ratio_goal=2.0,
    )
    problem = _check(first_url, headers, rows=50) or _check(deep_url, headers, rows=50)
    if problem:
        result.available = False
        result.notes.append(f"not measured: {problem}")
        return result
    alternate(
        result,
        rounds=rounds,
        project=lambda: loadgen.load(deep_url, headers, seconds=seconds, connections=1).p50_ms,
        limit=lambda: loadgen.load(first_url, headers, seconds=seconds, connections=1).p50_ms,
        log=log,
    )
    return result


def b6_reports(data: DataSet, rounds: int, server: loadgen.Server, seconds: float) -> list[Result]:
    """The dashboard page and the report endpoints: p95 under a light load (2 connections)."""
    from django.urls import Resolver404, resolve

    committee = next(u.username for u in data.org.users if u.username.startswith("committee_"))
    token_headers = {"Authorization": f"Token {_token(committee)}"}
    session_headers = {"Cookie": f"sessionid={_session(committee)}"}
    endpoints = [("/dashboard/", session_headers)] + [
        (f"/api/v1/reports/{name}/", token_headers)
        for name in ("summary", "key-figures", "rectification", "risk", "cases", "trends")
    ]
    refreshed = _refresh_rollups()
    results = []
    for path, headers in endpoints:
        result = Result(
            code="B6",
            title=f"p95 of GET {path}",
            project=f"GET {path} at full data, 2 connections",
            limit="—",
            unit="ms (p95)",
            goal="≤ 100 ms",
            absolute_goal=100.0,
        )
        try:
            resolve(path)
        except Resolver404:
            result.available = False
            result.notes.append("not available: the URL does not exist yet")
            results.append(result)
            continue
        problem = _check(f"{server.base}{path}", headers)
        if problem:
            result.available = False
            result.notes.append(f"not available: {problem}")
            results.append(result)
            continue
        if refreshed:
            result.notes.append(refreshed)
        alternate(
            result,
            rounds=rounds,
            project=lambda path=path, headers=headers: (
                loadgen.load(f"{server.base}{path}", headers, seconds=seconds, connections=2).p95_ms
            ),
            limit=None,
            log=log,
        )
        results.append(result)
    return results


def _refresh_rollups() -> str:
    """The dashboard reads rollups refreshed every 15 minutes: refresh them once, as beat would."""
    from django.core.management import get_commands

    if "refresh_rollups" not in get_commands():
        return ""
    seconds, _value = timed(lambda: call_command("refresh_rollups", stdout=io.StringIO()))
    # This server runs with autovacuum off. In production autovacuum clears the rows that a refresh (or
    # an earlier benchmark: B7 rewrites the items' states) replaced, and keeps the visibility map that
    # the cut days' index-only scans rely on; without it each scan fetches its rows from the heap.
    _vacuum("dashboard_rollupmonthly", "rectification_rectificationitem", "supervision_finding")
    return f"rollups refreshed first ({seconds:,.1f} s, as the 15-minute beat task does)"


# --- B7: the deadline scan --------------------------------------------------------------------------------


def b7_deadline_scan(data: DataSet, rounds: int) -> Result:
    from rectification.services import deadline_scan

    today = timezone.localdate()
    open_items = _scalar("SELECT COUNT(*) FROM rectification_rectificationitem WHERE status = 'open'")
    result = Result(
        code="B7",
        title=f"deadline scan over {open_items:,} open items (first scan: every class has work)",
        project="rectification.services.deadline_scan (due states, reminders, escalation ladder, audit)",
        limit="one UPDATE per transition class in raw SQL, plus the same notifications as INSERT … SELECT",
        unit="s",
        goal="≤ 2×",
        ratio_goal=2.0,
    )
    base_notification = _scalar("SELECT COALESCE(MAX(id), 0) FROM core_notification")
    fingerprints: dict[str, tuple] = {}
    update_seconds: list[float] = []

    def reset() -> None:
        _execute(
            "UPDATE rectification_rectificationitem SET due_state = 'normal', escalation_level = 0,"
            " due_soon_notified_for = NULL, overdue_notified_for = NULL"
            " WHERE status = 'open' AND (due_state <> 'normal' OR escalation_level <> 0"
            " OR due_soon_notified_for IS NOT NULL OR overdue_notified_for IS NOT NULL)"
        )
        # Also the deadline notifications an earlier run's last round left behind: kept, they would
        # make every notification of this run a duplicate, and the scans would send none.
        _execute(
            "DELETE FROM core_notification WHERE id > %s OR key ~ '^item:[0-9]+:(due_soon|overdue|escalation):'",
            [base_notification],
        )
        _vacuum("rectification_rectificationitem", "core_notification")

    def fingerprint() -> tuple:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT due_state, escalation_level, COUNT(*),"
                " COUNT(due_soon_notified_for), COUNT(overdue_notified_for)"
                " FROM rectification_rectificationitem WHERE status = 'open' GROUP BY 1, 2 ORDER BY 1, 2"
            )
            states = tuple(cursor.fetchall())
            cursor.execute("SELECT COUNT(*) FROM core_notification WHERE id > %s", [base_notification])
            return states, cursor.fetchone()[0]

    def project() -> float:
        seconds, _value = timed(lambda: deadline_scan(today=today))
        fingerprints.setdefault("project", fingerprint())
        return seconds

    def limit() -> float:
        def run() -> dict:
            with transaction.atomic(), connection.cursor() as cursor:
                return limits.deadline_scan_sql(cursor.cursor, today=today)

        seconds, spent = timed(run)
        update_seconds.append(spent["updates"])
        fingerprints.setdefault("limit", fingerprint())
        return seconds

    alternate(result, rounds=rounds, project=project, limit=limit, reset=reset, log=log)
    same = fingerprints.get("project") == fingerprints.get("limit")
    notifications = fingerprints.get("project", ((), 0))[1]
    if update_seconds:
        import statistics

        result.extra["updates_only"] = statistics.median(update_seconds)
        result.notes.append(
            f"{notifications:,} notifications per scan; "
            f"the UPDATEs alone take {statistics.median(update_seconds):.2f} s"
        )
    result.notes.append("the limit leaves the same states and notifications" if same else "the limit's result DIFFERS")
    return result


# --- all --------------------------------------------------------------------------------------------------


def run_all(data: DataSet, *, rounds: int, only: set[str]) -> list[Result]:
    def wanted(code: str) -> bool:
        return not only or code in only

    results: list[Result] = []
    http_seconds = 10 if data.scale >= 0.5 else 3
    for code, function, bench_rounds in (
        ("B1", b1_assessment, rounds),
        ("B2", b2_breakers, rounds),
        ("B3", b3_import, max(1, min(rounds, 3))),
        ("B7", b7_deadline_scan, rounds),
    ):
        if wanted(code):
            log(f"{code} …")
            results.append(function(data, bench_rounds))
    if any(wanted(code) for code in ("B4", "B5", "B6")):
        with loadgen.Server() as server:
            if wanted("B4"):
                log("B4 …")
                results += b4_lists(data, rounds, server, http_seconds)
            if wanted("B5"):
                log("B5 …")
                results.append(b5_deep_page(data, rounds, server, max(2, http_seconds // 2)))
            if wanted("B6"):
                log("B6 …")
                results += b6_reports(data, max(1, min(rounds, 3)), server, max(2, http_seconds // 2))
    order = ["B1", "B2", "B3", "B4", "B5", "B6", "B7"]
    results.sort(key=lambda r: order.index(r.code[:2]))
    return results
