"""Security headers that Django's SecurityMiddleware does not set: the Content-Security-Policy.

The policy allows scripts only from this origin — no inline script, no eval — so an injected
`<script>` or `onclick=` in user-entered text cannot run even if escaping failed somewhere. Styles may
be inline (`style=` attributes and the charts' computed styles); images may be data: or blob: URLs
(chart exports). Nothing loads from another origin: the intranet is offline, and every asset is served
from `static/`. `core/tests/test_security_headers.py` checks the header and that no template carries
inline script.
"""

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext

DEFAULT_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def content_security_policy() -> str:
    policy = {**DEFAULT_POLICY, **getattr(settings, "CONTENT_SECURITY_POLICY", {})}
    return "; ".join(f"{directive} {' '.join(sources)}" for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    """Adds the Content-Security-Policy (and Permissions-Policy) to every response that lacks one."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.header)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        return response


NUL = "\x00"


class NulParameterMiddleware:
    """A query parameter (name or value) holding a NUL character is a 400 naming the parameter.

    No one types one; PostgreSQL refuses it in any text parameter, so a view or filter that passes a
    query parameter to the database (a search, a prefix) failed with a 500 there. Form fields already
    refuse it (Django's and DRF's CharField); this covers every query string at once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = sorted({key for key, values in request.GET.lists() if NUL in key or any(NUL in v for v in values)})
        if bad:
            return self._refuse(request, bad)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, names: list[str]):
        message = gettext("Null characters are not allowed.")
        shown = [name.replace(NUL, "\\x00") for name in names]
        if request.path.startswith("/api/"):
            return JsonResponse({name: [message] for name in shown}, status=400)
        body = render_to_string("400_parameter.html", {"errors": [(name, message) for name in shown]})
        return HttpResponseBadRequest(body)
