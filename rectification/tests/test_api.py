"""The rectification API: notices and handovers, items and their requests, look-backs, the ledger
and the working-day calendar.

Scope (outsiders get 404 and empty lists), role refusals (403, nothing written), transitions (409
with the current status), input errors (400 naming the field), and the whole journey from a finding
to a closed notice with its look-back, through the API only.
"""

import io
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import BusinessArea, DataScope, Role
from accounts.tests.factories import PersonFactory, RoleAssignmentFactory
from audit.models import AuditEvent
from conftest import make_persona
from core.models import CalendarDay
from rectification.models import (
    Handover,
    ItemRequest,
    ItemReview,
    LookBack,
    ProgressUpdate,
    RectificationItem,
    RectificationNotice,
)
from rectification.services import (
    handover_acknowledge,
    item_create,
    item_request_create,
    item_submit,
    item_verify,
    notice_create,
    notice_issue,
    progress_add,
)
from supervision.models import Evidence, FindingCategory
from supervision.tests.factories import PDF_BYTES, PNG_BYTES, make_finding, upload

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def counts():
    """Everything a refused step might have written."""
    return (
        RectificationNotice.objects.count(),
        list(RectificationNotice.objects.order_by("pk").values_list("status", flat=True)),
        list(Handover.objects.order_by("pk").values_list("status", flat=True)),
        RectificationItem.objects.count(),
        list(RectificationItem.objects.order_by("pk").values_list("status", "deadline")),
        ProgressUpdate.objects.count(),
        Evidence.objects.count(),
        ItemReview.objects.count(),
        list(ItemRequest.objects.order_by("pk").values_list("status", flat=True)),
        list(LookBack.objects.order_by("pk").values_list("status", flat=True)),
        AuditEvent.objects.count(),
    )


def in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@pytest.fixture
def second_supervisor(org):
    return make_persona("supervisor2", Role.SUPERVISOR, org.jcs, DataScope.ALL)


@pytest.fixture
def item_payload(org, acknowledged_notice):
    return {
        "notice": acknowledged_notice.pk,
        "problem": "值班期间玩手机游戏",
        "measures": "组织纪律教育",
        "responsible_department": org.a1.pk,
        "responsible_person": PersonFactory(unit=org.a1, name="责任人甲").pk,
        "responsible_leader": PersonFactory(unit=org.a1, name="责任领导乙").pk,
        "deadline": in_days(10),
    }


@pytest.fixture
def closed_notice(submitted_item, second_supervisor):
    item_verify(actor=second_supervisor, item=submitted_item, accept=True, comment="整改到位")
    return submitted_item.notice


# --- notices -------------------------------------------------------------------------------------------


def test_supervisor_drafts_a_notice(api_as, org, supervisor, finding_a1):
    # when
    response = api_as(supervisor).post(
        "/api/v1/notices/",
        {"unit": org.a1.pk, "findings": [finding_a1.pk], "title": "整改通知", "requirements": "立即整改"},
        format="json",
    )

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["document_number"] == ""
    assert body["findings"] == [finding_a1.pk]
    assert body["handovers"] == {"party": None, "business": None}
    assert (body["item_count"], body["closed_count"], body["overdue_count"]) == (0, 0, 0)
    assert body["deadline"] > timezone.localdate().isoformat()  # the default deadline of its severity


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"findings": []}, "findings"),
        ({"findings": [999999]}, "findings"),
        ({"findings": "abc"}, "findings"),
        ({"unit": "abc"}, "unit"),
        ({"unit": "{a2}"}, "findings"),
        ({"title": "长" * 201}, "title"),
        ({"requirements": ""}, "requirements"),
        ({"deadline": "2026-13-01"}, "deadline"),
        ({"deadline": "2020-01-01"}, "deadline"),
        ({"business_area": 999999}, "business_area"),
    ],
)
def test_notice_bad_input_is_400_naming_the_field(api_as, org, supervisor, finding_a1, overrides, field):
    # given
    payload = {"unit": org.a1.pk, "findings": [finding_a1.pk], "title": "整改通知", "requirements": "立即整改"}
    payload.update({k: org.a2.pk if v == "{a2}" else v for k, v in overrides.items()})
    before = counts()

    # when
    response = api_as(supervisor).post("/api/v1/notices/", payload, format="json")

    # then
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert counts() == before


def test_notice_findings_outside_the_scope_are_unknown(api_as, org, brigade_leader, supervisor):
    # given: a finding of B1, outside the brigade leader's scope
    theirs = make_finding(actor=supervisor, unit=org.b1)

    # when
    response = api_as(brigade_leader).post(
        "/api/v1/notices/",
        {"unit": org.a1.pk, "findings": [theirs.pk], "title": "t", "requirements": "r"},
        format="json",
    )

    # then
    assert response.status_code == 400
    assert "findings" in response.json()


def test_only_a_supervisor_drafts_a_notice(api_as, org, squad_leader, finding_a1):
    # given
    before = counts()

    # when
    response = api_as(squad_leader).post(
        "/api/v1/notices/",
        {"unit": org.a1.pk, "findings": [finding_a1.pk], "title": "整改通知", "requirements": "立即整改"},
        format="json",
    )

    # then
    assert response.status_code == 403
    assert counts() == before


