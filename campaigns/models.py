import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

from campaigns.enums import CampaignStatus, GarmentCategory, JobState, Priority, SceneKind, Slot
from studio.media import media_url
from studio.models import Brand
from twins.models import Twin, TwinVersion


class Garment(models.Model):
    """A product in a brand's catalogue, with its cut-out (PNG with alpha) for compositing."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="garments")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=16, choices=GarmentCategory.choices)
    colourways = models.JSONField(default=list, blank=True)
    sizes = models.JSONField(default=list, blank=True)
    season = models.CharField(max_length=32, blank=True, help_text="e.g. SS27, AW26")
    packshot = models.FileField(max_length=200, blank=True, help_text="Packshot or flat-lay.")
    cutout = models.FileField(max_length=200, blank=True)
    cutout_computed = models.BooleanField(
        default=False, help_text="The cut-out was computed from the packshot, not uploaded."
    )
    cutout_sha256 = models.CharField(max_length=64, blank=True)
    archived_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Out of the catalogue (a past season, say): looks that wear it keep it, new"
        " looks do not offer it.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["brand", "category", "name"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "sku"], name="garment_sku_per_brand"),
            # A SKU is one garment however a feed spells its case: "au-ts-001" is AU-TS-001.
            models.UniqueConstraint("brand", Upper("sku"), name="garment_sku_any_case_per_brand"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    @property
    def cutout_url(self) -> str:
        return media_url("garment-cutout-file", self.pk, self.cutout) if self.cutout else ""

    @property
    def packshot_url(self) -> str:
        return media_url("garment-packshot-file", self.pk, self.packshot) if self.packshot else ""


class Look(models.Model):
    """Garments worn together, in slots and layers, built by a stylist."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="looks")
    name = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def categories(self) -> list[str]:
        """The garment categories this look dresses a twin in (prefetch look_items())."""
        return sorted({item.garment.category for item in self.items.all()})


class LookItem(models.Model):
    look = models.ForeignKey(Look, on_delete=models.CASCADE, related_name="items")
    garment = models.ForeignKey(Garment, on_delete=models.PROTECT, related_name="+")
    slot = models.CharField(max_length=16, choices=Slot.choices)
    layer = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["layer", "id"]

    def __str__(self) -> str:
        return f"{self.look}: {self.garment} ({self.slot})"


def look_items(path: str = "items") -> models.Prefetch:
    """Prefetch a look's items at ``path`` with their garments, in one query rather than two."""
    return models.Prefetch(path, queryset=LookItem.objects.select_related("garment"))


class Campaign(models.Model):
    """A brief turned into renders: where and when it runs, who owns it, the GPU time it may use."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=200)
    brief = models.TextField(blank=True)
    markets = models.JSONField(default=list, help_text="ISO 3166-1 alpha-2 country codes.")
    channels = models.JSONField(default=list)
    content_tags = models.JSONField(
        default=list, blank=True, help_text="What the content is about (alcohol, fur, …)."
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    backend = models.CharField(max_length=32, help_text="The render backend its jobs use.")
    gpu_budget_seconds = models.PositiveIntegerField(
        default=3600, help_text="GPU time its renders may use, in seconds."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="campaign_date_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Scene(models.Model):
    """What stands behind the twin: a colour, an image, or a prompt for generative backends."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="scenes")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=SceneKind.choices)
    value = models.CharField(max_length=500, blank=True, help_text="A #rrggbb colour or a prompt.")
    image = models.FileField(max_length=200, blank=True)

    class Meta:
        ordering = ["campaign", "id"]

    def __str__(self) -> str:
        return self.name


