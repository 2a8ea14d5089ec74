"""What a sign-in past django-axes' failure limit is told, on the sign-in page and in the API."""

from typing import Any

from axes.helpers import get_client_username
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def locked_out_detail() -> str:
    return (
        f"Too many wrong passwords for this username from this address: signing in is paused, "
        f"even with the right password, until {lockout_minutes()} minutes pass without a try."
    )


def sign_in_locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the sign-in page says what happened and for how long, with 429 and
    Retry-After."""
    context = {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": lockout_minutes(),
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(lockout_minutes() * 60)
    return response
