import logging

from celery import shared_task
from django.utils import timezone

from audit.services import audit_check_run

logger = logging.getLogger(__name__)


@shared_task(soft_time_limit=1200, time_limit=1500)
def audit_chain_verify_task() -> None:
    check = audit_check_run(on_date=timezone.localdate())
    if not check.is_intact:
        logger.error("Audit chain broken: %s", check.message)
