"""The limits, hand-written in SQL: what PostgreSQL does at best for the same result as the project.

- B1: the monthly assessment's hits, one GROUP BY statement per monthly model (the same 26 rules
  with the same parameters, written the way a DBA would: aggregate the month's records first, join
  the 5,000 persons afterwards, fold days and applicants in an outer GROUP BY);
- B2: the three circuit-breaker models over the new records (a LATERAL count per record, walking
  the same (subject, accepted_at) indexes);
- B7: the deadline scan as one UPDATE per transition class (deadline states, reminder markers,
  escalation rungs), and the same notifications as one INSERT … SELECT per class.
The SQL reads the models' parameters from their RiskModel rows, as the project does.
"""

from datetime import datetime, timedelta

ZONE = "Asia/Shanghai"
MONTH = "r.accepted_at >= %(start)s AND r.accepted_at < %(end)s"
VOID = "('deleted', 'cancelled')"
WINDOW_AREAS = "('vehicle_admin', 'driver_admin')"
IRREGULAR_CHANGE = "(r.flag_deleted OR r.flag_cancelled OR r.status IN ('deleted', 'cancelled'))"
HOURS = "(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)"


def _hours(end: str, start: str) -> str:
    return HOURS.format(end=end, start=start)


def _off_hours(params: dict) -> str:
    """Accepted outside working hours in local time (rest days per core_calendarday)."""
    local = f"(r.accepted_at AT TIME ZONE '{ZONE}')"
    condition = f"EXTRACT(HOUR FROM {local}) < {int(params['start_hour'])} OR EXTRACT(HOUR FROM {local}) >= {int(params['end_hour'])}"  # noqa: E501
    if params["count_rest_days"]:
        condition += (
            f" OR EXISTS (SELECT 1 FROM core_calendarday c WHERE c.date = {local}::date AND c.kind = 'holiday')"  # noqa: S608
            f" OR (EXTRACT(ISODOW FROM {local}) >= 6 AND NOT EXISTS"
            f" (SELECT 1 FROM core_calendarday c WHERE c.date = {local}::date AND c.kind = 'workday'))"
        )
    return f"({condition})"


def _persons(where: str, threshold, *, by: str = "", count: str = "COUNT(*)", days: bool = False) -> str:
    """Persons (operators) with more than `threshold` records matching `where` in the month, per
    `by` column or local day if given (then summed per person). Returns key, unit, count, first, last."""
    group = ["r.operator_id"]
    if by:
        group.append(f"r.{by}")
    if days:
        group.append(f"(r.accepted_at AT TIME ZONE '{ZONE}')::date")
    inner = (
        f"SELECT r.operator_id, {count} AS n, MIN(r.id) AS first, MAX(r.id) AS last FROM risk_businessrecord r"  # noqa: S608
        f" WHERE {MONTH} AND r.operator_id IS NOT NULL AND {where}"
        f" GROUP BY {', '.join(group)} HAVING {count} > {threshold}"
    )
    if len(group) > 1:
        inner = f"SELECT operator_id, SUM(n) AS n, MIN(first) AS first, MAX(last) AS last FROM ({inner}) g GROUP BY operator_id"  # noqa: E501,S608
    return (
        f"SELECT p.badge_number, p.unit_id, h.n, h.first, h.last FROM ({inner}) h"  # noqa: S608
        " JOIN accounts_person p ON p.id = h.operator_id"
    )


def _subjects(column: str, where: str, threshold, *, count: str = "COUNT(*)") -> str:
    """Accounts, devices or agents (`column`) with more than `threshold` in the month."""
    return (
        f"SELECT r.{column}, MIN(r.unit_id), {count} AS n, MIN(r.id), MAX(r.id) FROM risk_businessrecord r"  # noqa: S608
        f" WHERE {MONTH} AND r.{column} <> '' AND {where} GROUP BY r.{column} HAVING {count} > {threshold}"
    )


