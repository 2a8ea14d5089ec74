"""What the render pipeline refuses, through the API a director uses: each refusal says why and
queues nothing. A shot rendered again one at a time (retry, new seed) is held to what the
matrix is held to: not in an archived campaign, not past the GPU budget, not where the license
no longer allows it."""

import pytest
from django.db import connection, transaction
from django.urls import reverse

from campaigns.enums import CampaignStatus, JobState
from campaigns.models import Campaign, Render, RenderJob, Scene
from campaigns.poses import POSES
from campaigns.rendering.base import FORMATS
from campaigns.services import (
    matrix_queue,
    render_job_rerender,
    render_job_retry,
    render_job_run,
    render_jobs_retry_failed,
    scene_add,
)
from campaigns.services.matrix import MAX_MATRIX
from studio.enums import Role
from studio.errors import Conflict
from studio.models import AuditEvent
from tests.campaigns.conftest import another_campaign
from tests.factories import LicenseFactory, ReplicaAgreementFactory, TwinFactory
from tests.races import started, waiting
from twins.enums import LicenseStatus
from twins.models import License
from twins.services import license_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(studio, login):
    return login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))


@pytest.fixture
def failed(studio, django_capture_on_commit_callbacks) -> RenderJob:
    """The campaign's one job, failed."""
    with django_capture_on_commit_callbacks(execute=False):
        matrix_queue(actor=studio.director, campaign=studio.campaign, spec=studio.spec())
    job = RenderJob.objects.get()
    RenderJob.objects.filter(pk=job.pk).update(state=JobState.FAILED, error="Worker lost")
    job.refresh_from_db()
    return job


def refused(api, url: str, code: int, message: str, data: dict | None = None) -> None:
    before = RenderJob.objects.count()
    answer = api.post(url, data or {}, content_type="application/json")
    assert answer.status_code == code, answer.content
    assert message in str(answer.json()), answer.json()
    assert RenderJob.objects.count() == before


def again(job: RenderJob) -> list[str]:
    return [
        reverse("api-job-retry", args=[job.pk]),
        reverse("api-job-rerender", args=[job.pk]),
    ]


def test_an_archived_campaign_renders_nothing_until_it_is_a_draft_again(api, studio, failed):
    studio.campaign.status = CampaignStatus.ARCHIVED
    studio.campaign.save()
    archived = "The campaign is archived: restore it to draft to render again."
    for url in again(failed):
        refused(api, url, 409, archived)
    refused(api, reverse("api-campaign-retry-failed", args=[studio.campaign.pk]), 409, archived)
    spec = {"looks": [studio.look.pk], "twins": [studio.world.twin_a.pk]}
    spec |= {"poses": ["hand-on-hip"], "scenes": [studio.scene.pk], "formats": ["1:1"]}
    refused(api, reverse("api-matrix-queue", args=[studio.campaign.pk]), 409, archived, spec)

    studio.campaign.status = CampaignStatus.DRAFT
    studio.campaign.save()
    answer = api.post(reverse("api-job-retry", args=[failed.pk]))
    assert answer.status_code == 201, answer.content
    assert RenderJob.objects.filter(shot=failed.shot, state=JobState.QUEUED).count() == 1


def test_a_campaign_archived_since_the_request_read_it_renders_nothing(
    studio, failed, django_capture_on_commit_callbacks
):
    """A director's request read the campaign just before a colleague archived it: every way
    of rendering reads the campaign again, under its lock, and refuses."""
    stale = Campaign.objects.get(pk=studio.campaign.pk)
    assert failed.campaign.status != CampaignStatus.ARCHIVED  # the job holds it as it was
    Campaign.objects.filter(pk=stale.pk).update(status=CampaignStatus.ARCHIVED)
    spec = studio.spec(variants=2)  # a cell not in the matrix yet
    with django_capture_on_commit_callbacks(execute=False):
        for render in (
            lambda: matrix_queue(actor=studio.director, campaign=stale, spec=spec),
            lambda: render_jobs_retry_failed(actor=studio.director, campaign=stale),
            lambda: render_job_retry(actor=studio.director, job=failed),
            lambda: render_job_rerender(actor=studio.director, job=failed),
        ):
            with pytest.raises(Conflict, match="The campaign is archived"):
                render()
    assert RenderJob.objects.count() == 1


