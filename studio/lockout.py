"""What a sign-in past django-axes' failure limit is told, on the sign-in page and in the API,
and the address a sign-in comes from."""

import ipaddress
from typing import Any

from axes.helpers import get_client_username
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def retry_after() -> str:
    """The Retry-After header of a refused sign-in: the pause, in seconds."""
    return str(lockout_minutes() * 60)


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
    response["Retry-After"] = retry_after()
    return response


def client_address(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the address a sign-in comes from.

    Without proxies it is REMOTE_ADDR. Behind ``TRUSTED_PROXIES`` reverse proxies, each of which
    appends the address it was reached from to X-Forwarded-For (nginx's
    ``$proxy_add_x_forwarded_for``, a cloud load balancer), REMOTE_ADDR is the innermost proxy,
    and the client is the address the outermost one appended: that many entries from the right.
    What stands left of it came from the client and is not believed. A header too short or not
    an address means a proxy did not do its part: REMOTE_ADDR then, never a client's word."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXIES
    if not proxies:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote
