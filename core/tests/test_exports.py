"""`?format=csv` and `?format=xlsx` on every list endpoint (core/api/renderers.py): every row of
the list under the same scope, filters and ordering; Chinese headers; a BOM; a Chinese file name in
`filename*=`; formula-safe cells; a cap instead of a silent truncation; 406 on non-lists."""

import csv
import io
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import BusinessArea
from accounts.tests.factories import PersonFactory
from rectification.models import RectificationItem, RectificationNotice
from risk.models import Alert
from risk.tests.alert_factories import make_alert
from risk.tests.factories import record
from supervision.tests.factories import make_finding

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv_rows(response) -> list[list[str]]:
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf"), "CSV must start with the UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _csv_dicts(response) -> list[dict[str, str]]:
    header, *rows = _csv_rows(response)
    return [dict(zip(header, row, strict=True)) for row in rows]


def _xlsx_rows(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(response.content))
    return list(workbook.active.iter_rows(values_only=True))


def _finding(supervisor, unit, **kwargs):
    return make_finding(actor=supervisor, unit=unit, **kwargs)


def _item(unit, *, problem: str, creator):
    """An item straight in the database (the rectification workflow is tested in its app)."""
    notice = RectificationNotice.objects.create(
        unit=unit,
        business_area=BusinessArea.objects.get(code="vehicle_admin"),
        title=f"{unit.name}整改通知",
        requirements="整改",
        deadline=timezone.localdate() + timedelta(days=30),
        status=RectificationNotice.Status.RECTIFYING,
        created_by=creator,
    )
    person = PersonFactory(unit=unit)
    return RectificationItem.objects.create(
        notice=notice,
        unit=unit,
        problem=problem,
        measures="落实整改",
        responsible_department=unit,
        responsible_person=person,
        responsible_leader=person,
        deadline=timezone.localdate() + timedelta(days=20),
        created_by=creator,
    )


# --- format, headers, file name ----------------------------------------------------------------------


def test_csv_export_has_bom_chinese_headers_and_a_chinese_file_name(api_as, supervisor, org):
    # given
    _finding(supervisor, org.a1, description="值班期间玩手机游戏")
    # when
    response = api_as(supervisor).get("/api/v1/findings/?format=csv")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    today = timezone.localdate()
    assert disposition.startswith("attachment; ")
    assert f"filename*=UTF-8''{quote(f'问题-{today:%Y%m%d}.csv')}" in disposition
    assert f'filename="finding-{today:%Y%m%d}.csv"' in disposition
    header, *rows = _csv_rows(response)
    assert {"ID", "单位", "严重程度", "发现日期", "说明"} <= set(header)
    assert "单位（ID）" in header  # the unit's id, next to its name
    assert len(header) == len(set(header)), "headers are unique"
    (row,) = [dict(zip(header, values, strict=True)) for values in rows]
    assert row["单位"] == "一大队一中队"
    assert row["说明"] == "值班期间玩手机游戏"
    assert row["严重程度"] == "较重"  # the display label, next to the code
    assert row["发现日期"] == "2026-11-02"


def test_xlsx_export_is_a_workbook_with_chinese_headers_and_typed_cells(api_as, supervisor, org):
    # given
    _finding(supervisor, org.a1, description="窗口民警态度生硬")
    # when
    response = api_as(supervisor).get("/api/v1/findings/?format=xlsx")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert f"filename*=UTF-8''{quote('问题-')}" in response["Content-Disposition"]
    header, row = _xlsx_rows(response)
    values = dict(zip(header, row, strict=True))
    assert values["单位"] == "一大队一中队"
    assert values["说明"] == "窗口民警态度生硬"
    assert values["发现日期"].date() == date(2026, 11, 2)  # a real date cell, not text


