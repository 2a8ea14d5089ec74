"""Every write in campaigns. One module per area: catalogue (garments, looks), production
(campaigns, scenes), matrix (planning and queueing the shot matrix), rendering (render jobs on
the workers and what they make), reconciler (what the broker lost), workers (the render farm's
heartbeats)."""

from campaigns.services.catalogue import (
    ImportReport,
    LookItemInput,
    garment_archive,
    garment_create,
    garment_cutout_compute,
    garment_cutout_refine,
    garment_delete,
    garment_import_csv,
    garment_mask_correct,
    garment_update,
    look_delete,
    look_duplicate,
    look_save,
)
from campaigns.services.matrix import (
    MatrixPlan,
    MatrixSpec,
    QueuedBatch,
    matrix_plan,
    matrix_queue,
    render_batch_prioritize,
    render_job_rerender,
    render_job_retry,
    render_jobs_changed_again,
    render_jobs_retry_failed,
)
from campaigns.services.production import (
    CampaignInput,
    campaign_create,
    campaign_status_set,
    campaign_update,
    scene_add,
    scene_remove,
    scene_update,
)
from campaigns.services.reconciler import render_jobs_reconcile
from campaigns.services.rendering import (
    render_job_cancel,
    render_job_run,
    render_jobs_cancel,
    render_shortlist,
    render_thumbnail_make,
)

__all__ = [
    "CampaignInput",
    "ImportReport",
    "LookItemInput",
    "MatrixPlan",
    "MatrixSpec",
    "QueuedBatch",
    "campaign_create",
    "campaign_status_set",
    "campaign_update",
    "garment_archive",
    "garment_create",
    "garment_cutout_compute",
    "garment_cutout_refine",
    "garment_delete",
    "garment_import_csv",
    "garment_mask_correct",
    "garment_update",
    "look_delete",
    "look_duplicate",
    "look_save",
    "matrix_plan",
    "matrix_queue",
    "render_batch_prioritize",
    "render_job_cancel",
    "render_job_rerender",
    "render_job_retry",
    "render_job_run",
    "render_jobs_cancel",
    "render_jobs_changed_again",
    "render_jobs_reconcile",
    "render_jobs_retry_failed",
    "render_shortlist",
    "render_thumbnail_make",
    "scene_add",
    "scene_remove",
    "scene_update",
]
