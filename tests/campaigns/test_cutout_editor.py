"""The cut-out editor: a stylist's strokes over the packshot refine the cut-out (GrabCut held
to them); a whole mask replaces it. Bad input and other brands change nothing."""

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image, ImageDraw

from campaigns.demo import draw_cutout
from campaigns.models import Garment
from campaigns.services import garment_cutout_compute
from studio.enums import Role
from studio.errors import NotFound
from studio.models import AuditEvent
from studio.permissions import actor_for
from tests.hostile import corpus
from tests.races import race

pytestmark = pytest.mark.django_db

TAG = (820, 120, 940, 260)  # a price tag photographed beside the dress
KEEP, REMOVE = (30, 200, 30, 255), (220, 30, 30, 255)


def packshot() -> tuple[bytes, np.ndarray]:
    """A dress on white with a dark price tag beside it, and where the dress truly is."""
    dress = Image.open(io.BytesIO(draw_cutout("dress", (150, 40, 60))))
    shot = Image.new("RGB", (1000, 1200), (246, 246, 244))
    shot.paste(dress, (100, 100), dress)
    ImageDraw.Draw(shot).rectangle(TAG, fill=(40, 40, 40))
    truth = np.zeros((1200, 1000), bool)
    truth[100:1100, 100:900] = np.asarray(dress.getchannel("A")) > 127
    out = io.BytesIO()
    shot.save(out, "JPEG", quality=95)
    return out.getvalue(), truth


def png(image: Image.Image) -> SimpleUploadedFile:
    out = io.BytesIO()
    image.save(out, "PNG")
    return SimpleUploadedFile("strokes.png", out.getvalue())


def scribble(colour: tuple[int, ...], size: tuple[int, int] = (1000, 1200)) -> SimpleUploadedFile:
    """A zig-zag over the tag, as a stylist paints over something, transparent elsewhere."""
    strokes = Image.new("RGBA", size, (0, 0, 0, 0))
    left, top, right, bottom = TAG
    points = [(left + 5, top + 5), (right - 5, top + 40), (left + 5, top + 75)]
    points += [(right - 5, top + 110), (left + 5, bottom - 5)]
    ImageDraw.Draw(strokes).line(points, fill=colour, width=14)
    return png(strokes)


def alpha_of(garment: Garment) -> np.ndarray:
    with garment.cutout.open("rb") as handle:
        return np.asarray(Image.open(io.BytesIO(handle.read())).getchannel("A")) > 127


def tag_kept(alpha: np.ndarray) -> float:
    left, top, right, bottom = TAG
    return float(alpha[top:bottom, left:right].mean())


def iou(alpha: np.ndarray, truth: np.ndarray) -> float:
    return float((alpha & truth).sum() / (alpha | truth).sum())


@pytest.fixture
def dress(world) -> tuple[Garment, np.ndarray]:
    from campaigns.services import garment_create
    from studio.permissions import actor_for

    data, truth = packshot()
    stylist = actor_for(world.user("brand-a", Role.STYLIST), "brand-a")
    garment = garment_create(
        actor=stylist,
        sku="DR-T",
        name="Tagged dress",
        category="dress",
        packshot=io.BytesIO(data),
    )
    return garment, truth


def cutout_api(client, garment, **files):
    return client.post(reverse("api-garment-cutout", args=[garment.pk]), files)


