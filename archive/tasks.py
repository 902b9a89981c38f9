"""The year-end freeze of the integrity archive as a Celery task (beat: 2 January, 03:00)."""

from celery import shared_task
from django.utils import timezone

from archive.services import archive_freeze


@shared_task(soft_time_limit=3000, time_limit=3600)
def archive_freeze_task(year: int | None = None) -> dict:
    """Freeze the archive of `year` (default: the year that has just ended); idempotent per year."""
    result = archive_freeze(year=year if year is not None else timezone.localdate().year - 1)
    return {"year": result.year, "created": result.created, "existing": result.existing}
