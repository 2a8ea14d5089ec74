from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from studio.admin import OnboardAdmin, ReadOnlyAdmin
from studio.services import audit_record
from twins.models import Agency, AgencyMember, CapturePhoto, Representation, Talent, Twin
from twins.services import agency_create, talent_create


class AgencyMemberInline(admin.TabularInline[AgencyMember, Agency]):
    model = AgencyMember
    extra = 0


@admin.register(Agency)
class AgencyAdmin(OnboardAdmin[Agency]):
    """Staff onboard an agency and seat its people here. A seat lets its holder act for the
    talent the agency represents, where they allow it: each is audited."""

    list_display = ["name", "slug"]
    search_fields = ["name"]
    inlines = [AgencyMemberInline]

    def onboard(self, staff: Any, obj: Agency, form: Any) -> Agency:
        return agency_create(actor=staff, name=obj.name, slug=obj.slug, staff=[])

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        staff: Any = request.user
        agency: Agency = formset.instance

        def seated() -> set[str]:
            return set(agency.members.values_list("user__username", flat=True))

        before = seated()
        formset.save()
        after = seated()
        for verb, users in (
            ("agency.members_added", after - before),
            ("agency.members_removed", before - after),
        ):
            if users:
                payload = {"users": sorted(users)}
                audit_record(actor=staff, verb=verb, obj=agency, payload=payload)


class RepresentationInline(admin.TabularInline[Representation, Talent]):
    model = Representation
    extra = 0


@admin.register(Talent)
class TalentAdmin(OnboardAdmin[Talent]):
    """Staff onboard a talent here, through the service (audited). A talent's account is theirs
    for good: their twins, licenses and approvals go with it, so it is not changed here."""

    list_display = ["display_name", "user", "discoverable"]
    search_fields = ["display_name", "user__username"]
    inlines = [RepresentationInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Talent | None = None) -> list[str]:
        return ["user"] if obj is not None else []

    def onboard(self, staff: Any, obj: Talent, form: Any) -> Talent:
        return talent_create(
            actor=staff, user=obj.user, display_name=obj.display_name, discoverable=obj.discoverable
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Which agencies represent a talent, and whether they may act for them, is the
        talent's consent: what staff change of it is in the talent's audit trail."""
        staff: Any = request.user
        talent: Talent = formset.instance

        def audit(verb: str, representation: Representation, **payload: Any) -> None:
            audit_record(
                actor=staff,
                verb=verb,
                obj=representation,
                talent_user=talent.user,
                payload={"agency": representation.agency.slug, **payload},
            )

        for ended in formset.deleted_forms:
            if ended.instance.pk:
                audit("representation.ended", ended.instance)
        formset.save()
        for representation in formset.new_objects:
            audit("representation.started", representation, may_act=representation.may_act)
        for representation, fields in formset.changed_objects:
            audit(
                "representation.changed",
                representation,
                may_act=representation.may_act,
                changed=sorted(fields),
            )


@admin.register(Twin)
class TwinAdmin(ReadOnlyAdmin[Twin]):
    """A twin is its talent's: they name it, revoke consent for it, and it stays theirs."""

    list_display = ["name", "talent", "created_at"]
    list_select_related = ["talent"]


@admin.register(CapturePhoto)
class CapturePhotoAdmin(ReadOnlyAdmin[CapturePhoto]):
    list_display = ["twin", "angle", "framing", "lighting", "width", "height"]
    list_select_related = ["twin__talent"]