def test_red_strokes_take_away_what_grabcut_kept_and_green_ones_bring_it_back(world, login, dress):
    garment, truth = dress
    computed = alpha_of(garment)
    assert tag_kept(computed) > 0.9  # GrabCut took the tag for garment: the stylist's case
    client = login(world.user("brand-a", Role.STYLIST))

    response = cutout_api(client, garment, strokes=scribble(REMOVE))
    assert response.status_code == 200, response.content
    garment.refresh_from_db()
    refined = alpha_of(garment)
    assert tag_kept(refined) < 0.05  # the strokes and the tag between them
    assert iou(refined, truth) > iou(computed, truth) + 0.02
    assert (refined & truth).sum() > 0.99 * (computed & truth).sum()  # the dress stays whole
    assert not garment.cutout_computed and response.json()["cutout_computed"] is False
    assert response.json()["cutout_url"] == garment.cutout_url

    response = cutout_api(client, garment, strokes=scribble(KEEP))
    assert response.status_code == 200, response.content
    garment.refresh_from_db()
    again = alpha_of(garment)
    strokes = np.asarray(Image.open(scribble(KEEP)).getchannel("A")) > 127
    assert again[strokes].all()  # exactly where painted, at full size
    assert (again & truth).sum() > 0.99 * (computed & truth).sum()  # the dress stays whole
    events = AuditEvent.objects.filter(verb="garment.cutout_refined", object_id=str(garment.pk))
    assert events.count() == 2


def test_strokes_refine_the_cut_out_as_corrected_not_one_computed_afresh(world, login, dress):
    """A stylist gave a mask without the tag, then trims with a stroke elsewhere: GrabCut starts
    from their mask, so the tag it took for garment at first does not come back."""
    garment, truth = dress
    client = login(world.user("brand-a", Role.STYLIST))
    assert cutout_api(client, garment, mask=png(Image.fromarray(truth))).status_code == 200
    garment.refresh_from_db()
    assert tag_kept(alpha_of(garment)) == 0
    corner = Image.new("RGBA", (1000, 1200), (0, 0, 0, 0))
    ImageDraw.Draw(corner).line([(20, 1150), (80, 1150)], fill=REMOVE, width=10)  # backdrop

    assert cutout_api(client, garment, strokes=png(corner)).status_code == 200
    garment.refresh_from_db()
    refined = alpha_of(garment)
    assert tag_kept(refined) < 0.05
    assert iou(refined, truth) > 0.97


def test_the_page_refines_and_its_cutout_address_names_the_new_file(world, login, dress):
    garment, _truth = dress
    client = login(world.user("brand-a", Role.STYLIST))
    before = garment.cutout_url
    page = client.get(reverse("garment-detail", args=[garment.pk])).content.decode()
    assert 'id="cutout-editor"' in page and before in page
    response = client.post(
        reverse("garment-detail", args=[garment.pk]),
        {"correct": "strokes", "strokes": scribble(REMOVE)},
        follow=True,
    )
    assert response.status_code == 200
    assert "The cut-out follows your strokes now." in response.content.decode()
    garment.refresh_from_db()
    assert garment.cutout_url != before and garment.cutout_url in response.content.decode()
    assert tag_kept(alpha_of(garment)) < 0.05


def refused(client, garment, **files) -> str:
    before = (garment.cutout.name, garment.cutout_computed, AuditEvent.objects.count())
    response = cutout_api(client, garment, **files)
    garment.refresh_from_db()
    assert (garment.cutout.name, garment.cutout_computed, AuditEvent.objects.count()) == before
    return f"{response.status_code} {response.content.decode()}"


def test_bad_strokes_and_masks_get_a_clear_error_and_change_nothing(world, login, dress):
    garment, _truth = dress
    client = login(world.user("brand-a", Role.STYLIST))
    assert refused(client, garment, strokes=scribble(REMOVE, (500, 600))).startswith("400")
    assert "500×600 pixels; it has to match the packshot, 1000×1200" in refused(
        client, garment, strokes=scribble(REMOVE, (500, 600))
    )
    blank = png(Image.new("RGBA", (1000, 1200), (0, 0, 0, 0)))
    assert "Paint at least one stroke" in refused(client, garment, strokes=blank)
    name, content, _code = corpus()["decompression bomb"]
    assert refused(client, garment, strokes=SimpleUploadedFile(name, content)).startswith("400")
    assert "not a JPEG, PNG or WebP" in refused(
        client, garment, strokes=SimpleUploadedFile("s.png", b"not an image at all")
    )
    one_of = "Send one of: strokes, a mask, or compute=true."
    assert one_of in refused(client, garment, strokes=scribble(REMOVE), mask=scribble(KEEP))
    assert one_of in refused(client, garment, strokes=scribble(REMOVE), compute="true")
    assert one_of in refused(client, garment, compute="false")
    assert one_of in refused(client, garment)
    small_mask = png(Image.new("L", (100, 120), 255))
    assert "it has to match the packshot" in refused(client, garment, mask=small_mask)