def test_issuing_numbers_the_notice_and_hands_it_over_once(
    api_as, org, supervisor, draft_notice, party_secretary, business_lead
):
    # given
    client = api_as(supervisor)
    url = f"/api/v1/notices/{draft_notice.pk}/issue/"

    # when
    first = client.post(url)
    second = client.post(url)

    # then
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["status"] == "issued"
    assert body["document_number"].startswith("常交监〔")
    assert body["issued_by_name"] == "supervisor-本人"
    party, business = body["handovers"]["party"], body["handovers"]["business"]
    assert (party["side"], party["recipient_unit"], party["status"]) == ("party", org.a.pk, "pending")
    assert party["party_organization_name"] == "一大队党总支"
    assert (business["side"], business["recipient_unit"], business["status"]) == ("business", org.cg.pk, "pending")
    assert second.status_code == 409
    assert second.json()["current_status"] == "issued"
    assert Handover.objects.filter(notice=draft_notice).count() == 2


def test_only_a_supervisor_issues(api_as, org, squad_leader, draft_notice, party_secretary, business_lead):
    # given
    before = counts()

    # when
    response = api_as(squad_leader).post(f"/api/v1/notices/{draft_notice.pk}/issue/")

    # then
    assert response.status_code == 403
    assert counts() == before


def test_each_side_acknowledges_only_its_own_handover(api_as, org, issued_notice, party_secretary, business_lead):
    # given
    url = f"/api/v1/notices/{issued_notice.pk}/acknowledge/"
    before = counts()

    # when / then: neither recipient can speak for the other side
    assert api_as(party_secretary).post(url, {"side": "business"}, format="json").status_code == 403
    assert api_as(business_lead).post(url, {"side": "party"}, format="json").status_code == 403
    assert counts() == before

    party = api_as(party_secretary).post(url, {"side": "party", "opinion": "支部已签收"}, format="json")
    assert party.status_code == 200, party.content
    assert party.json()["status"] == "issued"
    assert party.json()["handovers"]["party"]["acknowledged_by_name"] == "party_secretary-本人"
    assert party.json()["handovers"]["party"]["opinion"] == "支部已签收"
    again = api_as(party_secretary).post(url, {"side": "party"}, format="json")
    assert again.status_code == 409
    assert again.json()["current_status"] == "acknowledged"

    business = api_as(business_lead).post(url, {"side": "business"}, format="json")
    assert business.status_code == 200, business.content
    assert business.json()["status"] == "acknowledged"
    assert business.json()["handovers"]["business"]["status"] == "acknowledged"


@pytest.mark.parametrize(
    "payload, field",
    [({"side": "both"}, "side"), ({}, "side"), ({"side": "party", "opinion": "长" * 2001}, "opinion")],
)
def test_acknowledge_bad_input_is_400(api_as, org, issued_notice, party_secretary, payload, field):
    response = api_as(party_secretary).post(f"/api/v1/notices/{issued_notice.pk}/acknowledge/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_draft_has_nothing_to_acknowledge(api_as, org, draft_notice, party_secretary):
    response = api_as(party_secretary).post(
        f"/api/v1/notices/{draft_notice.pk}/acknowledge/", {"side": "party"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["current_status"] == "draft"


def test_notices_are_scoped(api_as, org, issued_notice, squad_leader, business_lead, outsider):
    # the lead department sees the notice handed over to it, outside its own scope
    assert ids(api_as(business_lead).get("/api/v1/notices/")) == {issued_notice.pk}
    assert ids(api_as(squad_leader).get("/api/v1/notices/?status=issued")) == {issued_notice.pk}
    client = api_as(outsider)
    assert ids(client.get("/api/v1/notices/")) == set()
    assert client.get(f"/api/v1/notices/{issued_notice.pk}/").status_code == 404
    assert client.post(f"/api/v1/notices/{issued_notice.pk}/acknowledge/", {"side": "party"}).status_code == 404


@pytest.mark.parametrize(
    "query, field",
    [("status=lost", "status"), ("deadline_from=soon", "deadline_from"), ("ordering=secret", "ordering")],
)
def test_bad_notice_filters_are_400(api_as, org, supervisor, query, field):
    response = api_as(supervisor).get(f"/api/v1/notices/?{query}")
    assert response.status_code == 400
    assert field in response.json()


# --- handovers -----------------------------------------------------------------------------------------


def test_handovers_awaiting_me(api_as, org, issued_notice, party_secretary, business_lead, supervisor):
    # given
    party = issued_notice.handovers.get(side="party")
    business = issued_notice.handovers.get(side="business")

    # when / then
    assert ids(api_as(party_secretary).get("/api/v1/handovers/?awaiting_me=true")) == {party.pk}
    assert ids(api_as(business_lead).get("/api/v1/handovers/?awaiting_me=true")) == {business.pk}
    assert ids(api_as(supervisor).get("/api/v1/handovers/?awaiting_me=true")) == set()
    assert ids(api_as(supervisor).get(f"/api/v1/handovers/?notice={issued_notice.pk}&side=business")) == {business.pk}
    handover_acknowledge(actor=party_secretary, handover=party)
    assert ids(api_as(party_secretary).get("/api/v1/handovers/?awaiting_me=true")) == set()
    assert ids(api_as(supervisor).get("/api/v1/handovers/?status=acknowledged")) == {party.pk}
    detail = api_as(supervisor).get(f"/api/v1/handovers/{party.pk}/").json()
    assert detail["acknowledged_by_name"] == "party_secretary-本人"
    assert detail["notice_document_number"] == issued_notice.document_number


def test_handovers_are_scoped(api_as, org, issued_notice, outsider):
    client = api_as(outsider)
    assert ids(client.get("/api/v1/handovers/")) == set()
    assert client.get(f"/api/v1/handovers/{issued_notice.handovers.first().pk}/").status_code == 404


@pytest.mark.parametrize("query, field", [("side=third", "side"), ("status=lost", "status"), ("notice=x", "notice")])
def test_bad_handover_filters_are_400(api_as, org, supervisor, query, field):
    response = api_as(supervisor).get(f"/api/v1/handovers/?{query}")
    assert response.status_code == 400
    assert field in response.json()


# --- items ---------------------------------------------------------------------------------------------


def test_unit_leader_creates_an_item(api_as, org, squad_leader, acknowledged_notice, item_payload, finding_a1):
    # when
    response = api_as(squad_leader).post(
        "/api/v1/rectification-items/", {**item_payload, "finding": finding_a1.pk}, format="json"
    )

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open"
    assert body["due_state"] == "normal"
    assert body["days_overdue"] == 0
    assert body["responsible_person_name"] == "责任人甲"
    assert body["responsible_leader_name"] == "责任领导乙"
    assert body["responsible_department_name"] == org.a1.name
    assert body["notice_document_number"] == acknowledged_notice.document_number
    acknowledged_notice.refresh_from_db()
    assert acknowledged_notice.status == RectificationNotice.Status.RECTIFYING


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"responsible_department": "{b1}"}, "responsible_department"),
        ({"responsible_person": "{b1_person}"}, "responsible_person"),
        ({"responsible_leader": "{b1_person}"}, "responsible_leader"),
        ({"responsible_person": "abc"}, "responsible_person"),
        ({"notice": 999999}, "notice"),
        ({"finding": 999999}, "finding"),
        ({"deadline": "tomorrow"}, "deadline"),
        ({"deadline": "2020-01-01"}, "deadline"),
        ({"deadline": "{after_notice}"}, "deadline"),
        ({"problem": "长" * 2001}, "problem"),
        ({"measures": ""}, "measures"),
    ],
)
def test_item_bad_input_is_400_naming_the_field(
    api_as, org, squad_leader, acknowledged_notice, item_payload, overrides, field
):
    # given
    values = {
        "{b1}": org.b1.pk,
        "{b1_person}": PersonFactory(unit=org.b1).pk,
        "{after_notice}": (acknowledged_notice.deadline + timedelta(days=1)).isoformat(),
    }
    payload = {**item_payload, **{k: values.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}}
    before = counts()

    # when
    response = api_as(squad_leader).post("/api/v1/rectification-items/", payload, format="json")

    # then
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert counts() == before


