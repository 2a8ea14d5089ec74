import re
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Garment, Look
from campaigns.services import LookItemInput, garment_archive, look_duplicate, look_save
from studio.enums import Role
from studio.errors import NotFound, PermissionDenied, StudioError
from studio.models import AuditEvent
from studio.permissions import actor_for
from tests.factories import GarmentFactory, LicenseFactory, TwinFactory
from tests.races import race
from twins.enums import CheckCode
from twins.services import standing_terms_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def wardrobe(world):
    return {
        category: GarmentFactory(brand=world.brand_a, category=category, name=f"A {category}")
        for category in ("top", "bottom", "dress", "outerwear", "shoes", "accessory", "swimwear")
    }


@pytest.fixture
def stylist(world):
    return actor_for(world.user("brand-a", Role.STYLIST))


def items(wardrobe, *categories):
    return [LookItemInput(wardrobe[c].pk) for c in categories]


def test_a_look_layers_its_garments_by_slot(stylist, wardrobe):
    look = look_save(
        actor=stylist,
        name="City",
        items=items(wardrobe, "outerwear", "top", "bottom", "shoes", "accessory"),
    )
    assert [(i.slot, i.layer) for i in look.items.all()] == [
        ("shoes", 10),
        ("bottom", 20),
        ("top", 30),
        ("outerwear", 40),
        ("accessory", 50),
    ]
    assert (
        AuditEvent.objects.get(verb="look.created").payload["garments"][0]
        == wardrobe["outerwear"].sku
    )


@pytest.mark.parametrize(
    ("categories", "why"),
    [
        (("dress", "top"), "without a separate top"),
        (("swimwear", "bottom"), "without a separate top"),
        (("top",), None),
        ((), "at least one garment"),
    ],
)
def test_slot_rules(stylist, wardrobe, categories, why):
    if why is None:
        extra = GarmentFactory(brand=wardrobe["top"].brand, category="top")
        with pytest.raises(StudioError, match="One garment per slot"):
            look_save(
                actor=stylist,
                name="Two tops",
                items=[*items(wardrobe, "top"), LookItemInput(extra.pk)],
            )
    else:
        with pytest.raises(StudioError, match=why):
            look_save(actor=stylist, name="Bad", items=items(wardrobe, *categories))
    assert not Look.objects.exists()


def test_accessories_stack_and_foreign_garments_are_refused(world, stylist, wardrobe):
    second = GarmentFactory(brand=world.brand_a, category="accessory")
    look = look_save(
        actor=stylist,
        name="Bags",
        items=[*items(wardrobe, "dress", "accessory"), LookItemInput(second.pk)],
    )
    assert look.items.count() == 3
    with pytest.raises(StudioError, match="A garment appears twice in the look"):
        look_save(actor=stylist, name="Twice", items=items(wardrobe, "accessory", "accessory"))
    with pytest.raises(StudioError, match="No such garment"):
        look_save(actor=stylist, name="Theirs", items=[LookItemInput(world.garment_b.pk)])
    with pytest.raises(PermissionDenied):
        look_save(
            actor=actor_for(world.user("brand-a", Role.SOCIAL_TEAM)),
            name="x",
            items=items(wardrobe, "top"),
        )


def test_duplicate_and_edit_through_the_pages(world, login, stylist, wardrobe):
    look = look_save(actor=stylist, name="Weekend", items=items(wardrobe, "top", "bottom"))
    client = login(world.user("brand-a", Role.STYLIST))
    client.post(reverse("look-duplicate", args=[look.pk]))
    copy = Look.objects.get(name="Weekend (copy)")
    again = client.post(reverse("look-duplicate", args=[look.pk]), follow=True)
    assert b"Weekend is duplicated as Weekend (copy 2)." in again.content
    assert again.redirect_chain[-1][0] == reverse("look-detail", args=[again.context["look"].pk])
    Look.objects.filter(name="Weekend (copy 2)").delete()
    assert [i.garment_id for i in copy.items.all()] == [i.garment_id for i in look.items.all()]
    response = client.post(
        reverse("look-edit", args=[copy.pk]),
        {"name": "Weekend dress", "garments": [wardrobe["dress"].pk, wardrobe["top"].pk]},
    )
    assert response.status_code == 400 and b"without a separate top" in response.content
    response = client.post(
        reverse("look-edit", args=[copy.pk]),
        {"name": "Weekend dress", "garments": [wardrobe["dress"].pk, wardrobe["shoes"].pk]},
    )
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.name == "Weekend dress" and copy.items.count() == 2
    other = login(world.user("brand-b", Role.STYLIST))
    for name in ("look-detail", "look-edit"):
        assert other.get(reverse(name, args=[look.pk])).status_code == 404
    assert other.post(reverse("look-duplicate", args=[look.pk])).status_code == 404
    assert Look.objects.count() == 2


