"""A campaign's batches on its board and in the API: how far each has come, and cancelling one
batch without touching the others; what another brand and other roles get."""

import re
import uuid

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from campaigns.enums import JobState, Priority
from campaigns.models import RenderJob
from campaigns.services import matrix_queue, render_batch_prioritize, render_job_run
from studio.broker import queue_depths
from studio.celery import app
from studio.enums import Role
from studio.errors import StudioError
from studio.models import AuditEvent
from tests.campaigns.conftest import another_campaign
from tests.worker import broker_empty


@pytest.fixture
def director(studio, login):
    return login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))


def queued(studio, django_capture_on_commit_callbacks, campaign=None, **spec):
    with django_capture_on_commit_callbacks(execute=False):
        batch = matrix_queue(
            actor=studio.director, campaign=campaign or studio.campaign, spec=studio.spec(**spec)
        )
    return list(RenderJob.objects.filter(batch=batch.batch).order_by("shot__format"))


def rows(page: str) -> list[str]:
    """The batch ids of the board's batch table, top to bottom."""
    return re.findall(r'<tr data-batch="([0-9a-f-]+)">', page)


def states() -> dict[str, str]:
    return {str(job.pk): job.state for job in RenderJob.objects.all()}


def test_the_board_shows_each_batch_and_cancels_one_without_the_others(
    director, studio, django_capture_on_commit_callbacks
):
    first = queued(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5", "9:16"))
    render_job_run(job_id=str(first[0].pk), worker="w")
    RenderJob.objects.filter(pk=first[1].pk).update(state=JobState.FAILED, error="out of memory")
    second = queued(studio, django_capture_on_commit_callbacks, formats=("16:9",))
    board_url = reverse("campaign-board", args=[studio.campaign.pk])

    board = director.get(board_url).content.decode()
    assert rows(board) == [str(second[0].batch), str(first[0].batch)]  # newest first
    assert "2 of 3 finished" in board and "0 of 1 finished" in board
    assert board.count(">Cancel 1 left</button>") == 2

    cancel = reverse("batch-cancel", args=[studio.campaign.pk, first[0].batch])
    page = director.post(cancel, follow=True).content.decode()
    assert "1 queued render of the batch cancelled." in page
    assert RenderJob.objects.get(pk=first[2].pk).state == JobState.CANCELLED
    assert RenderJob.objects.get(pk=second[0].pk).state == JobState.QUEUED
    assert "3 of 3 finished" in page and page.count(">Cancel 1 left</button>") == 1

    before = states()
    again = director.post(cancel, follow=True).content.decode()
    assert "Nothing of the batch was left to cancel." in again and states() == before
    # From the board by htmx: said in place, and the cards (with the batches) reload themselves.
    rest = reverse("batch-cancel", args=[studio.campaign.pk, second[0].batch])
    answer = director.post(rest, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and answer["HX-Trigger"] == "board-changed"
    assert "1 queued render of the batch cancelled." in answer.content.decode()
    assert RenderJob.objects.get(pk=second[0].pk).state == JobState.CANCELLED


def test_a_batch_of_another_campaign_or_brand_is_not_cancelled_or_rushed_through_this_board(
    director, studio, login, django_capture_on_commit_callbacks
):
    ours = queued(studio, django_capture_on_commit_callbacks)
    other = another_campaign(studio, "Winter")
    before = states()
    # Its board and API list the batches of its own jobs: none yet.
    assert rows(director.get(reverse("campaign-board", args=[other.pk])).content.decode()) == []
    listed = director.get(reverse("api-campaign-batches", args=[other.pk])).json()["results"]
    assert listed == []
    # The batch exists, but it is not this campaign's: not found here, as one never queued,
    # whether cancelled or rushed.
    for batch in (ours[0].batch, uuid.uuid4()):
        for name in ("batch-cancel", "batch-rush"):
            wrong = reverse(name, args=[other.pk, batch])
            assert "No such batch." in director.post(wrong, follow=True).content.decode()
        wrong = reverse("api-batch-priority", args=[other.pk, batch])
        answer = director.post(wrong, {"priority": "rush"}, content_type="application/json")
        assert (answer.status_code, answer.json()["detail"]) == (404, "No such batch.")
    assert director.post(reverse("api-batch-cancel", args=[uuid.uuid4()])).status_code == 404
    # A stylist may look at the board but not cancel; another brand's director sees nothing.
    stylist = login(studio.world.user("brand-a", Role.STYLIST))
    mine = reverse("batch-cancel", args=[studio.campaign.pk, ours[0].batch])
    assert stylist.post(mine).status_code == 404
    rival = login(studio.world.user("brand-b", Role.CREATIVE_DIRECTOR))
    assert rival.post(mine).status_code == 404
    assert states() == before


def test_the_cards_bring_the_batches_along_and_poll_while_any_job_is_active(
    director, studio, django_capture_on_commit_callbacks
):
    jobs = queued(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5"))
    render_job_run(job_id=str(jobs[0].pk), worker="w")
    cards_url = reverse("campaign-cards", args=[studio.campaign.pk])
    # Filtered to what is done, the board still watches: the queued one will join it.
    cards = director.get(cards_url, {"state": "succeeded"}, HTTP_HX_REQUEST="true")
    text = cards.content.decode()
    assert (
        text.count('class="card image-card shot"') == 1
        and 'hx-trigger="every 2s, board-changed from:body"' in text
    )
    assert '<div id="board-batches" hx-swap-oob="true">' in text and "1 of 2 finished" in text
    # The GPU budget, the actions and the shortlist's count above the cards come along too.
    assert '<dd class="gpu-use" id="board-gpu" hx-swap-oob="true">' in text
    assert "held by 1 render to come" in text and ">Cancel 1 render</button>" in text
    assert '<span id="shortlist-count" hx-swap-oob="true">(0)</span>' in text
    render_job_run(job_id=str(jobs[1].pk), worker="w")
    text = director.get(cards_url, {"state": "succeeded"}).content.decode()
    assert "every 2s" not in text and "2 of 2 finished" in text
    assert "held by" not in text and "render</button>" not in text  # none left to cancel


def test_the_api_lists_batches_with_their_progress(
    studio, client, django_capture_on_commit_callbacks
):
    first = queued(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5"))
    render_job_run(job_id=str(first[0].pk), worker="w")
    second = queued(studio, django_capture_on_commit_callbacks, formats=("9:16",))
    client.force_login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))
    url = reverse("api-campaign-batches", args=[studio.campaign.pk])
    results = client.get(url).json()["results"]
    assert [row["batch"] for row in results] == [str(second[0].batch), str(first[0].batch)]
    newest, oldest = results
    assert (newest["jobs"], newest["queued"], newest["succeeded"]) == (1, 1, 0)
    assert (oldest["jobs"], oldest["queued"], oldest["succeeded"]) == (2, 1, 1)
    assert oldest["gpu_seconds"] > 0 and newest["gpu_seconds"] == 0
    assert oldest["queued_by"] == studio.director.user.username
    client.force_login(studio.world.user("brand-b", Role.CREATIVE_DIRECTOR))
    assert client.get(url).status_code == 404


def test_a_batch_is_rushed_by_page_and_api_and_sent_again_at_rush(
    director, studio, client, django_capture_on_commit_callbacks
):
    jobs = queued(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5", "9:16"))
    render_job_run(job_id=str(jobs[0].pk), worker="w")
    other = queued(studio, django_capture_on_commit_callbacks, formats=("16:9",))
    board = director.get(reverse("campaign-board", args=[studio.campaign.pk])).content.decode()
    assert (
        board.count(">Rush 2 queued</button>") == 1 and board.count(">Rush 1 queued</button>") == 1
    )
    RenderJob.objects.update(sent_at=timezone.now())  # on the broker, at normal priority
    with django_capture_on_commit_callbacks(execute=False) as sent:
        page = director.post(
            reverse("batch-rush", args=[studio.campaign.pk, jobs[0].batch]), follow=True
        ).content.decode()
    assert "2 queued renders rushed." in page and len(sent) == 1  # sent again, in one go
    priorities = dict(RenderJob.objects.values_list("pk", "priority"))
    assert [priorities[job.pk] for job in jobs] == [Priority.NORMAL, Priority.RUSH, Priority.RUSH]
    assert priorities[other[0].pk] == Priority.NORMAL  # another batch: untouched
    # Unsent until the send just scheduled: sent again, at rush, by it or by the reconciler.
    assert RenderJob.objects.get(pk=jobs[1].pk).sent_at is None
    assert RenderJob.objects.get(pk=other[0].pk).sent_at is not None
    assert "Rush 2 queued" not in page  # nothing of it left to rush
    again = director.post(
        reverse("batch-rush", args=[studio.campaign.pk, jobs[0].batch]), follow=True
    )
    assert "Nothing of this batch was waiting to be rushed." in again.content.decode()

    # The API, by the priority's name; a bad name changes nothing.
    client.force_login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))
    url = reverse("api-batch-priority", args=[studio.campaign.pk, other[0].batch])
    bad = client.post(url, {"priority": "asap"}, content_type="application/json")
    assert (
        bad.status_code == 400 and RenderJob.objects.get(pk=other[0].pk).priority == Priority.NORMAL
    )
    with pytest.raises(StudioError, match="A priority is one of 0, 3, 6"):
        render_batch_prioritize(
            actor=studio.director, campaign=studio.campaign, batch=other[0].batch, priority=42
        )
    with django_capture_on_commit_callbacks(execute=False):
        done = client.post(url, {"priority": "background"}, content_type="application/json")
    assert done.json() == {"jobs": 1}
    assert RenderJob.objects.get(pk=other[0].pk).priority == Priority.BACKGROUND
    job = client.get(reverse("api-job-detail", args=[other[0].pk])).json()
    assert job["priority"] == "background"  # read back by the name it was given
    assert AuditEvent.objects.filter(verb="render.batch_prioritized").count() == 2
    # Another brand's director: no such campaign.
    client.force_login(studio.world.user("brand-b", Role.CREATIVE_DIRECTOR))
    assert (
        client.post(url, {"priority": "rush"}, content_type="application/json").status_code == 404
    )
    assert RenderJob.objects.get(pk=other[0].pk).priority == Priority.BACKGROUND


def test_a_rushed_batch_waits_on_the_brokers_rush_step(
    director, studio, django_capture_on_commit_callbacks
):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("priority steps are Redis'; the filesystem broker has one")
    broker_empty("gpu")
    try:
        jobs = queued(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5"))
        with django_capture_on_commit_callbacks(execute=True):
            director.post(reverse("batch-rush", args=[studio.campaign.pk, jobs[0].batch]))
        depths = queue_depths(celery_app=app, queues=("gpu",))["gpu"]
        assert depths[Priority.RUSH] == 2 and depths[Priority.NORMAL] == 0
    finally:
        broker_empty("gpu")
