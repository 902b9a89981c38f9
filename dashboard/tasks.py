"""The rollup refresh as a Celery task (beat: every 15 minutes, "dashboard-rollups-every-15-minutes")."""

from datetime import date

from celery import shared_task

from dashboard.rollups import rollups_refresh


@shared_task(soft_time_limit=840, time_limit=890)
def rollups_refresh_task(month: str | None = None) -> dict:
    """Refresh the rollups (`month` "2026-10": that month of every measure); idempotent."""
    first = date.fromisoformat(f"{month}-01") if month else None
    result = rollups_refresh(month=first)
    return {"refreshed_at": result.refreshed_at.isoformat(), "rows": result.rows, "months": result.months}
