"""Talent and agency scoping, on top of studio.permissions.

A talent acts for themself; an agency's staff act for the talent the agency represents now and
whom the talent lets it act for. Nobody else reaches a talent's twins, photos or audit trail.
"""

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone

from studio.errors import NotFound
from twins.models import Talent


def talents_actable_by(user: User) -> QuerySet[Talent]:
    today = timezone.localdate()
    # One filter() call: every condition holds of the same representation (a second call would
    # join the representations again, letting an ended one pass by another that is current).
    represented = Talent.objects.filter(
        Q(representations__ended_on__isnull=True) | Q(representations__ended_on__gte=today),
        representations__agency__members__user=user,
        representations__may_act=True,
        representations__started_on__lte=today,
    )
    return Talent.objects.filter(Q(user=user) | Q(pk__in=represented.values("pk"))).select_related(
        "user"
    )


def talent_require(user: User, talent_id: int) -> Talent:
    """The talent, if ``user`` may act for them; NotFound otherwise (existence is not revealed)."""
    talent = talents_actable_by(user).filter(pk=talent_id).first()
    if talent is None:
        raise NotFound("No such talent among those you act for.")
    return talent
