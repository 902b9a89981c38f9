"""Reads for the organisation, and the one place that computes a user's data scope.

Every entity's `*_visible_to(user)` in every app starts from `visible_units(user)` or
`scope_filter(...)`, so what a person may see is decided here and nowhere else.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import DateTimeField, OuterRef, Q, QuerySet

from accounts.models import DataScope, PartyOrganization, Person, Position, Post, Role, RoleAssignment, Unit
from core.expressions import CompiledOnce, JSONList, json_moment

_CACHE_ATTR = "_role_assignments_cache"


def _json_fields(model, prefix: str = "") -> dict[str, str]:
    return {f"{prefix}{field.attname}": f"{prefix}{field.attname}" for field in model._meta.concrete_fields}


def _from_json(model, db: str, row: dict, prefix: str = ""):
    """An instance of `model` from the columns a JSONList read (`_json_fields`), converted as the
    database's own converters would: the JSON holds a date-time as text and a boolean as 0/1 on SQLite."""
    names, values = [], []
    for model_field in model._meta.concrete_fields:
        value = row[f"{prefix}{model_field.attname}"]
        if isinstance(model_field, DateTimeField):
            value = json_moment(value)
        elif value is not None:
            value = model_field.to_python(value)
        names.append(model_field.attname)
        values.append(value)
    return model.from_db(db, names, values)


def role_assignments_expression(model, user_field: str = "user_id") -> CompiledOnce:
    """The active role assignments (with their units) of the user whose id is the `model` row's
    `user_field`, as a JSON list, for reading them in the same query as the user (token
    authentication, bench B4), then `remember_role_assignments`. Compiled once."""
    fields = {**_json_fields(RoleAssignment), **_json_fields(Unit, prefix="unit__")}
    return CompiledOnce(
        model,
        JSONList(
            RoleAssignment.objects.filter(user_id=OuterRef(user_field), is_active=True),
            group="user_id",
            fields=fields,
            order_by=("id",),
        ),
    )


def remember_role_assignments(user, rows: list[dict]) -> None:
    """Keep the assignments read by `role_assignments_expression` as the user's, for this request."""
    db = user._state.db
    assignments = []
    for row in rows:
        assignment = _from_json(RoleAssignment, db, row)
        assignment.unit = _from_json(Unit, db, row, prefix="unit__")
        assignments.append(assignment)
    setattr(user, _CACHE_ATTR, assignments)


def user_role_assignments(user) -> list[RoleAssignment]:
    """Active role assignments of the user, loaded once per request (cached on the user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user, is_active=True).select_related("unit").order_by("id"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def user_roles(user) -> set[str]:
    roles = {assignment.role for assignment in user_role_assignments(user)}
    if getattr(user, "is_superuser", False) and user.is_active:
        roles.add(Role.ADMIN)
    return roles


def user_has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def user_sees_all(user) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(assignment.scope == DataScope.ALL for assignment in user_role_assignments(user))


def _scope_condition(user, *, roles: tuple[str, ...] | None = None) -> Q | None:
    """Q over Unit for the user's scope; None means no restriction (all units)."""
    if getattr(user, "is_superuser", False) and user.is_active and (roles is None or Role.ADMIN in roles):
        return None
    condition = Q(pk__in=[])
    for assignment in user_role_assignments(user):
        if roles is not None and assignment.role not in roles:
            continue
        if assignment.scope == DataScope.ALL:
            return None
        if assignment.scope == DataScope.OWN_UNIT:
            condition |= Q(pk=assignment.unit_id)
        else:
            condition |= Q(path__startswith=assignment.unit.path)
    return condition


def visible_units(user, *, roles: tuple[str, ...] | None = None) -> QuerySet[Unit]:
    """Units the user may see, through any role (or only through `roles` when given)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Unit.objects.none()
    condition = _scope_condition(user, roles=roles)
    return Unit.objects.all() if condition is None else Unit.objects.filter(condition)


def scope_filter(
    queryset: QuerySet, user, *, unit_field: str = "unit", roles: tuple[str, ...] | None = None
) -> QuerySet:
    """Restrict `queryset` to rows whose `unit_field` lies in the user's scope (one SQL subquery)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    condition = _scope_condition(user, roles=roles)
    if condition is None:
        return queryset
    return queryset.filter(**{f"{unit_field}__in": Unit.objects.filter(condition).values("pk")})


def unit_visible_to(user) -> QuerySet[Unit]:
    return visible_units(user).select_related("parent", "party_organization")


def person_visible_to(user) -> QuerySet[Person]:
    return scope_filter(Person.objects.select_related("unit", "post", "user"), user)


def position_visible_to(user) -> QuerySet[Position]:
    return scope_filter(Position.objects.select_related("person", "unit"), user)


def party_organization_visible_to(user) -> QuerySet[PartyOrganization]:
    return scope_filter(PartyOrganization.objects.select_related("unit", "parent", "secretary"), user)


