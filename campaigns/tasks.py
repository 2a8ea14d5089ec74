import logging
import uuid

from celery import shared_task

from campaigns import workers  # noqa: F401  (workers announce themselves on the render farm)
from campaigns.services import render_job_run, render_jobs_reconcile, render_thumbnail_make
from campaigns.services.rendering import LeaseHeld, render_batch_send

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=None)
def render_job_run_task(self, job_id: str) -> str | None:
    """Render one job (gpu queue; its task id is the job's id; idempotent on it)."""
    try:
        job = render_job_run(job_id=job_id, worker=self.request.hostname or "")
    except LeaseHeld as held:
        # A duplicate delivery while another worker renders it: look again once the lease
        # would have run out, in case that worker died.
        raise self.retry(countdown=held.retry_in) from held
    return job.state if job else None


@shared_task
def render_batch_send_task(batch: str) -> int:
    """Publish a large batch's job messages (default queue; idempotent: sent jobs are skipped)."""
    return render_batch_send(batch=uuid.UUID(batch))


@shared_task
def render_thumbnail_task(render_id: int) -> str | None:
    """A board thumbnail of one render (cpu queue; idempotent)."""
    render = render_thumbnail_make(render_id=render_id)
    return render.thumbnail.name if render and render.thumbnail else None


@shared_task
def render_jobs_reconcile_task() -> dict[str, list[str]]:
    """Re-send jobs and thumbnails the broker lost, fail poison jobs, end cancels that did not
    stop (on beat)."""
    done = render_jobs_reconcile()
    return {
        "resent": done.resent,
        "failed": done.failed,
        "terminated": done.terminated,
        "cancelled": done.cancelled,
        "thumbnails": [str(pk) for pk in done.thumbnails],
    }
