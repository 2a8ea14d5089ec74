"""Archiving a garment: out of the catalogue and the look builder, kept by the looks that wear
it, and back again; by page and by API, never for another brand or a role that may not."""

import io
import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse

from campaigns.models import Garment
from campaigns.services import LookItemInput, garment_archive, look_save
from studio.enums import Role
from studio.errors import StudioError
from studio.models import AuditEvent
from studio.permissions import actor_for
from tests.factories import GarmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stylist(world, login):
    return login(world.user("brand-a", Role.STYLIST))


def names(response) -> list[str]:
    return sorted(garment.name for garment in response.context["page"])


def test_an_archived_garment_leaves_the_catalogue_and_comes_back(world, stylist):
    old = GarmentFactory(brand=world.brand_a, category="top", name="Last season tee", sku="LY-1")
    current = sorted([world.garment_a.name])
    response = stylist.post(
        reverse("garment-archive", args=[old.pk]), {"archived": "1"}, follow=True
    )
    assert "Last season tee is archived: new looks no longer offer it." in response.content.decode()
    old.refresh_from_db()
    assert old.archived_at is not None
    assert names(stylist.get(reverse("garment-list"))) == current
    assert names(stylist.get(reverse("garment-list"), {"shelf": "archived"})) == ["Last season tee"]
    api = reverse("api-garment-list")
    assert [row["sku"] for row in stylist.get(api, {"archived": "1"}).json()["results"]] == ["LY-1"]
    assert "LY-1" not in [row["sku"] for row in stylist.get(api).json()["results"]]
    # Left empty, the filter is no filter (it was a 500).
    assert [row["sku"] for row in stylist.get(api, {"archived": ""}).json()["results"]] == [
        row["sku"] for row in stylist.get(api).json()["results"]
    ]
    page = stylist.get(reverse("garment-detail", args=[old.pk])).content.decode()
    assert ">Archived<" in page and "Put back in the catalogue" in page
    # The dashboard counts the catalogue, not the archive.
    assert "1 garment in the catalogue" in stylist.get(reverse("dashboard")).content.decode()

    back = stylist.post(
        reverse("api-garment-archive", args=[old.pk]),
        {"archived": False},
        content_type="application/json",
    )
    assert back.status_code == 200 and back.json()["archived_at"] is None
    assert names(stylist.get(reverse("garment-list"))) == sorted([*current, "Last season tee"])
    assert list(
        AuditEvent.objects.filter(verb__startswith="garment.")
        .values_list("verb", flat=True)
        .order_by("pk")
    ) == [
        "garment.archived",
        "garment.restored",
    ]
    bad = stylist.post(
        reverse("api-garment-archive", args=[old.pk]),
        {"archived": "maybe"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and Garment.objects.get(pk=old.pk).archived_at is None


def test_the_builder_offers_no_archived_garment_but_a_look_keeps_its_own(world, stylist):
    actor = actor_for(world.user("brand-a", Role.STYLIST))
    old = GarmentFactory(brand=world.brand_a, category="bottom", name="Old jeans", sku="OJ-1")
    look = look_save(actor=actor, name="Denim", items=[LookItemInput(old.pk)])
    garment_archive(actor=actor, garment=old, archived=True)
    new = stylist.get(reverse("look-create")).content.decode()
    assert "Old jeans" not in new
    assert "Old jeans" not in stylist.get(reverse("look-picks"), {"q": "jeans"}).content.decode()
    edit = stylist.get(reverse("look-edit", args=[look.pk])).content.decode()
    chosen = edit.split('<div id="chosen"', 1)[1].split("</div>\n", 1)[0]
    assert "Old jeans" in chosen
    saved = stylist.post(
        reverse("look-edit", args=[look.pk]), {"name": "Denim, again", "garments": [old.pk]}
    )
    assert saved.status_code == 302
    look.refresh_from_db()
    assert look.name == "Denim, again" and [i.garment_id for i in look.items.all()] == [old.pk]


def test_other_roles_and_brands_archive_nothing(world, login):
    garment = world.garment_a
    page = reverse("garment-archive", args=[garment.pk])
    api = reverse("api-garment-archive", args=[garment.pk])
    for brand, role, expected in (
        ("brand-a", Role.SOCIAL_TEAM, (404, 403)),
        ("brand-a", Role.CREATIVE_DIRECTOR, (404, 403)),
        ("brand-b", Role.BRAND_ADMIN, (404, 404)),
    ):
        client = login(world.user(brand, role))
        answers = (
            client.post(page, {"archived": "1"}).status_code,
            client.post(api, {"archived": True}, content_type="application/json").status_code,
        )
        assert answers == expected, (brand, role)
    with pytest.raises(StudioError):
        garment_archive(
            actor=actor_for(world.user("brand-b", Role.BRAND_ADMIN)), garment=garment, archived=True
        )
    assert Garment.objects.get(pk=garment.pk).archived_at is None
    assert not AuditEvent.objects.filter(verb="garment.archived").exists()


def test_a_feed_updates_an_archived_garment_and_says_it_stays_archived(world, stylist):
    """A product feed lists past seasons too: importing it must not undo an archive, and says
    which of its rows are archived, so nobody looks for them in the catalogue."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from campaigns.services import garment_import_csv

    actor = actor_for(world.user("brand-a", Role.STYLIST))
    old = GarmentFactory(brand=world.brand_a, sku="OLD-1", name="Last winter's coat")
    garment_archive(actor=actor, garment=old, archived=True)
    feed = b"sku,name,category\nOLD-1,Last winter's wool coat,top\nNEW-1,New tee,top\n"
    report = garment_import_csv(actor=actor, file=io.BytesIO(feed))
    assert (report.created, report.updated, report.archived) == (["NEW-1"], ["OLD-1"], ["OLD-1"])
    old.refresh_from_db()
    assert old.name == "Last winter's wool coat" and old.archived_at is not None

    page = stylist.post(
        reverse("garment-import"), {"feed": SimpleUploadedFile("feed.csv", feed)}
    ).content.decode()
    assert "Updated but archived, so still out of the catalogue: OLD-1." in page
    assert f'href="{reverse("garment-list")}?shelf=archived"' in page
    body = stylist.post(
        reverse("api-garment-import"), {"feed": SimpleUploadedFile("feed.csv", feed)}
    ).json()
    assert (body["updated"], body["archived"]) == (["OLD-1", "NEW-1"], ["OLD-1"])
    # The archive filter the note leads to lists it.
    archive = stylist.get(reverse("garment-list"), {"shelf": "archived"}).content.decode()
    assert "Last winter&#x27;s wool coat" in archive


def test_a_garment_being_archived_holds_up_nothing_else_of_the_brand(transactional_db, world):
    """Its lock is on the garment's row only (the catalogue's order joins the brand): a new
    garment of the brand is added meanwhile."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    actor = actor_for(world.user("brand-a", Role.STYLIST))
    done = threading.Event()

    def add_garment() -> None:
        try:
            GarmentFactory(brand=world.brand_a, name="Added meanwhile")
            done.set()
        finally:
            connection.close()

    with transaction.atomic():
        garment_archive(actor=actor, garment=world.garment_a, archived=True)
        thread = threading.Thread(target=add_garment)
        thread.start()
        assert done.wait(5), "a new garment waited for the archive's transaction"
    thread.join()
