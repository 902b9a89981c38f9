"""The supervision pages: inspections, findings, evidence download, clues.

Who sees which page, what outsiders get (404, empty lists), how files are served and refused, and
that list pages cost the same number of queries whatever the number of rows.
"""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import BusinessArea, DataScope, Role
from audit.models import AuditEvent
from conftest import make_persona
from core.errors import DomainError
from supervision.models import ClueTransfer, Evidence, Finding, FindingCategory, Inspection
from supervision.services import clue_transfer, inspection_create
from supervision.tests.factories import JPEG_BYTES, PNG_BYTES, make_finding, upload

pytestmark = pytest.mark.django_db


def assert_chinese_page(response):
    body = response.content.decode()
    assert response.status_code == 200, body[:500]
    assert '<html lang="zh-CN">' in body
    assert "大监督平台" in body  # the base layout, in Chinese
    return body


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def inspection_a1(org, supervisor):
    return inspection_create(
        actor=supervisor,
        kind=Inspection.Kind.UNANNOUNCED,
        layer="functional",
        inspection_date=timezone.localdate(),
        theme="优化营商环境专项暗访",
        organizing_unit=org.jcs,
        target_units=[org.a1],
    )


@pytest.fixture
def clue(finding_a1, supervisor):
    return clue_transfer(actor=supervisor, finding=finding_a1, reason="涉嫌违规办理业务")


def finding_form_data(**overrides):
    data = {
        "category": FindingCategory.objects.get(code="work_discipline").pk,
        "severity": "serious",
        "business_area": BusinessArea.objects.get(code="vehicle_admin").pk,
        "found_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "source": "petition",
        "description": "窗口民警上班时间玩手机游戏",
    }
    data.update(overrides)
    return data


# --- pages render for the right roles ---------------------------------------------------------------


def test_supervisor_gets_every_supervision_page(client, org, supervisor, inspection_a1, finding_a1, clue):
    # given
    client.force_login(supervisor)
    urls = [
        "/supervision/inspections/",
        "/supervision/inspections/new/",
        f"/supervision/inspections/{inspection_a1.pk}/",
        "/supervision/findings/",
        "/supervision/findings/new/",
        f"/supervision/findings/new/?unit={org.a1.pk}",
        f"/supervision/findings/new/?inspection={inspection_a1.pk}",
        f"/supervision/findings/{finding_a1.pk}/",
        "/supervision/clues/",
        f"/supervision/clues/{clue.pk}/",
    ]
    # when / then
    for url in urls:
        assert_chinese_page(client.get(url))


@pytest.mark.parametrize(
    "persona", ["squad_leader", "brigade_leader", "party_secretary", "committee_member", "discipline_inspector"]
)
def test_unit_and_party_roles_get_lists_and_details(client, request, persona, inspection_a1, finding_a1):
    # given
    client.force_login(request.getfixturevalue(persona))
    # when / then
    for url in [
        "/supervision/inspections/",
        f"/supervision/inspections/{inspection_a1.pk}/",
        "/supervision/findings/",
        f"/supervision/findings/{finding_a1.pk}/",
    ]:
        body = assert_chinese_page(client.get(url))
        assert "值班期间玩手机游戏" in body or "优化营商环境专项暗访" in body, url


def test_menu_has_the_supervision_entries_and_clues_only_for_clue_roles(client, supervisor, squad_leader):
    # given / when
    client.force_login(supervisor)
    supervisor_page = client.get("/").content.decode()
    client.force_login(squad_leader)
    squad_page = client.get("/").content.decode()
    # then
    for url in ["/supervision/inspections/", "/supervision/findings/", "/rectification/notices/"]:
        assert url in supervisor_page and url in squad_page
    assert "/supervision/clues/" in supervisor_page
    assert "/supervision/clues/" not in squad_page


def test_a_role_that_files_nothing_gets_the_chinese_403_page(client, party_secretary):
    # given
    client.force_login(party_secretary)
    # when
    responses = [client.get("/supervision/findings/new/"), client.get("/supervision/inspections/new/")]
    # then
    for response in responses:
        assert response.status_code == 403
        assert "无权访问" in response.content.decode()


def test_clues_are_kept_from_unit_leaders(client, squad_leader, clue):
    # given
    client.force_login(squad_leader)
    # when
    listing = client.get("/supervision/clues/")
    detail = client.get(f"/supervision/clues/{clue.pk}/")
    finding_page = client.get(f"/supervision/findings/{clue.finding_id}/").content.decode()
    # then
    assert listing.status_code == 403
    assert detail.status_code == 404
    assert clue.reason not in finding_page
    assert f"/supervision/clues/{clue.pk}/" not in finding_page


