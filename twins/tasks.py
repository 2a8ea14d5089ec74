import logging

from celery import shared_task
from django.utils import timezone

from twins.services import license_expire_due
from twins.services.capture import capture_photo_check
from twins.services.reconciler import twins_reconcile
from twins.services.training import twin_version_run

logger = logging.getLogger(__name__)


@shared_task
def license_expire_task() -> list[int]:
    """End every active license whose term is over (idempotent; on beat every hour)."""
    expired = license_expire_due(today=timezone.localdate())
    if expired:
        logger.info("Expired licenses %s", expired)
    return expired


@shared_task
def capture_photo_check_task(photo_id: int) -> str | None:
    """Quality checks of one capture photo (cpu queue; idempotent on the photo's id)."""
    photo = capture_photo_check(photo_id=photo_id)
    return photo.check_status if photo else None


@shared_task(bind=True)
def twin_version_train_task(self, version_id: int) -> str | None:
    """Train one twin version (gpu queue; idempotent on the version's id)."""
    version = twin_version_run(version_id=version_id, worker=self.request.hostname or "")
    return version.status if version else None


@shared_task
def twins_reconcile_task() -> dict[str, list[int]]:
    """Re-send capture checks and trainings the broker lost, fail silent trainings out of
    attempts (on beat)."""
    done = twins_reconcile()
    return {"checks": done.checks, "trainings": done.trainings, "failed": done.failed}
