"""Guessing passwords stops after LOGIN_FAILURE_LIMIT wrong ones for a username from an address
(django-axes), on the sign-in page and with the API's Basic credentials; the pause ends once
LOGIN_LOCKOUT_MINUTES pass without a try, and touches neither other usernames nor other
addresses."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from campaigns.models import Campaign
from tests.factories import UserFactory
from tests.studio.test_basic_auth import CAMPAIGN, basic

pytestmark = pytest.mark.django_db

RIGHT = "right-pass-1234!"
LIMIT = settings.AXES_FAILURE_LIMIT


def sign_in(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def signed_in(client: Client) -> bool:
    return client.get(reverse("dashboard")).status_code == 200


def fail(client: Client, username: str, times: int, address: str = "10.0.0.1") -> list[int]:
    return [sign_in(client, username, "wrong", address).status_code for _ in range(times)]


@pytest.mark.defaults
def test_the_limit_pauses_that_username_from_that_address_even_with_the_right_password(client):
    UserFactory(username="ana", password=RIGHT)
    UserFactory(username="bo", password=RIGHT)
    assert fail(client, "ana", LIMIT) == [200] * (LIMIT - 1) + [429]
    paused = sign_in(client, "ana", RIGHT)
    assert paused.status_code == 429
    assert paused["Retry-After"] == str(settings.AXES_COOLOFF_TIME.seconds)
    page = paused.content.decode()
    assert "Sign-in paused" in page and "ana" in page and "15 minutes pass without a try" in page
    assert not signed_in(client)

    assert sign_in(Client(), "ana", RIGHT, address="10.0.0.2").status_code == 302
    other = Client()
    assert sign_in(other, "bo", RIGHT).status_code == 302 and signed_in(other)


def minutes_pass(minutes: float) -> None:
    """Move the failed sign-ins back in time."""
    attempt = AccessAttempt.objects.get()
    AccessAttempt.objects.update(attempt_time=attempt.attempt_time - timedelta(minutes=minutes))


def test_the_pause_ends_when_its_minutes_pass_without_a_try(client):
    UserFactory(username="ana", password=RIGHT)
    fail(client, "ana", LIMIT)
    minutes_pass(10)
    assert sign_in(client, "ana", RIGHT).status_code == 429  # a try: the 15 minutes start again
    minutes_pass(10)
    assert sign_in(client, "ana", RIGHT).status_code == 429
    minutes_pass(15.1)
    assert sign_in(client, "ana", RIGHT).status_code == 302 and signed_in(client)


def test_an_administrator_lifts_the_pause(client):
    UserFactory(username="ana", password=RIGHT)
    fail(client, "ana", LIMIT)
    call_command("axes_reset_username", "ana")
    assert sign_in(client, "ana", RIGHT).status_code == 302 and signed_in(client)


def test_a_right_password_starts_the_count_again(client):
    UserFactory(username="ana", password=RIGHT)
    fail(client, "ana", LIMIT - 1)
    assert sign_in(client, "ana", RIGHT).status_code == 302
    client.post(reverse("logout"))
    assert fail(client, "ana", LIMIT - 1) == [200] * (LIMIT - 1)
    assert sign_in(client, "ana", RIGHT).status_code == 302


def test_basic_credentials_are_paused_too_and_the_api_says_so(world):
    director = "brand-a-creative_director"
    wrong = basic(director, "wrong")
    statuses = [wrong.get(reverse("api-campaign-list")).status_code for _ in range(LIMIT)]
    assert statuses == [401] * (LIMIT - 1) + [429]

    right = basic(director)
    response = right.post(reverse("api-campaign-list"), CAMPAIGN, content_type="application/json")
    assert response.status_code == 429
    assert response.json() == {
        "code": "locked_out",
        "detail": "Too many wrong passwords for this username from this address: signing in is "
        "paused, even with the right password, until 15 minutes pass without a try.",
    }
    assert response["Retry-After"] == "900"
    assert not Campaign.objects.exists()

    elsewhere = basic(director)
    elsewhere.defaults["REMOTE_ADDR"] = "10.0.0.2"
    response = elsewhere.post(
        reverse("api-campaign-list"), CAMPAIGN, content_type="application/json"
    )
    assert response.status_code == 201


def through_proxies(client: Client, username: str, password: str, forwarded: str):
    """A sign-in that reached the studio through its reverse proxies (REMOTE_ADDR the inner
    one), with the X-Forwarded-For they built."""
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_trusted_proxies_each_client_address_has_its_own_count(client, settings):
    """Behind two proxies the client is the address the outer one appended: a guesser's pause
    does not reach the talent signing in from elsewhere, and the addresses a guesser writes into
    the header themselves change nothing."""
    settings.TRUSTED_PROXIES = 2
    UserFactory(username="ana", password=RIGHT)
    guesser = [
        through_proxies(client, "ana", "wrong", f"{spoof}, 198.51.100.7, 10.0.0.253").status_code
        for spoof in ("1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5")
    ]
    assert guesser == [200] * (LIMIT - 1) + [429]
    assert (
        through_proxies(Client(), "ana", RIGHT, "6.6.6.6, 198.51.100.7, 10.0.0.253").status_code
        == 429
    )
    talent = through_proxies(Client(), "ana", RIGHT, "203.0.113.5, 10.0.0.253")
    assert talent.status_code == 302
    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"


@pytest.mark.parametrize("forwarded", [None, "10.0.0.253", "not-an-address, 10.0.0.253"])
def test_a_header_the_proxies_did_not_build_falls_back_to_the_connection(
    client, settings, forwarded
):
    """Too few hops, or no address where the outer proxy's should be: the connection's address,
    never a value the client chose."""
    from django.test import RequestFactory

    from studio.lockout import client_address

    settings.TRUSTED_PROXIES = 2
    meta = {"REMOTE_ADDR": "10.0.0.254"}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(RequestFactory().get("/", **meta)) == "10.0.0.254"


def test_without_trusted_proxies_the_header_is_not_read(client):
    UserFactory(username="ana", password=RIGHT)
    for n in range(LIMIT):
        through_proxies(client, "ana", "wrong", f"198.51.100.{n}")
    assert AccessAttempt.objects.get().ip_address == "10.0.0.254"
    assert through_proxies(Client(), "ana", RIGHT, "203.0.113.5").status_code == 429
