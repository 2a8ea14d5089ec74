import logging

from celery import shared_task
from django.utils import timezone

from twins.services import license_expire_due

logger = logging.getLogger(__name__)


@shared_task
def license_expire_task() -> list[int]:
    """End every active license whose term is over (idempotent; on beat every hour)."""
    expired = license_expire_due(today=timezone.localdate())
    if expired:
        logger.info("Expired licenses %s", expired)
    return expired
