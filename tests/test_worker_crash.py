"""A worker killed (SIGKILL) in the middle of the monthly assessment and of the deadline scan: nothing of
the interrupted run survives (each run is one transaction), and running the job again — as Celery's
redelivery (acks_late, reject_on_worker_lost) or the next beat would — leaves every side effect
(alerts, notifications, escalations) exactly once. The worker is a real `celery worker` process on the
real broker (files locally, Redis in CI) and the test database."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count

from config.celery import app
from core.models import Notification
from rectification.models import RectificationItem
from rectification.tasks import deadline_scan_task
from risk.models import Alert, Assessment, ModelHit
from risk.tasks import assessment_run_task
from risk.tests.factories import LOW_THRESHOLDS, MONTH, clerks_deleting_records

pytestmark = [
    pytest.mark.broker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.filterwarnings("ignore:task_always_eager has no effect on send_task"),
]

QUEUE = "crash-test"
ROOT = Path(settings.BASE_DIR)


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _start_worker(tmp_path: Path, name: str = "worker", **extra_env: str) -> subprocess.Popen:
    """A real worker process on the crash-test queue, with the crash tasks loaded; its log is
    `<name>.log` in tmp_path."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        **extra_env,
    }
    log = open(tmp_path / f"{name}.log", "w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            QUEUE,
            "-I",
            "tests.crash_tasks",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
            f"--hostname={name}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log_file = log
    return process


@pytest.fixture
def workers(tmp_path):
    """`workers(name, **env)` starts a worker; all are stopped at the end."""
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        for folder in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[folder]).mkdir(parents=True, exist_ok=True)
    # Nothing left over from an earlier run (a killed task's message may linger on a Redis broker).
    with app.connection_for_write() as broker:
        try:
            broker.default_channel.queue_purge(QUEUE)
        except Exception:  # noqa: S110  (the queue may not exist yet)
            pass
    started = []

    def start(name: str = "worker", **extra_env: str) -> subprocess.Popen:
        started.append(_start_worker(tmp_path, name, **extra_env))
        return started[-1]

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        process.log_file.close()


@pytest.fixture
def worker(workers):
    return workers()


def _kill_when_mid_way(process, marker: Path, log: Path) -> None:
    deadline = time.monotonic() + 90
    while not marker.exists():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"the task never reached the middle:\n{log.read_text()}"
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def test_the_celery_settings_redeliver_a_task_whose_worker_died():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


def test_a_worker_killed_mid_assessment(worker, org, tmp_path, settings):
    settings.RISK_ALERT_THRESHOLDS = LOW_THRESHOLDS
    clerks_deleting_records(org.a1)
    month = f"{MONTH:%Y-%m}"
    marker = tmp_path / "mid-way"

    app.send_task("tests.crash_tasks.assessment_hanging", args=[month, str(marker)], queue=QUEUE)
    _kill_when_mid_way(worker, marker, tmp_path / "worker.log")

    # the interrupted run left nothing: its transaction died with the process
    assert (Assessment.objects.count(), ModelHit.objects.count(), Alert.objects.count()) == (0, 0, 0)
    # run again (redelivery or the next beat): every side effect exactly once
    assessment_run_task(month)
    alerts = list(Alert.objects.values_list("person_id", flat=True))
    assert len(alerts) == 3 and len(set(alerts)) == 3
    state = (Assessment.objects.count(), ModelHit.objects.count(), Alert.objects.count(), Notification.objects.count())
    assessment_run_task(month)
    assert (
        Assessment.objects.count(),
        ModelHit.objects.count(),
        Alert.objects.count(),
        Notification.objects.count(),
    ) == state


def _escalation():
    return (Notification.objects.count(), RectificationItem.objects.get().escalation_level)


def test_a_worker_killed_mid_deadline_scan(worker, open_item, tmp_path):
    RectificationItem.objects.filter(pk=open_item.pk).update(deadline=open_item.deadline - timedelta(days=60))
    day = open_item.deadline.isoformat()
    before = _escalation()
    marker = tmp_path / "mid-way"

    app.send_task("tests.crash_tasks.deadline_scan_hanging", args=[day, str(marker)], queue=QUEUE)
    _kill_when_mid_way(worker, marker, tmp_path / "worker.log")

    assert _escalation() == before
    assert RectificationItem.objects.get(pk=open_item.pk).due_state != "overdue"
    deadline_scan_task(day)
    after = _escalation()
    assert after[0] > before[0] and after[1] > before[1]
    duplicated = Notification.objects.exclude(key="").values("key", "recipient").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicated.exists()
    deadline_scan_task(day)
    assert _escalation() == after


def test_the_broker_delivers_the_task_of_a_killed_worker_again(workers, org, tmp_path, settings):
    """Not run again by hand: Redis holds the message the killed worker had taken (acks_late) and
    delivers it again once it has been unacknowledged for the visibility timeout (an hour in production;
    3 s here), to the next worker, which runs the assessment to its end: every alert exactly once."""
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        pytest.skip("the local broker of `make run` removes a message when a worker takes it: nothing to deliver again")
    with app.connection_for_write() as broker:
        broker.default_channel.client.delete("unacked", "unacked_index")  # no message of an earlier test
    settings.RISK_ALERT_THRESHOLDS = LOW_THRESHOLDS
    clerks_deleting_records(org.a1)
    month = f"{MONTH:%Y-%m}"
    marker = tmp_path / "mid-way"
    quick = {"CELERY_VISIBILITY_TIMEOUT": "3", "CELERY_UNACKED_RESTORE_INTERVAL": "1"}

    # given: the first worker killed in the middle of the assessment, which left nothing
    first = workers("first", **quick)
    app.send_task("tests.crash_tasks.assessment_hanging", args=[month, str(marker)], queue=QUEUE)
    _kill_when_mid_way(first, marker, tmp_path / "first.log")
    assert Assessment.objects.count() == 0

    # when: another worker starts, and nobody sends the task again
    second = workers("second", **quick)
    deadline = time.monotonic() + 90
    while not Assessment.objects.filter(finished_at__isnull=False).exists():
        assert second.poll() is None, (tmp_path / "second.log").read_text()
        assert time.monotonic() < deadline, (
            f"the task was not delivered again:\n{(tmp_path / 'second.log').read_text()}"
        )
        time.sleep(0.5)

    # then: the second worker ran the message the first one had taken, and every alert is there once
    assert "tests.crash_tasks.assessment_hanging" in (tmp_path / "second.log").read_text()
    alerts = list(Alert.objects.values_list("person_id", flat=True))
    assert len(alerts) == 3 and len(set(alerts)) == 3
    assert Assessment.objects.count() == 1
