import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from campaigns.enums import JOB_ACTIVE, JOB_TERMINAL, JobState, Priority
from campaigns.models import (
    Campaign,
    Garment,
    Look,
    LookItem,
    Render,
    RenderJob,
    RenderWorker,
    Scene,
    Shot,
    look_items,
)
from studio.enums import ROLE_PERMS, Perm
from studio.models import Brand
from studio.permissions import Actor, brand_scope
from studio.search import matching
from twins.enums import LicenseStatus
from twins.models import Twin
from twins.services import LicenseBook, LicenseCheck

CUTOUT_FILTERS = {
    "computed": Q(cutout_computed=True),  # computed from the packshot, not yet corrected
    "missing": Q(cutout=""),
}


def garment_list(
    *,
    actor: Actor,
    search: str = "",
    category: str = "",
    season: str = "",
    cutout: str = "",
    archived: bool | None = None,
) -> QuerySet[Garment]:
    """The brand's garments; ``archived``: only those archived (True), only those in the
    catalogue (False), or both (None, to find one by its id)."""
    garments = brand_scope(Garment.objects.all(), actor)
    if archived is not None:
        garments = garments.filter(archived_at__isnull=not archived)
    if search:
        garments = garments.filter(matching(search, "name", "sku"))
    if category:
        garments = garments.filter(category=category)
    if season:
        garments = garments.filter(season=season)
    if cutout:
        garments = garments.filter(CUTOUT_FILTERS[cutout])
    return garments


def first_of_each_category(
    garments: QuerySet[Garment], *, first: int
) -> tuple[Sequence[Garment], dict[str, int]]:
    """The first ``first`` of ``garments`` in each category, by name, and how many each
    category holds: one query however large the catalogue."""
    category = F("category")
    rows = list(
        garments.annotate(
            rank=Window(RowNumber(), partition_by=category, order_by=(F("name"), F("pk"))),
            in_category=Window(Count("pk"), partition_by=category),
        )
        .filter(rank__lte=first)
        .order_by("category", "name", "pk")
    )
    return rows, {garment.category: garment.in_category for garment in rows}


def garment_seasons(*, actor: Actor) -> list[str]:
    """The seasons the actor's brand's catalogue has garments for, in alphabetical order."""
    garments = brand_scope(Garment.objects.exclude(season=""), actor)
    return list(garments.order_by("season").values_list("season", flat=True).distinct())


def campaign_owners(*, brand: Brand) -> QuerySet[Any]:
    """Who may own the brand's campaigns: its members whose role builds campaigns."""
    roles = [role for role, perms in ROLE_PERMS.items() if Perm.MANAGE_CAMPAIGNS in perms]
    return (
        get_user_model()
        .objects.filter(memberships__brand=brand, memberships__role__in=roles)
        .order_by("username")
    )


def campaigns_owned_by(*, brand: Brand) -> QuerySet[Any]:
    """Whoever owns one of the brand's campaigns now, by username: the campaign list's filter."""
    owners = Campaign.objects.filter(brand=brand).values("owner")
    return get_user_model().objects.filter(pk__in=owners).order_by("username")


def look_list(*, actor: Actor, search: str = "", garment: int | None = None) -> QuerySet[Look]:
    """The brand's looks, newest first. ``search`` finds a look by its name or by the name or
    SKU of a garment in it; ``garment``: the looks that wear that garment."""
    looks = brand_scope(Look.objects.all(), actor)
    if search:
        wearing = LookItem.objects.filter(matching(search, "garment__name", "garment__sku"))
        looks = looks.filter(matching(search, "name") | Q(pk__in=wearing.values("look")))
    if garment is not None:
        looks = looks.filter(pk__in=LookItem.objects.filter(garment=garment).values("look"))
    return looks.prefetch_related(look_items())


def look_shots(*, look: Look) -> int:
    """How many shots of campaigns were made of ``look`` (a look in a shot stays)."""
    return Shot.objects.filter(look=look).count()


def garment_looks(*, actor: Actor, garment: Garment) -> int:
    """How many of the brand's looks wear ``garment``."""
    return look_list(actor=actor, garment=garment.pk).count()


@dataclass(frozen=True)
class Wearer:
    twin: Twin
    check: LicenseCheck


def licensed_twins(*, actor: Actor) -> QuerySet[Twin]:
    """Twins the actor's brand holds an active license for."""
    if actor.brand is None:
        return Twin.objects.none()
    return (
        Twin.objects.filter(licenses__brand=actor.brand, licenses__status=LicenseStatus.ACTIVE)
        .distinct()
        .select_related("talent")
        .order_by("talent__display_name", "name")
    )


