"""Reads for the Double Clean rating: every list, page, export and API response starts from these.

Who sees what:
- a round in draft, proposed or approved is an unfinished deliberation: only supervisors, the party
  committee and administrators see it (any scope); a published round is seen by everyone signed in;
- a unit rating (and a manual adjustment) is seen with its round, and only for the units in the
  user's data scope; supervisors, the committee and administrators whose scope is all units see the
  ratings of every unit. So a squad leader sees the published grade of their own squad, never another
  squad's, and never a draft.
"""

from django.db.models import Count, Q, QuerySet

from accounts.models import DataScope, Role
from accounts.selectors import scope_filter, user_has_role, user_role_assignments
from ratings.models import Grade, RatingAdjustment, RatingRound, UnitRating

ROUND_OVERSIGHT_ROLES = (Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN)


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def user_has_role_for_all_units(user, roles: tuple[str, ...]) -> bool:
    """Whether one of `roles` is held with scope "all" (a superuser counts for the admin role)."""
    if not _authenticated(user):
        return False
    if Role.ADMIN in roles and user.is_superuser:
        return True
    return any(a.scope == DataScope.ALL and a.role in roles for a in user_role_assignments(user))


def sees_unfinished_rounds(user) -> bool:
    return _authenticated(user) and user_has_role(user, *ROUND_OVERSIGHT_ROLES)


def rating_round_visible_to(user) -> QuerySet[RatingRound]:
    base = RatingRound.objects.select_related("proposed_by__person", "approved_by__person", "published_by__person")
    if not _authenticated(user):
        return base.none()
    if sees_unfinished_rounds(user):
        return base
    return base.filter(status=RatingRound.Status.PUBLISHED)


def _in_scope(queryset: QuerySet, user) -> QuerySet:
    if user_has_role_for_all_units(user, ROUND_OVERSIGHT_ROLES):
        return queryset
    return scope_filter(queryset, user)


def unit_rating_visible_to(user) -> QuerySet[UnitRating]:
    base = UnitRating.objects.select_related("round", "unit", "grade_decided_by__person")
    if not _authenticated(user):
        return base.none()
    return _in_scope(base.filter(round__in=rating_round_visible_to(user).values("pk")), user)


def rating_adjustment_visible_to(user) -> QuerySet[RatingAdjustment]:
    base = RatingAdjustment.objects.select_related("round", "unit", "created_by__person")
    if not _authenticated(user):
        return base.none()
    return _in_scope(base.filter(round__in=rating_round_visible_to(user).values("pk")), user)


def with_grade_counts(rounds: QuerySet[RatingRound]) -> QuerySet[RatingRound]:
    """Annotate each round's number of ratings per grade and of unresolved ties (same query)."""
    return rounds.annotate(
        rating_count=Count("ratings", distinct=True),
        model_count=Count("ratings", filter=Q(ratings__grade=Grade.MODEL), distinct=True),
        demonstration_count=Count("ratings", filter=Q(ratings__grade=Grade.DEMONSTRATION), distinct=True),
        standard_count=Count("ratings", filter=Q(ratings__grade=Grade.STANDARD), distinct=True),
        warning_count=Count("ratings", filter=Q(ratings__grade=Grade.WARNING), distinct=True),
        vetoed_count=Count("ratings", filter=Q(ratings__vetoed=True), distinct=True),
        unresolved_tie_count=Count("ratings", filter=Q(ratings__tie_unresolved=True), distinct=True),
    )


def published_ratings_of_unit(user, unit) -> QuerySet[UnitRating]:
    """The unit's grades in published rounds, as far as the user may see them (the unit page)."""
    return (
        unit_rating_visible_to(user)
        .filter(unit=unit, round__status=RatingRound.Status.PUBLISHED)
        .order_by("-round__year")
    )