def test_items_wait_for_both_acknowledgements(api_as, org, squad_leader, issued_notice, item_payload):
    # given: the fixture acknowledged the notice; take a freshly issued one instead
    other = make_finding(actor=issued_notice.issued_by, unit=org.a1)
    notice = notice_create(
        actor=issued_notice.issued_by,
        unit=org.a1,
        findings=[other],
        title="t",
        requirements="r",
        deadline=timezone.localdate() + timedelta(days=30),
    )
    notice_issue(actor=issued_notice.issued_by, notice=notice)
    before = counts()

    # when
    response = api_as(squad_leader).post(
        "/api/v1/rectification-items/", {**item_payload, "notice": notice.pk}, format="json"
    )

    # then
    assert response.status_code == 409
    assert response.json()["current_status"] == "issued"
    assert counts() == before


def test_only_the_units_leader_creates_items(api_as, org, supervisor, party_secretary, item_payload):
    # given
    before = counts()

    # when / then
    for user in (supervisor, party_secretary):
        response = api_as(user).post("/api/v1/rectification-items/", item_payload, format="json")
        assert response.status_code == 403, user
    assert counts() == before


def test_progress_with_a_photo_then_submit(api_as, org, squad_leader, open_item):
    # given
    client = api_as(squad_leader)

    # when
    progress = client.post(
        f"/api/v1/rectification-items/{open_item.pk}/progress/",
        {
            "text": "已组织纪律教育",
            "files": [upload("整改照片.png"), upload("签到表.pdf", PDF_BYTES, "application/pdf")],
        },
        format="multipart",
    )
    submitted = client.post(f"/api/v1/rectification-items/{open_item.pk}/submit/", {"note": "申请销号"}, format="json")

    # then
    assert progress.status_code == 201, progress.content
    assert [e["kind"] for e in progress.json()["evidence"]] == ["png", "pdf"]
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    assert body["status"] == "submitted"
    assert body["submitted_by_name"] == "squad_leader-本人"
    assert [e["name"] for e in body["evidence"]] == ["整改照片.png", "签到表.pdf"]
    assert all(e["locked"] for e in body["evidence"])
    assert [u["text"] for u in body["progress_updates"]] == ["已组织纪律教育", "申请销号"]


