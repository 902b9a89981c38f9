"""The figures about findings and items read the current-state rollups (B6 of issue 8): against the
crafted data set of conftest.py, a period that cuts months is whole months from the rollups by month
plus the cut days: the findings' categories and severities counted live, their layers and the items
read from the rollups by day; the figures lag until the next refresh and say so; a refresh rewrites
every month (and day) of these measures."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import figures
from dashboard.models import Measure, RollupMonthly, RollupState
from dashboard.rollups import rollups_refresh
from dashboard.tests import factories as f
from rectification.models import RectificationItem, RectificationNotice

# 15 October .. 30 November: October is cut (its days), November is whole (from the rollups by month).
CUT = figures.parse_period("2026-10-15..2026-11-30")


def _values(data: dict) -> dict:
    return {key: figure["value"] for key, figure in data.items() if isinstance(figure, dict) and "value" in figure}


def test_a_period_that_cuts_a_month_adds_the_cut_days(rolled_up, committee_member, today):
    whole, cut = figures._Figures(user=committee_member, period=CUT).split
    assert (whole, cut) == ([date(2026, 11, 1)], [(date(2026, 10, 15), date(2026, 10, 31))])

    value = _values(figures.key_figures(user=committee_member, period=CUT))

    assert value["findings_in_period"] == 2  # F4 (10-20, live) and F2 (11-02, rolled up); F1 (10-10) is out
    assert value["items_due"] == 4  # I1 10-20 (by day); I2, I3, I5 (by month); I4 is due in December
    assert (value["items_closed"], value["items_closed_on_time"]) == (2, 1)  # I1 on time, I2 late
    assert value["mean_working_days_to_close"] == 7.0  # I1 6 days (by day), I2 8 days (by month)
    breakdown = figures.findings_breakdown(user=committee_member, period=CUT)
    assert {row["severity"]: row["count"] for row in breakdown["by_severity"]} == {
        "general": 0,
        "serious": 1,
        "grave": 1,
    }
    assert {row["code"]: row["count"] for row in breakdown["by_category"]} == {
        "work_discipline": 1,
        "appearance": 1,
    }
    # the layer of the cut days comes from the rollup by day (F4, discipline layer, found 10-20)
    layers = {row["layer"]: row["count"] for row in breakdown["by_layer"]}
    assert (layers["discipline"], layers["unit_daily"], layers["committee"], layers[""]) == (1, 1, 0, 0)


def test_a_period_within_one_month_reads_only_its_days(rolled_up, committee_member, today):
    period = figures.parse_period("2026-11-01..2026-11-12")
    assert figures._Figures(user=committee_member, period=period).split[0] == []

    value = _values(figures.key_figures(user=committee_member, period=period))

    assert value["findings_in_period"] == 1  # F2
    assert value["items_due"] == 2  # I5 11-01, I2 11-10
    assert value["mean_working_days_to_close"] == 8.0  # I2


def test_the_figures_lag_until_the_next_refresh_and_say_so(rolled_up, committee_member, today, supervisor, monkeypatch):
    # given: a new finding in brigade A today, and notice N2 closed out (F2 no longer open)
    f.finding(unit=rolled_up.org.a2, found_on=today, creator=supervisor)
    RectificationNotice.objects.filter(findings=rolled_up.findings[1]).update(status=RectificationNotice.Status.CLOSED)
    before = figures.key_figures(user=committee_member, period=figures.parse_period("2026Q4"))

    # then: until the refresh the figures are those of the refresh, with its time
    refreshed = RollupState.objects.get(measure=Measure.OPEN_FINDINGS).refreshed_at
    assert (before["open_findings"]["value"], before["open_findings"]["as_of"]) == (3, refreshed)
    assert before["findings_in_period"]["value"] == 3

    # when: the next refresh, a quarter of an hour later
    later = refreshed + timedelta(minutes=15)
    monkeypatch.setattr(timezone, "now", lambda: later)
    rollups_refresh()

    # then
    after = figures.key_figures(user=committee_member, period=figures.parse_period("2026Q4"))
    assert after["open_findings"]["value"] == 3  # F3, F4 and the new one; F2's notice is closed
    assert after["findings_in_period"]["value"] == 4
    assert after["open_findings"]["as_of"] == after["findings_in_period"]["as_of"] == later


def test_a_refresh_rewrites_every_month_of_the_current_state(rolled_up, today):
    # given: I6 (due 2026-09, long before the trailing window matters) is closed out today
    old = date(2026, 9, 1)
    assert RollupMonthly.objects.filter(measure=Measure.ITEM_STATES, month=old, dim2="overdue").exists()
    RectificationItem.objects.filter(pk=rolled_up.items.i6.pk).update(status="closed", closed_at=timezone.now())

    # when
    result = rollups_refresh(today=today + timedelta(days=400))

    # then: September is rewritten although it is outside the 13 trailing months of that day
    assert "2026-09" in result.months[Measure.ITEM_STATES]
    september = RollupMonthly.objects.filter(measure=Measure.ITEM_STATES, month=old)
    assert list(september.values_list("dim1", "dim2", "value")) == [("closed", "", 1)]  # closed late


def test_a_refresh_writes_only_the_rows_whose_numbers_changed(rolled_up, today, supervisor):
    """Rows are synced, not deleted and re-inserted: an unchanged row keeps its id (no dead row left
    behind every 15 minutes), a changed one is updated in place, a vanished one is deleted."""

    # given
    def rows() -> dict[tuple, tuple[int, int]]:
        keys = ("measure", "month", "unit_id", "dim1", "dim2")
        return {
            tuple(r[k] for k in keys): (r["pk"], r["value"]) for r in RollupMonthly.objects.values("pk", "value", *keys)
        }

    before = rows()
    gone = (Measure.OPEN_FINDINGS, date(2026, 9, 1), rolled_up.org.a2.pk, "", "")
    assert before[gone][1] == 1

    # when: nothing changed
    rollups_refresh(today=today)

    # then: every row is the same row with the same number
    assert rows() == before

    # when: F3, the only open finding of its month, is closed out
    f.notice(unit=rolled_up.org.a2, findings=[rolled_up.findings[2]], status="closed", creator=supervisor)
    rollups_refresh(today=today)

    # then: its open-findings row is gone, and every row whose number stayed is still the same row
    after = rows()
    assert gone not in after
    kept = [key for key in before.keys() & after.keys() if before[key][1] == after[key][1]]
    assert kept and all(after[key][0] == before[key][0] for key in kept)
    assert len(kept) >= len(before) - 5


def test_the_layer_by_day_follows_the_refresh_of_one_month_by_hand(rolled_up, today):
    # given
    day = {"measure": Measure.FINDINGS_LAYER_DAY, "month": date(2026, 10, 20), "unit": rolled_up.org.b1}
    assert RollupMonthly.objects.get(**day).dim1 == "discipline"
    RollupMonthly.objects.filter(**day).update(value=99)

    # when: October alone is recomputed (its days included)
    rollups_refresh(month=date(2026, 10, 1))

    # then
    assert RollupMonthly.objects.get(**day).value == 1


def test_a_month_left_without_open_findings_loses_its_row(rolled_up, today, supervisor):
    # given: F3 (September, A2) is the only open finding of its month
    row = {"measure": Measure.OPEN_FINDINGS, "month": date(2026, 9, 1), "unit": rolled_up.org.a2}
    assert RollupMonthly.objects.get(**row).value == 1
    f.notice(unit=rolled_up.org.a2, findings=[rolled_up.findings[2]], status="closed", creator=supervisor)

    # when
    rollups_refresh()

    # then
    assert not RollupMonthly.objects.filter(**row).exists()


def test_the_key_figures_cost_the_same_queries_for_more_data(rolled_up, committee_member, today, supervisor):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            figures.key_figures(user=committee_member, period=CUT)
        return len(captured)

    queries()  # the first call also loads what every later call reuses
    few = queries()
    for day in range(1, 20):
        f.finding(unit=rolled_up.org.b1, found_on=date(2026, 10, day), creator=supervisor)
        f.finding(unit=rolled_up.org.a1, found_on=date(2026, 11, day), creator=supervisor)
    rollups_refresh()

    assert queries() == few


def test_the_cut_days_items_are_read_from_the_rollups_by_day(rolled_up, committee_member, today, supervisor):
    """Pinned after bench B6: the items due in the cut days are read from the rollups by day due, in the
    same query as the whole months (a live scan of the items before: the current month's 30 ms)."""
    figures.key_figures(user=committee_member, period=CUT)  # what every later call reuses

    with CaptureQueriesContext(connection) as captured:
        value = _values(figures.key_figures(user=committee_member, period=CUT))

    assert not [q["sql"] for q in captured if "rectification_rectificationitem" in q["sql"]]
    item_rollups = [q["sql"] for q in captured if "item_states" in q["sql"] or "item_close_days" in q["sql"]]
    assert len(item_rollups) == 2  # the counts; the working days to close out
    assert (value["items_due"], value["items_closed"], value["items_closed_on_time"]) == (4, 2, 1)
    assert value["mean_working_days_to_close"] == 7.0

    # when: an item due on a cut day (closed out on time, 1 working day) is added after the refresh
    notice = f.notice(unit=rolled_up.org.b1, creator=supervisor)
    f.item(
        notice=notice,
        deadline=date(2026, 10, 22),
        created_on=date(2026, 10, 21),
        status="closed",
        closed_on=date(2026, 10, 22),
        creator=supervisor,
    )

    # then: it counts from the next refresh on, as the figures' time says
    assert _values(figures.key_figures(user=committee_member, period=CUT))["items_due"] == 4
    rollups_refresh()
    value = _values(figures.key_figures(user=committee_member, period=CUT))
    assert (value["items_due"], value["items_closed"], value["items_closed_on_time"]) == (5, 3, 2)
    assert value["mean_working_days_to_close"] == 5.0  # (6 + 8 + 1) / 3


def test_the_rollups_by_day_due_add_up_to_those_by_month(rolled_up, today):
    def by(measure: str, *, month: bool) -> dict:
        totals: dict = {}
        for day, unit_id, dim1, dim2, value in RollupMonthly.objects.filter(measure=measure).values_list(
            "month", "unit_id", "dim1", "dim2", "value"
        ):
            key = (day.replace(day=1) if month else day, unit_id, dim1, dim2)
            totals[key] = totals.get(key, 0) + value
        return totals

    days = RollupMonthly.objects.filter(measure=Measure.ITEM_STATES_DAY)
    assert days.exclude(month__day=1).exists()
    assert by(Measure.ITEM_STATES_DAY, month=True) == by(Measure.ITEM_STATES, month=False)
    assert by(Measure.ITEM_CLOSE_DAYS_DAY, month=True) == by(Measure.ITEM_CLOSE_DAYS, month=False)
    # I1, due 10-20 in A1, closed out on time after 6 working days
    i1 = {"month": date(2026, 10, 20), "unit": rolled_up.org.a1}
    assert RollupMonthly.objects.get(measure=Measure.ITEM_CLOSE_DAYS_DAY, dim1="working_days", **i1).value == 6
    assert RollupMonthly.objects.get(measure=Measure.ITEM_STATES_DAY, **i1).dim2 == "on_time"

    # and: a month recomputed by hand recomputes its days
    days.filter(month=date(2026, 10, 20)).update(value=99)
    rollups_refresh(month=date(2026, 10, 1))
    assert set(days.filter(month=date(2026, 10, 20)).values_list("value", flat=True)) == {1}


def test_a_period_from_the_first_of_the_month_to_today_reads_its_findings_whole(
    rolled_up, committee_member, today, supervisor
):
    """No finding is dated after today, so such a month holds all of its findings: they are read from the
    rollups by month as of their refresh (bench B6), while the items, due on later days too, are read from
    the rollups by day due."""
    period = figures.parse_period("2026-11-01..2026-11-23")
    month = figures._Figures(user=committee_member, period=period)
    assert month.split == ([], [(date(2026, 11, 1), date(2026, 11, 23))])
    assert month.past_split == ([date(2026, 11, 1)], [])
    assert (
        figures._Figures(user=committee_member, period=figures.parse_period("2026-11-01..2026-11-22")).past_split[0]
        == []
    )

    # when: a finding is filed today, after the refresh
    f.finding(unit=rolled_up.org.a1, found_on=today, creator=supervisor)
    value = _values(figures.key_figures(user=committee_member, period=period))

    # then: the findings are those of the refresh (F2), the items those due by today (I5, I2, I3)
    assert value["findings_in_period"] == 1
    assert value["items_due"] == 3

    rollups_refresh()
    assert _values(figures.key_figures(user=committee_member, period=period))["findings_in_period"] == 2
