from django.conf import settings
from django.db import models

from studio.models import Brand
from twins.enums import ContentTag


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


class StandingTerms(models.Model):
    """The talent's own rules for every brand, enforced wherever one of their twins is used.

    Approval of every output is not a setting: it is always on (DESIGN.md, rule 2).
    """

    talent = models.OneToOneField(Talent, on_delete=models.CASCADE, related_name="terms")
    excluded_categories = models.JSONField(default=list, blank=True)
    excluded_content_tags = models.JSONField(default=list, blank=True)
    blocked_brands = models.ManyToManyField(Brand, blank=True, related_name="+")
    agency_needs_confirmation = models.BooleanField(
        default=False, help_text="Decisions an agency takes for the talent wait for the talent."
    )
    updated_at = models.DateTimeField(auto_now=True)

    approve_every_output = True

    def __str__(self) -> str:
        return f"Standing terms of {self.talent}"

    def content_tag_labels(self) -> list[str]:
        return [ContentTag(tag).label for tag in self.excluded_content_tags]