def look_wearers(*, actor: Actor, look: Look) -> list[Wearer]:
    """Every twin the brand holds an active license for, and whether it may wear this look
    (standing terms, license categories) or why not."""
    categories = look.categories()
    twins = list(licensed_twins(actor=actor))
    book = LicenseBook(twins=[twin.pk for twin in twins], brand=look.brand)
    today = timezone.localdate()
    return [Wearer(twin, book.wear(twin.pk, categories=categories, on=today)) for twin in twins]


# --- Campaigns, shots, jobs, renders, the render farm ---------------------------------------------
def campaign_list(
    *, actor: Actor, status: str = "", search: str = "", owner: str = ""
) -> QuerySet[Campaign]:
    """The brand's campaigns, last changed first; where given, only those of one ``status``,
    matching ``search`` and owned by the member whose username is ``owner``."""
    campaigns = brand_scope(Campaign.objects.all(), actor).select_related("owner")
    if status:
        campaigns = campaigns.filter(status=status)
    if owner:
        campaigns = campaigns.filter(owner__username=owner)
    if search:
        campaigns = campaigns.filter(matching(search, "name", "brief"))
    # Its cover: the newest shortlisted render, else the newest render, that has a thumbnail
    # (each the first row of an index of its own; see Render's).
    renders = Render.objects.filter(campaign=OuterRef("pk")).exclude(thumbnail="")
    shortlisted = renders.exclude(shortlisted_at=None).order_by("-shortlisted_at", "-id")
    newest = renders.order_by("-created_at", "-id")
    # Counted in subqueries: a join of shots and jobs would multiply the rows of a campaign.
    return campaigns.annotate(
        shot_count=_count(Shot.objects.filter(campaign=OuterRef("pk"))),
        active_jobs=_count(RenderJob.objects.filter(campaign=OuterRef("pk"), state__in=JOB_ACTIVE)),
        cover=Coalesce(Subquery(shortlisted.values("pk")[:1]), Subquery(newest.values("pk")[:1])),
    ).order_by("-updated_at", "-id")


def _count(rows: QuerySet) -> Coalesce:
    counted = rows.order_by().values("campaign").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def _latest_job() -> QuerySet[RenderJob]:
    return RenderJob.objects.filter(shot=OuterRef("pk")).order_by("-queued_at", "-id")


def shot_list(*, actor: Actor, latest_only: bool = False) -> QuerySet[Shot]:
    """The brand's shots, each with its look (and its items), twin, scene and version, its latest
    job's state, and its jobs with their renders, newest first (``job_list``): all of them, or with
    ``latest_only`` the latest alone (a card shows no more, and a shot re-rendered for a year
    has hundreds)."""
    jobs = RenderJob.objects.select_related("render", "version").order_by("-queued_at", "-id")
    return (
        brand_scope(Shot.objects.all(), actor, field="campaign__brand")
        .select_related("look", "twin__talent", "scene", "version")
        .annotate(state=Subquery(_latest_job().values("state")[:1]))
        .prefetch_related(
            Prefetch("jobs", queryset=jobs[:1] if latest_only else jobs, to_attr="job_list"),
            look_items("look__items"),  # to tell a render of the look as it was (render_outdated)
        )
    )


def scene_list(*, campaign: Campaign) -> QuerySet[Scene]:
    """The campaign's scenes, each with the number of shots of the matrix that use it
    (``shot_count``): a scene in use stays."""
    used = Shot.objects.filter(scene=OuterRef("pk")).order_by().values("scene")
    return campaign.scenes.annotate(
        shot_count=Coalesce(Subquery(used.annotate(n=Count("pk")).values("n")), 0)
    ).order_by("pk")


def shot_board(
    *,
    actor: Actor,
    campaign: Campaign,
    look: int | None = None,
    twin: int | None = None,
    state: str = "",
    shortlisted: bool = False,
    pose: str = "",
    scene: int | None = None,
    format: str = "",
) -> QuerySet[Shot]:
    """The campaign's shots with everything a board card shows, in a fixed number of queries:
    each shot's latest job and its render come with it (``job_list``, of that one job).
    ``shortlisted``: only shots whose latest render, the one the card shows, is on the
    shortlist."""
    shots = shot_list(actor=actor, latest_only=True).filter(campaign=campaign)
    cell = {"look": look, "twin": twin, "pose": pose, "scene": scene, "format": format}
    shots = shots.filter(**{field: value for field, value in cell.items() if value})
    if state:
        shots = shots.filter(state=state)  # type: ignore[misc]  # annotated by shot_list
    if shortlisted:
        latest = _latest_job().values("render__shortlisted_at")[:1]
        shots = shots.annotate(shortlisted_at=Subquery(latest)).exclude(shortlisted_at=None)
    return shots


