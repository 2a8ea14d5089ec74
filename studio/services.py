from typing import Any

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction

from studio.enums import Perm, Role
from studio.errors import Conflict, NotFound, PermissionDenied, StudioError
from studio.models import AuditEvent, Brand, Membership
from studio.permissions import Actor


def audit_record(
    *,
    actor: User | None,
    verb: str,
    obj: models.Model | None = None,
    brand: Brand | None = None,
    talent_user: User | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. Called by services, inside their transaction."""
    return AuditEvent.objects.create(
        actor=actor,
        brand=brand,
        talent_user=talent_user,
        verb=verb,
        object_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        payload=payload or {},
    )


@transaction.atomic
def brand_create(*, actor: User, name: str, slug: str, admin: User) -> Brand:
    """Onboard a brand (studio staff only) with ``admin`` as its first brand admin."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied("Only studio staff can onboard brands.")
    if Brand.objects.filter(models.Q(name__iexact=name) | models.Q(slug=slug)).exists():
        raise Conflict(f"A brand named {name!r} or with the address {slug!r} exists already.")
    brand = Brand.objects.create(name=name, slug=slug)
    Membership.objects.create(user=admin, brand=brand, role=Role.BRAND_ADMIN)
    audit_record(
        actor=actor,
        verb="brand.created",
        obj=brand,
        brand=brand,
        payload={"admin": admin.get_username()},
    )
    return brand


@transaction.atomic
def membership_add(*, actor: Actor, user: User, role: str) -> Membership:
    brand = actor.require(Perm.MANAGE_MEMBERS)
    if role not in Role.values:
        raise StudioError(f"Unknown role {role!r}.")
    already = Conflict(f"{user} is a member of {brand} already.")
    if Membership.objects.filter(brand=brand, user=user).exists():
        raise already
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, brand=brand, role=role)
    except IntegrityError as exc:  # added by another admin at the same moment
        raise already from exc
    audit_record(
        actor=actor.user,
        verb="membership.added",
        obj=membership,
        brand=brand,
        payload={"user": user.get_username(), "role": role},
    )
    return membership


def _other_admins(membership: Membership) -> bool:
    """Whether the brand has another admin, read with the brand's row locked: two admins
    stepping each other down at once take turns, and the second finds itself the last."""
    Brand.objects.select_for_update(no_key=True).filter(pk=membership.brand_id).first()
    return (
        Membership.objects.filter(brand=membership.brand_id, role=Role.BRAND_ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


def _member_locked(brand: Brand, membership: Membership) -> Membership:
    """The seat, locked, if it is still the brand's: another admin may have removed it since."""
    locked = Membership.objects.select_for_update().filter(pk=membership.pk, brand=brand).first()
    if locked is None:
        raise NotFound("No such member.")
    return locked


@transaction.atomic
def membership_set_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    brand = actor.require(Perm.MANAGE_MEMBERS)
    membership = _member_locked(brand, membership)
    if role not in Role.values:
        raise StudioError(f"Unknown role {role!r}.")
    if (
        membership.role == Role.BRAND_ADMIN
        and role != Role.BRAND_ADMIN
        and not _other_admins(membership)
    ):
        raise Conflict("A brand keeps at least one brand admin.")
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        actor=actor.user,
        verb="membership.role_changed",
        obj=membership,
        brand=brand,
        payload={"user": membership.user.get_username(), "from": before, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: Actor, membership: Membership) -> None:
    brand = actor.require(Perm.MANAGE_MEMBERS)
    membership = _member_locked(brand, membership)
    if membership.role == Role.BRAND_ADMIN and not _other_admins(membership):
        raise Conflict("A brand keeps at least one brand admin.")
    audit_record(
        actor=actor.user,
        verb="membership.removed",
        obj=membership,
        brand=brand,
        payload={"user": membership.user.get_username(), "role": membership.role},
    )
    membership.delete()
