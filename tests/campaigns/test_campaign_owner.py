"""A campaign has an owner: its creator unless told otherwise, and handed over to another member
whose role builds campaigns; never to a stylist, nor to someone of another brand."""

import pytest
from django.urls import reverse

from campaigns.models import Campaign
from studio.enums import Role
from studio.models import AuditEvent

BRIEF = {
    "name": "Resort",
    "starts_on": "2026-12-01",
    "ends_on": "2027-01-31",
    "markets": ["DE"],
    "channels": ["instagram"],
}


@pytest.fixture
def director(studio, client):
    client.force_login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))
    return client


def test_the_creator_owns_a_campaign_until_it_is_handed_over(director, studio):
    world = studio.world
    created = director.post(reverse("api-campaign-list"), BRIEF, content_type="application/json")
    assert created.status_code == 201 and created.json()["owner"] == "brand-a-creative_director"
    campaign = Campaign.objects.get(pk=created.json()["id"])
    admin = world.user("brand-a", Role.BRAND_ADMIN)
    moved = director.put(
        reverse("api-campaign-detail", args=[campaign.pk]),
        {**BRIEF, "owner": admin.username},
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["owner"] == admin.username
    campaign.refresh_from_db()
    assert campaign.owner == admin
    event = AuditEvent.objects.filter(verb="campaign.updated").latest("pk")
    assert event.payload == {"owner": admin.username}
    # Without an owner, an update keeps the one it has.
    kept = director.put(
        reverse("api-campaign-detail", args=[campaign.pk]),
        {**BRIEF, "name": "Resort 27"},
        content_type="application/json",
    )
    assert kept.json()["owner"] == admin.username
    assert AuditEvent.objects.filter(verb="campaign.updated").latest("pk").payload == {}


@pytest.mark.parametrize(
    "owner",
    ["brand-a-stylist", "brand-a-social_team", "brand-b-creative_director", "nobody", "talent-a"],
)
def test_only_a_member_who_builds_campaigns_may_own_one(director, studio, owner):
    campaign = studio.campaign
    before = (campaign.owner_id, campaign.name, Campaign.objects.count())
    created = director.post(
        reverse("api-campaign-list"), {**BRIEF, "owner": owner}, content_type="application/json"
    )
    assert created.status_code == 400
    assert "the owner is a member whose role builds campaigns" in created.json()["detail"]
    moved = director.put(
        reverse("api-campaign-detail", args=[campaign.pk]),
        {**BRIEF, "owner": owner},
        content_type="application/json",
    )
    assert moved.status_code == 400
    campaign.refresh_from_db()
    assert (campaign.owner_id, campaign.name, Campaign.objects.count()) == before


def test_the_form_offers_the_brands_campaign_builders_and_hands_over(director, studio):
    world = studio.world
    page = director.get(reverse("campaign-create")).content.decode()
    assert 'value="brand-a-creative_director" selected' in page
    assert 'value="brand-a-brand_admin"' in page
    for stranger in ("brand-a-stylist", "brand-b-creative_director", "brand-b-brand_admin"):
        assert f'value="{stranger}"' not in page
    campaign = studio.campaign
    form = {
        "name": campaign.name,
        "starts_on": "2027-01-01",
        "ends_on": "2027-06-30",
        "markets": "DE",
        "channels": ["instagram"],
        "gpu_budget_minutes": "60",
        "backend": "preview",
        "owner": "brand-a-brand_admin",
    }
    response = director.post(reverse("campaign-edit", args=[campaign.pk]), form)
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.owner == world.user("brand-a", Role.BRAND_ADMIN)
    refused = director.post(
        reverse("campaign-edit", args=[campaign.pk]), {**form, "owner": "brand-b-brand_admin"}
    )
    assert refused.status_code == 400 and b"is not one of the available choices" in refused.content
    campaign.refresh_from_db()
    assert campaign.owner == world.user("brand-a", Role.BRAND_ADMIN)