def test_progress_uploads_are_judged_by_content(api_as, org, squad_leader, open_item, settings):
    # given
    client = api_as(squad_leader)
    url = f"/api/v1/rectification-items/{open_item.pk}/progress/"

    # when / then: a PDF named .png is a PDF
    response = client.post(url, {"text": "扫描件", "files": [upload("扫描.png", PDF_BYTES)]}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["evidence"][0]["kind"] == "pdf"

    before = counts()
    junk = client.post(url, {"text": "x", "files": [upload("a.png", b"#!/bin/sh\nrm -rf /")]}, format="multipart")
    assert junk.status_code == 400 and "files" in junk.json()
    settings.EVIDENCE_MAX_BYTES = 100
    big = client.post(url, {"text": "x", "files": [upload("b.png", PNG_BYTES + b"0" * 100)]}, format="multipart")
    assert big.status_code == 400 and "files" in big.json()
    empty_text = client.post(url, {"text": "", "files": [upload()]}, format="multipart")
    assert empty_text.status_code == 400 and "text" in empty_text.json()
    assert counts() == before


def test_submitting_needs_evidence_and_happens_once(api_as, org, squad_leader, open_item):
    # given
    client = api_as(squad_leader)
    url = f"/api/v1/rectification-items/{open_item.pk}/submit/"

    # when / then
    no_evidence = client.post(url, {}, format="json")
    assert no_evidence.status_code == 400 and "files" in no_evidence.json()
    progress_add(actor=squad_leader, item=open_item, text="完成", files=[upload()])
    assert client.post(url, {}, format="json").status_code == 200
    again = client.post(url, {}, format="json")
    assert again.status_code == 409
    assert again.json()["current_status"] == "submitted"


def test_verify_reject_then_accept(api_as, org, supervisor, squad_leader, submitted_item):
    # given
    client = api_as(supervisor)
    url = f"/api/v1/rectification-items/{submitted_item.pk}/verify/"

    # when
    rejected = client.post(url, {"decision": "reject", "comment": "照片不清晰"}, format="json")

    # then
    assert rejected.status_code == 200, rejected.content
    assert rejected.json()["status"] == "open"
    assert rejected.json()["reviews"][0]["decision"] == "reject"
    assert rejected.json()["reviews"][0]["reviewer_name"] == "supervisor-本人"
    again = client.post(url, {"decision": "accept", "comment": "整改到位"}, format="json")
    assert again.status_code == 409
    assert again.json()["current_status"] == "open"


def test_verify_twice_is_409(api_as, org, supervisor, submitted_item):
    # given
    client = api_as(supervisor)
    url = f"/api/v1/rectification-items/{submitted_item.pk}/verify/"
    assert client.post(url, {"decision": "accept", "comment": "整改到位"}, format="json").status_code == 200
    before = counts()

    # when
    response = client.post(url, {"decision": "accept", "comment": "再次验收"}, format="json")

    # then
    assert response.status_code == 409
    assert response.json()["current_status"] == "closed"
    assert counts() == before


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"decision": "accept"}, "comment"),
        ({"decision": "accept", "comment": ""}, "comment"),
        ({"decision": "accept", "comment": "   "}, "comment"),
        ({"decision": "maybe", "comment": "x"}, "decision"),
        ({"decision": True, "comment": "x"}, "decision"),
        ({"decision": "reject", "comment": "长" * 2001}, "comment"),
    ],
)
def test_verify_bad_input_is_400(api_as, org, supervisor, submitted_item, payload, field):
    # given
    before = counts()

    # when
    response = api_as(supervisor).post(
        f"/api/v1/rectification-items/{submitted_item.pk}/verify/", payload, format="json"
    )

    # then
    assert response.status_code == 400
    assert field in response.json()
    assert counts() == before


def test_only_a_supervisor_verifies(api_as, org, squad_leader, brigade_leader, submitted_item):
    # given
    before = counts()

    # when / then
    for user in (squad_leader, brigade_leader):
        response = api_as(user).post(
            f"/api/v1/rectification-items/{submitted_item.pk}/verify/",
            {"decision": "accept", "comment": "自己验收"},
            format="json",
        )
        assert response.status_code == 403
    assert counts() == before


def test_the_submitter_can_never_verify(api_as, org, open_item):
    # given: one person who leads the squad and is also a supervisor
    both = make_persona("both_hats", Role.UNIT_LEADER, org.a1, DataScope.OWN_UNIT)
    RoleAssignmentFactory(user=both, role=Role.SUPERVISOR, unit=org.jcs, scope=DataScope.ALL)
    client = api_as(both)
    progress = client.post(
        f"/api/v1/rectification-items/{open_item.pk}/progress/",
        {"text": "完成", "files": [upload()]},
        format="multipart",
    )
    assert progress.status_code == 201
    assert client.post(f"/api/v1/rectification-items/{open_item.pk}/submit/", {}, format="json").status_code == 200
    before = counts()

    # when
    response = client.post(
        f"/api/v1/rectification-items/{open_item.pk}/verify/", {"decision": "accept", "comment": "自验"}, format="json"
    )

    # then
    assert response.status_code == 403
    assert counts() == before


def test_items_are_scoped(api_as, org, submitted_item, outsider, business_lead):
    # given
    evidence = Evidence.objects.get(progress_update__item=submitted_item)

    # when / then: the business lead department follows the handed-over notice
    assert ids(api_as(business_lead).get("/api/v1/rectification-items/")) == {submitted_item.pk}
    client = api_as(outsider)
    assert ids(client.get("/api/v1/rectification-items/")) == set()
    assert client.get(f"/api/v1/rectification-items/{submitted_item.pk}/").status_code == 404
    assert client.get(f"/api/v1/evidence/{evidence.pk}/").status_code == 404
    verify = client.post(
        f"/api/v1/rectification-items/{submitted_item.pk}/verify/", {"decision": "accept", "comment": "x"}
    )
    assert verify.status_code == 404


