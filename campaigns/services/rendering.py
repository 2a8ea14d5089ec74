"""Render jobs: sending them to the gpu queue, running them on a worker, cancel, shortlist,
thumbnails. (Retry and re-render queue new jobs, in matrix; the reconciler that mends what the
broker lost is in reconciler.)

The database is the truth about every job. A job moves queued → running → succeeded | failed |
cancelled only here and in the reconciler (a silent running job back to queued, or failed). Its
id is its Celery task id, so a message delivered twice finds the job already running (another
worker holds its lease) or finished, and does nothing.
"""

import hashlib
import io
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from PIL import Image

from campaigns.enums import JOB_ACTIVE, JOB_TERMINAL, JobState
from campaigns.keys import request_key
from campaigns.models import Campaign, Look, Render, RenderJob, RenderWorker, look_items
from campaigns.poses import POSES
from campaigns.rendering import render_backend
from campaigns.rendering.base import (
    FORMATS,
    GarmentLayer,
    RenderCancelled,
    RenderRequest,
    RenderResult,
    Scene,
)
from campaigns.services.matrix import pair_reasons
from studio.broker import unless_broker_down
from studio.enums import Perm
from studio.errors import Conflict, NotFound
from studio.media import local_file, media_kept
from studio.permissions import Actor
from studio.services import audit_record
from twins.models import CapturePhoto, TwinVersion
from twins.revocation import Revocation
from twins.services import LicenseBook

logger = logging.getLogger(__name__)


# --- Sending --------------------------------------------------------------------------------------
SEND_INLINE_MAX = 200  # a larger batch is published by a task, not in the director's request


def render_batch_send_after_commit(batch: uuid.UUID, job_ids: list[uuid.UUID]) -> None:
    """Publish a batch's messages once the transaction commits: a small one at once, a large
    one from a task on the default queue. If either message is lost, the reconciler re-sends."""
    if len(job_ids) <= SEND_INLINE_MAX:
        transaction.on_commit(lambda: render_jobs_send(job_ids))
        return

    def later() -> None:
        from campaigns.tasks import render_batch_send_task

        with unless_broker_down(f"the {len(job_ids)} jobs of batch {batch}"):
            render_batch_send_task.delay(str(batch))

    transaction.on_commit(later)


def render_batch_send(*, batch: uuid.UUID) -> int:
    """Publish the jobs of a batch that are queued and not sent yet (idempotent)."""
    return render_jobs_send(
        RenderJob.objects.filter(batch=batch, sent_at=None).values_list("pk", flat=True)
    )


def render_jobs_send(job_ids: Iterable[uuid.UUID]) -> int:
    """Publish one message per job, pipelined in one batch, each with its job's priority; then
    stamp them sent. Jobs no longer queued are not sent."""
    from campaigns.tasks import render_job_run_task
    from studio.celery import app

    jobs = list(
        RenderJob.objects.filter(pk__in=list(job_ids), state=JobState.QUEUED).values_list(
            "pk", "priority"
        )
    )
    if not jobs:
        return 0
    with unless_broker_down(f"{len(jobs)} render jobs"):
        with app.producer_or_acquire() as producer, producer.batch():
            for pk, priority in jobs:
                render_job_run_task.apply_async(
                    (str(pk),), task_id=str(pk), priority=priority, producer=producer
                )
        RenderJob.objects.filter(pk__in=[pk for pk, _ in jobs]).update(sent_at=timezone.now())
        return len(jobs)
    return 0  # not sent: still queued, unstamped, for the reconciler


# --- Running on a worker --------------------------------------------------------------------------
class LeaseHeld(Exception):
    """Another worker is rendering this job and reported within its lease: try again later."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"held by another worker for {retry_in:.0f} s more")
        self.retry_in = retry_in


def job_locked(job_id: Any) -> RenderJob:
    """The job's row alone, locked until the transaction ends."""
    return RenderJob.objects.select_for_update().get(pk=job_id)


