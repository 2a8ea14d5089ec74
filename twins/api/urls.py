from django.urls import path

from twins.api import licensing, views

urlpatterns = [
    path("talent/", views.TalentListApi.as_view(), name="api-talent-list"),
    path("talent/<int:pk>/audit/", views.TalentAuditListApi.as_view(), name="api-talent-audit"),
    path("twins/", views.TwinListApi.as_view(), name="api-twin-list"),
    path("twins/<int:pk>/", views.TwinDetailApi.as_view(), name="api-twin-detail"),
    path("twins/<int:pk>/photos/", views.CapturePhotoListApi.as_view(), name="api-twin-photos"),
    path("twins/<int:pk>/coverage/", views.TwinCoverageApi.as_view(), name="api-twin-coverage"),
    path("twins/<int:pk>/versions/", views.TwinVersionListApi.as_view(), name="api-twin-versions"),
    path(
        "twin-versions/<int:pk>/",
        views.TwinVersionDetailApi.as_view(),
        name="api-twin-version-detail",
    ),
    path(
        "twin-versions/<int:pk>/<str:action>/",
        views.TwinVersionActionApi.as_view(),
        name="api-twin-version-action",
    ),
    path(
        "twins/<int:pk>/agreement/", licensing.AgreementSignApi.as_view(), name="api-twin-agreement"
    ),
    path(
        "twins/<int:pk>/consent/revoke/",
        licensing.ConsentRevokeApi.as_view(),
        name="api-twin-consent-revoke",
    ),
    path("talent/<int:pk>/terms/", licensing.StandingTermsApi.as_view(), name="api-talent-terms"),
    path(
        "talent/<int:pk>/licenses/",
        licensing.TalentLicenseListApi.as_view(),
        name="api-talent-licenses",
    ),
    path("talent/<int:pk>/usage/", licensing.TalentUsageListApi.as_view(), name="api-talent-usage"),
    path(
        "talent/<int:pk>/statements/",
        licensing.TalentStatementApi.as_view(),
        name="api-talent-statement",
    ),
    path(
        "talent/licenses/<int:pk>/<str:action>/",
        licensing.TalentLicenseActionApi.as_view(),
        name="api-talent-license-action",
    ),
    path("catalogue/", licensing.TwinCatalogueApi.as_view(), name="api-twin-catalogue"),
    path(
        "catalogue/<int:pk>/photos/",
        views.BrandCapturePhotoApi.as_view(),
        name="api-brand-capture-photos",
    ),
    path("licenses/", licensing.LicenseListApi.as_view(), name="api-license-list"),
    path("licenses/<int:pk>/", licensing.LicenseDetailApi.as_view(), name="api-license-detail"),
    path(
        "licenses/<int:pk>/<str:action>/",
        licensing.BrandLicenseActionApi.as_view(),
        name="api-license-action",
    ),
    path("license-check/", licensing.LicenseCheckApi.as_view(), name="api-license-check"),
    path("statements/", licensing.BrandStatementApi.as_view(), name="api-brand-statement"),
]
