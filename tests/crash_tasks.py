"""Tasks for tests/test_worker_crash.py only (loaded by the crash test's worker with `-I`): each runs a
real periodic job, but hangs in the middle of its transaction — after the alerts or the reminders and
escalations have been written, before the commit — and leaves a marker file, so that the test can kill
the worker process exactly there."""

import time
from pathlib import Path

from celery import shared_task

HANG_SECONDS = 120


def _hang_after(module, name: str, marker: str):
    if not Path(marker).parent.exists():
        # A stale message redelivered after its test has gone: do nothing rather than hang.
        raise RuntimeError(f"stale crash-test message: {marker}")
    if Path(marker).exists():
        # Delivered again after the worker that ran it was killed mid-way: run the job to its end.
        return
    original = getattr(module, name)

    def hanging(*args, **kwargs):
        result = original(*args, **kwargs)
        Path(marker).write_text("mid-way", encoding="utf-8")
        time.sleep(HANG_SECONDS)
        return result

    setattr(module, name, hanging)


@shared_task(name="tests.crash_tasks.assessment_hanging", acks_late=True)
def assessment_hanging(month: str, marker: str) -> None:
    from risk import services
    from risk.tasks import assessment_run_task

    _hang_after(services, "_raise_alerts", marker)
    assessment_run_task(month)


@shared_task(name="tests.crash_tasks.deadline_scan_hanging", acks_late=True)
def deadline_scan_hanging(day: str, marker: str) -> None:
    from rectification import escalation
    from rectification.tasks import deadline_scan_task

    _hang_after(escalation, "escalation_messages", marker)
    deadline_scan_task(day)