def test_a_look_says_which_licensed_twins_may_wear_it_and_why_not(world, login, stylist, wardrobe):
    LicenseFactory(
        current=True, twin=world.twin_a, brand=world.brand_a, categories=["dress", "shoes"]
    )
    LicenseFactory(
        current=True, twin=world.twin_b, brand=world.brand_a, categories=["top", "bottom"]
    )
    third = TwinFactory(talent=world.talent_a, name="Swim twin")  # no agreement signed
    LicenseFactory(current=True, twin=third, brand=world.brand_a, categories=["swimwear"])
    LicenseFactory(
        current=True, twin=world.twin_b, brand=world.brand_b, categories=["dress", "shoes"]
    )
    look = look_save(actor=stylist, name="Evening", items=items(wardrobe, "dress", "shoes"))
    standing_terms_update(
        actor=world.talent_b.user,
        talent=world.talent_b,
        excluded_categories=["dress"],
        excluded_content_tags=[],
        blocked_brands=[],
        agency_needs_confirmation=False,
    )
    page = (
        login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
        .get(reverse("look-detail", args=[look.pk]))
        .content.decode()
    )
    assert page.count("May wear it") == 1
    assert "never wears dress" in page and "Not licensed for dress, shoes" in page
    assert "No replica agreement" in page
    from campaigns.selectors import look_wearers

    wearers = {
        w.twin.pk: {r.code for r in w.check.reasons} for w in look_wearers(actor=stylist, look=look)
    }
    assert wearers == {
        world.twin_a.pk: set(),
        world.twin_b.pk: {CheckCode.CATEGORY_EXCLUDED, CheckCode.CATEGORY},
        third.pk: {CheckCode.NO_AGREEMENT, CheckCode.CATEGORY},
    }


def test_a_twin_licensed_from_a_later_day_may_not_wear_a_look_yet(world, login, stylist, wardrobe):
    """Renders are made today: a license that starts next month does not cover them yet."""
    from datetime import timedelta

    from django.utils import timezone

    starts = timezone.localdate() + timedelta(days=30)
    LicenseFactory(
        twin=world.twin_a,
        brand=world.brand_a,
        categories=["dress", "shoes"],
        starts_on=starts,
        ends_on=starts + timedelta(days=90),
    )
    look = look_save(actor=stylist, name="Evening", items=items(wardrobe, "dress", "shoes"))
    page = login(stylist.user).get(reverse("look-detail", args=[look.pk])).content.decode()
    assert "May wear it" not in page
    assert f"holds no license for this twin in force on {timezone.localdate()}" in page


def test_the_wearers_of_a_look_take_the_same_queries_for_one_twin_or_many(world, stylist, wardrobe):
    from campaigns.selectors import look_wearers

    look = look_save(actor=stylist, name="Evening", items=items(wardrobe, "dress", "shoes"))
    LicenseFactory(
        current=True, twin=world.twin_a, brand=world.brand_a, categories=["dress", "shoes"]
    )

    def wearers():
        with CaptureQueriesContext(connection) as captured:
            found = look_wearers(actor=stylist, look=look)
        return {w.twin.pk: w.check.allowed for w in found}, len(captured)

    one, few = wearers()
    LicenseFactory(current=True, twin=world.twin_b, brand=world.brand_a, categories=["top"])
    for n in range(3):
        LicenseFactory(
            current=True,
            twin=TwinFactory(talent=world.talent_a, name=f"Twin {n}"),
            brand=world.brand_a,
        )
    many, more = wearers()
    assert one == {world.twin_a.pk: True}
    assert len(many) == 5 and many[world.twin_a.pk] and not many[world.twin_b.pk]
    assert more == few


