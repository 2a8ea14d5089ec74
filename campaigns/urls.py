from django.urls import path

from campaigns import production_views as production
from campaigns import views

urlpatterns = [
    path("garments/", views.garment_list, name="garment-list"),
    path("garments/import/", views.garment_import, name="garment-import"),
    path("garments/<int:pk>/", views.garment_detail, name="garment-detail"),
    path("garments/<int:pk>/edit/", views.garment_edit, name="garment-edit"),
    path("garments/<int:pk>/archive/", views.garment_archive, name="garment-archive"),
    path("garments/<int:pk>/delete/", views.garment_delete, name="garment-delete"),
    path(
        "media/garments/<int:pk>/packshot/",
        views.garment_packshot_file,
        name="garment-packshot-file",
    ),
    path("media/garments/<int:pk>/cutout/", views.garment_cutout_file, name="garment-cutout-file"),
    path("looks/", views.look_list, name="look-list"),
    path("looks/new/", views.look_create, name="look-create"),
    path("looks/picks/", views.look_picks, name="look-picks"),
    path("looks/<int:pk>/", views.look_detail, name="look-detail"),
    path("looks/<int:pk>/edit/", views.look_edit, name="look-edit"),
    path("looks/<int:pk>/delete/", views.look_delete, name="look-delete"),
    path("looks/<int:pk>/duplicate/", views.look_duplicate, name="look-duplicate"),
    path("campaigns/", production.campaign_list, name="campaign-list"),
    path("campaigns/new/", production.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", production.campaign_board, name="campaign-board"),
    path("campaigns/<int:pk>/cards/", production.campaign_board_cards, name="campaign-cards"),
    path("campaigns/<int:pk>/edit/", production.campaign_edit, name="campaign-edit"),
    path("campaigns/<int:pk>/status/", production.campaign_status, name="campaign-status"),
    path("campaigns/<int:pk>/cancel/", production.campaign_cancel, name="campaign-cancel"),
    path(
        "campaigns/<int:pk>/retry-failed/",
        production.campaign_retry_failed,
        name="campaign-retry-failed",
    ),
    path(
        "campaigns/<int:pk>/batches/<uuid:batch>/rush/",
        production.batch_rush,
        name="batch-rush",
    ),
    path(
        "campaigns/<int:pk>/batches/<uuid:batch>/cancel/",
        production.batch_cancel,
        name="batch-cancel",
    ),
    path("campaigns/<int:pk>/scenes/", production.scene_add, name="scene-add"),
    path(
        "campaigns/<int:pk>/scenes/<int:scene>/remove/",
        production.scene_remove,
        name="scene-remove",
    ),
    path("campaigns/<int:pk>/matrix/", production.matrix_builder, name="matrix-builder"),
    path("shots/<int:pk>/", production.shot_detail, name="shot-detail"),
    path("jobs/<uuid:pk>/cancel/", production.job_cancel, name="job-cancel"),
    path("jobs/<uuid:pk>/retry/", production.job_retry, name="job-retry"),
    path("jobs/<uuid:pk>/rerender/", production.job_rerender, name="job-rerender"),
    path("renders/<int:pk>/shortlist/", production.render_shortlist, name="render-shortlist"),
    path("media/renders/<int:pk>/", production.render_image_file, name="render-file"),
    path("media/renders/<int:pk>/thumb/", production.render_thumbnail_file, name="render-thumb"),
    path("media/scenes/<int:pk>/", production.scene_image_file, name="scene-file"),
    path("farm/", production.render_farm, name="render-farm"),
]
