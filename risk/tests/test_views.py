"""The risk pages: who gets which page, what outsiders get (404 on details, nothing of brigade A in
lists), the verify and to-finding forms posting through the services, business records paged by id,
and list pages whose query count does not grow with their rows. Alerts are made directly."""

import datetime as dt
from datetime import date, timedelta
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import DataScope, Role
from accounts.tests.factories import PersonFactory, RoleAssignmentFactory
from conftest import make_persona
from risk.models import (
    Alert,
    AlertVerification,
    AllowlistEntry,
    BusinessRecord,
    CircuitBreak,
    RestoreRequest,
    RiskList,
    RiskScore,
    SubjectKind,
)
from risk.tests.alert_factories import make_alert, make_assessment, make_model
from supervision.models import Finding

pytestmark = pytest.mark.django_db

_external_ids = count(1)


def page_body(response, status: int = 200) -> str:
    body = response.content.decode()
    assert response.status_code == status, body[:500]
    return body


def assert_chinese_page(response) -> str:
    body = page_body(response)
    assert '<html lang="zh-CN">' in body
    assert "大监督平台" in body
    return body


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:500]
    return len(queries.captured_queries)


def make_record(unit, *, badge="", accepted_at=None, **fields) -> BusinessRecord:
    number = next(_external_ids)
    values = {
        "source_system": "vehicle",
        "external_id": f"R{number:06d}",
        "area": "vehicle_admin",
        "business_type": "vehicle.register",
        "unit_code": unit.code,
        "unit": unit,
        "operator_badge": badge,
        "operator_account": f"acct-{badge or number}",
        "device_id": "DEV-1",
        "accepted_at": accepted_at or dt.datetime(2026, 10, 12, 10, tzinfo=dt.UTC),
        "status": BusinessRecord.Status.COMPLETED,
    }
    values.update(fields)
    return BusinessRecord.objects.create(**values)


def make_scores(alert: Alert) -> None:
    """The person and unit scores the assessment would have stored alongside the alert."""
    RiskScore.objects.create(
        assessment=alert.assessment,
        subject_kind=SubjectKind.PERSON,
        subject_id=alert.person_id,
        person=alert.person,
        unit=alert.unit,
        index=alert.index,
        top_factors=alert.factors,
    )
    RiskScore.objects.get_or_create(
        assessment=alert.assessment,
        subject_kind=SubjectKind.UNIT,
        subject_id=alert.unit_id,
        defaults={"unit": alert.unit, "index": 30, "top_factors": alert.factors},
    )


def verify_data(alert: Alert, *, agree=True, comment="核查业务流水属实", factor="agree") -> dict:
    data = {"agree": "agree" if agree else "disagree", "comment": comment}
    data.update({f"factor_{f['model']}": factor for f in alert.factors})
    return data


@pytest.fixture
def person_a1(org):
    return PersonFactory(unit=org.a1, name="张办事员", badge_number="A10001")


@pytest.fixture
def pending(org, person_a1):
    alert = make_alert(unit=org.a1, person=person_a1)
    make_scores(alert)
    return alert


@pytest.fixture
def confirmed(org):
    alert = make_alert(
        unit=org.a2,
        person=PersonFactory(unit=org.a2, name="李确认", badge_number="A20001"),
        status=Alert.Status.CONFIRMED,
        grade=Alert.Grade.ORANGE,
        index="61.0",
    )
    make_scores(alert)
    return alert


@pytest.fixture
def record_a1(org, person_a1):
    return make_record(org.a1, badge=person_a1.badge_number, operator=person_a1, flag_deleted=True)


@pytest.fixture
def risk_list(org, issued_notice, confirmed):
    return RiskList.objects.create(
        quarter="2026Q4",
        unit=org.a,
        notice=issued_notice,
        entries=[
            {
                "number": 1,
                "kind": "alert",
                "title": "橙色预警：李确认（一大队二中队）",
                "detail": "风险指数61.0",
                "severity": "serious",
                "business_area": "vehicle_admin",
                "finding": issued_notice.findings.first().pk,
                "alert": confirmed.pk,
            }
        ],
    )


