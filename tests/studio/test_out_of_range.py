"""A number past what its column holds is bad input like any other: a 400 that names the field,
and nothing changed; never a database error. On PostgreSQL an out-of-range count failed the
insert; on SQLite (the embedded default) an out-of-range id could not even be sent as a
parameter. Both were 500s."""

import pytest
from django.urls import reverse

from campaigns.models import Campaign, Look, RenderJob
from studio.errors import StudioError
from tests.campaigns.conftest import another_campaign
from twins.models import License, StandingTerms
from twins.services import Terms

pytestmark = [pytest.mark.django_db, pytest.mark.defaults]

HUGE = 10**23  # past any key column
COUNT = 2**40  # past a PositiveIntegerField


def matrix(studio, **changes):
    return {
        "looks": [studio.look.pk],
        "twins": [studio.world.twin_a.pk],
        "poses": ["standing-front"],
        "scenes": [studio.scene.pk],
        "formats": ["1:1"],
        "variants": 1,
        **changes,
    }


def campaign_data(**changes):
    return {
        "name": "Resort",
        "starts_on": "2026-12-01",
        "ends_on": "2027-01-31",
        "markets": ["DE"],
        "channels": ["instagram"],
        **changes,
    }


def terms_data(twin, **changes):
    return {
        "twin": twin,
        "starts_on": "2026-12-01",
        "ends_on": "2027-01-31",
        "markets": ["DE"],
        "channels": ["instagram"],
        "categories": ["top"],
        "flat_fee": "100.00",
        "per_asset_fee": "0",
        **changes,
    }


def test_api_filters_refuse_an_id_no_key_holds(director, studio):
    campaign = studio.campaign.pk
    for name, args, field in [
        ("api-job-list", [], "campaign"),
        ("api-job-list", [], "shot"),
        ("api-render-list", [], "campaign"),
        ("api-shot-list", [campaign], "look"),
        ("api-shot-list", [campaign], "twin"),
        ("api-shot-list", [campaign], "scene"),
        ("api-look-list", [], "garment"),
    ]:
        answer = director.get(reverse(name, args=args), {field: HUGE})
        assert answer.status_code == 400, (name, field)
        assert list(answer.json()) == [field]
        assert director.get(reverse(name, args=args), {field: 1}).status_code == 200


def test_api_inputs_refuse_numbers_their_columns_cannot_hold(director, studio):
    campaign, twin = studio.campaign, studio.world.twin_a.pk
    before = (Campaign.objects.count(), RenderJob.objects.count(), Look.objects.count())
    for field in ("looks", "twins", "scenes"):
        for name in ("api-matrix-plan", "api-matrix-queue"):
            answer = director.post(
                reverse(name, args=[campaign.pk]),
                matrix(studio, **{field: [HUGE]}),
                content_type="application/json",
            )
            assert answer.status_code == 400 and field in answer.json(), (name, field)
    too_big = campaign_data(gpu_budget_seconds=COUNT)
    created = director.post(reverse("api-campaign-list"), too_big, content_type="application/json")
    assert created.status_code == 400
    assert created.json() == {
        "gpu_budget_seconds": ["Ensure this value is less than or equal to 60000000."]
    }
    updated = director.put(
        reverse("api-campaign-detail", args=[campaign.pk]),
        too_big,
        content_type="application/json",
    )
    assert updated.status_code == 400 and list(updated.json()) == ["gpu_budget_seconds"]
    look = director.post(
        reverse("api-look-list"),
        {"name": "Huge", "items": [{"garment": HUGE}]},
        content_type="application/json",
    )
    assert look.status_code == 400 and "items" in look.json()
    for body in (
        terms_data(HUGE),
        terms_data(twin, max_published_assets=COUNT),
    ):
        answer = director.post(reverse("api-license-list"), body, content_type="application/json")
        assert answer.status_code == 400, body
    check = director.post(
        reverse("api-license-check"),
        {"twin": HUGE, "channel": "instagram", "market": "DE"},
        content_type="application/json",
    )
    assert check.status_code == 400 and list(check.json()) == ["twin"]
    assert (Campaign.objects.count(), RenderJob.objects.count(), Look.objects.count()) == before
    campaign.refresh_from_db()
    assert campaign.name == "Spring" and campaign.gpu_budget_seconds == 3600
    assert License.objects.filter(max_published_assets__isnull=False).count() == 0


def test_pages_refuse_ids_and_counts_out_of_range(director, studio):
    campaign = studio.campaign
    page = director.post(
        reverse("matrix-builder", args=[campaign.pk]),
        {**matrix(studio, looks=[str(HUGE)]), "priority": "3"},
    )
    assert page.status_code == 400
    assert page.context["form"].errors["looks"] == [
        f"Select a valid choice. {HUGE} is not one of the available choices."
    ]
    assert not RenderJob.objects.exists()
    page = director.post(reverse("look-create"), {"name": "Huge", "garments": [str(HUGE)]})
    assert page.status_code == 400 and "garments" in page.context["form"].errors
    top = studio.look.items.get().garment_id
    page = director.post(
        reverse("look-create"), {"name": "Squared", "garments": [top], f"layer-{top}": "²"}
    )  # a digit to str.isdigit, not a number to int()
    assert page.status_code == 400
    assert "The layer of Green top is “²”" in page.context["form"].errors["garments"][0]
    assert list(Look.objects.values_list("name", flat=True)) == ["Look A"]
    picks = director.get(reverse("look-picks"), {"garments": [str(HUGE)], "q": "Green"})
    assert picks.status_code == 200 and "Green top" in picks.content.decode()
    assert director.get(reverse("look-list"), {"garment": HUGE}).status_code == 200
    twin = studio.world.twin_a
    request = reverse("license-request", args=[twin.pk])
    before = License.objects.count()
    page = director.post(
        request,
        {
            **terms_data(twin.pk, max_published_assets=str(COUNT)),
            "markets": "DE",
            "exclusivity": "none",
            "currency": "EUR",
        },
    )
    assert page.status_code == 400 and "max_published_assets" in page.context["form"].errors
    assert License.objects.count() == before


def test_a_talent_blocking_a_brand_no_key_holds_changes_nothing(world, client):
    client.force_login(world.talent_a.user)
    page = client.post(
        reverse("talent-terms", args=[world.talent_a.pk]), {"blocked_brands": [str(HUGE)]}
    )
    assert page.status_code == 400 and "blocked_brands" in page.context["form"].errors
    assert not StandingTerms.objects.filter(talent=world.talent_a, blocked_brands__isnull=False)


def test_services_refuse_what_the_columns_cannot_hold(studio):
    with pytest.raises(StudioError, match="GPU budget is 0 to 60,000,000 seconds"):
        another_campaign(studio, "Huge", gpu_budget_seconds=COUNT)
    terms = Terms(
        starts_on=studio.campaign.starts_on,
        ends_on=studio.campaign.ends_on,
        markets=["DE"],
        channels=["instagram"],
        categories=["top"],
        max_published_assets=COUNT,
    )
    with pytest.raises(StudioError, match="published assets is 1 to 2,147,483,647"):
        terms.validated()
    assert Campaign.objects.filter(name="Huge").count() == 0
