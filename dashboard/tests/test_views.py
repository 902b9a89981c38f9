import json
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import DataScope, Role, Unit
from accounts.tests.factories import UnitFactory
from conftest import make_persona
from dashboard.models import RollupMonthly
from dashboard.rollups import rollups_refresh
from dashboard.tests import factories as f
from risk.tests.alert_factories import make_alert
from risk.tests.factories import records

INDEX = reverse("dashboard:index")
SCREEN = reverse("dashboard:screen")


def _charts(response) -> dict:
    return response.context["charts"]


def _links(response) -> list[str]:
    links = [card["link"] for card in response.context["cards"] if card["link"]]
    links += [tile["link"] for tile in response.context["grade_tiles"] if tile["link"]]
    for chart in _charts(response).values():
        for series in chart["series"]:
            links += [point["url"] for point in series["data"] if isinstance(point, dict) and point.get("url")]
    links += [link for link in response.context["links"].values() if link]
    return sorted(set(links))


def test_the_committee_sees_every_figure_and_chart(client, rolled_up, committee_member, today):
    client.force_login(committee_member)

    response = client.get(INDEX, {"period": "2026Q4"})

    assert response.status_code == 200
    cards = {card["key"]: card["value"] for card in response.context["cards"]}
    assert cards["open_findings"] == 3
    assert cards["overdue_items"] == 3
    assert cards["closure_rate"] == "40.0"
    assert cards["alerts_total"] == 3
    assert cards["open_cases"] == 2
    assert set(_charts(response)) == {
        "trends",
        "overdue-by-unit",
        "findings-by-category",
        "findings-by-layer",
        "alerts-by-grade",
        "alerts-by-area",
        "records-by-area",
        "cases-by-type",
        "cases-by-police-category",
        "cases-by-rank",
        "ratings",
    }
    content = response.content.decode()
    # Every chart has its container, and the data travels as JSON (no inline script).
    for key in _charts(response):
        assert f'data-chart="{key}"' in content
    assert 'id="dashboard-charts"' in content
    assert "<script>" not in content.replace('<script src="', "")
    assert 'id="rollup-as-of"' in content


def test_every_drill_down_opens_its_list_with_real_filters(client, rolled_up, committee_member, today):
    client.force_login(committee_member)
    response = client.get(INDEX, {"period": "2026Q4", "unit": rolled_up.org.a.pk})
    links = _links(response)
    assert len(links) > 10

    for link in links:
        # when
        page = client.get(link)

        # then: the list opens, knows every parameter and accepts every value
        assert page.status_code == 200, link
        form = page.context.get("form")
        if form is not None:
            parameters = {key for key, _value in parse_qsl(urlsplit(link).query)}
            assert parameters <= set(form.fields), (link, parameters - set(form.fields))
            assert not form.errors, (link, form.errors)


def test_the_overdue_drill_down_lists_exactly_the_counted_items(client, rolled_up, committee_member, today):
    client.force_login(committee_member)
    response = client.get(INDEX, {"period": "2026Q4"})
    card = next(card for card in response.context["cards"] if card["key"] == "overdue_items")

    page = client.get(card["link"])

    assert page.context["page"].paginator.count == card["value"] == 3


def test_a_brigade_leader_sees_no_other_brigade(client, rolled_up, brigade_leader, today):
    client.force_login(brigade_leader)

    response = client.get(INDEX, {"period": "2026Q4"})

    assert response.status_code == 200
    content = response.content.decode()
    assert rolled_up.org.b1.name not in content
    assert rolled_up.org.b.name not in content
    cards = {card["key"]: card["value"] for card in response.context["cards"]}
    assert cards["overdue_items"] == 1
    assert cards["alerts_total"] == 1  # confirmed only
    assert "cases-by-type" not in _charts(response)
    assert "cases-by-severity" in _charts(response)
    overdue_units = _charts(response)["overdue-by-unit"]["categories"]
    assert overdue_units == [rolled_up.org.a1.name]


