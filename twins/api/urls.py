from django.urls import path

from twins.api import views

urlpatterns = [
    path("talent/", views.TalentListApi.as_view(), name="api-talent-list"),
    path("talent/<int:pk>/audit/", views.TalentAuditListApi.as_view(), name="api-talent-audit"),
    path("twins/", views.TwinListApi.as_view(), name="api-twin-list"),
    path("twins/<int:pk>/", views.TwinDetailApi.as_view(), name="api-twin-detail"),
    path("twins/<int:pk>/photos/", views.CapturePhotoListApi.as_view(), name="api-twin-photos"),
]
