import hashlib
import io
from datetime import UTC, date, datetime
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.utils import timezone
from docx import Document

from audit.models import AuditEvent
from core.errors import DomainError, NotPermitted
from reports.documents import SECTION_HEADINGS
from reports.models import GeneratedReport
from reports.services import report_generate
from reports.tasks import report_annual_task, report_half_year_task
from supervision.tests.factories import make_finding

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/generated-reports/"


@pytest.fixture
def findings_2026(org, supervisor, today):
    """Findings of 2026 (two of work discipline, one of appearance) and one of 2025 (outside)."""
    make_finding(actor=supervisor, unit=org.a1, category_code="work_discipline", found_on=date(2026, 3, 2))
    make_finding(actor=supervisor, unit=org.b1, category_code="work_discipline", found_on=date(2026, 8, 12))
    make_finding(actor=supervisor, unit=org.a2, category_code="appearance", found_on=date(2026, 10, 9))
    make_finding(actor=supervisor, unit=org.a1, category_code="appearance", found_on=date(2025, 12, 30))


def _document(report: GeneratedReport):
    with report.file.open("rb") as handle:
        return Document(io.BytesIO(handle.read()))


def _table(document, header: list[str]) -> list[list[str]]:
    for table in document.tables:
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        if rows and rows[0] == header:
            return rows[1:]
    raise AssertionError(f"no table with header {header}")