def test_starting_over_computes_the_cutout_from_the_packshot_again(world, login, dress):
    """After a mask or strokes, the page's 'Start over' and the API's compute=true put back the
    cut-out computed as on upload; a director, another brand and a garment without a packshot
    change nothing."""
    garment, _truth = dress
    computed = alpha_of(garment)
    client = login(world.user("brand-a", Role.STYLIST))
    square = Image.new("L", (1000, 1200), 0)
    square.paste(255, (300, 300, 700, 900))
    assert cutout_api(client, garment, mask=png(square)).status_code == 200
    garment.refresh_from_db()
    assert not garment.cutout_computed and alpha_of(garment).sum() == 400 * 600

    page = client.post(reverse("garment-detail", args=[garment.pk]), {"correct": "compute"})
    assert page.status_code == 302
    garment.refresh_from_db()
    assert garment.cutout_computed and (alpha_of(garment) == computed).mean() > 0.999
    followed = client.get(page["Location"]).content.decode()
    assert "The cut-out is computed from the packshot again." in followed
    assert "Start over: compute the cut-out from the packshot" in followed

    assert cutout_api(client, garment, mask=png(square)).status_code == 200
    response = cutout_api(client, garment, compute="true")
    assert response.status_code == 200 and response.json()["cutout_computed"] is True
    garment.refresh_from_db()
    assert (alpha_of(garment) == computed).mean() > 0.999
    events = AuditEvent.objects.filter(verb="garment.cutout_computed", object_id=str(garment.pk))
    assert events.count() == 2

    assert cutout_api(client, garment, mask=png(square)).status_code == 200
    garment.refresh_from_db()
    director, other = (
        world.user("brand-a", Role.CREATIVE_DIRECTOR),
        world.user("brand-b", Role.STYLIST),
    )
    for stranger, answer in ((director, "403"), (other, "404")):
        client = login(stranger)  # login signs one client in anew
        assert refused(client, garment, compute="true").startswith(answer)
        page = client.post(reverse("garment-detail", args=[garment.pk]), {"correct": "compute"})
        assert page.status_code == 404  # pages answer a role without the right as strangers
    rival = actor_for(other)  # the services too, whoever calls them
    with pytest.raises(NotFound, match="No such garment"):
        garment_cutout_compute(actor=rival, garment=garment)
    garment.refresh_from_db()
    assert not garment.cutout_computed
    client = login(world.user("brand-a", Role.STYLIST))
    flat = world.garment_a  # a cut-out given, no packshot
    assert "no packshot" in refused(client, flat, compute="true")
    page = client.post(reverse("garment-detail", args=[flat.pk]), {"correct": "compute"})
    assert page.status_code == 400 and not Garment.objects.get(pk=flat.pk).cutout_computed


def test_the_page_shows_why_strokes_were_refused(world, login, dress):
    garment, _truth = dress
    client = login(world.user("brand-a", Role.STYLIST))
    response = client.post(
        reverse("garment-detail", args=[garment.pk]),
        {"correct": "strokes", "strokes": png(Image.new("RGBA", (1000, 1200), (0, 0, 0, 0)))},
    )
    assert response.status_code == 400
    assert "Paint at least one stroke: green keeps, red removes." in response.content.decode()


