"""Freezing a year: immutable, idempotent snapshots with a digest; the command, the task and the beat."""

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from accounts.models import Person, Unit
from accounts.tests.factories import PersonFactory, UnitFactory
from archive.models import ArchiveSnapshot, SnapshotImmutable
from archive.services import Subject, archive_build, archive_digest, archive_for, archive_freeze
from archive.tasks import archive_freeze_task
from audit.models import AuditEvent
from audit.services import audit_chain_verify
from core.errors import DomainError, NotPermitted

pytestmark = pytest.mark.django_db


def _subject_count() -> int:
    return Unit.objects.count() + Person.objects.count()


# --- freezing --------------------------------------------------------------------------------------------


def test_freeze_writes_one_snapshot_per_unit_and_person_with_its_digest(crafted, org, clerk, after_2026):
    # given
    after_2026()

    # when
    result = archive_freeze(year=2026)

    # then
    assert result.year == 2026 and result.created == _subject_count() and result.existing == 0
    snapshot = ArchiveSnapshot.objects.get(year=2026, unit=org.a1)
    assert snapshot.kind == "unit" and snapshot.person_id is None and snapshot.frozen_by is None
    assert snapshot.digest == archive_digest(snapshot.data) and len(snapshot.digest) == 64
    assert [f["id"] for f in snapshot.data["sections"]["findings"]] == [crafted.grave.pk, crafted.finding.pk]
    person = ArchiveSnapshot.objects.get(year=2026, person=clerk)
    assert person.kind == "person" and person.unit_id is None
    assert [a["id"] for a in person.data["sections"]["alerts"]] == [crafted.confirmed.pk]
    event = AuditEvent.objects.get(action="archive.freeze")
    assert event.changes["created"] == result.created and event.changes["existing"] == 0
    assert audit_chain_verify().is_intact


def test_a_second_freeze_creates_nothing_and_rewrites_nothing(crafted, org, after_2026):
    # given
    after_2026()
    archive_freeze(year=2026)
    before = {s.pk: (s.digest, s.frozen_at) for s in ArchiveSnapshot.objects.all()}

    # when
    again = archive_freeze(year=2026)

    # then
    assert again.created == 0 and again.existing == _subject_count()
    assert {s.pk: (s.digest, s.frozen_at) for s in ArchiveSnapshot.objects.all()} == before
    assert AuditEvent.objects.filter(action="archive.freeze").count() == 2  # one event per run, with its counts


def test_a_new_subject_is_frozen_by_the_next_run_and_the_others_are_kept(crafted, org, after_2026):
    # given
    after_2026()
    archive_freeze(year=2026)
    newcomer = PersonFactory(unit=org.a2)

    # when
    result = archive_freeze(year=2026)

    # then
    assert result.created == 1
    assert ArchiveSnapshot.objects.filter(year=2026, person=newcomer).exists()


def test_the_frozen_archive_keeps_the_old_value_while_the_live_view_shows_the_new(crafted, org, after_2026):
    # given a frozen 2026
    after_2026()
    archive_freeze(year=2026)

    # when the finding is edited afterwards
    from supervision.models import Finding

    Finding.objects.filter(pk=crafted.grave.pk).update(severity="general", description="后来改过的描述")

    # then the frozen archive still says what was true at the freeze
    record = archive_for(org.a1, 2026)
    assert record.frozen and record.intact
    frozen = {f["id"]: f for f in record.data["sections"]["findings"]}[crafted.grave.pk]
    assert frozen["severity"] == "grave" and frozen["description"].endswith("违规办理业务")
    # while the live build shows the edit
    live = archive_build(year=2026, units=[org.a1], persons=[])[Subject("unit", org.a1.pk)]
    edited = {f["id"]: f for f in live["sections"]["findings"]}[crafted.grave.pk]
    assert edited["severity"] == "general" and edited["description"] == "后来改过的描述"


def test_archive_for_serves_the_live_build_of_a_year_not_frozen(crafted, org, clerk):
    record = archive_for(clerk, 2026)
    assert not record.frozen and record.intact is None and record.digest == "" and record.frozen_at is None
    assert [f["id"] for f in record.data["sections"]["findings"]] == [crafted.grave.pk]


