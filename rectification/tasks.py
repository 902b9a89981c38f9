from datetime import date

from celery import shared_task
from django.utils import timezone

from rectification.services import deadline_scan


@shared_task(soft_time_limit=1500, time_limit=1800)
def deadline_scan_task(on_date: str | None = None) -> dict:
    """The daily deadline scan (beat at 01:00); idempotent per day."""
    today = date.fromisoformat(on_date) if on_date else timezone.localdate()
    result = deadline_scan(today=today)
    return {
        "date": str(today),
        "overdue": result.marked_overdue,
        "due_soon": result.marked_due_soon,
        "notifications": result.notifications,
        "escalations": result.escalations,
    }
