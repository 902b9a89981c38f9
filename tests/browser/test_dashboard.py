"""The committee dashboard, the big screen and the statistics page in Chromium: every chart is drawn
by ECharts (from static/, never a CDN), nothing errs in the console, no request leaves the machine."""

from conftest import PASSWORD
from dashboard.tests import conftest as dashboard_fixtures
from tests.browser.conftest import assert_no_horizontal_scroll, login, screenshot

# The crafted data set of the dashboard's tests (see its docstring), as fixtures here too.
crafted = dashboard_fixtures.crafted
rolled_up = dashboard_fixtures.rolled_up

CHARTS_DRAWN = """() => Array.from(document.querySelectorAll('[data-chart]')).map(el => ({
    id: el.getAttribute('data-chart'),
    instance: !!(window.echarts && window.echarts.getInstanceByDom(el)),
    drawn: !!el.querySelector('canvas, svg'),
}))"""


def _wait_for_charts(page, selector="[data-chart]"):
    page.wait_for_function(
        f"""() => Array.from(document.querySelectorAll('{selector}'))
                 .every(el => el.querySelector('canvas, svg'))"""
    )


def test_committee_dashboard_draws_every_chart(page, live_server, rolled_up, committee_member, today):
    login(page, live_server, "committee", PASSWORD)

    response = page.goto(f"{live_server.url}/dashboard/?period=2026Q4")

    assert response.status == 200
    _wait_for_charts(page)
    charts = page.evaluate(CHARTS_DRAWN)
    assert len(charts) >= 11, charts
    assert all(chart["instance"] and chart["drawn"] for chart in charts), charts
    assert page.locator("#key-figures [data-figure]").count() == 9
    assert page.locator("[data-figure=overdue_items] .figure-value").inner_text().strip() == "3"
    assert (
        "数据截至" in page.locator("#freshness").inner_text() or "data as of" in page.locator("#freshness").inner_text()
    )
    page.wait_for_timeout(600)  # let the entry animations finish before the picture
    screenshot(page, "dashboard-committee")
    assert_no_horizontal_scroll(page)

    # A card drills down to the filtered list behind it.
    with page.expect_navigation():
        page.click("[data-figure=overdue_items] a")
    assert "/rectification/items/" in page.url and "overdue=true" in page.url
    assert page.locator("table tbody tr").count() == 3


def test_period_selector_shows_the_fields_of_the_chosen_kind(page, live_server, org, committee_member, today):
    login(page, live_server, "committee", PASSWORD)
    page.goto(f"{live_server.url}/dashboard/")

    page.select_option("#id_kind", "custom")
    assert page.locator("#id_start").is_visible() and not page.locator("#id_quarter").is_visible()
    page.select_option("#id_kind", "quarter")
    assert page.locator("#id_quarter").is_visible() and not page.locator("#id_start").is_visible()
    page.select_option("#id_quarter", "3")
    with page.expect_navigation():
        page.click("#period-form button[type=submit]")
    assert "quarter=3" in page.url
    assert "2026" in page.locator("#dashboard-scope").inner_text()


def test_big_screen_draws_its_trends(browser, live_server, rolled_up, committee_member, today):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    errors, external = [], []
    try:
        page = context.new_page()
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "request",
            lambda request: (
                external.append(request.url)
                if not request.url.startswith(live_server.url) and request.url.startswith("http")
                else None
            ),
        )
        login(page, live_server, "committee", PASSWORD)

        response = page.goto(f"{live_server.url}/dashboard/screen/?period=2026Q4")

        assert response.status == 200
        _wait_for_charts(page, "[data-screen-chart]")
        assert page.locator("[data-screen-figure=overdue_items] .screen-value").inner_text() == "3"
        assert page.locator("[data-screen-figure=closure_rate] .screen-value").inner_text() == "40.0"
        assert page.locator("[data-screen-chart] canvas").count() == 2
        page.wait_for_timeout(300)
        screenshot(page, "dashboard-screen")
        assert not errors, errors
        assert not external, external
    finally:
        context.close()


def test_statistics_page_draws_its_chart(page, live_server, crafted, committee_member, today):
    login(page, live_server, "committee", PASSWORD)

    page.goto(f"{live_server.url}/dashboard/statistics/?measure=items&dimension1=unit&dimension2=month&period=2026Q4")

    _wait_for_charts(page)
    assert page.locator("#statistics-table tbody tr").count() == 3
    # The script greys out the dimensions a measure does not have.
    page.select_option("#id_measure", "alerts")
    assert page.locator("#id_dimension1 option[value=layer]").is_disabled()
    page.select_option("#id_measure", "items")
    page.wait_for_timeout(600)  # the bars grow in; let them finish before the picture
    screenshot(page, "dashboard-statistics")
