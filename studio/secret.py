"""No serving without a secret key: the web process (studio.wsgi) and Celery's worker and beat
refuse to start without one. Other commands (makemigrations, check) run without it, and Django
itself refuses any use of an empty key."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MISSING = (
    "SECRET_KEY is not set. Set it in the environment, or set DEBUG=1 for development "
    "(a key is then generated once under var/)."
)


def secret_key_require() -> None:
    try:
        settings.SECRET_KEY  # noqa: B018 (reading it is the check)
    except ImproperlyConfigured:
        raise ImproperlyConfigured(MISSING) from None
