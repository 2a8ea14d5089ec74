from django.urls import path

from twins import license_views as lv
from twins import views

urlpatterns = [
    path("talent/", views.talent_list, name="talent-list"),
    path("talent/<int:pk>/", views.talent_detail, name="talent-detail"),
    path("talent/<int:pk>/audit/", views.talent_audit, name="talent-audit"),
    path("twins/<int:pk>/", views.twin_detail, name="twin-detail"),
    path("media/capture/<int:pk>/", views.capture_photo_file, name="capture-photo-file"),
    path("twins/<int:pk>/coverage/", views.twin_coverage, name="twin-coverage"),
    path("twins/<int:pk>/versions/", views.twin_versions, name="twin-versions"),
    path(
        "twins/versions/<int:pk>/<str:action>/",
        views.twin_version_decide,
        name="twin-version-decide",
    ),
    path("twins/<int:pk>/agreement/", views.twin_agreement_sign, name="twin-agreement-sign"),
    path("twins/<int:pk>/consent/revoke/", views.twin_consent_revoke, name="twin-consent-revoke"),
    # The talent's side of licensing.
    path("talent/<int:pk>/terms/", lv.talent_terms, name="talent-terms"),
    path("talent/<int:pk>/licenses/", lv.talent_licenses, name="talent-licenses"),
    path("talent/<int:pk>/earnings/", lv.talent_earnings, name="talent-earnings"),
    path("talent/<int:pk>/usage/", lv.talent_usage, name="talent-usage"),
    path(
        "talent/licenses/<int:pk>/counter/",
        lv.talent_license_counter,
        name="talent-license-counter",
    ),
    path(
        "talent/licenses/<int:pk>/<str:action>/",
        lv.talent_license_decide,
        name="talent-license-decide",
    ),
    # The brand's side.
    path("catalogue/", lv.catalogue, name="twin-catalogue"),
    path("catalogue/<int:twin_pk>/request/", lv.license_request, name="license-request"),
    path("licenses/", lv.brand_licenses, name="brand-licenses"),
    path("licenses/<int:pk>/counter/", lv.brand_license_counter, name="brand-license-counter"),
    path("licenses/<int:pk>/<str:action>/", lv.brand_license_decide, name="brand-license-decide"),
    path("statements/", lv.brand_statement, name="brand-statement"),
]
