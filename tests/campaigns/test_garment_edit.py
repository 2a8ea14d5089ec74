"""A stylist keeps the catalogue: a garment's details and images change; its SKU never does, and
its category not while a look wears it (the look's slots follow the category)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from campaigns.models import Garment
from campaigns.services import (
    LookItemInput,
    garment_archive,
    garment_cutout_compute,
    garment_delete,
    garment_update,
    look_save,
)
from studio.enums import Role
from studio.errors import NotFound
from studio.models import AuditEvent
from studio.permissions import actor_for
from tests.campaigns.test_catalogue import alpha_of, packshot
from tests.factories import GarmentFactory, png_bytes
from tests.hostile import corpus

pytestmark = pytest.mark.django_db


def multipart(data: dict) -> tuple[bytes, str]:
    """A multipart body and its content type, for a PATCH (the test client encodes only POST)."""
    return encode_multipart(BOUNDARY, data), MULTIPART_CONTENT


def worn_in_a_look(world, garment: Garment, name: str = "City") -> None:
    stylist = actor_for(world.user("brand-a", Role.STYLIST), "brand-a")
    look_save(actor=stylist, name=name, items=[LookItemInput(garment.pk)])


def snapshot(garment: Garment) -> tuple:
    garment.refresh_from_db()
    return (
        garment.name,
        garment.category,
        garment.colourways,
        garment.sizes,
        garment.season,
        str(garment.packshot),
        str(garment.cutout),
        garment.cutout_sha256,
    )


@pytest.mark.defaults
def test_a_stylist_edits_a_garment_on_its_page(world, login):
    garment = world.garment_a
    client = login(world.user("brand-a", Role.STYLIST))
    detail = client.get(reverse("garment-detail", args=[garment.pk]))
    assert reverse("garment-edit", args=[garment.pk]).encode() in detail.content
    page = client.get(reverse("garment-edit", args=[garment.pk]))
    assert page.status_code == 200 and b'value="A&#x27;s coat"' in page.content
    response = client.post(
        reverse("garment-edit", args=[garment.pk]),
        {
            "name": "Belted trench",
            "category": "top",
            "colourways": "sand, navy",
            "sizes": "S, M",
            "season": "AW27",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("garment-detail", args=[garment.pk])
    garment.refresh_from_db()
    assert (garment.name, garment.colourways, garment.sizes, garment.season) == (
        "Belted trench",
        ["sand", "navy"],
        ["S", "M"],
        "AW27",
    )
    event = AuditEvent.objects.get(verb="garment.updated")
    assert event.brand == world.brand_a
    changed = ["name", "colourways", "sizes", "season"]
    assert event.payload == {"sku": garment.sku, "changed": changed}
    # Saving it unchanged records nothing.
    client.post(
        reverse("garment-edit", args=[garment.pk]),
        {"name": "Belted trench", "category": "top", "colourways": "sand, navy",
         "sizes": "S, M", "season": "AW27"},
    )  # fmt: skip
    assert AuditEvent.objects.filter(verb="garment.updated").count() == 1


def test_a_new_packshot_computes_the_cutout_again_and_a_new_cutout_replaces_it(world, login):
    garment = world.garment_a
    client = login(world.user("brand-a", Role.STYLIST))
    data, truth = packshot()
    response = client.generic(
        "PATCH",
        reverse("api-garment-detail", args=[garment.pk]),
        *multipart({"packshot": SimpleUploadedFile("dress.jpg", data)}),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["packshot_url"].startswith(reverse("garment-packshot-file", args=[garment.pk]))
    assert body["cutout_computed"] is True
    old_cutout_url = garment.cutout_url
    garment.refresh_from_db()
    # Media is cached for minutes: a changed file gets a new address, so no stale copy shows.
    assert body["cutout_url"] == garment.cutout_url != old_cutout_url
    alpha = alpha_of(garment)
    assert (alpha & truth).sum() / (alpha | truth).sum() > 0.9
    computed = garment.cutout_sha256
    response = client.generic(
        "PATCH",
        reverse("api-garment-detail", args=[garment.pk]),
        *multipart({"cutout": SimpleUploadedFile("cut.png", png_bytes((40, 60)))}),
    )
    assert response.status_code == 200 and response.json()["cutout_computed"] is False
    garment.refresh_from_db()
    assert garment.cutout_sha256 != computed
    assert AuditEvent.objects.filter(verb="garment.updated").count() == 2


def test_json_patch_changes_only_what_it_names(world, login):
    garment = world.garment_a
    before = snapshot(garment)
    client = login(world.user("brand-a", Role.BRAND_ADMIN))
    response = client.patch(
        reverse("api-garment-detail", args=[garment.pk]),
        {"sizes": ["XS", "S"]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["sizes"] == ["XS", "S"]
    after = snapshot(garment)
    assert after[3] == ["XS", "S"] and after[:3] + after[4:] == before[:3] + before[4:]


@pytest.mark.defaults
def test_the_category_stays_while_a_look_wears_the_garment(world, login, media_files):
    garment = world.garment_a
    worn_in_a_look(world, garment)
    before, files = snapshot(garment), media_files()
    client = login(world.user("brand-a", Role.STYLIST))
    data, _truth = packshot()
    response = client.generic(
        "PATCH",
        reverse("api-garment-detail", args=[garment.pk]),
        *multipart({"category": "dress", "packshot": SimpleUploadedFile("dress.jpg", data)}),
    )
    assert response.status_code == 409
    assert "worn as top in 1 look (City)" in response.json()["detail"]
    page = client.post(
        reverse("garment-edit", args=[garment.pk]), {"name": "Renamed", "category": "dress"}
    )
    assert page.status_code == 400 and b"take it out of them" in page.content
    assert snapshot(garment) == before
    assert media_files() == files  # refused before the packshot was stored
    assert not AuditEvent.objects.filter(verb="garment.updated").exists()
    # A garment no look wears may change category.
    other = Garment.objects.create(brand=world.brand_a, sku="LOOSE-1", name="Loose", category="top")
    response = client.patch(
        reverse("api-garment-detail", args=[other.pk]),
        {"category": "dress"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["category"] == "dress"


def test_a_feed_cannot_change_the_category_of_a_garment_a_look_wears(world, login):
    garment = world.garment_a
    worn_in_a_look(world, garment)
    client = login(world.user("brand-a", Role.STYLIST))
    feed = (
        f"sku,name,category\n{garment.sku},Coat as a dress,dress\n{garment.sku}-2,New one,top\n"
        "X-3,,top\n"  # line 4, refused while the rows are read, before the worn one is found
    )
    response = client.post(
        reverse("api-garment-import"), {"feed": SimpleUploadedFile("feed.csv", feed.encode())}
    )
    body = response.json()
    assert body["created"] == [f"{garment.sku}-2"] and body["updated"] == []
    assert [row["line"] for row in body["refused"]] == [2, 4]  # in the file's order
    assert "take it out of them to change its category" in body["refused"][0]["reason"]
    garment.refresh_from_db()
    assert (garment.name, garment.category) == ("A's coat", "top")
    same = f"sku,name,category\n{garment.sku},Renamed coat,top\n"
    again = client.post(
        reverse("api-garment-import"), {"feed": SimpleUploadedFile("feed.csv", same.encode())}
    )
    assert again.json()["updated"] == [garment.sku]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "   "}, None),
        ({"category": "cape"}, "category"),
        ({"season": "S" * 33}, "season"),
        ({"sku": "NEW-SKU"}, "sku"),  # not a field: the SKU does not change
    ],
)
def test_bad_input_is_a_400_and_changes_nothing(world, login, data, field):
    garment = world.garment_a
    before = snapshot(garment)
    client = login(world.user("brand-a", Role.STYLIST))
    response = client.patch(
        reverse("api-garment-detail", args=[garment.pk]), data, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field is None or field in response.json()
    assert snapshot(garment) == before


@pytest.mark.parametrize("case", ["decompression bomb", "svg with script", "truncated png"])
def test_a_hostile_image_is_refused_and_changes_nothing(world, login, media_files, case):
    name, content, code = corpus()[case]
    garment = world.garment_a
    before, files = snapshot(garment), media_files()
    client = login(world.user("brand-a", Role.STYLIST))
    response = client.generic(
        "PATCH",
        reverse("api-garment-detail", args=[garment.pk]),
        *multipart({"name": "Changed", "cutout": SimpleUploadedFile(name, content)}),
    )
    assert response.status_code == 400 and response.json()["code"] == code
    assert snapshot(garment) == before and media_files() == files


@pytest.mark.parametrize("role", [Role.CREATIVE_DIRECTOR, Role.SOCIAL_TEAM])
def test_roles_without_the_catalogue_cannot_edit(world, login, role):
    garment = world.garment_a
    before = snapshot(garment)
    client = login(world.user("brand-a", role))
    response = client.patch(
        reverse("api-garment-detail", args=[garment.pk]),
        {"name": "Mine now"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert client.get(reverse("garment-edit", args=[garment.pk])).status_code == 404
    detail = client.get(reverse("garment-detail", args=[garment.pk]))
    assert reverse("garment-edit", args=[garment.pk]).encode() not in detail.content
    assert snapshot(garment) == before


def test_another_brand_cannot_see_or_edit_the_garment(world, login):
    garment = world.garment_a
    before = snapshot(garment)
    client = login(world.user("brand-b", Role.STYLIST))
    response = client.patch(
        reverse("api-garment-detail", args=[garment.pk]),
        {"name": "Ours now"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert client.get(reverse("garment-edit", args=[garment.pk])).status_code == 404
    page = client.post(
        reverse("garment-edit", args=[garment.pk]), {"name": "Ours", "category": "top"}
    )
    assert page.status_code == 404
    # Nor through the services, whoever calls them.
    rival = actor_for(world.user("brand-b", Role.STYLIST))
    for change in (
        lambda: garment_update(actor=rival, garment=garment, name="Ours now"),
        lambda: garment_archive(actor=rival, garment=garment, archived=True),
    ):
        with pytest.raises(NotFound, match="No such garment"):
            change()
    assert snapshot(garment) == before


def test_a_garment_deleted_meanwhile_is_not_found_by_an_edit_or_a_new_cutout(world):
    """A colleague deleted the garment while the stylist's page was open: saving the page, or
    computing its cut-out again, says there is no such garment (before: a server error)."""
    stylist = actor_for(world.user("brand-a", Role.STYLIST))
    photo = packshot()[0]
    garment = GarmentFactory(brand=world.brand_a, name="Gone")
    garment = garment_update(actor=stylist, garment=garment, packshot=io.BytesIO(photo))
    stale = Garment.objects.get(pk=garment.pk)
    garment_delete(actor=stylist, garment=garment)
    with pytest.raises(NotFound, match="No such garment"):
        garment_update(actor=stylist, garment=stale, name="Back")
    with pytest.raises(NotFound, match="No such garment"):
        garment_update(actor=stylist, garment=stale, packshot=io.BytesIO(photo))
    with pytest.raises(NotFound, match="No such garment"):
        garment_cutout_compute(actor=stylist, garment=stale)
    assert not Garment.objects.filter(pk=garment.pk).exists()
    assert AuditEvent.objects.filter(verb="garment.updated").count() == 1  # the packshot
    assert not AuditEvent.objects.filter(verb="garment.cutout_computed").exists()
