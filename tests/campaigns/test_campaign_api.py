"""The production API: campaigns, scenes, plan, queue a batch, shots, jobs, renders, the farm;
bad input is a 400 that changes nothing; another brand gets 404 for everything of ours."""

import threading
from datetime import date

import pytest
from django.db import connection, transaction
from django.urls import reverse

from campaigns.enums import GPU_BUDGET_MAX_SECONDS, JobState
from campaigns.models import Campaign, Render, RenderJob, Scene
from campaigns.services import (
    CampaignInput,
    campaign_create,
    campaign_status_set,
    campaign_update,
    render_job_run,
)
from studio.enums import Role
from studio.errors import Conflict, StudioError
from studio.models import AuditEvent
from tests.campaigns.conftest import make_studio
from tests.factories import GarmentFactory


@pytest.fixture
def api(studio, client):
    client.force_login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))
    return client


def matrix(studio, **changes):
    return {
        "looks": [studio.look.pk],
        "twins": [studio.world.twin_a.pk, studio.world.twin_b.pk],
        "poses": ["standing-front"],
        "scenes": [studio.scene.pk],
        "formats": ["1:1", "4:5"],
        "variants": 2,
        "priority": "rush",
        **changes,
    }


def test_a_campaign_from_brief_to_renders(api, studio, django_capture_on_commit_callbacks):
    created = api.post(
        reverse("api-campaign-list"),
        {
            "name": "Resort",
            "starts_on": "2026-12-01",
            "ends_on": "2027-01-31",
            "markets": ["de"],
            "channels": ["instagram"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    campaign = Campaign.objects.get(pk=created.json()["id"])
    assert campaign.markets == ["DE"] and campaign.backend == "preview"
    scene = api.post(
        reverse("api-scene-list", args=[campaign.pk]),
        {"name": "Dune", "kind": "colour", "value": "#d8c8a8"},
        content_type="application/json",
    )
    assert scene.status_code == 201
    spec = matrix(studio, scenes=[scene.json()["id"]])
    plan = api.post(
        reverse("api-matrix-plan", args=[campaign.pk]), spec, content_type="application/json"
    )
    body = plan.json()
    assert plan.status_code == 200 and body["renders"] == 4 and body["over_budget"] is False
    assert body["warnings"] == []  # the license outlasts the campaign
    (forbidden,) = body["forbidden"]
    assert (
        forbidden["twin"] == studio.world.twin_b.pk
        and "no active license" in forbidden["reasons"][0]
    )
    with django_capture_on_commit_callbacks(execute=False):
        queued = api.post(
            reverse("api-matrix-queue", args=[campaign.pk]), spec, content_type="application/json"
        )
    assert queued.status_code == 201 and queued.json()["jobs"] == 4
    batch = queued.json()["batch"]
    jobs = api.get(reverse("api-job-list"), {"batch": batch}).json()
    assert jobs["count"] == 4 and {j["priority"] for j in jobs["results"]} == {"rush"}
    job_id = jobs["results"][0]["id"]
    render_job_run(job_id=job_id, worker="w")
    shots = api.get(reverse("api-shot-list", args=[campaign.pk]), {"state": "succeeded"}).json()
    assert shots["count"] == 1 and shots["results"][0]["latest_job"]["render"]["width"] in (1024,)
    render_id = shots["results"][0]["latest_job"]["render"]["id"]
    assert api.put(reverse("api-render-shortlist", args=[render_id])).json()["shortlisted"] is True
    assert api.get(reverse("api-render-list"), {"shortlisted": "1"}).json()["count"] == 1
    # The campaign says what its board shows: GPU time spent and held, failed and picked shots.
    detail = api.get(reverse("api-campaign-detail", args=[campaign.pk])).json()
    spent = RenderJob.objects.get(pk=job_id).gpu_seconds
    assert detail["name"] == campaign.name and detail["shots"] == {"failed": 0, "shortlisted": 1}
    assert (
        detail["gpu"]["spent"] == spent and detail["gpu"]["budget"] == campaign.gpu_budget_seconds
    )
    assert detail["gpu"]["held"] == round(3 * detail["gpu"]["per_render"], 1)  # three to come
    assert (
        api.delete(reverse("api-render-shortlist", args=[render_id])).json()["shortlisted"] is False
    )
    cancelled = api.post(reverse("api-batch-cancel", args=[batch])).json()
    assert cancelled == {"queued": 3, "running": 0}
    retried = api.post(reverse("api-job-retry", args=[jobs["results"][1]["id"]]))
    assert retried.status_code == 201 and retried.json()["state"] == "queued"
    assert api.post(reverse("api-campaign-cancel", args=[campaign.pk])).json() == {
        "queued": 1,
        "running": 0,
    }
    status = api.post(
        reverse("api-campaign-status", args=[campaign.pk]),
        {"status": "done"},
        content_type="application/json",
    )
    assert status.status_code == 409 and "cannot become done" in str(status.json())


def test_bad_input_is_a_400_and_changes_nothing(api, studio):
    url = reverse("api-matrix-queue", args=[studio.campaign.pk])
    bad: dict[str, object]
    for bad in (
        {"poses": ["moonwalk"]},
        {"formats": ["3:2"]},
        {"variants": 0},
        {"looks": []},
        {"priority": "urgent"},
        {"scenes": [studio.scene.pk + 999]},
    ):
        response = api.post(url, matrix(studio, **bad), content_type="application/json")
        assert response.status_code == 400, (bad, response.content)
    bad_campaign = api.post(
        reverse("api-campaign-list"),
        {
            "name": "X",
            "starts_on": "2027-01-01",
            "ends_on": "2026-01-01",
            "markets": ["DE"],
            "channels": ["web"],
        },
        content_type="application/json",
    )
    assert bad_campaign.status_code == 400
    bad_scene = api.post(
        reverse("api-scene-list", args=[studio.campaign.pk]),
        {"name": "Red", "kind": "colour", "value": "red"},
        content_type="application/json",
    )
    assert bad_scene.status_code == 400
    assert (
        not RenderJob.objects.exists()
        and Campaign.objects.count() == 1
        and Scene.objects.count() == 1
    )


GOOD = {
    "name": "Resort",
    "starts_on": date(2026, 12, 1),
    "ends_on": date(2027, 1, 31),
    "markets": ["DE"],
    "channels": ["instagram"],
}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"name": "  "}, "A campaign needs a name of at most 200 characters."),
        ({"name": "x" * 201}, "A campaign needs a name of at most 200 characters."),
        ({"ends_on": date(2026, 11, 30)}, "The campaign ends before it starts."),
        ({"markets": ["DE", "XX"]}, "Not a country code: XX."),
        ({"channels": []}, "Channels are at least one of "),
        ({"channels": ["instagram", "myspace"]}, "Channels are at least one of "),
        ({"content_tags": ["fur", "fun"]}, "Content tags are among "),
        ({"backend": "nope"}, "Unknown render backend 'nope'."),
        ({"gpu_budget_seconds": -1}, "The GPU budget is 0 to "),
        ({"gpu_budget_seconds": GPU_BUDGET_MAX_SECONDS + 1}, "The GPU budget is 0 to "),
    ],
)
def test_the_service_refuses_bad_campaign_details_whatever_the_way_in(studio, changes, reason):
    """The page and the API check most of these first; the service holds them for every other
    way in (the demo, the benchmark, a script), on create and on update alike."""
    before = list(Campaign.objects.values())
    data = CampaignInput(**{**GOOD, **changes})
    with pytest.raises(StudioError) as created:
        campaign_create(actor=studio.director, data=data)
    with pytest.raises(StudioError) as updated:
        campaign_update(actor=studio.director, campaign=studio.campaign, data=data)
    assert created.value.message.startswith(reason) and updated.value.message.startswith(reason)
    assert list(Campaign.objects.values()) == before


