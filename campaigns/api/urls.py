from django.urls import path

from campaigns.api import views

urlpatterns = [
    path("garments/", views.GarmentListApi.as_view(), name="api-garment-list"),
    path("garments/import/", views.GarmentImportApi.as_view(), name="api-garment-import"),
    path("garments/<int:pk>/", views.GarmentDetailApi.as_view(), name="api-garment-detail"),
    path("looks/", views.LookListApi.as_view(), name="api-look-list"),
    path("looks/<int:pk>/", views.LookDetailApi.as_view(), name="api-look-detail"),
    path("looks/<int:pk>/duplicate/", views.LookDuplicateApi.as_view(), name="api-look-duplicate"),
]