# --- pages render for the right roles ----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["supervisor", "discipline_inspector", "committee_member", "admin_user"])
def test_oversight_roles_get_every_risk_page(client, request, persona, pending, confirmed, record_a1, risk_list):
    # given
    client.force_login(request.getfixturevalue(persona))
    urls = [
        "/risk/alerts/",
        f"/risk/alerts/?assessment={pending.assessment_id}&grade=red&status=pending&unit={pending.unit_id}",
        f"/risk/alerts/{pending.pk}/",
        f"/risk/alerts/{confirmed.pk}/",
        "/risk/records/",
        "/risk/records/?area=vehicle_admin&flag=deleted&accepted_from=2026-10-01&accepted_to=2026-10-31",
        f"/risk/records/{record_a1.pk}/",
        "/risk/models/",
        "/risk/assessments/",
        f"/risk/assessments/{pending.assessment_id}/",
        "/risk/lists/",
    ]
    # when / then
    for url in urls:
        assert_chinese_page(client.get(url))


def test_the_alert_explains_itself(client, supervisor, pending, person_a1):
    # given
    client.force_login(supervisor)
    # when
    body = assert_chinese_page(client.get(f"/risk/alerts/{pending.pk}/"))
    # then: person, unit, index, grade and each contributing model with its description, count,
    # contribution, the records of the month and the sample records
    assert "张办事员" in body and "A10001" in body and "一大队一中队" in body
    assert "88.0" in body and "grade-red" in body
    assert "非工作时间办理业务" in body and "同一代理人为过多申请人办理" in body
    assert "非工作时间办理业务：超过阈值即命中。" in body
    assert (
        "/risk/records/?operator_badge=A10001&amp;area=vehicle_admin&amp;accepted_from=2026-10-01&amp;accepted_to=2026-10-31"
        in body
    )
    assert "/risk/records/1000/" in body and "/risk/records/2001/" in body
    # and the verify form, a radio group per factor
    assert 'name="factor_t-night"' in body and 'name="factor_t-agent"' in body


def test_a_unit_leader_sees_confirmed_alerts_and_assessments_but_not_models(
    client, brigade_leader, pending, confirmed, risk_list
):
    # given
    client.force_login(brigade_leader)
    # when
    alerts = assert_chinese_page(client.get("/risk/alerts/"))
    # then: the confirmed alert, not the pending one (an unverified suspicion), and no verify form
    assert "李确认" in alerts and "张办事员" not in alerts
    detail = assert_chinese_page(client.get(f"/risk/alerts/{confirmed.pk}/"))
    assert "factor_t-night" not in detail
    assert client.get(f"/risk/alerts/{pending.pk}/").status_code == 404
    assert_chinese_page(client.get(f"/risk/assessments/{confirmed.assessment_id}/"))
    assert "李确认" in assert_chinese_page(client.get("/risk/lists/"))
    assert client.get("/risk/models/").status_code == 403


def test_the_outsider_gets_404_on_brigade_a_and_sees_nothing_of_it_in_lists(
    client, org, outsider, pending, confirmed, record_a1, risk_list
):
    # given: a record of the outsider's own squad
    own = make_record(org.b1, badge="B10001", business_type="license.exam")
    client.force_login(outsider)
    # when / then: details of brigade A are not found
    for url in [
        f"/risk/alerts/{pending.pk}/",
        f"/risk/alerts/{confirmed.pk}/",
        f"/risk/records/{record_a1.pk}/",
    ]:
        assert client.get(url).status_code == 404, url
    # and the lists show nothing of brigade A
    for url in ["/risk/alerts/", "/risk/records/", "/risk/lists/", f"/risk/assessments/{confirmed.assessment_id}/"]:
        body = assert_chinese_page(client.get(url))
        assert "一大队" not in body.replace("二大队一中队", ""), url
        assert "张办事员" not in body and "李确认" not in body and "A10001" not in body, url
    records = assert_chinese_page(client.get("/risk/records/"))
    assert f"/risk/records/{own.pk}/" in records and f"/risk/records/{record_a1.pk}/" not in records
    assert_chinese_page(client.get(f"/risk/records/{own.pk}/"))


def test_a_filter_on_a_unit_outside_the_scope_is_refused_not_applied(client, outsider, org, confirmed):
    # given
    client.force_login(outsider)
    # when
    body = assert_chinese_page(client.get(f"/risk/alerts/?unit={org.a2.pk}"))
    # then
    assert "李确认" not in body


