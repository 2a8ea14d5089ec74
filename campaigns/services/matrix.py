"""The shot matrix: plan it (how many renders, the GPU time against the budget, every
combination the license or the talent's terms forbid and why), then queue it in bulk: one insert
of shots, one of jobs, one batch of messages after commit; and queue a campaign's failed shots,
or its renders of changed looks or scenes, again, or one shot (retry, re-render)."""

import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import product
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from campaigns.enums import (
    JOB_ACTIVE,
    CampaignStatus,
    JobState,
    Priority,
)
from campaigns.keys import render_outdated, request_key
from campaigns.models import Campaign, Look, LookItem, RenderJob, Scene, Shot, look_items
from campaigns.poses import POSES
from campaigns.rendering import render_backend
from campaigns.rendering.base import FORMATS, VersionInfo
from campaigns.selectors import campaign_gpu_use, seconds_per_render
from campaigns.services.production import campaign_own
from studio.db import bulk_insert
from studio.enums import Perm
from studio.errors import Conflict, NotFound, StudioError
from studio.permissions import Actor
from studio.services import audit_record
from twins.enums import TrainingStatus
from twins.models import Twin, TwinVersion
from twins.services import LicenseBook

MAX_VARIANTS = 20
MAX_MATRIX = 20_000


# --- The shot matrix ------------------------------------------------------------------------------
@dataclass(frozen=True)
class MatrixSpec:
    looks: tuple[int, ...]
    twins: tuple[int, ...]
    poses: tuple[str, ...]
    scenes: tuple[int, ...]
    formats: tuple[str, ...]
    variants: int = 1
    priority: int = Priority.NORMAL


@dataclass(frozen=True)
class Forbidden:
    """A part of the matrix that will not be rendered, and why."""

    look: Look
    twin: Twin
    pose: str  # empty: every pose
    reasons: tuple[str, ...]


@dataclass
class MatrixPlan:
    campaign: Campaign
    spec: MatrixSpec
    cells: list[tuple[Look, Twin, TwinVersion, str, Scene, str, int]]
    forbidden: list[Forbidden]
    already: int  # cells that are in the matrix already and are not queued again
    seconds_per_render: float
    used_seconds: float  # spent and committed to jobs still running or queued
    # Rendered all the same: what would stop publishing on the campaign's last day (a license
    # that ends first, say; the director may renew or publish early), and scenes the backend
    # does not draw (the preview still shows the composition).
    warnings: list[str]

    @property
    def renders(self) -> int:
        return len(self.cells)

    @property
    def estimate_seconds(self) -> float:
        return round(self.renders * self.seconds_per_render, 1)

    @property
    def budget_left(self) -> float:
        return max(0.0, self.campaign.gpu_budget_seconds - self.used_seconds)

    @property
    def over_budget(self) -> bool:
        return self.estimate_seconds > self.budget_left


def _ids(values: Iterable[Any], what: str) -> tuple[int, ...]:
    try:
        ids = tuple(sorted({int(v) for v in values}))
    except (TypeError, ValueError) as exc:
        raise StudioError(f"The {what} are given by their ids.") from exc
    if not ids:
        raise StudioError(f"Pick at least one of the {what}.")
    return ids


def _clean_spec(spec: MatrixSpec) -> MatrixSpec:
    poses = tuple(sorted(set(spec.poses)))
    unknown = [p for p in poses if p not in POSES]
    if not poses or unknown:
        raise StudioError(f"Poses are at least one of {', '.join(POSES)}.")
    formats = tuple(f for f in FORMATS if f in set(spec.formats))
    if not formats or len(formats) != len(set(spec.formats)):
        raise StudioError(f"Formats are at least one of {', '.join(FORMATS)}.")
    if not 1 <= spec.variants <= MAX_VARIANTS:
        raise StudioError(f"Variants (seeds) are 1 to {MAX_VARIANTS}.")
    if spec.priority not in Priority.values:
        raise StudioError("Priority is rush, normal or background.")
    return MatrixSpec(
        looks=_ids(spec.looks, "looks"),
        twins=_ids(spec.twins, "twins"),
        poses=poses,
        scenes=_ids(spec.scenes, "scenes"),
        formats=formats,
        variants=spec.variants,
        priority=spec.priority,
    )


