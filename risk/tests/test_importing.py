"""The business-record import (risk.importing) and its commands. Runs on SQLite (batched bulk upserts)
and on PostgreSQL (COPY into a staging table and one upsert)."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from accounts.models import DataScope, Role
from accounts.tests.factories import PersonFactory, UserFactory
from audit.models import AuditEvent
from conftest import make_persona
from core.errors import NotPermitted
from core.services import RowErrors
from risk.importing import BATCH_SIZE, FIELDS, business_record_rows_from_csv, business_records_import
from risk.models import BusinessRecord

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever the default language."""
    with translation.override("en"):
        yield


def row(number: int = 1, **overrides) -> dict:
    """A valid row of the import format for squad A1."""
    values = {
        "source_system": "six_in_one",
        "external_id": f"E{number:06d}",
        "area": "violation_processing",
        "business_type": "violation.process",
        "unit_code": "A1",
        "operator_badge": "",
        "operator_account": "",
        "device_id": "PC-A1-01",
        "client_ip": "10.43.1.11",
        "applicant_id": "430702199001011234",
        "agent_id": "",
        "accepted_at": "2026-10-09T09:30:00+08:00",
        "completed_at": "2026-10-09T09:45:00+08:00",
        "time_limit_hours": None,
        "status": "completed",
        "flags": [],
        "amount": "200.00",
        "points": 3,
        "result": "penalised",
    }
    values.update(overrides)
    return values


def to_csv(rows: list[dict]) -> str:
    lines = [",".join(FIELDS)]
    for values in rows:
        cells = []
        for name in FIELDS:
            value = values.get(name)
            if isinstance(value, list):
                value = ";".join(value)
            cells.append("" if value is None else str(value))
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


@pytest.fixture
def clerk(org):
    return PersonFactory(unit=org.a1, badge_number="730001", name="违法处理员")


# --- validation ----------------------------------------------------------------------------------------


def test_valid_rows_are_imported_with_flags_unit_operator_and_one_audit_event(org, clerk):
    # given
    rows = [
        row(1, operator_badge="730001", operator_account="730001", flags=["deleted", "modified"], status="deleted"),
        row(2, amount=50, points=None, completed_at=None, time_limit_hours="24", client_ip=""),
    ]

    # when
    result = business_records_import(actor=None, rows=rows)

    # then
    assert (result.created, result.updated, result.skipped) == (2, 0, 0)
    assert result.errors == [] and result.unknown_references == []
    first = BusinessRecord.objects.get(external_id="E000001")
    assert first.unit == org.a1 and first.operator == clerk
    assert first.flags == ["deleted", "modified"] and first.flag_deleted and not first.flag_cancelled
    assert first.accepted_at == datetime(2026, 10, 9, 1, 30, tzinfo=UTC)
    assert first.amount == Decimal("200.00") and first.points == 3
    second = BusinessRecord.objects.get(external_id="E000002")
    assert second.operator is None and second.completed_at is None and second.client_ip is None
    assert second.time_limit_hours == 24 and second.amount == Decimal("50.00") and second.points is None
    event = AuditEvent.objects.get(action="business_records.import")
    assert event.changes["created"] == 2 and event.changes["source_systems"] == ["six_in_one"]


BAD_ROWS = [
    ({"accepted_at": "2026-10-09T09:30:00"}, "accepted_at", "UTC offset"),
    ({"accepted_at": "yesterday"}, "accepted_at", "not an ISO 8601"),
    ({"accepted_at": ""}, "accepted_at", "required"),
    ({"completed_at": "2026-10-09T08:00:00+08:00"}, "completed_at", "before accepted_at"),
    ({"flags": ["deleted", "burnt"]}, "flags", "unknown flag burnt"),
    ({"flags": "deleted"}, None, None),  # a string of flags is fine
    ({"flags": {"deleted": True}}, "flags", "must be a list"),
    ({"unit_code": "NOPE"}, "unit_code", "unknown unit NOPE"),
    ({"area": "parking"}, "area", "must be one of"),
    ({"status": "lost"}, "status", "must be one of"),
    ({"business_type": "Violation Delete"}, "business_type", "code such as"),
    ({"client_ip": "10.0.0.300"}, "client_ip", "not an IPv4 or IPv6"),
    ({"amount": "12.345"}, "amount", "two decimal places"),
    ({"amount": "twelve"}, "amount", "must be a number"),
    ({"points": -3}, "points", "between 0 and"),
    ({"time_limit_hours": 1.5}, "time_limit_hours", "whole number"),
    ({"external_id": "x" * 81}, "external_id", "longer than 80"),
    ({"source_system": None}, "source_system", "required"),
    ({"operator_id": "730001"}, "operator_id", "unknown field"),
]


