"""Data scope: a squad leader sees only their squad, a brigade leader their brigade, the committee all."""

import pytest

from accounts.models import DataScope, Role
from accounts.selectors import person_visible_to, scope_filter, unit_visible_to, visible_units
from accounts.tests.factories import PersonFactory, RoleAssignmentFactory

pytestmark = pytest.mark.django_db


def codes(queryset):
    return set(queryset.values_list("code", flat=True))


def test_squad_leader_sees_only_own_squad(org, squad_leader):
    assert codes(visible_units(squad_leader)) == {"A1"}


def test_brigade_leader_sees_brigade_and_its_squads(org, brigade_leader):
    assert codes(visible_units(brigade_leader)) == {"A", "A1", "A2"}


def test_committee_sees_every_unit(org, committee_member):
    assert codes(visible_units(committee_member)) == {"ZD", "JCS", "JW", "CG", "A", "A1", "A2", "B", "B1"}


def test_inactive_user_and_anonymous_see_nothing(org, squad_leader, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    squad_leader.is_active = False
    assert not visible_units(squad_leader).exists()
    assert not visible_units(AnonymousUser()).exists()


def test_user_without_role_sees_nothing(org):
    from accounts.tests.factories import UserFactory

    assert not visible_units(UserFactory()).exists()


def test_inactive_role_assignment_grants_nothing(org, squad_leader):
    squad_leader.role_assignments.update(is_active=False)
    squad_leader.refresh_from_db()
    assert not visible_units(squad_leader).exists()


def test_scopes_of_several_roles_add_up(org, squad_leader):
    # given the squad leader also inspects brigade B as a party secretary
    RoleAssignmentFactory(user=squad_leader, role=Role.PARTY_SECRETARY, unit=org.b, scope=DataScope.UNIT_AND_BELOW)
    squad_leader.refresh_from_db()
    # then both scopes are visible, and nothing else
    assert codes(visible_units(squad_leader)) == {"A1", "B", "B1"}
    # and restricting to one role narrows it again
    assert codes(visible_units(squad_leader, roles=(Role.UNIT_LEADER,))) == {"A1"}


def test_persons_follow_unit_scope(org, squad_leader, outsider):
    # given persons in both squads
    mine = PersonFactory(unit=org.a1)
    theirs = PersonFactory(unit=org.b1)
    # then each leader sees only their own squad's people
    assert mine in person_visible_to(squad_leader)
    assert theirs not in person_visible_to(squad_leader)
    assert theirs in person_visible_to(outsider)
    assert mine not in person_visible_to(outsider)


def test_scope_filter_is_one_query(org, brigade_leader, django_assert_num_queries):
    from accounts.models import Person

    PersonFactory.create_batch(3, unit=org.a2)
    list(unit_visible_to(brigade_leader))  # role assignments cached on the user
    with django_assert_num_queries(1):
        assert len(list(scope_filter(Person.objects.all(), brigade_leader))) == 4  # 3 + the leader


def test_moving_a_unit_moves_its_subtree_in_scope(org, brigade_leader, admin_user):
    from accounts.services import unit_save

    # given squad B1 (under brigade B) is moved under brigade A
    org.b1.parent = org.a
    unit_save(actor=admin_user, unit=org.b1)
    # then the brigade leader of A now sees it, with the right path
    org.b1.refresh_from_db()
    assert org.b1.path == f"{org.a.path}{org.b1.pk}/"
    assert "B1" in codes(visible_units(brigade_leader))


def test_a_unit_cannot_move_under_its_own_subtree(org, admin_user):
    from django.core.exceptions import ValidationError

    from accounts.models import Unit
    from accounts.services import unit_save
    from audit.models import AuditEvent

    events_before = AuditEvent.objects.count()
    org.a.parent = org.a1
    with pytest.raises(ValidationError) as error:
        unit_save(actor=admin_user, unit=org.a)
    assert "parent" in error.value.message_dict
    assert Unit.objects.get(pk=org.a.pk).parent_id == org.zd.pk
    assert AuditEvent.objects.count() == events_before
