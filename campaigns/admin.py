from django.contrib import admin

from campaigns.models import Garment


@admin.register(Garment)
class GarmentAdmin(admin.ModelAdmin[Garment]):
    list_display = ["sku", "name", "category", "brand"]
    list_filter = ["brand", "category"]
    search_fields = ["sku", "name"]
    readonly_fields = ["cutout", "cutout_sha256"]