def latest_versions(twin_ids: Iterable[int]) -> dict[int, TwinVersion]:
    """The newest renderable version of each twin (trained, not retired)."""
    versions: dict[int, TwinVersion] = {}
    for version in TwinVersion.objects.filter(
        twin__in=list(twin_ids), status=TrainingStatus.SUCCEEDED, retired_at=None
    ).order_by("twin_id", "-number"):
        versions.setdefault(version.twin_id, version)
    return versions


def shot_version_current(shot: Shot, newest: dict[int, TwinVersion]) -> str:
    """A shot renders the twin version it was planned with until the talent retires that one;
    then the twin's newest renderable version (``newest``, by twin) takes its place, the cell
    staying the matrix's. Says why the shot cannot render at all, or nothing."""
    if shot.version.retired_at is None:
        return ""
    retired = f"The talent retired version {shot.version.number} of the twin"
    version = newest.get(shot.twin_id)
    if version is None:
        return f"{retired} and no other version is trained."
    info = VersionInfo(annotations=version.annotations, weights_uri=version.weights_uri)
    missing = render_backend(shot.campaign.backend).missing(info, POSES[shot.pose].angle)
    if missing:
        return f"{retired}; in version {version.number}: {missing}"
    shot.version = version
    shot.save(update_fields=["version"])
    return ""


def pair_reasons(
    book: LicenseBook, campaign: Campaign, twin_id: int, categories: list[str], on: date
) -> tuple[str, ...]:
    """What the licenses and the talent's terms say against rendering this twin in garments of
    ``categories`` for every channel and market of the campaign, on ``on`` (no queries: the
    book has read what the checks need). A campaign that names no channel or market is
    covered by nothing: no use is checked, so none is allowed."""
    if not campaign.channels or not campaign.markets:
        return ("The campaign names no channel or no market: a license covers a use on both.",)
    reasons: dict[str, None] = {}
    for channel, market in product(campaign.channels, campaign.markets):
        check = book.check(
            twin_id,
            channel=channel,
            market=market,
            on=on,
            categories=categories,
            content_tags=campaign.content_tags,
        )
        reasons.update({reason.message: None for reason in check.reasons})
    return tuple(reasons)


