from typing import Any

from django.http import HttpRequest

from studio.enums import ROLE_PERMS
from studio.selectors import memberships_of


def actor(request: HttpRequest) -> dict[str, Any]:
    current = getattr(request, "actor", None)
    if current is None:
        return {}
    perms = ROLE_PERMS[current.role] if current.role else frozenset()
    return {
        "actor": current,
        # {% if can.garments_manage %}: what the actor's role allows, for menus and buttons.
        "can": {perm.replace(".", "_"): True for perm in perms},
        "seats": list(memberships_of(actor=current)) if current.brand else [],
    }