def test_a_look_keeps_its_notes_and_who_made_it(stylist, wardrobe):
    look = look_save(
        actor=stylist, name=" City ", notes="Sleeves rolled", items=items(wardrobe, "top")
    )
    look.refresh_from_db()
    assert (look.name, look.notes, look.created_by) == ("City", "Sleeves rolled", stylist.user)


def test_a_look_without_a_name_or_of_another_brand_is_refused_and_nothing_changes(
    world, stylist, wardrobe
):
    mine = look_save(actor=stylist, name="Mine", items=items(wardrobe, "top"))
    with pytest.raises(StudioError, match="A look needs a name"):
        look_save(actor=stylist, name="  ", items=items(wardrobe, "top"))
    rival = actor_for(world.user("brand-b", Role.STYLIST))
    theirs = GarmentFactory(brand=world.brand_b, category="top")
    with pytest.raises(NotFound):
        look_save(actor=rival, look=mine, name="Taken", items=[LookItemInput(theirs.pk)])
    assert list(Look.objects.values_list("name", flat=True)) == ["Mine"]
    assert [item.garment for item in mine.items.all()] == [wardrobe["top"]]
    # Editing a look edits that look, not the brand's newest.
    newer = look_save(actor=stylist, name="Newer", items=items(wardrobe, "dress"))
    look_save(actor=stylist, look=mine, name="Mine, edited", items=items(wardrobe, "bottom"))
    names = dict(Look.objects.values_list("pk", "name"))
    assert names == {mine.pk: "Mine, edited", newer.pk: "Newer"}


def test_duplicate_service_keeps_layers(stylist, wardrobe):
    look = look_save(
        actor=stylist,
        name="Layers",
        items=[LookItemInput(wardrobe["top"].pk, 45), LookItemInput(wardrobe["outerwear"].pk, 35)],
    )
    copy = look_duplicate(actor=stylist, look=look)
    assert [(i.slot, i.layer) for i in copy.items.all()] == [("outerwear", 35), ("top", 45)]


def test_each_copy_of_a_look_has_its_own_name_and_fits(world, stylist, wardrobe):
    """Copies count on ("(copy)", "(copy 2)"), a copy of a copy too; a look of the longest name
    is copied, shortened to fit; another brand's look of the same name takes no number."""
    items = [LookItemInput(wardrobe["top"].pk)]
    look = look_save(actor=stylist, name="Coat over tee", items=items)
    first = look_duplicate(actor=stylist, look=look)
    second = look_duplicate(actor=stylist, look=look)
    third = look_duplicate(actor=stylist, look=first)
    assert [first.name, second.name, third.name] == [
        "Coat over tee (copy)",
        "Coat over tee (copy 2)",
        "Coat over tee (copy 3)",
    ]
    longest = look_save(actor=stylist, name="L" * 199 + "x", items=items)
    copies = [look_duplicate(actor=stylist, look=longest).name for _ in range(2)]
    assert copies == ["L" * 193 + " (copy)", "L" * 191 + " (copy 2)"]
    other = actor_for(world.user("brand-b", Role.STYLIST))
    theirs = look_save(actor=other, name="Coat over tee", items=[LookItemInput(world.garment_b.pk)])
    assert look_duplicate(actor=other, look=theirs).name == "Coat over tee (copy)"


def test_a_look_name_past_its_longest_is_refused_by_every_way_in(world, login, stylist, wardrobe):
    with pytest.raises(StudioError, match="at most 200 characters"):
        look_save(actor=stylist, name="L" * 201, items=[LookItemInput(wardrobe["top"].pk)])
    client = login(world.user("brand-a", Role.STYLIST))
    answer = client.post(
        reverse("api-look-list"),
        {"name": "L" * 201, "items": [{"garment": wardrobe["top"].pk}]},
        content_type="application/json",
    )
    assert answer.status_code == 400 and "name" in answer.json()
    assert not Look.objects.filter(brand=world.brand_a).exists()