def test_menu_has_the_risk_group_for_the_roles_that_may_see_it(client, supervisor, squad_leader, party_secretary):
    # given / when
    client.force_login(supervisor)
    supervisor_page = client.get("/").content.decode()
    client.force_login(squad_leader)
    leader_page = client.get("/").content.decode()
    client.force_login(party_secretary)
    secretary_page = client.get("/").content.decode()
    # then
    for url in ["/risk/alerts/", "/risk/assessments/", "/risk/records/", "/risk/models/", "/risk/lists/"]:
        assert f'href="{url}"' in supervisor_page, url
    assert 'href="/risk/alerts/"' in leader_page and 'href="/risk/models/"' not in leader_page
    assert 'href="/risk/alerts/"' not in secretary_page and 'href="/risk/lists/"' in secretary_page


def test_the_models_page_shows_precision_to_admins_only(client, admin_user, supervisor, org):
    # given: one confirmed and one dismissed alert on the same model
    make_alert(unit=org.a1, codes=("t-night",), status=Alert.Status.CONFIRMED)
    make_alert(unit=org.a2, codes=("t-night",), status=Alert.Status.DISMISSED)
    # when
    client.force_login(admin_user)
    admin_body = assert_chinese_page(client.get("/risk/models/"))
    client.force_login(supervisor)
    supervisor_body = assert_chinese_page(client.get("/risk/models/"))
    # then
    assert "非工作时间办理业务" in admin_body and "threshold" in admin_body
    assert "50%" in admin_body
    assert "50%" not in supervisor_body and "非工作时间办理业务" in supervisor_body


# --- verification through the page -------------------------------------------------------------------------


def test_supervisor_then_inspector_confirm_through_the_form_and_the_supervisor_makes_a_finding(
    client, supervisor, discipline_inspector, committee_member, pending
):
    # given: the supervisor verifies
    client.force_login(supervisor)
    response = client.post(f"/risk/alerts/{pending.pk}/verify/", verify_data(pending))
    assert response.status_code == 302 and response["Location"] == f"/risk/alerts/{pending.pk}/"
    pending.refresh_from_db()
    assert pending.status == Alert.Status.PENDING
    first = AlertVerification.objects.get(alert=pending)
    assert (first.role, first.agree, first.factor_opinions) == ("supervisor", True, {"t-night": True, "t-agent": True})
    # when: the discipline inspector verifies too
    client.force_login(discipline_inspector)
    client.post(f"/risk/alerts/{pending.pk}/verify/", verify_data(pending, comment="纪委核实属实"))
    # then: confirmed, both verifications side by side on the page
    pending.refresh_from_db()
    assert pending.status == Alert.Status.CONFIRMED
    body = assert_chinese_page(client.get(f"/risk/alerts/{pending.pk}/"))
    assert "核查业务流水属实" in body and "纪委核实属实" in body
    assert 'name="agree"' not in body
    assert "/to-finding/" not in body  # the inspector is no supervisor
    # and the supervisor turns it into a finding
    client.force_login(supervisor)
    assert f"/risk/alerts/{pending.pk}/to-finding/" in client.get(f"/risk/alerts/{pending.pk}/").content.decode()
    response = client.post(f"/risk/alerts/{pending.pk}/to-finding/")
    finding = Finding.objects.get(source=Finding.Source.RISK_ALERT)
    assert response["Location"] == f"/supervision/findings/{finding.pk}/"
    body = assert_chinese_page(client.get(f"/risk/alerts/{pending.pk}/"))
    assert f"/supervision/findings/{finding.pk}/" in body and "/to-finding/" not in body
    # a second attempt is refused with a message
    response = client.post(f"/risk/alerts/{pending.pk}/to-finding/", follow=True)
    assert "已" in response.content.decode() or "already" in response.content.decode()
    assert Finding.objects.filter(source=Finding.Source.RISK_ALERT).count() == 1


def test_a_disagreement_through_the_form_dismisses_with_the_reason(client, discipline_inspector, pending):
    # given
    client.force_login(discipline_inspector)
    # when
    client.post(
        f"/risk/alerts/{pending.pk}/verify/", verify_data(pending, agree=False, comment="系统误报", factor="disagree")
    )
    # then
    pending.refresh_from_db()
    assert (pending.status, pending.dismissal_reason) == (Alert.Status.DISMISSED, "系统误报")


