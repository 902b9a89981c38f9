import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from accounts.models import LoginEvent

SESSION_STARTED_KEY = "_auth_started_at"
SESSION_SEEN_KEY = "_auth_seen_at"
# Write the last-seen time at most this often, so an active user does not cost a write per request.
_SEEN_RESOLUTION_SECONDS = 30


class SessionTimeoutMiddleware:
    """Server-side idle timeout (30 min) and absolute lifetime (12 h) of browser sessions."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            started = request.session.get(SESSION_STARTED_KEY, now)
            seen = request.session.get(SESSION_SEEN_KEY, now)
            idle = now - seen > settings.SESSION_IDLE_TIMEOUT.total_seconds()
            expired = now - started > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if idle or expired:
                LoginEvent.objects.create(
                    kind=LoginEvent.Kind.TIMEOUT,
                    username=user.get_username(),
                    user=user,
                    ip_address=request.META.get("REMOTE_ADDR"),
                    user_agent=request.META.get("HTTP_USER_AGENT", "")[:255],
                )
                request._session_timed_out = True
                logout(request)
                messages.warning(request, _("Your session has timed out. Please sign in again."))
            else:
                request.session.setdefault(SESSION_STARTED_KEY, started)
                if now - seen >= _SEEN_RESOLUTION_SECONDS or SESSION_SEEN_KEY not in request.session:
                    request.session[SESSION_SEEN_KEY] = now
        return self.get_response(request)


class UserLanguageMiddleware:
    """Chinese by default; a signed-in user's saved choice wins, then the language cookie.

    Replaces LocaleMiddleware so that a browser's Accept-Language never switches the UI away from
    Chinese by itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        available = dict(settings.LANGUAGES)
        user = getattr(request, "user", None)
        language = None
        if user is not None and user.is_authenticated:
            language = user.preferred_language
        if language not in available:
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in available:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
