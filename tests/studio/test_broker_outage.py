"""The broker down while people work: a director queueing renders, a talent adding a capture
photo or starting a training. Their request succeeds, for what they asked is committed; the
messages wait in the database, and the reconcilers send them once the broker is back. Before,
each request failed with a server error after its rows had committed."""

import pytest
from django.urls import reverse

from campaigns.enums import JobState
from campaigns.models import RenderJob
from campaigns.services import render_jobs_reconcile
from tests.campaigns.conftest import make_studio
from tests.twins.test_capture_photos import form, png_bytes
from tests.worker import broker_empty, broker_held, broker_unreachable
from twins.enums import CheckStatus, TrainingStatus
from twins.services.capture import capture_check_task_id
from twins.services.reconciler import twins_reconcile
from twins.services.training import training_task_id

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def _redis(settings) -> None:
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("an unreachable broker is a Redis that does not answer")
    broker_empty("gpu", "cpu")


def test_renders_queued_while_the_broker_is_down_are_sent_once_it_is_back(
    world, login, transactional_db, settings
):
    studio = make_studio(world)
    client = login(studio.director.user)
    url = reverse("matrix-builder", args=[studio.campaign.pk])
    form_data = {
        "looks": [studio.look.pk],
        "twins": [world.twin_a.pk],
        "poses": ["standing-front"],
        "scenes": [studio.scene.pk],
        "formats": ["1:1", "4:5"],
        "variants": "1",
        "priority": "3",
        "action": "queue",
    }
    with broker_unreachable():
        response = client.post(url, form_data, follow=True)
    assert response.status_code == 200
    assert "2 renders queued" in response.content.decode()
    jobs = list(RenderJob.objects.filter(campaign=studio.campaign))
    assert len(jobs) == 2
    assert all(job.state == JobState.QUEUED and job.sent_at is None for job in jobs)
    assert broker_held().isdisjoint(str(job.pk) for job in jobs)
    settings.RENDER_RESEND_AFTER = 3600  # unsent, but queued too lately to be called lost
    assert render_jobs_reconcile().resent == []
    settings.RENDER_RESEND_AFTER = 0  # the broker is back
    assert sorted(render_jobs_reconcile().resent) == sorted(str(job.pk) for job in jobs)
    assert {str(job.pk) for job in jobs} <= broker_held()
    assert not RenderJob.objects.filter(campaign=studio.campaign, sent_at=None).exists()


def test_a_capture_photo_and_a_training_started_while_the_broker_is_down_are_sent_later(
    world, login, ready_twin, transactional_db, settings
):
    client = login(world.talent_a.user)
    with broker_unreachable():
        added = client.post(
            reverse("api-twin-photos", args=[ready_twin.pk]),
            form(png_bytes((50, 60), (1, 2, 3), "RGB"), angle="back"),
        )
        trained = client.post(reverse("twin-versions", args=[ready_twin.pk]), follow=True)
    assert added.status_code == 201, added.content
    assert trained.status_code == 200
    assert "Training is queued" in trained.content.decode()
    photo = ready_twin.photos.get(pk=added.json()["id"])
    version = ready_twin.versions.get()
    assert photo.check_status == CheckStatus.PENDING
    assert version.status == TrainingStatus.QUEUED
    held = broker_held()
    assert capture_check_task_id(photo.pk) not in held and training_task_id(version.pk) not in held
    settings.TWIN_RESEND_AFTER = 0  # the broker is back
    done = twins_reconcile()
    assert (done.checks, done.trainings) == ([photo.pk], [version.pk])
    held = broker_held()
    assert capture_check_task_id(photo.pk) in held and training_task_id(version.pk) in held