def test_a_blank_form_and_a_missing_factor_come_back_with_errors(client, supervisor, pending):
    # given
    client.force_login(supervisor)
    data = verify_data(pending)
    del data["factor_t-agent"]
    # when
    body = page_body(client.post(f"/risk/alerts/{pending.pk}/verify/", data))
    blank = page_body(client.post(f"/risk/alerts/{pending.pk}/verify/", verify_data(pending, comment="  ")))
    # then
    assert "invalid-feedback" in body and "invalid-feedback" in blank
    assert not AlertVerification.objects.exists()


def test_verifying_twice_is_a_message_not_a_second_verification(client, supervisor, pending):
    # given
    client.force_login(supervisor)
    client.post(f"/risk/alerts/{pending.pk}/verify/", verify_data(pending))
    # when
    response = client.post(f"/risk/alerts/{pending.pk}/verify/", verify_data(pending), follow=True)
    # then
    assert response.redirect_chain[-1][0] == f"/risk/alerts/{pending.pk}/"
    assert 'class="alert alert-danger"' in response.content.decode()
    assert AlertVerification.objects.count() == 1


@pytest.mark.parametrize("persona", ["brigade_leader", "committee_member"])
def test_who_is_no_verifier_gets_403(client, request, persona, org, pending):
    # given: the alert confirmed, so the leader may see it
    Alert.objects.filter(pk=pending.pk).update(status=Alert.Status.CONFIRMED)
    client.force_login(request.getfixturevalue(persona))
    # when / then
    assert client.post(f"/risk/alerts/{pending.pk}/verify/", verify_data(pending)).status_code == 403
    assert client.post(f"/risk/alerts/{pending.pk}/to-finding/").status_code == 403
    assert not AlertVerification.objects.exists() and not Finding.objects.exists()


# --- business records -------------------------------------------------------------------------------------------


def test_records_are_paged_by_id_with_older_and_newer_links_and_never_counted(client, supervisor, org):
    # given: 60 records, one page holds 50
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    records = [make_record(org.a1, badge="A1", accepted_at=start + timedelta(hours=n)) for n in range(60)]
    client.force_login(supervisor)
    # when
    with CaptureQueriesContext(connection) as queries:
        first = page_body(client.get("/risk/records/"))
    # then: the newest 50 and a link to the older ones, no COUNT over the records
    assert f"/risk/records/{records[-1].pk}/" in first and f"/risk/records/{records[9].pk}/" not in first
    assert f'href="?before={records[10].pk}"' in first and 'href="?after=' not in first
    assert not [
        q for q in queries.captured_queries if "COUNT(" in q["sql"].upper() and "risk_businessrecord" in q["sql"]
    ]
    # and the older page links back to the newer ones
    older = page_body(client.get(f"/risk/records/?before={records[10].pk}"))
    assert f"/risk/records/{records[0].pk}/" in older and f"/risk/records/{records[10].pk}/" not in older
    assert f'href="?after={records[9].pk}"' in older and 'href="?before=' not in older
    newer = page_body(client.get(f"/risk/records/?after={records[9].pk}"))
    assert f"/risk/records/{records[10].pk}/" in newer and f"/risk/records/{records[9].pk}/" not in newer
    assert f'href="?before={records[10].pk}"' in newer


def test_record_filters(client, supervisor, org):
    # given
    kept = make_record(org.a1, badge="A7", device_id="DEV-X", flag_points_exempted=True, agent_id="AG-1")
    other = make_record(org.a2, badge="A8", device_id="DEV-Y", accepted_at=dt.datetime(2026, 9, 3, tzinfo=dt.UTC))
    client.force_login(supervisor)
    # when / then
    for query in [
        "device_id=DEV-X",
        "operator_badge=A7",
        "flag=points_exempted",
        "agent_id=AG-1",
        f"unit={org.a1.pk}",
        "accepted_from=2026-10-12&accepted_to=2026-10-12",
    ]:
        body = page_body(client.get(f"/risk/records/?{query}"))
        assert f"/risk/records/{kept.pk}/" in body and f"/risk/records/{other.pk}/" not in body, query


