"""Every list's search finds a name however its accents are typed, on PostgreSQL and on the
embedded SQLite alike, and still only among what the user may see."""

from datetime import date

import pytest
from django.db import connection
from django.urls import reverse

from campaigns.services import CampaignInput, LookItemInput, campaign_create, look_save
from studio.enums import Role
from studio.permissions import actor_for
from studio.search import unaccent
from tests.factories import GarmentFactory, RepresentationFactory, TalentFactory, TwinFactory

pytestmark = [pytest.mark.django_db, pytest.mark.defaults]

NAMES = [
    "Inès Moreau", "Bjørn Ødegård", "Zoë Straße", "Łucja Dvořák", "Æsa Þórsdóttir", "Ｃｒèｍｅ",
]  # fmt: skip


def test_the_fold_is_postgresqls_where_the_database_is_postgresql():
    """SQLite's UNACCENT folds as PostgreSQL's unaccent does (in lower case too, as SQLite's LIKE
    folds only ASCII), so a search finds the same rows on either: checked against PostgreSQL
    itself where the tests run on it."""
    assert [unaccent(name) for name in NAMES] == [
        "Ines Moreau", "Bjorn Odegard", "Zoe Strasse", "Lucja Dvorak", "AEsa THorsdottir", "Creme",
    ]  # fmt: skip
    with connection.cursor() as cursor:
        for name in NAMES:
            cursor.execute("SELECT UNACCENT(%s)", [name])
            folded = unaccent(name)
            if connection.vendor == "sqlite":
                folded = folded.lower()
            assert cursor.fetchone()[0] == folded


def test_a_talents_name_is_found_without_its_accents_on_every_list(world, login):
    world.talent_a.display_name = "Inès Moreau"
    world.talent_a.discoverable = True
    world.talent_a.save()
    for name in ("Bjørn Ødegård", "Ines Martin", "Ζωή Παππά"):
        talent = TalentFactory(display_name=name, discoverable=True)
        RepresentationFactory(talent=talent, agency=world.agency)
        TwinFactory(talent=talent)
    booker = login(world.agency.members.get().user)

    def talents(q: str) -> list[str]:
        answer = booker.get(reverse("api-talent-list"), {"q": q})
        assert answer.status_code == 200, answer.content
        return [row["display_name"] for row in answer.json()["results"]]

    assert talents("ines") == ["Ines Martin", "Inès Moreau"] == talents("INÈS")
    assert talents("bjorn odegard") == ["Bjørn Ødegård"] == talents("Bjørn")
    assert talents("ζωη παππα") == ["Ζωή Παππά"]  # not ASCII, and still in any case
    page = booker.get(reverse("talent-list"), {"q": "ines mor"}).content.decode()
    assert "Inès Moreau" in page and "Ines Martin" not in page

    director = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    found = director.get(reverse("api-twin-catalogue"), {"q": "odegard"}).json()["results"]
    assert [row["talent"] for row in found] == ["Bjørn Ødegård"]
    page = director.get(reverse("twin-catalogue"), {"q": "moreau"}).content.decode()
    assert "Inès Moreau" in page and "Bjørn" not in page


def test_garments_looks_and_campaigns_are_found_without_accents_and_only_the_brands(world, login):
    crepe = GarmentFactory(brand=world.brand_a, name="Crêpe de chine blouse", sku="AU-É1")
    GarmentFactory(brand=world.brand_a, name="Denim jacket", sku="AU-2")
    GarmentFactory(brand=world.brand_b, name="Crepe dress", sku="NO-1")  # the competitor's
    stylist = actor_for(world.user("brand-a", Role.STYLIST))
    look_save(actor=stylist, name="Après-ski", items=[LookItemInput(crepe.pk)])
    look_save(
        actor=actor_for(world.user("brand-b", Role.STYLIST)),
        name="Apres",
        items=[LookItemInput(world.garment_b.pk)],
    )
    for name, brief in (("Côte d'Azur", "Summer on the coast"), ("Winter", "Fjord, Tromsø")):
        campaign_create(
            actor=actor_for(world.user("brand-a", Role.CREATIVE_DIRECTOR)),
            data=CampaignInput(
                name=name, brief=brief, starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31),
                markets=["FR"], channels=["instagram"],
            ),
        )  # fmt: skip
    client = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))

    def names(url: str, q: str, key: str = "name") -> list[str]:
        answer = client.get(reverse(url), {"q": q})
        assert answer.status_code == 200, answer.content
        return sorted(row[key] for row in answer.json()["results"])

    assert names("api-garment-list", "crepe") == ["Crêpe de chine blouse"]
    assert names("api-garment-list", "au-e1") == ["Crêpe de chine blouse"]
    assert names("api-look-list", "apres") == ["Après-ski"]
    assert names("api-look-list", "CRÉPE") == ["Après-ski"]  # by the garment it wears
    assert names("api-campaign-list", "cote d'azur") == ["Côte d'Azur"]
    assert names("api-campaign-list", "tromso") == ["Winter"]
    page = client.get(reverse("garment-list"), {"q": "crepe"}).content.decode()
    assert "Crêpe de chine blouse" in page and "Crepe dress" not in page
    page = client.get(reverse("look-list"), {"q": "apres"}).content.decode()
    assert "Après-ski" in page
    page = client.get(reverse("campaign-list"), {"q": "cote"}).content.decode()
    assert "Côte d&#x27;Azur" in page and "Winter" not in page


@pytest.mark.parametrize("q", ["%", "_", "％", "\\"])
def test_a_search_of_like_wildcards_finds_only_what_holds_them(world, login, q):
    GarmentFactory(brand=world.brand_a, name="Sale 50% off tee", sku="AU_9")
    client = login(world.user("brand-a", Role.STYLIST))
    found = client.get(reverse("api-garment-list"), {"q": q}).json()["results"]
    expected = [] if q == "\\" else ["Sale 50% off tee"]  # a full-width ％ is folded to %
    assert [row["name"] for row in found] == expected


def test_every_search_has_one_limit_the_api_refuses_past_and_pages_cut_at(world, login):
    """The first SEARCH_MAX characters of a search count; the API says a longer one is too long,
    on every list alike."""
    from studio.search import SEARCH_MAX

    world.talent_a.discoverable = True
    world.talent_a.save()
    GarmentFactory(brand=world.brand_a, name="a" * 120, sku="AU-LONG")
    client = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    too_long = "a" * (SEARCH_MAX + 1)
    for url in (
        "api-garment-list",
        "api-look-list",
        "api-campaign-list",
        "api-twin-catalogue",
    ):
        answer = client.get(reverse(url), {"q": too_long})
        assert answer.status_code == 400 and "q" in answer.json(), url
    booker = login(world.agency.members.get().user)
    assert booker.get(reverse("api-talent-list"), {"q": too_long}).status_code == 400
    client = login(world.user("brand-a", Role.STYLIST))
    page = client.get(reverse("garment-list"), {"q": "a" * 150}).content.decode()
    assert "AU-LONG" in page  # the first 100 of the 150 are in the name
