from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from studio.permissions import actor_for

SESSION_BRAND_KEY = "studio_brand"


def brand_slug_for(request: HttpRequest) -> str | None:
    """The brand a request works in: the `X-Brand` header (API clients), else the session."""
    return request.headers.get("X-Brand") or request.session.get(SESSION_BRAND_KEY)


class ActorMiddleware:
    """Puts ``request.actor`` (studio.permissions.Actor) on signed-in requests, built lazily."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            request.actor = SimpleLazyObject(  # type: ignore[attr-defined]
                lambda: actor_for(request.user, brand_slug_for(request))
            )
        return self.get_response(request)