# --- query counts ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["admin_user", "supervisor", "brigade_leader"])
def test_list_pages_cost_the_same_queries_for_one_row_and_many(client, request, persona, org):
    # given one row of each
    make_alert(unit=org.a1, status=Alert.Status.CONFIRMED)
    make_record(org.a1, badge="A1")
    client.force_login(request.getfixturevalue(persona))
    urls = ["/risk/alerts/", "/risk/records/", "/risk/assessments/"]
    if persona != "brigade_leader":
        urls.append("/risk/models/")
    few = {url: count_queries(client, url) for url in urls}
    # when there are many more
    for month in (7, 8, 9):
        make_assessment(date(2026, month, 1))
    for n in range(6):
        status = Alert.Status.CONFIRMED if n % 3 else Alert.Status.PENDING
        make_alert(unit=org.a2 if n % 2 else org.a1, month=date(2026, 7 + n % 3, 1), status=status)
        make_record(org.a2, badge=f"B{n}", operator=PersonFactory(unit=org.a2))
    many = {url: count_queries(client, url) for url in urls}
    # then
    assert many == few


def test_the_risk_lists_page_costs_the_same_queries_for_one_list_and_many(client, supervisor, org, risk_list):
    # given
    from rectification.services import notice_create
    from supervision.tests.factories import make_finding

    client.force_login(supervisor)
    few = count_queries(client, "/risk/lists/")
    # when
    for number, unit in enumerate([org.a1, org.a2, org.b1]):
        finding = make_finding(actor=supervisor, unit=unit)
        notice = notice_create(
            actor=supervisor,
            unit=unit,
            findings=[finding],
            title=f"清单{number}",
            requirements="逐条整改",
            deadline=timezone.localdate() + timedelta(days=30),
        )
        RiskList.objects.create(
            quarter=f"2025Q{number + 1}",
            unit=unit,
            notice=notice,
            entries=[{"number": 1, "kind": "grave_finding", "title": "严重问题", "finding": finding.pk}],
        )
    # then
    assert count_queries(client, "/risk/lists/") == few


# --- circuit breaks, restore and the allowlist -----------------------------------------------------------------


def make_break(unit, key="acct-night", *, status=CircuitBreak.Status.ACTIVE, **fields) -> CircuitBreak:
    model = make_model("t-night")
    values = {
        "scope_kind": CircuitBreak.ScopeKind.ACCOUNT,
        "scope_key": key,
        "unit": unit,
        "model": model,
        "status": status,
        "evidence": {
            "model": model.code,
            "count": 9,
            "counts": {"records": 9},
            "parameters": {"threshold": 5},
            "window_start": "2026-11-23T01:00:00+00:00",
            "window_end": "2026-11-23T02:00:00+00:00",
            "sample_record_ids": [31, 32],
            "scanned_ids": {"after": 30, "up_to": 40},
            "also_tripped": [{"model": "t-agent", "count": 4, "counts": {}}],
        },
    }
    values.update(fields)
    return CircuitBreak.objects.create(**values)


@pytest.fixture
def breaker_a1(org):
    make_model("t-agent")
    return make_break(org.a1)


@pytest.mark.parametrize(
    "persona",
    ["supervisor", "discipline_inspector", "committee_member", "admin_user", "brigade_leader", "squad_leader"],
)
def test_breaker_pages_for_the_roles_whose_scope_covers_the_unit(client, request, persona, breaker_a1):
    # given
    client.force_login(request.getfixturevalue(persona))
    # when
    listing = assert_chinese_page(client.get("/risk/breakers/"))
    detail = assert_chinese_page(client.get(f"/risk/breakers/{breaker_a1.pk}/"))
    # then: the evidence explains the break
    assert "acct-night" in listing
    assert "非工作时间办理业务" in detail and "同一代理人为过多申请人办理" in detail
    assert "/risk/records/31/" in detail and "operator_account=acct-night" in detail


def test_active_breaks_are_listed_first(client, supervisor, org):
    # given
    restored = make_break(org.a1, "acct-old", status=CircuitBreak.Status.RESTORED)
    active = make_break(org.a2, "acct-new")
    CircuitBreak.objects.filter(pk=active.pk).update(tripped_at=restored.tripped_at - timedelta(days=3))
    client.force_login(supervisor)
    # when
    body = assert_chinese_page(client.get("/risk/breakers/"))
    # then
    assert body.index("acct-new") < body.index("acct-old")


