from datetime import date

from django.conf import settings
from django.db import models

from twins.enums import Angle, CheckStatus, Framing, Lighting, TrainingStatus
from twins.models.people import Talent


class Twin(models.Model):
    talent = models.ForeignKey(Talent, on_delete=models.PROTECT, related_name="twins")
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    # The talent withdrew all consent for this twin: nothing is made or published with it again.
    consent_revoked_at = models.DateTimeField(null=True, blank=True)
    consent_revoked_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["talent__display_name", "name"]

    def __str__(self) -> str:
        return f"{self.talent} — {self.name}"


class CapturePhoto(models.Model):
    """One photo of a capture set, stored through studio.images (content-hash name)."""

    twin = models.ForeignKey(Twin, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(max_length=200)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    angle = models.CharField(max_length=24, choices=Angle.choices)
    framing = models.CharField(max_length=16, choices=Framing.choices)
    lighting = models.CharField(max_length=16, choices=Lighting.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Quality checks, run on the cpu queue by twins.tasks.capture_photo_check_task.
    check_status = models.CharField(
        max_length=8, choices=CheckStatus.choices, default=CheckStatus.PENDING, db_index=True
    )
    checks = models.JSONField(default=list, blank=True)
    phash = models.CharField(max_length=16, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["twin", "angle", "framing", "lighting", "id"]
        constraints = [
            models.UniqueConstraint(fields=["twin", "sha256"], name="capture_photo_unique_content"),
        ]

    def __str__(self) -> str:
        return f"{self.twin}: {self.get_angle_display()}, {self.get_framing_display()}"


class ReplicaAgreement(models.Model):
    """The talent's written consent to create and use this twin, separate from any agency
    contract: scope, purpose, pay basis, duration, the text they signed, who signed and when,
    and who verified their identity at capture. The fields rules such as New York's Fashion
    Workers Act ask for live here together, so they can grow in one place.
    """

    twin = models.ForeignKey(Twin, on_delete=models.PROTECT, related_name="agreements")
    scope = models.TextField(help_text="What the twin may be used for, e.g. e-commerce imagery.")
    purpose = models.TextField()
    pay_basis = models.TextField(help_text="How the talent is paid for uses of the twin.")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    text_version = models.CharField(max_length=32, help_text="The agreement text signed.")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()
    identity_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    identity_verified_at = models.DateTimeField(null=True, blank=True)
    identity_method = models.CharField(max_length=200, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"Replica agreement {self.text_version} for {self.twin}"

    def in_force(self, on: date) -> bool:
        return (
            self.ended_at is None
            and self.starts_on <= on
            and (self.ends_on is None or on <= self.ends_on)
        )


class TwinVersion(models.Model):
    """One trained artefact of a twin: what it was trained from, how, by whom, and where its
    weights are. The database is the truth for its state; the training task only moves it."""

    twin = models.ForeignKey(Twin, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12, choices=TrainingStatus.choices, default=TrainingStatus.QUEUED
    )
    backend = models.CharField(max_length=32)
    base_model = models.CharField(max_length=200, blank=True)
    trigger_token = models.CharField(max_length=32)
    params = models.JSONField(default=dict, blank=True)
    photos = models.ManyToManyField(CapturePhoto, related_name="+")
    weights_uri = models.CharField(max_length=500, blank=True)
    weights_sha256 = models.CharField(max_length=64, blank=True)
    annotations = models.JSONField(default=dict, blank=True)
    progress_step = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    worker = models.CharField(max_length=200, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Renewed by the training worker at every step: a running version not heard of for
    # TWIN_TRAINING_LEASE_SECONDS lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["twin", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["twin", "number"], name="twin_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.twin} v{self.number}"

    @property
    def renderable(self) -> bool:
        return self.status == TrainingStatus.SUCCEEDED and self.retired_at is None

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
