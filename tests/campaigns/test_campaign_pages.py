"""Campaign pages: create, the matrix builder (plan, then queue), the board and its live
partial, job actions, render media, the render farm; what another brand and other roles get."""

import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from campaigns import selectors
from campaigns.enums import JobState
from campaigns.forms import LOOK_PICKS
from campaigns.models import Campaign, Render, RenderJob, RenderWorker, Scene, Shot
from campaigns.services import (
    LookItemInput,
    garment_update,
    look_save,
    matrix_queue,
    render_job_rerender,
    render_job_run,
)
from studio.enums import Role
from studio.permissions import actor_for
from tests.campaigns.conftest import restyle
from tests.factories import GarmentFactory, LicenseFactory, png_bytes
from tests.worker import broker_empty


@pytest.fixture
def director(studio, login):
    return login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))


def stylist(studio):
    return actor_for(studio.world.user("brand-a", Role.STYLIST), "brand-a")


def queued(studio, django_capture_on_commit_callbacks, **spec):
    with django_capture_on_commit_callbacks(execute=False):
        return matrix_queue(
            actor=studio.director, campaign=studio.campaign, spec=studio.spec(**spec)
        )


def test_a_director_creates_a_campaign_and_bad_input_changes_nothing(director, studio):
    good = {
        "name": "Autumn",
        "starts_on": "2026-12-01",
        "ends_on": "2027-02-28",
        "markets": "de, fr",
        "channels": ["instagram"],
        "gpu_budget_minutes": "30",
        "backend": "preview",
    }
    response = director.post(reverse("campaign-create"), good)
    campaign = Campaign.objects.get(name="Autumn")
    assert response.status_code == 302 and response.url == reverse(
        "campaign-board", args=[campaign.pk]
    )
    assert campaign.markets == ["DE", "FR"] and campaign.gpu_budget_seconds == 1800
    for bad in (
        {"ends_on": "2026-11-01"},
        {"markets": "Germany"},
        {"channels": ["fax"]},
        {"gpu_budget_minutes": "-1"},
        {"backend": "nope"},
    ):
        response = director.post(reverse("campaign-create"), {**good, "name": "Bad", **bad})
        assert response.status_code == 400
    assert not Campaign.objects.filter(name="Bad").exists()


def test_a_brief_and_a_looks_notes_keep_their_paragraphs(director, studio, login):
    """Written in a text box, read as written: paragraphs and line breaks, markup as text. A
    brief past its longest is refused at the field and changes nothing."""
    brief = "Paris streets at dawn.\n\nQuiet colours;\n<em>no logos</em>."
    edit = reverse("campaign-edit", args=[studio.campaign.pk])
    form = director.get(edit).context["form"].initial
    assert director.post(edit, {**form, "brief": brief}).status_code == 302
    board = director.get(reverse("campaign-board", args=[studio.campaign.pk])).content.decode()
    assert "<p>Paris streets at dawn.</p>\n\n<p>Quiet colours;<br>&lt;em&gt;no logos" in board
    refused = director.post(edit, {**form, "brief": "x" * 10_001})
    assert refused.status_code == 400 and "at most 10000 characters" in refused.content.decode()
    studio.campaign.refresh_from_db()
    assert studio.campaign.brief == brief

    look_save(
        actor=stylist(studio),
        name="Look A",
        items=[LookItemInput(item.garment_id) for item in studio.look.items.all()],
        notes="Tuck the top.\nRoll the cuffs.",
        look=studio.look,
    )
    page = login(studio.world.user("brand-a", Role.STYLIST)).get(
        reverse("look-detail", args=[studio.look.pk])
    )
    assert "<p>Tuck the top.<br>Roll the cuffs.</p>" in page.content.decode()


def test_the_builder_plans_then_queues_and_shows_what_is_forbidden(
    director, studio, django_capture_on_commit_callbacks
):
    url = reverse("matrix-builder", args=[studio.campaign.pk])
    assert director.get(url).status_code == 200
    form = {
        "looks": [studio.look.pk],
        "twins": [studio.world.twin_a.pk],
        "poses": ["standing-front", "profile"],
        "scenes": [studio.scene.pk],
        "formats": ["1:1", "4:5"],
        "variants": "2",
        "priority": "3",
    }
    plan = director.post(url, {**form, "action": "plan"})
    text = plan.content.decode()
    assert plan.status_code == 200 and "4 renders" in text
    assert "no reference photo from the profile left" in text
    assert not RenderJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=False) as sent:
        response = director.post(url, {**form, "action": "queue"})
    assert response.status_code == 302 and RenderJob.objects.count() == 4 and len(sent) == 1
    board = director.get(response["Location"]).content.decode()
    assert "4 renders queued; 1 forbidden combination skipped." in board
    with django_capture_on_commit_callbacks(execute=False):
        again = director.post(url, {**form, "variants": "3", "action": "queue"}, follow=True)
    assert (
        "2 renders queued; 1 forbidden combination skipped; 4 shots already in the matrix."
        in again.content.decode()
    )
    # Twin B is not licensed to the brand (only asked for, and licensed to the other brand):
    # not even offered.
    for brand, status in ((studio.world.brand_a, "requested"), (studio.world.brand_b, "active")):
        LicenseFactory(twin=studio.world.twin_b, brand=brand, status=status, current=True)
    offered = director.get(url).content.decode()
    assert f'name="twins" value="{studio.world.twin_a.pk}"' in offered
    assert f'name="twins" value="{studio.world.twin_b.pk}"' not in offered
    response = director.post(url, {**form, "twins": [studio.world.twin_b.pk], "action": "plan"})
    assert (
        response.status_code == 400
        and not RenderJob.objects.exclude(shot__twin=studio.world.twin_a).exists()
    )


