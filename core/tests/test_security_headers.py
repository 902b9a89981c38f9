"""The security headers of every response, and templates that keep to the Content-Security-Policy."""

import re
from pathlib import Path

import pytest
from django.conf import settings

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def _templates() -> list[Path]:
    roots = [Path(settings.BASE_DIR) / "templates"] + [
        path for path in Path(settings.BASE_DIR).glob("*/templates") if ".venv" not in path.parts
    ]
    return [path for root in roots for path in root.rglob("*.html")]


def test_no_template_carries_inline_script_or_event_handlers():
    offenders = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        # <script type="application/json"> (json_script) is data, not script.
        for match in INLINE_SCRIPT.finditer(text):
            if "application/json" not in match.group(0):
                offenders.append(f"{path}: inline <script>")
        if INLINE_HANDLER.search(text):
            offenders.append(f"{path}: inline event handler")
        if JAVASCRIPT_URL.search(text):
            offenders.append(f"{path}: javascript: URL")
    assert _templates(), "no templates found"
    assert offenders == []


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/api/docs/", "/healthz"])
def test_every_response_carries_the_policy(client, url):
    response = client.get(url)
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-eval" not in policy and "http" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_and_csrf_cookies_are_http_only():
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.CSRF_COOKIE_HTTPONLY is True


@pytest.mark.django_db
def test_swagger_ui_loads_its_init_script_from_a_url(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert not INLINE_SCRIPT.search(page.content.decode())
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
