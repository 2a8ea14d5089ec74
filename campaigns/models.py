from django.conf import settings
from django.db import models

from campaigns.enums import GarmentCategory
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
