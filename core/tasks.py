import logging

from celery import shared_task
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone

from core.models import Notification

logger = logging.getLogger(__name__)


@shared_task(soft_time_limit=300, time_limit=360)
def notification_email_task(batch_size: int = 200) -> int:
    """E-mail notifications not yet e-mailed to recipients that have an address. Each row is
    claimed before sending, so two workers never send the same one twice."""
    sent = 0
    pending = (
        Notification.objects.filter(emailed_at__isnull=True)
        .exclude(Q(recipient__email="") | Q(recipient__email__isnull=True))
        .select_related("recipient")
        .order_by("id")[:batch_size]
    )
    for notification in pending:
        if (
            Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
            != 1
        ):
            continue
        try:
            send_mail(
                notification.title,
                f"{notification.body}\n{notification.url}".strip(),
                None,
                [notification.recipient.email],
            )
            sent += 1
        except OSError:
            logger.exception("e-mail for notification %s failed", notification.pk)
    return sent
