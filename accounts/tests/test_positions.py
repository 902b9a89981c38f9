"""Position history: who answered for a unit on a date, on the boundary days of a change."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Position
from accounts.selectors import unit_responsibility_on
from accounts.services import position_end, position_save
from accounts.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def hold(person, unit, level, start, end=None, in_charge_of=(), title=""):
    position = Position(person=person, unit=unit, level=level, title=title, start_date=start, end_date=end)
    return position_save(actor=None, position=position, in_charge_of=list(in_charge_of))


@pytest.fixture
def chain(org):
    """Brigade A: chief Old until 2026-03-31, chief New from 2026-04-01; team member T in charge of A1;
    squad A1's mid-level M."""
    old_chief = PersonFactory(name="老大队长", unit=org.a)
    new_chief = PersonFactory(name="新大队长", unit=org.a)
    team_member = PersonFactory(name="副大队长", unit=org.a)
    mid_level = PersonFactory(name="中队长", unit=org.a1)
    hold(old_chief, org.a, Position.Level.CHIEF, date(2022, 1, 1), date(2026, 3, 31))
    hold(new_chief, org.a, Position.Level.CHIEF, date(2026, 4, 1))
    hold(team_member, org.a, Position.Level.TEAM_MEMBER, date(2023, 6, 1), in_charge_of=[org.a1])
    hold(mid_level, org.a1, Position.Level.MID_LEVEL, date(2024, 1, 1))
    return old_chief, new_chief, team_member, mid_level


def names(positions):
    return [position.person.name for position in positions]


def test_last_day_of_old_chief(org, chain):
    responsibility = unit_responsibility_on(org.a1, date(2026, 3, 31))
    assert names(responsibility.chiefs) == ["老大队长"]


def test_first_day_of_new_chief(org, chain):
    responsibility = unit_responsibility_on(org.a1, date(2026, 4, 1))
    assert names(responsibility.chiefs) == ["新大队长"]


def test_team_member_and_mid_level_in_charge(org, chain):
    responsibility = unit_responsibility_on(org.a1, date(2026, 5, 1))
    assert names(responsibility.team_members) == ["副大队长"]
    assert names(responsibility.mid_levels) == ["中队长"]


def test_before_any_position_nobody_answers(org, chain):
    responsibility = unit_responsibility_on(org.a1, date(2021, 12, 31))
    assert responsibility.chiefs == [] and responsibility.team_members == [] and responsibility.mid_levels == []


def test_other_squad_has_no_team_member_in_charge(org, chain):
    responsibility = unit_responsibility_on(org.a2, date(2026, 5, 1))
    assert responsibility.team_members == []
    assert responsibility.mid_levels == []
    assert names(responsibility.chiefs) == ["新大队长"]


def test_own_unit_chief_is_nearer_than_brigade_chief(org, chain):
    squad_chief = PersonFactory(name="中队一把手", unit=org.a1)
    hold(squad_chief, org.a1, Position.Level.CHIEF, date(2025, 1, 1))
    assert names(unit_responsibility_on(org.a1, date(2026, 5, 1)).chiefs) == ["中队一把手"]


def test_selector_is_two_queries_whatever_the_history(org, chain, django_assert_num_queries):
    with django_assert_num_queries(2):  # positions, then their in-charge units
        unit_responsibility_on(org.a1, date(2026, 5, 1))


def test_end_before_start_is_refused(org, chain):
    old_chief = chain[0]
    position = old_chief.positions.get()
    with pytest.raises(ValidationError) as error:
        position_end(actor=None, position=position, end_date=date(2021, 1, 1))
    assert "end_date" in error.value.message_dict


def test_overlapping_stretch_of_same_position_is_refused(org, chain):
    new_chief = chain[1]
    with pytest.raises(ValidationError) as error:
        hold(new_chief, org.a, Position.Level.CHIEF, date(2026, 6, 1))
    assert "start_date" in error.value.message_dict
