"""Each figure against the hand-computed data set of conftest.py (read its docstring first)."""

from datetime import date

import pytest

from core.errors import DomainError
from dashboard import figures
from dashboard.models import RollupState
from dashboard.tests.conftest import Q4


def _counts(rows, key):
    return {row[key]: row["count"] for row in rows}


def test_key_figures_for_the_committee(rolled_up, committee_member, today):
    # when
    data = figures.key_figures(user=committee_member, period=Q4)

    # then
    value = {key: figure["value"] for key, figure in data.items() if isinstance(figure, dict) and "value" in figure}
    assert value["findings_in_period"] == 3  # F1, F2, F4
    assert value["open_findings"] == 3  # F2, F3, F4 (F1's notice is closed)
    assert value["open_items"] == 3  # I3, I5, I6
    assert value["submitted_items"] == 1  # I4
    assert value["overdue_items"] == 3  # I3, I5, I6
    assert value["items_due"] == 5  # I1..I5
    assert value["items_closed"] == 2
    assert value["items_closed_on_time"] == 1
    assert value["closure_rate"] == 0.4
    assert value["on_time_rate"] == 0.2
    assert value["mean_working_days_to_close"] == 7.0  # (6 + 8) / 2
    assert value["alerts_by_grade"] == {"blue": 1, "yellow": 0, "orange": 1, "red": 1}
    assert value["alerts_total"] == 3
    assert value["active_breakers"] == 2  # B1 active, A1 restore requested
    assert value["breakers_tripped"] == 2  # 10-05, 11-01
    assert value["open_cases"] == 2  # C1 investigating, C3 open
    assert data["period"]["label"] == "2026Q4"


def test_live_figures_carry_now_and_rollup_figures_the_refresh_time(rolled_up, committee_member, today):
    # given
    refreshed = RollupState.objects.get(measure="alerts").refreshed_at

    # when
    data = figures.key_figures(user=committee_member, period=Q4)

    # then
    assert data["open_items"]["as_of"] == data["overdue_items"]["as_of"]
    assert data["alerts_by_grade"]["as_of"] == refreshed
    assert data["open_items"]["as_of"] >= refreshed


def test_rollup_figures_say_when_nothing_has_been_aggregated(crafted, committee_member, today):
    data = figures.key_figures(user=committee_member, period=Q4)

    assert data["alerts_by_grade"]["as_of"] is None
    assert data["alerts_total"]["value"] == 0
    assert figures.trends(user=committee_member, end=today)["as_of"] is None


def test_a_brigade_leader_counts_only_the_brigade(rolled_up, brigade_leader, today):
    data = figures.key_figures(user=brigade_leader, period=Q4)

    value = {key: figure["value"] for key, figure in data.items() if isinstance(figure, dict) and "value" in figure}
    assert value["findings_in_period"] == 2  # F1, F2
    assert value["open_findings"] == 2  # F2, F3
    assert value["open_items"] == 1  # I3
    assert value["overdue_items"] == 1
    assert value["items_due"] == 4  # I1..I4
    assert value["closure_rate"] == 0.5
    assert value["on_time_rate"] == 0.25
    # A unit leader counts confirmed alerts only (the blue one is pending).
    assert value["alerts_by_grade"] == {"blue": 0, "yellow": 0, "orange": 0, "red": 1}
    assert value["active_breakers"] == 1
    assert value["open_cases"] == 2  # C1 and C3: a leader learns that cases exist
    assert data["visible"]["pending_alerts"] is False
    assert data["visible"]["case_details"] is False


def test_a_squad_leader_of_another_brigade_sees_nothing_of_brigade_a(rolled_up, outsider, today):
    data = figures.summary(user=outsider, period=Q4)

    key = data["key_figures"]
    assert key["findings_in_period"]["value"] == 1  # F4
    assert key["overdue_items"]["value"] == 2  # I5, I6
    assert key["alerts_by_grade"]["value"]["red"] == 0
    assert [row["unit_name"] for row in data["rectification"]["overdue_by_unit"]] == [rolled_up.org.b1.name]
    assert key["alerts_by_grade"]["value"]["orange"] == 1
    assert _counts(data["ratings"]["grades"], "grade") == {"model": 0, "demonstration": 0, "standard": 0, "warning": 1}


def test_figures_narrow_to_a_unit_and_below(rolled_up, committee_member, today):
    data = figures.rectification_report(user=committee_member, period=Q4, unit=rolled_up.org.a)

    assert data["items_due"] == 4
    assert data["unit"] == {"id": rolled_up.org.a.pk, "name": rolled_up.org.a.name}
    assert [row["unit_name"] for row in data["overdue_by_unit"]] == [rolled_up.org.a1.name]


