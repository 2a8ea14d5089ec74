"""Every production address that names an object answers 404 to another brand, by GET, POST,
PUT and DELETE, and changes nothing (tests/twins/test_twins_tenancy.py checks that none is left
out)."""

import io

import pytest
from django.urls import reverse

from campaigns.models import Campaign, Garment, Look, Render, RenderJob, Scene, Shot
from campaigns.services import (
    CampaignInput,
    LookItemInput,
    campaign_status_set,
    campaign_update,
    garment_archive,
    garment_cutout_compute,
    garment_cutout_refine,
    garment_delete,
    garment_mask_correct,
    garment_update,
    look_delete,
    look_duplicate,
    look_save,
    matrix_plan,
    matrix_queue,
    render_batch_prioritize,
    render_job_cancel,
    render_job_rerender,
    render_job_retry,
    render_job_run,
    render_jobs_cancel,
    render_jobs_changed_again,
    render_jobs_retry_failed,
    render_shortlist,
    scene_add,
    scene_remove,
    scene_update,
)
from studio.enums import Role
from studio.errors import NotFound, StudioError
from studio.models import AuditEvent
from studio.permissions import actor_for

# address name → the object whose id it takes
CAMPAIGN_ADDRESSES = {
    "campaign-board": "campaign",
    "campaign-cards": "campaign",
    "campaign-edit": "campaign",
    "campaign-status": "campaign",
    "campaign-cancel": "campaign",
    "batch-cancel": "batch",
    "batch-rush": "batch",
    "api-batch-priority": "batch",
    "api-campaign-batches": "campaign",
    "campaign-retry-failed": "campaign",
    "api-campaign-retry-failed": "campaign",
    "campaign-changed-again": "campaign",
    "api-campaign-changed-again": "campaign",
    "scene-add": "campaign",
    "scene-remove": "campaign-scene",
    "scene-edit": "campaign-scene",
    "api-scene-detail": "campaign-scene",
    "matrix-builder": "campaign",
    "matrix-looks": "campaign",
    "shot-detail": "shot",
    "job-cancel": "job",
    "job-retry": "job",
    "job-rerender": "job",
    "render-shortlist": "render",
    "render-file": "render",
    "render-thumb": "render",
    "scene-file": "scene",
    "api-campaign-detail": "campaign",
    "api-campaign-status": "campaign",
    "api-campaign-cancel": "campaign",
    "api-scene-list": "campaign",
    "api-matrix-plan": "campaign",
    "api-matrix-queue": "campaign",
    "api-shot-list": "campaign",
    "api-job-detail": "job",
    "api-job-cancel": "job",
    "api-job-retry": "job",
    "api-job-rerender": "job",
    "api-render-shortlist": "render",
}


def snapshot() -> dict[str, object]:
    return {
        "campaigns": list(Campaign.objects.values_list("pk", "status", "name")),
        "scenes": list(Scene.objects.order_by("pk").values_list("pk", "name", "value", "image")),
        "shots": Shot.objects.count(),
        "jobs": sorted(RenderJob.objects.values_list("state", flat=True)),
        "shortlisted": list(Render.objects.values_list("shortlisted_at", flat=True)),
        "events": AuditEvent.objects.count(),
        "looks": list(Look.objects.order_by("pk").values_list("pk", "name")),
        "garments": list(
            Garment.objects.order_by("pk").values_list("pk", "name", "archived_at", "cutout")
        ),
    }