def test_items_filter_and_search(api_as, org, supervisor, open_item, submitted_item):
    client = api_as(supervisor)
    assert ids(client.get("/api/v1/rectification-items/?status=submitted")) == {submitted_item.pk}
    assert ids(client.get("/api/v1/rectification-items/?overdue=true")) == set()
    assert ids(client.get(f"/api/v1/rectification-items/?notice={open_item.notice_id}")) == {open_item.pk}
    assert ids(client.get("/api/v1/rectification-items/?search=手机游戏")) == {open_item.pk}
    assert client.get("/api/v1/rectification-items/?due_state=purple").status_code == 400
    assert client.get("/api/v1/rectification-items/?ordering=-deadline").status_code == 200


def test_days_overdue_is_shown(api_as, org, supervisor, open_item):
    # given
    RectificationItem.objects.filter(pk=open_item.pk).update(deadline=timezone.localdate() - timedelta(days=3))

    # when
    body = api_as(supervisor).get(f"/api/v1/rectification-items/{open_item.pk}/").json()

    # then
    assert body["days_overdue"] == 3


# --- item requests ------------------------------------------------------------------------------------


def test_extension_requested_once_and_decided_by_a_supervisor(api_as, org, squad_leader, supervisor, open_item):
    # given
    url = f"/api/v1/rectification-items/{open_item.pk}/extension/"
    new_deadline = open_item.deadline + timedelta(days=10)

    # when
    requested = api_as(squad_leader).post(
        url, {"reason": "设备未到位", "new_deadline": str(new_deadline)}, format="json"
    )
    duplicate = api_as(squad_leader).post(url, {"reason": "再申请", "new_deadline": str(new_deadline)}, format="json")

    # then
    assert requested.status_code == 201, requested.content
    assert requested.json()["kind"] == "extension"
    assert requested.json()["status"] == "pending"
    assert duplicate.status_code == 409
    assert duplicate.json()["current_status"] == "pending"

    decide = f"/api/v1/item-requests/{requested.json()['id']}/decide/"
    assert api_as(squad_leader).post(decide, {"approve": True}, format="json").status_code == 403
    approved = api_as(supervisor).post(decide, {"approve": True, "comment": "同意"}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by_name"] == "supervisor-本人"
    open_item.refresh_from_db()
    assert open_item.deadline == new_deadline
    again = api_as(supervisor).post(decide, {"approve": False, "comment": "改主意"}, format="json")
    assert again.status_code == 409
    assert again.json()["current_status"] == "approved"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"reason": "x"}, "new_deadline"),
        ({"reason": "x", "new_deadline": "2020-01-01"}, "new_deadline"),
        ({"reason": "x", "new_deadline": "later"}, "new_deadline"),
        ({"reason": "", "new_deadline": "2099-01-01"}, "reason"),
        ({"new_deadline": "2099-01-01"}, "reason"),
    ],
)
def test_extension_bad_input_is_400(api_as, org, squad_leader, open_item, payload, field):
    # given
    before = counts()

    # when
    response = api_as(squad_leader).post(
        f"/api/v1/rectification-items/{open_item.pk}/extension/", payload, format="json"
    )

    # then
    assert response.status_code == 400
    assert field in response.json()
    assert counts() == before


def test_refusing_a_request_needs_a_reason(api_as, org, squad_leader, supervisor, open_item):
    # given
    request = item_request_create(
        actor=squad_leader, item=open_item, kind="extension", reason="r", new_deadline=open_item.deadline + timedelta(1)
    )
    before = counts()

    # when
    response = api_as(supervisor).post(f"/api/v1/item-requests/{request.pk}/decide/", {"approve": False}, format="json")
    wrong_type = api_as(supervisor).post(
        f"/api/v1/item-requests/{request.pk}/decide/", {"approve": "sometimes"}, format="json"
    )

    # then
    assert response.status_code == 400 and "comment" in response.json()
    assert wrong_type.status_code == 400 and "approve" in wrong_type.json()
    assert counts() == before


def test_unrectifiable_closes_the_item_and_the_notice_when_the_committee_approves(
    api_as, org, squad_leader, supervisor, committee_member, open_item
):
    # given
    requested = api_as(squad_leader).post(
        f"/api/v1/rectification-items/{open_item.pk}/unrectifiable/", {"reason": "原岗位已撤销"}, format="json"
    )
    assert requested.status_code == 201, requested.content
    decide = f"/api/v1/item-requests/{requested.json()['id']}/decide/"

    # when: a supervisor cannot decide it; the committee can
    refused = api_as(supervisor).post(decide, {"approve": True}, format="json")
    approved = api_as(committee_member).post(decide, {"approve": True, "comment": "同意"}, format="json")

    # then
    assert refused.status_code == 403
    assert approved.status_code == 200, approved.content
    item = api_as(supervisor).get(f"/api/v1/rectification-items/{open_item.pk}/").json()
    assert (item["status"], item["closure"]) == ("closed", "unrectifiable")
    notice = api_as(supervisor).get(f"/api/v1/notices/{open_item.notice_id}/").json()
    assert notice["status"] == "closed"
    assert (notice["item_count"], notice["closed_count"]) == (1, 1)


