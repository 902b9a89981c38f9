"""The circuit-breaker scan as a Celery task (beat: every five minutes, "breakers-every-5-minutes").

Registered through CELERY_IMPORTS: Celery's autodiscovery imports `<app>.tasks` only.
"""

from celery import shared_task

from risk.breakers import breakers_run


@shared_task(soft_time_limit=240, time_limit=290)
def breakers_run_task() -> dict:
    """Scan the business records added since the last run; trip the breakers they call for."""
    result = breakers_run()
    return {
        "scanned": result.scanned,
        "batches": result.batches,
        "watermark": result.last_id,
        "created": [breaker.pk for breaker in result.created],
        "already_active": len(result.already_active),
        "allowlisted": len(result.allowlisted),
        "failed_models": result.failed_models,
    }
