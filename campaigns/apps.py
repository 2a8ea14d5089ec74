from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Campaigns"

    def ready(self) -> None:
        from campaigns import panels  # noqa: F401  (registers the dashboard panels)
        from campaigns.services.rendering import render_jobs_revoked
        from twins.revocation import revocation_handler

        # A revoked license or consent stops the renders of that twin that nothing covers now.
        revocation_handler(render_jobs_revoked)
