"""Reads for integrity cases, liability records, objections and rules: every list, page and API
response starts from these scoped querysets.

Who sees what:
- discipline inspectors, the party committee and administrators see the cases of the units in their
  scope in full (facts, persons, conclusion);
- a unit leader or party secretary sees that a case EXISTS in their units (number, unit, status,
  severity, dates) and nothing more: `can_read_facts(user, case)` decides, and the serializers and
  templates show the rest only when it says yes;
- liability records: the oversight roles for the records of their units (the record's unit or its
  case's), unit leaders the records of their units, and every person their own;
- liability rules are reference data any signed-in user reads.
Everyone else sees nothing.
"""

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value

from accounts.models import DataScope, Role, Unit
from accounts.selectors import user_has_role, user_has_role_for_unit, user_role_assignments, visible_units
from cases.models import Case, Liability, LiabilityRule, Objection

# Handle cases: open, investigate, conclude, close, record and decide objections.
CASE_HANDLER_ROLES = (Role.DISCIPLINE_INSPECTOR,)
# Read cases in full.
CASE_READER_ROLES = (Role.DISCIPLINE_INSPECTOR, Role.COMMITTEE, Role.ADMIN)
# See that a case exists in their units, without its facts.
CASE_EXISTENCE_ROLES = (Role.UNIT_LEADER, Role.PARTY_SECRETARY)
CASE_ROLES = (*CASE_READER_ROLES, *CASE_EXISTENCE_ROLES)
LIABILITY_UNIT_ROLES = (Role.UNIT_LEADER,)


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _covers_all(user, roles: tuple[str, ...]) -> bool:
    if Role.ADMIN in roles and getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(a.scope == DataScope.ALL and a.role in roles for a in user_role_assignments(user))


def role_units(user, roles: tuple[str, ...]):
    """None when one of `roles` covers every unit; else a subquery of the unit ids in their scope
    (empty when the user holds none of them)."""
    if not user_has_role(user, *roles):
        return Unit.objects.none().values("pk")
    if _covers_all(user, roles):
        return None
    return visible_units(user, roles=roles).values("pk")


# --- cases ---------------------------------------------------------------------------------------------


def case_visible_to(user) -> QuerySet[Case]:
    """Cases the user may know of, each annotated with `facts_readable` (whether the user may read
    its facts, persons and conclusion)."""
    base = Case.objects.select_related("unit")
    hidden = Value(False, output_field=BooleanField())
    if not _signed_in(user):
        return base.none().annotate(facts_readable=hidden)
    readers = role_units(user, CASE_READER_ROLES)
    if readers is None:
        return base.annotate(facts_readable=Value(True, output_field=BooleanField()))
    existence = role_units(user, CASE_EXISTENCE_ROLES)
    visible = base if existence is None else base.filter(Q(unit__in=readers) | Q(unit__in=existence))
    if user_has_role(user, *CASE_READER_ROLES):
        readable = ExpressionWrapper(Q(unit__in=readers), output_field=BooleanField())
    else:
        readable = hidden
    return visible.annotate(facts_readable=readable)


def can_read_facts(user, case: Case) -> bool:
    """Whether the user may read the case's facts, persons concerned and conclusion (not only that it
    exists). Uses the `facts_readable` annotation of case_visible_to when present."""
    readable = getattr(case, "facts_readable", None)
    if readable is not None:
        return bool(readable)
    return user_has_role_for_unit(user, CASE_READER_ROLES, case.unit)


def readable_cases_condition(user, *, prefix: str = "") -> Q:
    """A Q over cases (or over `prefix`-related cases) whose facts the user may read: filters on
    facts (title, category, search) apply only to these, so they cannot reveal a hidden case's facts."""
    readers = role_units(user, CASE_READER_ROLES) if _signed_in(user) else Unit.objects.none().values("pk")
    if readers is None:
        return Q()
    if not user_has_role(user, *CASE_READER_ROLES):
        return Q(pk__in=[])
    return Q(**{f"{prefix}unit__in": readers})


def user_may_handle_case(user, case: Case) -> bool:
    return user_has_role_for_unit(user, CASE_HANDLER_ROLES, case.unit)


# --- liability records, objections and rules -----------------------------------------------------------


def liability_visible_to(user) -> QuerySet[Liability]:
    base = Liability.objects.select_related("case__unit", "person", "unit", "position")
    if not _signed_in(user):
        return base.none()
    readers = role_units(user, CASE_READER_ROLES)
    if readers is None:
        return base
    condition = Q(person__user=user)
    if user_has_role(user, *CASE_READER_ROLES):
        condition |= Q(unit__in=readers) | Q(case__unit__in=readers)
    if user_has_role(user, *LIABILITY_UNIT_ROLES):
        leaders = role_units(user, LIABILITY_UNIT_ROLES)
        if leaders is None:
            return base
        condition |= Q(unit__in=leaders)
    return base.filter(condition)


def objection_visible_to(user) -> QuerySet[Objection]:
    return Objection.objects.select_related("liability", "submitted_by__person", "decided_by__person").filter(
        liability__in=liability_visible_to(user).values("pk")
    )


def objections_awaiting_decision(user) -> QuerySet[Objection]:
    """Pending objections the user may decide: a discipline inspector for the case's unit, who did
    not submit it and is not the person concerned."""
    if not user_has_role(user, *CASE_HANDLER_ROLES):
        return Objection.objects.none()
    pending = Objection.objects.filter(decision=Objection.Decision.PENDING).exclude(submitted_by=user)
    pending = pending.exclude(liability__person__user=user)
    units = role_units(user, CASE_HANDLER_ROLES)
    if units is not None:
        pending = pending.filter(liability__case__unit__in=units)
    return pending.select_related("liability__case__unit", "liability__person")


def liability_rule_visible_to(user) -> QuerySet[LiabilityRule]:
    """The joint-liability rules are reference data: any signed-in user may read them."""
    if not _signed_in(user):
        return LiabilityRule.objects.none()
    return LiabilityRule.objects.prefetch_related("levels")
