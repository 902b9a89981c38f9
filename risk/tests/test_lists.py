"""The quarterly risk-alert lists: entries from the three sources, one issued notice per second-level
unit, an idempotent re-run, the command, the task and the beat entry, and the close-out through the
rectification workflow."""

import datetime as dt
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import PartyOrganization, Post, Unit
from accounts.tests.factories import PersonFactory, PostFactory
from core.errors import DomainError, NotPermitted
from rectification.models import Handover, RectificationItem, RectificationNotice
from rectification.services import handover_acknowledge, item_create, item_submit, item_verify, progress_add
from risk.list_tasks import risk_lists_generate_task
from risk.lists import EntryKind, previous_quarter, quarter_bounds, risk_lists_generate
from risk.models import Alert, ModelHit, RiskList, SubjectKind
from risk.tests.alert_factories import make_alert, make_assessment, make_model
from supervision.models import Finding, Severity
from supervision.tests.factories import make_finding, upload

pytestmark = pytest.mark.django_db

Q3 = "2026Q3"


def at(day: date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), timezone.get_current_timezone())


@pytest.fixture
def branch_b(org):
    """Brigade B answers to a party branch too, so its list can be handed over."""
    branch = PartyOrganization.objects.create(
        name="二大队党总支", kind=PartyOrganization.Kind.GENERAL_BRANCH, unit=org.b, parent=org.committee
    )
    Unit.objects.filter(pk__in=[org.b.pk, org.b1.pk]).update(party_organization=branch)
    org.b.refresh_from_db()
    return branch


@pytest.fixture
def quarter_data(org, supervisor, branch_b):
    """Q3 2026: in brigade A a confirmed alert and a high-risk post with hits; in brigade B a grave
    finding. Everything else is noise that must not be listed."""
    # the confirmed alert of A (decided in the quarter), and alerts that are not listed
    listed_alert = make_alert(
        unit=org.a1,
        month=date(2026, 8, 1),
        codes=("t-night",),
        status=Alert.Status.CONFIRMED,
        decided_at=at(date(2026, 9, 5)),
    )
    make_alert(unit=org.a1, month=date(2026, 9, 1), codes=("t-night",))  # pending
    make_alert(unit=org.a2, month=date(2026, 9, 1), status=Alert.Status.DISMISSED, decided_at=at(date(2026, 9, 6)))
    make_alert(  # confirmed after the quarter: next quarter's list
        unit=org.a2, month=date(2026, 9, 1), status=Alert.Status.CONFIRMED, decided_at=at(date(2026, 10, 3))
    )
    # the high-risk post of A: its holder had a hit in July; a medium-risk post's holder also had one
    high = PostFactory(code="CG-KSY", name="考试员", risk_level=Post.RiskLevel.HIGH)
    medium = PostFactory(code="WF-CL", name="违法处理民警", risk_level=Post.RiskLevel.MEDIUM)
    holder = PersonFactory(unit=org.a2, post=high, name="岗位人甲")
    other = PersonFactory(unit=org.a2, post=medium)
    july = make_assessment(date(2026, 7, 1))
    october = make_assessment(date(2026, 10, 1))
    for person, assessment in ((holder, july), (other, july), (holder, october)):
        ModelHit.objects.create(
            assessment=assessment,
            model=make_model("t-agent"),
            subject_kind=SubjectKind.PERSON,
            subject_key=person.badge_number,
            person=person,
            unit=person.unit,
            count=9,
            contribution=30,
            sample_record_ids=[1, 2],
        )
    # the grave finding of B, and findings that are not listed
    grave = make_finding(actor=supervisor, unit=org.b1, severity=Severity.GRAVE, found_on=date(2026, 8, 20))
    make_finding(actor=supervisor, unit=org.b1, severity=Severity.SERIOUS, found_on=date(2026, 8, 21))
    make_finding(actor=supervisor, unit=org.a1, severity=Severity.GRAVE, found_on=date(2026, 10, 2))
    return {"alert": listed_alert, "post": high, "holder": holder, "grave": grave}


def test_quarters_are_validated_and_named():
    assert quarter_bounds("2026Q3") == (date(2026, 7, 1), date(2026, 10, 1))
    assert quarter_bounds("2026Q4") == (date(2026, 10, 1), date(2027, 1, 1))
    assert previous_quarter(date(2026, 1, 1)) == "2025Q4"
    assert previous_quarter(date(2026, 11, 23)) == "2026Q3"
    for bad in ("2026Q5", "2026-3", "Q3", ""):
        with pytest.raises(DomainError) as refused:
            quarter_bounds(bad)
        assert refused.value.field == "quarter"