def test_only_the_brands_stylists_may_correct_and_only_garments_with_a_packshot(
    world, login, dress
):
    garment, _truth = dress
    director = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    assert refused(director, garment, strokes=scribble(REMOVE)).startswith("403")
    page = director.get(reverse("garment-detail", args=[garment.pk])).content.decode()
    assert 'id="cutout-editor"' not in page and garment.packshot_url in page
    assert (
        director.post(  # pages answer a role without the right as they answer strangers
            reverse("garment-detail", args=[garment.pk]),
            {"correct": "strokes", "strokes": scribble(REMOVE)},
        ).status_code
        == 404
    )

    other = login(world.user("brand-b", Role.STYLIST))
    assert refused(other, garment, strokes=scribble(REMOVE)).startswith("404")
    assert (
        other.post(
            reverse("garment-detail", args=[garment.pk]),
            {"correct": "strokes", "strokes": scribble(REMOVE)},
        ).status_code
        == 404
    )

    stylist = login(world.user("brand-a", Role.STYLIST))
    flat = world.garment_a  # a cut-out given, no packshot
    assert "no packshot" in refused(stylist, flat, strokes=scribble(REMOVE))
    assert (
        'id="cutout-editor"'
        not in stylist.get(reverse("garment-detail", args=[flat.pk])).content.decode()
    )


def test_strokes_over_a_cut_out_that_changed_since_are_refused(world, login, dress):
    """Two stylists have the editor open; one corrects the cut-out. The other's strokes were
    painted over the cut-out as it was: they are refused, not applied to one they never saw, and
    the page shows the new cut-out to paint over again."""
    garment, _truth = dress
    seen = garment.cutout_sha256
    first, second = world.user("brand-a", Role.STYLIST), world.user("brand-a", Role.BRAND_ADMIN)
    client = login(first)
    page = client.get(reverse("garment-detail", args=[garment.pk])).content.decode()
    assert f'name="seen" value="{seen}"' in page
    square = Image.new("L", (1000, 1200), 0)
    square.paste(255, (300, 300, 700, 900))
    assert cutout_api(login(second), garment, mask=png(square)).status_code == 200
    garment.refresh_from_db()
    theirs = (garment.cutout.name, garment.cutout_sha256)

    client = login(first)
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("garment-detail", args=[garment.pk]),
        {"correct": "strokes", "strokes": scribble(REMOVE), "seen": seen},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The cut-out changed since you opened it" in page
    assert garment.cutout_url in page and f'name="seen" value="{theirs[1]}"' in page
    garment.refresh_from_db()
    assert (garment.cutout.name, garment.cutout_sha256) == theirs
    assert AuditEvent.objects.count() == before

    assert "changed since you opened it" in refused(
        client, garment, strokes=scribble(REMOVE), seen=seen
    )
    assert refused(client, garment, strokes=scribble(REMOVE), seen=seen).startswith("409")
    assert "seen goes with strokes only" in refused(client, garment, mask=png(square), seen=seen)
    response = cutout_api(client, garment, strokes=scribble(REMOVE), seen=theirs[1])
    assert response.status_code == 200 and response.json()["cutout_sha256"] != theirs[1]


@pytest.mark.django_db(transaction=True)
def test_two_stylists_refining_at_once_one_wins_the_other_is_told(world, dress):
    """Both painted over the same cut-out and send at the same moment: one set of strokes is
    applied, the other refused, never both one over the other."""
    from campaigns.services import garment_cutout_refine
    from studio.permissions import actor_for

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    garment, _truth = dress
    seen = garment.cutout_sha256
    stylists = [
        actor_for(world.user("brand-a", Role.STYLIST), "brand-a"),
        actor_for(world.user("brand-a", Role.BRAND_ADMIN), "brand-a"),
    ]
    outcomes = race(
        *[
            lambda actor=actor, colour=colour: garment_cutout_refine(
                actor=actor, garment=garment, strokes=scribble(colour), seen=seen
            )
            for actor, colour in zip(stylists, (REMOVE, KEEP), strict=True)
        ]
    )
    assert "done" in outcomes
    assert "changed since you opened it" in outcomes[1 - outcomes.index("done")]
    refined = AuditEvent.objects.filter(verb="garment.cutout_refined", object_id=str(garment.pk))
    assert refined.count() == 1