def _plan(actor: Actor, campaign: Campaign, spec: MatrixSpec, *, lock: bool) -> MatrixPlan:
    brand = actor.require(Perm.MANAGE_CAMPAIGNS)
    if campaign.brand_id != brand.pk:
        raise NotFound("No such campaign.")
    if campaign.status == CampaignStatus.ARCHIVED:
        raise Conflict("The campaign is archived: restore it to draft to render again.")
    spec = _clean_spec(spec)
    found = Look.objects.filter(brand=brand, pk__in=spec.looks).prefetch_related(look_items())
    if lock:  # as deleting a look locks it: a look is never deleted under its shots' queueing
        found = found.select_for_update()
    looks = {look.pk: look for look in found}
    if len(looks) != len(spec.looks):
        raise StudioError("No such look in your brand: " + _missing(spec.looks, looks) + ".")
    book = LicenseBook(twins=spec.twins, brand=brand, lock=lock)
    twins = book.twins
    if len(twins) != len(spec.twins):
        raise StudioError("No such twin: " + _missing(spec.twins, twins) + ".")
    scenes = {s.pk: s for s in Scene.objects.filter(campaign=campaign, pk__in=spec.scenes)}
    if len(scenes) != len(spec.scenes):
        raise StudioError("No such scene in this campaign: " + _missing(spec.scenes, scenes) + ".")
    if len(spec.looks) * len(spec.twins) * len(spec.poses) * len(spec.scenes) > MAX_MATRIX // (
        len(spec.formats) * spec.variants
    ):
        raise StudioError(f"A matrix has at most {MAX_MATRIX:,} shots: queue it in parts.")
    backend = render_backend(campaign.backend)
    versions = latest_versions(spec.twins)
    today = timezone.localdate()
    undrawn = [s for s in scenes.values() if s.kind not in backend.scene_kinds]
    existing = set(
        Shot.objects.filter(campaign=campaign).values_list(
            "look_id", "twin_id", "pose", "scene_id", "format", "variant"
        )
    )
    cells, forbidden, already = [], [], 0
    warnings: dict[str, None] = {}
    if undrawn:  # rendered all the same: the preview shows the composition
        kinds = " or ".join(sorted({scene.kind for scene in undrawn}))
        names = ", ".join(sorted(scene.name for scene in undrawn))
        warnings[
            f"The {backend.name} backend does not draw {kinds} scenes: shots in {names} get a "
            "plain backdrop."
        ] = None
    later: tuple[str, ...]
    for look_id, twin_id in product(spec.looks, spec.twins):
        look, twin = looks[look_id], twins[twin_id]
        version = versions.get(twin_id)
        reasons = pair_reasons(book, campaign, twin_id, look.categories(), today)
        if version is None:
            reasons += ("The twin has no trained version to render.",)
        if reasons or version is None:
            forbidden.append(Forbidden(look, twin, "", reasons))
            continue
        last_day, later = campaign.ends_on, ()
        if last_day > today:
            later = pair_reasons(book, campaign, twin_id, look.categories(), last_day)
        if later:
            warning = f"{twin} on {last_day}, the campaign's last day: {' '.join(later)}"
            warnings[warning + " What is rendered now could not be published then."] = None
        info = VersionInfo(annotations=version.annotations, weights_uri=version.weights_uri)
        for pose in spec.poses:
            missing = backend.missing(info, POSES[pose].angle)
            if missing:
                forbidden.append(Forbidden(look, twin, pose, (missing,)))
                continue
            for scene_id, fmt, variant in product(
                spec.scenes, spec.formats, range(1, spec.variants + 1)
            ):
                if (look_id, twin_id, pose, scene_id, fmt, variant) in existing:
                    already += 1
                    continue
                cells.append((look, twin, version, pose, scenes[scene_id], fmt, variant))
    per_render = seconds_per_render(brand.pk, campaign.backend)
    return MatrixPlan(
        campaign=campaign,
        spec=spec,
        cells=cells,
        forbidden=forbidden,
        already=already,
        seconds_per_render=per_render,
        used_seconds=campaign_gpu_use(campaign, per_render).used,
        warnings=list(warnings),
    )


def _missing(wanted: tuple[int, ...], found: dict[int, Any]) -> str:
    return ", ".join(str(pk) for pk in wanted if pk not in found)


def matrix_plan(*, actor: Actor, campaign: Campaign, spec: MatrixSpec) -> MatrixPlan:
    """What queueing ``spec`` would do, without doing it."""
    return _plan(actor, campaign, spec, lock=False)


def job_for(
    shot: Shot,
    *,
    seed: int,
    priority: int,
    batch: uuid.UUID,
    actor_user: Any,
    look_items: list[LookItem],
) -> RenderJob:
    """An unsaved job for ``shot``, whose look has ``look_items`` (the caller saves it, alone or
    in bulk)."""
    backend = shot.campaign.backend
    key = request_key(shot, shot.version, look_items, seed=seed, backend=backend, params={})
    return RenderJob(
        brand_id=shot.campaign.brand_id,
        campaign_id=shot.campaign_id,
        shot_id=shot.pk,
        batch=batch,
        priority=priority,
        backend=backend,
        version_id=shot.version_id,
        seed=seed,
        idempotency_key=key,
        created_by_id=actor_user.pk if actor_user else None,
    )


@dataclass(frozen=True)
class QueuedBatch:
    batch: uuid.UUID
    jobs: int
    forbidden: list[Forbidden]
    already: int


