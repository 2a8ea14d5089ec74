"""Retrying a campaign's failed renders at once, or rendering again its renders of looks changed
since: each shot again with its seed, as one batch, license checked again, within the GPU
budget; twice at the same time queues them once."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.enums import JobState, Priority
from campaigns.models import RenderJob
from campaigns.services import (
    LookItemInput,
    look_save,
    matrix_queue,
    render_job_run,
    render_jobs_changed_again,
    render_jobs_retry_failed,
    scene_add,
)
from studio.enums import Role
from studio.errors import Conflict, NotFound
from studio.models import AuditEvent
from tests.campaigns.conftest import another_campaign, restyle
from tests.worker import broker_empty
from twins.enums import LicenseStatus
from twins.models import License

pytestmark = pytest.mark.django_db


def queue(studio, capture, **spec):
    with capture(execute=False):
        return matrix_queue(
            actor=studio.director, campaign=studio.campaign, spec=studio.spec(**spec)
        )


def fail(job: RenderJob, error: str = "OutOfMemoryError: CUDA out of memory") -> None:
    RenderJob.objects.filter(pk=job.pk).update(state=JobState.FAILED, error=error)


def test_failed_shots_render_again_each_with_its_seed_in_one_batch(
    studio, login, django_capture_on_commit_callbacks
):
    queue(
        studio,
        django_capture_on_commit_callbacks,
        formats=("1:1", "4:5", "9:16"),
        priority=Priority.RUSH,
    )
    jobs = list(RenderJob.objects.order_by("shot__format"))
    fail(jobs[0])
    fail(jobs[1])
    client = login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))
    board = client.get(reverse("campaign-board", args=[studio.campaign.pk])).content.decode()
    assert "Retry 2 failed" in board

    with django_capture_on_commit_callbacks(execute=False) as sent:
        response = client.post(
            reverse("campaign-retry-failed", args=[studio.campaign.pk]), follow=True
        )
    assert "2 failed renders queued again, each with its seed." in response.content.decode()
    again = list(RenderJob.objects.exclude(pk__in=[job.pk for job in jobs]))
    assert sorted((j.shot_id, j.seed) for j in again) == sorted(
        (j.shot_id, j.seed) for j in jobs[:2]
    )
    assert {j.state for j in again} == {JobState.QUEUED}
    assert {j.priority for j in again} == {Priority.RUSH}
    assert len({j.batch for j in again}) == 1 and again[0].batch != jobs[0].batch
    assert len(sent) == 1  # the messages go once the batch is committed
    event = AuditEvent.objects.get(verb="render.batch_retried")
    assert event.payload["jobs"] == 2 and event.payload["forbidden"] == 0
    board = client.get(reverse("campaign-board", args=[studio.campaign.pk])).content.decode()
    assert "failed</button>" not in board  # nothing failed is the latest any more

    with pytest.raises(Conflict, match="No failed renders to retry"):
        render_jobs_retry_failed(actor=studio.director, campaign=studio.campaign)


def test_a_retry_reads_as_many_queries_for_one_failed_shot_as_for_many(
    studio, django_capture_on_commit_callbacks
):
    def retried() -> int:
        for job in RenderJob.objects.filter(state=JobState.QUEUED):
            fail(job)
        sends = django_capture_on_commit_callbacks(execute=False)
        with CaptureQueriesContext(connection) as read, sends:
            render_jobs_retry_failed(actor=studio.director, campaign=studio.campaign)
        return len(read)

    queue(studio, django_capture_on_commit_callbacks)
    one = retried()
    queue(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5", "9:16"), variants=2)
    assert RenderJob.objects.filter(state=JobState.QUEUED).count() == 6
    assert retried() == one


def test_what_the_license_no_longer_allows_or_the_budget_cannot_pay_is_not_queued(
    studio, django_capture_on_commit_callbacks
):
    queue(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5"))
    for job in RenderJob.objects.all():
        fail(job)
    before = RenderJob.objects.count()
    studio.campaign.gpu_budget_seconds = 0
    studio.campaign.save()
    with pytest.raises(Conflict, match=r"^2 renders need about 0\.6 GPU seconds; 0\.0 of the"):
        render_jobs_retry_failed(actor=studio.director, campaign=studio.campaign)
    studio.campaign.gpu_budget_seconds = 3600
    studio.campaign.save()
    License.objects.filter(brand=studio.world.brand_a).update(status=LicenseStatus.REVOKED)
    with pytest.raises(Conflict, match="no longer allow any of the failed renders"):
        render_jobs_retry_failed(actor=studio.director, campaign=studio.campaign)
    assert RenderJob.objects.count() == before
    assert not AuditEvent.objects.filter(verb="render.batch_retried").exists()


def test_only_this_campaigns_failed_shots_are_retried(studio, django_capture_on_commit_callbacks):
    """The brand's other campaign has failed renders too: they stay as they are."""
    winter = another_campaign(studio, "Winter")
    snow = scene_add(
        actor=studio.director, campaign=winter, name="Snow", kind="colour", value="#ffffff"
    )
    with django_capture_on_commit_callbacks(execute=False):
        matrix_queue(actor=studio.director, campaign=winter, spec=studio.spec(scenes=(snow.pk,)))
    queue(studio, django_capture_on_commit_callbacks)
    for job in RenderJob.objects.all():
        fail(job)
    with django_capture_on_commit_callbacks(execute=False):
        retried = render_jobs_retry_failed(actor=studio.director, campaign=studio.campaign)
    assert retried.jobs == 1
    assert RenderJob.objects.get(batch=retried.batch).campaign == studio.campaign
    assert RenderJob.objects.filter(campaign=winter).count() == 1