def test_a_party_secretary_has_no_alert_figures(client, rolled_up, party_secretary, today):
    client.force_login(party_secretary)

    response = client.get(INDEX, {"period": "2026Q4"})

    assert response.status_code == 200
    assert "alerts-by-grade" not in _charts(response)
    assert "records-by-area" not in _charts(response)
    assert all(card["key"] != "alerts_total" for card in response.context["cards"])


@pytest.mark.parametrize("path", [INDEX, SCREEN, reverse("dashboard:statistics")])
def test_roles_without_figures_are_refused(client, org, api_client_user, path):
    client.force_login(api_client_user)

    assert client.get(path).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(INDEX)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"kind": "month", "year": "2026"}, "month"),
        ({"kind": "quarter", "year": "2026", "quarter": "7"}, "quarter"),
        ({"kind": "year", "year": "1800"}, "year"),
        ({"kind": "custom", "start": "2026-05-01", "end": "2026-04-30"}, "end"),
        ({"kind": "custom", "start": "not-a-date", "end": "2026-04-30"}, "start"),
        ({"period": "2026Q9"}, "period"),
        ({"period": "2026", "unit": "abc"}, "unit"),
    ],
)
def test_a_bad_period_is_a_form_error_naming_the_field(client, org, committee_member, query, field):
    client.force_login(committee_member)

    response = client.get(INDEX, query)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "data" not in response.context or not response.context.get("data")


def test_every_kind_of_period_is_accepted(client, org, committee_member, today):
    client.force_login(committee_member)
    for query, label in [
        ({"kind": "month", "year": "2026", "month": "10"}, "2026-10"),
        ({"kind": "quarter", "year": "2026", "quarter": "3"}, "2026Q3"),
        ({"kind": "half_year", "year": "2026", "half": "1"}, "2026H1"),
        ({"kind": "year", "year": "2025"}, "2025"),
        ({"kind": "custom", "start": "2026-01-05", "end": "2026-03-31"}, "2026-01-05..2026-03-31"),
        ({}, "2026"),
    ]:
        response = client.get(INDEX, query)
        assert response.status_code == 200, query
        assert response.context["period"].label == label


def test_the_big_screen_carries_its_data_and_api(client, rolled_up, committee_member, today):
    client.force_login(committee_member)

    response = client.get(SCREEN, {"period": "2026Q4"})

    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="screen-data"' in content
    data = response.context["screen_data"]
    assert data["api"]["key_figures"].startswith("/api/v1/reports/key-figures/?from=2026-10-01&to=2026-12-31")
    assert data["api"]["trends"].startswith("/api/v1/reports/trends/")
    assert data["key_figures"]["overdue_items"]["value"] == 3
    assert len(response.context["screen_cards"]) == 8
    # Its refresh really works for the same session.
    assert client.get(data["api"]["key_figures"]).status_code == 200
    assert client.get(data["api"]["trends"]).status_code == 200


def test_a_supervisor_may_start_a_refresh_a_committee_member_may_not(client, crafted, supervisor, committee_member):
    client.force_login(committee_member)
    assert client.post(reverse("dashboard:rollups_refresh")).status_code == 403
    assert not RollupMonthly.objects.exists()

    client.force_login(supervisor)
    response = client.post(reverse("dashboard:rollups_refresh"), {"next_query": "period=2026Q4"})

    assert response.status_code == 302
    assert response["Location"] == f"{INDEX}?period=2026Q4"
    assert RollupMonthly.objects.exists()  # the task runs inline in the tests


def test_the_menu_offers_the_dashboard_to_readers_of_figures(client, org, committee_member, api_client_user):
    client.force_login(committee_member)
    labels = [link["url"] for group in client.get(INDEX).context["menu"] for link in group["links"]]
    assert INDEX in labels and SCREEN in labels

    client.force_login(api_client_user)
    response = client.get(reverse("core:workbench"))
    labels = [link["url"] for group in response.context["menu"] for link in group["links"]]
    assert INDEX not in labels


# --- a fixed number of queries, whatever the data ---------------------------------------------


