"""Property tests: license_check against a plain statement of what a license covers, and
exclusivity against a plain statement of what overlaps."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.errors import Conflict
from tests.factories import LicenseFactory
from twins.enums import CheckCode, Exclusivity, LicenseStatus
from twins.models import License
from twins.services import license_accept, license_check

pytestmark = pytest.mark.django_db
SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

MARKETS = ["DE", "FR", "IT", "US", "JP"]
CHANNELS = ["instagram", "tiktok", "youtube", "web", "print", "out_of_home"]
CATEGORIES = ["top", "bottom", "dress", "outerwear", "shoes", "accessory"]
BASE = date(2026, 1, 1)

days = st.integers(min_value=0, max_value=400)
subset = lambda items: st.lists(st.sampled_from(items), min_size=1, unique=True)  # noqa: E731


@st.composite
def terms(draw):
    start = BASE + timedelta(days=draw(days))
    return {
        "starts_on": start,
        "ends_on": start + timedelta(days=draw(days)),
        "markets": sorted(draw(subset(MARKETS))),
        "channels": sorted(draw(subset(CHANNELS))),
        "categories": sorted(draw(subset(CATEGORIES))),
    }


@pytest.fixture
def license(world):
    return LicenseFactory(twin=world.twin_a, brand=world.brand_a)


@SETTINGS
@given(
    terms=terms(),
    on=days.map(lambda d: BASE + timedelta(days=d)),
    channel=st.sampled_from(CHANNELS),
    market=st.sampled_from(MARKETS),
    categories=st.lists(st.sampled_from(CATEGORIES), unique=True, max_size=3),
)
def test_check_agrees_with_the_terms(world, license, terms, on, channel, market, categories):
    License.objects.filter(pk=license.pk).update(**terms)
    result = license_check(
        twin=world.twin_a,
        brand=world.brand_a,
        channel=channel,
        market=market.lower(),
        on=on,
        categories=categories,
    )
    failing = {
        CheckCode.NOT_IN_TERM: not terms["starts_on"] <= on <= terms["ends_on"],
        CheckCode.CHANNEL: channel not in terms["channels"],
        CheckCode.MARKET: market not in terms["markets"],
        CheckCode.CATEGORY: not set(categories) <= set(terms["categories"]),
    }
    assert {reason.code for reason in result.reasons} == {c for c, f in failing.items() if f}
    assert result.allowed is not any(failing.values())
    assert (result.license is not None) is result.allowed
    if result.allowed:  # dressing the twin in fewer categories is never refused
        for category in categories:
            smaller = [c for c in categories if c != category]
            assert license_check(
                twin=world.twin_a,
                brand=world.brand_a,
                channel=channel,
                market=market,
                on=on,
                categories=smaller,
            ).allowed


@SETTINGS
@given(first=terms(), second=terms(), first_exclusive=st.booleans(), second_exclusive=st.booleans())
def test_exclusivity_conflicts_exactly_when_terms_and_categories_overlap(
    world, first, second, first_exclusive, second_exclusive
):
    License.objects.all().delete()
    active = LicenseFactory(
        twin=world.twin_a,
        brand=world.brand_a,
        **first,
        exclusivity=Exclusivity.CATEGORY if first_exclusive else Exclusivity.NONE,
    )
    if first_exclusive:
        active.exclusive_against.set([world.brand_b])
    pending = LicenseFactory(
        twin=world.twin_a,
        brand=world.brand_b,
        **second,
        status=LicenseStatus.REQUESTED,
        exclusivity=Exclusivity.CATEGORY if second_exclusive else Exclusivity.NONE,
    )
    if second_exclusive:
        pending.exclusive_against.set([world.brand_a])
    overlap = (
        first["starts_on"] <= second["ends_on"]
        and second["starts_on"] <= first["ends_on"]
        and set(first["categories"]) & set(second["categories"])
    )
    conflict = bool(overlap) and (first_exclusive or second_exclusive)
    try:
        license_accept(actor=world.talent_a.user, license=pending)
        accepted = True
    except Conflict:
        accepted = False
    assert accepted is not conflict
    expected = LicenseStatus.REQUESTED if conflict else LicenseStatus.ACTIVE
    assert License.objects.get(pk=pending.pk).status == expected
