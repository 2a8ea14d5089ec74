from django.db.models import Q, QuerySet

from campaigns.models import Garment
from studio.permissions import Actor, brand_scope


def garment_list(*, actor: Actor, search: str = "", category: str = "") -> QuerySet[Garment]:
    garments = brand_scope(Garment.objects.all(), actor)
    if search:
        garments = garments.filter(Q(name__icontains=search) | Q(sku__icontains=search))
    if category:
        garments = garments.filter(category=category)
    return garments
