"""Security headers that Django's SecurityMiddleware does not set: the Content-Security-Policy.

The policy allows scripts only from this origin — no inline script, no eval — so an injected
`<script>` or `onclick=` in user-entered text cannot run even if escaping failed somewhere. Styles may
be inline (`style=` attributes and the charts' computed styles); images may be data: or blob: URLs
(chart exports). Nothing loads from another origin: the intranet is offline, and every asset is served
from `static/`. `core/tests/test_security_headers.py` checks the header and that no template carries
inline script.
"""

from django.conf import settings

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