def matrix_queue(*, actor: Actor, campaign: Campaign, spec: MatrixSpec) -> QueuedBatch:
    """Queue a render job for every cell of ``spec`` that is allowed and not in the matrix yet.
    Forbidden cells are skipped (and reported); over the GPU budget, nothing is queued."""
    from campaigns.services.rendering import render_batch_send_after_commit

    rng = random.SystemRandom()
    with transaction.atomic():
        campaign = campaign_own(actor, campaign)
        plan = _plan(actor, campaign, spec, lock=True)
        if not plan.cells:
            raise Conflict(
                "Nothing to render: every shot is forbidden or in the matrix already."
                if plan.forbidden or plan.already
                else "Nothing to render."
            )
        if plan.over_budget:
            raise Conflict(
                f"{plan.renders} renders need about {_seconds(plan.estimate_seconds)} GPU seconds;"
                f" {_seconds(plan.budget_left)} of the campaign's budget is left."
            )
        shots = [
            Shot(
                campaign=campaign,
                look=look,
                twin=twin,
                version=version,
                pose=pose,
                scene=scene,
                format=fmt,
                variant=variant,
            )
            for look, twin, version, pose, scene, fmt, variant in plan.cells
        ]
        try:
            with transaction.atomic():
                bulk_insert(shots)
        except IntegrityError as exc:
            raise Conflict(
                "Someone queued part of this matrix at the same time: plan again."
            ) from exc
        batch = uuid.uuid4()
        items = {look.pk: list(look.items.all()) for look in {shot.look for shot in shots}}
        jobs = [
            job_for(
                shot,
                seed=rng.randrange(2**31),
                priority=plan.spec.priority,
                batch=batch,
                actor_user=actor.user,
                look_items=items[shot.look_id],
            )
            for shot in shots
        ]
        bulk_insert(jobs)
        if campaign.status == CampaignStatus.DRAFT:
            campaign.status = CampaignStatus.IN_PRODUCTION
            campaign.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor.user,
            verb="render.batch_queued",
            obj=campaign,
            brand=campaign.brand,
            payload={
                "batch": str(batch),
                "jobs": len(jobs),
                "forbidden": [
                    {"look": f.look.pk, "twin": f.twin.pk, "pose": f.pose, "reasons": f.reasons}
                    for f in plan.forbidden
                ],
                "estimate_seconds": plan.estimate_seconds,
            },
        )
        render_batch_send_after_commit(batch, [job.pk for job in jobs])
    return QueuedBatch(batch=batch, jobs=len(jobs), forbidden=plan.forbidden, already=plan.already)


@dataclass(frozen=True)
class RetriedBatch:
    batch: uuid.UUID
    jobs: int  # shots queued again (failed ones, or renders of changed looks or scenes)
    # those shots the license or the talent's terms no longer allow, or whose version the talent
    # retired with no other to render: left as they are
    forbidden: int


def render_jobs_retry_failed(*, actor: Actor, campaign: Campaign) -> RetriedBatch:
    """Render again, each with its own seed, every shot of the campaign whose latest job failed
    (a GPU out of memory, a worker lost too often), as one batch. Shots the license no longer
    allows stay failed and are counted; over the GPU budget, nothing is queued."""
    return _render_again(
        actor,
        campaign,
        JobState.FAILED,
        verb="render.batch_retried",
        none="No failed renders to retry.",
        what="the failed renders",
    )


def render_jobs_changed_again(*, actor: Actor, campaign: Campaign) -> RetriedBatch:
    """Render again, each with its own seed, every shot of the campaign whose latest render shows
    its look or scene as it was before a change (a garment swapped, a cut-out corrected, a
    backdrop recoloured: one edit may touch hundreds of shots), as one batch. Shots the license
    no longer allows keep their render and are counted; over the GPU budget, nothing is
    queued."""
    return _render_again(
        actor,
        campaign,
        JobState.SUCCEEDED,
        verb="render.batch_changed_again",
        none="No render shows a look or scene that changed after it rendered.",
        what="the renders of changed looks or scenes",
    )


