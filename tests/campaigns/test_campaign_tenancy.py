"""Every production address that names an object answers 404 to another brand, by GET, POST,
PUT and DELETE, and changes nothing (tests/twins/test_twins_tenancy.py checks that none is left
out)."""

import pytest
from django.urls import reverse

from campaigns.models import Campaign, Render, RenderJob, Scene, Shot
from campaigns.services import matrix_queue, render_job_run
from studio.enums import Role
from studio.models import AuditEvent

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