def test_another_brand_and_other_roles_cannot_retry(
    studio, login, django_capture_on_commit_callbacks
):
    queue(studio, django_capture_on_commit_callbacks)
    fail(RenderJob.objects.get())
    with pytest.raises(NotFound):  # brand B's director does not reach brand A's campaign
        render_jobs_retry_failed(actor=studio.director_b, campaign=studio.campaign)
    stylist = login(studio.world.user("brand-a", Role.STYLIST))
    url = reverse("campaign-retry-failed", args=[studio.campaign.pk])
    assert stylist.post(url).status_code == 404
    api = reverse("api-campaign-retry-failed", args=[studio.campaign.pk])
    assert stylist.post(api).status_code == 403  # the API says why; pages answer 404
    assert RenderJob.objects.count() == 1


def test_the_api_retries_and_says_what_it_did(studio, login, django_capture_on_commit_callbacks):
    queue(studio, django_capture_on_commit_callbacks)
    fail(RenderJob.objects.get())
    client = login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))
    api = reverse("api-campaign-retry-failed", args=[studio.campaign.pk])
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(api)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["jobs"] == 1 and body["forbidden"] == 0
    assert RenderJob.objects.filter(batch=body["batch"]).count() == 1
    again = client.post(api)
    assert again.status_code == 409 and "No failed renders" in again.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_retries_at_once_queue_each_failed_shot_once(studio):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    matrix_queue(
        actor=studio.director, campaign=studio.campaign, spec=studio.spec(formats=("1:1", "4:5"))
    )
    for job in RenderJob.objects.all():
        fail(job)
    barrier, outcomes = threading.Barrier(3), []

    def retry() -> None:
        barrier.wait()
        try:
            outcomes.append(
                render_jobs_retry_failed(actor=studio.director, campaign=studio.campaign).jobs
            )
        except Conflict as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [
        2,
        "No failed renders to retry.",
        "No failed renders to retry.",
    ]
    assert RenderJob.objects.filter(state=JobState.QUEUED).count() == 2
    broker_empty("gpu")  # no worker is to take these messages later


def test_renders_of_a_changed_look_render_again_each_with_its_seed_in_one_batch(
    studio, login, django_capture_on_commit_callbacks
):
    """A stylist's one edit may outdate hundreds of shots: one action renders them all again,
    and only them (not a failed shot of the look, not another look's renders)."""
    queue(
        studio,
        django_capture_on_commit_callbacks,
        formats=("1:1", "4:5", "9:16"),
        priority=Priority.RUSH,
    )
    other = look_save(
        actor=studio.director,
        name="Look B",
        items=[LookItemInput(studio.look.items.get().garment_id)],
    )
    queue(studio, django_capture_on_commit_callbacks, looks=(other.pk,), formats=("1:1",))
    jobs = {(j.shot.look_id, j.shot.format): j for j in RenderJob.objects.select_related("shot")}
    fail(jobs[studio.look.pk, "9:16"])
    for job in RenderJob.objects.filter(state=JobState.QUEUED):
        render_job_run(job_id=str(job.pk), worker="w")
    client = login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))
    board_url = reverse("campaign-board", args=[studio.campaign.pk])
    button = ">Render changed shots again</button>"
    assert button not in client.get(board_url).content.decode()
    restyle(studio)
    assert button in client.get(board_url).content.decode()

    with django_capture_on_commit_callbacks(execute=False) as sent:
        response = client.post(
            reverse("campaign-changed-again", args=[studio.campaign.pk]), follow=True
        )

    page = response.content.decode()
    assert "2 renders of changed looks or scenes queued again, each with its seed." in page
    again = list(RenderJob.objects.exclude(pk__in=[job.pk for job in jobs.values()]))
    changed = [jobs[studio.look.pk, "1:1"], jobs[studio.look.pk, "4:5"]]
    assert sorted((j.shot_id, j.seed) for j in again) == sorted(
        (j.shot_id, j.seed) for j in changed
    )
    assert {(j.state, j.priority) for j in again} == {(JobState.QUEUED, Priority.RUSH)}
    assert len({j.batch for j in again}) == 1 and len(sent) == 1
    event = AuditEvent.objects.get(verb="render.batch_changed_again")
    assert event.payload == {"batch": str(again[0].batch), "jobs": 2, "forbidden": 0}
    with pytest.raises(Conflict) as nothing:
        render_jobs_changed_again(actor=studio.director, campaign=studio.campaign)
    assert nothing.value.message == (
        "No render shows a look or scene that changed after it rendered."
    )
    for job in again:
        render_job_run(job_id=str(job.pk), worker="w")
    assert button not in client.get(board_url).content.decode()


def test_renders_of_changed_looks_keep_to_the_license_and_the_api_says_what_it_did(
    studio, login, django_capture_on_commit_callbacks
):
    queue(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5"))
    for job in RenderJob.objects.all():
        render_job_run(job_id=str(job.pk), worker="w")
    restyle(studio)
    api = reverse("api-campaign-changed-again", args=[studio.campaign.pk])
    stylist = login(studio.world.user("brand-a", Role.STYLIST))
    assert stylist.post(api).status_code == 403
    with pytest.raises(NotFound):
        render_jobs_changed_again(actor=studio.director_b, campaign=studio.campaign)
    licenses = License.objects.filter(brand=studio.world.brand_a)
    licenses.update(status=LicenseStatus.REVOKED)
    client = login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))
    refused = client.post(api)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "The licenses, or the talent's retired versions, no longer allow any of the renders of"
        " changed looks or scenes."
    )
    assert RenderJob.objects.count() == 2
    licenses.update(status=LicenseStatus.ACTIVE)

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(api)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["jobs"], body["forbidden"]) == (2, 0)
    assert RenderJob.objects.filter(batch=body["batch"]).count() == 2