def board_counts(*, actor: Actor, campaign: Campaign) -> dict[str, int]:
    """How many of the board's shots failed and how many show a shortlisted render, counted as
    the board's filters count them, in one query."""
    latest = _latest_job().values("render__shortlisted_at")[:1]
    shots = shot_board(actor=actor, campaign=campaign).annotate(shortlisted_at=Subquery(latest))
    return shots.aggregate(
        failed=Count("pk", filter=Q(state=JobState.FAILED)),
        shortlisted=Count("pk", filter=Q(shortlisted_at__isnull=False)),
    )


def job_list(
    *,
    actor: Actor,
    campaign: int | None = None,
    shot: int | None = None,
    state: str = "",
    batch: str = "",
) -> QuerySet[RenderJob]:
    jobs = (
        brand_scope(RenderJob.objects.all(), actor)
        .select_related("shot__look", "shot__twin__talent", "shot__scene", "render", "version")
        .prefetch_related(look_items("shot__look__items"))  # for render_outdated
    )
    if campaign:
        jobs = jobs.filter(campaign=campaign)
    if shot:
        jobs = jobs.filter(shot=shot)
    if state:
        jobs = jobs.filter(state=state)
    if batch:
        jobs = jobs.filter(batch=batch)
    return jobs


def seconds_per_render(brand_id: int, backend: str) -> float:
    """The median GPU time of the brand's last 100 renders on this backend, or the configured
    starting estimate while there is no history."""
    recent: list[float] = list(
        RenderJob.objects.filter(
            brand=brand_id, backend=backend, state=JobState.SUCCEEDED, gpu_seconds__isnull=False
        )
        .order_by("-finished_at")
        .values_list("gpu_seconds", flat=True)[:100]  # type: ignore[arg-type]
    )
    if len(recent) >= 5:
        return round(statistics.median(recent), 3)
    return float(settings.RENDER_ESTIMATE_SECONDS.get(backend, 10.0))


@dataclass(frozen=True)
class GpuUse:
    """A campaign's GPU time against its budget: what its finished jobs took (a failed or
    cancelled one held its GPU too), and what those queued or running will take, at
    ``per_render`` each."""

    budget: int
    spent: float
    pending: int
    per_render: float

    @property
    def held(self) -> float:
        return round(self.pending * self.per_render, 1)

    @property
    def used(self) -> float:
        return round(self.spent + self.pending * self.per_render, 1)

    @property
    def left(self) -> float:
        return max(0.0, self.budget - self.used)


def campaign_gpu_use(campaign: Campaign, per_render: float | None = None) -> GpuUse:
    if per_render is None:
        per_render = seconds_per_render(campaign.brand_id, campaign.backend)
    used = campaign.jobs.aggregate(
        spent=Coalesce(Sum("gpu_seconds"), 0.0),
        pending=Count("pk", filter=Q(state__in=JOB_ACTIVE)),
    )
    return GpuUse(campaign.gpu_budget_seconds, used["spent"], used["pending"], per_render)


def campaign_batches(*, actor: Actor, campaign: Campaign) -> QuerySet[Any]:
    """The campaign's batches (the jobs queued together), newest first, one row each: when and by
    whom it was queued, how many jobs it holds in each state, and the GPU time it has used."""

    def jobs_in(*states: str) -> Count:
        return Count("pk", filter=Q(state__in=states))

    return (
        brand_scope(RenderJob.objects.filter(campaign=campaign), actor)
        .values("batch", "created_by__username", "created_by__first_name", "created_by__last_name")
        .annotate(
            queued_at=Min("queued_at"),
            jobs=Count("pk"),
            active=jobs_in(*JOB_ACTIVE),
            finished=jobs_in(*JOB_TERMINAL),
            queued=jobs_in(JobState.QUEUED),
            to_rush=Count("pk", filter=Q(state=JobState.QUEUED) & ~Q(priority=Priority.RUSH)),
            running=jobs_in(JobState.RUNNING),
            succeeded=jobs_in(JobState.SUCCEEDED),
            failed=jobs_in(JobState.FAILED),
            cancelled=jobs_in(JobState.CANCELLED),
            gpu_seconds=Coalesce(Sum("gpu_seconds"), 0.0),
        )
        .order_by("-queued_at", "batch")
    )