@pytest.mark.parametrize("year", [2026, 2027, 1999, "20x6", None, True, 2026.0])
def test_an_unfinished_future_or_bad_year_is_refused_and_nothing_is_written(org, today, year):
    with pytest.raises(DomainError) as refused:
        archive_freeze(year=year)
    assert refused.value.field == "year"
    assert not ArchiveSnapshot.objects.exists()
    assert not AuditEvent.objects.filter(action="archive.freeze").exists()


def test_a_concurrent_freeze_that_won_leaves_this_run_writing_nothing(org, after_2026, monkeypatch):
    # given another run freezes A1 while this one is building
    from archive import services

    real_build = services.archive_build

    def build_while_another_run_freezes(**kwargs):
        built = real_build(**kwargs)
        data = built[Subject("unit", org.a1.pk)]
        ArchiveSnapshot.objects.create(
            kind="unit",
            unit=org.a1,
            year=2025,
            data=data,
            digest=archive_digest(data),
            frozen_at=services.timezone.now(),
        )
        return built

    after_2026()
    monkeypatch.setattr(services, "archive_build", build_while_another_run_freezes)

    # when / then: refused, naming the year, and nothing of this run is written
    with pytest.raises(DomainError) as refused:
        archive_freeze(year=2025)
    assert refused.value.field == "year"
    # (the simulated rival wrote inside this run's transaction here, so it rolls back with it)
    assert not ArchiveSnapshot.objects.exists()
    assert not AuditEvent.objects.filter(action="archive.freeze").exists()

    # and the next run freezes everything
    monkeypatch.setattr(services, "archive_build", real_build)
    assert archive_freeze(year=2025).created == _subject_count()


def test_only_an_administrator_may_freeze_by_hand(org, supervisor, admin_user, after_2026):
    after_2026()
    with pytest.raises(NotPermitted):
        archive_freeze(year=2025, actor=supervisor)
    assert not ArchiveSnapshot.objects.exists()
    result = archive_freeze(year=2025, actor=admin_user)
    assert result.created == _subject_count()
    assert ArchiveSnapshot.objects.filter(frozen_by=admin_user).count() == result.created


# --- immutability ---------------------------------------------------------------------------------------


@pytest.fixture
def snapshot(org, after_2026):
    after_2026()
    archive_freeze(year=2025)
    return ArchiveSnapshot.objects.get(unit=org.a1, year=2025)


def test_a_snapshot_refuses_save_and_delete(snapshot):
    snapshot.data = {"rewritten": True}
    with pytest.raises(SnapshotImmutable):
        snapshot.save()
    with pytest.raises(SnapshotImmutable):
        snapshot.delete()
    with pytest.raises(SnapshotImmutable):
        ArchiveSnapshot.objects.filter(pk=snapshot.pk).update(digest="0" * 64)
    with pytest.raises(SnapshotImmutable):
        ArchiveSnapshot.objects.filter(pk=snapshot.pk).delete()
    stored = ArchiveSnapshot.objects.get(pk=snapshot.pk)
    assert stored.digest == archive_digest(stored.data) and "rewritten" not in stored.data


def test_a_new_row_with_an_existing_pk_cannot_overwrite_it(snapshot, org):
    with pytest.raises(IntegrityError), transaction.atomic():
        ArchiveSnapshot(
            pk=snapshot.pk, kind="unit", unit=org.a2, year=2024, data={}, digest="0" * 64, frozen_at=snapshot.frozen_at
        ).save()
    assert ArchiveSnapshot.objects.get(pk=snapshot.pk).unit_id == org.a1.pk


