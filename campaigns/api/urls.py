from django.urls import path

from campaigns.api import production as p
from campaigns.api import views

urlpatterns = [
    path("garments/", views.GarmentListApi.as_view(), name="api-garment-list"),
    path("garments/import/", views.GarmentImportApi.as_view(), name="api-garment-import"),
    path("garments/<int:pk>/", views.GarmentDetailApi.as_view(), name="api-garment-detail"),
    path("garments/<int:pk>/cutout/", views.GarmentCutoutApi.as_view(), name="api-garment-cutout"),
    path(
        "garments/<int:pk>/archive/", views.GarmentArchiveApi.as_view(), name="api-garment-archive"
    ),
    path("poses/", p.PoseListApi.as_view(), name="api-pose-list"),
    path("looks/", views.LookListApi.as_view(), name="api-look-list"),
    path("looks/<int:pk>/", views.LookDetailApi.as_view(), name="api-look-detail"),
    path("looks/<int:pk>/duplicate/", views.LookDuplicateApi.as_view(), name="api-look-duplicate"),
    path("campaigns/", p.CampaignListApi.as_view(), name="api-campaign-list"),
    path("campaigns/<int:pk>/", p.CampaignDetailApi.as_view(), name="api-campaign-detail"),
    path("campaigns/<int:pk>/status/", p.CampaignStatusApi.as_view(), name="api-campaign-status"),
    path("campaigns/<int:pk>/cancel/", p.CampaignCancelApi.as_view(), name="api-campaign-cancel"),
    path(
        "campaigns/<int:pk>/retry-failed/",
        p.CampaignRetryFailedApi.as_view(),
        name="api-campaign-retry-failed",
    ),
    path(
        "campaigns/<int:pk>/changed-again/",
        p.CampaignChangedAgainApi.as_view(),
        name="api-campaign-changed-again",
    ),
    path(
        "campaigns/<int:pk>/batches/", p.CampaignBatchListApi.as_view(), name="api-campaign-batches"
    ),
    path(
        "campaigns/<int:pk>/batches/<uuid:batch>/priority/",
        p.BatchPriorityApi.as_view(),
        name="api-batch-priority",
    ),
    path("campaigns/<int:pk>/scenes/", p.SceneListApi.as_view(), name="api-scene-list"),
    path(
        "campaigns/<int:pk>/scenes/<int:scene>/",
        p.SceneDetailApi.as_view(),
        name="api-scene-detail",
    ),
    path("campaigns/<int:pk>/plan/", p.MatrixPlanApi.as_view(), name="api-matrix-plan"),
    path("campaigns/<int:pk>/jobs/", p.MatrixQueueApi.as_view(), name="api-matrix-queue"),
    path("campaigns/<int:pk>/shots/", p.ShotListApi.as_view(), name="api-shot-list"),
    path("jobs/", p.JobListApi.as_view(), name="api-job-list"),
    path("jobs/<uuid:pk>/", p.JobDetailApi.as_view(), name="api-job-detail"),
    path("jobs/<uuid:pk>/cancel/", p.JobCancelApi.as_view(), name="api-job-cancel"),
    path("jobs/<uuid:pk>/retry/", p.JobRetryApi.as_view(), name="api-job-retry"),
    path("jobs/<uuid:pk>/rerender/", p.JobRerenderApi.as_view(), name="api-job-rerender"),
    path("batches/<uuid:batch>/cancel/", p.BatchCancelApi.as_view(), name="api-batch-cancel"),
    path("renders/", p.RenderListApi.as_view(), name="api-render-list"),
    path(
        "renders/<int:pk>/shortlist/", p.RenderShortlistApi.as_view(), name="api-render-shortlist"
    ),
    path("farm/", p.FarmApi.as_view(), name="api-farm"),
]