def test_the_board_shows_every_state_and_polls_only_while_rendering(
    director, studio, django_capture_on_commit_callbacks
):
    batch = queued(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5", "9:16"))
    jobs = list(RenderJob.objects.filter(batch=batch.batch).order_by("shot__format"))
    render_job_run(job_id=str(jobs[0].pk), worker="w")
    RenderJob.objects.filter(pk=jobs[1].pk).update(
        state=JobState.FAILED, error="CUDA out of memory"
    )
    board = director.get(reverse("campaign-board", args=[studio.campaign.pk])).content.decode()
    render = Render.objects.get(job=jobs[0])
    assert reverse("render-thumb", args=[render.pk]) in board
    assert "CUDA out of memory" in board and 'data-state="queued"' in board
    assert 'hx-trigger="every 2s, board-changed from:body"' in board  # one is still queued
    only_failed = director.get(
        reverse("campaign-cards", args=[studio.campaign.pk]), {"state": "failed"}
    )
    assert only_failed.content.decode().count('class="card image-card shot"') == 1
    why = "The talent revoked their consent."
    RenderJob.objects.filter(pk=jobs[2].pk).update(
        state=JobState.CANCELLED, cancel_requested_at=timezone.now(), error=why
    )
    cards = director.get(reverse("campaign-cards", args=[studio.campaign.pk])).content.decode()
    assert "every 2s" not in cards  # nothing left to watch
    assert f"Cancelled: {why}" in cards  # and why it stopped
    shots = {job.pk: reverse("shot-detail", args=[job.shot_id]) for job in jobs}
    page = director.get(shots[jobs[2].pk]).content.decode()
    assert f"<dt>Cancelled because</dt><dd>{why}</dd>" in page
    page = director.get(shots[jobs[1].pk]).content.decode()
    assert '<dt>Error</dt><dd class="error">CUDA out of memory</dd>' in page


def test_the_boards_query_count_does_not_grow_with_the_renders(
    director, studio, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    url = reverse("campaign-cards", args=[studio.campaign.pk])
    queued(studio, django_capture_on_commit_callbacks, formats=("1:1",))
    for job in RenderJob.objects.all():
        render_job_run(job_id=str(job.pk), worker="w")
    with CaptureQueriesContext(connection) as few:
        assert director.get(url).status_code == 200
    queued(studio, django_capture_on_commit_callbacks, formats=("4:5", "9:16", "16:9"), variants=6)
    for job in RenderJob.objects.filter(state=JobState.QUEUED)[:10]:
        render_job_run(job_id=str(job.pk), worker="w")
    with django_assert_max_num_queries(len(few)):
        page = director.get(url)
    assert page.content.decode().count('class="card image-card shot"') == 19
    with django_assert_max_num_queries(len(few) + 4):  # the full page adds scenes and filters
        director.get(reverse("campaign-board", args=[studio.campaign.pk]))


def test_a_card_loads_its_shots_latest_render_alone_and_the_shots_page_every_one(
    director, studio, django_capture_on_commit_callbacks
):
    """A shot re-rendered for a year has hundreds of jobs: the board and the API's shots take
    the one a card shows, not all of them; the shot's own page shows every seed."""
    queued(studio, django_capture_on_commit_callbacks, formats=("4:5",))
    job = RenderJob.objects.get()
    for _ in range(3):
        render_job_run(job_id=str(job.pk), worker="w")
        with django_capture_on_commit_callbacks(execute=False):
            job = render_job_rerender(actor=studio.director, job=job)
    render_job_run(job_id=str(job.pk), worker="w")
    newest = Render.objects.get(job=job)
    (shot,) = selectors.shot_board(actor=studio.director, campaign=studio.campaign)
    assert shot.job_list == [job]
    assert len(selectors.shot_list(actor=studio.director).get(pk=shot.pk).job_list) == 4
    cards = director.get(reverse("campaign-cards", args=[studio.campaign.pk])).content.decode()
    assert f'src="{reverse("render-thumb", args=[newest.pk])}' in cards
    rows = director.get(reverse("api-shot-list", args=[studio.campaign.pk])).json()["results"]
    assert [row["latest_job"]["id"] for row in rows] == [str(job.pk)]
    page = director.get(reverse("shot-detail", args=[shot.pk])).content.decode()
    assert all(f"<dd>{seed}</dd>" in page for seed in shot.jobs.values_list("seed", flat=True))


def test_job_actions_from_the_board(director, studio, django_capture_on_commit_callbacks):
    queued(studio, django_capture_on_commit_callbacks)
    job = RenderJob.objects.get()
    response = director.post(reverse("job-cancel", args=[job.pk]), {"query": "state=cancelled"})
    board = reverse("campaign-board", args=[studio.campaign.pk])
    assert response.url == f"{board}?state=cancelled#shot-{job.shot_id}"  # back at its card
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED
    with django_capture_on_commit_callbacks(execute=False):
        director.post(reverse("job-retry", args=[job.pk]))
    retried = RenderJob.objects.exclude(pk=job.pk).get()
    render_job_run(job_id=str(retried.pk), worker="w")
    render = Render.objects.get()
    response = director.post(reverse("render-shortlist", args=[render.pk]), {"shortlisted": "1"})
    assert response.url == f"{board}#shot-{job.shot_id}"
    render.refresh_from_db()
    assert render.shortlisted_at is not None
    picture = director.get(reverse("render-file", args=[render.pk]))
    assert Image.open(io.BytesIO(b"".join(picture.streaming_content))).size == (1024, 1280)


def test_a_render_of_a_look_changed_since_says_so_and_renders_again_with_its_seed(
    director, studio, django_capture_on_commit_callbacks
):
    """The stylist changed the look after its shot rendered: the card (also as shortlisting
    swaps it) and the shot's page say that the render shows the look as it was, and offer to
    render it again with its seed; the new render says nothing of the kind, until the look
    changes again (a garment renamed: a generative backend prompts with the names)."""
    queued(studio, django_capture_on_commit_callbacks)
    job = RenderJob.objects.get()
    render_job_run(job_id=str(job.pk), worker="w")
    cards_url = reverse("campaign-cards", args=[studio.campaign.pk])
    shot_url = reverse("shot-detail", args=[job.shot_id])
    note = "The look or scene changed after this render."
    again = ">Render again, same seed</button>"
    cards = director.get(cards_url).content.decode()
    assert note not in cards and again not in cards
    red = restyle(studio)

    cards = director.get(cards_url).content.decode()
    assert note in cards and again in cards
    (row,) = director.get(reverse("api-shot-list", args=[studio.campaign.pk])).json()["results"]
    assert row["latest_job"]["look_changed"] is True
    (listed,) = director.get(reverse("api-render-list")).json()["results"]
    assert listed["look_changed"] is True
    shortlist = reverse("render-shortlist", args=[job.render.pk])
    swapped = director.post(shortlist, {"shortlisted": "1"}, HTTP_HX_REQUEST="true")
    assert note in swapped.content.decode()
    page = director.get(shot_url).content.decode()
    assert "Rendered before the look or scene last changed" in page and again in page
    with django_capture_on_commit_callbacks(execute=False):
        director.post(reverse("job-retry", args=[job.pk]))
    fresh = RenderJob.objects.exclude(pk=job.pk).get()
    assert (fresh.seed, fresh.state) == (job.seed, JobState.QUEUED)
    render_job_run(job_id=str(fresh.pk), worker="w")

    assert Render.objects.get(job=fresh).sha256 != Render.objects.get(job=job).sha256
    cards = director.get(cards_url).content.decode()
    assert note not in cards and again not in cards
    jobs = director.get(reverse("api-job-list"), {"campaign": studio.campaign.pk}).json()
    assert {row["id"]: row["look_changed"] for row in jobs["results"]} == {
        str(job.pk): True,
        str(fresh.pk): False,
    }
    page = director.get(shot_url).content.decode()
    assert page.count("Rendered before the look or scene last changed") == 1  # the first render's
    garment_update(actor=stylist(studio), garment=red, name="Cherry top")
    assert note in director.get(cards_url).content.decode()


def test_another_brand_and_other_roles_get_nothing(
    studio, login, django_capture_on_commit_callbacks
):
    queued(studio, django_capture_on_commit_callbacks)
    job = RenderJob.objects.get()
    render_job_run(job_id=str(job.pk), worker="w")
    render = Render.objects.get()
    scene = Scene.objects.create(
        campaign=studio.campaign, name="Wall", kind="image", image="scenes/x.png"
    )
    rival = login(studio.world.user("brand-b", Role.BRAND_ADMIN))
    for url in (
        reverse("campaign-board", args=[studio.campaign.pk]),
        reverse("campaign-cards", args=[studio.campaign.pk]),
        reverse("campaign-edit", args=[studio.campaign.pk]),
        reverse("matrix-builder", args=[studio.campaign.pk]),
        reverse("render-file", args=[render.pk]),
        reverse("render-thumb", args=[render.pk]),
        reverse("scene-file", args=[scene.pk]),
    ):
        assert rival.get(url).status_code == 404, url
    for url in (
        reverse("job-cancel", args=[job.pk]),
        reverse("job-rerender", args=[job.pk]),
        reverse("render-shortlist", args=[render.pk]),
        reverse("campaign-cancel", args=[studio.campaign.pk]),
        reverse("campaign-status", args=[studio.campaign.pk]),
    ):
        assert rival.post(url, {"shortlisted": "1", "status": "archived"}).status_code == 404, url
    assert "Spring" not in rival.get(reverse("campaign-list")).content.decode()
    render.refresh_from_db()
    assert render.shortlisted_at is None and RenderJob.objects.count() == 1
    # A stylist of the same brand sees the board but may not queue or act.
    stylist = login(studio.world.user("brand-a", Role.STYLIST))
    assert stylist.get(reverse("campaign-board", args=[studio.campaign.pk])).status_code == 200
    assert stylist.get(reverse("matrix-builder", args=[studio.campaign.pk])).status_code == 404
    assert stylist.get(reverse("render-farm")).status_code == 404


def test_a_status_change_says_what_the_campaign_is_now_or_why_not(director, studio):
    from django.contrib.messages import get_messages

    url = reverse("campaign-status", args=[studio.campaign.pk])

    def said(status: str) -> list[str]:
        answer = director.post(url, {"status": status}, follow=True)
        return [str(m) for m in get_messages(answer.wsgi_request)]

    assert said("in_production") == ["The campaign is now in production."]
    assert said("done") == ["A campaign that is in production cannot become done."]
    assert said("finished")[0].startswith("A campaign's status is one of draft, in_production")
    studio.campaign.refresh_from_db()
    assert studio.campaign.status == "in_production"


def test_scenes_are_added_with_checked_uploads(director, studio, media_files):
    url = reverse("scene-add", args=[studio.campaign.pk])
    before = media_files()
    director.post(
        url, {"name": "Bad", "kind": "image", "image": io.BytesIO(b"GIF89a not an image")}
    )
    director.post(url, {"name": "Bad", "kind": "colour", "value": "red"})
    assert not Scene.objects.filter(name="Bad").exists() and media_files() == before
    upload = io.BytesIO(png_bytes((120, 90), (40, 90, 200, 255), "RGBA"))
    upload.name = "wall.png"
    director.post(url, {"name": "Blue wall", "kind": "image", "image": upload})
    scene = Scene.objects.get(name="Blue wall")
    assert scene.image and director.get(reverse("scene-file", args=[scene.pk])).status_code == 200


def test_a_refused_scene_says_why_once_without_htmx(director, studio):
    """Without htmx the board is shown again with the reason: the form's, or the service's."""
    from django.contrib.messages import get_messages

    url = reverse("scene-add", args=[studio.campaign.pk])
    for posted, reason in (
        ({"name": "Dusk", "kind": "colour", "value": "dusky"}, "like #e8e4dc"),
        ({"name": "Dusk", "kind": "prompt", "value": "ab"}, "a prompt of 3 to 500 characters"),
        ({"name": "Dusk", "kind": "image"}, "An image scene needs an image"),
        ({"name": "", "kind": "colour", "value": "#000000"}, "This field is required."),
    ):
        answer = director.post(url, posted, follow=True)
        said = [(m.level_tag, str(m)) for m in get_messages(answer.wsgi_request)]
        assert len(said) == 1 and said[0][0] == "error" and reason in said[0][1], (posted, said)
    assert not Scene.objects.filter(name="Dusk").exists()


def test_the_render_farm_shows_workers_and_only_our_jobs(
    director, studio, django_capture_on_commit_callbacks
):
    broker_empty("gpu", "cpu")  # the depths below are this test's alone
    now = timezone.now()
    RenderWorker.objects.create(
        hostname="gpu0@farm",
        queues=["gpu"],
        started_at=now,
        last_seen_at=now,
        gpu_name="NVIDIA H100 80GB HBM3",
        gpu_memory_mb=81559,
        backends=["diffusers"],
    )
    RenderWorker.objects.create(
        hostname="gpu3@farm", queues=["gpu"], started_at=now, last_seen_at=now
    )
    RenderWorker.objects.create(  # stopped a moment ago, with a word
        hostname="gpu4@farm", queues=["gpu"], started_at=now, last_seen_at=now, stopped_at=now
    )
    # Gone: one killed an hour ago is shown as such; one killed two days ago is forgotten.
    for name, silent in (("gpu1@farm", timedelta(hours=1)), ("gpu2@farm", timedelta(days=2))):
        RenderWorker.objects.create(
            hostname=name, queues=["gpu"], started_at=now - silent, last_seen_at=now - silent
        )
    queued(studio, django_capture_on_commit_callbacks, formats=("16:9", "1:1", "4:5", "9:16"))
    yesterday, running, done, _queued = RenderJob.objects.order_by("shot__format")
    for job in (yesterday, done):
        render_job_run(job_id=str(job.pk), worker="gpu3@farm")
    RenderJob.objects.filter(pk=yesterday.pk).update(finished_at=now - timedelta(days=1))
    RenderJob.objects.filter(pk=running.pk).update(
        state=JobState.RUNNING, worker="gpu0@farm", progress_step=3, progress_total=30
    )
    page = director.get(reverse("render-farm")).content.decode()

    def row(html: str, worker: str) -> str:
        return re.search(rf"<tr><td>{worker}</td>.*?</tr>", html, re.DOTALL).group()

    assert "gpu2@farm" not in page
    states = {w: ">Up<" in row(page, w) for w in ("gpu0@farm", "gpu1@farm", "gpu4@farm")}
    assert states == {"gpu0@farm": True, "gpu1@farm": False, "gpu4@farm": False}
    assert "Gone" in row(page, "gpu1@farm") and "Gone" in row(page, "gpu4@farm")
    # When each was last heard from, as people say it ("now", "12 seconds ago", "an hour ago").
    assert "an hour ago" in row(page, "gpu1@farm") and "0\xa0minutes" not in page
    assert "gpu0@farm" in page and "NVIDIA H100 80GB HBM3 (79.6\xa0GB)" in page and "3/30" in page
    links = re.findall(r'<a href="/shots/(\d+)/">', page)
    assert links == [str(running.shot_id)]  # each running shot, only those
    assert "<strong>1</strong> rendered · 0 failed" in page and "<li>Normal: 1</li>" in page
    # Redis keeps priorities apart: the gpu queue is shown by priority, the others in all.
    assert "gpu: 0 waiting (rush 0 · normal 0 · background 0)" in page
    assert re.search(r"<li>cpu: \d+ waiting</li>", page)
    rival = studio.world.user("brand-b", Role.CREATIVE_DIRECTOR)
    other = Client()
    other.force_login(rival)
    seen = other.get(reverse("render-farm")).content.decode()
    assert "gpu0@farm" in seen and "Busy" in seen and "Look A" not in seen and "3/30" not in seen
    assert "<strong>0</strong> rendered" in seen and "<li>Normal: 0</li>" in seen
    # gpu3 rendered our shots and runs nothing now: idle to them as to us.
    for html in (page, seen):
        assert "Idle" in row(html, "gpu3@farm")
    for client, jobs in ((director, [str(running.pk)]), (other, [])):
        api = {w["hostname"]: w for w in client.get(reverse("api-farm")).json()["workers"]}
        assert (api["gpu0@farm"]["busy"], api["gpu0@farm"]["jobs"]) == (True, jobs)
        assert (api["gpu3@farm"]["alive"], api["gpu3@farm"]["busy"]) == (True, False)
        assert not api["gpu4@farm"]["alive"]


def test_the_board_and_its_api_show_the_shortlist_alone(
    director, studio, django_capture_on_commit_callbacks
):
    queued(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5", "9:16"))
    for job in RenderJob.objects.all():
        render_job_run(job_id=str(job.pk), worker="w")
    picked = Render.objects.get(job__shot__format="4:5")
    director.post(reverse("render-shortlist", args=[picked.pk]), {"shortlisted": "1"})
    cards = reverse("campaign-cards", args=[studio.campaign.pk])
    shots_api = reverse("api-shot-list", args=[studio.campaign.pk])

    board_url = reverse("campaign-board", args=[studio.campaign.pk])
    board = director.get(board_url).content.decode()
    assert 'name="shortlisted"' in board and '<span id="shortlist-count">(1)</span>' in board
    shortlist = director.get(cards, {"shortlisted": "on"}).content.decode()
    assert shortlist.count('class="card image-card shot"') == 1
    assert f'id="shot-{picked.job.shot_id}"' in shortlist
    rows = director.get(shots_api, {"shortlisted": "1"}).json()["results"]
    assert [row["id"] for row in rows] == [picked.job.shot_id]
    assert len(director.get(shots_api).json()["results"]) == 3

    # A new seed for that shot: the card shows the new render, not on the shortlist (yet).
    with django_capture_on_commit_callbacks(execute=False):
        director.post(reverse("job-rerender", args=[picked.job_id]))
    shortlist = director.get(cards, {"shortlisted": "on"}).content.decode()
    assert 'class="card image-card shot"' not in shortlist
    assert "No shots match these filters." in shortlist
    assert director.get(shots_api, {"shortlisted": "1"}).json()["results"] == []
    assert '<span id="shortlist-count">(0)</span>' in director.get(board_url).content.decode()


def test_a_shots_page_shows_it_large_with_every_seed_and_acts_in_place(
    director, studio, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    queued(studio, django_capture_on_commit_callbacks, formats=("4:5",))
    first = RenderJob.objects.get()
    render_job_run(job_id=str(first.pk), worker="w")
    shot_url = reverse("shot-detail", args=[first.shot_id])
    cards = director.get(reverse("campaign-cards", args=[studio.campaign.pk])).content.decode()
    assert f'href="{shot_url}"' in cards  # the card leads to the shot's page

    with django_capture_on_commit_callbacks(execute=False):
        response = director.post(
            reverse("job-rerender", args=[first.pk]), {"back": "shot"}, follow=True
        )
    assert response.redirect_chain == [(shot_url, 302)]
    page = response.content.decode()
    second = RenderJob.objects.exclude(pk=first.pk).get()
    first_render = Render.objects.get(job=first)
    # Newest first: the queued seed, then the one that rendered, which is the one shown large.
    assert page.index(f"<dd>{second.seed}</dd>") < page.index(f"<dd>{first.seed}</dd>")
    assert f'<img src="{reverse("render-file", args=[first_render.pk])}"' in page
    assert 'hx-select="#shot-body"' in page  # one is queued: the page keeps itself up to date
    assert "1024×1280" in page and "Standing, front" in page
    garments = studio.look.items.count()
    assert f"<dt>Made with</dt><dd>garments: {garments} · 1024×1280</dd>" in page

    render_job_run(job_id=str(second.pk), worker="w")
    with django_assert_max_num_queries(13):
        page = director.get(shot_url).content.decode()
    newest = Render.objects.get(job=second)
    assert f'<img src="{reverse("render-file", args=[newest.pk])}"' in page
    assert 'hx-select="#shot-body"' not in page
    response = director.post(
        reverse("render-shortlist", args=[first_render.pk]), {"shortlisted": "1", "back": "shot"}
    )
    assert response.status_code == 302 and response.url == shot_url
    first_render.refresh_from_db()
    assert first_render.shortlisted_at is not None  # an older seed can be the one picked
    rows = director.get(reverse("api-job-list"), {"shot": first.shot_id}).json()["results"]
    assert sorted(row["id"] for row in rows) == sorted([str(first.pk), str(second.pk)])

    # An older seed's thumbnail shows it large; S and the actions stay on it; the way back to
    # the board and the steps through it do not carry the choice.
    pick = f"{shot_url}?look={studio.look.pk}&amp;show={first_render.pk}"
    page = director.get(shot_url, {"look": studio.look.pk}).content.decode()
    assert f'<a href="{pick}"' in page
    page = director.get(shot_url, {"look": studio.look.pk, "show": first_render.pk})
    text = page.content.decode()
    assert f'<img src="{reverse("render-file", args=[first_render.pk])}"' in text
    assert f"seed {first.seed}, picked below" in text

    def shortlist_form(render: Render) -> str:
        start = text.index(f'action="{reverse("render-shortlist", args=[render.pk])}"')
        return text[start : text.index("</form>", start)]

    assert 'data-key="s"' in shortlist_form(first_render)  # S shortlists the one shown
    assert 'data-key="s"' not in shortlist_form(newest)
    back = reverse("campaign-board", args=[studio.campaign.pk])
    assert f'href="{back}?look={studio.look.pk}#shot-{first.shot_id}"' in text
    assert f'name="query" value="look={studio.look.pk}&amp;show={first_render.pk}"' in text
    # Another shot's render, or nonsense, shows the newest as before.
    for wrong in ("999999", "x"):
        text = director.get(shot_url, {"show": wrong}).content.decode()
        assert f'<img src="{reverse("render-file", args=[newest.pk])}"' in text


def test_the_matrix_builder_shows_each_look_by_its_garments_in_fixed_queries(director, studio):

    url = reverse("matrix-builder", args=[studio.campaign.pk])
    page = director.get(url).content.decode()
    top = studio.look.items.get().garment
    assert top.cutout_url in page and "Look A" in page and "1 garment<" in page
    assert f'name="looks" value="{studio.look.pk}"' in page
    with CaptureQueriesContext(connection) as one:
        director.get(url)
    for n in range(5):
        garment = GarmentFactory(brand=studio.world.brand_a, category="bottom")
        look_save(
            actor=studio.director,
            name=f"More {n}",
            items=[LookItemInput(top.pk), LookItemInput(garment.pk)],
        )
    with CaptureQueriesContext(connection) as six:
        page = director.get(url).content.decode()
    assert len(six) == len(one) and "More 4" in page and "2 garments" in page
    # Past LOOK_PICKS the newest are shown and a search finds the rest, in the same queries.
    for n in range(LOOK_PICKS):
        look_save(actor=studio.director, name=f"Resort {n}", items=[LookItemInput(top.pk)])
    with CaptureQueriesContext(connection) as many:
        page = director.get(url).content.decode()
    assert len(many) == len(one)
    assert page.count('name="looks"') == LOOK_PICKS
    assert f"{LOOK_PICKS} of {LOOK_PICKS + 6}: search to find the others." in page
    assert "Resort 0<" in page and "Look A<" not in page


def test_the_matrix_builder_finds_looks_and_keeps_those_ticked(director, studio, login):

    world = studio.world
    top = studio.look.items.get().garment
    coat = GarmentFactory(brand=world.brand_a, category="outerwear", name="Camel coat", sku="CC-1")
    winter = look_save(actor=studio.director, name="Winter", items=[LookItemInput(coat.pk)])
    resorts = [
        look_save(actor=studio.director, name=f"Resort {n}", items=[LookItemInput(top.pk)])
        for n in range(3)
    ]
    theirs = GarmentFactory(brand=world.brand_b, category="top", name="Camel top B", sku="CC-2")
    look_save(
        actor=studio.director_b,
        name="Camel B",
        items=[LookItemInput(theirs.pk)],
    )
    picks = reverse("matrix-looks", args=[studio.campaign.pk])

    def names(html: str) -> list[str]:
        return re.findall(r"<span>([^<]+)<small>", html)

    # By a garment's SKU or name, or the look's name; another brand's looks are never offered.
    assert names(director.get(picks, {"q": "cc-1"}).content.decode()) == ["Winter"]
    assert names(director.get(picks, {"q": "camel"}).content.decode()) == ["Winter"]
    assert names(director.get(picks, {"q": "Resort"}).content.decode()) == [
        "Resort 2",
        "Resort 1",
        "Resort 0",
    ]
    # The ticked looks, sent along, are not offered again; ids no look has are left out.
    found = director.get(picks, {"q": "resort", "looks": [resorts[1].pk, "x", str(10**23)]})
    assert found.status_code == 200 and names(found.content.decode()) == ["Resort 2", "Resort 0"]
    assert "No look matches." in director.get(picks, {"q": "velvet"}).content.decode()
    # A plan comes back with its search, the ticked looks above the others.
    form = {
        "looks": [winter.pk],
        "twins": [world.twin_a.pk],
        "poses": ["standing-front"],
        "scenes": [studio.scene.pk],
        "formats": ["4:5"],
        "variants": "1",
        "priority": "3",
        "q": "resort",
        "action": "plan",
    }
    page = director.post(reverse("matrix-builder", args=[studio.campaign.pk]), form)
    html = page.content.decode()
    assert page.status_code == 200 and 'name="q" value="resort"' in html
    chosen, rest = html.split('<div id="chosen-looks"', 1)[1].split('<div id="look-picks">', 1)
    assert names(chosen) == ["Winter"] and f'value="{winter.pk}" checked' in chosen
    assert names(rest.split("</fieldset>", 1)[0]) == ["Resort 2", "Resort 1", "Resort 0"]
    # Only a director picks looks for a campaign; another brand's campaign is not found.
    assert login(world.user("brand-a", Role.STYLIST)).get(picks).status_code == 404
    assert login(world.user("brand-b", Role.CREATIVE_DIRECTOR)).get(picks).status_code == 404


def test_the_builder_draws_poses_scenes_and_formats_and_keeps_what_was_picked(director, studio):
    url = reverse("matrix-builder", args=[studio.campaign.pk])
    page = director.get(url).content.decode()
    # Each pose as its skeleton (13 limbs and a head), drawn from its keypoints.
    figure = re.search(
        r'<svg viewBox="0 0 80 100" role="img" aria-label="Figure: Profile">(.*?)</svg>', page
    )
    assert (
        figure and figure.group(1).count("<line ") == 13 and figure.group(1).count("<circle") == 1
    )
    assert '<line x1="40.0" y1="18.0" x2="40.0" y2="19.0"/>' in figure.group(1)  # neck to shoulder
    # Scenes as their colour; formats as frames of their shape, the longer side 56 px.
    assert f'<rect width="1" height="1" fill="{studio.scene.value}"/>' in page
    assert '<svg width="32" height="56" aria-hidden="true" focusable="false">' in page  # 9:16
    assert '<svg width="56" height="32" aria-hidden="true" focusable="false">' in page  # 16:9
    picked = director.post(
        url,
        {
            "looks": [studio.look.pk],
            "twins": [studio.world.twin_a.pk],
            "poses": ["profile"],
            "scenes": [studio.scene.pk],
            "formats": ["9:16"],
            "variants": "1",
            "priority": "3",
            "action": "plan",
        },
    ).content.decode()
    assert re.search(r'<input type="checkbox" name="poses" value="profile"[^>]* checked', picked)
    assert re.search(r'<input type="checkbox" name="formats" value="9:16"[^>]* checked', picked)
    assert not re.search(r'name="formats" value="4:5"[^>]* checked', picked)


def test_a_shots_page_steps_through_the_board_as_filtered(
    director, studio, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    queued(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5", "9:16", "16:9"))
    board_url = reverse("campaign-board", args=[studio.campaign.pk])
    everyone = [
        int(pk) for pk in re.findall(r'id="shot-(\d+)"', director.get(board_url).content.decode())
    ]
    for shot_id in everyone[1:3]:
        job = RenderJob.objects.get(shot_id=shot_id)
        render_job_run(job_id=str(job.pk), worker="w")
    done = [
        int(pk)
        for pk in re.findall(
            r'id="shot-(\d+)"', director.get(board_url, {"state": "succeeded"}).content.decode()
        )
    ]
    assert done == everyone[1:3]

    def shot_page(shot_id: int, **query) -> str:
        return director.get(reverse("shot-detail", args=[shot_id]), query).content.decode()

    def link(rel: str, shot_id: int, query: str = "") -> str:
        return f'<a rel="{rel}" href="{reverse("shot-detail", args=[shot_id])}{query}">'

    # Filtered to what rendered: two shots, the first with no previous, each leading on.
    first = shot_page(done[0], state="succeeded", page="1")
    assert "Shot 1 of 2 (filtered)" in first and 'rel="prev"' not in first
    assert link("next", done[1], "?state=succeeded") in first  # the page number left behind
    assert f'href="{board_url}?state=succeeded&amp;page=1#shot-{done[0]}"' in first  # back
    second = shot_page(done[1], state="succeeded")
    assert link("prev", done[0], "?state=succeeded") in second and 'rel="next"' not in second
    # Unfiltered, the whole board; a shot the filters no longer hold falls back to it too.
    middle = shot_page(everyone[1], look="", state="")  # a filter form sent empty
    assert "Shot 2 of 4<" in middle and link("prev", everyone[0]) in middle
    assert link("next", everyone[2]) in middle
    stray = shot_page(everyone[3], state="succeeded")
    assert "Shot 4 of 4<" in stray and link("prev", everyone[2]) in stray

    # S shortlists the render shown; the shortlisting comes back to the same place.
    assert first.count('data-key="s"') == 1
    shown = Render.objects.get(job__shot_id=done[0])
    response = director.post(
        reverse("render-shortlist", args=[shown.pk]),
        {"shortlisted": "1", "back": "shot", "query": "state=succeeded"},
    )
    assert response.url == reverse("shot-detail", args=[done[0]]) + "?state=succeeded"

    # Stepping reads no more for a bigger board.
    with CaptureQueriesContext(connection) as few:
        shot_page(done[0], state="succeeded")
    queued(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5"), variants=5)
    with django_assert_max_num_queries(len(few)):
        assert "of 12<" in shot_page(done[0])
    # htmx's poll takes #shot-body alone: no board order read for it; its forms keep the filters.
    with CaptureQueriesContext(connection) as poll:
        polled = director.get(
            reverse("shot-detail", args=[done[0]]), {"state": "succeeded"}, HTTP_HX_REQUEST="true"
        ).content.decode()
    assert len(poll) < len(few) and 'name="query" value="state=succeeded"' in polled


def test_the_board_filters_by_pose_scene_and_format_and_offers_only_what_the_matrix_holds(
    director, studio, django_capture_on_commit_callbacks
):
    from campaigns.services import scene_add

    wall = scene_add(
        actor=studio.director, campaign=studio.campaign, name="Wall", kind="colour", value="#222222"
    )
    scene_add(
        actor=studio.director,
        campaign=studio.campaign,
        name="Unused",
        kind="prompt",
        value="a park",
    )
    queued(
        studio,
        django_capture_on_commit_callbacks,
        formats=("1:1", "9:16"),
        poses=("standing-front", "hand-on-hip"),
        scenes=(studio.scene.pk, wall.pk),
    )
    cards = reverse("campaign-cards", args=[studio.campaign.pk])
    shots_api = reverse("api-shot-list", args=[studio.campaign.pk])

    def shown(**query) -> int:
        page = director.get(cards, query).content.decode()
        api_query = {"aspect" if k == "format" else k: v for k, v in query.items()}
        count = director.get(shots_api, api_query).json()["count"]
        assert page.count('class="card image-card shot"') == count
        return count

    assert shown() == 8
    assert (
        shown(format="9:16") == 4 and shown(pose="hand-on-hip") == 4 and shown(scene=wall.pk) == 4
    )
    assert shown(format="9:16", pose="hand-on-hip", scene=wall.pk) == 1
    board = director.get(reverse("campaign-board", args=[studio.campaign.pk])).content.decode()
    assert '<option value="hand-on-hip">Hand on hip</option>' in board
    assert '<option value="profile">' not in board and '<option value="4:5">' not in board
    assert f'<option value="{wall.pk}">Wall</option>' in board and ">Unused</option>" not in board
    # The shot page steps through the same filtered board.
    one = Shot.objects.filter(format="9:16", pose="hand-on-hip").order_by("pk").first()
    page = director.get(
        reverse("shot-detail", args=[one.pk]), {"format": "9:16", "pose": "hand-on-hip"}
    )
    assert "of 2 (filtered)" in page.content.decode()


def test_the_board_shows_the_gpu_time_spent_and_held_against_the_budget(
    director, studio, django_capture_on_commit_callbacks
):
    from django.template.defaultfilters import floatformat

    from campaigns.services import matrix_plan

    queued(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5", "9:16"))
    done = RenderJob.objects.order_by("pk").first()
    render_job_run(job_id=str(done.pk), worker="w")
    done.refresh_from_db()
    board = director.get(reverse("campaign-board", args=[studio.campaign.pk])).content.decode()
    # As the matrix builder plans: what rendered, plus the estimate for each render to come.
    plan = matrix_plan(
        actor=studio.director, campaign=studio.campaign, spec=studio.spec(formats=("16:9",))
    )
    held = 2 * plan.seconds_per_render
    spent = floatformat(done.gpu_seconds, 1)  # as the page rounds, half up
    assert f"{spent} s spent, about {floatformat(held, 0)} s held by 2 renders to come" in board
    left, budget = floatformat(plan.budget_left, 0), studio.campaign.gpu_budget_seconds
    assert f"<strong>{left} s left</strong> of {budget} s" in board


def test_the_campaign_list_searches_and_filters_only_our_campaigns(director, studio):
    from datetime import date

    from campaigns.services import CampaignInput, campaign_create, campaign_status_set

    def start(actor, name: str, brief: str = "") -> Campaign:
        data = CampaignInput(
            name=name,
            brief=brief,
            starts_on=date(2027, 1, 1),
            ends_on=date(2027, 2, 1),
            markets=["DE"],
            channels=["instagram"],
            backend="preview",
        )
        return campaign_create(actor=actor, data=data)

    winter = start(studio.director, "Winter knits", "Alpine light, wool everywhere")
    resort = start(studio.director, "Resort", "Linen on the coast")
    start(studio.director_b, "Winter coats")  # another brand's
    campaign_status_set(actor=studio.director, campaign=winter, status="in_production")
    admin = studio.world.user("brand-a", Role.BRAND_ADMIN)
    Campaign.objects.filter(pk=resort.pk).update(owner=admin)  # handed over

    def names(**query) -> list[str]:
        page = director.get(reverse("campaign-list"), query)
        api = director.get(reverse("api-campaign-list"), query).json()["results"]
        shown = sorted(campaign.name for campaign in page.context["page"])
        assert shown == sorted(row["name"] for row in api)
        return shown

    assert names() == ["Resort", "Spring", "Winter knits"]
    assert names(q="winter") == ["Winter knits"]  # never theirs
    assert names(q="linen") == ["Resort"]  # the brief too
    assert names(q="winter", status="in_production") == ["Winter knits"]
    assert names(q="winter", status="draft") == []
    assert names(owner="brand-a-brand_admin") == ["Resort"]
    assert names(owner="brand-a-creative_director") == ["Spring", "Winter knits"]
    assert director.get(reverse("api-campaign-list"), {"owner": "nobody"}).json()["count"] == 0
    # The page offers whoever owns one of the brand's campaigns, and nobody of another brand.
    page = director.get(reverse("campaign-list")).content.decode()
    assert '<option value="brand-a-brand_admin">' in page
    assert "brand-a-creative_director (me)</option>" in page and "brand-b-" not in page
    bad = director.get(reverse("api-campaign-list"), {"owner": "x" * 151})
    assert bad.status_code == 400 and "owner" in bad.json()
    empty = director.get(reverse("campaign-list"), {"q": "nothing like it"}).content.decode()
    assert "No campaign matches." in empty and "No campaigns yet." not in empty


def test_the_campaign_list_shows_each_campaign_by_its_cover(
    director, studio, login, django_capture_on_commit_callbacks
):
    """Image-first: a campaign's row, and its line on the dashboard, show its newest shortlisted
    render, else its newest render, in as many queries for many campaigns as for one."""
    from campaigns.services import render_shortlist, render_thumbnail_make

    def cover_ids() -> list[int]:
        page = director.get(reverse("campaign-list")).content.decode()
        shown = [int(pk) for pk in re.findall(r'<img src="/media/renders/(\d+)/thumb/"', page)]
        api = director.get(reverse("api-campaign-list")).json()["results"]
        assert [row["cover_url"] for row in api if row["cover_url"]] == [
            reverse("render-thumb", args=[pk]) for pk in shown
        ]
        return shown

    assert cover_ids() == []  # nothing rendered yet: no cover
    queued(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5", "9:16"))
    for job in RenderJob.objects.order_by("queued_at", "pk"):
        with django_capture_on_commit_callbacks(execute=False):
            render_job_run(job_id=str(job.pk), worker="w")
    first, newest, _unthumbed = Render.objects.order_by("created_at", "pk")
    for render in (first, newest):
        render_thumbnail_make(render_id=render.pk)
    assert cover_ids() == [newest.pk]  # the newest with a thumbnail to show
    render_shortlist(actor=studio.director, render=first, shortlisted=True)
    assert cover_ids() == [first.pk]  # the director's pick comes first
    dashboard = director.get(reverse("dashboard")).content.decode()
    assert f'<img class="cover matte" src="{reverse("render-thumb", args=[first.pk])}"' in dashboard

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert director.get(reverse("campaign-list")).status_code == 200
        return len(captured)

    one = queries()
    for n in range(3):
        Campaign.objects.create(
            **{
                f.name: getattr(studio.campaign, f.name)
                for f in Campaign._meta.concrete_fields
                if f.name not in ("id", "name")
            },
            name=f"Copy {n}",
        )
    assert queries() == one
    queued(studio, django_capture_on_commit_callbacks, formats=("16:9",))  # one to render
    counts = director.get(reverse("campaign-list")).context["page"]
    assert sorted((c.name, c.shot_count, c.active_jobs) for c in counts) == [
        ("Copy 0", 0, 0),
        ("Copy 1", 0, 0),
        ("Copy 2", 0, 0),
        ("Spring", 4, 1),
    ]
    # Another brand sees neither the campaign nor its cover's file.
    rival = login(studio.world.user("brand-b", Role.CREATIVE_DIRECTOR))
    assert "/media/renders/" not in rival.get(reverse("campaign-list")).content.decode()
    assert rival.get(reverse("render-thumb", args=[first.pk])).status_code == 404


def test_the_dashboard_shows_our_running_renders_and_campaigns_only(
    director, studio, login, django_capture_on_commit_callbacks
):
    queued(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5", "9:16"))
    running = RenderJob.objects.order_by("pk").first()
    RenderJob.objects.filter(pk=running.pk).update(
        state=JobState.RUNNING, progress_step=7, progress_total=20, started_at=timezone.now()
    )
    page = director.get(reverse("dashboard")).content.decode()
    assert f'<a href="{reverse("shot-detail", args=[running.shot_id])}">Look A × ' in page
    assert "2 queued" in page and "Nothing is rendering" not in page
    assert "All campaigns (1)" in page and "3 shots, 3 rendering" in page
    rival = login(studio.world.user("brand-b", Role.CREATIVE_DIRECTOR))
    theirs = rival.get(reverse("dashboard")).content.decode()
    assert "Nothing is rendering" in theirs and "Look A" not in theirs and "Spring" not in theirs


def test_the_shortlist_button_changes_its_card_in_place(
    director, studio, login, django_capture_on_commit_callbacks
):
    queued(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5"))
    for job in RenderJob.objects.all():
        render_job_run(job_id=str(job.pk), worker="w")
    render = Render.objects.order_by("pk").first()
    url = reverse("render-shortlist", args=[render.pk])
    swapped = director.post(url, {"shortlisted": "1", "query": "look=1"}, HTTP_HX_REQUEST="true")
    html = swapped.content.decode()
    assert swapped.status_code == 200 and html.count('class="card image-card shot"') == 1
    assert f'id="shot-{render.job.shot_id}"' in html and ">Unshortlist</button>" in html
    assert '<span id="shortlist-count" hx-swap-oob="true">(1)</span>' in html
    assert (
        '<div id="messages" role="status" hx-swap-oob="innerHTML">' in html
        and "Shortlisted." in html
    )
    assert "?look=1" in html  # the card's links keep the board's filters
    render.refresh_from_db()
    assert render.shortlisted_at is not None
    board = director.get(reverse("campaign-board", args=[studio.campaign.pk])).content.decode()
    assert "Shortlisted." not in board  # said in place, not again on the next page
    # Refused: the reason in place, no card, nothing changed.
    stylist = login(studio.world.user("brand-a", Role.STYLIST))
    refused = stylist.post(url, {"shortlisted": "0"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Your role does not allow this" in refused and "image-card" not in refused
    render.refresh_from_db()
    assert render.shortlisted_at is not None
    rival = login(studio.world.user("brand-b", Role.CREATIVE_DIRECTOR))
    assert rival.post(url, {"shortlisted": "0"}, HTTP_HX_REQUEST="true").status_code == 404


def test_card_actions_posted_by_htmx_have_the_cards_reload_in_place(
    director, studio, django_capture_on_commit_callbacks
):
    queued(studio, django_capture_on_commit_callbacks)
    job = RenderJob.objects.get()
    render_job_run(job_id=str(job.pk), worker="w")
    cards = reverse("campaign-cards", args=[studio.campaign.pk])
    idle = director.get(cards).content.decode()
    assert 'hx-trigger="board-changed from:body"' in idle and "data-live" not in idle
    with django_capture_on_commit_callbacks(execute=False):
        answer = director.post(reverse("job-rerender", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and answer["HX-Trigger"] == "board-changed"
    said = answer.content.decode()
    assert '<div id="messages" role="status" hx-swap-oob="innerHTML">' in said
    assert "A new render with a new seed is queued." in said
    assert RenderJob.objects.filter(state=JobState.QUEUED).count() == 1
    live = director.get(cards).content.decode()
    assert 'hx-trigger="every 2s, board-changed from:body"' in live and "data-live" in live
    board = reverse("campaign-board", args=[studio.campaign.pk])
    assert "A new render with a new seed is queued." not in director.get(board).content.decode()
    # Refused (a finished job cannot be cancelled): the reason in place, the cards left be.
    refused = director.post(reverse("job-cancel", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert refused.status_code == 200 and "HX-Trigger" not in refused
    assert "This job is succeeded already." in refused.content.decode()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED


def test_campaign_wide_actions_posted_by_htmx_answer_in_place(
    director, studio, django_capture_on_commit_callbacks
):
    queued(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5"))
    failed = RenderJob.objects.order_by("pk").first()
    RenderJob.objects.filter(pk=failed.pk).update(state=JobState.FAILED, error="out of memory")
    with django_capture_on_commit_callbacks(execute=False):
        retried = director.post(
            reverse("campaign-retry-failed", args=[studio.campaign.pk]), HTTP_HX_REQUEST="true"
        )
    assert retried.status_code == 200 and retried["HX-Trigger"] == "board-changed"
    assert "1 failed render queued again, each with its seed." in retried.content.decode()
    cancel = reverse("campaign-cancel", args=[studio.campaign.pk])
    cancelled = director.post(cancel, HTTP_HX_REQUEST="true")
    assert cancelled.status_code == 200 and cancelled["HX-Trigger"] == "board-changed"
    assert "2 queued renders of the campaign cancelled." in cancelled.content.decode()
    assert set(RenderJob.objects.values_list("state", flat=True)) == {
        JobState.FAILED,
        JobState.CANCELLED,
    }
    # A status change too; the poll's answer brings the new badge and the next statuses.
    status = reverse("campaign-status", args=[studio.campaign.pk])
    changed = director.post(status, {"status": "archived"}, HTTP_HX_REQUEST="true")
    assert changed.status_code == 200 and changed["HX-Trigger"] == "board-changed"
    assert "The campaign is archived; its queued renders are cancelled" in changed.content.decode()
    cards = director.get(reverse("campaign-cards", args=[studio.campaign.pk])).content.decode()
    assert '<span id="board-status" hx-swap-oob="true">' in cards and "Archived" in cards
    assert ">Mark draft</button>" in cards and ">Mark archived</button>" not in cards
    refused = director.post(status, {"status": "done"}, HTTP_HX_REQUEST="true")
    assert "cannot become done" in refused.content.decode()  # the reason, where one looks
    # Without htmx, the same forms post and come back to the board.
    again = director.post(cancel)
    assert again.status_code == 302 and again.url == reverse(
        "campaign-board", args=[studio.campaign.pk]
    )


def test_a_board_shows_its_own_campaigns_shots_only(
    director, studio, django_capture_on_commit_callbacks
):
    from campaigns.services import scene_add
    from tests.campaigns.conftest import another_campaign

    queued(studio, django_capture_on_commit_callbacks, formats=("1:1", "4:5"))
    other = another_campaign(studio, "Autumn")
    scene = scene_add(
        actor=studio.director, campaign=other, name="Sand", kind="colour", value="#d8c8a8"
    )
    with django_capture_on_commit_callbacks(execute=False):
        matrix_queue(actor=studio.director, campaign=other, spec=studio.spec(scenes=(scene.pk,)))
    for campaign, shots in ((studio.campaign, 2), (other, 1)):
        cards = director.get(reverse("campaign-cards", args=[campaign.pk])).content.decode()
        assert cards.count('class="card image-card shot"') == shots
        api = director.get(reverse("api-shot-list", args=[campaign.pk])).json()
        assert api["count"] == shots
        jobs = director.get(reverse("api-job-list"), {"campaign": campaign.pk}).json()
        assert jobs["count"] == shots
    shot = studio.campaign.shots.order_by("pk").first()
    render_job_run(job_id=str(shot.jobs.get().pk), worker="w")
    for query, count in (
        ({"shot": shot.pk}, 1),
        ({"state": "queued"}, 2),
        ({"state": "succeeded"}, 1),
    ):
        assert director.get(reverse("api-job-list"), query).json()["count"] == count, query