def test_one_snapshot_per_subject_and_year_and_the_subject_matches_the_kind(snapshot, org):
    with pytest.raises(IntegrityError), transaction.atomic():
        ArchiveSnapshot.objects.create(
            kind="unit", unit=org.a1, year=2025, data={}, digest="0" * 64, frozen_at=snapshot.frozen_at
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ArchiveSnapshot.objects.create(
            kind="person", unit=UnitFactory(), year=2024, data={}, digest="0" * 64, frozen_at=snapshot.frozen_at
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_update_and_delete_of_a_snapshot(snapshot):
    for sql in (
        "UPDATE archive_archivesnapshot SET digest = 'x' WHERE id = %s",
        "DELETE FROM archive_archivesnapshot WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [snapshot.pk])
    assert ArchiveSnapshot.objects.get(pk=snapshot.pk).digest == archive_digest(snapshot.data)


def test_a_snapshot_changed_behind_the_applications_back_is_flagged(snapshot, org):
    # given someone with database access edits the stored data (lifting the trigger on PostgreSQL)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The freeze's deferred foreign-key checks must run before the table can be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE archive_archivesnapshot DISABLE TRIGGER archive_snapshot_immutable")
        cursor.execute(
            "UPDATE archive_archivesnapshot SET data = %s WHERE id = %s",
            ['{"kind": "unit", "sections": {}, "totals": {}}', snapshot.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE archive_archivesnapshot ENABLE TRIGGER archive_snapshot_immutable")

    # then reading it says so
    record = archive_for(org.a1, 2025)
    assert record.frozen and record.intact is False


# --- command, task, beat ----------------------------------------------------------------------------------


def test_command_freezes_a_year_and_a_rerun_creates_nothing(org, after_2026, capsys):
    after_2026()
    call_command("freeze_archive", "--year", "2025")
    assert f"2025: {_subject_count()} archive snapshots frozen, 0 already frozen" in capsys.readouterr().out
    call_command("freeze_archive", "--year", "2025")
    assert f"2025: 0 archive snapshots frozen, {_subject_count()} already frozen" in capsys.readouterr().out


def test_command_defaults_to_the_previous_year(org, after_2026):
    after_2026()
    call_command("freeze_archive")
    assert set(ArchiveSnapshot.objects.values_list("year", flat=True)) == {2026}


@pytest.mark.parametrize("year", ["2026", "2030", "1990", "twenty", "2025-01"])
def test_command_refuses_a_bad_or_unfinished_year(org, today, year):
    with pytest.raises(CommandError, match=r"^year: "):
        call_command("freeze_archive", "--year", year)
    assert not ArchiveSnapshot.objects.exists()


def test_task_freezes_the_year_that_has_just_ended(org, after_2026):
    after_2026()
    assert archive_freeze_task() == {"year": 2026, "created": _subject_count(), "existing": 0}
    assert archive_freeze_task(2025)["year"] == 2025
    assert archive_freeze_task() == {"year": 2026, "created": 0, "existing": _subject_count()}


def test_the_freeze_is_on_the_beat_on_the_second_of_january():
    entry = settings.CELERY_BEAT_SCHEDULE["archive-freeze-yearly"]
    assert entry["task"] == archive_freeze_task.name == "archive.tasks.archive_freeze_task"
    schedule = entry["schedule"]
    assert (schedule.month_of_year, schedule.day_of_month, schedule.hour, schedule.minute) == ({1}, {2}, {3}, {0})


# --- bounded queries -------------------------------------------------------------------------------------


def _grow(org, supervisor, count: int) -> None:
    from risk.tests.alert_factories import make_alert
    from supervision.tests.factories import make_finding

    for number in range(count):
        unit = UnitFactory(parent=org.a)
        person = PersonFactory(unit=unit)
        make_finding(actor=supervisor, unit=unit, persons=[person], description=f"问题{number}")
        make_alert(unit=unit, person=person)


def test_building_costs_the_same_number_of_queries_for_few_or_many_subjects(org, supervisor, today):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    _grow(org, supervisor, 2)
    with CaptureQueriesContext(conn) as few:
        archive_build(year=2026)
    _grow(org, supervisor, 12)
    with CaptureQueriesContext(conn) as many:
        built = archive_build(year=2026)
    assert len(built) == _subject_count()
    assert len(few.captured_queries) == len(many.captured_queries) <= 16


def test_freezing_costs_a_fixed_number_of_queries(org, supervisor, today, after_2026, django_assert_max_num_queries):
    _grow(org, supervisor, 3)
    after_2026()
    with django_assert_max_num_queries(30):
        archive_freeze(year=2026)