def test_archiving_a_campaign_stops_its_renders(api, studio, django_capture_on_commit_callbacks):
    winter = another_campaign(studio, "Winter")  # the brand's other campaign renders on
    snow = scene_add(
        actor=studio.director, campaign=winter, name="Snow", kind="colour", value="#ffffff"
    )
    with django_capture_on_commit_callbacks(execute=False):
        matrix_queue(actor=studio.director, campaign=winter, spec=studio.spec(scenes=(snow.pk,)))
        matrix_queue(actor=studio.director, campaign=studio.campaign, spec=studio.spec(variants=3))
    elsewhere = RenderJob.objects.get(campaign=winter)
    first, second, third = RenderJob.objects.filter(campaign=studio.campaign).order_by(
        "shot__variant"
    )
    RenderJob.objects.filter(pk=first.pk).update(state=JobState.RUNNING, worker="w@host")
    RenderJob.objects.filter(pk=third.pk).update(state=JobState.FAILED, error="Worker lost")
    page = api.post(
        reverse("campaign-status", args=[studio.campaign.pk]), {"status": "archived"}, follow=True
    )
    assert (
        "The campaign is archived; its queued renders are cancelled, its running ones stop."
        in page.content.decode()
    )
    jobs = {job.pk: job for job in RenderJob.objects.all()}
    assert jobs[second.pk].state == JobState.CANCELLED
    assert jobs[second.pk].error == "The campaign was archived."
    assert jobs[first.pk].state == JobState.RUNNING  # it stops at its next step
    assert jobs[first.pk].cancel_requested_at is not None
    assert (jobs[third.pk].state, jobs[third.pk].error) == (JobState.FAILED, "Worker lost")
    assert jobs[elsewhere.pk].state == JobState.QUEUED and not jobs[elsewhere.pk].error
    event = AuditEvent.objects.get(verb="campaign.status_changed")
    assert event.payload == {"from": "in_production", "to": "archived", "renders_stopped": 2}


