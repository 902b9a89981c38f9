"""Login, lockout, session timeouts, the login log and API tokens (等保 level 3 basics)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from accounts.models import ApiToken, LoginEvent
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"


def post_login(client, username, password, ip="10.1.1.1"):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_page_is_chinese_by_default(client):
    response = client.get(LOGIN_URL, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert 'lang="zh-CN"' in response.content.decode()
    assert response["Content-Language"] == "zh-hans"


def test_successful_login_rotates_session_key_and_is_logged(client, squad_leader):
    client.get(LOGIN_URL)
    client.session.save()
    key_before = client.session.session_key
    response = post_login(client, "squad_leader", PASSWORD)
    assert response.status_code == 302
    assert client.session.session_key != key_before
    event = LoginEvent.objects.get(kind=LoginEvent.Kind.SUCCESS)
    assert event.username == "squad_leader" and event.ip_address == "10.1.1.1"


def test_failed_login_is_logged(client, squad_leader):
    response = post_login(client, "squad_leader", "wrong-password")
    assert response.status_code == 200
    assert LoginEvent.objects.filter(kind=LoginEvent.Kind.FAILURE, username="squad_leader").count() == 1


def test_five_failures_lock_out_even_the_right_password(client, squad_leader):
    # given five failures within 15 minutes
    for _ in range(5):
        post_login(client, "squad_leader", "wrong-password")
    # when the right password follows
    response = post_login(client, "squad_leader", PASSWORD)
    # then the account is locked, the user is not signed in, and the lockout is logged
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert LoginEvent.objects.filter(kind=LoginEvent.Kind.LOCKOUT, username="squad_leader").exists()


def test_four_failures_do_not_lock(client, squad_leader):
    for _ in range(4):
        post_login(client, "squad_leader", "wrong-password")
    assert post_login(client, "squad_leader", PASSWORD).status_code == 302


def test_lockout_is_keyed_by_username_and_ip(client, squad_leader):
    for _ in range(5):
        post_login(client, "squad_leader", "wrong-password", ip="10.9.9.9")
    # the same user from another address is not locked
    assert post_login(client, "squad_leader", PASSWORD, ip="10.1.1.2").status_code == 302


def test_lockout_expires_after_cooloff(client, squad_leader, settings):
    from axes.models import AccessAttempt

    for _ in range(5):
        post_login(client, "squad_leader", "wrong-password")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    from axes.models import AccessAttemptExpiration

    AccessAttemptExpiration.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert post_login(client, "squad_leader", PASSWORD).status_code == 302


def _age_session(client, *, seen_ago: float, started_ago: float):
    session = client.session
    now = time.time()
    session[SESSION_SEEN_KEY] = now - seen_ago
    session[SESSION_STARTED_KEY] = now - started_ago
    session.save()


def test_idle_timeout_signs_out_after_30_minutes(client, squad_leader):
    post_login(client, "squad_leader", PASSWORD)
    _age_session(client, seen_ago=31 * 60, started_ago=40 * 60)
    response = client.get("/")
    assert response.status_code == 302 and LOGIN_URL in response["Location"]
    assert LoginEvent.objects.filter(kind=LoginEvent.Kind.TIMEOUT, username="squad_leader").exists()


def test_activity_within_30_minutes_keeps_the_session(client, squad_leader):
    post_login(client, "squad_leader", PASSWORD)
    _age_session(client, seen_ago=29 * 60, started_ago=5 * 3600)
    assert client.get("/").status_code == 200


def test_absolute_timeout_after_12_hours_even_when_active(client, squad_leader):
    post_login(client, "squad_leader", PASSWORD)
    _age_session(client, seen_ago=10, started_ago=12 * 3600 + 60)
    assert client.get("/").status_code == 302


def test_logout_is_logged(client, squad_leader):
    post_login(client, "squad_leader", PASSWORD)
    client.post("/accounts/logout/")
    assert LoginEvent.objects.filter(kind=LoginEvent.Kind.LOGOUT, username="squad_leader").exists()


# --- API token -------------------------------------------------------------------------------------


def test_token_for_valid_credentials_authenticates_api_calls(api, squad_leader):
    response = api.post("/api/v1/auth/token/", {"username": "squad_leader", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    key = response.json()["token"]
    # only the hash is stored
    assert not ApiToken.objects.filter(key_hash=key).exists()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = api.get("/api/v1/me/").json()
    assert me["username"] == "squad_leader"
    assert me["roles"][0]["scope"] == "own_unit"


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"username": "squad_leader"},
        {"password": "x"},
        {"username": ["a", "b"], "password": "x"},
        {"username": "u" * 500, "password": "x"},
        {"username": "squad_leader", "password": {"nested": 1}},
    ],
)
def test_malformed_token_requests_answer_400_with_field_errors(api, squad_leader, payload):
    response = api.post("/api/v1/auth/token/", payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) <= {"username", "password"}
    assert ApiToken.objects.count() == 0


def test_wrong_password_answers_400_without_token(api, squad_leader):
    response = api.post(
        "/api/v1/auth/token/", {"username": "squad_leader", "password": "nope-nope-nope"}, format="json"
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert ApiToken.objects.count() == 0


def test_non_json_body_answers_400(api, squad_leader):
    response = api.generic("POST", "/api/v1/auth/token/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_token_endpoint_locks_out_after_five_failures(api, squad_leader):
    for _ in range(5):
        api.post("/api/v1/auth/token/", {"username": "squad_leader", "password": "bad-password-1"}, format="json")
    response = api.post("/api/v1/auth/token/", {"username": "squad_leader", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert "detail" in response.json()
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize("state", ["expired", "revoked", "inactive_user", "garbage"])
def test_unusable_tokens_are_refused(api, squad_leader, state):
    from accounts.services import api_token_issue

    token, key = api_token_issue(user=squad_leader)
    if state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "revoked":
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    elif state == "inactive_user":
        squad_leader.is_active = False
        squad_leader.save()
    else:
        key = "不是令牌"
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 401


def test_language_choice_is_remembered_on_the_user(client, squad_leader):
    client.force_login(squad_leader)
    client.post("/accounts/language/", {"language": "en", "next": "/"})
    squad_leader.refresh_from_db()
    assert squad_leader.preferred_language == "en"
    # a new session (another browser) gets English too
    client.logout()
    client.cookies.clear()
    client.force_login(squad_leader)
    assert client.get("/")["Content-Language"] == "en"


def test_language_switch_ignores_unknown_language_and_foreign_redirect(client, squad_leader):
    client.force_login(squad_leader)
    response = client.post("/accounts/language/", {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    squad_leader.refresh_from_db()
    assert squad_leader.preferred_language == "zh-hans"


@pytest.mark.parametrize(
    "password, ok", [("Short-1a", False), ("123456789012345", False), ("Long-enough-pass-7", True)]
)
def test_password_policy_requires_twelve_characters_and_not_only_digits(password, ok):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)
