from django.contrib import admin

from twins.models import Agency, AgencyMember, CapturePhoto, Representation, Talent, Twin


class AgencyMemberInline(admin.TabularInline[AgencyMember, Agency]):
    model = AgencyMember
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    inlines = [AgencyMemberInline]


class RepresentationInline(admin.TabularInline[Representation, Talent]):
    model = Representation
    extra = 0


@admin.register(Talent)
class TalentAdmin(admin.ModelAdmin[Talent]):
    list_display = ["display_name", "user", "discoverable"]
    search_fields = ["display_name", "user__username"]
    inlines = [RepresentationInline]


@admin.register(Twin)
class TwinAdmin(admin.ModelAdmin[Twin]):
    list_display = ["name", "talent", "created_at"]
    list_select_related = ["talent"]


@admin.register(CapturePhoto)
class CapturePhotoAdmin(admin.ModelAdmin[CapturePhoto]):
    list_display = ["twin", "angle", "framing", "lighting", "width", "height"]
    list_select_related = ["twin__talent"]
    readonly_fields = ["image", "sha256", "width", "height"]