def test_another_status_than_archived_leaves_the_renders_alone(
    api, studio, django_capture_on_commit_callbacks
):
    """In review while the last renders finish: moving on stops nothing, only archiving does."""
    with django_capture_on_commit_callbacks(execute=False):
        matrix_queue(actor=studio.director, campaign=studio.campaign, spec=studio.spec(variants=2))
    running = RenderJob.objects.order_by("shot__variant").first()
    RenderJob.objects.filter(pk=running.pk).update(state=JobState.RUNNING, worker="w@host")
    answer = api.post(
        reverse("api-campaign-status", args=[studio.campaign.pk]),
        {"status": "in_review"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert {(job.state, job.cancel_requested_at, job.error) for job in RenderJob.objects.all()} == {
        (JobState.RUNNING, None, ""),
        (JobState.QUEUED, None, ""),
    }
    event = AuditEvent.objects.get(verb="campaign.status_changed")
    assert event.payload == {"from": "in_production", "to": "in_review"}
    assert (event.object_id, event.brand) == (str(studio.campaign.pk), studio.world.brand_a)


def test_a_render_again_past_the_gpu_budget_is_refused(api, studio, failed):
    studio.campaign.gpu_budget_seconds = 0
    studio.campaign.save()
    for url in again(failed):
        refused(api, url, 409, "1 render needs about 0.3 GPU seconds; 0.0 of the campaign's budget")


def test_a_render_again_that_the_license_no_longer_allows_is_refused(api, studio, failed):
    License.objects.filter(twin=studio.world.twin_a).update(status=LicenseStatus.REVOKED)
    for url in again(failed):
        refused(api, url, 409, "The license does not allow this render:")


@pytest.mark.parametrize("state", [JobState.SUCCEEDED, JobState.QUEUED, JobState.RUNNING])
def test_only_a_failed_or_cancelled_job_or_an_outdated_render_is_retried(
    api, studio, failed, state
):
    """A render of the look as it is now (its key still theirs), or a job on its
    way, is not rendered again with its seed."""
    RenderJob.objects.filter(pk=failed.pk).update(state=state)
    refused(
        api,
        again(failed)[0],
        409,
        "Only a failed or cancelled job, or a render of a look or scene changed since,"
        " is rendered again with its seed: pick a new seed for another picture.",
    )


def test_a_matrix_past_its_largest_is_refused_whole(api, studio):
    scenes = Scene.objects.bulk_create(
        Scene(campaign=studio.campaign, name=f"Grey {n}", kind="colour", value=f"#{n:06x}")
        for n in range(MAX_MATRIX // (len(POSES) * len(FORMATS) * 20) + 1)
    )
    spec = {
        "looks": [studio.look.pk],
        "twins": [studio.world.twin_a.pk],
        "poses": list(POSES),
        "scenes": [scene.pk for scene in scenes],
        "formats": list(FORMATS),
        "variants": 20,
    }
    message = f"A matrix has at most {MAX_MATRIX:,} shots: queue it in parts."
    plan = api.post(
        reverse("api-matrix-plan", args=[studio.campaign.pk]), spec, content_type="application/json"
    )
    assert plan.status_code == 400 and message in str(plan.json()), plan.content
    refused(api, reverse("api-matrix-queue", args=[studio.campaign.pk]), 400, message, spec)
    # One scene fewer: the largest matrix there is (the poses the version lacks photos for are
    # forbidden, not refused).
    largest = {**spec, "scenes": spec["scenes"][:-1]}
    plan = api.post(
        reverse("api-matrix-plan", args=[studio.campaign.pk]),
        largest,
        content_type="application/json",
    )
    assert plan.status_code == 200 and plan.json()["renders"] > 0, plan.content[:300]


def test_a_twin_with_no_trained_version_is_shown_forbidden_and_skipped(api, studio):
    untrained = TwinFactory(talent=studio.world.talent_a, name="Second twin")
    ReplicaAgreementFactory(twin=untrained)
    LicenseFactory(
        twin=untrained,
        brand=studio.world.brand_a,
        current=True,
        markets=["DE", "FR"],
        channels=["instagram", "web"],
        categories=["top", "bottom", "outerwear"],
    )
    spec = {
        "looks": [studio.look.pk],
        "twins": [studio.world.twin_a.pk, untrained.pk],
        "poses": ["standing-front"],
        "scenes": [studio.scene.pk],
        "formats": ["4:5"],
    }
    plan = api.post(
        reverse("api-matrix-plan", args=[studio.campaign.pk]), spec, content_type="application/json"
    ).json()
    assert plan["renders"] == 1
    (forbidden,) = plan["forbidden"]
    assert forbidden["twin"] == untrained.pk
    assert forbidden["reasons"] == ["The twin has no trained version to render."]


@pytest.mark.parametrize("emptied", ["channels", "markets"])
def test_a_campaign_with_no_channel_or_market_renders_nothing(
    api, studio, emptied, django_capture_on_commit_callbacks
):
    """The service never saves such a campaign; one written around it (a data migration, a
    shell) must not slip past the license: with no use to check, nothing is allowed, when the
    matrix is planned and queued and when a worker starts a job queued before."""
    with django_capture_on_commit_callbacks(execute=False):
        matrix_queue(actor=studio.director, campaign=studio.campaign, spec=studio.spec())
    queued = RenderJob.objects.get()
    Campaign.objects.filter(pk=studio.campaign.pk).update(**{emptied: []})
    reason = "The campaign names no channel or no market: a license covers a use on both."
    spec = {"looks": [studio.look.pk], "twins": [studio.world.twin_a.pk],
            "poses": ["hand-on-hip"], "scenes": [studio.scene.pk], "formats": ["4:5"]}  # fmt: skip
    plan = api.post(
        reverse("api-matrix-plan", args=[studio.campaign.pk]), spec, content_type="application/json"
    )
    assert plan.status_code == 200 and plan.json()["renders"] == 0, plan.content
    assert [f["reasons"] for f in plan.json()["forbidden"]] == [[reason]]
    refused(api, reverse("api-matrix-queue", args=[studio.campaign.pk]), 409, "forbidden", spec)
    done = render_job_run(job_id=str(queued.pk), worker="w")
    assert (done.state, done.error) == (JobState.FAILED, "License check at start: " + reason)
    assert not Render.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("verb", ["retry", "rerender"])
def test_a_render_again_asked_for_while_the_license_is_revoked_waits_then_is_refused(
    studio, failed, verb
):
    """Rendering a shot again holds its twin's licenses until its job is queued, as queueing a
    matrix does: asked for while the talent's revocation commits, it waits for it, then says
    the license no longer allows it. Unheld, it queued a job the revocation never saw."""
    if connection.vendor != "postgresql":
        pytest.skip("waiting on a row lock needs PostgreSQL")
    render_again = render_job_retry if verb == "retry" else render_job_rerender
    license = License.objects.get(twin=studio.world.twin_a, brand=studio.world.brand_a)
    with transaction.atomic():
        license_revoke(actor=studio.world.talent_a.user, license=license, reason="Ended")
        threads, outcomes = started(lambda: render_again(actor=studio.director, job=failed))
        waiting(1, *threads)  # it waits for the license the revocation holds
    threads[0].join()
    assert outcomes[0].startswith("The license does not allow this render:"), outcomes
    assert list(RenderJob.objects.values_list("pk", flat=True)) == [failed.pk]


def test_a_render_again_outside_the_license_says_every_reason(api, studio, failed):
    License.objects.filter(twin=studio.world.twin_a, brand=studio.world.brand_a).update(
        markets=["FR"], channels=["web"]
    )
    for url in again(failed):
        refused(
            api,
            url,
            409,
            "The license does not allow this render: instagram is not licensed (licensed: web)."
            " DE is not a licensed market (licensed: FR).",
        )
