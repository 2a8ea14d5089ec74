from typing import Any

from django.http import HttpRequest

from twins.models import Talent
from twins.permissions import talents_actable_by


def talent(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {}
    scope = talents_actable_by(request.user)
    return {
        "acts_for_talent": scope.exists(),
        "is_talent": Talent.objects.filter(user=request.user).exists(),
    }