def test_item_requests_are_scoped(api_as, org, squad_leader, open_item, outsider):
    # given
    request = item_request_create(actor=squad_leader, item=open_item, kind="unrectifiable", reason="r")

    # when / then
    assert ids(api_as(squad_leader).get("/api/v1/item-requests/?kind=unrectifiable")) == {request.pk}
    assert ids(api_as(outsider).get("/api/v1/item-requests/")) == set()
    assert api_as(outsider).get(f"/api/v1/item-requests/{request.pk}/").status_code == 404


# --- look-backs --------------------------------------------------------------------------------------------


def test_look_back_recorded_once_by_the_assigned_supervisor(api_as, org, supervisor, second_supervisor, closed_notice):
    # given: closing the notice scheduled a look-back assigned to the issuing supervisor
    look_back = LookBack.objects.get(notice=closed_notice)
    url = f"/api/v1/look-backs/{look_back.pk}/record/"
    before = counts()

    # when / then
    assert api_as(second_supervisor).post(url, {"passed": True, "result": "x"}, format="json").status_code == 403
    missing = api_as(supervisor).post(url, {"passed": False, "result": "问题反弹"}, format="json")
    assert missing.status_code == 400 and "new_deadline" in missing.json()
    no_result = api_as(supervisor).post(url, {"passed": True}, format="json")
    assert no_result.status_code == 400 and "result" in no_result.json()
    assert counts() == before

    passed = api_as(supervisor).post(url, {"passed": True, "result": "未见反弹"}, format="json")
    assert passed.status_code == 200, passed.content
    assert passed.json()["status"] == "passed"
    again = api_as(supervisor).post(url, {"passed": True, "result": "再看"}, format="json")
    assert again.status_code == 409
    assert again.json()["current_status"] == "passed"


def test_failed_look_back_reopens_the_notice(api_as, org, supervisor, closed_notice):
    # given
    look_back = LookBack.objects.get(notice=closed_notice)

    # when
    response = api_as(supervisor).post(
        f"/api/v1/look-backs/{look_back.pk}/record/",
        {"passed": False, "result": "问题反弹", "new_deadline": in_days(15)},
        format="json",
    )

    # then
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "failed"
    assert api_as(supervisor).get(f"/api/v1/notices/{closed_notice.pk}/").json()["status"] == "reopened"


def test_look_backs_are_scoped(api_as, org, closed_notice, squad_leader, outsider):
    look_back = LookBack.objects.get(notice=closed_notice)
    assert ids(api_as(squad_leader).get("/api/v1/look-backs/?status=scheduled")) == {look_back.pk}
    assert ids(api_as(outsider).get("/api/v1/look-backs/")) == set()
    assert api_as(outsider).get(f"/api/v1/look-backs/{look_back.pk}/").status_code == 404


# --- the journey -----------------------------------------------------------------------------------------


def test_the_whole_journey_through_the_api(
    api_as, org, supervisor, second_supervisor, party_secretary, business_lead, squad_leader
):
    # 1. a supervisor files a finding with a photo
    finding = api_as(supervisor).post(
        "/api/v1/findings/",
        {
            "unit": org.a1.pk,
            "category": FindingCategory.objects.get(code="work_discipline").pk,
            "severity": "serious",
            "description": "值班期间玩手机游戏",
            "found_on": timezone.localdate().isoformat(),
            "source": "inspection",
            "business_area": BusinessArea.objects.get(code="vehicle_admin").pk,
            "files": [upload("现场.png")],
        },
        format="multipart",
    )
    assert finding.status_code == 201, finding.content
    finding_id = finding.json()["id"]

    # 2. drafts the notice and 3. issues it
    notice = api_as(supervisor).post(
        "/api/v1/notices/",
        {"unit": org.a1.pk, "findings": [finding_id], "title": "整改通知书", "requirements": "立即整改"},
        format="json",
    )
    assert notice.status_code == 201, notice.content
    notice_id = notice.json()["id"]
    issued = api_as(supervisor).post(f"/api/v1/notices/{notice_id}/issue/")
    assert issued.status_code == 200 and issued.json()["status"] == "issued"

    # 4. each side acknowledges its own handover, and only its own
    acknowledge = f"/api/v1/notices/{notice_id}/acknowledge/"
    assert api_as(party_secretary).post(acknowledge, {"side": "business"}, format="json").status_code == 403
    assert api_as(party_secretary).post(acknowledge, {"side": "party"}, format="json").status_code == 200
    assert api_as(business_lead).post(acknowledge, {"side": "party"}, format="json").status_code == 403
    acknowledged = api_as(business_lead).post(acknowledge, {"side": "business"}, format="json")
    assert acknowledged.status_code == 200 and acknowledged.json()["status"] == "acknowledged"

    # 5. the squad leader breaks it into an item
    item = api_as(squad_leader).post(
        "/api/v1/rectification-items/",
        {
            "notice": notice_id,
            "finding": finding_id,
            "problem": "值班期间玩手机游戏",
            "measures": "纪律教育",
            "responsible_department": org.a1.pk,
            "responsible_person": PersonFactory(unit=org.a1).pk,
            "responsible_leader": PersonFactory(unit=org.a1).pk,
            "deadline": in_days(10),
        },
        format="json",
    )
    assert item.status_code == 201, item.content
    item_url = f"/api/v1/rectification-items/{item.json()['id']}"

    # 6. reports progress with a photo and submits; 7. a supervisor rejects it
    client = api_as(squad_leader)
    progress = {"text": "已教育", "files": [upload("照片1.png")]}
    assert client.post(f"{item_url}/progress/", progress, format="multipart").status_code == 201
    assert client.post(f"{item_url}/submit/", {}, format="json").json()["status"] == "submitted"
    rejected = api_as(supervisor).post(
        f"{item_url}/verify/", {"decision": "reject", "comment": "缺签到表"}, format="json"
    )
    assert rejected.json()["status"] == "open"

    # 8. more progress, submitted again; 9. a different supervisor accepts
    client = api_as(squad_leader)
    more = {"text": "补签到表", "files": [upload("签到表.pdf", PDF_BYTES, "application/pdf")]}
    assert client.post(f"{item_url}/progress/", more, format="multipart").status_code == 201
    assert client.post(f"{item_url}/submit/", {"note": "再次申请"}, format="json").status_code == 200
    accepted = api_as(second_supervisor).post(
        f"{item_url}/verify/", {"decision": "accept", "comment": "整改到位"}, format="json"
    )
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert (body["status"], body["closure"], body["closed_by_name"]) == ("closed", "rectified", "supervisor2-本人")
    assert [r["decision"] for r in body["reviews"]] == ["reject", "accept"]
    assert len(body["evidence"]) == 2

    # 10. the notice is closed and a look-back is scheduled for the issuing supervisor
    closed = api_as(supervisor).get(f"/api/v1/notices/{notice_id}/").json()
    assert closed["status"] == "closed"
    assert (closed["item_count"], closed["closed_count"], closed["overdue_count"]) == (1, 1, 0)
    look_backs = api_as(supervisor).get(f"/api/v1/look-backs/?notice={notice_id}").json()["results"]
    assert len(look_backs) == 1
    assert look_backs[0]["status"] == "scheduled"
    assert look_backs[0]["assigned_to"] == supervisor.pk
    assert api_as(supervisor).get("/api/v1/look-backs/?assigned_to_me=true").json()["count"] == 1