def _render_again(
    actor: Actor, campaign: Campaign, state: str, *, verb: str, none: str, what: str
) -> RetriedBatch:
    """Queue again, as one batch, the shots whose latest job ended in ``state`` (succeeded:
    those whose render is outdated), each with its seed and priority."""
    from campaigns.services.rendering import render_batch_send_after_commit

    with transaction.atomic():
        campaign = campaign_own(actor, campaign)
        if campaign.status == CampaignStatus.ARCHIVED:
            raise Conflict("The campaign is archived: restore it to draft to render again.")
        latest = RenderJob.objects.filter(shot=OuterRef("pk")).order_by("-queued_at", "-id")
        ended = (
            Shot.objects.select_for_update(of=("self",))
            .filter(campaign=campaign)
            .annotate(
                latest_state=Subquery(latest.values("state")[:1]),
                latest_id=Subquery(latest.values("id")[:1]),
            )
            .filter(latest_state=state)
            .select_related("scene", "version", "look")
            .prefetch_related(look_items("look__items"))
        )
        shots = list(ended)
        jobs = RenderJob.objects.select_related("version").in_bulk([s.latest_id for s in shots])
        for shot in shots:  # the checks below and job_for read these: not once a shot
            shot.campaign = campaign
            jobs[shot.latest_id].shot = shot
        if state == JobState.SUCCEEDED:
            shots = [shot for shot in shots if render_outdated(jobs[shot.latest_id])]
        # Read again under the shots' locks: another batch may have queued some meanwhile.
        busy = set(
            RenderJob.objects.filter(
                shot__in=[shot.pk for shot in shots], state__in=JOB_ACTIVE
            ).values_list("shot_id", flat=True)
        )
        shots = [shot for shot in shots if shot.pk not in busy]
        if not shots:
            raise Conflict(none)
        book = LicenseBook(twins={s.twin_id for s in shots}, brand=campaign.brand, lock=True)
        today = timezone.localdate()
        newest = latest_versions({s.twin_id for s in shots if s.version.retired_at})
        allowed = [
            shot
            for shot in shots
            if not pair_reasons(book, campaign, shot.twin_id, shot.look.categories(), today)
            and not shot_version_current(shot, newest)
        ]
        if not allowed:
            raise Conflict(
                f"The licenses, or the talent's retired versions, no longer allow any of {what}."
            )
        _within_budget(campaign, len(allowed))
        batch = uuid.uuid4()
        new = [
            job_for(
                shot,
                seed=jobs[shot.latest_id].seed,
                priority=jobs[shot.latest_id].priority,
                batch=batch,
                actor_user=actor.user,
                look_items=list(shot.look.items.all()),
            )
            for shot in allowed
        ]
        bulk_insert(new)
        forbidden = len(shots) - len(allowed)
        audit_record(
            actor=actor.user,
            verb=verb,
            obj=campaign,
            brand=campaign.brand,
            payload={"batch": str(batch), "jobs": len(new), "forbidden": forbidden},
        )
        render_batch_send_after_commit(batch, [job.pk for job in new])
    return RetriedBatch(batch=batch, jobs=len(new), forbidden=forbidden)


def render_batch_prioritize(
    *, actor: Actor, campaign: Campaign, batch: uuid.UUID, priority: int
) -> int:
    """Give a batch's queued jobs another priority (rush the hero shots, say) and send them
    again at it; returns how many. The messages already sent stay on the broker at the old
    priority and are harmless: the first delivery of a job claims it, a later one finds it
    taken or done. A batch the campaign never queued is not found."""
    from campaigns.services.rendering import render_batch_send_after_commit

    if priority not in Priority.values:
        raise StudioError(f"A priority is one of {', '.join(map(str, Priority.values))}.")
    with transaction.atomic():
        campaign = campaign_own(actor, campaign)
        if not campaign.jobs.filter(batch=batch).exists():
            raise NotFound("No such batch.")
        jobs = campaign.jobs.filter(batch=batch, state=JobState.QUEUED).exclude(priority=priority)
        ids = list(jobs.select_for_update().values_list("pk", flat=True))
        if not ids:
            return 0
        RenderJob.objects.filter(pk__in=ids).update(priority=priority, sent_at=None)
        audit_record(
            actor=actor.user,
            verb="render.batch_prioritized",
            obj=campaign,
            brand=campaign.brand,
            payload={"batch": str(batch), "priority": priority, "jobs": len(ids)},
        )
        render_batch_send_after_commit(batch, ids)
    return len(ids)