def _jobs_to_run() -> QuerySet[RenderJob]:
    """Jobs with all that a render needs, each locked (its own row and its twin version's, as
    retiring the version locks it, so its retirement is read as committed) until the transaction
    ends. (Not the twin: the license check reads and locks it afresh. Each table joined here
    costs planning time on every job.)"""
    return (
        RenderJob.objects.select_for_update(of=("self", "version"))
        .select_related("shot__scene", "shot__look", "campaign__brand", "version")
        .prefetch_related(look_items("shot__look__items"))
    )


def job_finish(job: RenderJob, state: str, *, error: str = "", **fields: Any) -> RenderJob:
    """End the job in ``state``. A cancelled job keeps the reason it was asked to stop for,
    which the cancel wrote in its error (a talent's revocation, say)."""
    if state == JobState.CANCELLED and not error:
        error = job.error
    job.state, job.error, job.finished_at = state, error, timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    job.save()
    if state == JobState.FAILED:
        audit_record(
            actor=None,
            verb="render.failed",
            obj=job,
            brand=job.brand,
            payload={"error": error, "attempts": job.attempts},
        )
    return job


def gave_up(job: RenderJob) -> str:
    return f"Gave up after {job.attempts} attempts: the worker stopped each time."


def _license_reasons(job: RenderJob) -> tuple[str, ...]:
    """What stands against the job's render now, with the twin and license rows locked."""
    twin_id = job.version.twin_id
    book = LicenseBook(twins=[twin_id], brand=job.campaign.brand, lock=True)
    return pair_reasons(
        book, job.campaign, twin_id, job.shot.look.categories(), timezone.localdate()
    )


RETIRED = "A retired version is never rendered again."


def _claim(job_id: str, worker: str) -> RenderJob | None:
    """Take the job for this worker, or say why not. Checks the license again, holding the
    license rows until the job is marked running, so a revocation cannot slip in between."""
    now = timezone.now()
    lease = timedelta(seconds=settings.RENDER_LEASE_SECONDS)
    with transaction.atomic():
        job = _jobs_to_run().filter(pk=job_id).first()
        if job is None or job.state in JOB_TERMINAL:
            return None
        if job.cancel_requested_at is not None:
            job_finish(job, JobState.CANCELLED)
            return None
        if job.state == JobState.RUNNING and job.heartbeat_at and job.heartbeat_at + lease > now:
            raise LeaseHeld((job.heartbeat_at + lease - now).total_seconds() + 1)
        if job.attempts >= settings.RENDER_MAX_ATTEMPTS:
            job_finish(job, JobState.FAILED, error=gave_up(job))
            return None
        reasons = _license_reasons(job)
        if reasons:
            job_finish(job, JobState.FAILED, error="License check at start: " + " ".join(reasons))
            return None
        if job.version.retired_at is not None:
            error = f"The talent retired version {job.version.number} of the twin. {RETIRED}"
            job_finish(job, JobState.FAILED, error=error)
            return None
        job.state, job.worker, job.gpu, job.error = JobState.RUNNING, worker, "", ""
        # Keyed by what it renders now: the look or a cut-out may have changed since it queued.
        job.idempotency_key = request_key(
            job.shot,
            job.version,
            job.shot.look.items.all(),
            seed=job.seed,
            backend=job.backend,
            params=job.params,
        )
        job.attempts += 1
        job.started_at = job.heartbeat_at = now
        job.progress_step = 0
        job.save()
    return job


def _start_failed(job_id: str, error: str) -> None:
    """Taking the job raised (the database refused, say): a job still queued counts the
    attempt and keeps the error, for the reconciler to send it again, and is failed once it has
    used its attempts, so a job that cannot start never loops."""
    with transaction.atomic():
        job = RenderJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != JobState.QUEUED:
            return
        job.attempts += 1
        if job.attempts >= settings.RENDER_MAX_ATTEMPTS:
            error = f"Gave up after {job.attempts} attempts: {error}"
            job_finish(job, JobState.FAILED, error=error)
        else:
            job.error = error
            job.save(update_fields=["attempts", "error"])


