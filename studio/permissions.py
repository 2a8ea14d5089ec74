"""The permission layer every service and selector goes through.

An ``Actor`` is a signed-in user with, when they sit in a brand, the membership of the brand they
are working in now. Role grants come from ``ROLE_PERMS`` alone. Brand objects are reached only
through ``brand_scope``; talent and agency scoping is built on top of this in ``twins.permissions``
(studio never imports twins).
"""

from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.db import models
from django.http import HttpRequest

from studio.enums import ROLE_PERMS, Perm
from studio.errors import PermissionDenied
from studio.models import Brand, Membership

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Actor:
    user: User
    membership: Membership | None = None

    @property
    def brand(self) -> Brand | None:
        return self.membership.brand if self.membership else None

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    def has(self, perm: Perm) -> bool:
        return self.membership is not None and perm in ROLE_PERMS[self.membership.role]

    def require(self, perm: Perm) -> Brand:
        """The actor's current brand, if their role there grants ``perm``; else PermissionDenied."""
        if self.membership is None or not self.has(perm):
            raise PermissionDenied(f"Your role does not allow this ({Perm(perm).label.lower()}).")
        return self.membership.brand


def actor_for(user: User | AnonymousUser, brand_slug: str | None = None) -> Actor:
    """The actor for ``user`` working in ``brand_slug`` (or their first brand, if not a member)."""
    if not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    seats = Membership.objects.filter(user=user).select_related("brand").order_by("brand__name")
    membership = None
    if brand_slug:
        membership = seats.filter(brand__slug=brand_slug).first()
    if membership is None:
        membership = seats.first()
    return Actor(user=user, membership=membership)


def brand_scope(
    queryset: models.QuerySet[M],
    actor: Actor,
    perm: Perm = Perm.VIEW_BRAND,
    *,
    field: str = "brand",
) -> models.QuerySet[M]:
    """``queryset`` narrowed to the actor's current brand, or empty if their role lacks ``perm``."""
    if actor.membership is None or not actor.has(perm):
        return queryset.none()
    return queryset.filter(**{field: actor.membership.brand_id})


def user_of(request: HttpRequest) -> User:
    """The signed-in user of a request that login_required or IsAuthenticated has let through."""
    if not isinstance(request.user, User):
        raise PermissionDenied("Sign in first.")
    return request.user


def actor_of(request: HttpRequest) -> Actor:
    """The actor that ActorMiddleware put on a signed-in request."""
    actor = getattr(request, "actor", None)
    if actor is None:
        raise PermissionDenied("Sign in first.")
    return actor
