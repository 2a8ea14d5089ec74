from django.db.models import QuerySet

from studio.enums import Perm
from studio.models import AuditEvent, Membership
from studio.permissions import Actor, brand_scope


def membership_list(*, actor: Actor) -> QuerySet[Membership]:
    return brand_scope(Membership.objects.all(), actor).select_related("user", "brand")


def memberships_of(*, actor: Actor) -> QuerySet[Membership]:
    """The brands the actor can switch between."""
    return Membership.objects.filter(user=actor.user).select_related("brand")


def audit_list_for_brand(*, actor: Actor, verb: str = "") -> QuerySet[AuditEvent]:
    """The brand's audit events; with ``verb``, those whose verb starts with it ("license.")."""
    events = brand_scope(AuditEvent.objects.all(), actor, Perm.VIEW_AUDIT)
    if verb:
        events = events.filter(verb__startswith=verb)
    return events.select_related("actor", "brand", "talent_user", "object_type")