@pytest.mark.parametrize(("overrides", "field", "reason"), BAD_ROWS)
def test_a_bad_row_names_its_row_field_and_reason_and_nothing_is_written(org, overrides, field, reason):
    # given: a good row, the bad one as row 2, another good row
    rows = [row(1), row(2, **overrides), row(3)]

    # when
    if field is None:
        assert business_records_import(actor=None, rows=rows).created == 3
        return
    with pytest.raises(RowErrors) as raised:
        business_records_import(actor=None, rows=rows)

    # then
    assert [(e["row"], e["field"]) for e in raised.value.errors] == [(2, field)]
    assert reason in raised.value.errors[0]["error"]
    assert "1 rows are invalid" in raised.value.message
    assert not BusinessRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="business_records.import").exists()


def test_every_bad_row_is_reported_at_once_and_a_repeated_key_is_bad(org):
    # given
    rows = [
        row(1, accepted_at="2026-10-09", unit_code="NOPE"),
        row(2),
        "not a row",
        row(2, amount="1.001"),
        row(2),
    ]

    # when
    with pytest.raises(RowErrors) as raised:
        business_records_import(actor=None, rows=rows)

    # then
    assert [(e["row"], e["field"]) for e in raised.value.errors] == [
        (1, "accepted_at"),
        (3, ""),
        (4, "amount"),
        (5, "external_id"),
    ]
    assert raised.value.errors[-1]["error"] == "repeats row 2"
    assert not BusinessRecord.objects.exists()


def test_skip_invalid_lands_the_good_rows_and_reports_the_bad_ones(org):
    # given
    rows = [row(1), row(2, unit_code="NOPE"), row(3, flags=["burnt"], status="gone"), row(4)]

    # when
    result = business_records_import(actor=None, rows=rows, skip_invalid=True)

    # then
    assert (result.created, result.updated, result.skipped) == (2, 0, 2)
    assert [(e["row"], e["field"]) for e in result.errors] == [(2, "unit_code"), (3, "flags"), (3, "status")]
    assert set(BusinessRecord.objects.values_list("external_id", flat=True)) == {"E000001", "E000004"}


# --- idempotency ---------------------------------------------------------------------------------------


def test_reimporting_the_same_keys_updates_and_never_duplicates(org, clerk):
    # given
    business_records_import(actor=None, rows=[row(1), row(2)])
    ids = dict(BusinessRecord.objects.values_list("external_id", "pk"))

    # when: the same records again, one changed, plus a new one
    result = business_records_import(
        actor=None,
        rows=[row(1), row(2, status="deleted", flags="deleted|modified", operator_badge="730001"), row(3)],
    )

    # then
    assert (result.created, result.updated) == (1, 2)
    assert BusinessRecord.objects.count() == 3
    assert dict(BusinessRecord.objects.filter(pk__in=ids.values()).values_list("external_id", "pk")) == ids
    changed = BusinessRecord.objects.get(external_id="E000002")
    assert changed.status == "deleted" and changed.flags == ["deleted", "modified"] and changed.operator == clerk


def test_the_same_external_id_in_another_source_system_is_another_record(org):
    business_records_import(actor=None, rows=[row(1)])

    result = business_records_import(actor=None, rows=[row(1, source_system="accident_system")])

    assert (result.created, result.updated) == (1, 0)
    assert BusinessRecord.objects.count() == 2


