from datetime import date

from django.contrib.auth.models import User
from django.db import transaction

from studio.errors import PermissionDenied, StudioError
from studio.models import Brand
from studio.services import audit_record
from twins.enums import ContentTag
from twins.models import Agency, AgencyMember, Representation, StandingTerms, Talent


@transaction.atomic
def talent_create(
    *,
    actor: User | None,
    user: User,
    display_name: str,
    discoverable: bool = False,
) -> Talent:
    talent = Talent.objects.create(user=user, display_name=display_name, discoverable=discoverable)
    audit_record(actor=actor, verb="talent.created", obj=talent, talent_user=user)
    return talent


@transaction.atomic
def agency_create(*, actor: User | None, name: str, slug: str, staff: list[User]) -> Agency:
    agency = Agency.objects.create(name=name, slug=slug)
    AgencyMember.objects.bulk_create([AgencyMember(agency=agency, user=user) for user in staff])
    audit_record(actor=actor, verb="agency.created", obj=agency, payload={"staff": len(staff)})
    return agency


@transaction.atomic
def representation_start(
    *,
    actor: User,
    talent: Talent,
    agency: Agency,
    started_on: date,
    may_act: bool = True,
) -> Representation:
    """The talent (or studio staff at onboarding) names an agency that represents them."""
    if actor != talent.user and not getattr(actor, "is_staff", False):
        raise PermissionDenied("Only the talent chooses who represents them.")
    representation, _ = Representation.objects.update_or_create(
        talent=talent,
        agency=agency,
        defaults={"started_on": started_on, "ended_on": None, "may_act": may_act},
    )
    audit_record(
        actor=actor,
        verb="representation.started",
        obj=representation,
        talent_user=talent.user,
        payload={"agency": agency.slug, "may_act": may_act},
    )
    return representation


CATEGORIES = (  # kept in step with campaigns.enums.GarmentCategory (twins never imports it)
    "top",
    "bottom",
    "dress",
    "outerwear",
    "shoes",
    "accessory",
    "swimwear",
    "lingerie",
)


@transaction.atomic
def standing_terms_update(
    *,
    actor: User,
    talent: Talent,
    excluded_categories: list[str],
    excluded_content_tags: list[str],
    blocked_brands: list[Brand],
    agency_needs_confirmation: bool,
) -> StandingTerms:
    """The talent's rules for every brand. Only the talent sets them, not their agency."""
    if actor.pk != talent.user_id:
        raise PermissionDenied("Only the talent sets their standing terms.")
    unknown = sorted(set(excluded_categories) - set(CATEGORIES)) + sorted(
        set(excluded_content_tags) - set(ContentTag.values)
    )
    if unknown:
        raise StudioError(f"Unknown categories or content tags: {', '.join(unknown)}.")
    terms, _ = StandingTerms.objects.select_for_update().get_or_create(talent=talent)
    terms.excluded_categories = sorted(set(excluded_categories))
    terms.excluded_content_tags = sorted(set(excluded_content_tags))
    terms.agency_needs_confirmation = agency_needs_confirmation
    terms.save()
    terms.blocked_brands.set(blocked_brands)
    audit_record(
        actor=actor,
        verb="standing_terms.updated",
        obj=terms,
        talent_user=actor,
        payload={
            "excluded_categories": terms.excluded_categories,
            "excluded_content_tags": terms.excluded_content_tags,
            "blocked_brands": sorted(b.slug for b in blocked_brands),
            "agency_needs_confirmation": agency_needs_confirmation,
        },
    )
    return terms