# --- outsiders ----------------------------------------------------------------------------------------------


def test_outsider_gets_404_on_every_detail_and_download(client, outsider, inspection_a1, clue, submitted_item):
    # given
    finding = clue.finding
    finding_file = finding.evidence.first()
    progress_file = Evidence.objects.get(progress_update__item=submitted_item)
    client.force_login(outsider)
    # when / then
    for url in [
        f"/supervision/inspections/{inspection_a1.pk}/",
        f"/supervision/findings/{finding.pk}/",
        f"/supervision/clues/{clue.pk}/",
        f"/supervision/evidence/{finding_file.pk}/download/",
        f"/supervision/evidence/{progress_file.pk}/download/",
        f"/supervision/findings/new/?inspection={inspection_a1.pk}",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/supervision/findings/{finding.pk}/evidence/", {"files": upload()}).status_code == 404
    assert client.post(f"/supervision/findings/{finding.pk}/clue/", {"reason": "x"}).status_code == 404


def test_outsider_sees_nothing_of_brigade_a_in_the_lists(client, org, outsider, inspection_a1, finding_a1):
    # given
    client.force_login(outsider)
    # when
    inspections = client.get("/supervision/inspections/").content.decode()
    findings = client.get("/supervision/findings/").content.decode()
    filtered = client.get(f"/supervision/findings/?unit={org.a1.pk}")
    # then
    assert inspection_a1.theme not in inspections
    assert finding_a1.description not in findings
    assert org.a1.name not in findings  # not even as a filter choice
    assert filtered.context["form"].errors["unit"]
    assert finding_a1.description not in filtered.content.decode()


# --- evidence download ----------------------------------------------------------------------------------------


def test_evidence_download_is_an_attachment_with_the_original_name(client, org, supervisor, squad_leader):
    # given
    finding = make_finding(actor=supervisor, unit=org.a1, files=[upload("现场照片.png")])
    evidence = finding.evidence.get()
    client.force_login(squad_leader)
    # when
    response = client.get(f"/supervision/evidence/{evidence.pk}/download/")
    # then
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('现场照片.png')}" in disposition
    assert f'filename="evidence-{evidence.pk}.png"' in disposition
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert downloaded(response) == PNG_BYTES


def test_evidence_download_keeps_a_safe_ascii_name_and_types_by_content(client, org, supervisor):
    # given: a JPEG uploaded under a misleading name and content type
    finding = make_finding(
        actor=supervisor, unit=org.a1, files=[upload('scene "1".png', JPEG_BYTES, content_type="text/html")]
    )
    evidence = finding.evidence.get()
    client.force_login(supervisor)
    # when
    response = client.get(f"/supervision/evidence/{evidence.pk}/download/")
    # then
    assert 'filename="scene_1_.png"' in response["Content-Disposition"]
    assert response["Content-Type"] == "image/jpeg"
    assert downloaded(response) == JPEG_BYTES


