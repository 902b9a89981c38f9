from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.demo import DEMO_PASSWORD, DEMO_USERS
from accounts.demo_data import CHIEF_CHANGES, DEMO_TODAY, build_plan
from accounts.models import BusinessArea, PartyOrganization, Person, Position, RoleAssignment, Unit, User
from accounts.selectors import unit_responsibility_on
from audit.models import AuditEvent
from audit.services import audit_chain_verify


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_plan_is_deterministic_and_in_the_past():
    plan = build_plan()
    assert plan == build_plan()
    assert all(p.start_date <= DEMO_TODAY and (p.end_date is None or p.end_date <= DEMO_TODAY) for p in plan.positions)
    badges = [p.badge_number for p in plan.persons]
    assert len(badges) == len(set(badges))


def test_seed_demo_builds_the_detachment_and_a_second_run_changes_nothing(db):
    """One seeding (it is slow on PostgreSQL) checked from every side, then a second run."""
    output = seed()
    check_first_run(output)
    check_unit_tree_paths()
    check_responsibility_follows_the_change_of_brigade_chief()
    before = row_counts()
    for model in (Unit, Person, Position, PartyOrganization, User, RoleAssignment, AuditEvent):
        assert before[model._meta.label] > 0

    output = seed()

    assert row_counts() == before
    assert "positions                    0" in output


def check_first_run(output: str) -> None:
    units = Unit.objects.all()
    assert units.filter(kind=Unit.Kind.DETACHMENT).count() == 1
    assert units.filter(kind=Unit.Kind.BRIGADE).count() == 8
    assert units.filter(kind__in=[Unit.Kind.SQUAD, Unit.Kind.WINDOW]).count() >= 40
    codes = set(units.values_list("code", flat=True))
    assert {"ZD", "ZD-JCS", "ZD-JGZX", "ZD-JW", "ZD-CG", "ZD-SGYF", "ZD-FZ", "ZD-ZG", "ZD-CJ"} <= codes
    assert {f"DD0{n}" for n in range(1, 9)} | {"DD01-ZD01", "DD02-ZD01"} <= codes
    assert not units.filter(party_organization__isnull=True).exists()
    assert not BusinessArea.objects.filter(lead_department__isnull=True).exists()
    assert set(BusinessArea.objects.values_list("lead_department__kind", flat=True)) == {Unit.Kind.DEPARTMENT}

    persons = Person.objects.all()
    assert 550 <= persons.count() <= 700
    assert 0.55 <= persons.filter(category=Person.Category.POLICE).count() / persons.count() <= 0.75
    assert set(persons.filter(category=Person.Category.AUXILIARY).values_list("rank", flat=True)) == {"none"}
    assert not Person.objects.filter(positions__isnull=True).exists()

    for username, role, unit_code, scope, description in DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.is_demo and user.check_password(DEMO_PASSWORD)
        assert user.person.unit.code == unit_code
        assert RoleAssignment.objects.filter(user=user, role=role, scope=scope, unit__code=unit_code).exists()
        assert username in output and description in output
    assert User.objects.filter(is_superuser=True).get().username == "admin"

    def current(username: str, level: str) -> Position:
        user = User.objects.get(username=username)
        return Position.objects.held_on(DEMO_TODAY).get(person__user=user, level=level, unit=user.person.unit)

    assert current("brigade_leader", Position.Level.CHIEF).title == "大队长"
    assert current("squad_leader", Position.Level.MID_LEVEL).title == "中队长"
    assert current("squad_leader2", Position.Level.MID_LEVEL).unit.code == "DD02-ZD01"
    assert current("biz_lead", Position.Level.MID_LEVEL).title == "科长"
    secretary = User.objects.get(username="party_secretary").person
    general_branch = PartyOrganization.objects.get(unit__code="DD01", kind=PartyOrganization.Kind.GENERAL_BRANCH)
    assert general_branch.secretary == secretary
    assert audit_chain_verify().is_intact


def test_refuses_when_demo_data_is_not_allowed(db, settings):
    settings.DEMO_DATA_ALLOWED = False

    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        seed()

    assert not Unit.objects.exists()
    assert not AuditEvent.objects.exists()


def check_unit_tree_paths() -> None:
    units = Unit.objects.in_bulk()
    for unit in units.values():
        parent_path = units[unit.parent_id].path if unit.parent_id else "/"
        assert unit.path == f"{parent_path}{unit.pk}/", unit.code
    assert Unit.objects.filter(parent__isnull=True).count() == 1


def check_responsibility_follows_the_change_of_brigade_chief() -> None:
    for code, change in CHIEF_CHANGES.items():
        brigade = Unit.objects.get(code=code)
        commanders = Position.objects.filter(unit=brigade, level=Position.Level.CHIEF, title="大队长")
        former = commanders.get(end_date=change - timedelta(days=1))
        successor = commanders.get(start_date=change)

        day_before = {p.pk for p in unit_responsibility_on(brigade, change - timedelta(days=1)).chiefs}
        on_change = {p.pk for p in unit_responsibility_on(brigade, change).chiefs}

        assert former.pk in day_before and successor.pk not in day_before, code
        assert successor.pk in on_change and former.pk not in on_change, code
        # A squad of the brigade answers to the same brigade chief.
        squad = brigade.children.filter(kind=Unit.Kind.SQUAD).first()
        assert successor.pk in {p.pk for p in unit_responsibility_on(squad, change).chiefs}
