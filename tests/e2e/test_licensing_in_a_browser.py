"""A license negotiated through the pages in a real browser: the brand requests, the talent
counters, the brand accepts the counter."""

import pytest
from django.urls import reverse

from studio.enums import Role
from tests.factories import TEST_PASSWORD
from twins.enums import LicenseStatus
from twins.models import License

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username: str, password: str = TEST_PASSWORD) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{reverse('login')}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_request_counter_accept(world, live_server, page):
    world.talent_a.discoverable = True
    world.talent_a.save()
    sign_in(page, live_server, world.user("brand-a", Role.CREATIVE_DIRECTOR).username)
    page.click("nav.sidebar >> text=Twin catalogue")
    page.click("text=Request a license")
    page.fill("input[name=starts_on]", "2026-03-01")
    page.fill("input[name=ends_on]", "2026-08-31")
    page.fill("input[name=markets]", "fr, de")
    page.check("input[name=channels][value=instagram]")
    page.check("input[name=categories][value=top]")
    page.fill("input[name=flat_fee]", "100")
    page.fill("input[name=per_asset_fee]", "20")
    page.click("button:has-text('Send')")
    page.wait_for_selector(".message.success")
    license = License.objects.get()
    assert license.status == LicenseStatus.REQUESTED

    sign_in(page, live_server, world.talent_a.user.username)
    page.click("nav.sidebar >> text=Licenses")
    page.click("text=Counter…")
    page.fill("input[name=flat_fee]", "150")
    page.click("button:has-text('Send')")
    page.wait_for_selector(".message.success")
    assert License.objects.get().status == LicenseStatus.COUNTERED

    sign_in(page, live_server, world.user("brand-a", Role.CREATIVE_DIRECTOR).username)
    page.click("nav.sidebar >> text=Licenses")
    assert "proposes these terms" in page.inner_text("main")
    page.click("button:has-text('Accept')")
    page.wait_for_selector(".message.success")
    license.refresh_from_db()
    assert (license.status, str(license.flat_fee)) == (LicenseStatus.ACTIVE, "150.00")
    assert "Active" in page.inner_text("main")
