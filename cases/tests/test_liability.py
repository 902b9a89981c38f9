"""Joint liability: who gets a record when a confirmed case is concluded, under each severity's rule,
from the position history on the date of the misconduct (not today's posts), with explainable reasons
and the right dates."""

from datetime import date

import pytest

from cases.liability import add_months, disqualification_end
from cases.models import AccountabilityAction, CasePerson, Liability, LiabilityLevel, LiabilityRule
from cases.services import case_conclude
from cases.tests.factories import (
    AFTER_CHANGE,
    BEFORE_CHANGE,
    build_chain,
    concluded_case,
    conclusion,
    investigating_case,
)
from core.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(org):
    return build_chain(org)


def records(case) -> dict[tuple[str, str], Liability]:
    return {(r.person.name, r.level): r for r in Liability.objects.filter(case=case).select_related("person")}


def test_misconduct_before_a_change_of_chief_implicates_the_former_chief_not_the_current_one(
    org, chain, discipline_inspector, today
):
    case = concluded_case(
        discipline_inspector, org.a1, direct=[chain.officer], severity="serious", misconduct_date=BEFORE_CHANGE
    )

    got = records(case)
    assert (chain.old_chief.name, LiabilityLevel.CHIEF) in got
    assert (chain.new_chief.name, LiabilityLevel.CHIEF) not in got
    chief_record = got[(chain.old_chief.name, LiabilityLevel.CHIEF)]
    # the record is explained: the case, the rule, the position held on the day
    assert chief_record.unit == org.a
    assert chief_record.position.title == "大队长"
    assert case.number in chief_record.reason
    assert "2026-03-01" in chief_record.reason and "大队长" in chief_record.reason and "较重" in chief_record.reason
    # the former chief has moved to the detachment since: today's post does not matter
    assert chain.old_chief.positions.held_on(today).get().unit == org.zd


def test_misconduct_after_the_change_implicates_the_new_chief(org, chain, discipline_inspector, today):
    case = concluded_case(
        discipline_inspector, org.a1, direct=[chain.officer], severity="serious", misconduct_date=AFTER_CHANGE
    )

    chiefs = {name for name, level in records(case) if level == LiabilityLevel.CHIEF}
    assert chiefs == {chain.new_chief.name, chain.instructor.name}


def test_serious_rule_implicates_all_four_levels_with_the_rule_consequences(org, chain, discipline_inspector, today):
    case = concluded_case(
        discipline_inspector, org.a1, direct=[chain.officer], joint=[chain.colleague], severity="serious"
    )

    got = records(case)
    assert set(got) == {
        (chain.officer.name, LiabilityLevel.DIRECT),
        (chain.old_chief.name, LiabilityLevel.CHIEF),
        (chain.instructor.name, LiabilityLevel.CHIEF),
        (chain.deputy.name, LiabilityLevel.TEAM_MEMBER),
        (chain.squad_head.name, LiabilityLevel.MID_LEVEL),
        (chain.colleague.name, LiabilityLevel.OFFICER),
    }
    rule = LiabilityRule.objects.get(severity="serious")
    levels = {level.level: level for level in rule.levels.all()}
    direct = got[(chain.officer.name, LiabilityLevel.DIRECT)]
    assert direct.consequence == rule.direct_consequence
    assert direct.action == AccountabilityAction.ADMONISHMENT  # as decided in the case
    assert (direct.start_date, direct.end_date) == (today, disqualification_end(today, 12))
    deputy = got[(chain.deputy.name, LiabilityLevel.TEAM_MEMBER)]
    assert deputy.consequence == levels["team_member"].consequence
    assert deputy.action == levels["team_member"].action  # not a person concerned: the rule's action
    assert deputy.end_date == disqualification_end(today, levels["team_member"].disqualification_months)
    # the deputy in charge of the OTHER squad is not implicated
    assert (chain.other_deputy.name, LiabilityLevel.TEAM_MEMBER) not in got
    colleague = got[(chain.colleague.name, LiabilityLevel.OFFICER)]
    assert colleague.consequence == levels["officer"].consequence
    assert colleague.action == levels["officer"].action  # the case decided "none": the rule's action


def test_minor_rule_spares_the_chief_and_the_team_member(org, chain, discipline_inspector, today):
    case = concluded_case(
        discipline_inspector, org.a1, direct=[chain.officer], joint=[chain.colleague], severity="minor"
    )

    levels = {level for _name, level in records(case)}
    assert levels == {LiabilityLevel.DIRECT, LiabilityLevel.MID_LEVEL, LiabilityLevel.OFFICER}
    mid = records(case)[(chain.squad_head.name, LiabilityLevel.MID_LEVEL)]
    assert mid.action == AccountabilityAction.REMINDER_TALK
    # 0 months: still a record, ending on its start day
    assert mid.start_date == mid.end_date == today
    direct = records(case)[(chain.officer.name, LiabilityLevel.DIRECT)]
    assert direct.end_date == date(2027, 5, 22)  # 6 months from 2026-11-23, the day before


