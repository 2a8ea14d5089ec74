from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models

from studio.models import Brand
from twins.enums import Exclusivity, LicenseStatus, UsageKind
from twins.models.twins import Twin

LEDGER_MAX = Decimal("9999999999.99")  # the most one usage line's amount holds
CENT = Decimal("0.01")  # amounts are held to the cent


def months_between(start: date, end: date) -> int:
    """Whole months a term spans, counting a started month as one (1 Jan–31 Jan is 1)."""
    return max(1, (end.year - start.year) * 12 + end.month - start.month + (end.day >= start.day))


class License(models.Model):
    """A brand's right to use a twin: term, markets, channels, categories, exclusivity, fees.

    The terms are the latest proposal while the license is requested or countered, and the
    agreed terms once active. Every proposal and decision is in the audit log with its terms.
    """

    twin = models.ForeignKey(Twin, on_delete=models.PROTECT, related_name="licenses")
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="licenses")
    status = models.CharField(
        max_length=16, choices=LicenseStatus.choices, default=LicenseStatus.REQUESTED
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    markets = models.JSONField(help_text="ISO 3166-1 alpha-2 country codes.")
    channels = models.JSONField()
    categories = models.JSONField(help_text="Garment categories the brand may dress the twin in.")
    exclusivity = models.CharField(
        max_length=16, choices=Exclusivity.choices, default=Exclusivity.NONE
    )
    exclusive_against = models.ManyToManyField(Brand, blank=True, related_name="+")
    max_published_assets = models.PositiveIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    flat_fee = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        help_text="Per market and per month of the term.",
    )
    per_asset_fee = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        help_text="Per published asset and per market it is published in.",
    )
    note = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    declined_reason = models.TextField(
        blank=True, help_text="Why the talent declined, if they said."
    )
    revoked_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="license_term_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} × {self.twin} ({self.starts_on}–{self.ends_on})"

    @property
    def months(self) -> int:
        return months_between(self.starts_on, self.ends_on)

    @property
    def flat_total(self) -> Decimal:
        return (self.flat_fee * len(self.markets) * self.months).quantize(CENT)

    def asset_fee(self, markets: list[str]) -> Decimal:
        return (self.per_asset_fee * len(markets)).quantize(CENT)


class UsageLine(models.Model):
    """One thing a brand owes a talent under a license: the flat fee, or one published asset.
    Written only by twins.services.usage_record; statements are sums of these lines."""

    license = models.ForeignKey(License, on_delete=models.PROTECT, related_name="usage")
    kind = models.CharField(max_length=8, choices=UsageKind.choices)
    asset_ref = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=16, blank=True)
    markets = models.JSONField(default=list)
    used_on = models.DateField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["used_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["license", "kind", "asset_ref", "channel"], name="usage_line_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.asset_ref} {self.amount} {self.currency}"