def _grow(org, supervisor, units: int = 12):
    """Many more units, each with findings, items, alerts, breakers, cases, ratings and records."""
    from rectification.models import RectificationNotice

    for number in range(units):
        unit = UnitFactory(code=f"X{number}", name=f"扩展中队{number}", kind=Unit.Kind.SQUAD, parent=org.b)
        finding = f.finding(unit=unit, found_on=date(2026, 10, 3 + number % 20), creator=supervisor)
        notice = f.notice(
            unit=unit, findings=[finding], status=RectificationNotice.Status.RECTIFYING, creator=supervisor
        )
        for day in (5, 9, 12):
            f.item(notice=notice, deadline=date(2026, 11, day), created_on=date(2026, 10, day), creator=supervisor)
        make_alert(unit=unit, month=date(2026, 10, 1), status="confirmed")
        f.breaker(unit=unit, tripped_on=date(2026, 11, 2))
        person = f.person(unit=unit)
        f.case(unit=unit, opened_on=date(2026, 10, 9), creator=supervisor, persons=[person])
        records(4, unit=unit, operator=None)


def _count_queries(client, path, query) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, query)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", [INDEX, SCREEN])
def test_the_dashboard_costs_the_same_queries_for_little_and_much_data(
    client, rolled_up, committee_member, supervisor, path, today
):
    client.force_login(committee_member)
    query = {"period": "2026Q4"}
    _count_queries(client, path, query)  # warm-up (session, caches)
    few = _count_queries(client, path, query)

    _grow(rolled_up.org, supervisor)
    rollups_refresh()
    many = _count_queries(client, path, query)

    assert many == few
    assert few <= 45


def test_the_dashboard_of_a_scoped_user_costs_the_same_queries(client, rolled_up, supervisor, today):
    leader = make_persona("leader_b", Role.UNIT_LEADER, rolled_up.org.b, DataScope.UNIT_AND_BELOW)
    client.force_login(leader)
    query = {"period": "2026Q4", "unit": rolled_up.org.b.pk}
    _count_queries(client, INDEX, query)
    few = _count_queries(client, INDEX, query)

    _grow(rolled_up.org, supervisor)
    rollups_refresh()

    assert _count_queries(client, INDEX, query) == few


def test_chart_json_is_valid_and_points_link_to_lists(client, rolled_up, committee_member, today):
    client.force_login(committee_member)
    response = client.get(INDEX, {"period": "2026Q4"})
    content = response.content.decode()
    start = content.index('<script id="dashboard-charts" type="application/json">') + len(
        '<script id="dashboard-charts" type="application/json">'
    )
    charts = json.loads(content[start : content.index("</script>", start)])

    trend_series = {series["key"]: series for series in charts["trends"]["series"]}
    assert set(trend_series) == {
        "findings",
        "items_opened",
        "items_closed",
        "items_overdue",
        "alerts",
        "breakers",
        "cases",
    }
    october = charts["trends"]["categories"].index("2026-10")
    assert trend_series["findings"]["data"][october]["value"] == 2
    assert "found_from=2026-10-01" in trend_series["findings"]["data"][october]["url"]


def test_the_open_findings_card_drills_down_to_exactly_the_open_findings(
    client, api_as, rolled_up, committee_member, brigade_leader, today
):
    # given
    client.force_login(committee_member)
    card = next(c for c in client.get(INDEX, {"period": "2026Q4"}).context["cards"] if c["key"] == "open_findings")
    f1, f2, f3, f4 = rolled_up.findings

    # when: the card's link, and the same filter through the API
    page = client.get(card["link"])
    api = api_as(committee_member)

    # then: the list behind the card holds the findings the card counts (F1's notice is closed out)
    assert dict(parse_qsl(urlsplit(card["link"]).query))["is_open"] == "true"
    assert {finding.pk for finding in page.context["page"].object_list} == {f2.pk, f3.pk, f4.pk}
    assert len(page.context["page"].object_list) == card["value"]
    assert {row["id"] for row in api.get("/api/v1/findings/?is_open=true").json()["results"]} == {f2.pk, f3.pk, f4.pk}
    assert {row["id"] for row in api.get("/api/v1/findings/?is_open=false").json()["results"]} == {f1.pk}
    # within the data scope as always: the brigade leader of A sees F2 and F3 only
    leader = {row["id"] for row in api_as(brigade_leader).get("/api/v1/findings/?is_open=true").json()["results"]}
    assert leader == {f2.pk, f3.pk}
    bad = api.get("/api/v1/findings/?is_open=perhaps")
    assert bad.status_code == 400 and "is_open" in bad.json()


