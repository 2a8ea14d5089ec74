from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from studio.api import views

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script for the CSP.
    # Its page carries a <style> element of its own: inline styles are allowed there alone.
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("me/", views.MeApi.as_view(), name="api-me"),
    path("members/", views.MemberListApi.as_view(), name="api-member-list"),
    path("audit/", views.BrandAuditListApi.as_view(), name="api-audit-list"),
    path("", include("twins.api.urls")),
    path("", include("campaigns.api.urls")),
]