def _peers(where: str, *, peer: str, flagged: str | None, params: dict) -> str:
    """Persons far above the other persons of their post (`peer="post_id"`) or unit: the person's
    flagged share against the pooled share of the peers, or (`flagged` None) their volume against
    the peers' mean. Same thresholds as risk.rules.peer_hits."""
    marked = "TRUE" if flagged is None else flagged
    min_records, factor = params["min_records"], params["min_factor"]
    per_person = (
        f"SELECT r.operator_id, p.{peer} AS peer, p.badge_number, p.unit_id, COUNT(*) AS total,"  # noqa: S608
        f" COUNT(*) FILTER (WHERE {marked}) AS flagged, MIN(r.id) FILTER (WHERE {marked}) AS first,"
        f" MAX(r.id) FILTER (WHERE {marked}) AS last"
        f" FROM risk_businessrecord r JOIN accounts_person p ON p.id = r.operator_id"
        f" WHERE {MONTH} AND {where} AND p.{peer} IS NOT NULL"
        f" GROUP BY r.operator_id, p.{peer}, p.badge_number, p.unit_id"
    )
    grouped = (
        f"SELECT *, SUM(total) OVER w - total AS peer_total, SUM(flagged) OVER w - flagged AS peer_flagged,"  # noqa: S608
        f" COUNT(*) OVER w - 1 AS peers FROM ({per_person}) x WINDOW w AS (PARTITION BY peer)"
    )
    if flagged is None:
        outlier = f"total::float / ({factor} * peer_total::float / peers) > 1"
        count = "total"
    else:
        rate = "flagged::float / total"
        peer_rate = "peer_flagged::float / peer_total"
        outlier = (
            f"flagged >= {params.get('min_flagged', 1)} AND (({rate} - {peer_rate}) * 100 / {params['min_points']} > 1"
            f" OR (peer_flagged > 0 AND ({rate}) / ({factor} * {peer_rate}) > 1))"
        )
        count = "flagged"
    return (
        f"SELECT badge_number, unit_id, {count}, first, last FROM ({grouped}) y"  # noqa: S608
        f" WHERE total >= {min_records} AND peers >= 2 AND peer_total > 0 AND {outlier}"
    )


