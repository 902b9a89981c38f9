from datetime import timedelta
from functools import cache

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.models import ApiToken
from accounts.selectors import remember_role_assignments, role_assignments_expression
from accounts.services import api_token_lookup
from risk.enforcement import remember_suspended, suspended_expression


@cache
def _user_reads() -> dict:
    """What the token's query reads of its user besides the user's row: whether a break in force
    suspends the user, and the user's active role assignments (expressions compiled once)."""
    return {
        "user_suspended": suspended_expression(ApiToken),
        "user_role_assignments": role_assignments_expression(ApiToken),
    }


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` (or `Bearer <key>`) with a hashed, expiring key."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        try:
            header = authentication.get_authorization_header(request).split()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from None
        if not header or header[0].decode("latin-1").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        # One query: the token, its user, whether a circuit break suspends that user, and the user's
        # roles with their units (the data scope of every read of this request).
        token = api_token_lookup(key, **_user_reads())
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        remember_suspended(token.user, token.user_suspended)
        remember_role_assignments(token.user, token.user_role_assignments)
        if token.user_suspended:
            raise exceptions.AuthenticationFailed(_("This account is suspended by a circuit break."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return "Token"