@pytest.mark.parametrize("role", [Role.BRAND_ADMIN, Role.CREATIVE_DIRECTOR])
def test_another_brand_gets_404_everywhere_and_changes_nothing(
    studio, client, role, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        batch = matrix_queue(actor=studio.director, campaign=studio.campaign, spec=studio.spec())
    job = RenderJob.objects.get(batch=batch.batch)
    render_job_run(job_id=str(job.pk), worker="w")
    scene = Scene.objects.create(
        campaign=studio.campaign, name="Wall", kind="image", image="scenes/x.png"
    )
    objects = {
        "campaign": studio.campaign.pk,
        "job": job.pk,
        "shot": job.shot_id,
        "render": Render.objects.get().pk,
        "scene": scene.pk,
        "batch": (studio.campaign.pk, batch.batch),
        "campaign-scene": (studio.campaign.pk, scene.pk),
    }
    client.force_login(studio.world.user("brand-b", role))
    before = snapshot()
    for name, kind in CAMPAIGN_ADDRESSES.items():
        args = objects[kind]
        address = reverse(name, args=args if isinstance(args, tuple) else [args])
        answers = {
            client.get(address).status_code,
            client.post(
                address, {"status": "archived"}, content_type="application/json"
            ).status_code,
            client.put(address).status_code,
            client.delete(address).status_code,
        }
        assert 404 in answers and answers <= {404, 405}, (name, answers)
    assert snapshot() == before


def test_the_services_refuse_another_brands_objects_and_change_nothing(
    studio, django_capture_on_commit_callbacks
):
    """The views look an object up in the viewer's brand before they call a service; each
    service checks again, so that a task, a command or a view that forgets to cannot reach
    into another brand."""
    with django_capture_on_commit_callbacks(execute=False):
        batch = matrix_queue(actor=studio.director, campaign=studio.campaign, spec=studio.spec())
    job = RenderJob.objects.get(batch=batch.batch)
    render_job_run(job_id=str(job.pk), worker="w")
    render, garment = Render.objects.get(), studio.look.items.get().garment
    campaign, scene, other = studio.campaign, studio.scene, studio.director_b
    own_garment = studio.world.garment_b  # another brand's own, for a look of theirs
    stylist = actor_for(studio.world.user("brand-b", Role.STYLIST), "brand-b")
    edit = CampaignInput(
        name="Taken", starts_on=campaign.starts_on, ends_on=campaign.ends_on, markets=["DE"],
        channels=["instagram"], backend="preview",
    )  # fmt: skip
    refused = {
        "campaign_update": lambda: campaign_update(actor=other, campaign=campaign, data=edit),
        "campaign_status_set": lambda: campaign_status_set(
            actor=other, campaign=campaign, status="archived"
        ),
        "scene_add": lambda: scene_add(
            actor=other, campaign=campaign, name="Ink", kind="colour", value="#000000"
        ),
        "scene_update": lambda: scene_update(
            actor=other, campaign=campaign, scene_id=scene.pk, name="Ink"
        ),
        "scene_remove": lambda: scene_remove(actor=other, campaign=campaign, scene_id=scene.pk),
        "matrix_plan": lambda: matrix_plan(actor=other, campaign=campaign, spec=studio.spec()),
        "matrix_queue": lambda: matrix_queue(actor=other, campaign=campaign, spec=studio.spec()),
        "render_batch_prioritize": lambda: render_batch_prioritize(
            actor=other, campaign=campaign, batch=batch.batch, priority=0
        ),
        "render_jobs_retry_failed": lambda: render_jobs_retry_failed(
            actor=other, campaign=campaign
        ),
        "render_jobs_changed_again": lambda: render_jobs_changed_again(
            actor=other, campaign=campaign
        ),
        "render_jobs_cancel campaign": lambda: render_jobs_cancel(
            actor=other, campaign_id=campaign.pk
        ),
        "render_jobs_cancel batch": lambda: render_jobs_cancel(actor=other, batch=batch.batch),
        "render_job_cancel": lambda: render_job_cancel(actor=other, job=job),
        "render_job_retry": lambda: render_job_retry(actor=other, job=job),
        "render_job_rerender": lambda: render_job_rerender(actor=other, job=job),
        "render_shortlist": lambda: render_shortlist(actor=other, render=render, shortlisted=True),
        "look_save": lambda: look_save(
            actor=other, look=studio.look, name="Taken", items=[LookItemInput(own_garment.pk)]
        ),
        "look_duplicate": lambda: look_duplicate(actor=other, look=studio.look),
        "look_delete": lambda: look_delete(actor=other, look=studio.look),
        "garment_update": lambda: garment_update(actor=stylist, garment=garment, name="Taken"),
        "garment_archive": lambda: garment_archive(actor=stylist, garment=garment, archived=True),
        "garment_delete": lambda: garment_delete(actor=stylist, garment=garment),
        "garment_cutout_compute": lambda: garment_cutout_compute(actor=stylist, garment=garment),
        "garment_mask_correct": lambda: garment_mask_correct(
            actor=stylist, garment=garment, mask=io.BytesIO(b"")
        ),
        "garment_cutout_refine": lambda: garment_cutout_refine(
            actor=stylist, garment=garment, strokes=io.BytesIO(b"")
        ),
    }
    before = snapshot()
    for name, call in refused.items():
        with pytest.raises(StudioError) as refusal:
            call()
        assert isinstance(refusal.value, NotFound), (name, refusal.value)  # as to a stranger
    assert snapshot() == before