# --- the ledger ----------------------------------------------------------------------------------------


def ledger_cells(response) -> set:
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return {cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row}


def test_ledger_downloads_the_filtered_items(api_as, org, squad_leader, open_item):
    # given
    client = api_as(squad_leader)

    # when
    response = client.get("/api/v1/rectification-items/ledger/")
    filtered = client.get("/api/v1/rectification-items/ledger/?status=closed")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('整改台账.xlsx')}" in disposition
    assert 'filename="rectification-ledger.xlsx"' in disposition
    assert "值班期间玩手机游戏" in ledger_cells(response)
    assert "值班期间玩手机游戏" not in ledger_cells(filtered)


def test_ledger_is_scoped(api_as, org, outsider, open_item):
    response = api_as(outsider).get("/api/v1/rectification-items/ledger/")
    assert response.status_code == 200
    assert "值班期间玩手机游戏" not in ledger_cells(response)


def test_ledger_bad_filter_is_400_json(api_as, org, supervisor):
    response = api_as(supervisor).get("/api/v1/rectification-items/ledger/?status=lost", HTTP_ACCEPT=XLSX)
    assert response.status_code == 400
    assert "status" in response.json()


# --- bounded queries ------------------------------------------------------------------------------------


@pytest.fixture
def busy(org, supervisor, second_supervisor, party_secretary, business_lead, squad_leader):
    """Three notices, each issued and acknowledged, with an item that has progress with a file, was
    submitted and rejected, and asks for an extension; and a look-back on each."""
    for index in range(3):
        finding = make_finding(actor=supervisor, unit=org.a1, files=[upload()], description=f"问题{index}")
        notice = notice_create(
            actor=supervisor,
            unit=org.a1,
            findings=[finding],
            title=f"通知{index}",
            requirements="整改",
            deadline=timezone.localdate() + timedelta(days=30),
        )
        notice_issue(actor=supervisor, notice=notice)
        for handover, who in zip(notice.handovers.order_by("side"), (business_lead, party_secretary), strict=True):
            handover_acknowledge(actor=who, handover=handover)
        notice.refresh_from_db()
        item = item_create(
            actor=squad_leader,
            notice=notice,
            finding=finding,
            problem=f"问题{index}",
            measures="措施",
            responsible_department=org.a1,
            responsible_person=PersonFactory(unit=org.a1),
            responsible_leader=PersonFactory(unit=org.a1),
            deadline=timezone.localdate() + timedelta(days=10 + index),
        )
        progress_add(actor=squad_leader, item=item, text="进展", files=[upload()])
        item_submit(actor=squad_leader, item=item)
        item_verify(actor=second_supervisor, item=item, accept=False, comment="退回")
        item_request_create(
            actor=squad_leader, item=item, kind="extension", reason="延期", new_deadline=item.deadline + timedelta(5)
        )
        LookBack.objects.create(notice=notice, scheduled_for=date(2027, 3, 1), assigned_to=supervisor)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/notices/",
        "/api/v1/handovers/",
        "/api/v1/rectification-items/",
        "/api/v1/item-requests/",
        "/api/v1/look-backs/",
        "/api/v1/calendar/",
    ],
)
def test_list_query_count_does_not_depend_on_page_size(api_as, org, squad_leader, busy, url):
    # given
    for day, kind in [(date(2027, 1, 1), "holiday"), (date(2027, 2, 6), "workday"), (date(2027, 10, 1), "holiday")]:
        CalendarDay.objects.create(date=day, kind=kind)
    client = api_as(squad_leader)
    client.get(url)  # warm up the session

    # when
    with CaptureQueriesContext(connection) as one:
        first = client.get(url, {"page_size": 1})
    with CaptureQueriesContext(connection) as many:
        everything = client.get(url, {"page_size": 50})

    # then
    assert len(first.json()["results"]) == 1
    assert len(everything.json()["results"]) >= 3
    assert len(many.captured_queries) == len(one.captured_queries)
    assert len(one.captured_queries) <= 12