class Shot(models.Model):
    """One cell of the shot matrix: a look on a twin in a pose, a scene and a format; its variant
    number tells the seeds apart. Its renders are the jobs queued for it."""

    # indexed by the matrix-cell constraint, whose first column it is
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="shots", db_index=False
    )
    look = models.ForeignKey(Look, on_delete=models.PROTECT, related_name="+")
    twin = models.ForeignKey(Twin, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(TwinVersion, on_delete=models.PROTECT, related_name="+")
    pose = models.CharField(max_length=32)
    scene = models.ForeignKey(Scene, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(max_length=8)
    variant = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["look", "twin", "pose", "scene", "format", "variant"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "look", "twin", "pose", "scene", "format", "variant"],
                name="shot_once_per_matrix_cell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.look} × {self.twin} · {self.pose} · {self.format} #{self.variant}"


class RenderJob(models.Model):
    """One render of a shot on a worker. The database is the truth about it; its id is the
    Celery task id, and a redelivered message finds it here and does no harm."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # brand, campaign and shot are indexed by the composite indexes below, whose first columns
    # they are
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+", db_index=False)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="jobs", db_index=False
    )
    shot = models.ForeignKey(Shot, on_delete=models.CASCADE, related_name="jobs", db_index=False)
    batch = models.UUIDField(db_index=True, help_text="Jobs queued together.")
    state = models.CharField(max_length=12, choices=JobState.choices, default=JobState.QUEUED)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    backend = models.CharField(max_length=32)
    version = models.ForeignKey(TwinVersion, on_delete=models.PROTECT, related_name="+")
    seed = models.BigIntegerField()
    params = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=64)
    progress_step = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    gpu = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    gpu_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "id"]
        indexes = [
            models.Index(fields=["state", "queued_at"], name="render_job_state_queued"),
            models.Index(fields=["shot", "-queued_at"], name="render_job_shot_latest"),
            models.Index(fields=["campaign", "state"], name="render_job_campaign_state"),
            # The API's job lists, newest first (the ordering above), of the brand or of one
            # campaign: the first page is read off an index, not sorted out of a year of jobs.
            models.Index(fields=["brand", "-queued_at", "id"], name="render_job_brand_newest"),
            models.Index(
                fields=["campaign", "-queued_at", "id"], name="render_job_campaign_newest"
            ),
            # The brand's renders by when they finished: today's on the render farm page, the
            # last hundred for the GPU time estimate (read backwards), among a year of them.
            models.Index(fields=["brand", "finished_at"], name="render_job_brand_finished"),
            # equality only (no LIKE), so no varchar_pattern_ops twin as db_index would add
            models.Index(fields=["idempotency_key"], name="render_job_idempotency"),
        ]

    def __str__(self) -> str:
        return f"Render job {self.id} ({self.state})"


class Render(models.Model):
    """What a job made: the picture, its thumbnail, and whether the director shortlisted it."""

    job = models.OneToOneField(RenderJob, on_delete=models.CASCADE, related_name="render")
    # indexed by render_brand_newest below, whose first column it is
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+", db_index=False)
    # The job's campaign, kept here too so that a campaign's cover (its newest shortlisted
    # render, else its newest) is one step down an index, not a sort of all its renders.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    image = models.FileField(max_length=200)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    meta = models.JSONField(default=dict, blank=True)
    thumbnail = models.FileField(max_length=200, blank=True)
    # How often its thumbnail task was sent: the reconciler sends it again while the broker
    # holds none and it has no thumbnail, up to RENDER_MAX_ATTEMPTS (a broken image never loops).
    thumbnail_sends = models.PositiveSmallIntegerField(default=0)
    shortlisted_at = models.DateTimeField(null=True, blank=True)
    shortlisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The API's render list, newest first (the ordering above).
            models.Index(fields=["brand", "-created_at", "-id"], name="render_brand_newest"),
            # The reconciler's look for renders whose thumbnail never came: only those rows.
            models.Index(
                fields=["created_at"],
                condition=models.Q(thumbnail=""),
                name="render_thumbnail_missing",
            ),
            # A campaign's cover (selectors.campaign_list): its newest shortlisted render with
            # a thumbnail, else its newest render with one.
            models.Index(
                fields=["campaign", "-shortlisted_at", "-id"],
                condition=models.Q(shortlisted_at__isnull=False) & ~models.Q(thumbnail=""),
                name="render_campaign_shortlisted",
            ),
            models.Index(
                fields=["campaign", "-created_at", "-id"],
                condition=~models.Q(thumbnail=""),
                name="render_campaign_newest",
            ),
        ]

    def __str__(self) -> str:
        return f"Render of {self.job_id}"


class RenderWorker(models.Model):
    """A worker that announced itself: what it runs on and when it was last heard from."""

    hostname = models.CharField(max_length=200, unique=True)
    queues = models.JSONField(default=list)
    pid = models.PositiveIntegerField(default=0)
    gpu_name = models.CharField(max_length=200, blank=True)
    gpu_memory_mb = models.PositiveIntegerField(null=True, blank=True)
    backends = models.JSONField(default=list, blank=True, help_text="Backends loaded and warm.")
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["hostname"]

    def __str__(self) -> str:
        return self.hostname

    @property
    def gpu_memory_bytes(self) -> int | None:
        """The GPU's memory in bytes (nvidia-smi reports MiB), for filesizeformat."""
        return None if self.gpu_memory_mb is None else self.gpu_memory_mb * 2**20
