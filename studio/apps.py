from django.apps import AppConfig
from django.db.backends.signals import connection_created

from studio import search


class StudioConfig(AppConfig):
    name = "studio"
    verbose_name = "Studio core"

    def ready(self) -> None:
        from studio import panels  # noqa: F401  (registers the dashboard panels)

        search.register()
        connection_created.connect(search.sqlite_functions)
