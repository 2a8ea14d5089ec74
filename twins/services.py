from datetime import date
from typing import IO

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from studio.errors import Conflict, PermissionDenied, StudioError
from studio.images import image_ingest
from studio.services import audit_record
from twins.enums import Angle, Framing, Lighting
from twins.models import Agency, AgencyMember, CapturePhoto, Representation, Talent, Twin
from twins.permissions import talent_require


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


@transaction.atomic
def twin_create(*, actor: User, talent: Talent, name: str) -> Twin:
    talent = talent_require(actor, talent.pk)
    twin = Twin.objects.create(talent=talent, name=name)
    audit_record(actor=actor, verb="twin.created", obj=twin, talent_user=talent.user)
    return twin


def capture_photo_add(
    *,
    actor: User,
    twin: Twin,
    upload: IO[bytes],
    angle: str,
    framing: str,
    lighting: str,
) -> CapturePhoto:
    talent = talent_require(actor, twin.talent_id)
    for value, choices, label in (
        (angle, Angle, "angle"),
        (framing, Framing, "framing"),
        (lighting, Lighting, "lighting"),
    ):
        if value not in choices.values:
            raise StudioError(f"Unknown {label} {value!r}.")
    stored = image_ingest(upload, prefix=f"capture/{twin.pk}")  # checks before anything is saved
    if CapturePhoto.objects.filter(twin=twin, sha256=stored.sha256).exists():
        raise Conflict("This photo is in the capture set already.")
    try:
        with transaction.atomic():
            photo = CapturePhoto.objects.create(
                twin=twin,
                image=stored.name,
                sha256=stored.sha256,
                width=stored.width,
                height=stored.height,
                angle=angle,
                framing=framing,
                lighting=lighting,
                uploaded_by=actor,
            )
            audit_record(
                actor=actor,
                verb="capture_photo.added",
                obj=photo,
                talent_user=talent.user,
                payload={"angle": angle, "framing": framing, "lighting": lighting},
            )
    except IntegrityError as exc:  # the same photo added concurrently
        raise Conflict("This photo is in the capture set already.") from exc
    return photo