def test_evidence_download_is_for_signed_in_users_only(client, finding_a1):
    response = client.get(f"/supervision/evidence/{finding_a1.evidence.get().pk}/download/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- filing findings with files --------------------------------------------------------------------------------


def test_supervisor_files_a_finding_with_photos(client, org, supervisor):
    # given
    client.force_login(supervisor)
    data = finding_form_data(files=[upload("现场1.png"), upload("现场2.jpg", JPEG_BYTES, "image/jpeg")])
    # when
    response = client.post(f"/supervision/findings/new/?unit={org.a1.pk}", data)
    # then
    finding = Finding.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/supervision/findings/{finding.pk}/"
    assert [e.original_name for e in finding.evidence.order_by("id")] == ["现场1.png", "现场2.jpg"]
    assert AuditEvent.objects.filter(action="finding.create", object_id=str(finding.pk)).exists()
    page = client.get(response["Location"]).content.decode()
    assert "现场1.png" in page and f"/supervision/evidence/{finding.evidence.first().pk}/download/" in page


def test_a_bad_file_rerenders_the_form_naming_it_and_writes_nothing(client, org, supervisor):
    # given: a good photo and a text file named .png
    client.force_login(supervisor)
    data = finding_form_data(files=[upload("好照片.png"), upload("假照片.png", b"just some plain text", "image/png")])
    before = (Finding.objects.count(), Evidence.objects.count(), AuditEvent.objects.count())
    # when
    response = client.post(f"/supervision/findings/new/?unit={org.a1.pk}", data)
    # then
    assert response.status_code == 200
    errors = response.context["form"].errors["files"]
    assert any("假照片.png" in error for error in errors)
    assert not any("好照片.png" in error for error in errors)
    assert "假照片.png" in response.content.decode()
    assert (Finding.objects.count(), Evidence.objects.count(), AuditEvent.objects.count()) == before


def test_a_service_rule_comes_back_on_its_field(client, org, supervisor):
    # given: a finding dated in the future
    client.force_login(supervisor)
    data = finding_form_data(found_on=(timezone.localdate() + timedelta(days=2)).isoformat(), files=[upload()])
    before = (Finding.objects.count(), Evidence.objects.count(), AuditEvent.objects.count())
    # when
    response = client.post(f"/supervision/findings/new/?unit={org.a1.pk}", data)
    # then
    assert response.status_code == 200
    assert response.context["form"].errors["found_on"]
    assert (Finding.objects.count(), Evidence.objects.count(), AuditEvent.objects.count()) == before


def test_a_finding_refused_for_a_bad_file_leaves_no_file_on_disk(org, supervisor, settings):
    # given / when: the second file is not an image
    with pytest.raises(DomainError):
        make_finding(actor=supervisor, unit=org.a1, files=[upload("好.png"), upload("坏.png", b"plain text")])
    # then
    assert not Finding.objects.exists()
    assert [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()] == []


def test_adding_a_bad_evidence_file_to_a_finding_writes_nothing(client, supervisor, finding_a1):
    # given
    client.force_login(supervisor)
    before = (Evidence.objects.count(), AuditEvent.objects.count())
    # when
    response = client.post(
        f"/supervision/findings/{finding_a1.pk}/evidence/", {"files": [upload("记录.pdf", b"MZ\x90\x00 exe")]}
    )
    # then
    assert response.status_code == 200
    assert "记录.pdf" in " ".join(response.context["evidence_form"].errors["files"])
    assert (Evidence.objects.count(), AuditEvent.objects.count()) == before


def test_evidence_is_added_until_the_notice_is_issued(client, supervisor, issued_notice, finding_a1):
    # given: the notice of the finding is issued, so its evidence is locked
    client.force_login(supervisor)
    page = client.get(f"/supervision/findings/{finding_a1.pk}/")
    # when
    response = client.post(f"/supervision/findings/{finding_a1.pk}/evidence/", {"files": [upload()]})
    # then
    assert page.context["evidence_form"] is None
    assert response.status_code == 200
    assert response.context["evidence_form"].errors["files"]
    assert finding_a1.evidence.count() == 1


def test_the_finding_form_offers_only_persons_of_the_unit(client, org, supervisor):
    # given
    from accounts.tests.factories import PersonFactory

    inside = PersonFactory(unit=org.a1, name="一中队民警")
    outside = PersonFactory(unit=org.b1, name="二大队民警")
    client.force_login(supervisor)
    # when
    form = client.get(f"/supervision/findings/new/?unit={org.a1.pk}").context["form"]
    # then
    persons = set(form.fields["persons"].queryset)
    assert inside in persons and outside not in persons


def test_choosing_the_unit_comes_first_unless_there_is_only_one(client, org, supervisor, squad_leader):
    # given / when
    client.force_login(supervisor)
    many = client.get("/supervision/findings/new/")
    client.force_login(squad_leader)
    one = client.get("/supervision/findings/new/")
    # then
    assert "form" not in many.context and many.context["picker"]
    assert one.context["unit"] == org.a1 and one.context["form"]


# --- inspections ---------------------------------------------------------------------------------------------


def test_supervisor_creates_an_inspection(client, org, supervisor):
    # given
    client.force_login(supervisor)
    data = {
        "kind": "unannounced",
        "layer": "functional",
        "inspection_date": timezone.localdate().isoformat(),
        "theme": "窗口作风暗访",
        "summary": "",
        "organizing_unit": org.jcs.pk,
        "target_units": [org.a1.pk, org.a2.pk],
    }
    # when
    response = client.post("/supervision/inspections/new/", data)
    # then
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/supervision/inspections/{inspection.pk}/"
    assert set(inspection.target_units.all()) == {org.a1, org.a2}
    assert AuditEvent.objects.filter(action="inspection.create").count() == 1


def test_squad_leader_cannot_target_units_outside_scope(client, org, squad_leader):
    # given
    client.force_login(squad_leader)
    data = {
        "kind": "routine",
        "layer": "unit_daily",
        "inspection_date": timezone.localdate().isoformat(),
        "theme": "日常检查",
        "organizing_unit": org.a1.pk,
        "target_units": [org.b1.pk],
    }
    # when
    response = client.post("/supervision/inspections/new/", data)
    # then
    assert response.status_code == 200
    assert response.context["form"].errors["target_units"]
    assert not Inspection.objects.exists()


# --- clues -------------------------------------------------------------------------------------------------------


def test_clue_transfer_and_disposal_through_the_pages(client, supervisor, discipline_inspector, finding_a1):
    # given
    client.force_login(supervisor)
    # when: the supervisor transfers, discipline inspection disposes
    transferred = client.post(f"/supervision/findings/{finding_a1.pk}/clue/", {"reason": "涉嫌吃拿卡要"})
    clue = ClueTransfer.objects.get()
    client.force_login(discipline_inspector)
    detail = client.get(f"/supervision/clues/{clue.pk}/")
    disposed = client.post(f"/supervision/clues/{clue.pk}/dispose/", {"disposal": "已立案审查"})
    again = client.post(f"/supervision/clues/{clue.pk}/dispose/", {"disposal": "重复"}, follow=True)
    # then
    assert transferred.status_code == 302 and transferred["Location"] == f"/supervision/clues/{clue.pk}/"
    assert detail.context["dispose_form"] is not None
    assert disposed.status_code == 302
    clue.refresh_from_db()
    assert clue.status == ClueTransfer.Status.DISPOSED and clue.disposal == "已立案审查"
    assert any("已处置" in str(m) or "Disposed" in str(m) for m in again.context["messages"])
    client.force_login(supervisor)
    assert "已立案审查" in client.get(f"/supervision/findings/{finding_a1.pk}/").content.decode()


def test_general_findings_are_not_transferred(client, org, supervisor):
    # given
    finding = make_finding(actor=supervisor, unit=org.a1, severity="general")
    client.force_login(supervisor)
    # when
    page = client.get(f"/supervision/findings/{finding.pk}/")
    response = client.post(f"/supervision/findings/{finding.pk}/clue/", {"reason": "试试"})
    # then
    assert page.context["clue_form"] is None
    assert response.status_code == 200
    assert response.context["clue_form"].non_field_errors()
    assert not ClueTransfer.objects.exists()


def test_only_discipline_inspection_disposes(client, supervisor, clue):
    client.force_login(supervisor)
    assert client.get(f"/supervision/clues/{clue.pk}/").context["dispose_form"] is None
    assert client.post(f"/supervision/clues/{clue.pk}/dispose/", {"disposal": "x"}).status_code == 403


# --- query counts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["supervisor", "squad_leader"])
def test_finding_list_queries_do_not_grow_with_rows(client, request, org, supervisor, viewer):
    # given
    make_finding(actor=supervisor, unit=org.a1, files=[upload()])
    client.force_login(request.getfixturevalue(viewer))
    one = count_queries(client, "/supervision/findings/")
    for _ in range(19):
        make_finding(actor=supervisor, unit=org.a1, files=[upload()])
    # when
    twenty = count_queries(client, "/supervision/findings/")
    # then
    assert twenty == one


def test_inspection_list_queries_do_not_grow_with_rows(client, org, supervisor, squad_leader):
    def create():
        inspection_create(
            actor=supervisor,
            kind="spot",
            layer="functional",
            inspection_date=timezone.localdate(),
            theme="抽查",
            organizing_unit=org.jcs,
            target_units=[org.a1, org.a2],
        )

    create()
    client.force_login(squad_leader)
    one = count_queries(client, "/supervision/inspections/")
    for _ in range(19):
        create()
    assert count_queries(client, "/supervision/inspections/") == one


def test_clue_list_queries_do_not_grow_with_rows(client, org, supervisor, discipline_inspector):
    def create():
        clue_transfer(actor=supervisor, finding=make_finding(actor=supervisor, unit=org.a1), reason="线索")

    create()
    client.force_login(discipline_inspector)
    one = count_queries(client, "/supervision/clues/")
    for _ in range(19):
        create()
    assert count_queries(client, "/supervision/clues/") == one


def test_a_second_supervisor_with_unit_scope_sees_clues_of_that_scope_only(client, org, supervisor):
    # given
    scoped = make_persona("brigade_supervisor", Role.SUPERVISOR, org.b, DataScope.UNIT_AND_BELOW)
    clue_transfer(actor=supervisor, finding=make_finding(actor=supervisor, unit=org.a1), reason="一大队线索")
    client.force_login(scoped)
    # when
    body = client.get("/supervision/clues/").content.decode()
    # then
    assert "值班期间玩手机游戏" not in body