def test_each_second_level_unit_gets_a_list_from_the_three_sources(today, org, supervisor, quarter_data):
    # when
    result = risk_lists_generate(quarter=Q3, issuer=supervisor)
    # then brigades A and B have an issued list; no other unit has entries
    assert result.failed == {}
    lists = {risk_list.unit: risk_list for risk_list in RiskList.objects.filter(quarter=Q3)}
    assert set(lists) == {org.a, org.b}
    list_a, list_b = lists[org.a], lists[org.b]
    assert [(e["kind"], e.get("alert"), e.get("post")) for e in list_a.entries] == [
        (EntryKind.ALERT, quarter_data["alert"].pk, None),
        (EntryKind.HIGH_RISK_POST, None, quarter_data["post"].pk),
    ]
    assert [(e["kind"], e["source_finding"]) for e in list_b.entries] == [
        (EntryKind.GRAVE_FINDING, quarter_data["grave"].pk)
    ]
    # each list is an issued notice of its unit, with one finding (source risk alert) per entry
    for risk_list in (list_a, list_b):
        notice = risk_list.notice
        assert notice.unit_id == risk_list.unit_id
        assert notice.status == RectificationNotice.Status.ISSUED
        assert notice.document_number
        assert notice.handovers.count() == 2
        assert "2026年第三季度廉政预警风险提醒清单" in notice.title
        findings = list(notice.findings.order_by("pk"))
        assert [f.pk for f in findings] == [e["finding"] for e in risk_list.entries]
        assert {f.source for f in findings} == {Finding.Source.RISK_ALERT}
        assert {f.unit_id for f in findings} == {risk_list.unit_id}
        for entry in risk_list.entries:
            assert f"{entry['number']}. {entry['title']}" in notice.requirements
    assert list_a.notice.findings.get(pk=list_a.entries[1]["finding"]).persons.get() == quarter_data["holder"]
    assert list_b.notice.findings.get().severity == Severity.GRAVE


def test_a_rerun_for_the_same_quarter_creates_nothing(today, org, supervisor, quarter_data):
    risk_lists_generate(quarter=Q3, issuer=supervisor)
    counts = (RiskList.objects.count(), RectificationNotice.objects.count(), Finding.objects.count())
    result = risk_lists_generate(quarter=Q3, issuer=supervisor)
    assert result.created == []
    assert sorted(result.existing) == sorted([org.a.name, org.b.name])
    assert (RiskList.objects.count(), RectificationNotice.objects.count(), Finding.objects.count()) == counts


def test_a_list_finding_is_not_listed_again_next_quarter(today, org, supervisor, quarter_data):
    risk_lists_generate(quarter=Q3, issuer=supervisor)  # its findings are found on 2026-11-23 (Q4)
    risk_lists_generate(quarter="2026Q4", issuer=supervisor)
    entries = {rl.unit: [e["kind"] for e in rl.entries] for rl in RiskList.objects.filter(quarter="2026Q4")}
    # Q4 has the alert confirmed in October (A) and the grave finding of October (A), nothing from the lists
    assert entries == {org.a: [EntryKind.ALERT, EntryKind.GRAVE_FINDING, EntryKind.HIGH_RISK_POST]}


def test_a_unit_that_cannot_be_issued_is_reported_and_the_others_go_on(today, org, supervisor, quarter_data):
    # given brigade B answers to no party organisation
    Unit.objects.filter(pk__in=[org.b.pk, org.b1.pk]).update(party_organization=None)
    # when
    result = risk_lists_generate(quarter=Q3, issuer=supervisor)
    # then A is issued, B is reported and leaves nothing behind
    assert [rl.unit for rl in result.created] == [org.a]
    assert set(result.failed) == {org.b.name}
    assert not Finding.objects.filter(unit=org.b).exists()
    assert not RectificationNotice.objects.filter(unit=org.b).exists()


def test_only_a_supervisor_issues_lists(today, brigade_leader, quarter_data):
    with pytest.raises(NotPermitted):
        risk_lists_generate(quarter=Q3, issuer=brigade_leader)
    assert not RiskList.objects.exists()


def test_a_quarter_without_entries_gives_no_lists(today, supervisor, org):
    assert risk_lists_generate(quarter="2025Q1", issuer=supervisor).created == []
    assert not RiskList.objects.exists()


