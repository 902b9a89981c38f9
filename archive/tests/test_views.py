"""The archive pages and exports: scope, the frozen/live banner, sections, and safe exports."""

import io

import pytest
from django.urls import reverse

from archive.services import archive_freeze
from archive.tests.conftest import SECRET

pytestmark = pytest.mark.django_db


def page(kind, pk, year, name="archive:detail"):
    return reverse(name, args=[kind, pk, year])


# --- scope -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["archive:detail", "archive:xlsx", "archive:docx"])
def test_an_outsider_gets_404_for_another_units_and_persons_archive(client, crafted, org, clerk, outsider, name):
    client.force_login(outsider)
    assert client.get(page("unit", org.a1.pk, 2026, name)).status_code == 404
    assert client.get(page("person", clerk.pk, 2026, name)).status_code == 404
    assert client.get(reverse("archive:subject", args=["unit", org.a1.pk])).status_code == 404


def test_unknown_kind_or_subject_is_404(client, org, supervisor):
    client.force_login(supervisor)
    assert client.get(page("team", org.a1.pk, 2026)).status_code == 404
    assert client.get(page("unit", 999999, 2026)).status_code == 404


@pytest.mark.parametrize(
    "persona",
    ["supervisor", "discipline_inspector", "committee_member", "admin_user", "brigade_leader", "party_secretary"],
)
def test_oversight_roles_and_the_units_chain_read_the_units_archive(client, crafted, org, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(page("unit", org.a1.pk, 2026)).status_code == 200


def test_a_squad_leader_reads_their_own_unit_and_its_people_but_not_the_neighbour(
    client, crafted, org, clerk, squad_leader
):
    client.force_login(squad_leader)
    assert client.get(page("unit", org.a1.pk, 2026)).status_code == 200
    assert client.get(page("person", clerk.pk, 2026)).status_code == 200
    assert client.get(page("unit", org.a2.pk, 2026)).status_code == 404
    assert client.get(page("unit", org.a.pk, 2026)).status_code == 404  # the brigade above is not theirs


def test_a_person_reads_their_own_archive_and_nothing_else(client, crafted, org, clerk, api_client_user):
    client.force_login(clerk.user)
    response = client.get(page("person", clerk.pk, 2026))
    assert response.status_code == 200
    assert client.get(page("unit", org.a1.pk, 2026)).status_code == 404
    other = crafted.pending.person
    assert client.get(page("person", other.pk, 2026)).status_code == 404
    # the API client role has no archive access
    client.force_login(api_client_user)
    assert client.get(page("unit", org.a1.pk, 2026)).status_code == 404


def test_unconfirmed_alerts_are_for_the_alert_oversight_roles_only(client, crafted, org, supervisor, squad_leader):
    client.force_login(supervisor)
    content = client.get(page("unit", org.a1.pk, 2026)).content.decode()
    assert crafted.pending.person.name in content and crafted.confirmed.person.name in content
    client.force_login(squad_leader)
    content = client.get(page("unit", org.a1.pk, 2026)).content.decode()
    assert crafted.confirmed.person.name in content
    assert crafted.pending.person.name not in content


# --- the page ---------------------------------------------------------------------------------------------


def test_the_live_page_shows_sections_totals_and_the_live_banner(client, crafted, org, discipline_inspector):
    client.force_login(discipline_inspector)
    response = client.get(page("unit", org.a1.pk, 2026))
    content = response.content.decode()
    assert 'data-frozen="false"' in content
    for key in (
        "findings",
        "notices",
        "items",
        "alerts",
        "circuit_breaks",
        "risk_lists",
        "cases",
        "liabilities",
        "ratings",
    ):
        assert f'id="section-{key}"' in content
    assert crafted.notice.document_number in content
    assert "纪案〔2026〕1号" in content
    assert SECRET not in content
    assert reverse("archive:xlsx", args=["unit", org.a1.pk, 2026]) in content


def test_the_frozen_page_shows_the_frozen_banner_and_digest(client, crafted, org, supervisor, after_2026):
    after_2026()
    archive_freeze(year=2026)
    client.force_login(supervisor)
    content = client.get(page("unit", org.a1.pk, 2026)).content.decode()
    from archive.models import ArchiveSnapshot

    snapshot = ArchiveSnapshot.objects.get(unit=org.a1, year=2026)
    assert 'data-frozen="true"' in content and snapshot.digest in content


@pytest.mark.parametrize("year", [1999, 2030])
def test_a_year_without_archive_is_a_400_naming_the_year(client, org, supervisor, today, year):
    client.force_login(supervisor)
    response = client.get(page("unit", org.a1.pk, year))
    assert response.status_code == 400
    assert 'data-field="year"' in response.content.decode()


def test_the_subject_link_opens_the_current_year(client, org, supervisor, today):
    client.force_login(supervisor)
    response = client.get(reverse("archive:subject", args=["unit", org.a1.pk]))
    assert response.status_code == 302 and response.url == page("unit", org.a1.pk, 2026)


def test_unit_and_person_pages_link_to_the_archive_and_the_menu_has_it(client, org, clerk, supervisor):
    client.force_login(supervisor)
    unit_page = client.get(reverse("org:unit_detail", args=[org.a1.pk])).content.decode()
    assert reverse("archive:subject", args=["unit", org.a1.pk]) in unit_page
    person_page = client.get(reverse("org:person_detail", args=[clerk.pk])).content.decode()
    assert reverse("archive:subject", args=["person", clerk.pk]) in person_page
    assert f'href="{reverse("archive:index")}"' in unit_page


def test_the_page_costs_a_bounded_number_of_queries(client, crafted, org, supervisor, django_assert_max_num_queries):
    client.force_login(supervisor)
    with django_assert_max_num_queries(25):
        assert client.get(page("unit", org.a1.pk, 2026)).status_code == 200


# --- the index --------------------------------------------------------------------------------------------


def test_the_index_opens_a_units_archive_in_scope_only(client, org, squad_leader, today):
    client.force_login(squad_leader)
    response = client.get(reverse("archive:index"), {"unit": org.a1.pk, "year": 2026})
    assert response.status_code == 302 and response.url == page("unit", org.a1.pk, 2026)
    refused = client.get(reverse("archive:index"), {"unit": org.a2.pk, "year": 2026})
    assert refused.status_code == 400
    assert client.get(reverse("archive:index"), {"unit": org.a1.pk, "year": 2031}).status_code == 400


def test_the_person_search_finds_only_persons_in_scope(client, crafted, clerk, squad_leader, outsider):
    client.force_login(squad_leader)
    content = client.get(reverse("archive:index"), {"q": "张某", "year": 2026}).content.decode()
    assert page("person", clerk.pk, 2026) in content
    client.force_login(outsider)
    content = client.get(reverse("archive:index"), {"q": "张某", "year": 2026}).content.decode()
    assert page("person", clerk.pk, 2026) not in content


def test_the_index_lists_frozen_years_and_ones_own_archive(client, org, clerk, after_2026):
    after_2026()
    archive_freeze(year=2025)
    client.force_login(clerk.user)
    content = client.get(reverse("archive:index")).content.decode()
    assert page("person", clerk.pk, 2027) in content  # "my own archive": the current year
    assert "<td>2025</td>" in content


# --- exports ----------------------------------------------------------------------------------------------


def test_the_xlsx_opens_has_a_sheet_per_section_and_keeps_formulas_as_text(client, crafted, org, supervisor):
    from openpyxl import load_workbook

    client.force_login(supervisor)
    response = client.get(page("unit", org.a1.pk, 2026, "archive:xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 1 + 9
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]
    evil = [cell for cell in cells if str(cell.value).startswith("=HYPERLINK")]
    assert evil and all(cell.data_type == "s" and cell.quotePrefix for cell in evil)
    assert not any(cell.data_type == "f" for cell in cells)
    text = " ".join(str(cell.value) for cell in cells)
    assert crafted.notice.document_number in text and SECRET not in text


def test_the_docx_opens_and_carries_the_archive(client, crafted, org, clerk, discipline_inspector, after_2026):
    from docx import Document

    after_2026()
    archive_freeze(year=2026)
    client.force_login(discipline_inspector)
    response = client.get(page("person", clerk.pk, 2026, "archive:docx"))
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert clerk.name in text and "纪案〔2026〕1号" in text and SECRET not in text
    from archive.models import ArchiveSnapshot

    assert ArchiveSnapshot.objects.get(person=clerk, year=2026).digest in text


def test_exports_of_a_squad_leader_leave_out_unconfirmed_alerts(client, crafted, org, squad_leader):
    from openpyxl import load_workbook

    client.force_login(squad_leader)
    workbook = load_workbook(io.BytesIO(client.get(page("unit", org.a1.pk, 2026, "archive:xlsx")).content))
    text = " ".join(str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row if c.value)
    assert crafted.confirmed.person.name in text and crafted.pending.person.name not in text


def test_cases_follow_the_cases_apps_rules(client, crafted, org, clerk, squad_leader, supervisor, discipline_inspector):
    from cases.models import Case

    # the unit's leader sees that the case exists in the unit, without its category
    client.force_login(squad_leader)
    content = client.get(page("unit", org.a1.pk, 2026)).content.decode()
    cases_html = content.split('id="section-cases"')[1].split('id="section-liabilities"')[0]
    assert "纪案〔2026〕1号" in cases_html and "bribery" not in cases_html
    assert "Taking bribes or benefits" not in cases_html
    # a supervisor does not see cases at all
    client.force_login(supervisor)
    content = client.get(page("unit", org.a1.pk, 2026)).content.decode()
    assert "纪案〔2026〕1号" not in content

    # while under investigation the person concerned does not see it; discipline inspection does
    Case.objects.filter(pk=crafted.case.pk).update(status=Case.Status.INVESTIGATING, integrity_problem_confirmed=None)
    client.force_login(clerk.user)
    content = client.get(page("person", clerk.pk, 2026)).content.decode()
    assert "纪案〔2026〕1号" not in content.split('id="section-cases"')[1].split('id="section-liabilities"')[0]
    client.force_login(discipline_inspector)
    content = client.get(page("person", clerk.pk, 2026)).content.decode()
    assert "纪案〔2026〕1号" in content.split('id="section-cases"')[1].split('id="section-liabilities"')[0]

    # once concluded the person sees it too
    Case.objects.filter(pk=crafted.case.pk).update(status=Case.Status.CONCLUDED)
    client.force_login(clerk.user)
    content = client.get(page("person", clerk.pk, 2026)).content.decode()
    assert "纪案〔2026〕1号" in content.split('id="section-cases"')[1].split('id="section-liabilities"')[0]
