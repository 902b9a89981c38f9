"""The two editions of a report: the full one for the readers of case figures (discipline inspection,
the committee, administrators, the report client), and one without any case figure for the other
readers, the supervisors (dashboard.roles: they read no case figure on the dashboard either)."""

import hashlib
import io
from datetime import date

import pytest
from docx import Document

from audit.models import AuditEvent
from dashboard.tests import factories as f
from reports.documents import CASES_WITHHELD
from reports.models import GeneratedReport
from reports.services import report_generate

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/generated-reports/"
# What only the case figures write into a report (the section's heading stays, with CASES_WITHHELD).
CASE_TEXTS = (
    "案件类型分布",
    "案件严重程度",
    "涉案人员",
    "在办案件",
    "新立案件",
    "责任追究（",
    "责任追究层级",
    "廉政案件",
)


def _text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


@pytest.fixture
def with_cases(org, supervisor, discipline_inspector, today):
    """Two cases of 2026H2 (one with a person concerned and a liability record) and a finding."""
    concerned = f.person(unit=org.a1)
    bribery = f.case(unit=org.a1, opened_on=date(2026, 8, 3), creator=discipline_inspector, persons=[concerned])
    f.case(unit=org.b1, opened_on=date(2026, 9, 14), creator=discipline_inspector, category="eight_rules")
    f.liability(case=bribery, person=concerned, unit=org.a1, start=date(2026, 9, 1))
    f.finding(unit=org.a2, found_on=date(2026, 10, 9), creator=supervisor)
    return report_generate(period="2026H2", actor=supervisor)


def test_the_edition_without_case_figures_holds_none_of_them(with_cases):
    full, case_free = _text(_read(with_cases.file)), _text(_read(with_cases.case_free_file))

    assert all(text in full for text in ("案件类型分布", "涉案人员警种（人员类别）分布", "在办案件（件）", "责任追究"))
    assert CASES_WITHHELD not in full
    assert CASES_WITHHELD in case_free
    assert not [text for text in CASE_TEXTS if text in case_free.replace(CASES_WITHHELD, "")]
    # everything else is the same report
    for shared in ("期内发现问题（个）", "逾期未整改事项（项）", "期内风险预警（条）", "七、党委结论/意见"):
        assert shared in full and shared in case_free


def test_both_editions_are_recorded_with_their_digests(with_cases):
    report = GeneratedReport.objects.get(pk=with_cases.pk)
    assert report.sha256 == hashlib.sha256(_read(report.file)).hexdigest()
    assert report.case_free_sha256 == hashlib.sha256(_read(report.case_free_file)).hexdigest()
    assert report.case_free_size == report.case_free_file.size and report.case_free_sha256 != report.sha256
    event = AuditEvent.objects.get(action="report.generate", object_id=str(report.pk))
    assert (event.changes["sha256"], event.changes["case_free_sha256"]) == (report.sha256, report.case_free_sha256)


@pytest.mark.parametrize(
    "persona, case_free",
    [("supervisor", True), ("committee_member", False), ("discipline_inspector", False), ("api_client_user", False)],
)
def test_the_api_gives_each_reader_their_edition_and_its_digest(api_as, with_cases, persona, case_free, request):
    client = api_as(request.getfixturevalue(persona))

    row = client.get(REPORTS).json()["results"][0]
    download = client.get(row["download_url"])

    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert row["without_case_figures"] is case_free
    assert (row["sha256"], row["size"]) == (hashlib.sha256(content).hexdigest(), len(content))
    assert (CASES_WITHHELD in _text(content)) is case_free


def test_a_version_from_before_the_editions_is_not_given_to_a_supervisor(client, api_as, with_cases, supervisor):
    """No edition without case figures was written then: the supervisor gets a 404 (and a note on the page),
    never the full edition; a reader of case figures still downloads it."""
    GeneratedReport.objects.filter(pk=with_cases.pk).update(case_free_file="", case_free_sha256="", case_free_size=None)

    assert api_as(supervisor).get(f"{REPORTS}{with_cases.pk}/download/").status_code == 404
    row = api_as(supervisor).get(REPORTS).json()["results"][0]
    assert (row["size"], row["sha256"], row["without_case_figures"]) == (None, "", True)
    client.force_login(supervisor)
    assert client.get(f"/reports/{with_cases.pk}/download/").status_code == 404
    assert 'data-edition="none"' in client.get("/reports/").content.decode()


def test_a_failed_save_leaves_neither_file_behind(org, supervisor, today, monkeypatch, settings):
    from reports import services

    def refuse(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "audit_record", refuse)
    with pytest.raises(RuntimeError):
        report_generate(period="2026H1", actor=supervisor)

    assert not GeneratedReport.objects.exists()
    stored = (
        list((settings.MEDIA_ROOT / "reports").rglob("*.docx")) if (settings.MEDIA_ROOT / "reports").exists() else []
    )
    assert stored == []
