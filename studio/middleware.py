from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
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


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NUL_REFUSED = "A NUL character (%00) is not allowed in a request's parameters or form fields."


class NulRefusedMiddleware:
    """Answers 400 to a query string or form holding a NUL character. PostgreSQL cannot store
    or compare one, so a search or filter carrying it would fail deep in a query; the API's
    JSON fields refuse it already (DRF's CharField)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = [request.GET]
        if request.method == "POST" and request.content_type in FORM_TYPES:
            fields.append(request.POST)
        words = (word for data in fields for key, values in data.lists() for word in (key, *values))
        if any("\x00" in word for word in words):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": NUL_REFUSED}, status=400)
            return HttpResponseBadRequest(NUL_REFUSED)
        return self.get_response(request)
