from django.apps import AppConfig


class TwinsConfig(AppConfig):
    name = "twins"
    verbose_name = "Talent and twins"

    def ready(self) -> None:
        from twins import panels  # noqa: F401  (registers the dashboard panels)
