"""The quarterly risk-alert lists as a Celery task (beat: the first day of each quarter).

Registered by risk.apps.RiskConfig.ready(): Celery's autodiscovery imports `<app>.tasks` only.
"""

from celery import shared_task
from django.utils import timezone

from risk.lists import default_issuer, previous_quarter, risk_lists_generate


@shared_task(soft_time_limit=1500, time_limit=1800)
def risk_lists_generate_task(quarter: str | None = None) -> dict:
    """Generate the lists of `quarter` (default: the quarter that has just ended); idempotent."""
    quarter = quarter or previous_quarter(timezone.localdate())
    result = risk_lists_generate(quarter=quarter, issuer=default_issuer())
    return {
        "quarter": result.quarter,
        "created": [risk_list.pk for risk_list in result.created],
        "existing": len(result.existing),
        "failed": result.failed,
    }