def monthly_statements(params: dict[str, dict], *, start: datetime, end: datetime) -> dict[str, tuple[str, dict]]:
    """code -> (SQL, parameters) for every monthly model in `params` (its validated parameters)."""
    as_of = min(end, datetime.now(tz=end.tzinfo))
    values = {"start": start, "end": end, "as_of": as_of}
    statements: dict[str, str] = {}
    sql_params: dict[str, dict] = {}

    def rule(code: str, sql: str, **extra) -> None:
        if code in params:
            statements[code] = sql
            sql_params[code] = {**values, **extra}

    p = params.get
    if p("agent_many_applicants"):
        rule(
            "agent_many_applicants",
            _subjects(
                "agent_id",
                "r.applicant_id <> ''",
                p("agent_many_applicants")["max_applicants"],
                count="COUNT(DISTINCT r.applicant_id)",
            ),
        )
    if p("off_hours_business"):
        q = p("off_hours_business")
        rule(
            "off_hours_business",
            _persons(f"r.area IN {WINDOW_AREAS} AND r.status NOT IN {VOID} AND {_off_hours(q)}", q["max_records"]),
        )
    if p("owner_many_registrations"):
        rule(
            "owner_many_registrations",
            _persons(
                f"r.business_type = 'vehicle.register' AND r.applicant_id <> '' AND r.status NOT IN {VOID}",
                p("owner_many_registrations")["max_per_owner"],
                by="applicant_id",
            ),
        )
    if p("inspection_too_fast"):
        q = p("inspection_too_fast")
        rule(
            "inspection_too_fast",
            _persons(
                "r.business_type = 'vehicle.inspect' AND r.completed_at IS NOT NULL"
                f" AND {_hours('r.completed_at', 'r.accepted_at')} < {q['min_minutes']} / 60.0",
                q["max_records"],
            ),
        )
    if p("business_modified_after_completion"):
        rule(
            "business_modified_after_completion",
            _persons(
                f"r.area IN {WINDOW_AREAS} AND r.flag_modified AND r.completed_at IS NOT NULL",
                p("business_modified_after_completion")["max_records"],
            ),
        )
    if p("device_many_accounts"):
        rule(
            "device_many_accounts",
            _subjects(
                "device_id",
                "r.operator_account <> ''",
                p("device_many_accounts")["max_accounts"],
                count="COUNT(DISTINCT r.operator_account)",
            ),
        )
    if p("unit_overdue_share"):
        q = p("unit_overdue_share")
        overdue = f"{_hours('COALESCE(r.completed_at, %(as_of)s)', 'r.accepted_at')} > r.time_limit_hours"
        rule(
            "unit_overdue_share",
            f"SELECT u.code, h.unit_id, h.n, h.first, h.last FROM (SELECT r.unit_id, COUNT(*) AS total,"  # noqa: S608
            f" COUNT(*) FILTER (WHERE {overdue}) AS n, MIN(r.id) FILTER (WHERE {overdue}) AS first,"
            f" MAX(r.id) FILTER (WHERE {overdue}) AS last FROM risk_businessrecord r"
            f" WHERE {MONTH} AND r.area IN {WINDOW_AREAS} AND r.time_limit_hours IS NOT NULL AND r.status NOT IN {VOID}"
            f" GROUP BY r.unit_id) h JOIN accounts_unit u ON u.id = h.unit_id"
            f" WHERE h.total >= {q['min_records']} AND h.n > h.total * {q['max_share'] / 100}",
        )
    if p("examiner_pass_rate_high"):
        rule(
            "examiner_pass_rate_high",
            _peers(
                "r.business_type = 'license.exam' AND r.result IN ('pass', 'fail')",
                peer="post_id",
                flagged="r.result = 'pass'",
                params=p("examiner_pass_rate_high"),
            ),
        )
    if p("examiner_daily_volume"):
        rule(
            "examiner_daily_volume",
            _persons("r.business_type = 'license.exam'", p("examiner_daily_volume")["max_per_day"], days=True),
        )
    if p("license_repeated_replacement"):
        rule(
            "license_repeated_replacement",
            _persons(
                f"r.business_type = 'license.replace' AND r.applicant_id <> '' AND r.status NOT IN {VOID}",
                p("license_repeated_replacement")["max_per_applicant"],
                by="applicant_id",
            ),
        )
    if p("account_many_endpoints"):
        q = p("account_many_endpoints")
        devices = "COUNT(DISTINCT r.device_id) FILTER (WHERE r.device_id <> '')"
        ips = "COUNT(DISTINCT r.client_ip)"
        rule(
            "account_many_endpoints",
            f"SELECT operator_account, MIN(unit), MAX(GREATEST(devices, ips)), MIN(first), MAX(last) FROM ("  # noqa: S608
            f"SELECT r.operator_account, MIN(r.unit_id) AS unit, {devices} AS devices, {ips} AS ips,"
            f" MIN(r.id) AS first, MAX(r.id) AS last FROM risk_businessrecord r"
            f" WHERE {MONTH} AND r.operator_account <> ''"
            f" GROUP BY r.operator_account, (r.accepted_at AT TIME ZONE '{ZONE}')::date"
            f" HAVING {devices} > {q['max_devices']} OR {ips} > {q['max_ips']}) d GROUP BY operator_account",
        )
    if p("violation_mass_delete"):
        rule(
            "violation_mass_delete",
            _persons(
                f"r.area = 'violation_processing' AND {IRREGULAR_CHANGE}",
                p("violation_mass_delete")["max_per_day"],
                days=True,
            ),
        )
    if p("violation_off_hours_change"):
        q = p("violation_off_hours_change")
        rule(
            "violation_off_hours_change",
            _persons(
                f"r.area = 'violation_processing' AND ({IRREGULAR_CHANGE} OR r.flag_modified) AND {_off_hours(q)}",
                q["max_records"],
            ),
        )
    for code, column in (
        ("points_exempted_above_peers", "r.flag_points_exempted"),
        ("violation_downgraded_above_peers", "r.flag_downgraded"),
    ):
        if p(code):
            rule(code, _peers("r.business_type = 'violation.process'", peer="post_id", flagged=column, params=p(code)))
    if p("violation_throughput_above_peers"):
        rule(
            "violation_throughput_above_peers",
            _peers(
                "r.area = 'violation_processing'",
                peer="post_id",
                flagged=None,
                params=p("violation_throughput_above_peers"),
            ),
        )
    if p("account_repeated_cancellations"):
        rule(
            "account_repeated_cancellations",
            _subjects(
                "operator_account",
                "(r.flag_cancelled OR r.status = 'cancelled')",
                p("account_repeated_cancellations")["max_records"],
            ),
        )
    if p("accident_overdue"):
        q = p("accident_overdue")
        statement = _persons(
            f"r.area = 'accident_handling' AND r.time_limit_hours IS NOT NULL AND r.status NOT IN {VOID}"
            " AND r.accepted_at + make_interval(hours => r.time_limit_hours) >= %(start)s"
            " AND r.accepted_at + make_interval(hours => r.time_limit_hours) < %(end)s"
            f" AND {_hours('COALESCE(r.completed_at, %(as_of)s)', 'r.accepted_at')} > r.time_limit_hours",
            q["max_cases"],
        ).replace(MONTH, "r.accepted_at >= %(lookback)s AND r.accepted_at < %(end)s")
        rule("accident_overdue", statement, lookback=start - timedelta(days=q["lookback_days"]))
    if p("accident_quick_close"):
        q = p("accident_quick_close")
        rule(
            "accident_quick_close",
            _persons(
                f"r.business_type = 'accident.close' AND r.completed_at IS NOT NULL AND r.status NOT IN {VOID}"
                f" AND {_hours('r.completed_at', 'r.accepted_at')} < {q['min_hours']}",
                q["max_records"],
            ),
        )
    if p("accident_liability_modified"):
        rule(
            "accident_liability_modified",
            _persons(
                "r.area = 'accident_handling' AND r.flag_modified", p("accident_liability_modified")["max_records"]
            ),
        )
    if p("manual_discard_above_peers"):
        rule(
            "manual_discard_above_peers",
            _peers(
                "r.area = 'nonsite_enforcement'",
                peer="post_id",
                flagged="r.flag_manual_discard",
                params=p("manual_discard_above_peers"),
            ),
        )
    if p("nonsite_daily_mass_discard"):
        rule(
            "nonsite_daily_mass_discard",
            _persons(
                "r.area = 'nonsite_enforcement' AND r.flag_manual_discard",
                p("nonsite_daily_mass_discard")["max_per_day"],
                days=True,
            ),
        )
    if p("nonsite_repeat_discard_same_owner"):
        rule(
            "nonsite_repeat_discard_same_owner",
            _persons(
                "r.area = 'nonsite_enforcement' AND r.flag_manual_discard AND r.applicant_id <> ''",
                p("nonsite_repeat_discard_same_owner")["max_per_owner"],
                by="applicant_id",
            ),
        )
    if p("dui_not_transferred"):
        q = p("dui_not_transferred")
        limit = timedelta(days=q["days"])
        statement = _persons(
            f"r.flag_public_servant_dui AND r.status NOT IN {VOID} AND ("
            "(NOT r.flag_transferred AND r.accepted_at < %(overdue_before)s)"
            f" OR (r.flag_transferred AND {_hours('r.completed_at', 'r.accepted_at')} > {q['days'] * 24}))",
            q["max_cases"],
        ).replace(MONTH, "r.accepted_at >= %(from)s AND r.accepted_at < %(to)s")
        rule(
            "dui_not_transferred",
            statement,
            **{"from": start - limit, "to": end - limit, "overdue_before": as_of - limit},
        )
    if p("road_downgraded_above_peers"):
        rule(
            "road_downgraded_above_peers",
            _peers(
                "r.business_type = 'road.ticket'",
                peer="post_id",
                flagged="r.flag_downgraded",
                params=p("road_downgraded_above_peers"),
            ),
        )
    if p("road_warning_share_above_peers"):
        rule(
            "road_warning_share_above_peers",
            _peers(
                "r.business_type IN ('road.ticket', 'road.warning')",
                peer="unit_id",
                flagged="r.business_type = 'road.warning'",
                params=p("road_warning_share_above_peers"),
            ),
        )
    return {code: (sql, sql_params[code]) for code, sql in statements.items()}


