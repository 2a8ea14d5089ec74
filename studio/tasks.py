import logging

from celery import shared_task
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from studio.broker import orphaned_messages_restore

logger = logging.getLogger(__name__)


@shared_task
def sessions_clear_task() -> int:
    """Delete expired sessions (idempotent: a second run finds nothing to delete)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def broker_orphans_restore_task() -> list[str]:
    """Requeue the messages of workers that died mid-task (see studio.broker)."""
    from studio.celery import app

    restored = orphaned_messages_restore(celery_app=app, min_age=settings.CELERY_ORPHAN_MIN_AGE)
    if restored:
        logger.warning("Requeued %d task(s) of dead workers: %s", len(restored), restored)
    return restored