def test_grave_rule_implicates_every_level_for_longer(org, chain, discipline_inspector, today):
    case = concluded_case(
        discipline_inspector, org.a1, direct=[chain.officer], joint=[chain.colleague], severity="grave"
    )

    got = records(case)
    assert {level for _name, level in got} == set(LiabilityLevel.values)
    assert got[(chain.officer.name, LiabilityLevel.DIRECT)].end_date == date(2028, 11, 22)  # 24 months
    assert got[(chain.squad_head.name, LiabilityLevel.MID_LEVEL)].end_date == date(2027, 11, 22)  # 12 months


def test_an_edited_rule_applies_to_the_next_conclusion(org, chain, discipline_inspector, today):
    rule = LiabilityRule.objects.get(severity="minor")
    rule.levels.filter(level="mid_level").delete()
    rule.direct_disqualification_months = 3
    rule.save()

    case = concluded_case(discipline_inspector, org.a1, direct=[chain.officer], severity="minor")

    assert set(records(case)) == {(chain.officer.name, LiabilityLevel.DIRECT)}
    assert records(case)[(chain.officer.name, LiabilityLevel.DIRECT)].end_date == date(2027, 2, 22)


def test_a_directly_responsible_chief_is_not_implicated_as_their_own_chain(org, chain, discipline_inspector, today):
    # the squad head did it himself: he is the direct person, not also his own mid-level
    case = concluded_case(discipline_inspector, org.a1, direct=[chain.squad_head], severity="grave")

    got = records(case)
    assert (chain.squad_head.name, LiabilityLevel.DIRECT) in got
    assert (chain.squad_head.name, LiabilityLevel.MID_LEVEL) not in got
    assert not any(level == LiabilityLevel.MID_LEVEL for _name, level in got)


def test_two_direct_persons_share_one_chain_record_per_person_and_level(org, chain, discipline_inspector, today):
    case = concluded_case(discipline_inspector, org.a1, direct=[chain.officer, chain.colleague], severity="serious")

    chief = Liability.objects.filter(case=case, person=chain.old_chief)
    assert chief.count() == 1
    assert chain.officer.name in chief.get().reason and chain.colleague.name in chief.get().reason
    assert Liability.objects.filter(case=case, level=LiabilityLevel.DIRECT).count() == 2


def test_the_unit_on_the_misconduct_date_comes_from_the_position_history(org, chain, discipline_inspector, today):
    # the officer has moved to brigade B's squad since; on the day he was in A1
    from cases.tests.factories import position

    chain.officer.positions.update(end_date=date(2026, 6, 30))
    position(chain.officer, org.b1, "officer", date(2026, 7, 1), title="民警")
    chain.officer.unit = org.b1
    chain.officer.save()

    case = concluded_case(discipline_inspector, org.b1, direct=[chain.officer], severity="serious")

    direct = records(case)[(chain.officer.name, LiabilityLevel.DIRECT)]
    assert direct.unit == org.a1
    assert (chain.squad_head.name, LiabilityLevel.MID_LEVEL) in records(case)


def test_without_a_position_on_the_day_the_current_unit_is_used(org, chain, discipline_inspector, today):
    chain.officer.positions.all().delete()

    case = concluded_case(discipline_inspector, org.a1, direct=[chain.officer], severity="minor")

    direct = records(case)[(chain.officer.name, LiabilityLevel.DIRECT)]
    assert direct.unit == org.a1 and direct.position is None
    assert "无任职记录" in direct.reason


def test_no_active_rule_is_a_clear_error_and_nothing_is_written(org, chain, discipline_inspector, today):
    LiabilityRule.objects.filter(severity="serious").update(is_active=False)
    case = investigating_case(discipline_inspector, org.a1, persons=[chain.officer], severity="serious")

    with pytest.raises(DomainError) as error:
        case_conclude(
            actor=discipline_inspector,
            case=case,
            integrity_problem_confirmed=True,
            conclusion="属实",
            persons=[conclusion(chain.officer)],
        )

    assert error.value.field is None  # a 400 with a detail message, not a field error
    case.refresh_from_db()
    assert case.status == "investigating" and case.integrity_problem_confirmed is None
    assert not Liability.objects.exists()
    assert CasePerson.objects.get(case=case).responsibility == CasePerson.Responsibility.PENDING


def test_an_unconfirmed_case_creates_no_records(org, chain, discipline_inspector, today):
    case = concluded_case(discipline_inspector, org.a1, direct=[chain.officer], confirmed=False)

    assert case.status == "concluded" and case.integrity_problem_confirmed is False
    assert not Liability.objects.exists()


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 11, 23), 6, date(2027, 5, 22)),
        (date(2026, 1, 31), 1, date(2026, 2, 27)),  # the day of the month is clamped at February's end
        (date(2026, 12, 1), 12, date(2027, 11, 30)),
        (date(2026, 11, 23), 0, date(2026, 11, 23)),
    ],
)
def test_disqualification_end(start, months, end):
    assert disqualification_end(start, months) == end


def test_add_months_crosses_years():
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
