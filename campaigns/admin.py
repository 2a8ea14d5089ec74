from django.contrib import admin

from campaigns.models import Garment
from studio.admin import ReadOnlyAdmin


@admin.register(Garment)
class GarmentAdmin(ReadOnlyAdmin[Garment]):
    """Stylists keep the catalogue in the studio, where uploads are checked, a worn garment keeps
    its category and every change is the brand's own."""

    list_display = ["sku", "name", "category", "brand"]
    list_filter = ["brand", "category"]
    search_fields = ["sku", "name"]
