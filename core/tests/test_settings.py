"""The settings module fails loudly on bad environment values and is safe by default."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]
# Variables the test overlay sets for itself; the subprocess must not inherit them.
_CONTROLLED = {
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "SECURE_SSL_REDIRECT",
    "DEMO_DATA_ALLOWED",
    "DB_PREPARE_THRESHOLD",
}


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("off", False), ("", False)])
def test_env_bool_accepts_usual_spellings(monkeypatch, value, expected):
    monkeypatch.setenv("X_FLAG", value)
    assert env_bool("X_FLAG", default=not expected) is expected


def test_env_bool_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", default=False)


def test_env_int_rejects_text_and_values_below_minimum(monkeypatch):
    monkeypatch.setenv("X_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_NUMBER"):
        env_int("X_NUMBER", 1)
    monkeypatch.setenv("X_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("X_NUMBER", 1, minimum=1)


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("X_LIST", " a.example , b.example,, ")
    assert env_list("X_LIST", []) == ["a.example", "b.example"]


def _run_settings(env: dict, code: str = "import django; django.setup(); print('ok')") -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in _CONTROLLED}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(ROOT / "var" / "settings-test")}, **env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def test_production_settings_refuse_to_start_without_secret_key(tmp_path):
    result = _run_settings({"DEBUG": "0", "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_bad_database_url_is_reported():
    result = _run_settings({"DEBUG": "1", "DATABASE_URL": "nosuchdb://x"})
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


_PRINT_DB_OPTIONS = (
    "from django.conf import settings; print(sorted(settings.DATABASES['default'].get('OPTIONS', {}).items()))"
)
_POSTGRES = "postgres://u@db.invalid:5432/x"


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, "[('prepare_threshold', 5), ('server_side_binding', True)]"),
        ({"DB_PREPARE_THRESHOLD": "2"}, "[('prepare_threshold', 2), ('server_side_binding', True)]"),
        ({"DB_PREPARE_THRESHOLD": "0"}, "[]"),
    ],
)
def test_postgresql_prepares_statements_unless_turned_off(env, expected):
    result = _run_settings({"DEBUG": "1", "DATABASE_URL": _POSTGRES, **env}, _PRINT_DB_OPTIONS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_a_bad_prepare_threshold_is_reported():
    result = _run_settings({"DEBUG": "1", "DATABASE_URL": _POSTGRES, "DB_PREPARE_THRESHOLD": "-1"}, _PRINT_DB_OPTIONS)
    assert result.returncode != 0
    assert "DB_PREPARE_THRESHOLD" in result.stderr


def test_deploy_check_is_clean_with_production_settings():
    result = _run_settings(
        {
            "DEBUG": "0",
            "SECRET_KEY": "x7Jq!p2Lr9#tV4mZ8wKc@1nB6yHd3sFg5uXe0oAiQlRvTbN&jM",
            "ALLOWED_HOSTS": "jdz.example.gov.cn",
            "DEMO_DATA_ALLOWED": "0",
        },
        code="import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_manage_py_in_an_unconfigured_checkout_runs_with_debug_but_never_overrides_an_explicit_debug_off():
    clean = {k: v for k, v in os.environ.items() if k not in _CONTROLLED}
    clean["VAR_DIR"] = str(ROOT / "var" / "settings-test")
    check = [sys.executable, "manage.py", "check"]

    fresh = subprocess.run(check, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)
    production = subprocess.run(
        check, cwd=ROOT, env={**clean, "DEBUG": "0"}, capture_output=True, text=True, timeout=120
    )

    assert fresh.returncode == 0, fresh.stderr[-2000:]
    assert production.returncode != 0
    assert "SECRET_KEY is required" in production.stderr