def test_a_unit_outside_the_scope_is_refused_like_an_unknown_one(rolled_up, brigade_leader, today):
    with pytest.raises(DomainError) as outside:
        figures.key_figures(user=brigade_leader, period=Q4, unit=rolled_up.org.b1)
    with pytest.raises(DomainError) as unknown:
        figures.key_figures(user=brigade_leader, period=Q4, unit=999999)

    assert outside.value.field == unknown.value.field == "unit"
    assert outside.value.message == unknown.value.message


def test_rectification_report(rolled_up, committee_member, today):
    data = figures.rectification_report(user=committee_member, period=Q4)

    assert (data["items_due"], data["items_closed"], data["items_closed_on_time"]) == (5, 2, 1)
    assert data["mean_working_days_to_close"] == 7.0
    assert [(row["unit_name"], row["overdue"]) for row in data["overdue_by_unit"]] == [
        (rolled_up.org.b1.name, 2),
        (rolled_up.org.a1.name, 1),
    ]


def test_risk_report(rolled_up, committee_member, admin_user, today):
    data = figures.risk_report(user=committee_member, period=Q4)

    assert data["alerts_total"]["value"] == 3
    assert data["alerts_by_status"]["value"] == {"pending": 1, "confirmed": 2, "dismissed": 0}
    areas = _counts(data["alerts_by_area"]["value"], "area")
    assert areas["vehicle_admin"] == 3  # every alert has a vehicle-administration model hit
    assert areas["violation_processing"] == 1
    assert data["breakers"]["value"] == {
        "active": 1,
        "restore_requested": 1,
        "tripped_in_period": 2,
        "restored_in_period": 1,
    }
    records = {row["area"]: (row["records"], row["flagged"]) for row in data["business_records_by_area"]["value"]}
    assert records["vehicle_admin"] == (3, 1)
    # Model precision is for administrators only.
    assert data["model_precision"]["value"] is None
    precision = figures.risk_report(user=admin_user, period=Q4)["model_precision"]["value"]
    by_code = {row["code"]: row for row in precision}
    assert by_code["t-deletes"]["hits"] == 1
    assert by_code["t-deletes"]["precision"] == 1.0  # its only hit is in a confirmed alert
    assert by_code["t-night"]["hits_in_pending_alerts"] == 1


def test_cases_report(rolled_up, committee_member, brigade_leader, supervisor, today):
    data = figures.cases_report(user=committee_member, period=Q4)

    assert data["open_cases"] == 2
    assert data["opened_in_period"] == 2  # C1, C2
    assert data["concluded_in_period"] == 0
    assert _counts(data["by_category"], "category")["bribery"] == 1
    assert _counts(data["by_category"], "category")["eight_rules"] == 1
    assert _counts(data["by_police_category"], "category") == {"police": 2, "auxiliary": 1}
    ranks = _counts(data["by_rank"], "rank")
    assert (ranks["inspector_1"], ranks["constable_1"], ranks["none"]) == (1, 1, 1)
    assert data["liabilities"]["total"] == 2
    assert data["liabilities"]["not_revoked"] == 1
    assert _counts(data["liabilities"]["by_level"], "level")["chief"] == 1

    leader = figures.cases_report(user=brigade_leader, period=Q4)
    assert leader["opened_in_period"] == 1  # C1
    assert leader["by_category"] is None and leader["by_rank"] is None and leader["by_police_category"] is None
    assert _counts(leader["by_severity"], "severity")["serious"] == 1
    assert leader["liabilities"]["total"] == 1  # L2 of A1

    # Supervisors do not read case figures at all.
    assert figures.cases_report(user=supervisor, period=Q4)["open_cases"] is None


def test_findings_breakdown(rolled_up, committee_member, today):
    data = figures.findings_breakdown(user=committee_member, period=Q4)

    assert data["total"] == 3
    assert {row["code"]: row["count"] for row in data["by_category"]} == {"appearance": 1, "work_discipline": 2}
    layers = _counts(data["by_layer"], "layer")
    assert (layers["committee"], layers["unit_daily"], layers["discipline"], layers[""]) == (1, 1, 1, 0)
    assert _counts(data["by_severity"], "severity") == {"general": 1, "serious": 1, "grave": 1}


def test_rating_distribution_prefers_the_latest_published_round(rolled_up, committee_member, brigade_leader):
    data = figures.rating_distribution(user=committee_member)
    assert data["round"]["year"] == 2025
    assert _counts(data["grades"], "grade") == {"model": 1, "demonstration": 1, "standard": 0, "warning": 1}

    leader = figures.rating_distribution(user=brigade_leader)
    assert _counts(leader["grades"], "grade") == {"model": 1, "demonstration": 1, "standard": 0, "warning": 0}