# --- B2: the circuit-breaker models --------------------------------------------------------------------

IRREGULAR = "(b.flag_deleted OR b.flag_cancelled OR b.flag_downgraded OR b.status IN ('deleted', 'cancelled'))"


def breaker_statements(params: dict[str, dict]) -> dict[str, str]:
    """code -> SQL over the new records (`id > %(after)s`, accepted since `%(since)s`): the records
    whose sliding window exceeds the threshold, with the count, as the breaker rules compute them —
    the same algorithm (suspects first: subjects over the threshold across the whole span, then a
    LATERAL window count per suspect record), in one statement over all the new records at once."""
    statements = {}

    def statement(*, subject, where, population, counts, over, lateral, outer, minutes) -> str:
        return (
            f"WITH new AS (SELECT * FROM risk_businessrecord n WHERE n.id > %(after)s"  # noqa: S608
            f" AND n.accepted_at >= %(since)s AND n.{subject} <> '' AND {where}),"
            f" span AS (SELECT MIN(accepted_at) - interval '{int(minutes)} minutes' AS first,"
            f" MAX(accepted_at) AS last FROM new),"
            f" suspects AS (SELECT b.{subject} FROM risk_businessrecord b, span WHERE b.accepted_at > span.first"
            f" AND b.accepted_at <= span.last AND {population} GROUP BY b.{subject} HAVING {over})"
            f" SELECT n.id, n.{subject}, n.unit_id, n.accepted_at, w.* FROM new n CROSS JOIN LATERAL"
            f" (SELECT {counts} FROM risk_businessrecord b WHERE b.{subject} = n.{subject}"
            f" AND b.accepted_at <= n.accepted_at AND b.accepted_at > n.accepted_at - interval '{int(minutes)} minutes'"
            f" AND {lateral}) w WHERE n.{subject} IN (SELECT {subject} FROM suspects) AND {outer}"
        )

    if "breaker_device_many_accounts" in params:
        q = params["breaker_device_many_accounts"]
        accounts = "COUNT(DISTINCT b.operator_account)"
        statements["breaker_device_many_accounts"] = statement(
            subject="device_id",
            where="TRUE",
            population="b.operator_account <> ''",
            counts=f"{accounts} AS accounts",
            over=f"{accounts} > {int(q['max_accounts'])}",
            lateral="b.operator_account <> ''",
            outer=f"w.accounts > {int(q['max_accounts'])}",
            minutes=q["window_minutes"],
        )
    if "breaker_account_irregular_batch" in params:
        q = params["breaker_account_irregular_batch"]
        statements["breaker_account_irregular_batch"] = statement(
            subject="operator_account",
            where=IRREGULAR.replace("b.", "n."),
            population=IRREGULAR,
            counts="COUNT(*) AS irregular",
            over=f"COUNT(*) > {int(q['max_records'])}",
            lateral=IRREGULAR,
            outer=f"w.irregular > {int(q['max_records'])}",
            minutes=q["window_minutes"],
        )
    if "breaker_account_many_endpoints" in params:
        q = params["breaker_account_many_endpoints"]
        ips, devices = "COUNT(DISTINCT b.client_ip)", "COUNT(DISTINCT b.device_id) FILTER (WHERE b.device_id <> '')"
        over = f"{ips} > {int(q['max_ips'])} OR {devices} > {int(q['max_devices'])}"
        statements["breaker_account_many_endpoints"] = statement(
            subject="operator_account",
            where="TRUE",
            population="TRUE",
            counts=f"{ips} AS ips, {devices} AS devices",
            over=over,
            lateral="TRUE",
            outer=f"(w.ips > {int(q['max_ips'])} OR w.devices > {int(q['max_devices'])})",
            minutes=q["window_minutes"],
        )
    return statements


