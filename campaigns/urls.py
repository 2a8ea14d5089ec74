from django.urls import path

from campaigns import views

urlpatterns = [
    path("garments/", views.garment_list, name="garment-list"),
    path("garments/import/", views.garment_import, name="garment-import"),
    path("garments/<int:pk>/", views.garment_detail, name="garment-detail"),
    path(
        "media/garments/<int:pk>/packshot/",
        views.garment_packshot_file,
        name="garment-packshot-file",
    ),
    path("media/garments/<int:pk>/cutout/", views.garment_cutout_file, name="garment-cutout-file"),
    path("looks/", views.look_list, name="look-list"),
    path("looks/new/", views.look_create, name="look-create"),
    path("looks/<int:pk>/", views.look_detail, name="look-detail"),
    path("looks/<int:pk>/edit/", views.look_edit, name="look-edit"),
    path("looks/<int:pk>/duplicate/", views.look_duplicate, name="look-duplicate"),
]
