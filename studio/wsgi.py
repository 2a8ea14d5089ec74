import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
application = get_wsgi_application()

from studio.secret import secret_key_require  # noqa: E402 (once settings are configured)

secret_key_require()
