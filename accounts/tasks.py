from celery import shared_task
from django.core import management


@shared_task(soft_time_limit=600, time_limit=900)
def sessions_clear_task() -> None:
    """Drop expired sessions; running it twice changes nothing more."""
    management.call_command("clearsessions")