@pytest.mark.django_db(transaction=True)
def test_looks_saved_at_once_from_shared_garments_all_save(world, stylist, wardrobe):
    """Saving a look locks its garments (so none is deleted under it). Saves that share some
    garments wait for each other and never deadlock."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    pairs = [("bottom", "shoes"), ("shoes", "top"), ("top", "bottom"), ("outerwear", "shoes")]
    for round in range(3):
        outcomes = race(
            *[
                lambda pair=pair, round=round: look_save(
                    actor=stylist, name=f"{round} {pair}", items=items(wardrobe, *pair)
                )
                for pair in pairs
            ]
        )
        assert outcomes == ["done"] * len(pairs)
    assert Look.objects.count() == 3 * len(pairs)


@pytest.mark.django_db(transaction=True)
def test_a_look_being_saved_holds_up_nothing_else_of_the_brand(world, stylist, wardrobe):
    """Its lock is on its garments only, not on the brand that every write of the brand refers
    to (a new garment, campaign or audit event waits on a locked brand row)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    done = threading.Event()

    def add_garment() -> None:
        try:
            GarmentFactory(brand=world.brand_a, category="top", name="Added meanwhile")
            # Nor on the brand's other garments: one not in the look is archived meanwhile.
            garment_archive(actor=stylist, garment=wardrobe["swimwear"], archived=True)
            done.set()
        finally:
            connection.close()

    with transaction.atomic():
        look_save(actor=stylist, name="Slow save", items=items(wardrobe, "top", "bottom"))
        thread = threading.Thread(target=add_garment)
        thread.start()
        assert done.wait(5), "a new garment waited for the look's transaction"
    thread.join()


