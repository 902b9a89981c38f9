import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from dashboard.rollups import rollups_refresh
from dashboard.tests.test_views import _grow

SUMMARY = "/api/v1/reports/summary/"
ENDPOINTS = [
    "/api/v1/reports/summary/",
    "/api/v1/reports/key-figures/",
    "/api/v1/reports/rectification/",
    "/api/v1/reports/risk/",
    "/api/v1/reports/cases/",
    "/api/v1/reports/trends/",
]
Q4 = {"from": "2026-10-01", "to": "2026-12-31"}


def test_the_summary_for_the_report_client(api_as, rolled_up, api_client_user, today):
    # when
    response = api_as(api_client_user).get(SUMMARY, Q4)

    # then
    assert response.status_code == 200
    data = response.json()
    assert data["period"]["label"] == "2026-10-01..2026-12-31"
    assert data["key_figures"]["overdue_items"]["value"] == 3
    assert data["key_figures"]["closure_rate"]["value"] == 0.4
    assert data["rectification"]["mean_working_days_to_close"] == 7.0
    assert data["risk"]["alerts_total"]["value"] == 3
    assert data["cases"]["opened_in_period"] == 2
    assert data["findings"]["total"] == 3
    assert data["ratings"]["round"]["year"] == 2025
    assert data["trends"]["months"][-1] == "2026-11"
    # Freshness travels with the figures.
    assert data["key_figures"]["alerts_total"]["as_of"] is not None
    assert data["key_figures"]["open_items"]["as_of"] is not None


def test_rectification_report(api_as, rolled_up, committee_member, today):
    data = api_as(committee_member).get("/api/v1/reports/rectification/", Q4).json()

    assert (data["items_due"], data["items_closed"], data["items_closed_on_time"]) == (5, 2, 1)
    assert (data["closure_rate"], data["on_time_rate"]) == (0.4, 0.2)
    assert [row["overdue"] for row in data["overdue_by_unit"]] == [2, 1]


def test_risk_report(api_as, rolled_up, committee_member, today):
    data = api_as(committee_member).get("/api/v1/reports/risk/", Q4).json()

    assert data["alerts_by_grade"]["value"] == {"blue": 1, "yellow": 0, "orange": 1, "red": 1}
    areas = {row["area"]: row["count"] for row in data["alerts_by_area"]["value"]}
    assert areas["vehicle_admin"] == 3
    assert data["breakers"]["value"]["active"] == 1
    assert data["model_precision"]["value"] is None


def test_cases_report(api_as, rolled_up, discipline_inspector, today):
    data = api_as(discipline_inspector).get("/api/v1/reports/cases/", Q4).json()

    assert {row["category"]: row["count"] for row in data["by_police_category"]} == {"police": 2, "auxiliary": 1}
    assert {row["category"]: row["count"] for row in data["by_category"]}["bribery"] == 1


def test_trends(api_as, rolled_up, committee_member, today):
    data = api_as(committee_member).get("/api/v1/reports/trends/", {"to": "2026-11-30", "months": 3}).json()

    assert data["months"] == ["2026-09", "2026-10", "2026-11"]
    assert data["series"]["findings"] == [1, 2, 1]


def test_a_brigade_leader_gets_only_the_brigade(api_as, rolled_up, brigade_leader, today):
    client = api_as(brigade_leader)

    summary = client.get(SUMMARY, Q4).json()
    risk = client.get("/api/v1/reports/risk/", Q4).json()

    assert summary["key_figures"]["overdue_items"]["value"] == 1
    assert [row["unit_name"] for row in summary["rectification"]["overdue_by_unit"]] == [rolled_up.org.a1.name]
    assert rolled_up.org.b1.name not in str(summary)
    assert risk["alerts_total"]["value"] == 1
    assert summary["cases"]["by_category"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-12-01", "to": "2026-11-30"}, "to"),
        ({"unit": "abc"}, "unit"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_as, org, committee_member, query, field):
    for endpoint in ENDPOINTS[:-1]:
        response = api_as(committee_member).get(endpoint, query)

        assert response.status_code == 400, endpoint
        assert field in response.json(), (endpoint, response.json())


def test_a_unit_outside_the_scope_is_a_400_like_an_unknown_one(api_as, rolled_up, brigade_leader):
    client = api_as(brigade_leader)
    outside = client.get(SUMMARY, {"unit": rolled_up.org.b1.pk})
    unknown = client.get(SUMMARY, {"unit": 987654})

    assert outside.status_code == unknown.status_code == 400
    assert outside.json() == unknown.json()
    assert "unit" in outside.json()


@pytest.mark.parametrize(
    ("query", "field"), [({"months": 0}, "months"), ({"months": 99}, "months"), ({"to": "x"}, "to")]
)
def test_bad_trend_input_names_the_field(api_as, org, committee_member, query, field):
    response = api_as(committee_member).get("/api/v1/reports/trends/", query)

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_user_without_a_reading_role_is_refused(api_as, db, endpoint):
    nobody = UserFactory(username="nobody")

    assert api_as(nobody).get(endpoint).status_code == 403


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_callers_are_refused(api, db, endpoint):
    assert api.get(endpoint).status_code in (401, 403)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_endpoint_costs_the_same_queries_for_little_and_much_data(
    api_as, rolled_up, api_client_user, supervisor, endpoint, today
):
    client = api_as(api_client_user)
    client.get(endpoint, Q4)
    with CaptureQueriesContext(connection) as few:
        assert client.get(endpoint, Q4).status_code == 200

    _grow(rolled_up.org, supervisor)
    rollups_refresh()
    with CaptureQueriesContext(connection) as many:
        assert client.get(endpoint, Q4).status_code == 200

    assert len(many) == len(few)
    assert len(few) <= 35


def test_the_reports_are_in_the_schema_without_a_warning(db, tmp_path):
    # The report API alone: generating it must not warn.
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--urlconf",
        "dashboard.tests.schema_urls",
        "--file",
        str(tmp_path / "reports.yaml"),
    )
    # The whole API lists the endpoints too.
    call_command("spectacular", "--validate", "--file", str(tmp_path / "schema.yaml"))

    for name in ("reports.yaml", "schema.yaml"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        for endpoint in ENDPOINTS:
            assert f"{endpoint}:" in text, (name, endpoint)
        assert "KeyFigures" in text and "mean_working_days_to_close" in text