def _base_model(version: TwinVersion) -> str:
    """The base weights a LoRA was trained on, where this worker has them at the same path (a
    LoRA fits only its own base), else the render setting."""
    if version.base_model and Path(version.base_model).is_dir():
        return version.base_model
    return settings.RENDER_BASE_MODEL


def _request(job: RenderJob) -> RenderRequest:
    shot, version = job.shot, job.version
    pose = POSES[shot.pose]
    annotations = (version.annotations.get("poses") or {}).get(pose.angle) or {}
    reference = None
    if annotations:
        photo = CapturePhoto.objects.get(pk=annotations["photo"])
        reference = local_file(photo.image, f"The reference photo of version {version.number}")
    scene = shot.scene
    width, height = FORMATS[shot.format]
    items = sorted(shot.look.items.all(), key=lambda item: item.layer)
    return RenderRequest(
        seed=job.seed,
        width=width,
        height=height,
        reference=reference,  # type: ignore[arg-type]  # None only for generative backends
        pose=annotations,
        garments=tuple(
            GarmentLayer(
                item.slot,
                item.layer,
                local_file(item.garment.cutout, f"The cut-out of {item.garment}"),
            )
            for item in items
            if item.garment.cutout
        ),
        scene=Scene(
            scene.kind,
            str(local_file(scene.image, f"The image of scene {scene.name}"))
            if scene.image
            else scene.value,
        ),
        params=job.params,
        lora=local_file(version.weights_uri, f"The weights of version {version.number}")
        if version.weights_uri
        else None,
        trigger_token=version.trigger_token,
        base_model=_base_model(version),
        description=", ".join(item.garment.name for item in items),
        keypoints=pose.keypoints,
    )


_noted: set[tuple[str, str]] = set()


def _worker_has(worker: str, backend: str) -> None:
    """Note on the render farm that this worker has ``backend`` loaded and warm (once per
    process: a backend stays loaded for the process' life)."""
    if (worker, backend) in _noted:
        return
    record = RenderWorker.objects.filter(hostname=worker).first()
    if record is None:
        return  # its heartbeat has not landed yet: note it with the next job
    if backend not in record.backends:
        record.backends = sorted({*record.backends, backend})
        record.save(update_fields=["backends"])
    _noted.add((worker, backend))


@dataclass(frozen=True)
class _Picture:
    """A render's stored file and what the Render row says of it."""

    name: str
    sha256: str
    width: int
    height: int
    meta: dict[str, Any]


def _reused(job: RenderJob) -> _Picture | None:
    """The brand's earlier render of exactly this request (same idempotency key), if any."""
    earlier = (
        Render.objects.filter(
            brand=job.brand_id,
            job__idempotency_key=job.idempotency_key,
            job__state=JobState.SUCCEEDED,
        )
        .exclude(job=job)
        .first()
    )
    if earlier is None:
        return None
    meta = {**earlier.meta, "reused_from": str(earlier.job_id)}
    return _Picture(str(earlier.image), earlier.sha256, earlier.width, earlier.height, meta)


def _stored(job: RenderJob, result: RenderResult) -> _Picture:
    digest = hashlib.sha256(result.png).hexdigest()
    name = f"renders/{job.brand_id}/{digest[:2]}/{digest}.png"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(result.png))
    return _Picture(name, digest, result.width, result.height, dict(result.meta))


def _mine(job: RenderJob, worker: str) -> bool:
    """Whether ``worker`` still runs the job: not if it was taken over meanwhile (this worker
    was presumed dead), when whatever this worker made of it, a picture or an error, is moot."""
    return job.state == JobState.RUNNING and job.worker == worker


