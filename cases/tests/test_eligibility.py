"""Eligibility for promotion and awards on a date: the boundaries of a record (start day, end day, the
day after), pending objections, revoked records, several records, and the one-query promise."""

from datetime import date, timedelta

import pytest

from cases.eligibility import person_eligibility
from cases.models import Liability, LiabilityLevel
from cases.services import liability_object, objection_decide
from cases.tests.factories import build_chain, concluded_case
from conftest import make_persona

pytestmark = pytest.mark.django_db

START = date(2026, 11, 23)  # the `today` fixture: the conclusion day
END = date(2027, 11, 22)  # serious: 12 months for the directly responsible


@pytest.fixture
def chain(org):
    return build_chain(org)


@pytest.fixture
def record(org, chain, discipline_inspector, today):
    case = concluded_case(discipline_inspector, org.a1, direct=[chain.officer], severity="serious")
    return Liability.objects.get(case=case, level=LiabilityLevel.DIRECT)


@pytest.mark.parametrize(
    ("on_date", "eligible"),
    [
        (START - timedelta(days=1), True),
        (START, False),
        (END, False),
        (END + timedelta(days=1), True),
    ],
)
def test_a_record_covers_its_start_and_end_days_only(chain, record, on_date, eligible):
    result = person_eligibility(chain.officer, on_date)

    assert result.eligible is eligible
    if not eligible:
        (reason,) = result.reasons
        assert reason["liability"] == record.pk
        assert reason["case_number"] == record.case.number
        assert reason["level"] == LiabilityLevel.DIRECT
        assert reason["end_date"] == END and reason["start_date"] == START
        assert reason["reason"] == record.reason and reason["consequence"] == record.consequence


def test_a_pending_objection_does_not_suspend_the_record(chain, record, discipline_inspector):
    liability_object(actor=discipline_inspector, liability=record, reason="代为申诉")

    result = person_eligibility(chain.officer, START + timedelta(days=30))

    assert not result.eligible and result.reasons[0]["status"] == Liability.Status.OBJECTED


def test_a_revoked_record_stops_covering_from_the_decision_day(org, chain, record, discipline_inspector, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    objection = liability_object(actor=discipline_inspector, liability=record, reason="代为申诉")
    decision_day = date(2027, 1, 10)
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2027, 1, 10, 2, 0, tzinfo=dt.UTC))
    second = make_persona("inspector2", "discipline_inspector", org.jw, "all")
    objection_decide(actor=second, objection=objection, grant=True)
    record.refresh_from_db()
    assert record.ended_on == decision_day

    before = person_eligibility(chain.officer, decision_day - timedelta(days=1))
    assert not before.eligible
    assert before.reasons[0]["end_date"] == decision_day - timedelta(days=1)  # its effective last day
    assert person_eligibility(chain.officer, decision_day).eligible
    assert person_eligibility(chain.officer, END).eligible


def test_every_covering_record_is_a_reason(org, chain, discipline_inspector, today):
    concluded_case(discipline_inspector, org.a1, direct=[chain.officer], severity="minor")
    concluded_case(discipline_inspector, org.a1, direct=[chain.officer], severity="grave")

    result = person_eligibility(chain.officer, START + timedelta(days=200))

    assert not result.eligible
    # minor: 6 months ends before day 200; grave: 24 months still covers
    assert [r["end_date"] for r in result.reasons] == [date(2028, 11, 22)]
    everything = person_eligibility(chain.officer, START)
    assert len(everything.reasons) == 2
    assert [r["end_date"] for r in everything.reasons] == sorted(r["end_date"] for r in everything.reasons)


def test_chain_levels_disqualify_too(org, chain, discipline_inspector, today):
    concluded_case(discipline_inspector, org.a1, direct=[chain.officer], severity="serious")

    assert not person_eligibility(chain.old_chief, START).eligible  # 0 months: the start day only
    assert person_eligibility(chain.old_chief, START + timedelta(days=1)).eligible
    assert person_eligibility(chain.new_chief, START).eligible


def test_eligibility_is_one_query(chain, record, django_assert_num_queries):
    with django_assert_num_queries(1):
        person_eligibility(chain.officer, START)


def test_the_command_gives_the_same_answer(chain, record):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("person_eligibility", chain.officer.badge_number, "--date", "2027-11-22", stdout=out)
    assert "NOT eligible" in out.getvalue() and record.case.number in out.getvalue()
    out = StringIO()
    call_command("person_eligibility", chain.officer.badge_number, "--date", "2027-11-23", stdout=out)
    assert ": eligible" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("person_eligibility", chain.officer.badge_number, "--date", "2027-02-30")
    with pytest.raises(CommandError):
        call_command("person_eligibility", "nobody")
