"""The circuit breaker (预警熔断): the breaker rules on crafted and clean records, the watermark (nothing
is scanned twice), one active break per scope, the allowlist, enforcement at login / on the API / on
a signed-in session, the restore workflow by a second person, notifications, the API and its scope."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import DataScope, Role
from accounts.services import api_token_issue
from accounts.tests.factories import RoleAssignmentFactory
from audit.models import AuditEvent
from conftest import PASSWORD, make_persona
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from core.models import Notification
from risk.breakers import (
    allowlist_add,
    breaker_restore_decide,
    breaker_restore_request,
    breakers_run,
)
from risk.enforcement import user_is_suspended
from risk.models import (
    AllowlistEntry,
    BreakerWatermark,
    BusinessRecord,
    CircuitBreak,
    RestoreRequest,
    RiskModel,
)
from risk.rules import REGISTRY
from risk.selectors import allowlist_visible_to, circuit_break_visible_to
from risk.services import risk_models_sync
from risk.tests import factories

pytestmark = pytest.mark.django_db

DEVICE_RULE = "breaker_device_many_accounts"
BATCH_RULE = "breaker_account_irregular_batch"
USER_RULE = "breaker_account_many_endpoints"
LOGIN_URL = "/accounts/login/"


def record(unit, *, minutes_ago: float = 1, **fields) -> BusinessRecord:
    """One business record of `unit` (risk.tests.factories), accepted `minutes_ago` before now, by
    the account `acct-plain` on the device `dev-plain` from 10.0.0.1 unless told otherwise."""
    values = {
        "operator": None,
        "area": "violation_processing",
        "business_type": "violation.process",
        "operator_account": "acct-plain",
        "device_id": "dev-plain",
        "client_ip": "10.0.0.1",
        "accepted_at": timezone.now() - timedelta(minutes=minutes_ago),
    }
    values.update(fields)
    return factories.record(unit=unit, **values)


@pytest.fixture(autouse=True)
def _centre(settings):
    """The supervision centre of the test organisation is 监察室 (JCS), where `supervisor` sits."""
    settings.SUPERVISION_CENTRE_UNIT_CODE = "JCS"


@pytest.fixture
def clerk(org):
    """A platform user whose username is also their business-system account."""
    return make_persona("clerk01", Role.UNIT_LEADER, org.a1, DataScope.OWN_UNIT)


@pytest.fixture
def second_supervisor(org):
    return make_persona("supervisor2", Role.SUPERVISOR, org.jcs, DataScope.ALL)


def shared_device(unit, *, device="dev-shared", accounts=4, spacing=2):
    """`device` used by `accounts` different accounts, one record each, `spacing` minutes apart."""
    return [
        record(unit, device_id=device, operator_account=f"acct-{n}", minutes_ago=1 + n * spacing)
        for n in range(accounts)
    ]


def device_break(unit, *, device="dev-x", status=CircuitBreak.Status.ACTIVE) -> CircuitBreak:
    risk_models_sync()
    return CircuitBreak.objects.create(
        scope_kind=CircuitBreak.ScopeKind.DEVICE,
        scope_key=device,
        unit=unit,
        model=RiskModel.objects.get(code=DEVICE_RULE),
        evidence={"count": 4, "sample_record_ids": []},
        status=status,
    )


def user_break(unit, username, *, status=CircuitBreak.Status.ACTIVE) -> CircuitBreak:
    risk_models_sync()
    return CircuitBreak.objects.create(
        scope_kind=CircuitBreak.ScopeKind.USER,
        scope_key=username,
        unit=unit,
        model=RiskModel.objects.get(code=USER_RULE),
        evidence={"count": 5, "sample_record_ids": []},
        status=status,
    )


def written(breaker):
    breaker.refresh_from_db()
    return (
        breaker.status,
        list(RestoreRequest.objects.order_by("pk").values_list("decision", "comment")),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


# --- the rules ------------------------------------------------------------------------------------------


def test_every_breaker_rule_is_registered_as_a_breaker_model():
    risk_models_sync()
    codes = set(RiskModel.objects.filter(kind=RiskModel.Kind.BREAKER).values_list("code", flat=True))
    assert {DEVICE_RULE, BATCH_RULE, USER_RULE} <= codes
    assert all(REGISTRY[code].kind == RiskModel.Kind.BREAKER for code in codes)


@pytest.mark.parametrize("code", [DEVICE_RULE, BATCH_RULE, USER_RULE])
def test_each_rule_is_one_query(org, code, django_assert_num_queries):
    shared_device(org.a1)
    rule = REGISTRY[code]
    now = timezone.now()
    with django_assert_num_queries(1):
        rule.run(BusinessRecord.objects.all(), now - timedelta(days=1), now, rule.validated_parameters({}))


def test_suspicious_device_trips_on_one_device_used_by_many_accounts(org):
    # given one device used by four accounts within eight minutes (the model allows three in 30)
    records = shared_device(org.a1, accounts=4, spacing=2)
    record(org.a1, device_id="dev-other", operator_account="acct-1")
    # when the breakers run
    result = breakers_run()
    # then the device, and only it, is suspended, with the counts and sample records as evidence
    assert [(b.scope_kind, b.scope_key) for b in result.created] == [(CircuitBreak.ScopeKind.DEVICE, "dev-shared")]
    breaker = result.created[0]
    assert breaker.status == CircuitBreak.Status.ACTIVE
    assert breaker.unit == org.a1
    assert breaker.model.code == DEVICE_RULE
    assert breaker.evidence["counts"] == {"accounts": 4}
    assert breaker.evidence["parameters"] == {"max_accounts": 3, "window_minutes": 30}
    assert set(breaker.evidence["sample_record_ids"]) <= {r.pk for r in records}
    assert breaker.evidence["sample_record_ids"]


@pytest.mark.parametrize(
    "clean",
    [
        {"accounts": 3, "spacing": 2},  # at the threshold, not above it
        {"accounts": 4, "spacing": 20},  # four accounts, but never more than two within 30 minutes
    ],
)
def test_suspicious_device_stays_silent_on_clean_records(org, clean):
    shared_device(org.a1, **clean)
    record(org.a1, device_id="", operator_account="acct-9")  # no device: not counted
    assert breakers_run().created == []


def irregular(unit, account, count, *, spacing=1, **fields):
    kinds = [{"flag_deleted": True}, {"flag_cancelled": True}, {"flag_downgraded": True}]
    return [
        record(unit, operator_account=account, minutes_ago=1 + n * spacing, **kinds[n % 3], **fields)
        for n in range(count)
    ]


def test_batch_of_irregular_business_trips_on_one_account(org):
    # given eleven deletions, cancellations and downgrades by one account within eleven minutes
    records = irregular(org.a1, "acct-batch", 11)
    # when the breakers run
    [breaker] = breakers_run().created
    # then the business account is suspended (no platform user has that name)
    assert (breaker.scope_kind, breaker.scope_key) == (CircuitBreak.ScopeKind.ACCOUNT, "acct-batch")
    assert breaker.model.code == BATCH_RULE
    assert breaker.evidence["counts"] == {"records": 11}
    assert set(breaker.evidence["sample_record_ids"]) <= {r.pk for r in records}


def test_a_burst_straddling_two_runs_trips_when_its_last_record_arrives(org):
    # given six irregular records scanned by one run (below the threshold of ten)
    for n in range(6):
        record(org.a1, operator_account="acct-straddle", minutes_ago=12 - n, flag_deleted=True)
    assert breakers_run().created == []
    # when five more arrive within the same ten minutes and the next run scans only them
    for n in range(5):
        record(org.a1, operator_account="acct-straddle", minutes_ago=5 - n, flag_cancelled=True)
    result = breakers_run()
    # then the window reaches back into records of the first run, and the account trips once
    assert result.scanned == 5
    [breaker] = result.created
    assert breaker.scope_key == "acct-straddle"
    assert breaker.evidence["counts"] == {"records": 11}


def test_status_deleted_counts_as_irregular_too(org):
    for n in range(11):
        record(org.a1, operator_account="acct-status", minutes_ago=1 + n, status=BusinessRecord.Status.DELETED)
    assert [b.scope_key for b in breakers_run().created] == ["acct-status"]


def test_batch_of_irregular_business_stays_silent_on_clean_records(org):
    # ten irregular records (the threshold), any number of regular ones, and eleven spread over a day
    irregular(org.a1, "acct-ten", 10)
    for n in range(20):
        record(org.a1, operator_account="acct-ten", minutes_ago=1 + n)
    irregular(org.a1, "acct-slow", 11, spacing=90)
    assert breakers_run().created == []


def test_abnormal_user_trips_on_many_ips_and_suspends_the_platform_user(org, clerk):
    # given the account of platform user clerk01 used from four addresses within eight minutes
    for n in range(4):
        record(org.a1, operator_account="clerk01", client_ip=f"10.0.1.{n}", minutes_ago=1 + 2 * n)
    # when the breakers run
    [breaker] = breakers_run().created
    # then the platform user is suspended (not just the business account)
    assert (breaker.scope_kind, breaker.scope_key) == (CircuitBreak.ScopeKind.USER, "clerk01")
    assert breaker.model.code == USER_RULE
    assert breaker.evidence["counts"] == {"ips": 4, "devices": 1}
    assert user_is_suspended(clerk)


def test_abnormal_user_trips_on_many_devices(org):
    for n in range(4):
        record(org.a1, operator_account="acct-roam", device_id=f"dev-r{n}", minutes_ago=1 + 2 * n)
    [breaker] = breakers_run().created
    assert (breaker.scope_kind, breaker.scope_key) == (CircuitBreak.ScopeKind.ACCOUNT, "acct-roam")
    assert breaker.evidence["counts"] == {"ips": 1, "devices": 4}


def test_abnormal_user_stays_silent_on_clean_records(org):
    for n in range(3):  # three addresses and three devices: at the thresholds
        record(org.a1, operator_account="acct-ok", client_ip=f"10.0.2.{n}", device_id=f"dev-o{n}", minutes_ago=1 + n)
    for n in range(5):  # five addresses, but two hours apart
        record(org.a1, operator_account="acct-far", client_ip=f"10.0.3.{n}", minutes_ago=1 + 120 * n)
    record(org.a1, operator_account="acct-null", client_ip=None)
    assert breakers_run().created == []


def test_an_inactive_model_does_not_trip(org):
    risk_models_sync()
    RiskModel.objects.filter(code=DEVICE_RULE).update(is_active=False)
    shared_device(org.a1)
    assert breakers_run().created == []


def test_model_parameters_are_read_from_the_model_row(org):
    risk_models_sync()
    RiskModel.objects.filter(code=DEVICE_RULE).update(parameters={"max_accounts": 5, "window_minutes": 30})
    shared_device(org.a1, accounts=5)
    assert breakers_run().created == []


def test_a_model_with_bad_parameters_is_reported_and_the_others_still_run(org):
    risk_models_sync()
    RiskModel.objects.filter(code=BATCH_RULE).update(parameters={"max_records": "many"})
    shared_device(org.a1)
    result = breakers_run()
    assert [b.model.code for b in result.created] == [DEVICE_RULE]
    assert BATCH_RULE in result.failed_models


def test_old_records_are_scanned_but_never_trip(org):
    # a back-filled import of last week: history for the monthly assessment, not a reason to suspend now
    for n in range(4):
        record(org.a1, device_id="dev-old", operator_account=f"acct-{n}", minutes_ago=7 * 24 * 60 + n)
    result = breakers_run()
    assert result.created == []
    assert result.scanned == 4
    assert BreakerWatermark.objects.get().last_record_id == BusinessRecord.objects.latest("pk").pk


# --- the watermark --------------------------------------------------------------------------------------


@pytest.fixture
def seen_ids(monkeypatch):
    """The ids of the records each breaker rule is handed, run after run."""
    seen: list[int] = []
    for code in (DEVICE_RULE, BATCH_RULE, USER_RULE):
        rule = REGISTRY[code]
        original = rule.run

        def spy(records, start, end, params, original=original, code=code):
            if code == DEVICE_RULE:
                seen.extend(records.values_list("pk", flat=True))
            return original(records, start, end, params)

        monkeypatch.setattr(rule, "run", spy)
    return seen


def test_the_watermark_means_nothing_is_scanned_twice(org, seen_ids):
    # given a first run over four records that trips the device rule
    first = shared_device(org.a1)
    result = breakers_run()
    assert len(result.created) == 1 and result.scanned == 4
    mark = BreakerWatermark.objects.get()
    assert mark.last_record_id == max(r.pk for r in first) == result.last_id
    # when the breakers run again with nothing new
    again = breakers_run()
    # then nothing is scanned, nothing is created, the mark stays
    assert (again.scanned, again.batches, again.created) == (0, 0, [])
    assert BreakerWatermark.objects.get().last_record_id == mark.last_record_id
    # when new records arrive, only they are scanned
    new = [record(org.a1, device_id="dev-new", operator_account=f"acct-{n}") for n in range(2)]
    third = breakers_run()
    assert third.scanned == 2
    assert BreakerWatermark.objects.get().last_record_id == max(r.pk for r in new)
    # and no record was ever handed to a rule twice
    assert sorted(seen_ids) == sorted(r.pk for r in first + new)
    assert CircuitBreak.objects.count() == 1


def test_records_are_scanned_in_bounded_batches(org, seen_ids):
    records = [record(org.a1, device_id=f"dev-{n}", operator_account=f"acct-{n}") for n in range(5)]
    result = breakers_run(batch_size=2)
    assert (result.batches, result.scanned) == (3, 5)
    assert sorted(seen_ids) == sorted(r.pk for r in records)
    assert BreakerWatermark.objects.get().last_record_id == records[-1].pk


def test_a_failed_batch_leaves_the_watermark_where_it_was(org, monkeypatch):
    shared_device(org.a1)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(REGISTRY[BATCH_RULE], "run", broken)
    with pytest.raises(RuntimeError):
        breakers_run()
    # nothing committed: no break, and the records will be scanned again by the next run
    assert CircuitBreak.objects.count() == 0
    assert BreakerWatermark.objects.values_list("last_record_id", flat=True).first() in (None, 0)
    monkeypatch.undo()
    assert len(breakers_run().created) == 1


def test_run_breakers_command_and_the_beat_entry(org, settings):
    from config.celery import app
    from risk.breaker_tasks import breakers_run_task

    shared_device(org.a1)
    call_command("run_breakers")
    assert CircuitBreak.objects.count() == 1
    assert breakers_run_task.delay().get()["scanned"] == 0
    entry = settings.CELERY_BEAT_SCHEDULE["breakers-every-5-minutes"]
    assert entry["task"] == "risk.breaker_tasks.breakers_run_task"
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert entry["schedule"].minute == set(range(0, 60, 5))


# --- one active break per scope, the allowlist ----------------------------------------------------------


@pytest.mark.parametrize("status", [CircuitBreak.Status.ACTIVE, CircuitBreak.Status.RESTORE_REQUESTED])
def test_never_a_second_active_break_for_the_same_scope(org, status):
    existing = device_break(org.a1, device="dev-shared", status=status)
    shared_device(org.a1)
    result = breakers_run()
    assert result.created == []
    assert result.already_active == [(CircuitBreak.ScopeKind.DEVICE, "dev-shared")]
    assert list(CircuitBreak.objects.values_list("pk", flat=True)) == [existing.pk]
    # and the database itself refuses a second one
    with pytest.raises(IntegrityError), transaction.atomic():
        device_break(org.a1, device="dev-shared")


def test_a_restored_scope_can_trip_again(org):
    device_break(org.a1, device="dev-shared", status=CircuitBreak.Status.RESTORED)
    shared_device(org.a1)
    assert len(breakers_run().created) == 1
    assert CircuitBreak.objects.filter(scope_key="dev-shared").count() == 2


def test_two_models_tripping_one_scope_make_one_break(org, clerk):
    # clerk01 uses four addresses AND deletes eleven records within the hour
    for n in range(11):
        record(
            org.a1,
            operator_account="clerk01",
            client_ip=f"10.0.4.{n % 4}",
            flag_deleted=True,
            minutes_ago=1 + n,
        )
    [breaker] = breakers_run().created
    assert breaker.scope_key == "clerk01"
    assert [also["model"] for also in breaker.evidence["also_tripped"]] == [USER_RULE]
    assert breaker.model.code == BATCH_RULE


def test_losing_the_race_to_the_constraint_is_skipped(org, monkeypatch):
    # the pre-check saw no active break, but another run created one before the insert
    from risk import breakers

    shared_device(org.a1)
    original = breakers.allowlisted_scopes

    def sneak_in(scopes, *, now):
        device_break(org.a1, device="dev-shared")
        return original(scopes, now=now)

    monkeypatch.setattr(breakers, "allowlisted_scopes", sneak_in)
    result = breakers_run()
    assert result.created == []
    assert result.already_active == [(CircuitBreak.ScopeKind.DEVICE, "dev-shared")]
    assert CircuitBreak.objects.count() == 1


def test_allowlist_suppresses_trips_until_it_expires(org, supervisor):
    allowlist_add(
        actor=supervisor,
        scope_kind=CircuitBreak.ScopeKind.DEVICE,
        scope_key="dev-shared",
        until=timezone.now() + timedelta(days=7),
        reason="车管所大厅公用自助终端",
    )
    shared_device(org.a1)
    result = breakers_run()
    assert result.created == []
    assert result.allowlisted == [(CircuitBreak.ScopeKind.DEVICE, "dev-shared")]
    # an expired entry no longer suppresses
    AllowlistEntry.objects.update(until=timezone.now() - timedelta(minutes=1))
    shared_device(org.a1)
    assert len(breakers_run().created) == 1


def test_allowlisting_an_account_covers_the_platform_user_of_that_name(org, supervisor, clerk):
    allowlist_add(
        actor=supervisor,
        scope_kind=CircuitBreak.ScopeKind.ACCOUNT,
        scope_key="clerk01",
        until=timezone.now() + timedelta(days=1),
        reason="跨窗口顶岗",
    )
    for n in range(4):
        record(org.a1, operator_account="clerk01", client_ip=f"10.0.5.{n}")
    assert breakers_run().created == []


def test_allowlist_add_rules(org, supervisor, admin_user, squad_leader):
    until = timezone.now() + timedelta(days=1)
    entry = allowlist_add(actor=admin_user, scope_kind="device", scope_key=" dev-1 ", until=until, reason="公用终端")
    assert entry.scope_key == "dev-1"
    assert AuditEvent.objects.filter(action="allowlist.add", object_id=str(entry.pk)).exists()
    before = (AllowlistEntry.objects.count(), AuditEvent.objects.count())
    with pytest.raises(NotPermitted):
        allowlist_add(actor=squad_leader, scope_kind="device", scope_key="dev-2", until=until, reason="x")
    with pytest.raises(DomainError) as error:
        allowlist_add(actor=supervisor, scope_kind="device", scope_key="dev-2", until=timezone.now(), reason="x")
    assert error.value.field == "until"
    with pytest.raises(DomainError) as error:
        allowlist_add(actor=supervisor, scope_kind="device", scope_key="dev-2", until=until, reason="  ")
    assert error.value.field == "reason"
    with pytest.raises(DomainError) as error:
        allowlist_add(actor=supervisor, scope_kind="unit", scope_key="dev-2", until=until, reason="x")
    assert error.value.field == "scope_kind"
    assert (AllowlistEntry.objects.count(), AuditEvent.objects.count()) == before


# --- notifications and audit ----------------------------------------------------------------------------


def test_a_trip_notifies_the_unit_leaders_and_the_supervision_centre_and_is_audited(
    org, supervisor, squad_leader, brigade_leader, outsider, discipline_inspector
):
    shared_device(org.a1)
    [breaker] = breakers_run().created
    notified = set(
        Notification.objects.filter(key=f"circuit-break:{breaker.pk}:trip").values_list(
            "recipient__username", flat=True
        )
    )
    assert notified == {"squad_leader", "brigade_leader", "supervisor"}
    event = AuditEvent.objects.get(action="circuit_break.trip", object_id=str(breaker.pk))
    assert event.unit_id == org.a1.pk
    assert event.changes["evidence"]["counts"] == {"accounts": 4}


def test_without_supervisors_at_the_centre_the_supervisors_of_the_unit_are_notified(org, settings, squad_leader):
    settings.SUPERVISION_CENTRE_UNIT_CODE = "NOWHERE"
    make_persona("a_supervisor", Role.SUPERVISOR, org.a, DataScope.UNIT_AND_BELOW)
    make_persona("b_supervisor", Role.SUPERVISOR, org.b, DataScope.UNIT_AND_BELOW)
    shared_device(org.a1)
    breakers_run()
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"squad_leader", "a_supervisor"}


# --- enforcement ----------------------------------------------------------------------------------------


def test_a_suspended_platform_user_cannot_sign_in(client, org, clerk):
    user_break(org.a1, "clerk01")
    response = client.post(LOGIN_URL, {"username": "clerk01", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 200  # the form again, with its error
    assert [error.code for error in response.context["form"].non_field_errors().as_data()] == ["circuit_break"]
    assert "_auth_user_id" not in client.session
    # a wrong password reveals nothing about the break
    response = client.post(LOGIN_URL, {"username": "clerk01", "password": "wrong-one"}, REMOTE_ADDR="10.1.1.1")
    assert [error.code for error in response.context["form"].non_field_errors().as_data()] == ["invalid_login"]


def test_a_restore_requested_break_still_suspends(client, org, clerk):
    user_break(org.a1, "clerk01", status=CircuitBreak.Status.RESTORE_REQUESTED)
    response = client.post(LOGIN_URL, {"username": "clerk01", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_restored_user_signs_in_again(client, org, clerk):
    user_break(org.a1, "clerk01", status=CircuitBreak.Status.RESTORED)
    device_break(org.a1, device="clerk01")  # a device of the same name is not the user
    response = client.post(LOGIN_URL, {"username": "clerk01", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(clerk.pk)


def test_a_suspended_user_cannot_get_a_token(api, org, clerk):
    user_break(org.a1, "clerk01")
    response = api.post("/api/v1/auth/token/", {"username": "clerk01", "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_the_api_token_of_a_suspended_user_is_refused(api, org, clerk):
    _token, key = api_token_issue(user=clerk)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 200
    breaker = user_break(org.a1, "clerk01")
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    # and accepted again once restored
    CircuitBreak.objects.filter(pk=breaker.pk).update(status=CircuitBreak.Status.RESTORED)
    assert api.get("/api/v1/me/").status_code == 200


def test_a_signed_in_user_is_signed_out_on_the_next_request(client, org, clerk):
    client.force_login(clerk)
    assert client.get("/").status_code == 200
    user_break(org.a1, "clerk01")
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="circuit_break.sign_out", actor_name="clerk01").exists()
    # and the session API is refused as well
    client.force_login(clerk)
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_the_suspension_check_is_one_query_per_request(org, clerk, client):
    client.force_login(clerk)
    client.get("/")
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    breaker_queries = [q for q in queries.captured_queries if "risk_circuitbreak" in q["sql"]]
    assert len(breaker_queries) == 1


# --- restore --------------------------------------------------------------------------------------------


@pytest.fixture
def breaker(org):
    return device_break(org.a1, device="dev-shared")


def test_restore_by_a_second_person(breaker, squad_leader, supervisor, brigade_leader):
    # when a unit leader of the unit requests the restore
    request = breaker_restore_request(actor=squad_leader, breaker=breaker, reason="设备已更换，人员已教育")
    breaker.refresh_from_db()
    assert breaker.status == CircuitBreak.Status.RESTORE_REQUESTED
    assert request.requested_by == squad_leader and request.decision == RestoreRequest.Decision.PENDING
    assert Notification.objects.filter(recipient=supervisor, key=f"restore-request:{request.pk}:requested").exists()
    # and a supervisor approves
    breaker_restore_decide(actor=supervisor, request=request, approve=True, comment="同意恢复")
    breaker.refresh_from_db()
    request.refresh_from_db()
    assert breaker.status == CircuitBreak.Status.RESTORED and breaker.restored_at is not None
    assert (request.decision, request.decided_by, request.comment) == ("approved", supervisor, "同意恢复")
    assert list(
        AuditEvent.objects.filter(object_id=str(breaker.pk), object_type="risk.circuitbreak")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["circuit_break.restore_request", "circuit_break.restore"]
    notified = set(
        Notification.objects.filter(key=f"restore-request:{request.pk}:approved").values_list(
            "recipient__username", flat=True
        )
    )
    assert notified == {"squad_leader", "brigade_leader"}


def test_the_requester_cannot_decide(org, breaker, supervisor):
    # a person who is both unit leader and supervisor requests: another supervisor must decide
    both = make_persona("leader_and_supervisor", Role.UNIT_LEADER, org.a, DataScope.UNIT_AND_BELOW)
    RoleAssignmentFactory(user=both, role=Role.SUPERVISOR, unit=org.jcs, scope=DataScope.ALL)
    request = breaker_restore_request(actor=both, breaker=breaker, reason="误报")
    before = written(breaker)
    with pytest.raises(NotPermitted):
        breaker_restore_decide(actor=both, request=request, approve=True, comment="")
    assert written(breaker) == before
    breaker_restore_decide(actor=supervisor, request=request, approve=True)
    breaker.refresh_from_db()
    assert breaker.status == CircuitBreak.Status.RESTORED


def test_only_a_unit_leader_of_the_unit_requests(breaker, outsider, supervisor, discipline_inspector):
    before = written(breaker)
    for actor in (outsider, supervisor, discipline_inspector):
        with pytest.raises(NotPermitted):
            breaker_restore_request(actor=actor, breaker=breaker, reason="请求恢复")
    with pytest.raises(DomainError) as error:
        breaker_restore_request(
            actor=make_persona("a1_leader", Role.UNIT_LEADER, breaker.unit, "own_unit"), breaker=breaker, reason="  "
        )
    assert error.value.field == "reason"
    assert written(breaker) == before


def test_only_a_supervisor_decides(breaker, squad_leader, brigade_leader, discipline_inspector):
    request = breaker_restore_request(actor=squad_leader, breaker=breaker, reason="误报")
    before = written(breaker)
    for actor in (brigade_leader, discipline_inspector):
        with pytest.raises(NotPermitted):
            breaker_restore_decide(actor=actor, request=request, approve=True)
    assert written(breaker) == before


def test_refusal_needs_a_comment_and_keeps_the_break_active(breaker, squad_leader, supervisor):
    request = breaker_restore_request(actor=squad_leader, breaker=breaker, reason="误报")
    before = written(breaker)
    with pytest.raises(DomainError) as error:
        breaker_restore_decide(actor=supervisor, request=request, approve=False, comment=" ")
    assert error.value.field == "comment"
    assert written(breaker) == before
    breaker_restore_decide(actor=supervisor, request=request, approve=False, comment="证据确凿，不予恢复")
    breaker.refresh_from_db()
    assert breaker.status == CircuitBreak.Status.ACTIVE and breaker.restored_at is None
    assert AuditEvent.objects.filter(action="circuit_break.restore_refused", note="证据确凿，不予恢复").exists()
    assert Notification.objects.filter(recipient=squad_leader, key=f"restore-request:{request.pk}:refused").exists()
    # a new request may follow
    breaker_restore_request(actor=squad_leader, breaker=breaker, reason="已补充说明材料")
    breaker.refresh_from_db()
    assert breaker.status == CircuitBreak.Status.RESTORE_REQUESTED


def test_repeated_steps_are_409(breaker, squad_leader, supervisor, second_supervisor):
    request = breaker_restore_request(actor=squad_leader, breaker=breaker, reason="误报")
    with pytest.raises(TransitionNotAllowed) as error:
        breaker_restore_request(actor=squad_leader, breaker=breaker, reason="再次申请")
    assert error.value.current_status == CircuitBreak.Status.RESTORE_REQUESTED
    breaker_restore_decide(actor=supervisor, request=request, approve=True)
    before = written(breaker)
    with pytest.raises(TransitionNotAllowed) as error:
        breaker_restore_decide(actor=second_supervisor, request=request, approve=False, comment="不同意")
    assert error.value.current_status == RestoreRequest.Decision.APPROVED
    with pytest.raises(TransitionNotAllowed):
        breaker_restore_request(actor=squad_leader, breaker=breaker, reason="再次申请")
    assert written(breaker) == before


# --- the API --------------------------------------------------------------------------------------------


@pytest.fixture
def breaks(org):
    risk_models_sync()
    return {
        "a1": device_break(org.a1, device="dev-a1"),
        "requested": device_break(org.a1, device="dev-a1-req", status=CircuitBreak.Status.RESTORE_REQUESTED),
        "restored": device_break(org.a2, device="dev-a2", status=CircuitBreak.Status.RESTORED),
        "b1": device_break(org.b1, device="dev-b1"),
    }


def listed(response):
    assert response.status_code == 200, response.content
    return {row["scope_key"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("supervisor", {"dev-a1", "dev-a1-req", "dev-a2", "dev-b1"}),
        ("api_client_user", {"dev-a1", "dev-a1-req", "dev-a2", "dev-b1"}),
        ("brigade_leader", {"dev-a1", "dev-a1-req", "dev-a2"}),
        ("squad_leader", {"dev-a1", "dev-a1-req"}),
        ("outsider", {"dev-b1"}),
    ],
)
def test_the_list_is_scoped(request, api_as, breaks, persona, visible):
    client = api_as(request.getfixturevalue(persona))
    assert listed(client.get("/api/v1/circuit-breaks/")) == visible
    for key, breaker in breaks.items():
        expected = 200 if breaker.scope_key in visible else 404
        assert client.get(f"/api/v1/circuit-breaks/{breaker.pk}/").status_code == expected, key


def test_the_outsider_selector_sees_nothing_of_brigade_a(breaks, outsider):
    assert set(circuit_break_visible_to(outsider).values_list("scope_key", flat=True)) == {"dev-b1"}
    assert not allowlist_visible_to(outsider).exists()


def test_status_active_lists_every_break_in_force(api_as, api_client_user, breaks):
    client = api_as(api_client_user)
    assert listed(client.get("/api/v1/circuit-breaks/?status=active")) == {"dev-a1", "dev-a1-req", "dev-b1"}
    assert listed(client.get("/api/v1/circuit-breaks/?status=restore_requested")) == {"dev-a1-req"}
    assert listed(client.get("/api/v1/circuit-breaks/?status=restored")) == {"dev-a2"}
    assert listed(client.get("/api/v1/circuit-breaks/?status=active&scope_kind=device&scope_key=dev-b1")) == {"dev-b1"}
    assert listed(client.get(f"/api/v1/circuit-breaks/?model_code={DEVICE_RULE}")) == {
        "dev-a1",
        "dev-a1-req",
        "dev-a2",
        "dev-b1",
    }
    assert client.get("/api/v1/circuit-breaks/?status=nonsense").status_code == 400


def test_the_business_systems_poll_with_an_api_token(api, api_client_user, breaks):
    _token, key = api_token_issue(user=api_client_user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/circuit-breaks/?status=active")
    assert listed(response) == {"dev-a1", "dev-a1-req", "dev-b1"}
    row = next(r for r in response.json()["results"] if r["scope_key"] == "dev-a1")
    assert row["in_force"] is True
    assert row["scope_kind"] == "device"
    assert row["model_code"] == DEVICE_RULE


def test_restore_through_the_api(api_as, breaks, squad_leader, supervisor):
    breaker = breaks["a1"]
    response = api_as(squad_leader).post(
        f"/api/v1/circuit-breaks/{breaker.pk}/restore-request/", {"reason": "设备已回收"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "restore_requested"
    assert response.json()["restore_requests"][0]["requested_by_name"] == "squad_leader-本人"
    # the requester is not a supervisor: 403, nothing decided
    response = api_as(squad_leader).post(
        f"/api/v1/circuit-breaks/{breaker.pk}/restore-decision/", {"approve": True}, format="json"
    )
    assert response.status_code == 403
    client = api_as(supervisor)
    response = client.post(
        f"/api/v1/circuit-breaks/{breaker.pk}/restore-decision/", {"approve": True, "comment": "同意"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "restored" and body["in_force"] is False
    assert body["restore_requests"][0]["decision"] == "approved"
    # a repeated decision is 409 naming the current state
    response = client.post(
        f"/api/v1/circuit-breaks/{breaker.pk}/restore-decision/", {"approve": False, "comment": "x"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["current_status"] == "approved"


def test_restore_api_errors(api_as, breaks, squad_leader, supervisor, outsider):
    breaker = breaks["a1"]
    before = written(breaker)
    # a unit leader of another unit does not even see it
    response = api_as(outsider).post(
        f"/api/v1/circuit-breaks/{breaker.pk}/restore-request/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 404
    # a reason is required
    response = api_as(squad_leader).post(f"/api/v1/circuit-breaks/{breaker.pk}/restore-request/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    # nothing requested yet: 409
    response = api_as(supervisor).post(
        f"/api/v1/circuit-breaks/{breaker.pk}/restore-decision/", {"approve": True}, format="json"
    )
    assert response.status_code == 409 and response.json()["current_status"] == "active"
    # a refusal without a comment
    api_as(squad_leader).post(f"/api/v1/circuit-breaks/{breaker.pk}/restore-request/", {"reason": "误报"})
    response = api_as(supervisor).post(
        f"/api/v1/circuit-breaks/{breaker.pk}/restore-decision/", {"approve": False}, format="json"
    )
    assert response.status_code == 400 and "comment" in response.json()
    breaker.refresh_from_db()
    assert breaker.status == CircuitBreak.Status.RESTORE_REQUESTED
    assert before[0] == CircuitBreak.Status.ACTIVE


def test_allowlist_api(api_as, supervisor, squad_leader, discipline_inspector):
    until = (timezone.now() + timedelta(days=3)).isoformat()
    body = {"scope_kind": "device", "scope_key": "dev-kiosk", "until": until, "reason": "大厅自助终端"}
    response = api_as(squad_leader).post("/api/v1/allowlist/", body, format="json")
    assert response.status_code == 403
    assert not AllowlistEntry.objects.exists()
    response = api_as(supervisor).post("/api/v1/allowlist/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["is_current"] is True
    assert response.json()["created_by_name"] == "supervisor-本人"
    response = api_as(supervisor).post("/api/v1/allowlist/", {**body, "until": "2020-01-01T00:00:00+08:00"})
    assert response.status_code == 400 and "until" in response.json()
    response = api_as(supervisor).post("/api/v1/allowlist/", {**body, "scope_kind": "unit"})
    assert response.status_code == 400 and "scope_kind" in response.json()
    assert [row["scope_key"] for row in api_as(discipline_inspector).get("/api/v1/allowlist/").json()["results"]] == [
        "dev-kiosk"
    ]
    assert api_as(supervisor).get("/api/v1/allowlist/?current=true").json()["results"]
    assert not api_as(supervisor).get("/api/v1/allowlist/?current=false").json()["results"]
    assert api_as(squad_leader).get("/api/v1/allowlist/").json()["results"] == []


# --- concurrency ----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_runs_scan_each_record_once_and_trip_once(org, seen_ids):
    from rectification.tests.test_concurrency import run_concurrently

    # three batches of four records (a burst split by a batch boundary is not seen whole: see breakers.py)
    records = shared_device(org.a1) + [
        record(org.a1, device_id=f"dev-{n}", operator_account=f"acct-x{n}") for n in range(8)
    ]
    results = run_concurrently(4, lambda _index: breakers_run(batch_size=4))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.scanned for r in results) == len(records)
    assert sorted(seen_ids) == sorted(r.pk for r in records)
    assert CircuitBreak.objects.count() == 1
    assert BreakerWatermark.objects.get().last_record_id == max(r.pk for r in records)


def test_the_evidence_links_to_the_records_of_the_peak_window(api_as, org, supervisor):
    records = shared_device(org.a1)
    record(org.a1, device_id="dev-shared", operator_account="acct-late", minutes_ago=300)  # outside the window
    [breaker] = breakers_run().created
    client = api_as(supervisor)
    evidence = client.get(f"/api/v1/circuit-breaks/{breaker.pk}/").json()["evidence"]
    assert evidence["counts"] == {"accounts": 4}
    assert evidence["window_start"] and evidence["window_end"]
    response = client.get(evidence["records_url"])
    assert response.status_code == 200, response.content
    assert {row["id"] for row in response.json()["results"]} == {r.pk for r in records}


def query_count(client, url) -> int:
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_lists_cost_the_same_for_one_row_and_many(api_as, org, supervisor, squad_leader):
    # given one break with a restore request, and one allowlist entry
    first = device_break(org.a1, device="dev-0")
    breaker_restore_request(actor=squad_leader, breaker=first, reason="误报")
    until = timezone.now() + timedelta(days=1)
    allowlist_add(actor=supervisor, scope_kind="device", scope_key="dev-0", until=until, reason="公用终端")
    client = api_as(supervisor)
    breaks_one = query_count(client, "/api/v1/circuit-breaks/")
    allowlist_one = query_count(client, "/api/v1/allowlist/")
    # when there are many of each
    for n in range(1, 12):
        breaker = device_break(org.a1 if n % 2 else org.b1, device=f"dev-{n}")
        breaker_restore_request(
            actor=squad_leader if n % 2 else make_persona(f"b1_leader{n}", Role.UNIT_LEADER, org.b1, "own_unit"),
            breaker=breaker,
            reason="误报",
        )
        allowlist_add(actor=supervisor, scope_kind="device", scope_key=f"dev-{n}", until=until, reason="公用终端")
    # then the lists cost the same
    assert query_count(client, "/api/v1/circuit-breaks/") == breaks_one
    assert query_count(client, "/api/v1/allowlist/") == allowlist_one
