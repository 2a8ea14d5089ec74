from typing import IO

from django.db import IntegrityError, transaction

from campaigns.enums import GarmentCategory
from campaigns.models import Garment
from studio.enums import Perm
from studio.errors import Conflict, StudioError
from studio.images import image_ingest
from studio.permissions import Actor
from studio.services import audit_record


def garment_create(
    *, actor: Actor, sku: str, name: str, category: str, cutout: IO[bytes] | None = None
) -> Garment:
    brand = actor.require(Perm.MANAGE_GARMENTS)
    sku, name = sku.strip(), name.strip()
    if not sku or not name:
        raise StudioError("A garment needs a SKU and a name.")
    if category not in GarmentCategory.values:
        raise StudioError(f"Unknown category {category!r}.")
    if Garment.objects.filter(brand=brand, sku=sku).exists():
        raise Conflict(f"SKU {sku} is in the catalogue already.")
    stored = image_ingest(cutout, prefix=f"garments/{brand.pk}") if cutout else None
    try:
        with transaction.atomic():
            garment = Garment.objects.create(
                brand=brand,
                sku=sku,
                name=name,
                category=category,
                cutout=stored.name if stored else "",
                cutout_sha256=stored.sha256 if stored else "",
                created_by=actor.user,
            )
            audit_record(
                actor=actor.user,
                verb="garment.created",
                obj=garment,
                brand=brand,
                payload={"sku": sku, "category": category},
            )
    except IntegrityError as exc:  # a concurrent create of the same SKU won the race
        raise Conflict(f"SKU {sku} is in the catalogue already.") from exc
    return garment
