"""The reconciler (on beat, every 30 s): it mends what the broker and dead workers leave
behind. The database says what should be running or waiting; the broker is asked what it holds
only when something looks lost, since asking waits for the workers' answers."""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from campaigns.enums import JobState
from campaigns.models import Render, RenderJob
from campaigns.services.rendering import (
    gave_up,
    job_finish,
    job_locked,
    render_jobs_send,
    thumbnail_queue,
    thumbnail_task_id,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reconciled:
    resent: list[str]
    failed: list[str]
    terminated: list[str]
    thumbnails: list[int]  # renders whose thumbnail task was sent again
    cancelled: list[str]  # asked to stop, their worker gone: nothing left to terminate


THUMBNAILS_RESEND_MAX = 500  # a sweep's share; the next sweep takes the rest


def _held(job: RenderJob) -> float | None:
    """The GPU seconds a dead worker's job held its GPU, as far as anyone knows: from its start
    to its last heartbeat."""
    if job.started_at is None or job.heartbeat_at is None:
        return None
    return (job.heartbeat_at - job.started_at).total_seconds()


def render_jobs_reconcile() -> Reconciled:
    """Mend what the broker and dead workers leave behind (on beat, every 30 s):

    - a queued job whose message the broker no longer holds is sent again;
    - a running job whose worker stopped reporting, and whose message nobody holds, is sent again,
      or failed once it has used its attempts (a poison job never loops; a job that could not
      start counts its attempts too, and fails itself on the last); one asked to cancel is
      cancelled there and then, not sent to a worker only to be cancelled there;
    - a running job asked to cancel that has not stopped within the grace time is terminated;
    - a render without a thumbnail whose thumbnail task the broker no longer holds has it sent
      again, up to RENDER_MAX_ATTEMPTS sends (an image that cannot be read never loops).
    """
    from studio.broker import broker_task_ids
    from studio.celery import app

    now = timezone.now()
    resend_before = now - timedelta(seconds=settings.RENDER_RESEND_AFTER)
    stale_before = now - timedelta(seconds=settings.RENDER_LEASE_SECONDS)
    lost = list(
        RenderJob.objects.filter(
            Q(state=JobState.QUEUED, cancel_requested_at=None)
            & (Q(sent_at__lt=resend_before) | Q(sent_at=None, queued_at__lt=resend_before))
        ).values_list("pk", flat=True)
    )
    orphans = list(
        RenderJob.objects.filter(state=JobState.RUNNING, heartbeat_at__lt=stale_before).values_list(
            "pk", flat=True
        )
    )
    unthumbed = list(
        Render.objects.filter(
            thumbnail="",
            created_at__lt=resend_before,
            thumbnail_sends__lt=settings.RENDER_MAX_ATTEMPTS,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:THUMBNAILS_RESEND_MAX]
    )
    # Asking the broker waits a second for the workers' answers: only when something is suspect.
    suspect = lost or orphans or unthumbed
    held = broker_task_ids(celery_app=app, queues=("gpu", "cpu")) if suspect else None
    resent: list[str] = []
    failed: list[str] = []
    cancelled: list[str] = []
    thumbnails: list[int] = []
    if held is not None:
        for pk in orphans:
            if str(pk) in held:
                continue  # the broker will deliver it again (e.g. Redis' unacked restore)
            with transaction.atomic():
                job = job_locked(pk)
                if job.state != JobState.RUNNING or (job.heartbeat_at or now) >= stale_before:
                    continue
                if job.cancel_requested_at is not None:
                    job_finish(job, JobState.CANCELLED, gpu_seconds=_held(job))
                    cancelled.append(str(pk))
                    continue
                if job.attempts >= settings.RENDER_MAX_ATTEMPTS:
                    job_finish(job, JobState.FAILED, error=gave_up(job), gpu_seconds=_held(job))
                    failed.append(str(pk))
                    continue
                job.state, job.worker = JobState.QUEUED, ""
                job.save(update_fields=["state", "worker"])
                resent.append(str(pk))
        resent += [str(pk) for pk in lost if str(pk) not in held]
        render_jobs_send(uuid.UUID(pk) for pk in resent)
        thumbnails = [render for render in unthumbed if thumbnail_task_id(render) not in held]
        Render.objects.filter(pk__in=thumbnails).update(thumbnail_sends=F("thumbnail_sends") + 1)
        for render in thumbnails:
            thumbnail_queue(render)
    grace_before = now - timedelta(seconds=settings.RENDER_CANCEL_GRACE)
    stuck = list(
        RenderJob.objects.filter(
            state=JobState.RUNNING, cancel_requested_at__lt=grace_before
        ).values_list("pk", "started_at")
    )
    for pk, started_at in stuck:
        app.control.revoke(str(pk), terminate=True, signal="SIGTERM")
        # It held its GPU until now: that time counts against the campaign's budget too.
        RenderJob.objects.filter(pk=pk, state=JobState.RUNNING).update(
            state=JobState.CANCELLED,
            finished_at=now,
            gpu_seconds=(now - started_at).total_seconds() if started_at else None,
        )
    terminated = [str(pk) for pk, _ in stuck]
    if resent or failed or terminated or thumbnails or cancelled:
        logger.warning(
            "Reconciled render jobs: resent %s, failed %s, terminated %s, cancelled %s;"
            " thumbnails resent %s",
            resent,
            failed,
            terminated,
            cancelled,
            thumbnails,
        )
    return Reconciled(resent, failed, terminated, thumbnails, cancelled)
