from django.urls import path

from campaigns import views

urlpatterns = [
    path("garments/", views.garment_list, name="garment-list"),
    path("garments/<int:pk>/", views.garment_detail, name="garment-detail"),
    path("media/garments/<int:pk>/cutout/", views.garment_cutout_file, name="garment-cutout-file"),
]
