from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.request import Request


class SessionThenBasicAuthentication(SessionAuthentication):
    """The studio's session, first among DRF's authenticators. A request that is not signed in
    is refused with 403 and no challenge, so a browser opens no sign-in box of its own; one
    that sent Basic credentials DRF refused gets 401 and the `WWW-Authenticate: Basic`
    challenge HTTP asks for, as API clients expect."""

    def authenticate_header(self, request: Request) -> str | None:
        sent = request.META.get("HTTP_AUTHORIZATION", "")
        if sent[:6].lower() == "basic ":
            return BasicAuthentication().authenticate_header(request)
        return None


class SessionThenBasicScheme(SessionScheme):
    """In the OpenAPI schema, the studio's session authenticator is DRF's session scheme."""

    target_class = "studio.api.authentication.SessionThenBasicAuthentication"
