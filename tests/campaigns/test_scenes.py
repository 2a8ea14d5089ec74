"""Adding a scene to a campaign: each kind checked, whatever the way in. Changing one in place,
its kind kept, the renders made before saying they show it as it was. Taking a scene out: only
while no shot of the matrix uses it, by page and by API, never for another brand or a role that
may not change campaigns; and not in the middle of a matrix being queued with it."""

import io
import threading

import pytest
from django.db import connection, transaction
from django.test.client import encode_multipart
from django.urls import reverse

from campaigns.demo import draw_cutout
from campaigns.models import RenderJob, Scene, Shot
from campaigns.services import (
    matrix_queue,
    render_job_run,
    render_jobs_changed_again,
    scene_add,
    scene_remove,
    scene_update,
)
from studio.enums import Role
from studio.errors import NotFound, StudioError
from studio.models import AuditEvent
from tests.campaigns.conftest import another_campaign
from tests.races import started, waiting
from tests.worker import broker_empty

pytestmark = pytest.mark.django_db


@pytest.fixture
def spare(studio, django_capture_on_commit_callbacks):
    """A scene no shot uses, beside the studio's scene, which the queued matrix uses."""
    scene = scene_add(
        actor=studio.director, campaign=studio.campaign, name="Sand", kind="colour", value="#d8c8a8"
    )
    with django_capture_on_commit_callbacks(execute=False):
        matrix_queue(actor=studio.director, campaign=studio.campaign, spec=studio.spec())
    return scene


def test_a_director_removes_an_unused_scene_but_not_one_in_the_matrix(studio, login, spare):
    director = login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))
    board = reverse("campaign-board", args=[studio.campaign.pk])
    used = reverse("scene-remove", args=[studio.campaign.pk, studio.scene.pk])
    page = director.get(board).content.decode()
    # Only the unused scene offers to go; the other says where it is used.
    assert reverse("scene-remove", args=[studio.campaign.pk, spare.pk]) in page
    assert used not in page and "<small>· in 1 shot</small>" in page

    # Posted all the same (from a page open since before): refused, and said why.
    page = director.post(used, follow=True).content.decode()
    assert "The scene Stone stays: it is in 1 shot of the matrix." in page
    assert Scene.objects.filter(pk=studio.scene.pk).exists()

    page = director.post(
        reverse("scene-remove", args=[studio.campaign.pk, spare.pk]), follow=True
    ).content.decode()
    assert "The scene is removed." in page and "Sand" not in page
    assert not Scene.objects.filter(pk=spare.pk).exists()
    event = AuditEvent.objects.get(verb="scene.removed")
    assert event.payload == {"campaign": studio.campaign.pk, "name": "Sand", "kind": "colour"}
    assert event.actor == studio.director.user


def test_the_api_removes_a_scene_and_says_why_it_cannot(studio, client, spare):
    client.force_login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))

    def delete(scene_id: int) -> object:
        return client.delete(reverse("api-scene-detail", args=[studio.campaign.pk, scene_id]))

    response = delete(studio.scene.pk)
    assert response.json()["detail"] == "The scene Stone stays: it is in 1 shot of the matrix."
    assert response.status_code == 409
    assert delete(spare.pk).status_code == 204
    assert delete(spare.pk).status_code == 404  # gone already
    listed = client.get(reverse("api-scene-list", args=[studio.campaign.pk])).json()
    assert [(scene["name"], scene["shot_count"]) for scene in listed] == [("Stone", 1)]


def test_other_roles_and_brands_cannot_remove_a_scene(studio, login, spare):
    page = reverse("scene-remove", args=[studio.campaign.pk, spare.pk])
    api = reverse("api-scene-detail", args=[studio.campaign.pk, spare.pk])
    for brand, role, expected in (
        ("brand-a", Role.STYLIST, (404, 403)),
        ("brand-b", Role.CREATIVE_DIRECTOR, (404, 404)),
        ("brand-b", Role.BRAND_ADMIN, (404, 404)),
    ):
        client = login(studio.world.user(brand, role))
        assert (client.post(page).status_code, client.delete(api).status_code) == expected
    with pytest.raises(StudioError):  # the service itself, whoever calls it
        scene_remove(actor=studio.director_b, campaign=studio.campaign, scene_id=spare.pk)
    assert Scene.objects.filter(pk=spare.pk).exists()
    assert not AuditEvent.objects.filter(verb="scene.removed").exists()


