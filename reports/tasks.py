"""The reports as Celery tasks (beat: "reports-half-year" on 5 July, "reports-annual" on 10 January).

A scheduled run writes the period's report only when it has none yet, so running it twice (or two
beats) adds nothing; a new version by hand is `manage.py generate_report` or the reports page.
"""

from celery import shared_task
from django.utils import timezone

from reports.services import previous_half_year, previous_year, report_generate


def _result(report) -> dict:
    return {"id": report.pk, "period": report.period, "version": report.version, "sha256": report.sha256}


@shared_task(soft_time_limit=1500, time_limit=1800)
def report_half_year_task(period: str | None = None) -> dict:
    """The half-year report (default: the first half of this year, on 5 July)."""
    period = period or previous_half_year(timezone.localdate())
    return _result(report_generate(period=period, only_if_missing=True))


@shared_task(soft_time_limit=1500, time_limit=1800)
def report_annual_task(period: str | None = None) -> dict:
    """The annual report (default: the previous year, on 10 January)."""
    period = period or previous_year(timezone.localdate())
    return _result(report_generate(period=period, only_if_missing=True))