def _within_budget(campaign: Campaign, renders: int) -> None:
    """Refuse ``renders`` more renders where the campaign's GPU budget does not cover them, at
    the brand's recent GPU time per render."""
    per_render = seconds_per_render(campaign.brand_id, campaign.backend)
    left = campaign_gpu_use(campaign, per_render).left
    if renders * per_render > left:
        need = "renders need" if renders != 1 else "render needs"
        raise Conflict(
            f"{renders} {need} about {_seconds(renders * per_render)} GPU seconds;"
            f" {_seconds(left)} of the campaign's budget is left."
        )


def _seconds(value: float) -> str:
    """GPU seconds as a director reads them: 12,400, or 0.3 where a render takes less than one."""
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def _again(actor: Actor, job: RenderJob, *, seed: int, verb: str, retry: bool = False) -> RenderJob:
    """One more job of the job's shot, as the matrix would queue it: not in an archived
    campaign, not past its GPU budget, not where the license no longer allows it. A retry
    (``retry``) only of a job that failed, was cancelled, or shows a changed look or scene."""
    from campaigns.services.rendering import render_jobs_send

    with transaction.atomic():
        # Locked first, as queueing a matrix and retrying the failed lock it.
        campaign = campaign_own(actor, job.campaign)
        if campaign.status == CampaignStatus.ARCHIVED:
            raise Conflict("The campaign is archived: restore it to draft to render again.")
        ended = job.state in (JobState.FAILED, JobState.CANCELLED)
        if retry and not ended and not render_outdated(job):
            raise Conflict(
                "Only a failed or cancelled job, or a render of a look or scene changed since,"
                " is rendered again with its seed: pick a new seed for another picture."
            )
        shot = (
            Shot.objects.select_for_update(of=("self",))
            .select_related("scene", "version", "look")
            .prefetch_related(look_items("look__items"))
            .filter(pk=job.shot_id, campaign=campaign)
            .first()
        )
        if shot is None:
            raise NotFound("No such render job.")
        shot.campaign = campaign
        if shot.jobs.filter(state__in=JOB_ACTIVE).exists():
            raise Conflict("This shot is being rendered already.")
        book = LicenseBook(twins=[shot.twin_id], brand=campaign.brand, lock=True)
        reasons = pair_reasons(
            book, campaign, shot.twin_id, shot.look.categories(), timezone.localdate()
        )
        if reasons:
            raise Conflict("The license does not allow this render: " + " ".join(reasons))
        newest = latest_versions([shot.twin_id]) if shot.version.retired_at else {}
        retired = shot_version_current(shot, newest)
        if retired:
            raise Conflict(retired)
        _within_budget(campaign, 1)
        new = job_for(
            shot,
            seed=seed,
            priority=job.priority,
            batch=uuid.uuid4(),
            actor_user=actor.user,
            look_items=list(shot.look.items.all()),
        )
        new.save()
        audit_record(
            actor=actor.user,
            verb=verb,
            obj=new,
            brand=campaign.brand,
            payload={"previous": str(job.pk), "seed": seed},
        )
        transaction.on_commit(lambda: render_jobs_send([new.pk]))
    return new


def render_job_retry(*, actor: Actor, job: RenderJob) -> RenderJob:
    """Render the job's shot again, with the same seed, as a new job: a failed or cancelled
    job, or a render of its look or scene as it was before a change (render_outdated)."""
    return _again(actor, job, seed=job.seed, verb="render.retried", retry=True)


def render_job_rerender(*, actor: Actor, job: RenderJob) -> RenderJob:
    """Render the job's shot again with a new seed."""
    return _again(actor, job, seed=random.SystemRandom().randrange(2**31), verb="render.rerendered")