# --- B7: the deadline scan ------------------------------------------------------------------------------

ITEMS = "rectification_rectificationitem"


def deadline_scan_sql(cursor, *, today, with_notifications: bool = True) -> dict[str, float]:
    """The deadline scan of `today` in raw SQL: one UPDATE per transition class (overdue, due soon,
    back to normal; the two reminder markers; the escalation level) and, with `with_notifications`,
    the same notifications as the project sends (same keys, recipients and titles), one INSERT …
    SELECT per class. Returns the seconds spent in the UPDATEs and in the INSERTs."""
    import time

    from django.conf import settings
    from django.utils.translation import gettext as _

    from accounts.models import Role
    from accounts.selectors import role_holders_by_unit
    from core.calendar import add_working_days
    from rectification.escalation import _targets
    from rectification.models import EscalationStep

    spent = {"updates": 0.0, "inserts": 0.0}

    def run(kind: str, sql: str, params: list | dict | None = None) -> None:
        started = time.perf_counter()
        cursor.execute(sql, params)
        spent[kind] += time.perf_counter() - started

    threshold = add_working_days(today, settings.DUE_SOON_WORKING_DAYS)
    open_items = f"UPDATE {ITEMS} SET due_state = %s WHERE status = 'open' AND due_state <> %s AND "  # noqa: S608
    run("updates", open_items + "deadline < %s", ["overdue", "overdue", today])
    run("updates", open_items + "deadline >= %s AND deadline <= %s", ["due_soon", "due_soon", today, threshold])
    run("updates", open_items + "deadline > %s", ["normal", "normal", threshold])

    unit_ids = [row[0] for row in _fetch(cursor, "SELECT id FROM accounts_unit")]
    notification = (
        "INSERT INTO core_notification (recipient_id, key, title, body, url, created_at)"
        " SELECT DISTINCT ON (recipient, key) recipient, key, title, body, url, now() FROM ({rows}) n"
        " ON CONFLICT (recipient_id, key) DO NOTHING"
    )
    if with_notifications:
        leaders = role_holders_by_unit((Role.UNIT_LEADER,), unit_ids, exact=True)
        leader_values = _values([(unit, user) for unit, users in leaders.items() for user in users])
    for due_state, marker, title in (
        ("due_soon", "due_soon_notified_for", _("Rectification item due soon (%(deadline)s)")),
        ("overdue", "overdue_notified_for", _("Rectification item overdue since %(deadline)s")),
    ):
        pending = f"i.status = 'open' AND i.due_state = '{due_state}' AND i.{marker} IS DISTINCT FROM i.deadline"
        if with_notifications:
            prefix, suffix = title.split("%(deadline)s")
            columns = (
                f"'item:' || i.id || ':{due_state}:' || i.deadline AS key, %(prefix)s || i.deadline || %(suffix)s AS"
                " title, LEFT(i.problem, 200) AS body, '/rectification/items/' || i.id || '/' AS url"
            )
            rows = (
                f"SELECT l.user_id AS recipient, {columns} FROM {ITEMS} i JOIN ({leader_values}) l(unit_id, user_id)"  # noqa: S608
                f" ON l.unit_id = i.unit_id WHERE {pending}"
                f" UNION ALL SELECT p.user_id, {columns} FROM {ITEMS} i JOIN accounts_person p"
                f" ON p.id = i.responsible_person_id WHERE {pending} AND p.user_id IS NOT NULL"
            )
            run("inserts", notification.format(rows=rows), {"prefix": prefix, "suffix": suffix})
        run("updates", f"UPDATE {ITEMS} i SET {marker} = i.deadline WHERE {pending}")  # noqa: S608

    steps = list(EscalationStep.objects.order_by("level").values_list("level", "days_overdue", "target"))
    if not steps:
        return spent
    cutoffs = [(level, today - timedelta(days=days)) for level, days, _target in steps]
    if with_notifications:
        targets = []
        for step in EscalationStep.objects.order_by("level"):
            for unit, users in _targets(step, set(unit_ids)).items():
                targets += [(step.level, unit, user) for user in users]
        title = _("Escalated (level %(level)d): item overdue since %(deadline)s")
        rung_values = _values([(level, cutoff.isoformat()) for level, cutoff in cutoffs], ("int", "date"))
        rows = (
            "SELECT t.user_id AS recipient, 'item:' || i.id || ':escalation:' || s.level || ':' || i.deadline AS key,"  # noqa: S608
            " replace(replace(%(title)s, '%%(level)d', s.level::text), '%%(deadline)s', i.deadline::text) AS title,"
            " LEFT(i.problem, 200) AS body, '/rectification/items/' || i.id || '/' AS url"
            f" FROM {ITEMS} i JOIN ({rung_values}) s(level, cutoff)"
            " ON i.deadline <= s.cutoff AND i.escalation_level < s.level"
            f" JOIN ({_values(targets)}) t(level, unit_id, user_id) ON t.level = s.level AND t.unit_id = i.unit_id"
            " WHERE i.status = 'open'"
        )
        run("inserts", notification.format(rows=rows), {"title": title})
    level = " ".join(f"WHEN deadline <= '{cutoff.isoformat()}' THEN {number}" for number, cutoff in reversed(cutoffs))
    _first_level, first_cutoff = cutoffs[0]
    run(
        "updates",
        f"UPDATE {ITEMS} SET escalation_level = CASE {level} END"  # noqa: S608
        f" WHERE status = 'open' AND deadline <= %s AND escalation_level < CASE {level} END",
        [first_cutoff],
    )
    return spent


def _fetch(cursor, sql: str, params=None) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def _values(rows: list[tuple], types: tuple[str, ...] | None = None) -> str:
    """A VALUES list of integer (or typed) literals; never empty (a row that joins nothing)."""
    if not rows:
        width = len(types) if types else 2
        return "VALUES (" + ", ".join(["NULL::bigint"] * width) + ")"
    if types:
        rendered = [
            "(" + ", ".join(str(int(v)) if t == "int" else f"'{v}'::{t}" for v, t in zip(row, types, strict=True)) + ")"
            for row in rows
        ]
    else:
        rendered = ["(" + ", ".join(str(int(v)) for v in row) + ")" for row in rows]
    return "VALUES " + ", ".join(rendered)