@pytest.mark.django_db(transaction=True)
def test_a_scene_removed_while_a_matrix_is_queued_with_it_is_one_or_the_other(studio):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    barrier, outcomes = threading.Barrier(2), {}

    def run(name: str, work) -> None:
        barrier.wait()
        try:
            work()
            outcomes[name] = "done"
        except StudioError as exc:
            outcomes[name] = exc.message
        finally:
            connection.close()

    def queue() -> None:
        matrix_queue(actor=studio.director, campaign=studio.campaign, spec=studio.spec())

    def remove() -> None:
        scene_remove(actor=studio.director, campaign=studio.campaign, scene_id=studio.scene.pk)

    threads = [
        threading.Thread(target=run, args=("queue", queue)),
        threading.Thread(target=run, args=("remove", remove)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if outcomes["queue"] == "done":  # the matrix came first: the scene stays
        assert outcomes["remove"] == "The scene Stone stays: it is in 1 shot of the matrix."
        assert Shot.objects.get().scene_id == studio.scene.pk and RenderJob.objects.count() == 1
    else:  # the removal came first: nothing is queued
        assert outcomes == {
            "remove": "done",
            "queue": f"No such scene in this campaign: {studio.scene.pk}.",
        }
        assert not Shot.objects.exists() and not Scene.objects.filter(pk=studio.scene.pk).exists()
    broker_empty("gpu")  # no worker is to take these messages later


def test_scenes_are_added_and_removed_in_place_on_the_board(studio, login):
    """Posted by htmx, adding or removing a scene answers with the scenes alone; a refused scene
    keeps what was typed in the form and says why, and changes nothing."""
    director = login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))
    add = reverse("scene-add", args=[studio.campaign.pk])
    answer = director.post(
        add, {"name": "Sand", "kind": "colour", "value": "#d8c8a8"}, HTTP_HX_REQUEST="true"
    )
    page = answer.content.decode()
    assert answer.status_code == 200 and page.lstrip().startswith('<details id="scenes" open>')
    assert "<summary>Scenes (2)</summary>" in page and "Sand · Colour" in page
    assert 'hx-swap-oob="innerHTML"' in page and "The scene Sand is added." in page
    assert 'value="Sand"' not in page[page.index(f'action="{add}"') :]  # empty for the next one
    sand = Scene.objects.get(name="Sand")

    refused = director.post(
        add, {"name": "Dusk", "kind": "colour", "value": "dusky"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'value="Dusk"' in refused and 'value="dusky"' in refused  # kept, to correct
    assert "A colour scene needs a colour like #e8e4dc." in refused
    assert "<summary>Scenes (2)</summary>" in refused and "Dusk" not in refused.split("<form")[0]
    assert not Scene.objects.filter(name="Dusk").exists()
    blank = director.post(add, {"name": "", "kind": "colour"}, HTTP_HX_REQUEST="true")
    assert "This field is required." in blank.content.decode()
    assert Scene.objects.filter(campaign=studio.campaign).count() == 2

    gone = director.post(
        reverse("scene-remove", args=[studio.campaign.pk, sand.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<summary>Scenes (1)</summary>" in gone and "Sand" not in gone.split("<form")[0]
    assert "The scene is removed." in gone and not Scene.objects.filter(pk=sand.pk).exists()
    # Another brand's director gets nothing of this campaign, in place or not.
    other = login(studio.world.user("brand-b", Role.CREATIVE_DIRECTOR))
    posted = other.post(
        add, {"name": "Mine", "kind": "colour", "value": "#000000"}, HTTP_HX_REQUEST="true"
    )
    assert posted.status_code == 404 and not Scene.objects.filter(name="Mine").exists()


@pytest.mark.parametrize(
    ("kind", "name", "value", "image", "reason"),
    [
        ("colour", " ", "#ffffff", False, "A scene needs a name of at most 120 characters."),
        ("colour", "x" * 121, "#ffffff", False, "A scene needs a name of at most 120 characters."),
        ("colour", "Red", "red", False, "A colour scene needs a colour like #e8e4dc."),
        ("prompt", "Dusk", "ab", False, "A prompt scene needs a prompt of 3 to 500 characters."),
        ("prompt", "Dusk", "a" * 501, False, "A prompt scene needs a prompt of 3 to 500"),
        ("image", "Beach", "", False, "An image scene needs an image, and only an image scene"),
        ("colour", "Red", "#ff0000", True, "An image scene needs an image, and only an image"),
        ("mural", "Wall", "", False, "A scene is one of colour, image, prompt."),
    ],
)
def test_a_bad_scene_is_refused_by_the_service_and_adds_nothing(
    studio, kind, name, value, image, reason
):
    """The page and the API check most of these first; the service holds them for every way in."""
    upload = io.BytesIO(draw_cutout("top", (10, 10, 10))) if image else None
    with pytest.raises(StudioError) as refused:
        scene_add(
            actor=studio.director,
            campaign=studio.campaign,
            name=name,
            kind=kind,
            value=value,
            image=upload,
        )
    assert refused.value.message.startswith(reason)
    assert list(Scene.objects.all()) == [studio.scene]


def test_a_prompt_scene_of_three_to_five_hundred_characters_is_added(studio):
    for prompt in ("sea", "a" * 500):
        scene = scene_add(
            actor=studio.director, campaign=studio.campaign, name="P", kind="prompt", value=prompt
        )
        assert scene.value == prompt


def test_another_brand_adds_no_scene_to_our_campaign(studio):
    with pytest.raises(StudioError, match="No such campaign"):
        scene_add(
            actor=studio.director_b,
            campaign=studio.campaign,
            name="Theirs",
            kind="colour",
            value="#000000",
        )
    assert list(Scene.objects.all()) == [studio.scene]


# --- Changing a scene ----------------------------------------------------------------------------
def test_a_scene_in_the_matrix_is_changed_in_place_and_its_renders_say_they_show_it_as_it_was(
    studio, login, django_capture_on_commit_callbacks
):
    """A renamed scene keeps its renders current (a name is not drawn); a recoloured one makes
    them renders of the scene as it was, which the board says, and which render again with their
    seeds in one action."""
    with django_capture_on_commit_callbacks(execute=False):
        matrix_queue(actor=studio.director, campaign=studio.campaign, spec=studio.spec())
    render_job_run(job_id=str(RenderJob.objects.get().pk), worker="w")
    director = login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))
    edit = reverse("scene-edit", args=[studio.campaign.pk, studio.scene.pk])
    board = reverse("campaign-board", args=[studio.campaign.pk])
    note = "The look or scene changed after this render."
    assert edit in director.get(board).content.decode()  # offered, though the matrix uses it

    renamed = director.post(
        edit, {"name": "Warm stone", "value": "#e8e4dc"}, HTTP_HX_REQUEST="true"
    )
    page = renamed.content.decode()
    assert renamed.status_code == 200 and renamed["HX-Trigger"] == "board-changed"
    assert "The scene Warm stone is saved." in page and "Warm stone · Colour" in page
    assert note not in director.get(board).content.decode()
    event = AuditEvent.objects.get(verb="scene.changed")
    assert event.payload == {"campaign": studio.campaign.pk, "name": ["Stone", "Warm stone"]}
    assert event.actor == studio.director.user

    director.post(edit, {"name": "Warm stone", "value": "#f0d8c0"}, HTTP_HX_REQUEST="true")
    studio.scene.refresh_from_db()
    assert (studio.scene.name, studio.scene.value) == ("Warm stone", "#f0d8c0")
    assert note in director.get(board).content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        again = render_jobs_changed_again(actor=studio.director, campaign=studio.campaign)
    assert again.jobs == 1
    # Saved again unchanged: nothing to record.
    director.post(edit, {"name": "Warm stone", "value": "#f0d8c0"})
    assert AuditEvent.objects.filter(verb="scene.changed").count() == 2


@pytest.mark.parametrize(
    ("kind", "change", "reason"),
    [
        ("colour", {"value": "dusky"}, "A colour scene needs a colour like #e8e4dc."),
        ("colour", {"name": " "}, "A scene needs a name of at most 120 characters."),
        ("prompt", {"value": "ab"}, "A prompt scene needs a prompt of 3 to 500 characters."),
        ("colour", {"image": True}, "Only an image scene has an image."),
        ("image", {"value": "#ffffff"}, "An image scene changes by its image, not by a value."),
        ("image", {"image": b"not a picture"}, ""),
    ],
)
def test_a_bad_change_to_a_scene_is_refused_and_changes_nothing(studio, kind, change, reason):
    picture = io.BytesIO(draw_cutout("top", (10, 10, 10)))
    scene = scene_add(
        actor=studio.director,
        campaign=studio.campaign,
        name="Before",
        kind=kind,
        value={"colour": "#101010", "prompt": "a quiet beach"}.get(kind, ""),
        image=picture if kind == "image" else None,
    )
    before = Scene.objects.values().get(pk=scene.pk)
    image = change.get("image")
    if image is not None:
        change["image"] = io.BytesIO(
            image if isinstance(image, bytes) else draw_cutout("top", (9, 9, 9))
        )
    with pytest.raises(StudioError) as refused:
        scene_update(actor=studio.director, campaign=studio.campaign, scene_id=scene.pk, **change)
    assert refused.value.message.startswith(reason)
    assert Scene.objects.values().get(pk=scene.pk) == before
    assert not AuditEvent.objects.filter(verb="scene.changed").exists()


def test_an_image_scene_takes_another_image_by_page_and_by_api(studio, login):
    first = io.BytesIO(draw_cutout("top", (200, 10, 10)))
    scene = scene_add(
        actor=studio.director, campaign=studio.campaign, name="Wall", kind="image", image=first
    )
    old = scene.image.name
    director = login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))
    second = io.BytesIO(draw_cutout("top", (10, 200, 10)))
    second.name = "green.png"
    edit = reverse("scene-edit", args=[studio.campaign.pk, scene.pk])
    page = director.post(edit, {"name": "Green wall", "image": second}, follow=True)
    assert "The scene Green wall is saved." in page.content.decode()
    scene.refresh_from_db()
    assert scene.name == "Green wall" and scene.image.name not in ("", old)
    # Renamed only: the image stays.
    api = reverse("api-scene-detail", args=[studio.campaign.pk, scene.pk])
    answer = director.patch(api, {"name": "Wall"}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["name"] == "Wall" and answer.json()["image_url"]
    assert Scene.objects.get(pk=scene.pk).image.name == scene.image.name
    third = io.BytesIO(draw_cutout("top", (10, 10, 200)))
    third.name = "blue.png"
    body = encode_multipart("BoUnDaRy", {"image": third})
    answer = director.patch(api, body, content_type="multipart/form-data; boundary=BoUnDaRy")
    assert answer.status_code == 200, answer.content
    assert Scene.objects.get(pk=scene.pk).image.name != scene.image.name


def test_the_api_changes_a_scene_and_says_why_it_cannot(studio, client):
    client.force_login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))
    api = reverse("api-scene-detail", args=[studio.campaign.pk, studio.scene.pk])
    answer = client.patch(api, {"value": "#123456"}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["value"] == "#123456", answer.content
    assert answer.json()["name"] == "Stone"  # not given: kept
    refused = client.patch(api, {"value": "blue"}, content_type="application/json")
    assert refused.status_code == 400
    assert "A colour scene needs a colour like #e8e4dc." in str(refused.json())
    assert Scene.objects.get(pk=studio.scene.pk).value == "#123456"


def test_other_roles_and_brands_cannot_change_a_scene(studio, login):
    page = reverse("scene-edit", args=[studio.campaign.pk, studio.scene.pk])
    api = reverse("api-scene-detail", args=[studio.campaign.pk, studio.scene.pk])
    change = {"name": "Theirs", "value": "#000000"}
    for brand, role, expected in (
        ("brand-a", Role.STYLIST, (404, 403)),
        ("brand-b", Role.CREATIVE_DIRECTOR, (404, 404)),
    ):
        client = login(studio.world.user(brand, role))
        answers = (
            client.post(page, change),
            client.patch(api, change, content_type="application/json"),
        )
        assert tuple(answer.status_code for answer in answers) == expected
    with pytest.raises(StudioError, match="No such campaign"):
        scene_update(
            actor=studio.director_b, campaign=studio.campaign, scene_id=studio.scene.pk, name="X"
        )
    assert Scene.objects.get(pk=studio.scene.pk).name == "Stone"
    assert not AuditEvent.objects.filter(verb="scene.changed").exists()


@pytest.mark.django_db(transaction=True)
def test_a_scene_removed_while_it_is_being_changed_is_not_found(studio):
    """The change waits for the removal holding the scene, then finds it gone: said as for any
    scene that is not there, not a server error."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")

    def change() -> None:
        scene_update(
            actor=studio.director, campaign=studio.campaign, scene_id=studio.scene.pk, name="Dusk"
        )

    with transaction.atomic():
        Scene.objects.select_for_update().get(pk=studio.scene.pk)  # as a removal holds it
        threads, outcomes = started(change)
        waiting(1, *threads)
        Scene.objects.filter(pk=studio.scene.pk).delete()
    threads[0].join(10)
    assert outcomes == ["No such scene."]
    assert not AuditEvent.objects.filter(verb="scene.changed").exists()


def test_a_change_keeps_to_the_edges_and_trims_what_is_typed(studio):
    changed = scene_update(
        actor=studio.director,
        campaign=studio.campaign,
        scene_id=studio.scene.pk,
        name="n" * 120,  # the longest name
        value="  #F0D8C0 ",
    )
    assert (changed.name, changed.value) == ("n" * 120, "#F0D8C0")
    assert Scene.objects.get(pk=studio.scene.pk).value == "#F0D8C0"


def test_a_scene_of_another_campaign_is_not_changed_through_this_one(studio, client):
    winter = another_campaign(studio, "Winter")
    with pytest.raises(NotFound, match="No such scene"):
        scene_update(actor=studio.director, campaign=winter, scene_id=studio.scene.pk, name="X")
    client.force_login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))
    api = reverse("api-scene-detail", args=[winter.pk, studio.scene.pk])
    assert client.patch(api, {"name": "X"}, content_type="application/json").status_code == 404
    assert Scene.objects.get(pk=studio.scene.pk).name == "Stone"