def test_the_outsider_gets_404_on_a_break_of_brigade_a_and_does_not_see_it_listed(client, outsider, breaker_a1):
    # given
    client.force_login(outsider)
    # when / then
    assert client.get(f"/risk/breakers/{breaker_a1.pk}/").status_code == 404
    assert "acct-night" not in assert_chinese_page(client.get("/risk/breakers/"))
    assert client.post(f"/risk/breakers/{breaker_a1.pk}/restore-request/", {"reason": "x"}).status_code == 404


def test_the_unit_leader_requests_a_restore_and_a_supervisor_approves_it_through_the_pages(
    client, squad_leader, supervisor, breaker_a1
):
    # given: the leader sees the request form, the supervisor does not
    client.force_login(supervisor)
    assert "/restore-request/" not in client.get(f"/risk/breakers/{breaker_a1.pk}/").content.decode()
    client.force_login(squad_leader)
    assert "/restore-request/" in client.get(f"/risk/breakers/{breaker_a1.pk}/").content.decode()
    # when the leader requests
    response = client.post(f"/risk/breakers/{breaker_a1.pk}/restore-request/", {"reason": "已核实为夜间值班业务"})
    # then the break awaits a decision, still suspended
    assert response["Location"] == f"/risk/breakers/{breaker_a1.pk}/"
    breaker_a1.refresh_from_db()
    assert breaker_a1.status == CircuitBreak.Status.RESTORE_REQUESTED
    assert "/restore-decision/" not in client.get(f"/risk/breakers/{breaker_a1.pk}/").content.decode()
    # when a supervisor refuses without a comment, the form says so
    client.force_login(supervisor)
    assert "/restore-decision/" in client.get(f"/risk/breakers/{breaker_a1.pk}/").content.decode()
    body = page_body(client.post(f"/risk/breakers/{breaker_a1.pk}/restore-decision/", {"decision": "refuse"}))
    assert "invalid-feedback" in body
    breaker_a1.refresh_from_db()
    assert breaker_a1.status == CircuitBreak.Status.RESTORE_REQUESTED
    # and when the supervisor approves, the break is restored
    client.post(f"/risk/breakers/{breaker_a1.pk}/restore-decision/", {"decision": "approve", "comment": "同意"})
    breaker_a1.refresh_from_db()
    assert breaker_a1.status == CircuitBreak.Status.RESTORED
    request = RestoreRequest.objects.get(breaker=breaker_a1)
    assert (request.decision, request.requested_by, request.decided_by) == ("approved", squad_leader, supervisor)
    body = assert_chinese_page(client.get(f"/risk/breakers/{breaker_a1.pk}/"))
    assert "已核实为夜间值班业务" in body and "同意" in body


def test_a_refusal_keeps_the_break_active(client, squad_leader, supervisor, breaker_a1):
    # given
    client.force_login(squad_leader)
    client.post(f"/risk/breakers/{breaker_a1.pk}/restore-request/", {"reason": "请求恢复"})
    # when
    client.force_login(supervisor)
    client.post(f"/risk/breakers/{breaker_a1.pk}/restore-decision/", {"decision": "refuse", "comment": "证据不足"})
    # then
    breaker_a1.refresh_from_db()
    assert breaker_a1.status == CircuitBreak.Status.ACTIVE
    assert RestoreRequest.objects.get().decision == "refused"


def test_the_requester_cannot_decide_their_own_restore(client, org, breaker_a1):
    # given: one person who is both a leader of the unit and a supervisor
    both = make_persona("leader_and_supervisor", Role.UNIT_LEADER, org.a1, DataScope.OWN_UNIT)
    RoleAssignmentFactory(user=both, role=Role.SUPERVISOR, unit=org.jcs, scope=DataScope.ALL)
    client.force_login(both)
    client.post(f"/risk/breakers/{breaker_a1.pk}/restore-request/", {"reason": "请求恢复"})
    # when
    page = client.get(f"/risk/breakers/{breaker_a1.pk}/").content.decode()
    response = client.post(f"/risk/breakers/{breaker_a1.pk}/restore-decision/", {"decision": "approve"})
    # then
    assert "/restore-decision/" not in page
    assert response.status_code == 403
    breaker_a1.refresh_from_db()
    assert breaker_a1.status == CircuitBreak.Status.RESTORE_REQUESTED


