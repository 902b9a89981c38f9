"""The monthly comprehensive assessment (每月综合研判) as a Celery task (beat: the 1st of each month)."""

from celery import shared_task

from risk.services import assessment_month, assessment_run


@shared_task(soft_time_limit=3000, time_limit=3600)
def assessment_run_task(month: str | None = None) -> dict:
    """Assess `month` ("2026-10"; default: the month that has just ended); idempotent per month."""
    result = assessment_run(month=assessment_month(month))
    return {
        "month": f"{result.assessment.month:%Y-%m}",
        "hits": result.hits,
        "scores": result.scores,
        "alerts_created": result.alerts_created,
        "alerts_withdrawn": result.alerts_withdrawn,
    }
