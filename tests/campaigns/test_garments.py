import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from campaigns.models import Garment
from campaigns.services import garment_create
from studio.enums import Role
from studio.errors import Conflict
from studio.models import AuditEvent
from studio.permissions import actor_for
from tests.campaigns.test_catalogue import packshot
from tests.factories import png_bytes
from tests.hostile import corpus

pytestmark = pytest.mark.django_db
CORPUS = corpus()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_stylist_adds_a_garment_with_its_cutout_through_the_api(world, login):
    client = login(world.user("brand-a", Role.STYLIST))
    response = client.post(
        reverse("api-garment-list"),
        {
            "sku": "AU-9",
            "name": "Trench",
            "category": "outerwear",
            "cutout": upload("trench.png", png_bytes((30, 40))),
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    garment = Garment.objects.get(pk=body["id"])
    assert (garment.brand, garment.sku, garment.name, garment.category) == (
        world.brand_a,
        "AU-9",
        "Trench",
        "outerwear",
    )
    assert not garment.cutout_computed and body["cutout_computed"] is False  # the stylist's own
    assert garment.created_by == world.user("brand-a", Role.STYLIST)
    assert body["cutout_url"].startswith(reverse("garment-cutout-file", args=[garment.pk]) + "?v=")
    image = client.get(body["cutout_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image["Cache-Control"] == "private, max-age=300"
    event = AuditEvent.objects.get(verb="garment.created")
    assert (event.actor, event.brand, event.payload["sku"]) == (
        world.user("brand-a", Role.STYLIST),
        world.brand_a,
        "AU-9",
    )


@pytest.mark.defaults
@pytest.mark.parametrize("case", CORPUS.keys())
def test_hostile_cutout_via_api_is_a_400_and_changes_nothing(world, login, media_files, case):
    name, content, code = CORPUS[case]
    client = login(world.user("brand-a", Role.STYLIST))
    files_before, events_before = media_files(), AuditEvent.objects.count()
    response = client.post(
        reverse("api-garment-list"),
        {
            "sku": "BAD-1",
            "name": "Bad",
            "category": "top",
            "cutout": upload(name, content),
        },
    )
    assert response.status_code == 400
    if content:  # an empty upload is refused by the serializer before it reaches us
        assert response.json()["code"] == code
        assert response.json()["detail"]
    assert not Garment.objects.filter(sku="BAD-1").exists()
    assert media_files() == files_before
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize("case", ["decompression bomb", "svg with script", "png/zip polyglot"])
def test_hostile_cutout_via_the_page_shows_the_reason(world, login, media_files, case):
    name, content, _code = CORPUS[case]
    client = login(world.user("brand-a", Role.STYLIST))
    files_before = media_files()
    response = client.post(
        reverse("garment-list"),
        {
            "sku": "BAD-2",
            "name": "Bad",
            "category": "top",
            "cutout": upload(name, content),
        },
    )
    assert response.status_code == 400
    assert b'class="error"' in response.content
    assert not Garment.objects.filter(sku="BAD-2").exists()
    assert media_files() == files_before


@pytest.mark.parametrize("role", [Role.CREATIVE_DIRECTOR, Role.SOCIAL_TEAM])
def test_roles_without_the_catalogue_cannot_add(world, login, role):
    client = login(world.user("brand-a", role))
    response = client.post(
        reverse("api-garment-list"), {"sku": "X-1", "name": "X", "category": "top"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    page = client.post(reverse("garment-list"), {"sku": "X-1", "name": "X", "category": "top"})
    assert page.status_code == 404
    assert not Garment.objects.filter(sku="X-1").exists()


def test_bad_fields_are_reported_and_nothing_changes(world, login):
    client = login(world.user("brand-a", Role.STYLIST))
    before = Garment.objects.count()
    duplicate = client.post(
        reverse("api-garment-list"),
        {"sku": world.garment_a.sku, "name": "Again", "category": "top"},
    )
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "conflict"
    unknown = client.post(
        reverse("api-garment-list"), {"sku": "N-1", "name": "X", "category": "cape"}
    )
    assert unknown.status_code == 400 and "category" in unknown.json()
    blank = client.post(reverse("api-garment-list"), {"sku": "  ", "name": "X", "category": "top"})
    assert blank.status_code == 400
    assert Garment.objects.count() == before


def test_a_sku_in_the_catalogue_already_is_refused_before_its_images_are_stored(world, media_files):
    actor = actor_for(world.user("brand-a", Role.STYLIST))
    photo, _truth = packshot()
    first = garment_create(
        actor=actor,
        sku="AU-1",
        name="One",
        category="dress",
        packshot=io.BytesIO(photo),
        cutout=io.BytesIO(png_bytes()),
    )
    assert first.packshot and not first.cutout_computed  # both given: the cut-out is theirs
    before = media_files()
    with pytest.raises(Conflict, match="SKU AU-1 is in the catalogue already"):
        garment_create(
            actor=actor, sku="AU-1", name="Two", category="top", cutout=io.BytesIO(png_bytes())
        )
    assert media_files() == before
    assert list(Garment.objects.filter(sku="AU-1").values_list("name", flat=True)) == ["One"]


def test_the_same_sku_in_another_brand_is_fine(world, login):
    client = login(world.user("brand-b", Role.STYLIST))
    response = client.post(
        reverse("api-garment-list"), {"sku": world.garment_a.sku, "name": "Ours", "category": "top"}
    )
    assert response.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_of_one_sku_leave_one_garment(world):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    actor = actor_for(world.user("brand-a", Role.STYLIST))
    barrier, outcomes = threading.Barrier(4), []

    def create() -> None:
        barrier.wait()
        try:
            garment_create(
                actor=actor,
                sku="RACE-1",
                name="Race",
                category="top",
                cutout=io.BytesIO(png_bytes()),
            )
            outcomes.append("created")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "created"]
    assert Garment.objects.filter(sku="RACE-1").count() == 1
    assert AuditEvent.objects.filter(verb="garment.created", payload__sku="RACE-1").count() == 1


def test_openapi_schema_describes_the_api(client, world, login):
    response = login(world.user("brand-a", Role.STYLIST)).get(
        reverse("api-schema"), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/garments/",
        "/api/garments/{id}/",
        "/api/me/",
        "/api/members/",
        "/api/audit/",
        "/api/twins/",
        "/api/twins/{id}/photos/",
        "/api/talent/",
    ]:
        assert path in paths, path
    assert "post" in paths["/api/garments/"] and "post" not in paths["/api/audit/"]


def test_the_catalogue_filters_by_season_and_by_cut_outs_to_check(world, login):
    from tests.factories import GarmentFactory

    GarmentFactory(brand=world.brand_a, name="Linen shirt", season="SS27")
    GarmentFactory(brand=world.brand_a, name="Wool coat", season="AW26", cutout_computed=True)
    GarmentFactory(brand=world.brand_a, name="Bare sku", season="AW26", cutout="")
    GarmentFactory(brand=world.brand_b, name="Rival knit", season="FW99")
    client = login(world.user("brand-a", Role.STYLIST))

    def page_names(**query) -> list[str]:
        return [g.name for g in client.get(reverse("garment-list"), query).context["page"]]

    def api_names(**query) -> list[str]:
        rows = client.get(reverse("api-garment-list"), query).json()["results"]
        return sorted(row["name"] for row in rows)

    page = client.get(reverse("garment-list")).content.decode()
    assert '<option value="AW26">' in page and '<option value="SS27">' in page
    assert 'value="FW99"' not in page  # another brand's seasons are not offered
    GarmentFactory(brand=world.brand_a, name="No season", season="")
    seasons = client.get(reverse("garment-list")).context["filters"].fields["season"].choices
    assert [value for value, _label in seasons] == ["", "AW26", "SS27"]  # "" once: every season
    assert (
        sorted(page_names(season="AW26")) == ["Bare sku", "Wool coat"] == api_names(season="AW26")
    )
    assert page_names(cutout="computed") == ["Wool coat"] == api_names(cutout="computed")
    assert page_names(cutout="missing") == ["Bare sku"] == api_names(cutout="missing")
    assert page_names(season="AW26", q="wool") == ["Wool coat"]
    assert sorted(page_names(season="FW99")) == sorted(page_names())  # not offered: no filter
    refused = client.get(reverse("api-garment-list"), {"cutout": "perhaps"})
    assert refused.status_code == 400
    assert refused.json() == {"cutout": ['"perhaps" is not one of: computed, missing.']}
    assert client.get(reverse("api-garment-list"), {"category": "hat"}).status_code == 400
    assert api_names(season="FW99") == []
