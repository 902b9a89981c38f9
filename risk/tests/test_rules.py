"""Every monthly supervision model fires on a small crafted data set and stays silent on a clean one.

Each model has a FIRES case (returns the subject key and count expected) and a CLEAN case, usually
the same shape just at the threshold. A new monthly model without both cases fails
`test_every_monthly_model_has_crafted_cases`, so none slips in untested. Each model runs as one query.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import BusinessArea, Person
from accounts.tests.factories import PersonFactory, PostFactory
from core.models import CalendarDay
from risk.models import BusinessRecord, RiskModel, SubjectKind
from risk.rules import REGISTRY, Param, Rule, records_between
from risk.services import month_bounds
from risk.tests.factories import MONTH, local, record

pytestmark = pytest.mark.django_db

MONTHLY = sorted(code for code, rule in REGISTRY.items() if rule.kind == RiskModel.Kind.MONTHLY)
AREAS = set(BusinessArea.Code.values)

# October 2026: the 12th is a Monday, the 17th and 18th a weekend.
MON, TUE, WED, SAT = 12, 13, 14, 17


@dataclass
class Expect:
    key: str
    count: int


class Ctx:
    """What a case builds with: the organisation and a few shortcuts."""

    def __init__(self, org):
        self.org = org
        self.unit = org.a1

    def person(self, *, post=None, unit=None):
        return PersonFactory(unit=unit or self.unit, post=post)

    def records(self, count: int, **kwargs) -> list[BusinessRecord]:
        kwargs.setdefault("unit", self.unit)
        return [record(**kwargs) for _ in range(count)]

    def series(self, operator, *, total: int, flagged: int, flag: dict, **kwargs) -> None:
        """`total` records of `operator`, the first `flagged` of them with the `flag` fields."""
        for number in range(total):
            extra = flag if number < flagged else {}
            record(unit=operator.unit, operator=operator, **{**kwargs, **extra})


FIRES: dict[str, Callable[[Ctx], Expect]] = {}
CLEAN: dict[str, Callable[[Ctx], None]] = {}


def fires(code: str):
    def register(builder):
        FIRES[code] = builder
        return builder

    return register


def clean(code: str):
    def register(builder):
        CLEAN[code] = builder
        return builder

    return register


# --- vehicle administration ----------------------------------------------------------------------------


@fires("agent_many_applicants")
def _(ctx):
    clerk = ctx.person()
    ctx.records(11, operator=clerk, agent_id="AGENT-1")  # 11 different applicants
    return Expect("AGENT-1", 11)


@clean("agent_many_applicants")
def _(ctx):
    clerk = ctx.person()
    ctx.records(10, operator=clerk, agent_id="AGENT-1")
    ctx.records(12, operator=clerk, agent_id="AGENT-2", applicant_id="SAME-OWNER")  # many records, one applicant


@fires("off_hours_business")
def _(ctx):
    clerk = ctx.person()
    CalendarDay.objects.create(date=local(2026, 10, WED).date(), kind=CalendarDay.Kind.HOLIDAY)
    ctx.records(2, operator=clerk, day=MON, hour=21)  # 13:00 UTC: local time matters
    record(unit=ctx.unit, operator=clerk, day=TUE, hour=7)  # 23:00 UTC the day before
    ctx.records(2, operator=clerk, day=SAT, hour=10)  # weekend
    record(unit=ctx.unit, operator=clerk, day=WED, hour=10, area="driver_admin")  # public holiday
    return Expect(clerk.badge_number, 6)


@clean("off_hours_business")
def _(ctx):
    clerk = ctx.person()
    ctx.records(5, operator=clerk, day=MON, hour=21)  # at the threshold
    CalendarDay.objects.create(date=local(2026, 10, 24).date(), kind=CalendarDay.Kind.WORKDAY)
    ctx.records(3, operator=clerk, day=24, hour=10)  # a Saturday that is a make-up workday
    ctx.records(10, operator=clerk, day=TUE, hour=9)
    ctx.records(10, operator=clerk, day=TUE, hour=22, area="road_enforcement")  # not window business


@fires("owner_many_registrations")
def _(ctx):
    clerk = ctx.person()
    ctx.records(6, operator=clerk, business_type="vehicle.register", applicant_id="OWNER-1")
    return Expect(clerk.badge_number, 6)


@clean("owner_many_registrations")
def _(ctx):
    clerk = ctx.person()
    ctx.records(5, operator=clerk, business_type="vehicle.register", applicant_id="OWNER-1")
    ctx.records(6, operator=clerk, business_type="vehicle.register")  # six owners
    ctx.records(6, operator=clerk, business_type="vehicle.transfer", applicant_id="OWNER-1")


@fires("inspection_too_fast")
def _(ctx):
    inspector = ctx.person()
    at = local(2026, 10, MON, 10)
    ctx.records(
        11, operator=inspector, business_type="vehicle.inspect", accepted_at=at, completed_at=at + timedelta(minutes=2)
    )
    return Expect(inspector.badge_number, 11)


@clean("inspection_too_fast")
def _(ctx):
    inspector = ctx.person()
    at = local(2026, 10, MON, 10)
    ctx.records(
        10, operator=inspector, business_type="vehicle.inspect", accepted_at=at, completed_at=at + timedelta(minutes=2)
    )
    ctx.records(
        10, operator=inspector, business_type="vehicle.inspect", accepted_at=at, completed_at=at + timedelta(minutes=30)
    )


@fires("business_modified_after_completion")
def _(ctx):
    clerk = ctx.person()
    ctx.records(4, operator=clerk, flags=["modified"])
    return Expect(clerk.badge_number, 4)


@clean("business_modified_after_completion")
def _(ctx):
    clerk = ctx.person()
    ctx.records(3, operator=clerk, flags=["modified"])
    ctx.records(5, operator=clerk, flags=["modified"], area="violation_processing")


@fires("device_many_accounts")
def _(ctx):
    for _number in range(4):
        record(unit=ctx.unit, device_id="PC-SHARED")  # each record: a new person and account
    return Expect("PC-SHARED", 4)


@clean("device_many_accounts")
def _(ctx):
    for _number in range(3):
        ctx.records(4, operator=ctx.person(), device_id="PC-SHARED")


@fires("unit_overdue_share")
def _(ctx):
    clerk = ctx.person()
    at = local(2026, 10, MON, 10)
    ctx.records(17, operator=clerk, time_limit_hours=24, accepted_at=at, completed_at=at + timedelta(hours=2))
    ctx.records(3, operator=clerk, time_limit_hours=24, accepted_at=at, completed_at=at + timedelta(hours=30))
    return Expect(ctx.unit.code, 3)


@clean("unit_overdue_share")
def _(ctx):
    clerk = ctx.person()
    at = local(2026, 10, MON, 10)
    ctx.records(18, operator=clerk, time_limit_hours=24, accepted_at=at, completed_at=at + timedelta(hours=2))
    ctx.records(2, operator=clerk, time_limit_hours=24, accepted_at=at, completed_at=at + timedelta(hours=30))  # 10 %
    other = ctx.person(unit=ctx.org.a2)  # a small unit: all overdue, but too few records
    ctx.records(
        5, unit=ctx.org.a2, operator=other, time_limit_hours=24, accepted_at=at, completed_at=at + timedelta(hours=30)
    )


# --- driver administration -----------------------------------------------------------------------------


def _examiners(ctx, target_passes: int) -> object:
    post = PostFactory(code="KSY", name="考试员")
    target, peers = ctx.person(post=post), [ctx.person(post=post) for _number in range(2)]
    exam = {"business_type": "license.exam", "area": "driver_admin", "result": "fail", "flag": {"result": "pass"}}
    ctx.series(target, total=50, flagged=target_passes, **exam)
    for peer in peers:
        ctx.series(peer, total=50, flagged=35, **exam)  # 70 %
    ctx.series(ctx.person(post=post), total=10, flagged=10, **exam)  # 100 %, but too few exams
    return target


@fires("examiner_pass_rate_high")
def _(ctx):
    target = _examiners(ctx, target_passes=48)  # 96 % against the peers' 72.7 %
    return Expect(target.badge_number, 48)


@clean("examiner_pass_rate_high")
def _(ctx):
    _examiners(ctx, target_passes=41)  # 82 % against 72.7 %: 9.3 points, 1.13 times


@fires("examiner_daily_volume")
def _(ctx):
    examiner = ctx.person()
    ctx.records(31, operator=examiner, business_type="license.exam", day=MON, hour=10)
    return Expect(examiner.badge_number, 31)


@clean("examiner_daily_volume")
def _(ctx):
    examiner = ctx.person()
    # 23:00 and 01:00 local are the same day in UTC: the day is the local one.
    ctx.records(20, operator=examiner, business_type="license.exam", day=MON, hour=23)
    ctx.records(20, operator=examiner, business_type="license.exam", day=TUE, hour=1)


@fires("license_repeated_replacement")
def _(ctx):
    clerk = ctx.person()
    ctx.records(2, operator=clerk, business_type="license.replace", area="driver_admin", applicant_id="DRIVER-1")
    return Expect(clerk.badge_number, 2)


@clean("license_repeated_replacement")
def _(ctx):
    clerk = ctx.person()
    ctx.records(3, operator=clerk, business_type="license.replace", area="driver_admin")  # three drivers
    ctx.records(2, operator=clerk, business_type="license.renew", area="driver_admin", applicant_id="DRIVER-1")


@fires("account_many_endpoints")
def _(ctx):
    clerk = ctx.person()
    for number in range(3):
        record(unit=ctx.unit, operator=clerk, operator_account="acc-x", day=MON, client_ip=f"10.1.1.{number}")
    return Expect("acc-x", 3)


@clean("account_many_endpoints")
def _(ctx):
    clerk = ctx.person()
    for day, devices in ((MON, ("D1", "D2")), (TUE, ("D3", "D4"))):  # four devices, two a day
        for number, device in enumerate(devices):
            record(
                unit=ctx.unit,
                operator=clerk,
                operator_account="acc-x",
                day=day,
                device_id=device,
                client_ip=f"10.1.{day}.{number}",
            )


# --- violation processing ------------------------------------------------------------------------------

VIOLATION = {"area": "violation_processing", "business_type": "violation.process"}


@fires("violation_mass_delete")
def _(ctx):
    clerk = ctx.person()
    ctx.records(6, operator=clerk, day=MON, flags=["deleted"], status="deleted", **VIOLATION)
    ctx.records(2, operator=clerk, day=TUE, flags=["cancelled"], **VIOLATION)
    return Expect(clerk.badge_number, 6)


@clean("violation_mass_delete")
def _(ctx):
    clerk = ctx.person()
    ctx.records(5, operator=clerk, day=MON, flags=["deleted"], **VIOLATION)
    ctx.records(5, operator=clerk, day=TUE, flags=["cancelled"], **VIOLATION)
    ctx.records(10, operator=clerk, day=MON, **VIOLATION)
    ctx.records(6, operator=clerk, day=MON, flags=["deleted"])  # vehicle business


@fires("violation_off_hours_change")
def _(ctx):
    clerk = ctx.person()
    ctx.records(3, operator=clerk, day=MON, hour=22, flags=["modified"], **VIOLATION)
    return Expect(clerk.badge_number, 3)


@clean("violation_off_hours_change")
def _(ctx):
    clerk = ctx.person()
    ctx.records(2, operator=clerk, day=MON, hour=22, flags=["modified"], **VIOLATION)
    ctx.records(5, operator=clerk, day=MON, hour=10, flags=["deleted"], **VIOLATION)
    ctx.records(5, operator=clerk, day=MON, hour=22, **VIOLATION)  # ordinary processing at night


def _peer_case(ctx, *, post_code: str, target: int, peers: int, total: int = 30, flag: dict, **kwargs):
    """A target person and two peers of the same post, `total` records each, `target` / `peers` of
    them flagged; plus a person of another post, all flagged (not a peer)."""
    post = PostFactory(code=post_code)
    person = ctx.person(post=post)
    ctx.series(person, total=total, flagged=target, flag=flag, **kwargs)
    for _number in range(2):
        ctx.series(ctx.person(post=post), total=total, flagged=peers, flag=flag, **kwargs)
    ctx.series(ctx.person(post=PostFactory(code=f"{post_code}-X")), total=total, flagged=total, flag=flag, **kwargs)
    return person


@fires("points_exempted_above_peers")
def _(ctx):
    clerk = _peer_case(ctx, post_code="WFCL", target=6, peers=1, flag={"flag_points_exempted": True}, **VIOLATION)
    return Expect(clerk.badge_number, 6)  # 20 % against 3.3 %


@clean("points_exempted_above_peers")
def _(ctx):
    _peer_case(ctx, post_code="WFCL", target=5, peers=3, flag={"flag_points_exempted": True}, **VIOLATION)


@fires("violation_downgraded_above_peers")
def _(ctx):
    clerk = _peer_case(ctx, post_code="WFCL", target=6, peers=1, flag={"flag_downgraded": True}, **VIOLATION)
    return Expect(clerk.badge_number, 6)


@clean("violation_downgraded_above_peers")
def _(ctx):
    # 10 % against 0 %: not 10 points more, and no peer rate to be a multiple of.
    _peer_case(ctx, post_code="WFCL", target=3, peers=0, flag={"flag_downgraded": True}, **VIOLATION)


def _throughput(ctx, volume: int):
    post = PostFactory(code="WFCL")
    clerk = ctx.person(post=post)
    ctx.records(volume, operator=clerk, **VIOLATION)
    for _number in range(2):
        ctx.records(20, operator=ctx.person(post=post), **VIOLATION)
    return clerk


@fires("violation_throughput_above_peers")
def _(ctx):
    clerk = _throughput(ctx, 60)  # 3 times the peers' 20 (more than 2 times)
    return Expect(clerk.badge_number, 60)


@clean("violation_throughput_above_peers")
def _(ctx):
    _throughput(ctx, 40)  # 2 times: not more


@fires("account_repeated_cancellations")
def _(ctx):
    clerk = ctx.person()
    ctx.records(11, operator=clerk, operator_account="acc-c", day=MON, status="cancelled", **VIOLATION)
    return Expect("acc-c", 11)


@clean("account_repeated_cancellations")
def _(ctx):
    clerk = ctx.person()
    ctx.records(10, operator=clerk, operator_account="acc-c", flags=["cancelled"], **VIOLATION)
    ctx.records(10, operator=clerk, operator_account="acc-c", flags=["deleted"], **VIOLATION)


# --- accident handling ---------------------------------------------------------------------------------

ACCIDENT = {"area": "accident_handling", "business_type": "accident.close", "time_limit_hours": 240}


@fires("accident_overdue")
def _(ctx):
    officer = ctx.person()
    accepted = local(2026, 10, 2, 9)
    record(
        unit=ctx.unit, operator=officer, accepted_at=accepted, completed_at=accepted + timedelta(hours=300), **ACCIDENT
    )
    record(unit=ctx.unit, operator=officer, day=3, completed_at=None, status="pending", **ACCIDENT)
    # Accepted in September, its limit ran out on 5 October, still open: October's case.
    record(
        unit=ctx.unit, operator=officer, accepted_at=local(2026, 9, 25), completed_at=None, status="pending", **ACCIDENT
    )
    return Expect(officer.badge_number, 3)


@clean("accident_overdue")
def _(ctx):
    officer = ctx.person()
    accepted = local(2026, 10, 2, 9)
    for hours in (300, 300, 200):  # two late: at the threshold
        record(
            unit=ctx.unit,
            operator=officer,
            accepted_at=accepted,
            completed_at=accepted + timedelta(hours=hours),
            **ACCIDENT,
        )
    # Open, but its limit runs out in November.
    record(unit=ctx.unit, operator=officer, day=28, completed_at=None, status="pending", **ACCIDENT)
    # Late, but its limit ran out in August: judged then.
    august = local(2026, 8, 1)
    record(unit=ctx.unit, operator=officer, accepted_at=august, completed_at=august + timedelta(days=30), **ACCIDENT)
    # Cancelled cases do not count.
    record(unit=ctx.unit, operator=officer, day=3, completed_at=None, status="cancelled", **ACCIDENT)


@fires("accident_quick_close")
def _(ctx):
    officer = ctx.person()
    at = local(2026, 10, MON, 10)
    ctx.records(4, operator=officer, accepted_at=at, completed_at=at + timedelta(minutes=30), **ACCIDENT)
    return Expect(officer.badge_number, 4)


@clean("accident_quick_close")
def _(ctx):
    officer = ctx.person()
    at = local(2026, 10, MON, 10)
    ctx.records(3, operator=officer, accepted_at=at, completed_at=at + timedelta(minutes=30), **ACCIDENT)
    ctx.records(5, operator=officer, accepted_at=at, completed_at=at + timedelta(hours=30), **ACCIDENT)


@fires("accident_liability_modified")
def _(ctx):
    officer = ctx.person()
    ctx.records(3, operator=officer, flags=["modified"], **ACCIDENT)
    return Expect(officer.badge_number, 3)


@clean("accident_liability_modified")
def _(ctx):
    officer = ctx.person()
    ctx.records(2, operator=officer, flags=["modified"], **ACCIDENT)
    ctx.records(3, operator=officer, flags=["modified"])  # vehicle business


# --- non-site enforcement ------------------------------------------------------------------------------

NONSITE = {"area": "nonsite_enforcement", "business_type": "nonsite.review", "result": "valid"}
DISCARD = {"flag_manual_discard": True, "result": "discarded"}


@fires("manual_discard_above_peers")
def _(ctx):
    reviewer = _peer_case(ctx, post_code="SPJG", target=8, peers=1, flag=DISCARD, **NONSITE)
    return Expect(reviewer.badge_number, 8)


@clean("manual_discard_above_peers")
def _(ctx):
    _peer_case(ctx, post_code="SPJG", target=5, peers=3, flag=DISCARD, **NONSITE)  # 16.7 % against 10 %


@fires("nonsite_daily_mass_discard")
def _(ctx):
    reviewer = ctx.person()
    ctx.records(16, operator=reviewer, day=MON, flags=["manual_discard"], **NONSITE)
    return Expect(reviewer.badge_number, 16)


@clean("nonsite_daily_mass_discard")
def _(ctx):
    reviewer = ctx.person()
    ctx.records(15, operator=reviewer, day=MON, flags=["manual_discard"], **NONSITE)
    ctx.records(15, operator=reviewer, day=TUE, flags=["manual_discard"], **NONSITE)
    ctx.records(20, operator=reviewer, day=MON, **NONSITE)


@fires("nonsite_repeat_discard_same_owner")
def _(ctx):
    reviewer = ctx.person()
    ctx.records(3, operator=reviewer, applicant_id="OWNER-9", flags=["manual_discard"], **NONSITE)
    return Expect(reviewer.badge_number, 3)


@clean("nonsite_repeat_discard_same_owner")
def _(ctx):
    reviewer = ctx.person()
    ctx.records(2, operator=reviewer, applicant_id="OWNER-9", flags=["manual_discard"], **NONSITE)
    ctx.records(3, operator=reviewer, applicant_id="OWNER-8", **NONSITE)
    ctx.records(5, operator=reviewer, flags=["manual_discard"], **NONSITE)  # five owners


# --- on-road enforcement -------------------------------------------------------------------------------

DUI = {"area": "road_enforcement", "business_type": "road.dui"}


@fires("dui_not_transferred")
def _(ctx):
    officer = ctx.person()
    record(
        unit=ctx.unit, operator=officer, day=5, flags=["public_servant_dui"], status="pending", completed_at=None, **DUI
    )
    # Accepted on 29 September, transferred on 4 October: its 3 days ran out on 2 October.
    accepted = local(2026, 9, 29, 22)
    record(
        unit=ctx.unit,
        operator=officer,
        accepted_at=accepted,
        completed_at=accepted + timedelta(days=5),
        flags=["public_servant_dui", "transferred"],
        **DUI,
    )
    return Expect(officer.badge_number, 2)


@clean("dui_not_transferred")
def _(ctx):
    officer = ctx.person()
    accepted = local(2026, 10, 5, 22)
    record(
        unit=ctx.unit,
        operator=officer,
        accepted_at=accepted,
        completed_at=accepted + timedelta(hours=20),
        flags=["public_servant_dui", "transferred"],
        **DUI,
    )
    record(unit=ctx.unit, operator=officer, day=5, status="pending", completed_at=None, **DUI)  # not a public servant
    # Its 3 days run out in November.
    record(
        unit=ctx.unit,
        operator=officer,
        day=30,
        flags=["public_servant_dui"],
        status="pending",
        completed_at=None,
        **DUI,
    )


ROAD = {"area": "road_enforcement", "business_type": "road.ticket"}


@fires("road_downgraded_above_peers")
def _(ctx):
    officer = _peer_case(ctx, post_code="LMZQ", target=9, peers=1, flag={"flag_downgraded": True}, **ROAD)
    return Expect(officer.badge_number, 9)


@clean("road_downgraded_above_peers")
def _(ctx):
    # 30 % against 26.7 %; the other post's officer has no peers.
    _peer_case(ctx, post_code="LMZQ", target=9, peers=8, flag={"flag_downgraded": True}, **ROAD)


@fires("road_warning_share_above_peers")
def _(ctx):
    # Peers are the same unit's officers here, whatever their post.
    officer = ctx.person()
    warning = {"business_type": "road.warning"}
    ctx.series(officer, total=30, flagged=20, flag=warning, **ROAD)
    for _number in range(2):
        ctx.series(ctx.person(), total=30, flagged=6, flag=warning, **ROAD)
    ctx.series(ctx.person(unit=ctx.org.a2), total=30, flagged=30, flag=warning, **ROAD)  # another unit
    return Expect(officer.badge_number, 20)


@clean("road_warning_share_above_peers")
def _(ctx):
    warning = {"business_type": "road.warning"}
    ctx.series(ctx.person(), total=30, flagged=12, flag=warning, **ROAD)  # 40 % against 20 %
    for _number in range(2):
        ctx.series(ctx.person(), total=30, flagged=6, flag=warning, **ROAD)


# --- the tests -----------------------------------------------------------------------------------------


def run_rule(code: str, params: dict | None = None):
    rule = REGISTRY[code]
    start, end = month_bounds(MONTH)
    values = rule.validated_parameters(params or {})
    with CaptureQueriesContext(connection) as queries:
        hits = rule.run(records_between(start, end), start, end, values)
    return hits, len(queries)


def test_every_monthly_model_has_crafted_cases():
    assert set(FIRES) == set(MONTHLY), "every monthly model needs a FIRES case (and no case without a model)"
    assert set(CLEAN) == set(MONTHLY), "every monthly model needs a CLEAN case (and no case without a model)"


def test_the_registry_has_at_least_24_monthly_models_over_the_six_areas():
    assert len(MONTHLY) >= 24
    assert {REGISTRY[code].area for code in MONTHLY} == AREAS


@pytest.mark.parametrize("code", MONTHLY)
def test_model_is_fully_described(code):
    rule = REGISTRY[code]
    defaults = rule.validated_parameters({})

    assert rule.area in AREAS
    assert rule.subject_kind in SubjectKind.values
    assert rule.name_zh and rule.name_en and rule.weight > 0 and rule.parameters
    description = rule.readable_description(defaults)
    assert "{" not in description and any("\u4e00" <= char <= "\u9fff" for char in description)
    for name, param in rule.parameters.items():
        assert param.minimum <= param.default <= param.maximum, name
        assert f"{{{name}}}" in rule.description or name == "count_rest_days", f"{name} is not described"


@pytest.mark.parametrize("code", MONTHLY)
def test_model_fires_on_crafted_records(code, org, today):
    # given
    expected = FIRES[code](Ctx(org))

    # when
    hits, queries = run_rule(code)

    # then
    assert [(hit.subject_key, hit.count) for hit in hits] == [(expected.key, expected.count)]
    hit = hits[0]
    assert hit.ratio > 1
    assert hit.sample_record_ids and BusinessRecord.objects.filter(pk__in=hit.sample_record_ids).count() == len(
        hit.sample_record_ids
    )
    if REGISTRY[code].subject_kind == SubjectKind.PERSON:
        person = Person.objects.get(badge_number=expected.key)
        assert (hit.person_id, hit.unit_id) == (person.pk, person.unit_id)
    else:
        assert hit.person_id is None and hit.unit_id == org.a1.pk
    assert queries == 1, "a model is one set-based query"


@pytest.mark.parametrize("code", MONTHLY)
def test_model_is_silent_on_clean_records(code, org, today):
    # given
    CLEAN[code](Ctx(org))
    record(unit=org.a1)  # and an ordinary record, so the month is not empty

    # when
    hits, _queries = run_rule(code)

    # then
    assert hits == []


def test_records_outside_the_month_are_not_counted(org, today):
    # given: 11 applicants for one agent, but one of them on 1 November 00:30 local time (31 October UTC)
    clerk = PersonFactory(unit=org.a1)
    for _number in range(10):
        record(unit=org.a1, operator=clerk, agent_id="AGENT-1")
    record(unit=org.a1, operator=clerk, agent_id="AGENT-1", accepted_at=local(2026, 11, 1, 0, 30))

    # when
    hits, _queries = run_rule("agent_many_applicants")

    # then
    assert hits == []


def test_parameters_change_what_fires(org, today):
    # given
    Ctx(org).records(4, operator=PersonFactory(unit=org.a1), day=MON, hour=19)

    # then
    assert run_rule("off_hours_business")[0] == []
    assert len(run_rule("off_hours_business", {"max_records": 3})[0]) == 1
    assert run_rule("off_hours_business", {"max_records": 3, "end_hour": 20})[0] == []


def test_rest_days_can_be_left_out(org, today):
    # given
    Ctx(org).records(6, operator=PersonFactory(unit=org.a1), day=SAT, hour=10)

    # then
    assert len(run_rule("off_hours_business")[0]) == 1
    assert run_rule("off_hours_business", {"count_rest_days": 0})[0] == []
    assert "周末" not in REGISTRY["off_hours_business"].readable_description(
        REGISTRY["off_hours_business"].validated_parameters({"count_rest_days": 0})
    )


# --- parameter validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"max_per_day": "5"}, "expected a number"),
        ({"max_per_day": True}, "expected a number"),
        ({"max_per_day": None}, "expected a number"),
        ({"max_per_day": 2.5}, "whole number"),
        ({"max_per_day": 0}, "between 1 and 1000"),
        ({"max_per_day": 1001}, "between 1 and 1000"),
        ({"max_per_dya": 5}, "unknown parameters: max_per_dya"),
    ],
)
def test_bad_parameters_are_refused_naming_the_parameter(raw, message):
    rule = REGISTRY["violation_mass_delete"]

    with pytest.raises(ValueError, match=message):
        rule.validated_parameters(raw)


def test_parameters_are_defaults_overlaid_and_typed():
    rule = REGISTRY["examiner_pass_rate_high"]

    values = rule.validated_parameters({"min_records": 40.0, "min_points": 20})

    assert values == {"min_records": 40, "min_points": 20.0, "min_factor": 1.3}
    assert isinstance(values["min_records"], int) and isinstance(values["min_points"], float)


def test_admin_form_validates_the_parameters(org):
    from risk.admin import RiskModelForm
    from risk.services import risk_models_sync

    risk_models_sync()
    model = RiskModel.objects.get(code="violation_mass_delete")
    data = {
        "name_zh": model.name_zh,
        "name_en": model.name_en,
        "description": model.description,
        "weight": "1.5",
        "is_active": True,
    }

    refused = RiskModelForm(instance=model, data={**data, "parameters": '{"max_per_day": -1}'})
    accepted = RiskModelForm(instance=model, data={**data, "parameters": '{"max_per_day": 8}'})

    assert not refused.is_valid() and "max_per_day" in str(refused.errors["parameters"])
    assert accepted.is_valid(), accepted.errors
    assert accepted.cleaned_data["parameters"] == {"max_per_day": 8}


def test_a_rule_code_is_registered_once():
    from risk.rules import register

    rule = REGISTRY["violation_mass_delete"]
    with pytest.raises(ValueError, match="duplicate"):
        register(
            Rule(
                code=rule.code,
                name_zh="x",
                name_en="x",
                area=rule.area,
                subject_kind=rule.subject_kind,
                description="x",
                parameters={"n": Param(default=1)},
                run=rule.run,
            )
        )
