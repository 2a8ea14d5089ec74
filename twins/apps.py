from django.apps import AppConfig


class TwinsConfig(AppConfig):
    name = "twins"
    verbose_name = "Talent and twins"

    def ready(self) -> None:
        from studio.media import media_names
        from twins import panels  # noqa: F401  (registers the dashboard panels)
        from twins.models import TwinVersion

        # A version's weights are stored by name in a text field, not a file field.
        media_names(lambda: TwinVersion.objects.values_list("weights_uri", flat=True).iterator())
