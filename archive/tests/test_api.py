"""The archive API: the list of frozen snapshots and one archive, scoped, with 400s naming the field."""

import pytest
from django.urls import reverse

from accounts.tests.factories import PersonFactory, UnitFactory
from archive.models import ArchiveSnapshot
from archive.services import archive_freeze
from archive.tests.conftest import SECRET

pytestmark = pytest.mark.django_db

LIST = "/api/v1/archives/"


def detail(kind, pk, year) -> str:
    return f"/api/v1/archives/{kind}/{pk}/{year}/"


@pytest.fixture
def frozen_2026(crafted, after_2026):
    after_2026()
    archive_freeze(year=2026)
    return crafted


# --- the list ---------------------------------------------------------------------------------------------


def test_the_list_holds_frozen_snapshots_of_the_callers_scope_only(api_as, frozen_2026, org, clerk, squad_leader):
    response = api_as(squad_leader).get(LIST, {"page_size": 200})
    assert response.status_code == 200
    rows = response.json()["results"]
    units = {row["unit"] for row in rows if row["kind"] == "unit"}
    assert units == {org.a1.pk}
    persons = ArchiveSnapshot.objects.filter(kind="person", person__unit=org.a1).count()
    assert sum(1 for row in rows if row["kind"] == "person") == persons
    assert all(row["frozen"] and row["year"] == 2026 and len(row["digest"]) == 64 and row["intact"] for row in rows)
    clerk_row = next(row for row in rows if row["person"] == clerk.pk)
    assert clerk_row["url"].endswith(detail("person", clerk.pk, 2026))


def test_an_outsider_sees_none_of_another_brigades_snapshots(api_as, frozen_2026, org, outsider):
    rows = api_as(outsider).get(LIST, {"page_size": 200}).json()["results"]
    assert {row["unit"] for row in rows if row["kind"] == "unit"} == {org.b1.pk}
    assert all(
        row["person"] is None or ArchiveSnapshot.objects.get(pk=row["id"]).person.unit_id == org.b1.pk for row in rows
    )


def test_a_person_without_a_role_lists_only_their_own(api_as, frozen_2026, clerk):
    rows = api_as(clerk.user).get(LIST).json()["results"]
    assert [(row["kind"], row["person"]) for row in rows] == [("person", clerk.pk)]


def test_list_totals_leave_out_unconfirmed_alerts_for_a_unit_leader(api_as, frozen_2026, org, supervisor, squad_leader):
    def alerts(user):
        rows = api_as(user).get(LIST, {"kind": "unit", "unit": org.a1.pk}).json()["results"]
        return rows[0]["totals"]["alerts"]["count"]

    assert alerts(supervisor) == 2
    assert alerts(squad_leader) == 1


def test_list_filters_by_kind_year_unit_and_person(api_as, frozen_2026, org, clerk, supervisor):
    client = api_as(supervisor)
    assert {row["kind"] for row in client.get(LIST, {"kind": "person", "page_size": 200}).json()["results"]} == {
        "person"
    }
    assert client.get(LIST, {"year": 2025}).json()["count"] == 0
    assert [row["person"] for row in client.get(LIST, {"person": clerk.pk}).json()["results"]] == [clerk.pk]
    assert [row["unit"] for row in client.get(LIST, {"unit": org.a1.pk}).json()["results"]] == [org.a1.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "team"}, "kind"),
        ({"year": "20x6"}, "year"),
        ({"year": 1990}, "year"),
        ({"ordering": "digest"}, "ordering"),
    ],
)
def test_list_rejects_bad_filters_naming_the_field(api_as, org, supervisor, params, field):
    response = api_as(supervisor).get(LIST, params)
    assert response.status_code == 400 and field in response.json()


def test_a_unit_outside_the_scope_is_rejected_like_an_unknown_one(api_as, frozen_2026, org, squad_leader):
    response = api_as(squad_leader).get(LIST, {"unit": org.a2.pk})
    assert response.status_code == 400 and "unit" in response.json()


def test_the_list_costs_the_same_queries_for_few_or_many_snapshots(api_as, org, supervisor, squad_leader, after_2026):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    after_2026()
    archive_freeze(year=2025)
    client = api_as(squad_leader)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for _ in range(15):
        PersonFactory(unit=org.a1)
        UnitFactory(parent=org.a1)
    archive_freeze(year=2024)
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries) <= 12


# --- one archive ------------------------------------------------------------------------------------------


def test_detail_serves_the_live_archive_of_a_year_not_frozen(api_as, crafted, org, discipline_inspector):
    response = api_as(discipline_inspector).get(detail("unit", org.a1.pk, 2026))
    assert response.status_code == 200
    body = response.json()
    assert body["frozen"] is False and body["digest"] == "" and body["intact"] is None and body["frozen_at"] is None
    assert body["subject_id"] == org.a1.pk and body["subject_name"] == org.a1.name
    assert body["visibility"] == {"alerts": "all", "cases": "full", "liabilities": "all"}
    sections = body["data"]["sections"]
    assert {f["id"] for f in sections["findings"]} == {crafted.finding.pk, crafted.grave.pk}
    assert sections["cases"][0]["number"] == "纪案〔2026〕1号"
    assert body["data"]["totals"]["items"] == {"count": 1, "closed": 0, "on_time": 0, "late": 0}
    assert SECRET not in response.content.decode()


