import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.errors import DomainError
from dashboard import statistics
from dashboard.tests.conftest import Q4

URL = reverse("dashboard:statistics")
EXPORT = reverse("dashboard:statistics_export")


def _table(user, measure, *dimensions, period=Q4, unit=None):
    return statistics.statistics_table(
        user=user, measure=measure, dimensions=list(dimensions), period=period, unit=unit
    )


def test_findings_by_unit(crafted, committee_member, today):
    table = _table(committee_member, "findings", "unit")

    assert [(row["label1"], row["count"]) for row in table.rows] == [
        (crafted.org.a1.name, 2),
        (crafted.org.b1.name, 1),
    ]
    assert table.total == 3


def test_items_by_unit_and_month_as_a_pivot(crafted, committee_member, today):
    table = _table(committee_member, "items", "unit", "month")

    assert [label for _key, label in table.columns] == ["2026-10", "2026-11", "2026-12"]
    pivot = {entry["label"]: entry["values"] for entry in table.pivot()}
    assert pivot == {
        crafted.org.a1.name: [1, 2, 0],  # I1 | I2, I3
        crafted.org.a2.name: [0, 0, 1],  # I4
        crafted.org.b1.name: [0, 1, 0],  # I5
    }


def test_findings_by_layer_and_severity(crafted, committee_member, today):
    table = _table(committee_member, "findings", "layer", "severity")

    counts = {(row["key1"], row["key2"]): row["count"] for row in table.rows}
    assert counts == {("committee", "general"): 1, ("unit_daily", "serious"): 1, ("discipline", "grave"): 1}


def test_alerts_by_grade_for_a_leader_count_confirmed_ones(rolled_up, brigade_leader, committee_member, today):
    assert {row["key1"]: row["count"] for row in _table(committee_member, "alerts", "severity").rows} == {
        "orange": 1,
        "red": 1,
        "blue": 1,
    }
    assert {row["key1"]: row["count"] for row in _table(brigade_leader, "alerts", "severity").rows} == {"red": 1}


def test_cases_by_police_category_and_rank_count_cases(crafted, discipline_inspector, today):
    table = _table(discipline_inspector, "cases", "police_category", "rank")

    counts = {(row["key1"], row["key2"]): row["count"] for row in table.rows}
    assert counts == {("police", "inspector_1"): 1, ("police", "constable_1"): 1, ("auxiliary", "none"): 1}


def test_liabilities_by_level_of_case_severity(crafted, committee_member, today):
    table = _table(committee_member, "liabilities", "severity")

    assert {row["key1"]: row["count"] for row in table.rows} == {"serious": 1, "minor": 1}


@pytest.mark.parametrize(
    ("measure", "dimensions", "field"),
    [
        ("alerts", ["category"], "dimension1"),  # an alert has no finding category
        ("alerts", ["unit", "layer"], "dimension2"),
        ("liabilities", ["area"], "dimension1"),
        ("findings", ["unit", "unit"], "dimension2"),
        ("findings", [], "dimension1"),
        ("nonsense", ["unit"], "measure"),
    ],
)
def test_combinations_that_make_no_sense_are_refused(db, committee_member, measure, dimensions, field):
    with pytest.raises(DomainError) as error:
        statistics.validate_choice(committee_member, measure, dimensions)
    assert error.value.field == field


def test_a_leader_cannot_count_cases_by_type_or_person(crafted, brigade_leader, today):
    with pytest.raises(DomainError) as error:
        _table(brigade_leader, "cases", "unit", "rank")
    assert error.value.field == "dimension2"

    table = _table(brigade_leader, "cases", "unit")
    assert [(row["label1"], row["count"]) for row in table.rows] == [(crafted.org.a1.name, 1)]


def test_a_party_secretary_may_not_count_alerts(db, party_secretary):
    with pytest.raises(DomainError) as error:
        statistics.validate_choice(party_secretary, "alerts", ["unit"])
    assert error.value.field == "measure"


# --- the page and the export --------------------------------------------------------------------


def test_the_page_shows_a_table_and_chart_data(client, crafted, committee_member, today):
    client.force_login(committee_member)

    response = client.get(
        URL, {"measure": "findings", "dimension1": "category", "kind": "quarter", "year": "2026", "quarter": "4"}
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="statistics-table"' in content
    assert 'id="statistics-chart"' in content
    assert "工作纪律" in content and "警容风纪" in content


def test_form_errors_name_the_field(client, crafted, committee_member, today):
    client.force_login(committee_member)

    response = client.get(URL, {"measure": "alerts", "dimension1": "layer", "kind": "year", "year": "2026"})

    assert response.status_code == 400
    assert response.context["form"].errors["dimension1"]
    assert "statistics-table" not in response.content.decode()

    response = client.get(
        URL, {"measure": "findings", "dimension1": "unit", "kind": "custom", "start": "2026-05-01", "end": "2026-04-01"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["end"]


def test_the_export_opens_with_chinese_headers(client, crafted, committee_member, today):
    client.force_login(committee_member)

    response = client.get(
        EXPORT, {"measure": "items", "dimension1": "unit", "dimension2": "severity", "period": "2026Q4"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("整改事项数统计")
    assert rows[1][0] == "单位 \\ 严重程度/等级"
    assert rows[1][-1] == "合计"
    assert rows[-1][0] == "合计" and rows[-1][1] == 5


def test_the_export_keeps_formulas_as_text(client, crafted, committee_member, today):
    crafted.org.b1.name = '=HYPERLINK("http://evil")'
    crafted.org.b1.save(update_fields=["name"])
    client.force_login(committee_member)

    response = client.get(EXPORT, {"measure": "findings", "dimension1": "unit", "period": "2026Q4"})

    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [row[0] for row in sheet.iter_rows()]
    evil = next(cell for cell in cells if cell.value and str(cell.value).startswith("=HYPERLINK"))
    assert evil.data_type == "s"


def test_the_export_of_a_brigade_leader_holds_no_other_brigade(client, crafted, brigade_leader, today):
    client.force_login(brigade_leader)

    response = client.get(EXPORT, {"measure": "items", "dimension1": "unit", "period": "2026"})

    sheet = load_workbook(io.BytesIO(response.content)).active
    text = " ".join(str(value) for row in sheet.iter_rows(values_only=True) for value in row if value is not None)
    assert crafted.org.a1.name in text
    assert crafted.org.b1.name not in text and crafted.org.b.name not in text


def test_the_export_refuses_bad_input_with_a_400(client, crafted, committee_member, today):
    client.force_login(committee_member)

    response = client.get(EXPORT, {"measure": "alerts", "dimension1": "area", "period": "2026Q4"})

    assert response.status_code == 400
    assert "dimension1" in response.content.decode()


def test_an_outside_unit_is_a_form_error(client, crafted, brigade_leader, today):
    client.force_login(brigade_leader)

    response = client.get(
        URL, {"measure": "findings", "dimension1": "unit", "period": "2026", "unit": crafted.org.b1.pk}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["unit"]


def test_a_table_too_big_is_refused_not_cut(client, crafted, committee_member, today, monkeypatch):
    monkeypatch.setattr(statistics, "MAX_ROWS", 1)
    client.force_login(committee_member)

    page = client.get(URL, {"measure": "findings", "dimension1": "unit", "period": "2026Q4"})
    export = client.get(EXPORT, {"measure": "findings", "dimension1": "unit", "period": "2026Q4"})

    assert page.status_code == export.status_code == 400
    assert page.context["form"].errors["dimension1"]
    assert "dimension1" in export.content.decode()