def test_a_batch_larger_than_one_write_batch_is_counted_right(org):
    # given: half of the rows exist already
    count = BATCH_SIZE * 2 + 10
    business_records_import(actor=None, rows=[row(n) for n in range(0, count, 2)])

    # when
    result = business_records_import(actor=None, rows=[row(n, result="again") for n in range(count)])

    # then
    assert (result.created, result.updated) == (count // 2, count // 2)
    assert BusinessRecord.objects.count() == count
    assert not BusinessRecord.objects.exclude(result="again").exists()


def test_two_imports_in_one_transaction_both_land(org):
    from django.db import transaction

    with transaction.atomic():
        business_records_import(actor=None, rows=[row(1)])
        business_records_import(actor=None, rows=[row(2)])

    assert BusinessRecord.objects.count() == 2


# --- references ----------------------------------------------------------------------------------------


def test_unknown_badges_and_accounts_are_imported_and_reported(org, clerk):
    # given: a known badge, a known platform username as account, and unknown ones
    UserFactory(username="cgs_zhang")
    rows = [
        row(1, operator_badge="730001", operator_account="cgs_zhang"),
        row(2, operator_badge="999999", operator_account="730001"),
        row(3, operator_badge="", operator_account="ghost01"),
    ]

    # when
    result = business_records_import(actor=None, rows=rows)

    # then
    assert result.created == 3
    assert result.unknown_references == [
        {"row": 2, "field": "operator_badge", "value": "999999"},
        {"row": 3, "field": "operator_account", "value": "ghost01"},
    ]
    unknown = BusinessRecord.objects.get(external_id="E000002")
    assert unknown.operator is None and unknown.operator_badge == "999999"


# --- scope ---------------------------------------------------------------------------------------------


def test_an_api_client_with_own_unit_scope_cannot_import_for_another_unit(org):
    # given
    client = make_persona("a1_client", Role.API_CLIENT, org.a1, DataScope.OWN_UNIT)

    # when
    with pytest.raises(RowErrors) as raised:
        business_records_import(actor=client, rows=[row(1), row(2, unit_code="B1")])

    # then
    assert raised.value.errors == [{"row": 2, "field": "unit_code", "error": "unit B1 is outside your data scope"}]
    assert not BusinessRecord.objects.exists()
    assert business_records_import(actor=client, rows=[row(1)]).created == 1


def test_only_api_clients_and_administrators_import(org, squad_leader, supervisor, api_client_user, admin_user):
    for user in (squad_leader, supervisor):
        with pytest.raises(NotPermitted):
            business_records_import(actor=user, rows=[row(1)])
    assert not BusinessRecord.objects.exists()

    assert business_records_import(actor=api_client_user, rows=[row(1)]).created == 1
    assert business_records_import(actor=admin_user, rows=[row(1)]).updated == 1
    assert AuditEvent.objects.filter(action="business_records.import", actor=admin_user).exists()


# --- CSV -----------------------------------------------------------------------------------------------


def test_csv_rows_are_numbered_from_2_and_flags_are_separated_by_semicolons_or_bars(org):
    # given
    text = "\ufeff" + to_csv([row(1, flags=["deleted", "modified"]), row(2, flags="cancelled|transferred")])

    # when
    rows = business_record_rows_from_csv(text)
    result = business_records_import(actor=None, rows=rows, first_row=2)

    # then
    assert result.created == 2
    assert BusinessRecord.objects.get(external_id="E000001").flags == ["deleted", "modified"]
    assert BusinessRecord.objects.get(external_id="E000002").flags == ["cancelled", "transferred"]

    bad = business_record_rows_from_csv(to_csv([row(1), row(2, accepted_at="2026-10-09 09:30")]))
    with pytest.raises(RowErrors) as raised:
        business_records_import(actor=None, rows=bad, first_row=2)
    assert [(e["row"], e["field"]) for e in raised.value.errors] == [(3, "accepted_at")]


def test_a_csv_header_without_a_required_column_or_with_an_unknown_one_is_row_1():
    text = "source_system,external_id,area,business_type,accepted_at,status,colour\n"

    with pytest.raises(RowErrors) as raised:
        business_record_rows_from_csv(text)

    assert raised.value.errors == [
        {"row": 1, "field": "unit_code", "error": "missing column"},
        {"row": 1, "field": "colour", "error": "unknown column"},
    ]


def test_a_csv_line_with_too_many_cells_is_a_bad_row(org):
    rows = business_record_rows_from_csv(to_csv([row(1)]).rstrip("\n") + ",extra\n")

    with pytest.raises(RowErrors) as raised:
        business_records_import(actor=None, rows=rows, first_row=2)

    assert [(e["row"], e["field"]) for e in raised.value.errors] == [(2, "")]


# --- the commands --------------------------------------------------------------------------------------


def test_import_command_reads_json_and_csv_and_reports(org, tmp_path, clerk):
    # given
    as_json = tmp_path / "records.json"
    as_json.write_text(json.dumps({"records": [row(1, operator_badge="730001"), row(2, operator_badge="4040")]}))
    as_csv = tmp_path / "records.txt"
    as_csv.write_text(to_csv([row(2), row(3)]), encoding="utf-8")

    # when
    out = StringIO()
    call_command("import_business_records", str(as_json), stdout=out)
    call_command("import_business_records", str(as_csv), "--format", "csv", stdout=out)

    # then
    assert "2 rows: 2 created, 0 updated, 0 skipped" in out.getvalue()
    assert "2 rows: 1 created, 1 updated, 0 skipped" in out.getvalue()
    assert "row 2: operator_badge 4040" in out.getvalue()
    assert BusinessRecord.objects.count() == 3


def test_import_command_lists_the_bad_rows_or_skips_them(org, tmp_path):
    # given
    path = tmp_path / "records.csv"
    path.write_text(to_csv([row(1), row(2, unit_code="NOPE"), row(3, area="x")]), encoding="utf-8")

    # when / then
    with pytest.raises(CommandError) as raised:
        call_command("import_business_records", str(path))
    assert "row 3: unit_code: unknown unit NOPE" in str(raised.value)
    assert "Bad rows: 3, 4" in str(raised.value)
    assert not BusinessRecord.objects.exists()

    out = StringIO()
    call_command("import_business_records", str(path), "--skip-invalid", stdout=out)
    assert "3 rows: 1 created, 0 updated, 2 skipped" in out.getvalue()
    assert BusinessRecord.objects.count() == 1


def test_import_command_refuses_an_unknown_format_and_bad_json(tmp_path):
    path = tmp_path / "records.xml"
    path.write_text("<records/>")
    with pytest.raises(CommandError, match="--format json"):
        call_command("import_business_records", str(path))
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_business_records", str(path), "--format", "json")


def test_seed_demo_seeds_business_records_once_and_the_seed_command_is_idempotent(db):
    """One demo seeding (slow): the records carry the anomalies; re-seeding updates, never duplicates."""
    # given
    call_command("seed_demo", stdout=StringIO())
    count = BusinessRecord.objects.count()
    assert count > 4000
    assert set(BusinessRecord.objects.values_list("area", flat=True).distinct()) == {
        "vehicle_admin",
        "driver_admin",
        "violation_processing",
        "accident_handling",
        "nonsite_enforcement",
        "road_enforcement",
    }
    assert not BusinessRecord.objects.filter(operator__isnull=True).exists()
    # The clerk of DD01-ZD01 deletes 12 violation records a day on four days each month.
    deletes = BusinessRecord.objects.filter(unit__code="DD01-ZD01", business_type="violation.delete", flag_deleted=True)
    assert deletes.count() == 2 * 4 * 12 + 12  # and a batch on the morning of the demo's today
    assert deletes.values("operator_badge").distinct().count() == 1
    # One agent for 30 applicants; one device for 6 accounts; a public-servant DUI left untransferred.
    agent = BusinessRecord.objects.filter(agent_id="430702198505121236", accepted_at__month=10)
    assert agent.values("applicant_id").distinct().count() == 30
    assert BusinessRecord.objects.filter(device_id="PC-DD04-CK01-01").values("operator_account").distinct().count() >= 6
    assert BusinessRecord.objects.filter(flag_public_servant_dui=True, flag_transferred=False).count() == 4
    # The demo's today has a morning (before 10:00) of records for the circuit breakers' 24-hour scan.
    morning = BusinessRecord.objects.filter(external_id__startswith="20261123-")
    ten_o_clock = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    assert morning.count() > 50
    assert not morning.filter(accepted_at__gte=ten_o_clock).exists()
    assert not morning.filter(completed_at__gt=ten_o_clock).exists()

    # when
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "nothing written" in out.getvalue()
    events = AuditEvent.objects.count()
    call_command("seed_business_records", "--months", "2", "--records", "2500", stdout=out)

    # then
    assert BusinessRecord.objects.count() == count
    assert out.getvalue().count(" 0 created") == 3
    assert AuditEvent.objects.count() == events + 3


def _upserts(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "ON CONFLICT" in q["sql"]]


def test_new_records_are_copied_straight_into_the_table_on_postgresql(org):
    """Pinned after bench B3: new records take a plain COPY into the table: no lookup of stored keys,
    no staging upsert."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from django.test.utils import CaptureQueriesContext

    # when
    with CaptureQueriesContext(connection) as queries:
        result = business_records_import(actor=None, rows=[row(n) for n in range(2500)])

    # then
    assert (result.created, result.updated) == (2500, 0)
    assert _upserts(queries) == []
    assert not [q for q in queries.captured_queries if "= ANY(" in q["sql"]]
    assert BusinessRecord.objects.count() == 2500


def test_stored_records_take_one_staging_upsert_on_postgresql(org):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from django.test.utils import CaptureQueriesContext

    # given
    business_records_import(actor=None, rows=[row(n) for n in range(1000)])

    # when: 400 stored ones (changed) and 600 new ones
    rows = [row(n, result="changed") for n in range(600, 1600)]
    with CaptureQueriesContext(connection) as queries:
        result = business_records_import(actor=None, rows=rows)

    # then
    assert (result.created, result.updated) == (600, 400)
    [upsert] = _upserts(queries)
    assert "FROM risk_business_record_staging" in upsert
    assert BusinessRecord.objects.count() == 1600
    assert BusinessRecord.objects.filter(result="changed").count() == 1000


def test_a_record_stored_in_between_falls_back_to_the_upsert(org, monkeypatch):
    """A concurrent import storing a "new" record between the lookup and the COPY: the COPY is rolled
    back to its savepoint and every record takes the upsert; nothing is duplicated or lost."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from risk import importing

    # given: stored records the lookup will not see
    business_records_import(actor=None, rows=[row(n) for n in range(10)])
    monkeypatch.setattr(importing, "_existing_keys", lambda cursor, records: set())

    # when
    result = business_records_import(actor=None, rows=[row(n, result="again") for n in range(15)])

    # then
    assert (result.created, result.updated) == (5, 10)
    assert BusinessRecord.objects.count() == 15
    assert BusinessRecord.objects.filter(result="again").count() == 15


def test_a_bad_row_in_a_later_chunk_rolls_back_the_chunks_already_written(org, monkeypatch):
    """Chunks are written while the next ones are validated (bench B3): a bad row in the last one
    still means nothing was imported, and with skip_invalid the good rows of every chunk land."""
    from risk import importing

    # given: four chunks, the bad row in the last one
    monkeypatch.setattr(importing, "CHUNK_SIZE", 1000)
    rows = [row(n) for n in range(3500)]
    rows[3200]["area"] = "nowhere"
    audits = AuditEvent.objects.count()

    # when
    with pytest.raises(RowErrors) as raised:
        business_records_import(actor=None, rows=rows)

    # then
    assert [error["row"] for error in raised.value.errors] == [3201]
    assert BusinessRecord.objects.count() == 0
    assert AuditEvent.objects.count() == audits

    # and with skip_invalid
    result = business_records_import(actor=None, rows=rows, skip_invalid=True)
    assert (result.created, result.skipped) == (3499, 1)
    assert BusinessRecord.objects.count() == 3499
