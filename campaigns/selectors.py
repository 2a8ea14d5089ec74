from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from campaigns.models import Garment, Look, LookItem
from studio.permissions import Actor, brand_scope
from twins.enums import LicenseStatus
from twins.models import Twin
from twins.services import LicenseCheck, wear_check


def garment_list(*, actor: Actor, search: str = "", category: str = "") -> QuerySet[Garment]:
    garments = brand_scope(Garment.objects.all(), actor)
    if search:
        garments = garments.filter(Q(name__icontains=search) | Q(sku__icontains=search))
    if category:
        garments = garments.filter(category=category)
    return garments


def look_list(*, actor: Actor) -> QuerySet[Look]:
    return brand_scope(Look.objects.all(), actor).prefetch_related(
        Prefetch("items", queryset=LookItem.objects.select_related("garment"))
    )


@dataclass(frozen=True)
class Wearer:
    twin: Twin
    check: LicenseCheck


def look_wearers(*, actor: Actor, look: Look) -> list[Wearer]:
    """Every twin the brand holds an active license for, and whether it may wear this look
    (standing terms, license categories) or why not."""
    categories = sorted({item.garment.category for item in look.items.all()})
    twins = (
        Twin.objects.filter(licenses__brand=actor.brand, licenses__status=LicenseStatus.ACTIVE)
        .distinct()
        .select_related("talent")
        .order_by("talent__display_name", "name")
    )
    today = timezone.localdate()
    return [
        Wearer(twin, wear_check(twin=twin, brand=look.brand, categories=categories, on=today))
        for twin in twins
    ]