def post_visible_to(user) -> QuerySet[Post]:
    """Posts are reference data shared by the whole detachment: any signed-in user may read them."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Post.objects.none()
    return Post.objects.select_related("business_area")


def unit_subtree(unit: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(path__startswith=unit.path)


@dataclass
class UnitResponsibility:
    """Who answered for a unit on a date: the four levels of the joint-liability chain."""

    unit: Unit
    on_date: date
    chiefs: list[Position] = field(default_factory=list)
    team_members: list[Position] = field(default_factory=list)
    mid_levels: list[Position] = field(default_factory=list)


def unit_responsibility_on(unit: Unit, on_date: date) -> UnitResponsibility:
    """Who was chief, team member in charge and mid-level in charge of `unit` on `on_date`.

    Each level is answered by the nearest unit on the path from `unit` up to the root that has such
    a holder: the chief of a squad is its brigade's chief; the team member in charge is the one whose
    `in_charge_of` names the unit or its nearest ancestor; the mid-level in charge is the unit's own
    mid-level holder or one in charge of it. One query, whatever the tree's size.
    """
    ancestor_ids = unit.ancestor_ids
    depth_of = {unit_id: depth for depth, unit_id in enumerate(ancestor_ids)}
    positions = (
        Position.objects.held_on(on_date)
        .filter(level__in=[Position.Level.CHIEF, Position.Level.TEAM_MEMBER, Position.Level.MID_LEVEL])
        .filter(Q(unit_id__in=ancestor_ids) | Q(in_charge_of__in=ancestor_ids))
        .select_related("person", "unit")
        .prefetch_related("in_charge_of")
        .distinct()
    )

    best: dict[str, tuple[int, list[Position]]] = {}
    for position in positions:
        if position.level == Position.Level.CHIEF:
            reach = [position.unit_id]
        else:
            reach = [u.pk for u in position.in_charge_of.all()]
            if position.level == Position.Level.MID_LEVEL:
                reach.append(position.unit_id)
        depths = [depth_of[u] for u in reach if u in depth_of]
        if not depths:
            continue
        depth = max(depths)
        current_depth, holders = best.get(position.level, (-1, []))
        if depth > current_depth:
            best[position.level] = (depth, [position])
        elif depth == current_depth:
            holders.append(position)

    def holders_of(level: str) -> list[Position]:
        return sorted(best.get(level, (0, []))[1], key=lambda p: (p.start_date, p.pk))

    return UnitResponsibility(
        unit=unit,
        on_date=on_date,
        chiefs=holders_of(Position.Level.CHIEF),
        team_members=holders_of(Position.Level.TEAM_MEMBER),
        mid_levels=holders_of(Position.Level.MID_LEVEL),
    )


def user_has_role_for_unit(user, roles: tuple[str, ...], unit: Unit) -> bool:
    """Whether one of the user's `roles` has `unit` within its scope."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    condition = _scope_condition(user, roles=roles)
    if condition is None:  # one of these roles with scope "all"
        return True
    return Unit.objects.filter(condition, pk=unit.pk).exists()


def users_with_role_for_unit(roles: tuple[str, ...], unit: Unit) -> QuerySet:
    """Active users holding one of `roles` whose scope covers `unit` (one query)."""
    from accounts.models import User

    covering = (
        Q(role_assignments__scope=DataScope.ALL)
        | Q(role_assignments__scope=DataScope.OWN_UNIT, role_assignments__unit=unit)
        | Q(role_assignments__scope=DataScope.UNIT_AND_BELOW, role_assignments__unit_id__in=unit.ancestor_ids)
    )
    return User.objects.filter(
        covering, is_active=True, role_assignments__is_active=True, role_assignments__role__in=roles
    ).distinct()


def role_holders_by_unit(roles: tuple[str, ...], unit_ids, *, exact: bool = False) -> dict[int, set[int]]:
    """For each unit id, the active users holding one of `roles` whose scope covers it (or, with
    `exact`, whose role is anchored at that very unit). Two queries, bounded by the size of the
    organisation, not of the data: used to address notifications for many items at once."""
    unit_ids = set(unit_ids)
    paths = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "path"))
    holders: dict[int, set[int]] = {unit_id: set() for unit_id in unit_ids}
    assignments = RoleAssignment.objects.filter(role__in=roles, is_active=True, user__is_active=True).values_list(
        "user_id", "scope", "unit_id", "unit__path"
    )
    for user_id, scope, anchor_id, anchor_path in assignments:
        for unit_id, path in paths.items():
            if exact:
                covers = anchor_id == unit_id
            elif scope == DataScope.ALL:
                covers = True
            elif scope == DataScope.OWN_UNIT:
                covers = anchor_id == unit_id
            else:
                covers = path.startswith(anchor_path)
            if covers:
                holders[unit_id].add(user_id)
    return holders