def render_job_run(*, job_id: str, worker: str = "") -> RenderJob | None:
    """Run one job (the gpu task calls this). Idempotent on the job: a finished job is left
    alone, one another worker renders is left to it, a dead worker's job starts again."""
    try:
        job = _claim(job_id, worker)
    except LeaseHeld:
        raise
    except Exception as exc:
        logger.exception("Render job %s could not start", job_id)
        _start_failed(job_id, f"Could not start: {type(exc).__name__}: {exc}")
        raise
    if job is None:
        return RenderJob.objects.filter(pk=job_id).first()
    started = time.monotonic()

    def progress(step: int, total: int) -> bool:
        """Report a step and renew the lease; False (stop) once a cancel was asked for, or once
        another worker took the job over."""
        mine = RenderJob.objects.filter(
            pk=job_id, state=JobState.RUNNING, worker=worker, cancel_requested_at=None
        )
        return bool(
            mine.update(progress_step=step, progress_total=total, heartbeat_at=timezone.now())
        )

    try:
        picture = _reused(job)
        if picture is None:
            result = render_backend(job.backend).render(_request(job), progress)
            _worker_has(worker, job.backend)
    except RenderCancelled:
        return _ended(job_id, worker, _ran(started), JobState.CANCELLED)
    except Exception as exc:
        return _ended(job_id, worker, _ran(started), JobState.FAILED, exc)
    seconds = _ran(started)
    with media_kept():  # from storing the picture until its render commits
        try:
            picture = picture or _stored(job, result)
        except Exception as exc:  # read by the director: what failed, not where on the server
            error = f"The picture could not be stored ({type(exc).__name__}); see the worker's log."
            return _ended(job_id, worker, seconds, JobState.FAILED, exc, error)
        return _succeeded(job_id, worker, picture, seconds)


def _ran(started: float) -> float:
    """The GPU seconds since ``started`` (time.monotonic()): a render that failed or was
    cancelled used its GPU time too, and counts against the campaign's budget."""
    return round(time.monotonic() - started, 3)


def _ended(
    job_id: str,
    worker: str,
    seconds: float,
    state: str,
    exc: Exception | None = None,
    error: str = "",
) -> RenderJob:
    """The job cancelled, or failed with ``exc`` (shown as ``error`` where given), after
    ``seconds`` on the GPU, unless another worker took it over."""
    if exc is not None:
        logger.exception("Render job %s failed", job_id)
    with transaction.atomic():
        job = job_locked(job_id)
        if not _mine(job, worker):
            return job
        if exc is not None and not error:
            error = f"{type(exc).__name__}: {exc}"
        return job_finish(job, state, error=error, gpu_seconds=seconds)


def _succeeded(job_id: str, worker: str, picture: _Picture, seconds: float) -> RenderJob:
    with transaction.atomic():
        job = job_locked(job_id)
        if not _mine(job, worker):
            return job
        if job.cancel_requested_at is not None:
            return job_finish(job, JobState.CANCELLED, gpu_seconds=seconds)
        render = Render.objects.create(
            job=job,
            brand_id=job.brand_id,
            campaign_id=job.campaign_id,
            image=picture.name,
            sha256=picture.sha256,
            width=picture.width,
            height=picture.height,
            meta=picture.meta,
            thumbnail_sends=1,  # sent once this commits
        )
        job_finish(
            job,
            JobState.SUCCEEDED,
            gpu_seconds=seconds,
            gpu=str(picture.meta.get("gpu", "")),
            progress_step=max(job.progress_step, job.progress_total),
        )
        transaction.on_commit(lambda: thumbnail_queue(render.pk))
    return job


def thumbnail_task_id(render_id: int) -> str:
    """The Celery task id of a render's thumbnail, so that the reconciler can tell whether the
    broker still holds it."""
    return f"render-thumbnail-{render_id}"


def thumbnail_queue(render_id: int) -> None:
    from campaigns.tasks import render_thumbnail_task

    with unless_broker_down(f"the thumbnail of render {render_id}"):
        render_thumbnail_task.apply_async((render_id,), task_id=thumbnail_task_id(render_id))