def test_export_follows_the_accept_header_too(api_as, supervisor, org):
    _finding(supervisor, org.a1)
    response = api_as(supervisor).get("/api/v1/findings/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert len(_csv_dicts(response)) == 1


def test_choice_codes_without_a_display_column_show_their_label(api_as, admin_user, org):
    # Posts have `risk_level` without a `risk_level_display` sibling.
    from accounts.tests.factories import PostFactory

    PostFactory(code="P-HIGH", name="车管所考试员", risk_level="high")
    rows = _csv_dicts(api_as(admin_user).get("/api/v1/posts/?format=csv"))
    assert [row["风险等级"] for row in rows if row["编码"] == "P-HIGH"] == ["高"]


# --- all rows, filters, ordering ------------------------------------------------------------------------


def test_export_holds_every_row_not_one_page(api_as, supervisor, org):
    # given: five findings, and a page size of two
    for number in range(5):
        _finding(supervisor, org.a1, description=f"问题{number}")
    # when
    response = api_as(supervisor).get("/api/v1/findings/?format=csv&page_size=2")
    # then
    assert sorted(row["说明"] for row in _csv_dicts(response)) == [f"问题{n}" for n in range(5)]


def test_export_applies_the_lists_filters_search_and_ordering(api_as, supervisor, org):
    # given
    _finding(supervisor, org.a1, severity="grave", description="严重一", found_on=date(2026, 11, 3))
    _finding(supervisor, org.a1, severity="grave", description="严重二", found_on=date(2026, 11, 1))
    _finding(supervisor, org.a2, severity="general", description="一般问题")
    client = api_as(supervisor)
    # when
    by_severity = _csv_dicts(client.get("/api/v1/findings/?format=csv&severity=grave&ordering=found_on"))
    by_search = _csv_dicts(client.get("/api/v1/findings/?format=csv&search=一般"))
    # then
    assert [row["说明"] for row in by_severity] == ["严重二", "严重一"]
    assert [row["说明"] for row in by_search] == ["一般问题"]


def test_a_bad_filter_is_a_json_400_not_a_spreadsheet(api_as, supervisor, org):
    response = api_as(supervisor).get("/api/v1/findings/?format=csv&severity=bogus")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "severity" in response.json()
    assert "Content-Disposition" not in response


def test_export_above_the_cap_is_refused_not_truncated(api_as, supervisor, org, settings):
    # given: a cap of three rows; three findings in A1 and one in A2
    settings.API_EXPORT_MAX_ROWS = 3
    for number in range(3):
        _finding(supervisor, org.a1, description=f"问题{number}")
    _finding(supervisor, org.a2, description="二中队的问题")
    client = api_as(supervisor)
    # when / then: four rows are refused, naming the parameter
    response = client.get("/api/v1/findings/?format=xlsx")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "format" in response.json()
    # narrowed by a filter to three rows, the export goes through
    response = client.get(f"/api/v1/findings/?format=csv&unit={org.a1.pk}")
    assert response.status_code == 200
    assert len(_csv_dicts(response)) == 3


def test_cursor_paginated_lists_export_every_row_in_cursor_order(api_as, api_client_user, admin_user, org):
    # given: business records (cursor pagination, -id) beyond a page of two
    created = [record(unit=org.a1, operator=None) for _ in range(5)]
    # when
    rows = _csv_dicts(api_as(api_client_user).get("/api/v1/business-records/?format=csv&page_size=2"))
    # then
    assert [int(row["ID"]) for row in rows] == sorted((r.pk for r in created), reverse=True)
    # the audit log (cursor pagination, -seq) exports too
    audit_rows = _csv_dicts(api_as(admin_user).get("/api/v1/audit-events/?format=csv"))
    assert audit_rows and "操作" in audit_rows[0]
    sequence = [int(row["序号"]) for row in audit_rows]
    assert sequence == sorted(sequence, reverse=True)


# --- formula injection --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)"])
def test_formula_like_text_is_written_as_text(api_as, supervisor, org, text):
    # given
    _finding(supervisor, org.a1, description=text)
    client = api_as(supervisor)
    # when
    csv_row = _csv_dicts(client.get("/api/v1/findings/?format=csv"))[0]
    workbook = load_workbook(io.BytesIO(client.get("/api/v1/findings/?format=xlsx").content))
    # then: CSV prefixes a quote; xlsx keeps the text in a string cell with Excel's quote prefix
    assert csv_row["说明"] == "'" + text
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("说明") + 1)
    assert cell.value == text
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_plain_negative_numbers_are_not_prefixed(api_as, supervisor, org):
    _finding(supervisor, org.a1, description="-15")
    assert _csv_dicts(api_as(supervisor).get("/api/v1/findings/?format=csv"))[0]["说明"] == "-15"


