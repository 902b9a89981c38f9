from datetime import date, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from dashboard import figures
from dashboard.models import Measure, RollupMonthly, RollupState
from dashboard.rollups import rollups_refresh
from dashboard.tasks import rollups_refresh_task
from risk.tests.factories import local, record


def _snapshot():
    return sorted(RollupMonthly.objects.values_list("month", "unit_id", "measure", "dim1", "dim2", "value"))


def test_a_refresh_writes_the_rollups_and_records_its_time(crafted, today):
    # when
    result = rollups_refresh()

    # then
    rows = {(m, unit, measure, d1, d2): v for m, unit, measure, d1, d2, v in _snapshot()}
    org = crafted.org
    october = date(2026, 10, 1)
    assert rows[(october, org.a1.pk, Measure.ALERTS, "red", "confirmed")] == 1
    assert rows[(october, org.a1.pk, Measure.ALERT_AREAS, "violation_processing", "confirmed")] == 1
    assert rows[(october, org.a1.pk, Measure.BUSINESS_RECORDS, "vehicle_admin", "")] == 2
    assert rows[(october, org.a1.pk, Measure.FLAGGED_RECORDS, "vehicle_admin", "")] == 1
    assert rows[(date(2026, 11, 1), org.b1.pk, Measure.BUSINESS_RECORDS, "vehicle_admin", "")] == 1
    assert rows[(date(2026, 9, 1), org.b1.pk, Measure.ITEMS_OVERDUE, "", "")] == 1
    assert set(RollupState.objects.values_list("measure", flat=True)) == set(Measure.values)
    assert set(RollupState.objects.values_list("refreshed_at", flat=True)) == {result.refreshed_at}
    assert result.total_rows == RollupMonthly.objects.count()


def test_a_second_refresh_changes_nothing_but_the_time(crafted, today, monkeypatch):
    # given
    rollups_refresh()
    before = _snapshot()
    first_time = RollupState.objects.get(measure=Measure.FINDINGS).refreshed_at

    # when: a quarter of an hour later
    later = timezone.now() + timedelta(minutes=15)
    monkeypatch.setattr(timezone, "now", lambda: later)
    rollups_refresh()

    # then
    assert _snapshot() == before
    assert RollupState.objects.get(measure=Measure.FINDINGS).refreshed_at == later > first_time


def test_a_refresh_follows_changes_of_the_recent_months(crafted, today, monkeypatch):
    # given
    rollups_refresh()
    from rectification.models import RectificationItem

    # when: I3 is closed out today, and another run comes
    RectificationItem.objects.filter(pk=crafted.items.i3.pk).update(status="closed", closed_at=timezone.now())
    rollups_refresh()

    # then
    closed = RollupMonthly.objects.get(measure=Measure.ITEMS_CLOSED, month=date(2026, 11, 1), unit=crafted.org.a1)
    assert closed.value == 2


def test_business_records_imported_later_refresh_their_own_month(crafted, today, monkeypatch):
    # given
    rollups_refresh()
    assert not RollupMonthly.objects.filter(measure=Measure.BUSINESS_RECORDS, month=date(2024, 3, 1)).exists()

    # when: an old month's record arrives, and the next refresh runs an hour later
    later = timezone.now() + timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    record(unit=crafted.org.a2, operator=None, accepted_at=local(2024, 3, 9))
    result = rollups_refresh()

    # then: that month is aggregated; the months without new records are left alone
    row = RollupMonthly.objects.get(measure=Measure.BUSINESS_RECORDS, month=date(2024, 3, 1))
    assert (row.unit_id, row.value) == (crafted.org.a2.pk, 1)
    assert "2024-03" in result.months[Measure.BUSINESS_RECORDS]


def test_refresh_of_one_month_by_hand(crafted, today):
    # given
    rollups_refresh()
    RollupMonthly.objects.filter(month=date(2026, 10, 1)).update(value=999)

    # when
    out = StringIO()
    call_command("refresh_rollups", "--month", "2026-10", stdout=out)

    # then
    assert not RollupMonthly.objects.filter(value=999).exists()
    assert "findings: 2026-10..2026-10" in out.getvalue()


def test_the_command_names_a_bad_month(db):
    with pytest.raises(CommandError, match="--month"):
        call_command("refresh_rollups", "--month", "October")


def test_the_task_refreshes_and_is_on_the_beat(crafted, today):
    result = rollups_refresh_task.delay().get()

    assert result["rows"][Measure.FINDINGS] >= 3
    beat = settings.CELERY_BEAT_SCHEDULE["dashboard-rollups-every-15-minutes"]
    assert beat["task"] == "dashboard.tasks.rollups_refresh_task"
    assert RollupState.objects.filter(refreshed_at__isnull=False).count() == len(Measure.values)


def test_figures_from_rollups_follow_the_refresh(crafted, committee_member, today):
    period = figures.parse_period("2026Q4")
    assert figures.key_figures(user=committee_member, period=period)["alerts_total"]["value"] == 0

    rollups_refresh()

    assert figures.key_figures(user=committee_member, period=period)["alerts_total"]["value"] == 3