def thumbnail_jpeg(image: bytes) -> bytes:
    """A board-sized JPEG of an encoded image: the image work of a thumbnail, no storage."""
    picture = Image.open(io.BytesIO(image))
    side = settings.RENDER_THUMBNAIL_SIZE
    # reducing_gap=1: box-average by the whole factor first, then bilinear for the rest (less
    # than 2×): a quarter of the time of Lanczos all the way, 44 dB from it on a preview render,
    # below what the JPEG itself changes.
    picture.thumbnail((side, side), Image.Resampling.BILINEAR, reducing_gap=1.0)
    out = io.BytesIO()
    picture.convert("RGB").save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue()


def render_thumbnail_make(*, render_id: int) -> Render | None:
    """A small JPEG of the render for boards (cpu queue; idempotent)."""
    render = Render.objects.filter(pk=render_id).first()
    if render is None or render.thumbnail:
        return render
    with render.image.open("rb") as handle:
        jpeg = thumbnail_jpeg(handle.read())
    digest = hashlib.sha256(jpeg).hexdigest()
    name = f"renders/{render.brand_id}/thumbs/{digest}.jpg"
    with media_kept():
        if not default_storage.exists(name):  # renders of the same picture share their thumbnail
            name = default_storage.save(name, ContentFile(jpeg))
        if Render.objects.filter(pk=render_id, thumbnail="").update(thumbnail=name):
            render.thumbnail.name = name
        else:  # made twice at once (a duplicate delivery): the first one stays; a spare file,
            # saved under another name, is the media sweep's (the name may be another render's)
            render.refresh_from_db(fields=["thumbnail"])
    return render


# --- Cancel and shortlist -----------------------------------------------------------------------
def _brand_jobs(actor: Actor) -> QuerySet[RenderJob]:
    brand = actor.require(Perm.MANAGE_CAMPAIGNS)
    return RenderJob.objects.filter(brand=brand)


@dataclass(frozen=True)
class Cancelled:
    queued: int  # cancelled at once
    running: int  # asked to stop at their next step


def _cancel(jobs: QuerySet[RenderJob], reason: str = "") -> Cancelled:
    now = timezone.now()
    queued = jobs.filter(state=JobState.QUEUED).update(
        state=JobState.CANCELLED, finished_at=now, cancel_requested_at=now, error=reason
    )
    running = jobs.filter(state=JobState.RUNNING, cancel_requested_at=None).update(
        cancel_requested_at=now, error=reason
    )
    return Cancelled(queued, running)


def campaign_renders_stop(campaign: Campaign, reason: str) -> Cancelled:
    """Cancel the campaign's queued renders and stop its running ones, saying why (the caller
    holds the campaign's row and records the act)."""
    return _cancel(RenderJob.objects.filter(campaign=campaign, state__in=JOB_ACTIVE), reason)


@transaction.atomic
def render_job_cancel(*, actor: Actor, job: RenderJob) -> RenderJob:
    """Cancel a queued job at once; ask a running one to stop at its next step (the backend
    checks between steps; the reconciler terminates it if it does not)."""
    locked = _brand_jobs(actor).select_for_update().filter(pk=job.pk).first()
    if locked is None:
        raise NotFound("No such render job.")
    if locked.state in JOB_TERMINAL:
        raise Conflict(f"This job is {locked.get_state_display().lower()} already.")
    if locked.cancel_requested_at is not None:
        raise Conflict("This job is stopping already.")
    _cancel(RenderJob.objects.filter(pk=locked.pk))
    audit_record(actor=actor.user, verb="render.cancelled", obj=locked, brand=actor.brand)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def render_jobs_cancel(
    *, actor: Actor, campaign_id: int | None = None, batch: uuid.UUID | None = None
) -> Cancelled:
    """Cancel every active job of a campaign or of a batch (of that campaign, where both are
    given). A campaign or batch not the brand's is not found."""
    if campaign_id is None and batch is None:
        raise Conflict("Say which campaign or batch to cancel.")
    jobs = _brand_jobs(actor)
    if campaign_id is not None:
        if not Campaign.objects.filter(pk=campaign_id, brand=actor.brand).exists():
            raise NotFound("No such campaign.")
        jobs = jobs.filter(campaign=campaign_id)
    if batch is not None:
        jobs = jobs.filter(batch=batch)
        if not jobs.exists():
            raise NotFound("No such batch.")
    done = _cancel(jobs.filter(state__in=JOB_ACTIVE))
    audit_record(
        actor=actor.user,
        verb="render.batch_cancelled",
        brand=actor.brand,
        payload={
            "campaign": campaign_id,
            "batch": str(batch) if batch else None,
            "queued": done.queued,
            "running": done.running,
        },
    )
    return done


