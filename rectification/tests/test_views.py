"""The rectification pages: notices, dual handover, items, requests, look-backs.

The journey of a finding to a closed notice through the test client as the browser would do it,
who sees which form, what outsiders get, and the cost of the list pages in queries.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import BusinessArea, DataScope, Role
from accounts.tests.factories import PersonFactory, RoleAssignmentFactory
from audit.models import AuditEvent
from conftest import make_persona
from rectification.models import (
    Handover,
    ItemRequest,
    ItemReview,
    LookBack,
    RectificationItem,
    RectificationNotice,
)
from rectification.services import item_create, item_submit, item_verify, notice_create, progress_add
from supervision.models import Evidence, Finding, FindingCategory
from supervision.tests.factories import PNG_BYTES, make_finding, upload

pytestmark = pytest.mark.django_db

Item = RectificationItem
Notice = RectificationNotice


def assert_chinese_page(response):
    body = response.content.decode()
    assert response.status_code == 200, body[:500]
    assert '<html lang="zh-CN">' in body
    assert "大监督平台" in body
    return body


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def add_item(notice, actor, org, **overrides):
    data = {
        "problem": "值班期间玩手机游戏",
        "measures": "组织纪律教育",
        "responsible_department": org.a1,
        "responsible_person": PersonFactory(unit=org.a1),
        "responsible_leader": PersonFactory(unit=org.a1),
        "deadline": timezone.localdate() + timedelta(days=10),
    }
    data.update(overrides)
    return item_create(actor=actor, notice=notice, **data)


@pytest.fixture
def closed_notice(submitted_item, supervisor):
    item_verify(actor=supervisor, item=submitted_item, accept=True, comment="整改到位")
    return Notice.objects.get(pk=submitted_item.notice_id)


# --- pages render ---------------------------------------------------------------------------------------


def test_supervisor_gets_every_rectification_page(client, org, supervisor, finding_a1, submitted_item):
    # given
    client.force_login(supervisor)
    notice = submitted_item.notice
    # when / then
    for url in [
        "/rectification/notices/",
        "/rectification/notices/?status=rectifying",
        "/rectification/notices/new/",
        f"/rectification/notices/new/?unit={org.a1.pk}&finding={finding_a1.pk}",
        f"/rectification/notices/{notice.pk}/",
        "/rectification/items/",
        "/rectification/items/?overdue=true&status=open",
        f"/rectification/items/{submitted_item.pk}/",
        "/rectification/look-backs/",
    ]:
        assert_chinese_page(client.get(url))


@pytest.mark.parametrize(
    "persona", ["squad_leader", "brigade_leader", "party_secretary", "business_lead", "committee_member"]
)
def test_unit_party_and_business_roles_see_the_notice_and_its_items(client, request, persona, open_item):
    # given
    client.force_login(request.getfixturevalue(persona))
    # when / then
    for url in [
        "/rectification/notices/",
        f"/rectification/notices/{open_item.notice_id}/",
        "/rectification/items/",
        f"/rectification/items/{open_item.pk}/",
    ]:
        body = assert_chinese_page(client.get(url))
        assert open_item.notice.document_number in body, url


def test_look_back_pages_render_for_the_assigned_supervisor(client, supervisor, closed_notice):
    # given
    look_back = closed_notice.look_backs.get()
    client.force_login(supervisor)
    # when
    listing = client.get("/rectification/look-backs/")
    detail = client.get(f"/rectification/look-backs/{look_back.pk}/")
    # then
    assert_chinese_page(listing)
    assert listing.context["page"][0].mine == 0
    assert_chinese_page(detail)
    assert detail.context["form"] is not None


def test_notice_detail_links_the_documents(client, supervisor, issued_notice):
    client.force_login(supervisor)
    body = client.get(f"/rectification/notices/{issued_notice.pk}/").content.decode()
    assert f'href="/rectification/notices/{issued_notice.pk}/print/"' in body
    assert f'href="/rectification/notices/{issued_notice.pk}/notice.docx"' in body
    assert issued_notice.document_number in body


def test_item_list_exports_what_it_shows(client, supervisor, open_item, org):
    client.force_login(supervisor)
    body = client.get(f"/rectification/items/?unit={org.a1.pk}&status=open&page=1").content.decode()
    assert f'href="/rectification/items/ledger.xlsx?unit={org.a1.pk}&amp;status=open"' in body


def test_only_supervisors_create_notices(client, squad_leader):
    client.force_login(squad_leader)
    response = client.get("/rectification/notices/new/")
    assert response.status_code == 403 and "无权访问" in response.content.decode()


# --- outsiders -------------------------------------------------------------------------------------------------


def test_outsider_gets_404_on_every_detail_and_action(client, outsider, closed_notice):
    # given
    item = closed_notice.items.get()
    handover = closed_notice.handovers.first()
    look_back = closed_notice.look_backs.get()
    client.force_login(outsider)
    # when / then
    for url in [
        f"/rectification/notices/{closed_notice.pk}/",
        f"/rectification/notices/{closed_notice.pk}/items/new/",
        f"/rectification/items/{item.pk}/",
        f"/rectification/look-backs/{look_back.pk}/",
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        f"/rectification/notices/{closed_notice.pk}/issue/",
        f"/rectification/handovers/{handover.pk}/acknowledge/",
        f"/rectification/items/{item.pk}/progress/",
        f"/rectification/items/{item.pk}/submit/",
        f"/rectification/items/{item.pk}/verify/",
        f"/rectification/items/{item.pk}/request-extension/",
        f"/rectification/look-backs/{look_back.pk}/",
    ]:
        assert client.post(url, {}).status_code == 404, url


def test_outsider_sees_nothing_of_brigade_a_in_the_lists(client, org, outsider, closed_notice):
    # given
    client.force_login(outsider)
    # when
    pages = [
        client.get(url) for url in ["/rectification/notices/", "/rectification/items/", "/rectification/look-backs/"]
    ]
    # then
    for page in pages:
        body = page.content.decode()
        assert closed_notice.title not in body
        assert closed_notice.document_number not in body
        assert org.a1.name not in body
    assert all(tab["count"] == 0 for tab in pages[0].context["tabs"])


# --- the journey -----------------------------------------------------------------------------------------------


def test_the_journey_from_a_finding_to_a_closed_notice(
    client, org, supervisor, party_secretary, business_lead, squad_leader
):
    second_supervisor = make_persona("supervisor2", Role.SUPERVISOR, org.jcs, DataScope.ALL)
    responsible = PersonFactory(unit=org.a1, name="责任人甲")
    leader = PersonFactory(unit=org.a1, name="责任领导乙")

    # The supervisor files a finding with a photo.
    client.force_login(supervisor)
    response = client.post(
        f"/supervision/findings/new/?unit={org.a1.pk}",
        {
            "category": FindingCategory.objects.get(code="work_discipline").pk,
            "severity": "serious",
            "business_area": BusinessArea.objects.get(code="vehicle_admin").pk,
            "found_on": in_days(-1),
            "source": "inspection",
            "description": "窗口民警上班时间玩手机游戏",
            "files": [upload("现场照片.png")],
        },
    )
    finding = Finding.objects.get()
    assert response["Location"] == f"/supervision/findings/{finding.pk}/"

    # ... creates a notice from it (the form starts from the finding) ...
    form = client.get(f"/rectification/notices/new/?unit={org.a1.pk}&finding={finding.pk}").context["form"]
    assert [f.pk for f in form.initial["findings"]] == [finding.pk]
    assert form.initial["deadline"] > timezone.localdate()
    response = client.post(
        f"/rectification/notices/new/?unit={org.a1.pk}",
        {
            "findings": [finding.pk],
            "title": "关于一中队工作纪律问题的整改通知",
            "requirements": "立即整改，举一反三。",
            "deadline": in_days(30),
        },
    )
    notice = Notice.objects.get()
    assert response["Location"] == f"/rectification/notices/{notice.pk}/"
    assert notice.status == Notice.Status.DRAFT

    # ... and issues it.
    response = client.post(f"/rectification/notices/{notice.pk}/issue/")
    notice.refresh_from_db()
    assert response.status_code == 302 and notice.status == Notice.Status.ISSUED
    assert notice.document_number
    party = notice.handovers.get(side=Handover.Side.PARTY)
    business = notice.handovers.get(side=Handover.Side.BUSINESS)

    # Each side may acknowledge only its own side.
    for user, other_side in [(party_secretary, business), (business_lead, party)]:
        client.force_login(user)
        page = client.get(f"/rectification/notices/{notice.pk}/")
        with_forms = [h.side for h in page.context["handovers"] if h.ack_form]
        assert with_forms == [Handover.Side.PARTY if user == party_secretary else Handover.Side.BUSINESS]
        before = AuditEvent.objects.count()
        refused = client.post(
            f"/rectification/handovers/{other_side.pk}/acknowledge/", {f"h{other_side.pk}-opinion": "代签"}
        )
        assert refused.status_code == 403
        other_side.refresh_from_db()
        assert other_side.status == Handover.Status.PENDING and AuditEvent.objects.count() == before

    client.force_login(party_secretary)
    response = client.post(f"/rectification/handovers/{party.pk}/acknowledge/", {f"h{party.pk}-opinion": "支部已签收"})
    assert response.status_code == 302
    client.force_login(business_lead)
    response = client.post(
        f"/rectification/handovers/{business.pk}/acknowledge/", {f"h{business.pk}-opinion": "车管科已签收"}
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    party.refresh_from_db()
    assert notice.status == Notice.Status.ACKNOWLEDGED
    assert party.acknowledged_by == party_secretary and party.opinion == "支部已签收"
    page = client.get(f"/rectification/notices/{notice.pk}/").content.decode()
    assert "支部已签收" in page and "车管科已签收" in page

    # The squad leader adds an item, reports progress with a photo and submits.
    client.force_login(squad_leader)
    assert client.get(f"/rectification/notices/{notice.pk}/items/new/").status_code == 200
    response = client.post(
        f"/rectification/notices/{notice.pk}/items/new/",
        {
            "finding": finding.pk,
            "problem": "窗口民警上班时间玩手机游戏",
            "measures": "组织纪律教育，落实值班巡查",
            "responsible_department": org.a1.pk,
            "responsible_person": responsible.pk,
            "responsible_leader": leader.pk,
            "deadline": in_days(20),
        },
    )
    item = Item.objects.get()
    assert response.status_code == 302
    response = client.post(
        f"/rectification/items/{item.pk}/progress/", {"text": "已组织全队纪律教育", "files": [upload("整改照片.png")]}
    )
    assert response["Location"] == f"/rectification/items/{item.pk}/"
    photo = Evidence.objects.get(progress_update__item=item)
    download = client.get(f"/supervision/evidence/{photo.pk}/download/")
    assert b"".join(download.streaming_content) == PNG_BYTES
    client.post(f"/rectification/items/{item.pk}/submit/", {"note": "整改完成，申请销号"})
    item.refresh_from_db()
    assert item.status == Item.Status.SUBMITTED and item.submitted_by == squad_leader

    # The supervisor rejects with a reason; the squad leader sees it and resubmits.
    client.force_login(supervisor)
    page = client.get(f"/rectification/items/{item.pk}/")
    assert page.context["verify_form"] is not None
    client.post(f"/rectification/items/{item.pk}/verify/", {"decision": "reject", "comment": "缺少学习签到表"})
    item.refresh_from_db()
    assert item.status == Item.Status.OPEN
    client.force_login(squad_leader)
    assert "缺少学习签到表" in client.get(f"/rectification/items/{item.pk}/").content.decode()
    client.post(f"/rectification/items/{item.pk}/submit/", {"note": "已补充签到表"})
    item.refresh_from_db()
    assert item.status == Item.Status.SUBMITTED

    # Another supervisor accepts: the item is closed out and so is the notice.
    client.force_login(second_supervisor)
    response = client.post(f"/rectification/items/{item.pk}/verify/", {"decision": "accept", "comment": "整改到位"})
    assert response.status_code == 302
    item.refresh_from_db()
    notice.refresh_from_db()
    assert item.status == Item.Status.CLOSED and item.closed_by == second_supervisor
    assert notice.status == Notice.Status.CLOSED
    assert list(ItemReview.objects.values_list("decision", flat=True)) == ["reject", "accept"]
    assert notice.look_backs.count() == 1


# --- forms and rules ------------------------------------------------------------------------------------------------


def test_verification_is_hidden_from_the_submitter(client, org, acknowledged_notice):
    # given: a person who is both the squad's leader and a supervisor submits an item
    both = make_persona("leader_and_supervisor", Role.UNIT_LEADER, org.a1, DataScope.OWN_UNIT)
    RoleAssignmentFactory(user=both, role=Role.SUPERVISOR, unit=org.a1, scope=DataScope.OWN_UNIT)
    item = add_item(acknowledged_notice, both, org)
    progress_add(actor=both, item=item, text="完成", files=[upload()])
    item_submit(actor=both, item=item)
    client.force_login(both)
    # when
    page = client.get(f"/rectification/items/{item.pk}/")
    response = client.post(f"/rectification/items/{item.pk}/verify/", {"decision": "accept", "comment": "自己验收"})
    # then
    assert page.context["verify_form"] is None
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == Item.Status.SUBMITTED


def test_one_person_cannot_acknowledge_both_sides(client, org, issued_notice, party_secretary):
    # given: the party secretary is also a leader of the business lead department
    RoleAssignmentFactory(user=party_secretary, role=Role.UNIT_LEADER, unit=org.cg, scope=DataScope.OWN_UNIT)
    party = issued_notice.handovers.get(side=Handover.Side.PARTY)
    business = issued_notice.handovers.get(side=Handover.Side.BUSINESS)
    client.force_login(party_secretary)
    client.post(f"/rectification/handovers/{party.pk}/acknowledge/", {})
    # when
    page = client.get(f"/rectification/notices/{issued_notice.pk}/")
    response = client.post(f"/rectification/handovers/{business.pk}/acknowledge/", {})
    # then
    assert [h.ack_form for h in page.context["handovers"]] == [None, None]
    assert response.status_code == 403
    business.refresh_from_db()
    assert business.status == Handover.Status.PENDING


def test_a_moved_on_status_is_a_message_and_a_redirect(client, squad_leader, submitted_item):
    # given: the item is already submitted
    client.force_login(squad_leader)
    # when
    response = client.post(f"/rectification/items/{submitted_item.pk}/submit/", {}, follow=True)
    # then
    assert response.redirect_chain[-1][0] == f"/rectification/items/{submitted_item.pk}/"
    text = messages_of(response)
    assert str(Item.Status.SUBMITTED.label) in text or "Submitted for verification" in text


def test_an_item_deadline_after_the_notice_comes_back_on_its_field(client, org, squad_leader, acknowledged_notice):
    # given
    client.force_login(squad_leader)
    before = (Item.objects.count(), AuditEvent.objects.count())
    # when
    response = client.post(
        f"/rectification/notices/{acknowledged_notice.pk}/items/new/",
        {
            "problem": "问题",
            "measures": "措施",
            "responsible_department": org.a1.pk,
            "responsible_person": PersonFactory(unit=org.a1).pk,
            "responsible_leader": PersonFactory(unit=org.a1).pk,
            "deadline": (acknowledged_notice.deadline + timedelta(days=1)).isoformat(),
        },
    )
    # then
    assert response.status_code == 200
    assert response.context["form"].errors["deadline"]
    assert (Item.objects.count(), AuditEvent.objects.count()) == before


def test_items_wait_for_both_acknowledgements(client, squad_leader, issued_notice):
    client.force_login(squad_leader)
    response = client.get(f"/rectification/notices/{issued_notice.pk}/items/new/", follow=True)
    assert response.redirect_chain[-1][0] == f"/rectification/notices/{issued_notice.pk}/"
    assert messages_of(response)


def test_submitting_without_evidence_is_refused_on_the_form(client, org, squad_leader, acknowledged_notice):
    # given
    item = add_item(acknowledged_notice, squad_leader, org)
    client.force_login(squad_leader)
    # when
    response = client.post(f"/rectification/items/{item.pk}/submit/", {})
    # then
    assert response.status_code == 200
    assert response.context["submit_form"].non_field_errors()
    item.refresh_from_db()
    assert item.status == Item.Status.OPEN


def test_a_bad_progress_file_writes_nothing(client, squad_leader, open_item):
    # given
    client.force_login(squad_leader)
    before = (open_item.progress_updates.count(), Evidence.objects.count(), AuditEvent.objects.count())
    # when
    response = client.post(
        f"/rectification/items/{open_item.pk}/progress/",
        {"text": "整改中", "files": [upload("照片.png"), upload("签到表.png", b"plain text, not a picture")]},
    )
    # then
    assert response.status_code == 200
    assert "签到表.png" in " ".join(response.context["progress_form"].errors["files"])
    assert (open_item.progress_updates.count(), Evidence.objects.count(), AuditEvent.objects.count()) == before


def test_extension_is_requested_by_the_unit_and_decided_by_a_supervisor(client, squad_leader, supervisor, open_item):
    # given
    client.force_login(squad_leader)
    new_deadline = open_item.deadline + timedelta(days=15)
    # when
    client.post(
        f"/rectification/items/{open_item.pk}/request-extension/",
        {"new_deadline": new_deadline.isoformat(), "reason": "设备未到位"},
    )
    request = ItemRequest.objects.get()
    own = client.post(f"/rectification/requests/{request.pk}/decide/", {f"r{request.pk}-decision": "approve"})
    client.force_login(supervisor)
    page = client.get(f"/rectification/items/{open_item.pk}/")
    refused_without_reason = client.post(
        f"/rectification/requests/{request.pk}/decide/", {f"r{request.pk}-decision": "refuse"}
    )
    approved = client.post(f"/rectification/requests/{request.pk}/decide/", {f"r{request.pk}-decision": "approve"})
    # then
    assert own.status_code == 403
    assert page.context["requests"][0].decide_form is not None
    assert refused_without_reason.status_code == 200
    assert refused_without_reason.context["requests"][0].decide_form.errors["comment"]
    assert approved.status_code == 302
    open_item.refresh_from_db()
    assert open_item.deadline == new_deadline


def test_unrectifiable_is_decided_by_the_committee(client, squad_leader, supervisor, committee_member, open_item):
    # given
    client.force_login(squad_leader)
    client.post(f"/rectification/items/{open_item.pk}/request-unrectifiable/", {"reason": "场地拆迁，无法整改"})
    request = ItemRequest.objects.get()
    # when
    client.force_login(supervisor)
    by_supervisor = client.post(f"/rectification/requests/{request.pk}/decide/", {f"r{request.pk}-decision": "approve"})
    client.force_login(committee_member)
    by_committee = client.post(f"/rectification/requests/{request.pk}/decide/", {f"r{request.pk}-decision": "approve"})
    # then
    assert by_supervisor.status_code == 403
    assert by_committee.status_code == 302
    open_item.refresh_from_db()
    assert open_item.status == Item.Status.CLOSED and open_item.closure == Item.Closure.UNRECTIFIABLE


def test_a_failed_look_back_reopens_the_notice(client, supervisor, closed_notice):
    # given
    look_back = closed_notice.look_backs.get()
    client.force_login(supervisor)
    prefix = f"lb{look_back.pk}"
    # when
    missing_deadline = client.post(
        f"/rectification/look-backs/{look_back.pk}/", {f"{prefix}-outcome": "failed", f"{prefix}-result": "问题反弹"}
    )
    failed = client.post(
        f"/rectification/look-backs/{look_back.pk}/",
        {f"{prefix}-outcome": "failed", f"{prefix}-result": "问题反弹", f"{prefix}-new_deadline": in_days(15)},
    )
    # then
    assert missing_deadline.status_code == 200 and missing_deadline.context["form"].errors["new_deadline"]
    assert failed["Location"] == f"/rectification/notices/{closed_notice.pk}/"
    closed_notice.refresh_from_db()
    look_back.refresh_from_db()
    assert closed_notice.status == Notice.Status.REOPENED and look_back.status == LookBack.Status.FAILED


def test_only_the_assigned_supervisor_records_a_look_back(client, org, closed_notice):
    other = make_persona("supervisor3", Role.SUPERVISOR, org.jcs, DataScope.ALL)
    look_back = closed_notice.look_backs.get()
    client.force_login(other)
    assert client.get(f"/rectification/look-backs/{look_back.pk}/").context["form"] is None
    assert client.post(f"/rectification/look-backs/{look_back.pk}/", {}).status_code == 403


def test_overdue_rows_are_red_with_their_days(client, org, squad_leader, open_item):
    # given: the item's deadline has passed
    Item.objects.filter(pk=open_item.pk).update(deadline=timezone.localdate() - timedelta(days=3))
    client.force_login(squad_leader)
    # when
    body = client.get("/rectification/items/").content.decode()
    # then
    assert 'class="table-danger"' in body
    assert "逾期 3 天" in body


def test_notice_creation_offers_only_waiting_findings_of_the_unit(client, org, supervisor, issued_notice):
    # given: one finding already in an issued notice, one waiting, one of another unit
    waiting = make_finding(actor=supervisor, unit=org.a1, description="新发现的问题")
    make_finding(actor=supervisor, unit=org.a2, description="二中队问题")
    client.force_login(supervisor)
    # when
    form = client.get(f"/rectification/notices/new/?unit={org.a1.pk}").context["form"]
    # then
    assert list(form.fields["findings"].queryset) == [waiting]


# --- query counts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["supervisor", "squad_leader"])
def test_notice_list_queries_do_not_grow_with_rows(client, request, org, supervisor, open_item, viewer):
    # given
    def draft():
        finding = make_finding(actor=supervisor, unit=org.a1)
        notice_create(actor=supervisor, unit=org.a1, findings=[finding], title="通知", requirements="整改")

    client.force_login(request.getfixturevalue(viewer))
    one = count_queries(client, "/rectification/notices/")
    for _ in range(19):
        draft()
    # when
    twenty = count_queries(client, "/rectification/notices/")
    # then
    assert twenty == one


@pytest.mark.parametrize("viewer", ["supervisor", "squad_leader"])
def test_item_list_queries_do_not_grow_with_rows(client, request, org, squad_leader, open_item, viewer):
    client.force_login(request.getfixturevalue(viewer))
    one = count_queries(client, "/rectification/items/")
    for _ in range(19):
        add_item(open_item.notice, squad_leader, org)
    assert count_queries(client, "/rectification/items/") == one


def test_look_back_list_queries_do_not_grow_with_rows(client, org, supervisor, closed_notice):
    client.force_login(supervisor)
    one = count_queries(client, "/rectification/look-backs/")
    for day in range(19):
        LookBack.objects.create(
            notice=closed_notice, scheduled_for=timezone.localdate() + timedelta(days=day), assigned_to=supervisor
        )
    assert count_queries(client, "/rectification/look-backs/") == one
