"""Markets are ISO 3166-1 country codes, checked against the list of countries: a license and a
campaign meet on the same code, so UK (for GB) or a typo is refused where it is typed. Before,
any two letters passed: a license for "UK" never covered a campaign in "GB", and nobody was told
why until the plan listed every shot as forbidden."""

import pytest
from django.urls import reverse

from campaigns.models import Campaign
from studio.enums import Role
from studio.markets import markets_read
from twins.models import License

pytestmark = [pytest.mark.django_db, pytest.mark.defaults]


def test_codes_are_read_as_countries():
    assert markets_read([" de", "FR", "fr", ""]) == (["DE", "FR"], "")
    assert markets_read(["gb", "us", "jp", "ch"]) == (["CH", "GB", "JP", "US"], "")
    for codes, named in [
        (["UK"], "UK (for GB?)"),
        (["EL", "DE"], "EL (for GR?)"),
        (["ZZ", "XX"], "XX, ZZ"),
        (["FRA"], "FRA"),  # alpha-3: the studio's markets are alpha-2
        (["D"], "D"),
        (["1F"], "1F"),
    ]:
        _markets, wrong = markets_read(codes)
        assert wrong == (
            f"Not a country code: {named}. Markets are ISO country codes such as DE, FR, GB or US."
        )
    assert markets_read([" ", ""]) == (
        [],
        "Name at least one market: a country code such as DE, FR or US.",
    )


def test_a_campaign_in_no_country_is_refused_and_nothing_is_made(world, client):
    client.force_login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    data = {
        "name": "Autumn",
        "starts_on": "2026-12-01",
        "ends_on": "2027-02-28",
        "channels": ["instagram"],
    }
    answer = client.post(
        reverse("api-campaign-list"),
        {**data, "markets": ["DE", "UK"]},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert answer.json()["detail"] == (
        "Not a country code: UK (for GB?). Markets are ISO country codes such as DE, FR, GB or US."
    )
    page = client.post(
        reverse("campaign-create"),
        {**data, "markets": "de, zz", "gpu_budget_minutes": "30", "backend": "preview"},
    )
    assert page.status_code == 400
    assert "Not a country code: ZZ." in page.content.decode()
    assert not Campaign.objects.exists()
    made = client.post(
        reverse("api-campaign-list"),
        {**data, "markets": ["gb", "de"]},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["markets"] == ["DE", "GB"]


def test_a_license_for_no_country_is_refused_and_nothing_is_made(world, client):
    world.talent_a.discoverable = True
    world.talent_a.save()
    client.force_login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    answer = client.post(
        reverse("api-license-list"),
        {
            "twin": world.twin_a.pk,
            "starts_on": "2026-12-01",
            "ends_on": "2027-02-28",
            "markets": ["UK"],
            "channels": ["instagram"],
            "categories": ["top"],
            "flat_fee": "100",
            "per_asset_fee": "0",
        },
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert "Not a country code: UK (for GB?)." in answer.json()["detail"]
    assert not License.objects.exists()


def test_pages_name_each_market_s_country(world, client):
    client.force_login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    made = client.post(
        reverse("api-campaign-list"),
        {
            "name": "Autumn",
            "starts_on": "2026-12-01",
            "ends_on": "2027-02-28",
            "channels": ["instagram"],
            "markets": ["GB", "DE"],
        },
        content_type="application/json",
    )
    shown = '<abbr title="Germany">DE</abbr>, <abbr title="United Kingdom">GB</abbr>'
    for page in (reverse("campaign-list"), reverse("campaign-board", args=[made.json()["id"]])):
        assert shown in client.get(page).content.decode(), page
