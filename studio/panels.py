from django.http import HttpRequest

from studio import selectors
from studio.dashboard import Panel, register
from studio.enums import Perm
from studio.permissions import actor_of


@register
def _brand_panels(request: HttpRequest) -> list[Panel]:
    actor = actor_of(request)
    if not actor.has(Perm.MANAGE_MEMBERS):
        return []
    return [
        Panel(
            title="Team",
            template="studio/panels/team.html",
            context={
                "member_count": selectors.membership_list(actor=actor).count(),
                "recent_events": list(selectors.audit_list_for_brand(actor=actor)[:5]),
            },
            order=90,
        )
    ]