def test_an_alerts_by_area_bar_drills_down_to_the_alerts_of_that_area(
    client, api_as, rolled_up, committee_member, today
):
    # given: of the three alerts, only A1's red one (2026-10) has a violation-processing model hit
    client.force_login(committee_member)
    chart = client.get(INDEX, {"period": "2026Q4"}).context["charts"]["alerts-by-area"]
    areas = [row["area"] for row in figures_by_area(committee_member)]
    link = chart["series"][0]["data"][areas.index("violation_processing")]["url"]

    # when
    page = client.get(link)

    # then
    assert dict(parse_qsl(urlsplit(link).query))["area"] == "violation_processing"
    assert [alert.grade for alert in page.context["page"].object_list] == ["red"]
    api = api_as(committee_member)
    assert [row["grade"] for row in api.get("/api/v1/alerts/?area=violation_processing").json()["results"]] == ["red"]
    assert len(api.get("/api/v1/alerts/?area=vehicle_admin").json()["results"]) == 3
    bad = api.get("/api/v1/alerts/?area=moon_landing")
    assert bad.status_code == 400 and "area" in bad.json()


def figures_by_area(user) -> list[dict]:
    from dashboard import figures

    return figures.risk_report(user=user, period="2026Q4")["alerts_by_area"]["value"]


def test_the_unit_select_is_read_once_and_only_within_scope(rolled_up, brigade_leader, django_assert_num_queries):
    """Pinned after bench B6: the period form reads the units of the user's scope once, when it is built;
    rendering the select costs no query (it read them again, through a server-side cursor)."""
    from dashboard.forms import PeriodForm

    form = PeriodForm(None, user=brigade_leader)
    with django_assert_num_queries(0):
        html = str(form["unit"])

    assert rolled_up.org.a1.name in html and rolled_up.org.b1.name not in html
    outside = PeriodForm({"period": "2026Q4", "unit": rolled_up.org.b1.pk}, user=brigade_leader)
    assert not outside.is_valid() and "unit" in outside.errors
    inside = PeriodForm({"period": "2026Q4", "unit": rolled_up.org.a1.pk}, user=brigade_leader)
    assert inside.is_valid() and inside.chosen_unit == rolled_up.org.a1


@pytest.mark.parametrize(
    "period, months, expected",
    [
        ("2026Q4", ("2026-10", "2026-12"), 3),  # A1 red and B1 orange (October), A1 blue (November)
        ("2026Q3", ("2026-07", "2026-09"), 0),  # no assessment then: before, the link listed every alert
        ("2026-10-15..2026-11-30", ("2026-10", "2026-11"), 3),
    ],
)
def test_the_alerts_drill_down_of_several_months_lists_the_counted_alerts(
    client, api_as, rolled_up, committee_member, today, period, months, expected
):
    client.force_login(committee_member)
    response = client.get(INDEX, {"period": period})
    cards = {card["key"]: card for card in response.context["cards"]}
    link = cards["alerts_total"]["link"]
    assert dict(parse_qsl(urlsplit(link).query)) == {"month_from": months[0], "month_to": months[1]}

    page = client.get(link)

    assert page.status_code == 200 and not page.context["form"].errors
    assert len(page.context["page"]) == cards["alerts_total"]["value"] == expected
    # the API takes the same filters
    api = api_as(committee_member).get("/api/v1/alerts/", {"month_from": months[0], "month_to": months[1]})
    assert len(api.json()["results"]) == expected


@pytest.mark.parametrize("value", ["2026-13", "2026", "soon", "2026-10-01"])
def test_a_bad_month_is_an_error_naming_the_filter(client, api_as, rolled_up, committee_member, value):
    response = api_as(committee_member).get("/api/v1/alerts/", {"month_from": value})
    assert response.status_code == 400 and "month_from" in response.json()
    client.force_login(committee_member)
    page = client.get("/risk/alerts/", {"month_to": value})
    assert page.status_code == 200 and "month_to" in page.context["form"].errors