def test_looks_over_the_api(world, login, wardrobe):
    LicenseFactory(
        current=True, twin=world.twin_a, brand=world.brand_a, categories=["top", "bottom"]
    )
    client = login(world.user("brand-a", Role.STYLIST))
    created = client.post(
        reverse("api-look-list"),
        {
            "name": "Api look",
            "items": [
                {"garment": wardrobe["top"].pk},
                {"garment": wardrobe["bottom"].pk, "layer": 5},
            ],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    look_id = created.json()["id"]
    detail = client.get(reverse("api-look-detail", args=[look_id])).json()
    assert [(i["slot"], i["layer"]) for i in detail["items"]] == [("bottom", 5), ("top", 30)]
    assert [(w["twin"], w["allowed"]) for w in detail["wearers"]] == [(world.twin_a.pk, True)]
    bad = client.put(
        reverse("api-look-detail", args=[look_id]),
        {
            "name": "x",
            "items": [{"garment": wardrobe["dress"].pk}, {"garment": wardrobe["top"].pk}],
        },
        content_type="application/json",
    )
    assert bad.status_code == 400 and "without a separate top" in bad.json()["detail"]
    copy = client.post(reverse("api-look-duplicate", args=[look_id]))
    assert copy.status_code == 201 and copy.json()["name"] == "Api look (copy)"
    other = login(world.user("brand-b", Role.BRAND_ADMIN))
    assert other.get(reverse("api-look-detail", args=[look_id])).status_code == 404
    assert other.get(reverse("api-look-list")).json()["results"] == []


def test_the_builder_sets_layers_and_shows_them_again_when_editing(world, login, wardrobe):
    client = login(world.user("brand-a", Role.STYLIST))
    page = client.get(reverse("look-create")).content.decode()
    for slot in ("Top", "Bottom", "Dress", "Outerwear", "Shoes", "Accessories"):
        assert f"<h4>{slot}</h4>" in page
    assert wardrobe["top"].cutout_url in page and 'placeholder="40"' in page
    top, outerwear, bottom = wardrobe["top"], wardrobe["outerwear"], wardrobe["bottom"]
    response = client.post(
        reverse("look-create"),
        {
            "name": "Tucked in",
            "garments": [top.pk, outerwear.pk, bottom.pk],
            f"layer-{top.pk}": "15",  # the top tucked under the trousers
            f"layer-{outerwear.pk}": "",  # the slot's default
            f"layer-{wardrobe['shoes'].pk}": "99",  # not chosen: ignored
        },
    )
    assert response.status_code == 302
    look = Look.objects.get(name="Tucked in")
    assert [(i.garment_id, i.layer) for i in look.items.all()] == [
        (top.pk, 15),
        (bottom.pk, 20),
        (outerwear.pk, 40),
    ]
    detail = client.get(reverse("look-detail", args=[look.pk])).content.decode()
    assert "Top · layer 15" in detail and "Outerwear · layer 40" in detail
    edit = client.get(reverse("look-edit", args=[look.pk])).content.decode()
    assert f'name="layer-{top.pk}" value="15"' in edit
    assert (
        f'value="{top.pk}" checked' in edit
        and f'value="{wardrobe["shoes"].pk}" checked' not in edit
    )


@pytest.mark.parametrize("typed", ["-1", "1001", "2.5", "top"])
def test_a_bad_layer_is_refused_by_name_and_changes_nothing(world, login, wardrobe, typed):
    look = look_save(
        actor=actor_for(world.user("brand-a", Role.STYLIST)),
        name="Weekend",
        items=items(wardrobe, "top"),
    )
    client = login(world.user("brand-a", Role.STYLIST))
    top = wardrobe["top"]
    response = client.post(
        reverse("look-edit", args=[look.pk]),
        {"name": "Renamed", "garments": [top.pk], f"layer-{top.pk}": typed},
    )
    assert response.status_code == 400
    assert f"The layer of {top.name} is “{typed}”" in response.content.decode()
    assert f'name="layer-{top.pk}" value="{typed}"' in response.content.decode()  # kept to fix
    look.refresh_from_db()
    assert look.name == "Weekend" and [i.layer for i in look.items.all()] == [30]
    with pytest.raises(StudioError, match="from 0 to 1000"):
        look_save(
            actor=actor_for(world.user("brand-a", Role.STYLIST)),
            look=look,
            name="Renamed",
            items=[LookItemInput(top.pk, 1001)],
        )


@pytest.mark.parametrize(("layer", "kept"), [(-1, False), (0, True), (1000, True), (1001, False)])
def test_a_layer_runs_from_0_to_1000_on_page_and_in_the_service(
    world, login, stylist, wardrobe, layer, kept
):
    top = wardrobe["top"]
    client = login(world.user("brand-a", Role.STYLIST))
    page = client.post(
        reverse("look-create"), {"name": "Edge", "garments": [top.pk], f"layer-{top.pk}": layer}
    )
    assert page.status_code == (302 if kept else 400)
    if kept:
        look = look_save(actor=stylist, name="Service", items=[LookItemInput(top.pk, layer)])
        assert [i.layer for i in look.items.all()] == [layer]
        edge = Look.objects.get(name="Edge")
        assert [i.layer for i in edge.items.all()] == [layer]
    else:
        with pytest.raises(StudioError, match="from 0 to 1000"):
            look_save(actor=stylist, name="Service", items=[LookItemInput(top.pk, layer)])
        assert not Look.objects.exists()


def test_the_builder_reads_the_catalogue_in_a_fixed_number_of_queries(world, login, wardrobe):
    client = login(world.user("brand-a", Role.STYLIST))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("look-create")).status_code == 200
        return len(captured)

    few = queries()
    for n in range(12):
        GarmentFactory(brand=world.brand_a, category="accessory", name=f"Scarf {n}")
    assert queries() == few


def test_the_look_list_finds_looks_by_name_or_by_a_garment_in_them(
    world, login, stylist, wardrobe, django_assert_max_num_queries
):
    coat = GarmentFactory(brand=world.brand_a, category="outerwear", name="Camel coat", sku="CC-1")
    look_save(actor=stylist, name="City", items=[*items(wardrobe, "top"), LookItemInput(coat.pk)])
    look_save(actor=stylist, name="Beach", items=items(wardrobe, "swimwear"))
    look_save(actor=stylist, name="Coastal", items=items(wardrobe, "dress"))
    theirs = GarmentFactory(brand=world.brand_b, category="top", name="Camel top", sku="CC-2")
    look_save(
        actor=actor_for(world.user("brand-b", Role.STYLIST)),
        name="Camel city",
        items=[LookItemInput(theirs.pk)],
    )
    client = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))

    def page(**query) -> list[str]:
        response = client.get(reverse("look-list"), query)
        assert response.status_code == 200
        return sorted(look.name for look in response.context["page"])

    def api(**query) -> list[str]:
        return sorted(
            row["name"] for row in client.get(reverse("api-look-list"), query).json()["results"]
        )

    assert page() == ["Beach", "City", "Coastal"] == api()
    assert page(q="coast") == ["Coastal"] == api(q="coast")  # a look's name
    assert page(q="camel") == ["City"] == api(q="camel")  # a garment's name, never theirs
    assert page(q="cc-") == ["City"] == api(q="cc-")  # a garment's SKU
    assert page(garment=coat.pk) == ["City"] == api(garment=coat.pk)
    assert (
        page(q="nothing like it") == []
        and "No look matches."
        in client.get(reverse("look-list"), {"q": "nothing like it"}).content.decode()
    )
    # Another brand's garment is no garment of ours; a garment that is not a number is refused.
    assert client.get(reverse("look-list"), {"garment": theirs.pk}).status_code == 404
    assert api(garment=theirs.pk) == []
    bad = client.get(reverse("api-look-list"), {"garment": "coat"})
    assert bad.status_code == 400 and "garment" in bad.json()
    # The garment's page counts the looks that wear it and leads to them.
    detail = client.get(reverse("garment-detail", args=[coat.pk])).content.decode()
    assert f'href="{reverse("look-list")}?garment={coat.pk}">Worn in 1 look</a>' in detail
    # Searching reads no more for more looks.
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("look-list"), {"q": "a"})
    for n in range(6):
        look_save(actor=stylist, name=f"Extra {n}", items=items(wardrobe, "top", "bottom"))
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(reverse("look-list"), {"q": "a"}).context["page"]) == 9