def test_a_second_request_is_a_message_not_a_second_request(client, squad_leader, breaker_a1):
    # given
    client.force_login(squad_leader)
    client.post(f"/risk/breakers/{breaker_a1.pk}/restore-request/", {"reason": "请求恢复"})
    # when
    response = client.post(f"/risk/breakers/{breaker_a1.pk}/restore-request/", {"reason": "再次请求"}, follow=True)
    # then
    assert 'class="alert alert-danger"' in response.content.decode()
    assert RestoreRequest.objects.count() == 1


def test_only_unit_leaders_request_and_only_supervisors_decide(client, committee_member, squad_leader, breaker_a1):
    # given
    client.force_login(committee_member)
    # when / then
    assert client.post(f"/risk/breakers/{breaker_a1.pk}/restore-request/", {"reason": "x"}).status_code == 403
    client.force_login(squad_leader)
    client.post(f"/risk/breakers/{breaker_a1.pk}/restore-request/", {"reason": "请求恢复"})
    client.force_login(committee_member)
    data = {"decision": "approve"}
    assert client.post(f"/risk/breakers/{breaker_a1.pk}/restore-decision/", data).status_code == 403


def test_a_supervisor_adds_to_the_allowlist_through_the_page(client, supervisor, breaker_a1):
    # given: the form is prefilled from the break
    client.force_login(supervisor)
    form = assert_chinese_page(client.get("/risk/allowlist/?scope_kind=account&scope_key=acct-night"))
    assert 'value="acct-night"' in form
    until = (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    # when
    response = client.post(
        "/risk/allowlist/", {"scope_kind": "account", "scope_key": "acct-night", "until": until, "reason": "夜间专班"}
    )
    # then
    assert response.status_code == 302
    entry = AllowlistEntry.objects.get()
    assert (entry.scope_kind, entry.scope_key, entry.created_by) == ("account", "acct-night", supervisor)
    assert "夜间专班" in assert_chinese_page(client.get("/risk/allowlist/"))


def test_an_allowlist_entry_in_the_past_comes_back_on_the_form(client, supervisor):
    # given
    client.force_login(supervisor)
    until = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    # when
    body = page_body(
        client.post("/risk/allowlist/", {"scope_kind": "device", "scope_key": "DEV-9", "until": until, "reason": "x"})
    )
    # then
    assert "invalid-feedback" in body and not AllowlistEntry.objects.exists()


def test_who_may_read_and_add_to_the_allowlist(client, discipline_inspector, brigade_leader):
    # given / when / then: an inspector reads it but cannot add
    client.force_login(discipline_inspector)
    body = assert_chinese_page(client.get("/risk/allowlist/"))
    assert 'name="scope_key"' not in body
    until = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = {"scope_kind": "device", "scope_key": "DEV-9", "until": until, "reason": "x"}
    assert client.post("/risk/allowlist/", data).status_code == 403
    # a unit leader does not see it at all
    client.force_login(brigade_leader)
    assert client.get("/risk/allowlist/").status_code == 403
    assert not AllowlistEntry.objects.exists()


def test_breaker_and_allowlist_pages_cost_the_same_queries_for_one_row_and_many(client, supervisor, org):
    # given
    make_break(org.a1, "acct-0")
    AllowlistEntry.objects.create(
        scope_kind="device",
        scope_key="DEV-0",
        until=timezone.now() + timedelta(days=1),
        reason="x",
        created_by=supervisor,
    )
    client.force_login(supervisor)
    urls = ["/risk/breakers/", "/risk/allowlist/"]
    few = {url: count_queries(client, url) for url in urls}
    # when
    for n in range(1, 6):
        make_break(org.a2 if n % 2 else org.b1, f"acct-{n}")
        AllowlistEntry.objects.create(
            scope_kind="device",
            scope_key=f"DEV-{n}",
            until=timezone.now() + timedelta(days=n),
            reason="x",
            created_by=supervisor,
        )
    # then
    assert {url: count_queries(client, url) for url in urls} == few
