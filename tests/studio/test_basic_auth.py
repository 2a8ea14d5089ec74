"""An API client that signs in with Basic credentials, not a session, works in its own brand (or
the one its `X-Brand` header names, where it has a seat) and sees nothing else."""

import base64

import pytest
from django.test import Client
from django.urls import reverse

from campaigns.models import Campaign
from studio.enums import Role
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


def basic(username: str, password: str = TEST_PASSWORD) -> Client:
    """A client with no session that sends Basic credentials, and CSRF checked as in production."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Basic {token}")


CAMPAIGN = {
    "name": "Spring drop",
    "starts_on": "2027-03-01",
    "ends_on": "2027-04-30",
    "markets": ["DE"],
    "channels": ["instagram"],
}


@pytest.mark.defaults
def test_a_director_with_basic_credentials_starts_a_campaign_in_their_brand(world):
    client = basic("brand-a-creative_director")
    response = client.post(reverse("api-campaign-list"), CAMPAIGN, content_type="application/json")
    assert response.status_code == 201, response.content
    campaign = Campaign.objects.get(pk=response.json()["id"])
    assert (campaign.brand, campaign.owner.username) == (world.brand_a, "brand-a-creative_director")
    listed = client.get(reverse("api-campaign-list")).json()["results"]
    assert [row["id"] for row in listed] == [campaign.pk]
    assert basic("brand-b-creative_director").get(reverse("api-campaign-list")).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_basic_credentials_see_only_their_brand_whatever_the_header_says(world):
    client = basic("brand-b-stylist")
    for headers in ({}, {"HTTP_X_BRAND": "brand-a"}):
        response = client.get(reverse("api-garment-list"), **headers)
        assert [row["sku"] for row in response.json()["results"]] == [world.garment_b.sku]
    detail = client.get(reverse("api-garment-detail", args=[world.garment_a.pk]))
    assert detail.status_code == 404


def test_basic_credentials_work_in_the_brand_the_header_names(world):
    user = world.user("brand-a", Role.STYLIST)
    MembershipFactory(user=user, brand=world.brand_b, role=Role.STYLIST)
    client = basic(user.username)
    skus = {
        slug: [
            row["sku"]
            for row in client.get(reverse("api-garment-list"), HTTP_X_BRAND=slug).json()["results"]
        ]
        for slug in ("brand-a", "brand-b")
    }
    assert skus == {"brand-a": [world.garment_a.sku], "brand-b": [world.garment_b.sku]}


def test_a_wrong_password_is_refused_with_a_challenge_and_creates_nothing(world):
    """401 and `WWW-Authenticate: Basic`, as HTTP asks, for a client that sent credentials."""
    client = basic("brand-a-creative_director", "not-the-password")
    response = client.post(reverse("api-campaign-list"), CAMPAIGN, content_type="application/json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="api"'
    assert response.json()["detail"] == "Invalid username/password."
    assert not Campaign.objects.exists()


def test_a_request_signed_in_nowhere_gets_no_challenge(world, client):
    """403 and no `WWW-Authenticate`: a challenge would make a browser that followed a link to
    the API open its own sign-in box, over the studio's."""
    response = client.post(reverse("api-campaign-list"), CAMPAIGN, content_type="application/json")
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response
    assert response.json()["detail"] == "Authentication credentials were not provided."
    assert not Campaign.objects.exists()


def test_a_role_without_the_right_is_refused_with_basic_credentials_too(world):
    response = basic("brand-a-stylist").post(
        reverse("api-campaign-list"), CAMPAIGN, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Campaign.objects.exists()


def test_a_talent_with_basic_credentials_sees_only_their_twins(world):
    twins = basic("talent-a").get(reverse("api-twin-list")).json()["results"]
    assert [row["id"] for row in twins] == [world.twin_a.pk]