def render_list(
    *, actor: Actor, campaign: int | None = None, shortlisted: bool = False, listed: bool = False
) -> QuerySet[Render]:
    """The brand's renders; ``listed``: with what tells one of a look changed since
    (``render_outdated``), which serving a file does not need."""
    renders = brand_scope(Render.objects.all(), actor).select_related(
        "job__shot__look", "job__shot__twin", "job__campaign"
    )
    if listed:
        renders = renders.select_related("job__shot__scene", "job__version").prefetch_related(
            look_items("job__shot__look__items")
        )
    if campaign:
        renders = renders.filter(campaign=campaign)
    if shortlisted:
        renders = renders.exclude(shortlisted_at=None)
    return renders


@dataclass(frozen=True)
class WorkerRow:
    worker: RenderWorker
    alive: bool
    jobs: list[RenderJob]  # what it renders now, of the viewer's brand
    busy_elsewhere: int  # jobs of other brands: counted, never shown


@dataclass(frozen=True)
class Farm:
    workers: list[WorkerRow]
    depths: dict[str, dict[int, int]]  # broker: queue → priority step → messages
    queued: list[tuple[str, int]]  # the brand's queued jobs per priority (label, count)
    running: list[RenderJob]  # the brand's running jobs
    done_today: int
    failed_today: int
    gpu_seconds_today: float

    def waiting(self) -> list[tuple[str, int, list[tuple[str, int]]]]:
        """Each queue's waiting messages, and on the gpu queue, where render jobs carry their
        priority, how many wait at each (on a broker that keeps priorities apart)."""
        names = dict(zip(Priority.values, Priority.labels, strict=True))
        rows = []
        for queue, steps in self.depths.items():
            by_priority = [
                (names.get(step, f"Priority {step}"), n)
                for step, n in steps.items()
                if step in names or n
            ]
            shown = by_priority if queue == "gpu" and len(steps) > 1 else []
            rows.append((queue, sum(steps.values()), shown))
        return rows


WORKER_FORGOTTEN = timedelta(days=1)  # a worker not heard from for this long is off the page


def render_farm(*, actor: Actor) -> Farm:
    """Workers and queues are shared by every brand on this studio; jobs are shown only to
    their own brand. A worker stopped, or killed without a word, a day ago is no longer shown."""
    from studio.broker import queue_depths
    from studio.celery import QUEUES, app

    now = timezone.now()
    fresh = now - timedelta(seconds=3 * settings.WORKER_HEARTBEAT_SECONDS)
    jobs = brand_scope(RenderJob.objects.all(), actor)
    running = list(
        jobs.filter(state=JobState.RUNNING)
        .select_related("shot__look", "shot__twin__talent", "campaign", "render")
        .order_by("started_at")
    )
    others = dict(
        RenderJob.objects.filter(state=JobState.RUNNING)
        .exclude(brand=actor.brand)
        .values_list("worker")
        .annotate(n=Count("id"))
    )
    workers = [
        WorkerRow(
            worker=w,
            alive=w.stopped_at is None and w.last_seen_at >= fresh,
            jobs=[job for job in running if job.worker == w.hostname],
            busy_elsewhere=others.get(w.hostname, 0),
        )
        for w in RenderWorker.objects.filter(last_seen_at__gte=now - WORKER_FORGOTTEN)
    ]
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    today = jobs.filter(finished_at__gte=start).aggregate(
        done=Count("id", filter=Q(state=JobState.SUCCEEDED)),
        failed=Count("id", filter=Q(state=JobState.FAILED)),
        seconds=Sum("gpu_seconds"),
    )
    queued = dict(
        jobs.filter(state=JobState.QUEUED).values_list("priority").annotate(n=Count("id"))
    )
    try:
        depths = queue_depths(celery_app=app, queues=QUEUES)
    except Exception:  # the broker is down: the page still shows what the database knows
        depths = {}
    return Farm(
        workers=workers,
        depths=depths,
        queued=[(label, queued.get(value, 0)) for value, label in Priority.choices],
        running=running,
        done_today=today["done"],
        failed_today=today["failed"],
        gpu_seconds_today=round(today["seconds"] or 0.0, 1),
    )
