"""Receivers that write the login log. They record; they decide nothing."""

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from accounts.models import LoginEvent


def _request_facts(request) -> dict:
    if request is None:
        return {"ip_address": None, "user_agent": ""}
    return {
        "ip_address": request.META.get("REMOTE_ADDR"),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:255],
    }


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED_KEY] = now
        request.session[SESSION_SEEN_KEY] = now
    LoginEvent.objects.create(
        kind=LoginEvent.Kind.SUCCESS, username=user.get_username(), user=user, **_request_facts(request)
    )


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    LoginEvent.objects.create(kind=LoginEvent.Kind.FAILURE, username=username, **_request_facts(request))


@receiver(user_logged_out)
def on_logged_out(sender, request, user, **kwargs):
    if user is None or getattr(request, "_session_timed_out", False):
        return
    LoginEvent.objects.create(
        kind=LoginEvent.Kind.LOGOUT, username=user.get_username(), user=user, **_request_facts(request)
    )


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    LoginEvent.objects.create(
        kind=LoginEvent.Kind.LOCKOUT,
        username=str(username or "")[:150],
        ip_address=ip_address,
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:255] if request is not None else ""),
    )
