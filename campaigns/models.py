from django.conf import settings
from django.db import models

from campaigns.enums import GarmentCategory, Slot
from studio.models import Brand


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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["brand", "category", "name"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "sku"], name="garment_sku_per_brand"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


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


class LookItem(models.Model):
    look = models.ForeignKey(Look, on_delete=models.CASCADE, related_name="items")
    garment = models.ForeignKey(Garment, on_delete=models.PROTECT, related_name="+")
    slot = models.CharField(max_length=16, choices=Slot.choices)
    layer = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["layer", "id"]

    def __str__(self) -> str:
        return f"{self.look}: {self.garment} ({self.slot})"
