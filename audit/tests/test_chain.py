"""The operation log is hash-chained: edits and deletions are detected, and the app cannot make them."""

from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.models import AppendOnlyError, AuditCheck, AuditEvent
from audit.services import audit_chain_verify, audit_check_run, audit_record

pytestmark = pytest.mark.django_db


@contextmanager
def tampering():
    """Lift the PostgreSQL append-only trigger, as an attacker with database access would."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        try:
            yield connection
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
    else:
        yield connection


def raw(sql, params=()):
    with tampering(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def five_events(admin_user):
    for number in range(5):
        audit_record(
            actor=admin_user,
            action="test.event",
            object_type="test",
            object_id=str(number),
            changes={"n": {"before": None, "after": number}},
            note=f"第{number}条",
        )
    return list(AuditEvent.objects.filter(action="test.event").order_by("seq"))


def test_intact_chain_verifies(five_events):
    report = audit_chain_verify()
    assert report.is_intact, report.message
    assert report.events_checked == AuditEvent.objects.count()


def test_edited_row_is_detected(five_events):
    # given someone edits an event's note directly in the database
    target = five_events[2]
    raw("UPDATE audit_auditevent SET note = %s WHERE id = %s", ["篡改", target.pk])
    # then verification names exactly that event
    report = audit_chain_verify()
    assert not report.is_intact
    assert report.first_bad_seq == target.seq
    assert "altered" in report.message


def test_edited_row_with_recomputed_hash_breaks_the_next_link(five_events):
    target = five_events[1]
    raw("UPDATE audit_auditevent SET hash = %s WHERE id = %s", ["f" * 64, target.pk])
    report = audit_chain_verify()
    assert not report.is_intact
    assert report.first_bad_seq == target.seq  # its own hash no longer matches its content


def test_deleted_row_is_detected(five_events):
    target = five_events[3]
    raw("DELETE FROM audit_auditevent WHERE id = %s", [target.pk])
    report = audit_chain_verify()
    assert not report.is_intact
    assert report.first_bad_seq == target.seq
    assert "missing" in report.message


def test_deleted_last_row_is_detected(five_events):
    raw("DELETE FROM audit_auditevent WHERE id = %s", [five_events[-1].pk])
    report = audit_chain_verify()
    assert not report.is_intact
    assert report.first_bad_seq == five_events[-1].seq


def test_verify_audit_command_fails_on_broken_chain(five_events):
    call_command("verify_audit")  # intact: no error
    raw("DELETE FROM audit_auditevent WHERE id = %s", [five_events[0].pk])
    with pytest.raises(CommandError, match=f"#{five_events[0].seq}"):
        call_command("verify_audit")


def test_application_cannot_update_or_delete_events(five_events):
    event = five_events[0]
    event.note = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(note="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_database_refuses_direct_update_on_postgresql(five_events):
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET note = 'x' WHERE id = %s", [five_events[0].pk])


def test_event_rolls_back_with_the_change(admin_user):
    from django.db import transaction

    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=admin_user, action="test.rolled_back")
        raise RuntimeError("the change failed")
    assert AuditEvent.objects.count() == before
    assert audit_chain_verify().is_intact


def test_daily_check_is_idempotent_per_day(five_events):
    from datetime import date

    audit_check_run(on_date=date(2026, 11, 23))
    audit_check_run(on_date=date(2026, 11, 23))
    assert AuditCheck.objects.count() == 1
    assert AuditCheck.objects.get().is_intact


def test_audit_log_page_and_api_are_for_admin_and_discipline_only(
    client, five_events, supervisor, discipline_inspector, squad_leader
):
    for user, expected in [(discipline_inspector, 200), (supervisor, 403), (squad_leader, 403)]:
        client.force_login(user)
        assert client.get("/audit/").status_code == expected
        assert client.get("/api/v1/audit-events/").status_code == expected


def test_discipline_inspector_with_unit_scope_sees_only_that_units_events(client, org, admin_user):
    from accounts.models import DataScope, Role
    from conftest import make_persona

    audit_record(actor=admin_user, action="test.a", unit_id=org.a.pk)
    audit_record(actor=admin_user, action="test.b", unit_id=org.b.pk)
    inspector = make_persona("brigade_inspector", Role.DISCIPLINE_INSPECTOR, org.a, DataScope.UNIT_AND_BELOW)
    client.force_login(inspector)
    actions = {row["action"] for row in client.get("/api/v1/audit-events/").json()["results"]}
    assert "test.a" in actions
    assert "test.b" not in actions


def test_broken_chain_shows_on_admin_and_discipline_workbench(client, five_events, discipline_inspector, squad_leader):
    from datetime import date

    raw("DELETE FROM audit_auditevent WHERE id = %s", [five_events[1].pk])
    audit_check_run(on_date=date(2026, 11, 23))
    client.force_login(discipline_inspector)
    assert 'data-section="audit_chain"' in client.get("/").content.decode()
    client.force_login(squad_leader)
    assert 'data-section="audit_chain"' not in client.get("/").content.decode()