# --- scope ------------------------------------------------------------------------------------------------


@pytest.fixture
def two_brigades(org, supervisor):
    """One of each exported thing in brigade A (squad A1) and in brigade B (squad B1)."""
    a = {
        "finding": _finding(supervisor, org.a1, description="一大队的问题"),
        "item": _item(org.a1, problem="一大队的整改事项", creator=supervisor),
        "alert": make_alert(unit=org.a1, status=Alert.Status.CONFIRMED),
        "record": record(unit=org.a1, operator=None, business_type="a.business"),
    }
    b = {
        "finding": _finding(supervisor, org.b1, description="二大队的问题"),
        "item": _item(org.b1, problem="二大队的整改事项", creator=supervisor),
        "alert": make_alert(unit=org.b1, status=Alert.Status.CONFIRMED),
        "record": record(unit=org.b1, operator=None, business_type="b.business"),
    }
    return a, b


EXPORTED_LISTS = [
    ("/api/v1/findings/", "finding"),
    ("/api/v1/rectification-items/", "item"),
    ("/api/v1/alerts/", "alert"),
    ("/api/v1/business-records/", "record"),
]


@pytest.mark.parametrize(("url", "key"), EXPORTED_LISTS)
@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_an_export_never_holds_another_units_rows(
    api_as, brigade_leader, outsider, two_brigades, url, key, export_format
):
    a, b = two_brigades

    def exported_ids(user) -> set[int]:
        response = api_as(user).get(f"{url}?format={export_format}")
        assert response.status_code == 200
        if export_format == "csv":
            return {int(row["ID"]) for row in _csv_dicts(response)}
        header, *rows = _xlsx_rows(response)
        return {row[header.index("ID")] for row in rows}

    assert exported_ids(brigade_leader) == {a[key].pk}
    assert exported_ids(outsider) == {b[key].pk}


def test_an_export_is_the_same_scope_as_the_json_list(api_as, brigade_leader, two_brigades):
    client = api_as(brigade_leader)
    listed = {row["id"] for row in client.get("/api/v1/findings/").json()["results"]}
    exported = {int(row["ID"]) for row in _csv_dicts(client.get("/api/v1/findings/?format=csv"))}
    assert exported == listed


def test_an_anonymous_export_is_refused_as_json(api, org):
    response = api.get("/api/v1/findings/?format=csv")
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")


# --- not a list -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_a_detail_or_non_list_endpoint_answers_406(api_as, supervisor, org, export_format):
    finding = _finding(supervisor, org.a1)
    client = api_as(supervisor)
    for url in [f"/api/v1/findings/{finding.pk}/", "/api/v1/me/"]:
        response = client.get(f"{url}?format={export_format}")
        assert response.status_code == 406, url
        assert response["Content-Type"].startswith("application/json")


def test_an_unknown_format_is_404_as_before(api_as, supervisor, org):
    assert api_as(supervisor).get("/api/v1/findings/?format=pdf").status_code == 404


def test_the_json_list_is_unchanged(api_as, supervisor, org):
    _finding(supervisor, org.a1)
    body = api_as(supervisor).get("/api/v1/findings/").json()
    assert set(body) == {"next", "previous", "results"} and len(body["results"]) == 1


# --- cost -----------------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(
    "url", ["/api/v1/findings/?format=xlsx", "/api/v1/rectification-items/?format=csv", "/api/v1/alerts/?format=csv"]
)
def test_an_export_costs_the_same_queries_for_2_rows_and_12(api_as, supervisor, org, url):
    client = api_as(supervisor)

    def add(count):
        for _ in range(count):
            _finding(supervisor, org.a1)
            _item(org.a1, problem="事项", creator=supervisor)
            make_alert(unit=org.a1, status=Alert.Status.CONFIRMED)

    add(2)
    few = _queries(client, url)
    add(10)
    many = _queries(client, url)
    assert many == few