def test_the_command_generates_and_reports(today, org, supervisor, quarter_data, capsys):
    call_command("generate_risk_lists", "--quarter", Q3, "--issuer", "supervisor")
    assert "2026Q3: 2 lists issued, 0 already existed, 0 failed" in capsys.readouterr().out
    call_command("generate_risk_lists", "--quarter", Q3)  # the default issuer: a supervisor with scope all
    assert "0 lists issued, 2 already existed" in capsys.readouterr().out


def test_the_command_refuses_a_bad_quarter_or_issuer(supervisor):
    with pytest.raises(CommandError, match="quarter"):
        call_command("generate_risk_lists", "--quarter", "2026Q7")
    with pytest.raises(CommandError, match="nobody"):
        call_command("generate_risk_lists", "--quarter", Q3, "--issuer", "nobody")


def test_the_setting_names_the_default_issuer(today, settings, org, supervisor, quarter_data):
    settings.RISK_LIST_ISSUER = "nobody"
    with pytest.raises(CommandError, match="RISK_LIST_ISSUER"):
        call_command("generate_risk_lists", "--quarter", Q3)
    settings.RISK_LIST_ISSUER = "supervisor"
    call_command("generate_risk_lists", "--quarter", Q3)
    assert RiskList.objects.count() == 2


def test_the_task_generates_the_previous_quarter_and_is_scheduled_quarterly(today, org, supervisor, quarter_data):
    from config.celery import app

    result = risk_lists_generate_task.delay().get()
    assert result["quarter"] == Q3
    assert len(result["created"]) == 2
    entry = settings.CELERY_BEAT_SCHEDULE["risk-lists-quarterly"]
    assert entry["task"] == "risk.list_tasks.risk_lists_generate_task"
    assert entry["task"] in app.tasks
    assert entry["schedule"].month_of_year == {1, 4, 7, 10}
    assert entry["schedule"].day_of_month == {1}


# --- close-out through the workflow ----------------------------------------------------------------------


def test_the_list_is_closed_out_when_every_entry_is(
    today, org, supervisor, quarter_data, party_secretary, business_lead, brigade_leader, api_as
):
    # given brigade A's list, acknowledged by both recipients
    risk_lists_generate(quarter=Q3, issuer=supervisor)
    risk_list = RiskList.objects.get(quarter=Q3, unit=org.a)
    notice = risk_list.notice
    handover_acknowledge(actor=party_secretary, handover=notice.handovers.get(side=Handover.Side.PARTY))
    handover_acknowledge(actor=business_lead, handover=notice.handovers.get(side=Handover.Side.BUSINESS))
    notice.refresh_from_db()
    url = f"/api/v1/risk-lists/{risk_list.pk}/"
    body = api_as(brigade_leader).get(url).json()
    assert body["notice_status"] == "acknowledged"
    assert [e["status"] for e in body["entries"]] == ["awaiting_item", "awaiting_item"]

    # when the brigade breaks it down, one item per entry, and rectifies each
    person = PersonFactory(unit=org.a)
    items = [
        item_create(
            actor=brigade_leader,
            notice=notice,
            finding=Finding.objects.get(pk=entry["finding"]),
            problem=entry["title"],
            measures="约谈提醒，调整岗位，加强审核",
            responsible_department=org.a,
            responsible_person=person,
            responsible_leader=person,
            deadline=notice.deadline - timedelta(days=1),
        )
        for entry in risk_list.entries
    ]
    body = api_as(brigade_leader).get(url).json()
    assert [e["status"] for e in body["entries"]] == ["rectifying", "rectifying"]
    assert body["is_closed_out"] is False
    for item in items:
        progress_add(actor=brigade_leader, item=item, text="已整改", files=[upload()])
        item_submit(actor=brigade_leader, item=item)
    item_verify(actor=supervisor, item=items[0], accept=True, comment="同意销号")
    body = api_as(brigade_leader).get(url).json()
    assert [e["status"] for e in body["entries"]] == ["closed", "rectifying"]
    assert (body["closed_entry_count"], body["is_closed_out"]) == (1, False)
    item_verify(actor=supervisor, item=RectificationItem.objects.get(pk=items[1].pk), accept=True, comment="同意销号")

    # then the notice is closed, and the list shows it closed out
    notice.refresh_from_db()
    assert notice.status == RectificationNotice.Status.CLOSED
    body = api_as(brigade_leader).get(url).json()
    assert body["notice_status"] == "closed"
    assert (body["entry_count"], body["closed_entry_count"], body["is_closed_out"]) == (2, 2, True)
