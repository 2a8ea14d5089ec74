from typing import Any

from django.http import HttpRequest

from twins.models import Talent
from twins.permissions import talents_actable_by


def talent(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {}
    own = Talent.objects.filter(user=request.user).first()
    return {
        "acts_for_talent": own is not None or talents_actable_by(request.user).exists(),
        "is_talent": own is not None,
        "own_talent": own,
    }
