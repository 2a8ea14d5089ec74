"""A NUL character in a query string or a form is bad input: a 400 that says so, and nothing
changed. PostgreSQL can neither store nor compare one, so every search and filter that carried it
failed deep in its query with a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.models import Garment, Look
from studio.enums import Role
from studio.middleware import NUL_REFUSED
from tests.factories import png_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.defaults]


def test_searches_and_filters_refuse_a_nul(director, studio):
    pages = [
        reverse("look-picks"),
        reverse("look-list"),
        reverse("garment-list"),
        reverse("campaign-list"),
        reverse("matrix-looks", args=[studio.campaign.pk]),
    ]
    for url in pages:
        assert director.get(url, {"q": "green"}).status_code == 200
        answer = director.get(url, {"q": "gr\x00een"})
        assert answer.status_code == 400 and NUL_REFUSED in answer.content.decode(), url
    assert director.get(reverse("look-list"), {"q\x00": "x"}).status_code == 400  # in a name too
    answer = director.get(reverse("api-look-list"), {"q": "\x00"})
    assert answer.status_code == 400 and answer.json() == {"detail": NUL_REFUSED}


def upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("shirt.png", png_bytes(), content_type="image/png")


def test_forms_refuse_a_nul_and_change_nothing(director, studio):
    top = studio.look.items.get().garment_id
    answer = director.post(reverse("look-create"), {"name": "Nul\x00look", "garments": [top]})
    assert answer.status_code == 400 and not Look.objects.filter(name__startswith="Nul").exists()
    director.force_login(studio.world.user("brand-a", Role.STYLIST))  # keeps the catalogue
    answer = director.post(  # multipart, as the garment form sends its images
        reverse("garment-list"),
        {"sku": "NUL-1", "name": "Shirt\x00", "category": "top", "packshot": upload()},
    )
    assert answer.status_code == 400 and not Garment.objects.filter(sku="NUL-1").exists()
    # In a feed's file, a NUL is a refused row like any other bad cell.
    feed = b"sku,name,category\nNUL-2,Shirt\x00,top\nOK-3,Shirt,top\n"
    answer = director.post(
        reverse("api-garment-import"), {"feed": SimpleUploadedFile("feed.csv", feed)}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["created"] == ["OK-3"] and answer.json()["refused"] == [
        {"line": 2, "reason": "A cell holds a NUL character (0x00): the export is damaged."}
    ]
    assert not Garment.objects.filter(sku="NUL-2").exists()
    # A JSON body is the API's own to check: its fields name what is wrong.
    answer = director.post(
        reverse("api-look-list"),
        {"name": "Nul\x00look", "items": [{"garment": top}]},
        content_type="application/json",
    )
    assert answer.status_code == 400 and "name" in answer.json()
    assert not Look.objects.filter(name__startswith="Nul").exists()


def test_a_brand_named_with_a_nul_in_json_is_a_field_error(studio, client):
    """Brands named by slug in a JSON body (a license's exclusivity, a talent's blocked brands)
    were looked up as given: PostgreSQL failed on the NUL with a 500."""
    from twins.models import License, StandingTerms

    world = studio.world
    world.talent_a.discoverable = True
    world.talent_a.save()
    client.force_login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    terms = {
        "twin": world.twin_a.pk,
        "starts_on": "2026-03-01",
        "ends_on": "2026-05-31",
        "markets": ["DE"],
        "channels": ["web"],
        "categories": ["top"],
        "flat_fee": "1.00",
        "per_asset_fee": "1.00",
        "exclusivity": "competitors",
        "exclusive_against": ["brand-b\x00"],
    }
    before = License.objects.count()
    answer = client.post(reverse("api-license-list"), terms, content_type="application/json")
    assert answer.status_code == 400 and "exclusive_against" in answer.json()
    assert License.objects.count() == before
    client.force_login(world.talent_a.user)
    answer = client.put(
        reverse("api-talent-terms", args=[world.talent_a.pk]),
        {"excluded_categories": [], "blocked_brands": ["\x00"]},
        content_type="application/json",
    )
    assert answer.status_code == 400 and "blocked_brands" in answer.json()
    assert not StandingTerms.objects.filter(blocked_brands__isnull=False).exists()
