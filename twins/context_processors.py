from typing import Any

from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest

from twins.permissions import talents_actable_by


def talent(request: HttpRequest) -> dict[str, Any]:
    """The signed-in person's own talent profile, and whether they act for others (an agency's
    booker), in one query: their own first, then one other if any."""
    if not request.user.is_authenticated:
        return {}
    user = request.user
    own_first = Case(When(user=user, then=Value(0)), default=Value(1), output_field=IntegerField())
    first_two = list(talents_actable_by(user).order_by(own_first, "pk")[:2])
    own = next((talent for talent in first_two if talent.user_id == user.pk), None)
    return {
        "acts_for_talent": bool(first_two),
        "is_talent": own is not None,
        "own_talent": own,
        "represents_talent": any(talent.user_id != user.pk for talent in first_two),
    }
