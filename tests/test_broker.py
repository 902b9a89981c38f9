"""A task travels through the real broker to a real worker: the filesystem transport locally,
Redis in CI (CELERY_BROKER_URL). Everything else runs tasks eagerly."""

import time
from pathlib import Path

import pytest
from django.conf import settings

from audit.models import AuditCheck
from audit.tasks import audit_chain_verify_task
from config.celery import app

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def real_worker():
    from celery.contrib.testing.worker import start_worker

    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        for folder in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[folder]).mkdir(parents=True, exist_ok=True)
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            yield
    finally:
        app.conf.task_always_eager = True


def test_task_runs_on_a_worker_through_the_broker(real_worker):
    # when a periodic task is dispatched like beat does
    audit_chain_verify_task.delay()
    # then a worker picks it up and writes the day's check
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not AuditCheck.objects.exists():
        time.sleep(0.2)
    check = AuditCheck.objects.get()
    assert check.is_intact


def test_beat_schedule_names_only_registered_tasks():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]
