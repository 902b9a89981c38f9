"""Builders for the cases tests: a chain of position history in brigade A, and cases driven through the
services to any state."""

from dataclasses import dataclass
from datetime import date

from accounts.models import Person, Position, Unit
from accounts.tests.factories import PersonFactory
from cases.models import AccountabilityAction, Case, CasePerson
from cases.services import (
    PersonConclusion,
    case_conclude,
    case_open,
    case_start_investigation,
)

# Brigade A's commander changed on this day (the old one held it until the day before).
CHIEF_CHANGE = date(2026, 3, 16)
BEFORE_CHANGE = date(2026, 3, 1)
AFTER_CHANGE = date(2026, 4, 1)


def position(
    person: Person, unit: Unit, level: str, start: date, end: date | None = None, *, title="", in_charge_of=()
):
    held = Position.objects.create(
        person=person, unit=unit, level=level, title=title or level, start_date=start, end_date=end
    )
    if in_charge_of:
        held.in_charge_of.set(in_charge_of)
    return held


@dataclass
class Chain:
    """Brigade A and its squad A1, with who held what when."""

    old_chief: Person
    new_chief: Person
    instructor: Person
    deputy: Person  # team member in charge of A1
    other_deputy: Person  # team member in charge of A2 only
    squad_head: Person  # mid-level of A1
    officer: Person  # an officer of A1 (directly responsible in most tests)
    colleague: Person  # another officer of A1 (jointly responsible)
    outsider_officer: Person  # an officer of B1


def build_chain(org) -> Chain:
    level = Position.Level
    old_chief = PersonFactory(name="老大队长", unit=org.zd)  # moved on since: now elsewhere
    new_chief = PersonFactory(name="新大队长", unit=org.a)
    instructor = PersonFactory(name="教导员", unit=org.a)
    deputy = PersonFactory(name="分管副大队长", unit=org.a)
    other_deputy = PersonFactory(name="另一副大队长", unit=org.a)
    squad_head = PersonFactory(name="一中队长", unit=org.a1)
    officer = PersonFactory(name="当事民警", unit=org.a1)
    colleague = PersonFactory(name="连带民警", unit=org.a1)
    outsider_officer = PersonFactory(name="二大队民警", unit=org.b1)
    position(old_chief, org.a, level.CHIEF, date(2020, 1, 1), CHIEF_CHANGE.replace(day=15), title="大队长")
    position(old_chief, org.zd, level.MID_LEVEL, CHIEF_CHANGE, title="科长")
    position(new_chief, org.a, level.CHIEF, CHIEF_CHANGE, title="大队长")
    position(instructor, org.a, level.CHIEF, date(2019, 5, 1), title="教导员")
    position(deputy, org.a, level.TEAM_MEMBER, date(2021, 1, 1), title="副大队长", in_charge_of=[org.a1])
    position(other_deputy, org.a, level.TEAM_MEMBER, date(2021, 1, 1), title="副大队长", in_charge_of=[org.a2])
    position(squad_head, org.a1, level.MID_LEVEL, date(2019, 1, 1), title="中队长")
    position(officer, org.a1, level.OFFICER, date(2018, 1, 1), title="民警")
    position(colleague, org.a1, level.OFFICER, date(2018, 1, 1), title="民警")
    position(outsider_officer, org.b1, level.OFFICER, date(2018, 1, 1), title="民警")
    return Chain(
        old_chief=old_chief,
        new_chief=new_chief,
        instructor=instructor,
        deputy=deputy,
        other_deputy=other_deputy,
        squad_head=squad_head,
        officer=officer,
        colleague=colleague,
        outsider_officer=outsider_officer,
    )


def open_case(actor, unit, *, persons=(), severity="serious", misconduct_date=BEFORE_CHANGE, **fields) -> Case:
    values = {
        "title": "违规撤销亲属车辆交通违法记录",
        "category": "favouritism",
        "facts": "民警利用职务便利撤销其亲属车辆交通违法记录3起。",
    }
    values.update(fields)
    return case_open(
        actor=actor, unit=unit, severity=severity, misconduct_date=misconduct_date, persons=list(persons), **values
    )


def investigating_case(actor, unit, **kwargs) -> Case:
    case = open_case(actor, unit, **kwargs)
    return case_start_investigation(actor=actor, case=case)


def conclusion(person, responsibility=CasePerson.Responsibility.DIRECT, action=AccountabilityAction.ADMONISHMENT):
    return PersonConclusion(person_id=person.pk, responsibility=responsibility, action=action, note="")


def concluded_case(actor, unit, *, direct=(), joint=(), confirmed=True, **kwargs) -> Case:
    """A case concluded with `direct` persons directly and `joint` persons jointly responsible."""
    case = investigating_case(actor, unit, persons=[*direct, *joint], **kwargs)
    rows = [conclusion(p) for p in direct] + [
        conclusion(p, CasePerson.Responsibility.JOINT, AccountabilityAction.NONE) for p in joint
    ]
    return case_conclude(
        actor=actor, case=case, integrity_problem_confirmed=confirmed, conclusion="经调查，问题属实。", persons=rows
    )
