"""The twins' reconciler (on beat, every 30 s): a capture photo still waiting for its checks,
or a version still queued for training, whose message the broker no longer holds, is sent
again; a training whose worker went silent, and whose message nobody holds, is queued again or
failed once it has used its attempts. The database says what waits; the broker is asked what
it holds only when something has waited too long, since asking waits for the workers' answers.
A message delivered twice does no harm: both tasks are idempotent on their row."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from twins.enums import CheckStatus, TrainingStatus
from twins.models import CapturePhoto, TwinVersion
from twins.services.capture import capture_check_task_id, capture_photo_check_send
from twins.services.training import training_task_id, twin_version_recover, twin_version_send

logger = logging.getLogger(__name__)

RESEND_MAX = 500  # a sweep's share of each kind; the next sweep takes the rest


@dataclass(frozen=True)
class TwinsReconciled:
    checks: list[int]  # capture photos whose checks were sent again
    trainings: list[int]  # versions whose training was sent again
    failed: list[int]  # silent trainings out of attempts


def twins_reconcile() -> TwinsReconciled:
    from studio.broker import broker_task_ids
    from studio.celery import app

    now = timezone.now()
    before = now - timedelta(seconds=settings.TWIN_RESEND_AFTER)
    silent_before = now - timedelta(seconds=settings.TWIN_TRAINING_LEASE_SECONDS)
    waiting = CapturePhoto.objects.filter(check_status=CheckStatus.PENDING, created_at__lt=before)
    pending = list(waiting.order_by("created_at").values_list("pk", flat=True)[:RESEND_MAX])
    queued_versions = TwinVersion.objects.filter(
        status=TrainingStatus.QUEUED, cancel_requested=False, queued_at__lt=before
    )
    queued = list(queued_versions.order_by("queued_at").values_list("pk", flat=True)[:RESEND_MAX])
    running = TwinVersion.objects.filter(status=TrainingStatus.RUNNING).filter(
        Q(heartbeat_at__lt=silent_before) | Q(heartbeat_at=None, started_at__lt=silent_before)
    )
    silent = list(running.values_list("pk", flat=True)[:RESEND_MAX])
    if not pending and not queued and not silent:
        return TwinsReconciled([], [], [])
    held = broker_task_ids(celery_app=app, queues=("cpu", "gpu"))
    if held is None:  # a broker that cannot be asked: nobody may call a message lost
        return TwinsReconciled([], [], [])
    checks = [pk for pk in pending if capture_check_task_id(pk) not in held]
    trainings = [pk for pk in queued if training_task_id(pk) not in held]
    for pk in checks:
        capture_photo_check_send(pk)
    for pk in trainings:
        twin_version_send(pk)
    failed = []
    for pk in silent:
        if training_task_id(pk) in held:
            continue  # the broker will deliver it again (e.g. Redis' unacked restore)
        done = twin_version_recover(version_id=pk)
        if done == TrainingStatus.QUEUED:
            trainings.append(pk)
        elif done == TrainingStatus.FAILED:
            failed.append(pk)
    if checks or trainings or failed:
        logger.warning(
            "Reconciled twins: checks resent %s, trainings resent %s, trainings failed %s",
            checks,
            trainings,
            failed,
        )
    return TwinsReconciled(checks, trainings, failed)
