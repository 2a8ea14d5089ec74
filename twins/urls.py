from django.urls import path

from twins import views

urlpatterns = [
    path("talent/", views.talent_list, name="talent-list"),
    path("talent/<int:pk>/", views.talent_detail, name="talent-detail"),
    path("talent/<int:pk>/audit/", views.talent_audit, name="talent-audit"),
    path("twins/<int:pk>/", views.twin_detail, name="twin-detail"),
    path("media/capture/<int:pk>/", views.capture_photo_file, name="capture-photo-file"),
]
