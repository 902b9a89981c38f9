"""docker-compose.yml is checked by reading it (no Docker engine here): it must stay in step with
the settings module."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SETTINGS_TEXT = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")


def test_production_services_are_all_there():
    assert set(COMPOSE["services"]) == {"postgres", "redis", "migrate", "web", "worker", "beat"}


def test_datastores_have_healthchecks_and_app_waits_for_them():
    for name in ("postgres", "redis"):
        assert "healthcheck" in COMPOSE["services"][name]
    for name in ("migrate", "web", "worker", "beat"):
        depends = COMPOSE["services"][name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy" if "postgres" in depends else True
    for name in ("web", "worker", "beat"):
        assert COMPOSE["services"][name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_every_app_variable_is_read_by_the_settings():
    environment = COMPOSE["services"]["web"]["environment"]
    read = set(re.findall(r'env_(?:str|bool|int|list)\("([A-Z_]+)"', SETTINGS_TEXT))
    unknown = {name for name in environment if name not in read and name != "TZ"}
    assert not unknown, f"compose sets variables the settings never read: {unknown}"


def test_production_environment_is_safe():
    environment = COMPOSE["services"]["web"]["environment"]
    assert environment["DEBUG"] == "0"
    assert environment["DEMO_DATA_ALLOWED"] == "0"
    assert environment["TZ"] == "Asia/Shanghai"
    assert "?" in environment["SECRET_KEY"]  # required, no default
    assert environment["CELERY_BROKER_URL"].startswith("redis://")
    assert environment["DATABASE_URL"].startswith("postgres://")


def test_exactly_one_beat_and_web_runs_gunicorn():
    beats = [name for name, service in COMPOSE["services"].items() if "beat" in " ".join(service.get("command", []))]
    assert beats == ["beat"]
    assert COMPOSE["services"]["web"]["command"][0] == "gunicorn"