def test_a_campaign_being_changed_holds_up_nothing_else_of_the_brand(transactional_db, world):
    """Its lock is on the campaign's row only, not on the brand's that every write of the brand
    refers to (a new garment, look or audit event would wait on it)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    studio = make_studio(world)
    done = threading.Event()

    def add_garment() -> None:
        try:
            GarmentFactory(brand=studio.world.brand_a, name="Added meanwhile")
            done.set()
        finally:
            connection.close()

    with transaction.atomic():
        campaign_status_set(actor=studio.director, campaign=studio.campaign, status="archived")
        thread = threading.Thread(target=add_garment)
        thread.start()
        assert done.wait(5), "a new garment waited for the campaign's transaction"
    thread.join()


def test_the_service_keeps_good_details_as_given_and_tidied(studio):
    campaign = campaign_create(
        actor=studio.director,
        data=CampaignInput(
            **{
                **GOOD,
                "name": "  Resort  ",
                "markets": ["fr", "de", "DE"],
                "channels": ["web", "instagram", "web"],
                "content_tags": ["fur", "alcohol"],
                "gpu_budget_seconds": GPU_BUDGET_MAX_SECONDS,
                "backend": "preview",
            }
        ),
    )
    campaign.refresh_from_db()
    assert (campaign.name, campaign.markets, campaign.channels, campaign.content_tags) == (
        "Resort",
        ["DE", "FR"],
        ["instagram", "web"],
        ["alcohol", "fur"],
    )
    assert (campaign.gpu_budget_seconds, campaign.backend) == (GPU_BUDGET_MAX_SECONDS, "preview")
    event = AuditEvent.objects.get(verb="campaign.created", object_id=str(campaign.pk))
    assert (event.actor, event.brand) == (studio.director.user, studio.world.brand_a)


def test_the_longest_name_a_one_day_campaign_and_no_budget_are_good(studio):
    """The limits are inclusive: a 200-character name, a campaign that ends the day it starts
    (a one-day shoot), no GPU budget (nothing renders until it is given one)."""
    name, day = "x" * 200, GOOD["starts_on"]
    data = CampaignInput(**{**GOOD, "name": name, "ends_on": day, "gpu_budget_seconds": 0})
    created = campaign_create(actor=studio.director, data=data)
    updated = campaign_update(actor=studio.director, campaign=studio.campaign, data=data)
    for campaign in (created, updated):
        campaign.refresh_from_db()
        assert (campaign.name, campaign.ends_on, campaign.gpu_budget_seconds) == (name, day, 0)
    event = AuditEvent.objects.get(verb="campaign.updated")
    assert (event.object_id, event.brand, event.actor) == (
        str(studio.campaign.pk),
        studio.world.brand_a,
        studio.director.user,
    )


def test_the_service_refuses_an_unknown_status(studio):
    with pytest.raises(StudioError) as refused:
        campaign_status_set(actor=studio.director, campaign=studio.campaign, status="paused")
    assert refused.value.message.startswith("A campaign's status is one of draft, ")
    studio.campaign.refresh_from_db()
    assert studio.campaign.status == "draft"


def test_an_edit_or_a_status_change_starts_from_the_campaign_as_it_is_now(studio):
    """A page read the campaign; a colleague archived it since. Editing its brief leaves it
    archived (the edit saves the whole row: from a stale copy it would bring the campaign back
    to production), and moving it on is judged from archived, not from what the page saw."""
    seen = Campaign.objects.get(pk=studio.campaign.pk)
    campaign_status_set(actor=studio.director, campaign=studio.campaign, status="in_production")
    stale = Campaign.objects.get(pk=studio.campaign.pk)
    campaign_status_set(actor=studio.director, campaign=seen, status="archived")
    edited = campaign_update(
        actor=studio.director, campaign=stale, data=CampaignInput(**{**GOOD, "brief": "Rain."})
    )
    assert (edited.status, edited.brief) == ("archived", "Rain.")
    with pytest.raises(Conflict, match="archived cannot become in review"):
        campaign_status_set(actor=studio.director, campaign=stale, status="in_review")
    stale.refresh_from_db()
    assert (stale.status, stale.brief) == ("archived", "Rain.")


def test_an_unknown_backend_is_a_400_that_says_so(api, studio):
    response = api.post(
        reverse("api-campaign-list"),
        {**GOOD, "backend": "nope"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Unknown render backend 'nope'." in response.content.decode()
    assert Campaign.objects.count() == 1


def test_a_bad_list_filter_is_a_400_that_names_it(api, studio):
    """A filter the API cannot read is refused, not dropped: before, `?campaign=abc` listed every
    render of the brand and `?batch=abc` listed none, both with a 200."""
    render_job_run(job_id=_queue_one(api, studio), worker="w")
    shots = reverse("api-shot-list", args=[studio.campaign.pk])
    for url, params in (
        (reverse("api-campaign-list"), {"status": "finished"}),
        (shots, {"look": "abc"}),
        (shots, {"twin": "0"}),
        (shots, {"scene": "-3"}),
        (shots, {"pose": "moonwalk"}),
        (shots, {"aspect": "3:2"}),
        (shots, {"state": "done"}),
        (shots, {"shortlisted": "maybe"}),
        (reverse("api-job-list"), {"campaign": "abc"}),
        (reverse("api-job-list"), {"shot": "1.5"}),
        (reverse("api-job-list"), {"state": "lost"}),
        (reverse("api-job-list"), {"batch": "not-a-uuid"}),
        (reverse("api-render-list"), {"campaign": "abc"}),
        (reverse("api-render-list"), {"shortlisted": "maybe"}),
    ):
        response = api.get(url, params)
        (name,) = params
        assert response.status_code == 400, (url, params, response.content)
        assert list(response.json()) == [name], (url, params, response.json())
    refused = api.get(reverse("api-job-list"), {"state": "lost"}).json()
    assert refused == {
        "state": ['"lost" is not one of: queued, running, succeeded, failed, cancelled.']
    }
    # Good filters still filter, and an empty one is no filter.
    job = RenderJob.objects.get()
    assert api.get(shots, {"state": "succeeded", "look": studio.look.pk}).json()["count"] == 1
    assert api.get(shots, {"state": "failed"}).json()["count"] == 0
    assert api.get(shots, {"state": "", "aspect": ""}).json()["count"] == 1
    assert api.get(reverse("api-job-list"), {"batch": str(job.batch)}).json()["count"] == 1
    other = reverse("api-render-list")
    assert api.get(other, {"campaign": studio.campaign.pk + 1}).json()["count"] == 0
    assert api.get(other, {"campaign": studio.campaign.pk}).json()["count"] == 1
    assert api.get(other, {"shortlisted": "true"}).json()["count"] == 0
    studio.campaign.refresh_from_db()  # queueing moved it into production
    listed = api.get(reverse("api-campaign-list"), {"status": studio.campaign.status, "q": " "})
    assert listed.json()["count"] == 1


def _queue_one(api, studio) -> str:
    queued = api.post(
        reverse("api-matrix-queue", args=[studio.campaign.pk]),
        matrix(studio, twins=[studio.world.twin_a.pk], formats=["1:1"], variants=1),
        content_type="application/json",
    )
    assert queued.status_code == 201, queued.content
    return str(RenderJob.objects.get().pk)


def test_another_brand_gets_404_for_everything_of_ours(
    studio, client, django_capture_on_commit_callbacks
):
    client.force_login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))
    with django_capture_on_commit_callbacks(execute=False):
        batch = client.post(
            reverse("api-matrix-queue", args=[studio.campaign.pk]),
            matrix(studio, twins=[studio.world.twin_a.pk], formats=["1:1"], variants=1),
            content_type="application/json",
        ).json()["batch"]
    job = RenderJob.objects.get()
    render_job_run(job_id=str(job.pk), worker="w")
    render = Render.objects.get()
    client.force_login(studio.world.user("brand-b", Role.BRAND_ADMIN))
    pk = studio.campaign.pk
    for url in (
        reverse("api-campaign-detail", args=[pk]),
        reverse("api-scene-list", args=[pk]),
        reverse("api-shot-list", args=[pk]),
        reverse("api-job-detail", args=[job.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("api-matrix-plan", args=[pk]),
        reverse("api-matrix-queue", args=[pk]),
        reverse("api-campaign-cancel", args=[pk]),
        reverse("api-job-cancel", args=[job.pk]),
        reverse("api-job-rerender", args=[job.pk]),
    ):
        assert (
            client.post(url, matrix(studio), content_type="application/json").status_code == 404
        ), url
    assert client.put(reverse("api-render-shortlist", args=[render.pk])).status_code == 404
    assert client.post(reverse("api-batch-cancel", args=[batch])).status_code == 404
    assert client.get(reverse("api-campaign-list")).json()["count"] == 0
    assert client.get(reverse("api-job-list")).json()["count"] == 0
    assert client.get(reverse("api-render-list")).json()["count"] == 0
    assert (
        RenderJob.objects.get().state == JobState.SUCCEEDED
        and Render.objects.get().shortlisted_at is None
    )


def test_roles_without_campaigns_cannot_queue_or_see_the_farm(studio, client):
    client.force_login(studio.world.user("brand-a", Role.SOCIAL_TEAM))
    response = client.post(
        reverse("api-matrix-queue", args=[studio.campaign.pk]),
        matrix(studio),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert client.get(reverse("api-farm")).status_code == 403
    client.force_login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))
    farm = client.get(reverse("api-farm")).json()
    assert farm["queued"] == {"rush": 0, "normal": 0, "background": 0} and "gpu" in farm["depths"]


def test_the_pose_library_with_its_keypoints(api, client):
    poses = api.get(reverse("api-pose-list")).json()
    names = [pose["name"] for pose in poses]
    assert names[:2] == ["standing-front", "hand-on-hip"] and "profile" in names
    front = poses[0]
    assert front["label"] == "Standing, front" and front["angle"] == "front"
    assert len(front["keypoints"]) == 18 and front["keypoints"]["neck"] == [0.5, 0.18]
    # Every name the library gives is one a matrix may ask for (the schema's enum).
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert set(names) == set(schema["components"]["schemas"]["PosesEnum"]["enum"])
    client.logout()
    assert client.get(reverse("api-pose-list")).status_code in (401, 403)
