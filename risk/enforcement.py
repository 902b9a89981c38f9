"""Enforcing circuit breaks on the platform itself: a platform user under a break in force (active or
restore requested) cannot sign in, is signed out on their next request, and their API token is
refused (accounts.authentication). Business accounts and devices are enforced by the business
systems, from `GET /api/v1/circuit-breaks/?status=active`.

Cost: one indexed EXISTS per signed-in request (the partial unique index one_active_break_per_scope
covers exactly the breaks in force), cached on the user object for the rest of the request.
"""

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from core.expressions import CompiledOnce
from risk.models import CircuitBreak

_CACHE_ATTR = "_circuit_break_suspended"


def _breaks_in_force(username):
    """The circuit breaks in force that name this username (a string or an OuterRef)."""
    return CircuitBreak.objects.filter(
        scope_kind=CircuitBreak.ScopeKind.USER, scope_key=username, status__in=CircuitBreak.ACTIVE_STATUSES
    )


def suspended_expression(model, user_field: str = "user_id") -> CompiledOnce:
    """Whether a circuit break in force names the user whose id is the `model` row's `user_field`: for
    reading it in the same query as the user (token authentication), then `remember_suspended`.

    Correlated on the row's own column (no join of the outer query), it is compiled once (bench B4)."""
    named = _breaks_in_force(OuterRef("username")).values("pk")
    user = get_user_model().objects.filter(pk=OuterRef(user_field))
    return CompiledOnce(model, Exists(user.filter(Exists(named))))


def remember_suspended(user, suspended: bool) -> None:
    setattr(user, _CACHE_ATTR, bool(suspended))


def user_is_suspended(user) -> bool:
    """Whether a circuit break in force names this platform user (cached per user object)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.pk:
        return False
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = _breaks_in_force(user.get_username()).exists()
        setattr(user, _CACHE_ATTR, cached)
    return cached


class BreakerAwareModelBackend(ModelBackend):
    """ModelBackend that refuses to sign in a suspended user (the login form and the token endpoint
    then fail as for a wrong password). Keep axes' backend before it.

    Restoring a session (`get_user`) checks only `is_active`, as ModelBackend does: a suspended user
    who is already signed in is signed out, with a message and an audit event, by
    CircuitBreakMiddleware rather than silently turned anonymous."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not user_is_suspended(user)

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if ModelBackend.user_can_authenticate(self, user) else None

    async def aget_user(self, user_id):
        return await sync_to_async(self.get_user)(user_id)


class CircuitBreakMiddleware:
    """Signs out a signed-in user as soon as a circuit break suspends them. After
    AuthenticationMiddleware, MessageMiddleware and the session timeout."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user_is_suspended(user):
            from audit.services import audit_record

            audit_record(
                actor=user,
                action="circuit_break.sign_out",
                object_type="accounts.user",
                object_id=str(user.pk),
                object_repr=user.get_username(),
                note=request.path[:200],
            )
            logout(request)
            messages.error(
                request,
                _("Your account is suspended by a circuit break. Ask your unit leader to request a restore."),
            )
        return self.get_response(request)