@transaction.atomic
def render_shortlist(*, actor: Actor, render: Render, shortlisted: bool) -> Render:
    brand = actor.require(Perm.MANAGE_CAMPAIGNS)
    locked = Render.objects.select_for_update().filter(pk=render.pk, brand=brand).first()
    if locked is None:
        raise NotFound("No such render.")
    if shortlisted == (locked.shortlisted_at is not None):
        return locked
    locked.shortlisted_at = timezone.now() if shortlisted else None
    locked.shortlisted_by = actor.user if shortlisted else None
    locked.save(update_fields=["shortlisted_at", "shortlisted_by"])
    audit_record(
        actor=actor.user,
        verb="render.shortlisted" if shortlisted else "render.unshortlisted",
        obj=locked,
        brand=brand,
    )
    return locked


# --- Revocation -----------------------------------------------------------------------------------
def _uncovered(jobs: QuerySet[RenderJob], twin_id: int) -> QuerySet[RenderJob]:
    """Those of ``jobs`` (renders of one twin) that no license of their brand covers now, as
    a worker's start checks them: a brand may hold another license of the twin, for other
    markets or garments, say. Checked once per campaign and look, not per job."""
    pairs = set(jobs.order_by().values_list("campaign", "shot__look").distinct())
    campaigns = Campaign.objects.select_related("brand").in_bulk({c for c, _ in pairs})
    looks = Look.objects.prefetch_related(look_items()).in_bulk({look for _, look in pairs})
    books: dict[int, LicenseBook] = {}
    today = timezone.localdate()
    uncovered = Q(pk__in=[])
    for campaign_id, look_id in pairs:
        campaign = campaigns[campaign_id]
        if campaign.brand_id not in books:
            books[campaign.brand_id] = LicenseBook(twins=[twin_id], brand=campaign.brand)
        book, categories = books[campaign.brand_id], looks[look_id].categories()
        if pair_reasons(book, campaign, twin_id, categories, today):
            uncovered |= Q(campaign=campaign_id, shot__look=look_id)
    return jobs.filter(uncovered)


def render_jobs_revoked(revocation: Revocation) -> None:
    """A talent revoked a license or all consent, or retired a twin version: stop every render
    of that twin that no license still covers, or of that version (registered with
    twins.revocation in CampaignsConfig.ready)."""
    jobs = RenderJob.objects.filter(version__twin=revocation.twin_id, state__in=JOB_ACTIVE)
    if revocation.kind == "license":
        jobs = _uncovered(jobs.filter(brand__in=revocation.brand_ids), revocation.twin_id)
    if revocation.kind == "version":
        jobs = jobs.filter(version=revocation.version_id)
        reason = revocation.reason + " " + RETIRED
    else:
        reason = f"The talent revoked the {revocation.kind}." + (
            f" {revocation.reason}" if revocation.reason else ""
        )
    done = _cancel(jobs, reason)
    if done.queued or done.running:
        logger.info(
            "Revocation %s stopped %s queued and %s running renders",
            revocation,
            done.queued,
            done.running,
        )