def test_detail_serves_the_frozen_snapshot_with_its_digest(api_as, frozen_2026, clerk, discipline_inspector):
    body = api_as(discipline_inspector).get(detail("person", clerk.pk, 2026)).json()
    snapshot = ArchiveSnapshot.objects.get(person=clerk, year=2026)
    assert body["frozen"] is True and body["intact"] is True and body["digest"] == snapshot.digest
    assert body["frozen_by"] == "" and body["frozen_at"]
    assert set(body["data"]["sections"]) == {"findings", "alerts", "circuit_breaks", "cases", "liabilities"}
    assert body["data"]["sections"]["cases"][0]["responsibility"] == "direct"


def test_detail_for_a_unit_leader_has_confirmed_alerts_and_only_the_existence_of_cases(
    api_as, crafted, org, clerk, squad_leader
):
    body = api_as(squad_leader).get(detail("unit", org.a1.pk, 2026)).json()
    assert body["visibility"] == {"alerts": "confirmed", "cases": "existence", "liabilities": "all"}
    assert [a["status"] for a in body["data"]["sections"]["alerts"]] == ["confirmed"]
    assert body["data"]["totals"]["alerts"]["count"] == 1
    [case] = body["data"]["sections"]["cases"]
    assert case["number"] == "纪案〔2026〕1号" and case["severity"] == "serious" and case["status"] == "concluded"
    assert not {"category", "integrity_problem_confirmed", "person_count", "source"} & set(case)
    assert body["data"]["totals"]["cases"] == {"count": 1}
    # a person's case rows would name the person concerned: none for the existence roles
    person = api_as(squad_leader).get(detail("person", clerk.pk, 2026)).json()
    assert person["data"]["sections"]["cases"] == [] and person["visibility"]["cases"] == "none"
    assert [row["id"] for row in person["data"]["sections"]["liabilities"]] == [crafted.liability.pk]


def test_a_supervisor_reads_the_archive_without_cases_and_liabilities(api_as, crafted, org, supervisor):
    body = api_as(supervisor).get(detail("unit", org.a1.pk, 2026)).json()
    assert body["visibility"] == {"alerts": "all", "cases": "none", "liabilities": "none"}
    assert body["data"]["sections"]["cases"] == [] and body["data"]["sections"]["liabilities"] == []
    assert len(body["data"]["sections"]["findings"]) == 2 and len(body["data"]["sections"]["alerts"]) == 2


@pytest.mark.parametrize(
    ("kind", "year", "field"), [("team", "2026", "kind"), ("unit", "20x6", "year"), ("unit", "2031", "year")]
)
def test_detail_rejects_a_bad_kind_or_year_naming_the_field(api_as, org, supervisor, today, kind, year, field):
    response = api_as(supervisor).get(detail(kind, org.a1.pk, year))
    assert response.status_code == 400 and field in response.json()


def test_detail_outside_the_scope_or_unknown_is_404(api_as, crafted, org, clerk, outsider, supervisor):
    assert api_as(outsider).get(detail("unit", org.a1.pk, 2026)).status_code == 404
    assert api_as(outsider).get(detail("person", clerk.pk, 2026)).status_code == 404
    assert api_as(supervisor).get(detail("unit", 999999, 2026)).status_code == 404
    assert api_as(supervisor).get(detail("unit", "abc", 2026)).status_code == 404


def test_the_api_requires_a_login(api, org):
    assert api.get(LIST).status_code in (401, 403)
    assert api.get(detail("unit", org.a1.pk, 2026)).status_code in (401, 403)


def test_both_endpoints_are_in_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert "/api/v1/archives/" in paths and "/api/v1/archives/{kind}/{id}/{year}/" in paths
    assert reverse("api:archive-detail", args=["unit", 1, 2026]) == "/api/v1/archives/unit/1/2026/"


def test_the_list_exports_as_a_spreadsheet_like_every_list(api_as, frozen_2026, org, squad_leader):
    import io

    from openpyxl import load_workbook

    client = api_as(squad_leader)
    response = client.get(LIST, {"format": "xlsx", "kind": "unit"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    values = [cell.value for row in workbook.active.iter_rows() for cell in row]
    assert org.a1.name in values
    assert client.get(detail("unit", org.a1.pk, 2026), {"format": "xlsx"}).status_code == 406


def test_a_person_reading_their_own_file_sees_cases_once_concluded(api_as, crafted, clerk):
    from cases.models import Case

    Case.objects.filter(pk=crafted.case.pk).update(status=Case.Status.OPEN)
    body = api_as(clerk.user).get(detail("person", clerk.pk, 2026)).json()
    assert body["visibility"] == {"alerts": "confirmed", "cases": "concluded", "liabilities": "all"}
    assert body["data"]["sections"]["cases"] == [] and body["data"]["totals"]["cases"]["count"] == 0
    Case.objects.filter(pk=crafted.case.pk).update(status=Case.Status.CLOSED)
    body = api_as(clerk.user).get(detail("person", clerk.pk, 2026)).json()
    assert [case["responsibility"] for case in body["data"]["sections"]["cases"]] == ["direct"]