def _at(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


# --- content ---------------------------------------------------------------------------------------------


def test_the_report_has_its_sections_tables_and_charts(findings_2026, supervisor):
    # when
    report = report_generate(period="2026", actor=supervisor)
    # then
    document = _document(report)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == list(SECTION_HEADINGS)
    texts = [p.text for p in document.paragraphs]
    assert "支队大监督工作报告" in texts and "（2026年度）" in texts
    # the findings by category of 2026, against the fixture (the 2025 finding is outside)
    by_category = {row[1]: row[2] for row in _table(document, ["序号", "问题类别", "问题数"])}
    assert by_category["工作纪律"] == "2"
    assert by_category["警容风纪"] == "1"
    key_figures = dict(_table(document, ["指标", "数值"]))
    assert key_figures["期内发现问题（个）"] == "3"
    assert len(document.inline_shapes) >= 2  # chart images
    # the committee's conclusions: a heading and an empty box to write in
    conclusions = texts.index("七、党委结论/意见")
    assert any("签字" in text for text in texts[conclusions:])
    assert document.tables[-1].rows[0].cells[0].text.strip() == ""


def test_a_half_year_report_counts_its_half_only(findings_2026, supervisor):
    report = report_generate(period="2026H1", actor=supervisor)
    assert report.kind == GeneratedReport.Kind.HALF_YEAR
    assert (report.period_start, report.period_end) == (date(2026, 1, 1), date(2026, 6, 30))
    document = _document(report)
    by_category = {row[1]: row[2] for row in _table(document, ["序号", "问题类别", "问题数"])}
    assert by_category["工作纪律"] == "1"
    assert by_category.get("警容风纪", "0") == "0"  # its only finding falls in the second half
    assert "（2026年上半年）" in [p.text for p in document.paragraphs]


def test_the_report_is_chinese_whatever_the_language_of_the_generator(findings_2026, supervisor):
    from django.utils import translation

    with translation.override("en"):
        report = report_generate(period="2026", actor=supervisor)
    by_category = {row[1] for row in _table(_document(report), ["序号", "问题类别", "问题数"])}
    assert "工作纪律" in by_category


# --- versions --------------------------------------------------------------------------------------------


def test_generating_again_makes_a_new_version_and_keeps_the_first(org, supervisor, monkeypatch, settings):
    # given
    _at(monkeypatch, datetime(2026, 11, 23, 2, 0, 0, tzinfo=UTC))
    first = report_generate(period="2026H1", actor=supervisor)
    first_bytes = first.file.open("rb").read()
    # when
    _at(monkeypatch, datetime(2026, 11, 23, 3, 30, 15, tzinfo=UTC))
    second = report_generate(period="2026H1", actor=supervisor)
    # then
    assert (first.version, second.version) == (1, 2)
    assert first.file.name != second.file.name
    first.refresh_from_db()
    assert first.file.open("rb").read() == first_bytes  # untouched
    assert hashlib.sha256(first_bytes).hexdigest() == first.sha256
    assert first.sha256 != second.sha256
    assert _document(first).core_properties.created != _document(second).core_properties.created
    assert "生成时间：2026年11月23日 11:30:15" in [p.text for p in _document(second).paragraphs]
    assert str(settings.MEDIA_ROOT) in first.file.path and "/reports/" in first.file.path
    assert GeneratedReport.objects.filter(period="2026H1").count() == 2
    events = AuditEvent.objects.filter(action="report.generate").order_by("seq")
    assert [e.changes["version"] for e in events] == [1, 2]


def test_the_scheduled_task_writes_once_per_period(org, today):
    # 23 November 2026: the half-year task reports 2026H1, the annual task 2025
    half = report_half_year_task()
    again = report_half_year_task()
    annual = report_annual_task()
    assert half["period"] == "2026H1" and half == again
    assert annual["period"] == "2025"
    assert GeneratedReport.objects.filter(period="2026H1").count() == 1
    report = GeneratedReport.objects.get(period="2026H1")
    assert report.generated_by is None
    assert AuditEvent.objects.get(action="report.generate", object_id=str(report.pk)).actor_id is None


def test_the_beat_runs_the_half_year_report_on_5_july_and_the_annual_on_10_january():
    half = django_settings.CELERY_BEAT_SCHEDULE["reports-half-year"]
    annual = django_settings.CELERY_BEAT_SCHEDULE["reports-annual"]
    assert half["task"] == report_half_year_task.name
    assert annual["task"] == report_annual_task.name
    assert (half["schedule"].month_of_year, half["schedule"].day_of_month) == ({7}, {5})
    assert (annual["schedule"].month_of_year, annual["schedule"].day_of_month) == ({1}, {10})


# --- the command ---------------------------------------------------------------------------------------------


def test_the_command_generates_a_version(org, today, capsys):
    call_command("generate_report", "--period", "2026H1")
    call_command("generate_report", "--period", "2026H1")
    assert "2026H1 v2" in capsys.readouterr().out
    call_command("generate_report", "--period", "2026H1", "--if-missing")
    assert GeneratedReport.objects.filter(period="2026H1").count() == 2


@pytest.mark.parametrize("period", ["2026Q3", "2026-10", "2026H3", "bogus", "2099"])
def test_the_command_names_a_bad_period(org, today, period):
    with pytest.raises(CommandError) as error:
        call_command("generate_report", "--period", period)
    assert "--period" in str(error.value)
    assert not GeneratedReport.objects.exists()


def test_the_command_refuses_an_unknown_actor(org, today):
    with pytest.raises(CommandError, match="--actor"):
        call_command("generate_report", "--period", "2026", "--actor", "nobody")


# --- permissions ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["committee_member", "discipline_inspector", "brigade_leader", "outsider"])
def test_only_supervisors_and_administrators_of_all_units_generate(org, today, persona, request):
    with pytest.raises(NotPermitted):
        report_generate(period="2026", actor=request.getfixturevalue(persona))
    assert not GeneratedReport.objects.exists()


def test_a_supervisor_of_one_unit_does_not_generate_the_detachments_report(org, today):
    from accounts.models import DataScope, Role
    from conftest import make_persona

    local = make_persona("local_supervisor", Role.SUPERVISOR, org.a, DataScope.UNIT_AND_BELOW)
    with pytest.raises(NotPermitted):
        report_generate(period="2026", actor=local)


def test_a_period_not_begun_is_refused(org, today, supervisor):
    with pytest.raises(DomainError) as error:
        report_generate(period="2027H1", actor=supervisor)
    assert error.value.field == "period"


@pytest.fixture
def report(org, today):
    return report_generate(period="2026H1")


@pytest.mark.parametrize(
    "persona, case_free",
    [("committee_member", False), ("supervisor", True), ("discipline_inspector", False), ("admin_user", False)],
)
def test_readers_list_and_download(client, report, persona, case_free, request):
    client.force_login(request.getfixturevalue(persona))
    page = client.get("/reports/")
    assert page.status_code == 200 and "2026H1" in page.content.decode()
    assert ('data-edition="case-free"' in page.content.decode()) == case_free
    response = client.get(f"/reports/{report.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    name = "支队大监督工作报告-2026H1-v1-不含案件.docx" if case_free else "支队大监督工作报告-2026H1-v1.docx"
    assert f"filename*=UTF-8''{quote(name)}" in response["Content-Disposition"]
    edition = report.case_free_file if case_free else report.file
    assert b"".join(response.streaming_content) == edition.open("rb").read()


@pytest.mark.parametrize("persona", ["brigade_leader", "outsider", "party_secretary", "business_lead"])
def test_others_get_403(client, report, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/reports/").status_code == 403
    assert client.get(f"/reports/{report.pk}/download/").status_code == 403
    assert client.post("/reports/generate/", {"period": "2026"}).status_code == 403


def test_the_file_is_not_under_media_url(client, report, committee_member):
    # Only the scoped download serves it: MEDIA_URL is not routed.
    client.force_login(committee_member)
    assert client.get(f"/media/{report.file.name}").status_code == 404


def test_the_generate_button_is_for_generators(client, report, committee_member, supervisor):
    client.force_login(committee_member)
    assert client.get("/reports/").context["form"] is None
    assert client.post("/reports/generate/", {"period": "2026"}).status_code == 403
    client.force_login(supervisor)
    assert client.get("/reports/").context["form"] is not None
    response = client.post("/reports/generate/", {"period": "2026H1"})
    assert response.status_code == 302
    assert GeneratedReport.objects.filter(period="2026H1").count() == 2
    response = client.post("/reports/generate/", {"period": "2026Q1"})
    assert response.status_code == 200
    assert "period" in response.context["form"].errors


# --- API -----------------------------------------------------------------------------------------------------


def test_the_api_lists_generates_and_downloads(api_as, supervisor, committee_member, api_client_user, org, today):
    created = api_as(supervisor).post(REPORTS, {"period": "2026H1"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["period"], body["version"], body["kind"]) == ("2026H1", 1, "half_year")
    again = api_as(supervisor).post(REPORTS, {"period": "2026H1"}, format="json")
    assert again.json()["version"] == 2
    for reader in (committee_member, api_client_user):
        rows = api_as(reader).get(REPORTS).json()["results"]
        assert [row["version"] for row in rows] == [2, 1]
    download = api_as(committee_member).get(body["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")


def test_the_api_refuses_bad_periods_and_other_roles(api_as, supervisor, committee_member, brigade_leader, org, today):
    bad = api_as(supervisor).post(REPORTS, {"period": "2026Q3"}, format="json")
    assert bad.status_code == 400 and "period" in bad.json()
    assert api_as(committee_member).post(REPORTS, {"period": "2026"}, format="json").status_code == 403
    assert api_as(brigade_leader).get(REPORTS).status_code == 403
    assert not GeneratedReport.objects.exists()


def test_the_endpoints_are_in_the_schema(tmp_path):
    call_command("spectacular", "--validate", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text(encoding="utf-8")
    for path in [
        "/api/v1/generated-reports/",
        "/api/v1/generated-reports/{id}/",
        "/api/v1/generated-reports/{id}/download/",
    ]:
        assert f"{path}:" in text, path
