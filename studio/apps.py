from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "studio"
    verbose_name = "Studio core"

    def ready(self) -> None:
        from studio import panels  # noqa: F401  (registers the dashboard panels)