@pytest.mark.defaults  # a windowed query: on the embedded SQLite too
def test_a_large_catalogue_shows_the_first_of_each_category_and_a_search_finds_the_rest(
    world, login, wardrobe, monkeypatch
):
    monkeypatch.setattr("campaigns.forms.PICKS_PER_CATEGORY", 3)
    shirts = [
        GarmentFactory(brand=world.brand_a, category="top", name=f"Linen shirt {n}", sku=f"LS-{n}")
        for n in range(4)
    ]
    GarmentFactory(brand=world.brand_b, category="top", name="Linen shirt B", sku="LS-B")
    client = login(world.user("brand-a", Role.STYLIST))

    def names(html: str, where: str = "") -> list[str]:
        part = html.split('<div id="picks">', 1)[1] if where == "catalogue" else html
        return re.findall(r"<span>([^<]+)<small>", part)

    page = client.get(reverse("look-create")).content.decode()
    # Six tops: the world's coat (a top), the wardrobe's, and four shirts.
    assert "3 of 6: search to find the others." in page
    top = page.split("<h4>Top</h4>", 1)[1].split("<h4>", 1)[0]
    assert len(names(top)) == 3

    picks = reverse("look-picks")
    found = client.get(picks, {"q": "ls-3"}).content.decode()
    assert names(found) == ["Linen shirt 3"] and "search to find the others" not in found
    # The chosen garments, sent along, are not offered again; another brand's never are.
    found = client.get(picks, {"q": "linen", "garments": [shirts[0].pk]}).content.decode()
    assert names(found) == ["Linen shirt 1", "Linen shirt 2", "Linen shirt 3"]
    assert "No garment matches." in client.get(picks, {"q": "nothing"}).content.decode()
    # A season narrows the catalogue too, and the builder offers only the brand's seasons.
    Garment.objects.filter(pk=shirts[2].pk).update(season="SS27")
    assert names(client.get(picks, {"season": "SS27"}).content.decode()) == ["Linen shirt 2"]
    assert (
        '<option value="SS27">SS27</option>' in client.get(reverse("look-create")).content.decode()
    )

    # A refused look comes back with its search, and its chosen garment among the chosen.
    response = client.post(
        reverse("look-create"),
        {"name": "", "garments": [shirts[3].pk], "q": "linen", f"layer-{shirts[3].pk}": "5"},
    )
    html = response.content.decode()
    assert response.status_code == 400 and 'name="q" value="linen"' in html
    chosen = html.split('<div id="chosen"', 1)[1].split("</div>\n", 1)[0]
    assert names(chosen) == ["Linen shirt 3"] and f'name="layer-{shirts[3].pk}" value="5"' in chosen
    assert "Linen shirt 3" not in html.split('<div id="picks">', 1)[1]
    # The social team builds no looks.
    assert login(world.user("brand-a", Role.SOCIAL_TEAM)).get(picks).status_code == 404