def test_rating_distribution_without_a_published_round(org, committee_member, brigade_leader):
    from dashboard.tests import factories as f

    f.rating_round(year=2026, status="draft", grades={org.a1: "standard"})

    assert figures.rating_distribution(user=committee_member)["round"]["year"] == 2026
    # A draft is not for unit leaders.
    assert figures.rating_distribution(user=brigade_leader)["round"] is None


def test_trends_month_by_month(rolled_up, committee_member, today):
    data = figures.trends(user=committee_member, end=today)

    assert data["months"][0] == "2025-12" and data["months"][-1] == "2026-11"
    by_month = {key: dict(zip(data["months"], values, strict=True)) for key, values in data["series"].items()}
    assert (by_month["findings"]["2026-09"], by_month["findings"]["2026-10"], by_month["findings"]["2026-11"]) == (
        1,
        2,
        1,
    )
    assert (by_month["items_opened"]["2026-10"], by_month["items_opened"]["2026-11"]) == (2, 3)
    assert (by_month["items_closed"]["2026-10"], by_month["items_closed"]["2026-11"]) == (1, 1)
    assert (by_month["items_overdue"]["2026-09"], by_month["items_overdue"]["2026-11"]) == (1, 3)
    assert (by_month["alerts"]["2026-10"], by_month["alerts"]["2026-11"]) == (2, 1)
    assert (by_month["breakers"]["2026-09"], by_month["breakers"]["2026-10"]) == (1, 1)
    assert (by_month["cases"]["2026-07"], by_month["cases"]["2026-10"], by_month["cases"]["2026-11"]) == (1, 1, 1)
    assert sum(by_month["findings"].values()) == 4


def test_trends_are_scoped_like_the_live_figures(rolled_up, brigade_leader, party_secretary, today):
    data = figures.trends(user=brigade_leader, end=today, months=3)

    series = data["series"]
    assert data["months"] == ["2026-09", "2026-10", "2026-11"]
    assert series["findings"] == [1, 1, 1]  # F3, F1, F2
    assert series["alerts"] == [0, 1, 0]  # confirmed only
    assert series["breakers"] == [1, 1, 0]
    # A party secretary reads no alerts at all.
    assert figures.trends(user=party_secretary, end=today)["series"]["alerts"] is None


def test_trends_refuse_a_silly_number_of_months(committee_member, today):
    with pytest.raises(DomainError) as error:
        figures.trends(user=committee_member, end=today, months=0)
    assert error.value.field == "months"


def test_summary_for_an_unattended_task_covers_the_whole_detachment(rolled_up, today):
    data = figures.summary(user=None, period=Q4)

    assert data["key_figures"]["findings_in_period"]["value"] == 3
    assert data["risk"]["model_precision"]["value"] is not None
    assert data["cases"]["by_category"] is not None
    assert data["trends"]["months"][-1] == "2026-11"
    assert set(data) >= {"key_figures", "rectification", "risk", "cases", "findings", "ratings", "trends"}


def test_a_user_without_roles_counts_nothing(rolled_up, today):
    from accounts.tests.factories import UserFactory

    nobody = UserFactory(username="nobody")
    data = figures.summary(user=nobody, period=Q4)

    assert data["key_figures"]["findings_in_period"]["value"] == 0
    assert data["key_figures"]["open_items"]["value"] == 0
    assert data["key_figures"]["alerts_total"]["value"] is None
    assert data["rectification"]["overdue_by_unit"] == []


def test_the_period_may_be_given_as_text(rolled_up, committee_member, today):
    assert figures.key_figures(user=committee_member, period="2026-10")["findings_in_period"]["value"] == 2


def test_working_days_count_holidays_and_make_up_days(db):
    from core.models import CalendarDay

    CalendarDay.objects.create(date=date(2026, 10, 1), kind=CalendarDay.Kind.HOLIDAY, name="国庆")
    CalendarDay.objects.create(date=date(2026, 10, 10), kind=CalendarDay.Kind.WORKDAY, name="调休")

    from core.calendar import working_day_ordinals

    ordinals = working_day_ordinals(date(2026, 9, 30), date(2026, 10, 12))

    # (9-30, 10-12]: 10-01 holiday, 10-02 Fri, 10-05..09, 10-10 Sat make-up, 10-12 Mon
    assert ordinals[date(2026, 10, 12)] - ordinals[date(2026, 9, 30)] == 8