# --- the working-day calendar --------------------------------------------------------------------------------

CALENDAR_CSV = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,workday,春节调休\n2027-10-01,holiday,国庆节\n"


def test_admin_imports_the_calendar_twice_and_the_second_changes_nothing(api_as, org, admin_user):
    # given
    client = api_as(admin_user)

    # when
    first = client.post("/api/v1/calendar/import/", CALENDAR_CSV.encode(), content_type="text/csv")
    events = AuditEvent.objects.count()
    second = client.post("/api/v1/calendar/import/", CALENDAR_CSV.encode(), content_type="text/csv")

    # then
    assert first.status_code == 200, first.content
    assert first.json() == {"created": 3, "deleted": 0, "unchanged": 0}
    assert second.json() == {"created": 0, "deleted": 0, "unchanged": 3}
    assert AuditEvent.objects.count() == events
    assert list(CalendarDay.objects.values_list("date", "kind")) == [
        (date(2027, 1, 1), "holiday"),
        (date(2027, 2, 6), "workday"),
        (date(2027, 10, 1), "holiday"),
    ]


def test_admin_imports_the_calendar_as_a_multipart_file(api_as, org, admin_user):
    # given: a file saved by Excel, with a byte-order mark
    csv_file = upload("2027.csv", ("\ufeff" + CALENDAR_CSV).encode(), "text/csv")

    # when
    response = api_as(admin_user).post("/api/v1/calendar/import/", {"file": csv_file}, format="multipart")

    # then
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 3


@pytest.mark.parametrize("persona", ["supervisor", "committee_member", "squad_leader", "api_client_user"])
def test_only_an_admin_imports_the_calendar(api_as, request, persona):
    # given
    user = request.getfixturevalue(persona)
    before = (CalendarDay.objects.count(), AuditEvent.objects.count())

    # when
    response = api_as(user).post("/api/v1/calendar/import/", CALENDAR_CSV.encode(), content_type="text/csv")

    # then
    assert response.status_code == 403
    assert (CalendarDay.objects.count(), AuditEvent.objects.count()) == before


def test_bad_calendar_rows_are_listed_and_nothing_is_imported(api_as, org, admin_user):
    # given
    text = (
        "date,kind,name\n"
        "2027-01-01,holiday,元旦\n"
        "2027-02-30,holiday,不存在的日子\n"
        "2027-05-03,vacation,劳动节\n"
        "2027-05-01,holiday,周六放假\n"
        "2027-01-01,holiday,重复\n"
    )

    # when
    response = api_as(admin_user).post("/api/v1/calendar/import/", text.encode(), content_type="text/csv")

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["detail"]
    assert [(row["row"], row["field"]) for row in body["rows"]] == [
        (3, "date"),
        (4, "kind"),
        (5, "kind"),
        (6, "date"),
    ]
    assert CalendarDay.objects.count() == 0


def test_calendar_import_needs_utf8_csv(api_as, org, admin_user):
    client = api_as(admin_user)
    gbk = client.post("/api/v1/calendar/import/", CALENDAR_CSV.encode("gbk"), content_type="text/csv")
    assert gbk.status_code == 400 and "file" in gbk.json()
    nothing = client.post("/api/v1/calendar/import/", {}, format="multipart")
    assert nothing.status_code == 400 and "file" in nothing.json()
    missing_column = client.post("/api/v1/calendar/import/", b"day,name\n2027-01-01,x\n", content_type="text/csv")
    assert missing_column.status_code == 400
    assert missing_column.json()["rows"][0]["row"] == 1


def test_anyone_signed_in_reads_the_calendar_by_year(api_as, org, squad_leader, api):
    # given
    CalendarDay.objects.create(date=date(2026, 10, 1), kind="holiday", name="国庆节")
    new_year = CalendarDay.objects.create(date=date(2027, 1, 1), kind="holiday", name="元旦")
    make_up = CalendarDay.objects.create(date=date(2027, 2, 6), kind="workday", name="调休")
    client = api_as(squad_leader)

    # when / then
    assert ids(client.get("/api/v1/calendar/?year=2027")) == {new_year.pk, make_up.pk}
    assert ids(client.get("/api/v1/calendar/?year=2027&kind=workday")) == {make_up.pk}
    assert client.get("/api/v1/calendar/?year=next").status_code == 400
    assert client.get("/api/v1/calendar/?kind=party").status_code == 400
    api.logout()
    assert api.get("/api/v1/calendar/").status_code in (401, 403)


@pytest.mark.parametrize(
    "url", ["/api/v1/rectification-items/?overdue=perhaps", "/api/v1/handovers/?awaiting_me=maybe"]
)
def test_boolean_filters_reject_nonsense(api_as, supervisor, url):
    response = api_as(supervisor).get(url)
    assert response.status_code == 400
    assert set(response.json()) & {"overdue", "awaiting_me"}
