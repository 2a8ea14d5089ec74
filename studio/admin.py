from django.contrib import admin
from django.http import HttpRequest

from studio.models import AuditEvent, Brand, Membership


class MembershipInline(admin.TabularInline[Membership, Brand]):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin[Brand]):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Readable, never writable: no add, change or delete, whatever the admin's permissions."""

    list_display = ["created_at", "verb", "actor", "brand", "talent_user", "object_repr"]
    list_filter = ["verb", "brand"]
    search_fields = ["verb", "object_repr", "actor__username"]
    list_select_related = ["actor", "brand", "talent_user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
