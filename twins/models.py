from django.conf import settings
from django.db import models

from twins.enums import Angle, Framing, Lighting


class Agency(models.Model):
    """A model agency; its staff act for the talent it represents, where the talent allows."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class AgencyMember(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agency_seats"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "user"], name="agency_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency}"


class Talent(models.Model):
    """A real person whose likeness a twin depicts. The twin and every decision on it are theirs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="talent"
    )
    display_name = models.CharField(max_length=120)
    discoverable = models.BooleanField(
        default=False, help_text="Brands without a license may find this talent in the catalogue."
    )
    agencies = models.ManyToManyField(Agency, through="Representation", related_name="talent")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


class Representation(models.Model):
    """An agency representing a talent. The talent decides whether the agency may act for them."""

    talent = models.ForeignKey(Talent, on_delete=models.CASCADE, related_name="representations")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="representations")
    may_act = models.BooleanField(
        default=True, help_text="The agency may act for the talent with the talent's rights."
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["talent", "agency"], name="representation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} represents {self.talent}"


class Twin(models.Model):
    talent = models.ForeignKey(Talent, on_delete=models.PROTECT, related_name="twins")
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

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

    class Meta:
        ordering = ["twin", "angle", "framing", "lighting", "id"]
        constraints = [
            models.UniqueConstraint(fields=["twin", "sha256"], name="capture_photo_unique_content"),
        ]

    def __str__(self) -> str:
        return f"{self.twin}: {self.get_angle_display()}, {self.get_framing_display()}"
