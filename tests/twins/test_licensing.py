import re
import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction

from studio.enums import Role
from studio.errors import Conflict, NotFound, PermissionDenied, StudioError
from studio.models import AuditEvent
from studio.permissions import actor_for
from tests.factories import BrandFactory, LicenseFactory, UserFactory
from tests.races import lock_waiters
from twins.enums import CheckCode, Exclusivity, LicenseStatus, UsageKind
from twins.models import License, Representation, StandingTerms, Twin, UsageLine
from twins.revocation import revocation_handler, revocation_handler_remove
from twins.services import (
    Terms,
    license_accept,
    license_accept_counter,
    license_check,
    license_counter,
    license_decline,
    license_expire_due,
    license_request,
    license_revoke,
    representation_start,
    standing_terms_update,
    twin_consent_revoke,
    usage_record,
    wear_check,
)

pytestmark = pytest.mark.django_db
MID = date(2026, 6, 15)


def terms(**overrides) -> Terms:
    values = dict(
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 8, 31),
        markets=["fr", "DE"],
        channels=["instagram", "web"],
        categories=["top", "outerwear"],
        flat_fee=Decimal("100.00"),
        per_asset_fee=Decimal("25.50"),
    )
    values.update(overrides)
    return Terms(**values)


@pytest.fixture
def director(world):
    return actor_for(world.user("brand-a", Role.CREATIVE_DIRECTOR), "brand-a")


@pytest.fixture
def discoverable(world):
    world.talent_a.discoverable = True
    world.talent_a.save()
    return world.twin_a


def test_request_then_accept_activates_with_the_flat_fee(world, director, discoverable):
    license = license_request(actor=director, twin=discoverable, terms=terms())
    assert (license.status, license.markets, license.months) == (
        LicenseStatus.REQUESTED,
        ["DE", "FR"],
        6,
    )
    license_accept(actor=world.talent_a.user, license=license)
    license.refresh_from_db()
    assert license.status == LicenseStatus.ACTIVE
    assert license.decided_by == world.talent_a.user
    flat = UsageLine.objects.get(license=license)
    assert (flat.kind, flat.amount, flat.currency) == (UsageKind.FLAT, Decimal("1200.00"), "EUR")
    verbs = list(
        AuditEvent.objects.filter(object_id=str(license.pk))
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == ["license.requested", "license.accepted", "usage.recorded"]
    event = AuditEvent.objects.get(verb="license.accepted")
    assert event.talent_user == world.talent_a.user and event.brand == world.brand_a
    assert event.payload["markets"] == ["DE", "FR"]


def test_counter_goes_back_and_forth_until_one_side_accepts(world, director, discoverable):
    license = license_request(actor=director, twin=discoverable, terms=terms())
    license_counter(
        actor=world.talent_a.user, license=license, terms=terms(flat_fee=Decimal("150.00"))
    )
    license.refresh_from_db()
    assert (license.status, license.flat_fee) == (LicenseStatus.COUNTERED, Decimal("150.00"))
    with pytest.raises(Conflict):  # the talent cannot accept their own counter
        license_accept(actor=world.talent_a.user, license=license)
    license_counter(actor=director, license=license, terms=terms(flat_fee=Decimal("120.00")))
    license.refresh_from_db()
    assert (license.status, license.flat_fee) == (LicenseStatus.REQUESTED, Decimal("120.00"))
    license_counter(
        actor=world.talent_a.user, license=license, terms=terms(flat_fee=Decimal("130.00"))
    )
    license_accept_counter(actor=director, license=license)
    license.refresh_from_db()
    assert (license.status, license.flat_fee) == (LicenseStatus.ACTIVE, Decimal("130.00"))


def test_only_the_requesting_brand_answers_a_counter(world, director, discoverable):
    license = license_request(actor=director, twin=discoverable, terms=terms())
    license_counter(
        actor=world.talent_a.user, license=license, terms=terms(flat_fee=Decimal("150.00"))
    )
    rival = actor_for(world.user("brand-b", Role.BRAND_ADMIN))
    with pytest.raises(NotFound, match="No such license"):
        license_accept_counter(actor=rival, license=license)
    with pytest.raises(NotFound, match="No such license"):
        license_counter(actor=rival, license=license, terms=terms(flat_fee=Decimal("1.00")))
    license.refresh_from_db()
    assert (license.status, license.flat_fee) == (LicenseStatus.COUNTERED, Decimal("150.00"))


def test_decline_and_withdraw(world, director, discoverable):
    declined = license_request(actor=director, twin=discoverable, terms=terms())
    license_decline(actor=world.talent_a.user, license=declined, reason="Not this season")
    withdrawn = license_request(actor=director, twin=discoverable, terms=terms())
    license_decline(actor=director, license=withdrawn)
    assert set(License.objects.values_list("status", flat=True)) == {LicenseStatus.DECLINED}
    with pytest.raises(Conflict):
        license_accept(actor=world.talent_a.user, license=declined)


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ({"markets": ["France"]}, "Not a country code: FRANCE"),
        ({"markets": []}, "Name at least one market"),
        ({"channels": ["myspace"]}, "Channels are some of: "),
        ({"channels": []}, "Channels are some of: "),
        ({"categories": ["capes"]}, "Categories are some of: "),
        ({"categories": []}, "Categories are some of: "),
        ({"ends_on": date(2026, 1, 1)}, "The term ends before it starts."),
        ({"exclusivity": "forever"}, "Unknown exclusivity."),
        ({"exclusivity": Exclusivity.CATEGORY}, "names the competitors it excludes"),
        ({"currency": "euro"}, "The currency is an ISO code such as EUR."),
        ({"flat_fee": Decimal("-0.01")}, "Fees cannot be negative."),
        ({"per_asset_fee": Decimal("-0.01")}, "Fees cannot be negative."),
        ({"max_published_assets": 0}, "The maximum of published assets is 1 to"),
        ({"max_published_assets": 2**31}, "The maximum of published assets is 1 to"),
        ({"flat_fee": Decimal("9999999999")}, "past the 9,999,999,999.99 one ledger line holds"),
        ({"per_asset_fee": Decimal("5000000000")}, "An asset's fee over its markets is at most"),
    ],
)
def test_bad_terms_are_refused_and_nothing_is_created(director, discoverable, bad, says):
    with pytest.raises(StudioError, match=re.escape(says)):
        license_request(actor=director, twin=discoverable, terms=terms(**bad))
    assert not License.objects.exists() and not AuditEvent.objects.exists()


def test_a_request_keeps_every_term_as_given(world, director, discoverable):
    """What the brand proposed is what the talent sees and the ledger and audit record: free
    terms and the least cap included; competitors are named only by an exclusive license."""
    exclusive = license_request(
        actor=director,
        twin=discoverable,
        terms=terms(
            exclusivity=Exclusivity.CATEGORY,
            exclusive_against=[world.brand_b],
            max_published_assets=1,
            currency="CHF",
            flat_fee=Decimal("0"),
            per_asset_fee=Decimal("0.50"),
            note="Outerwear, AW26",
        ),
    )
    exclusive.refresh_from_db()
    assert (
        exclusive.exclusivity,
        list(exclusive.exclusive_against.all()),
        exclusive.max_published_assets,
        exclusive.currency,
        exclusive.flat_fee,
        exclusive.per_asset_fee,
        exclusive.note,
        exclusive.channels,
        exclusive.categories,
    ) == (
        Exclusivity.CATEGORY,
        [world.brand_b],
        1,
        "CHF",
        Decimal("0"),
        Decimal("0.50"),
        "Outerwear, AW26",
        ["instagram", "web"],
        ["outerwear", "top"],
    )
    payload = AuditEvent.objects.get(verb="license.requested").payload
    assert (payload["flat_fee"], payload["per_asset_fee"], payload["exclusive_against"]) == (
        "0",
        "0.50",
        ["brand-b"],
    )
    license_accept(actor=world.talent_a.user, license=exclusive)
    assert not UsageLine.objects.exists()  # no flat fee, no line of it

    plain = license_request(
        actor=director, twin=discoverable, terms=terms(exclusive_against=[world.brand_b])
    )
    assert (plain.exclusivity, plain.exclusive_against.count()) == (Exclusivity.NONE, 0)
    license_accept(actor=world.talent_a.user, license=plain)
    line = UsageLine.objects.get(license=plain)
    assert (line.markets, line.used_on) == (["DE", "FR"], plain.starts_on)
    event = AuditEvent.objects.get(verb="usage.recorded", object_id=str(plain.pk))
    assert (event.payload["kind"], event.payload["amount"]) == (UsageKind.FLAT, "1200.00")


def test_who_may_request_and_decide(world, director, discoverable):
    social = actor_for(world.user("brand-a", Role.SOCIAL_TEAM))
    with pytest.raises(PermissionDenied):
        license_request(actor=social, twin=discoverable, terms=terms())
    with pytest.raises(NotFound, match="No such twin in your catalogue"):  # not discoverable
        license_request(actor=director, twin=world.twin_b, terms=terms())
    license = license_request(actor=director, twin=discoverable, terms=terms())
    for stranger in (
        world.talent_b.user,
        world.other_agency.members.get().user,
        world.user("brand-b", Role.BRAND_ADMIN),
    ):
        with pytest.raises(NotFound):
            license_accept(actor=stranger, license=license)
    other_brand = actor_for(world.user("brand-b", Role.BRAND_ADMIN))
    with pytest.raises(NotFound, match="No such license"):
        license_decline(actor=other_brand, license=license)
    license.refresh_from_db()
    assert license.status == LicenseStatus.REQUESTED


def test_agency_acts_unless_the_talent_confirms_agency_decisions(world, director, discoverable):
    booker = world.agency.members.get().user
    first = license_request(actor=director, twin=discoverable, terms=terms())
    license_accept(actor=booker, license=first)
    assert License.objects.get(pk=first.pk).status == LicenseStatus.ACTIVE
    standing_terms_update(
        actor=world.talent_a.user,
        talent=world.talent_a,
        excluded_categories=[],
        excluded_content_tags=[],
        blocked_brands=[],
        agency_needs_confirmation=True,
    )
    second = license_request(actor=director, twin=discoverable, terms=terms())
    with pytest.raises(PermissionDenied, match="confirms agency decisions"):
        license_accept(actor=booker, license=second)
    with pytest.raises(PermissionDenied, match="confirms agency decisions"):
        license_counter(actor=booker, license=second, terms=terms(flat_fee=Decimal("500.00")))
    second.refresh_from_db()
    assert (second.status, second.flat_fee) == (LicenseStatus.REQUESTED, Decimal("100.00"))
    license_counter(
        actor=world.talent_a.user, license=second, terms=terms(flat_fee=Decimal("500.00"))
    )
    assert License.objects.get(pk=second.pk).status == LicenseStatus.COUNTERED


def test_only_the_talent_or_onboarding_staff_name_who_represents_them(world, director):
    """An agency acts for a talent with the talent's rights, so no agency names itself (nor
    any brand user); the talent does, or studio staff when onboarding them. It then acts for
    them, unless the talent says it may not."""
    booker = world.other_agency.members.get().user
    for stranger in (booker, world.agency.members.get().user, director.user):
        with pytest.raises(PermissionDenied, match="Only the talent chooses who represents them"):
            representation_start(
                actor=stranger, talent=world.talent_a, agency=world.other_agency, started_on=MID
            )
    assert not Representation.objects.filter(agency=world.other_agency).exists()
    assert not AuditEvent.objects.filter(verb="representation.started").exists()

    started = representation_start(
        actor=world.talent_a.user,
        talent=world.talent_a,
        agency=world.other_agency,
        started_on=MID,
        may_act=False,
    )
    assert (started.talent, started.agency, started.started_on, started.may_act) == (
        world.talent_a,
        world.other_agency,
        MID,
        False,
    )
    event = AuditEvent.objects.get(verb="representation.started")
    assert (event.object_id, event.actor, event.talent_user, event.payload) == (
        str(started.pk),
        world.talent_a.user,
        world.talent_a.user,
        {"agency": world.other_agency.slug, "may_act": False},
    )
    world.talent_a.discoverable = True
    world.talent_a.save()
    request = license_request(actor=director, twin=world.twin_a, terms=terms())
    with pytest.raises(NotFound):  # represents, may not act
        license_accept(actor=booker, license=request)

    staff = UserFactory(username="onboarding", is_staff=True)
    representation_start(
        actor=staff, talent=world.talent_a, agency=world.other_agency, started_on=MID
    )
    assert Representation.objects.filter(agency=world.other_agency).count() == 1
    license_accept(actor=booker, license=request)
    assert License.objects.get(pk=request.pk).status == LicenseStatus.ACTIVE


def test_only_the_talent_sets_standing_terms(world):
    with pytest.raises(PermissionDenied, match="Only the talent sets their standing terms"):
        standing_terms_update(
            actor=world.agency.members.get().user,
            talent=world.talent_a,
            excluded_categories=["swimwear"],
            excluded_content_tags=[],
            blocked_brands=[],
            agency_needs_confirmation=False,
        )
    with pytest.raises(StudioError):
        standing_terms_update(
            actor=world.talent_a.user,
            talent=world.talent_a,
            excluded_categories=["capes"],
            excluded_content_tags=[],
            blocked_brands=[],
            agency_needs_confirmation=False,
        )
    for categories, tags, unknown in (
        (["swimwear", "capes"], [], "capes"),
        ([], ["fur", "crypto"], "crypto"),
    ):
        with pytest.raises(StudioError, match=f"Unknown categories or content tags: {unknown}[.]"):
            standing_terms_update(
                actor=world.talent_a.user,
                talent=world.talent_a,
                excluded_categories=categories,
                excluded_content_tags=tags,
                blocked_brands=[],
                agency_needs_confirmation=False,
            )
    assert not StandingTerms.objects.exists()
    terms = standing_terms_update(
        actor=world.talent_a.user,
        talent=world.talent_a,
        excluded_categories=["swimwear", "lingerie", "swimwear"],
        excluded_content_tags=["tobacco", "fur"],
        blocked_brands=[world.brand_b],
        agency_needs_confirmation=True,
    )
    terms.refresh_from_db()
    assert (terms.excluded_categories, terms.excluded_content_tags) == (
        ["lingerie", "swimwear"],
        ["fur", "tobacco"],
    )
    assert list(terms.blocked_brands.all()) == [world.brand_b] and terms.agency_needs_confirmation
    event = AuditEvent.objects.get(verb="standing_terms.updated")
    assert (event.object_id, event.talent_user) == (str(terms.pk), world.talent_a.user)
    assert event.payload["blocked_brands"] == ["brand-b"]


# --- license_check --------------------------------------------------------------------------------
def check(world, **overrides):
    query = dict(
        twin=world.twin_a,
        brand=world.brand_a,
        channel="instagram",
        market="de",
        on=MID,
        categories=["top"],
        content_tags=[],
    )
    query.update(overrides)
    return license_check(**query)


def codes(result) -> set[str]:
    return {reason.code for reason in result.reasons}


def test_check_allows_what_an_active_license_covers(world):
    license = LicenseFactory(twin=world.twin_a, brand=world.brand_a)
    result = check(world)
    assert result.allowed and result.reasons == () and result.license == license


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"channel": "tiktok"}, CheckCode.CHANNEL),
        ({"market": "US"}, CheckCode.MARKET),
        ({"categories": ["top", "dress"]}, CheckCode.CATEGORY),
        ({"on": date(2027, 1, 1)}, CheckCode.NOT_IN_TERM),
        ({"brand": "brand_b"}, CheckCode.NO_LICENSE),
    ],
)
def test_check_names_why_not(world, overrides, code):
    LicenseFactory(twin=world.twin_a, brand=world.brand_a)
    if overrides.get("brand") == "brand_b":
        overrides["brand"] = world.brand_b
    result = check(world, **overrides)
    assert not result.allowed and result.license is None
    assert codes(result) == {code}
    assert all(reason.message for reason in result.reasons)


def test_standing_terms_agreement_and_consent_are_checked(world):
    LicenseFactory(twin=world.twin_a, brand=world.brand_a, categories=["top", "swimwear"])
    standing_terms_update(
        actor=world.talent_a.user,
        talent=world.talent_a,
        excluded_categories=["swimwear"],
        excluded_content_tags=["alcohol"],
        blocked_brands=[],
        agency_needs_confirmation=False,
    )
    assert codes(check(world, categories=["swimwear"])) == {CheckCode.CATEGORY_EXCLUDED}
    assert codes(check(world, content_tags=["alcohol"])) == {CheckCode.CONTENT_EXCLUDED}
    standing_terms_update(
        actor=world.talent_a.user,
        talent=world.talent_a,
        excluded_categories=[],
        excluded_content_tags=[],
        blocked_brands=[world.brand_a],
        agency_needs_confirmation=False,
    )
    assert codes(check(world)) == {CheckCode.BRAND_BLOCKED}
    standing_terms_update(
        actor=world.talent_a.user,
        talent=world.talent_a,
        excluded_categories=[],
        excluded_content_tags=[],
        blocked_brands=[],
        agency_needs_confirmation=False,
    )
    assert check(world).allowed
    world.twin_a.agreements.update(ends_on=date(2026, 5, 31))
    assert codes(check(world)) == {CheckCode.NO_AGREEMENT}


def test_one_talents_terms_and_agreements_never_decide_for_another(world, director):
    for twin in (world.twin_a, world.twin_b):
        LicenseFactory(twin=twin, brand=world.brand_a, categories=["top", "swimwear"])
    for talent, blocked, strict in (
        (world.talent_b, world.brand_a, True),
        (world.talent_a, world.brand_b, False),
    ):
        standing_terms_update(
            actor=talent.user,
            talent=talent,
            excluded_categories=["swimwear"] if strict else [],
            excluded_content_tags=["alcohol"] if strict else [],
            blocked_brands=[blocked],
            agency_needs_confirmation=strict,
        )
    assert check(world, categories=["top", "swimwear"], content_tags=["alcohol"]).allowed
    assert codes(
        check(world, twin=world.twin_b, categories=["swimwear"], content_tags=["alcohol"])
    ) == {CheckCode.BRAND_BLOCKED, CheckCode.CATEGORY_EXCLUDED, CheckCode.CONTENT_EXCLUDED}
    # talent B wants to confirm their agency's decisions; talent A's agency still decides alone
    world.talent_a.discoverable = True
    world.talent_a.save()
    request = license_request(actor=director, twin=world.twin_a, terms=terms())
    license_accept(actor=world.agency.members.get().user, license=request)
    assert License.objects.get(pk=request.pk).status == LicenseStatus.ACTIVE
    # twin B's agreement is no agreement for twin A
    world.twin_a.agreements.update(ends_on=date(2026, 5, 31))
    assert codes(check(world)) == {CheckCode.NO_AGREEMENT}


def test_a_look_may_be_worn_on_a_licenses_first_and_last_day_only(world):
    license = LicenseFactory(twin=world.twin_a, brand=world.brand_a)
    worn = {
        day: wear_check(twin=world.twin_a, brand=world.brand_a, categories=["top"], on=day)
        for day in (
            license.starts_on - timedelta(days=1),
            license.starts_on,
            license.ends_on,
            license.ends_on + timedelta(days=1),
        )
    }
    assert [result.allowed for result in worn.values()] == [False, True, True, False]
    assert [result.license for result in worn.values()] == [None, license, license, None]


def test_with_two_licenses_the_check_names_what_stops_the_nearest(world):
    """A brand holding two licenses, neither of which covers the use, is told what stops the
    one nearest to covering it, not every reason of both."""
    LicenseFactory(twin=world.twin_a, brand=world.brand_a, markets=["FR"])
    LicenseFactory(
        twin=world.twin_a,
        brand=world.brand_a,
        markets=["DE"],
        channels=["tiktok"],
        categories=["shoes"],
    )
    result = check(world, market="DE", categories=["top"])
    assert not result.allowed and [r.code for r in result.reasons] == [CheckCode.MARKET]
    result = check(world, market="DE", channel="tiktok", categories=["shoes", "top"])
    assert not result.allowed and [r.code for r in result.reasons] == [CheckCode.CATEGORY]


def test_a_look_no_license_dresses_the_twin_in_says_which_categories(world):
    """What no license in force covers is named; when each garment is covered by one license
    but none covers them all, the look is refused for wearing them together."""
    LicenseFactory(twin=world.twin_a, brand=world.brand_a, categories=["top"])
    LicenseFactory(twin=world.twin_a, brand=world.brand_a, categories=["bottom"])

    def why(categories: list[str]) -> list[str]:
        result = wear_check(twin=world.twin_a, brand=world.brand_a, categories=categories, on=MID)
        assert not result.allowed and result.license is None
        return [reason.message for reason in result.reasons]

    assert why(["top", "swimwear"]) == ["Not licensed for swimwear."]
    assert why(["top", "bottom"]) == ["Not licensed for these categories together."]
    assert why(["dress", "top", "shoes"]) == ["Not licensed for dress, shoes."]


def test_asset_cap_counts_published_assets_at_publication(world, director, discoverable):
    license = license_request(
        actor=director, twin=discoverable, terms=terms(max_published_assets=2)
    )
    license_accept(actor=world.talent_a.user, license=license)  # records the flat fee's line
    for channel in ("instagram", "web"):  # one asset, on two channels
        usage_record(
            license=license, asset_ref="asset-1", channel=channel, markets=["DE"], used_on=MID
        )
    assert check(world, publishing=True).allowed
    usage_record(
        license=license, asset_ref="asset-2", channel="instagram", markets=["DE"], used_on=MID
    )
    assert check(world).allowed  # rendering is not publishing
    assert codes(check(world, publishing=True)) == {CheckCode.ASSET_CAP}
    with pytest.raises(PermissionDenied):
        usage_record(
            license=license, asset_ref="asset-3", channel="instagram", markets=["DE"], used_on=MID
        )


# --- Exclusivity ----------------------------------------------------------------------------------
def exclusive_for_a(world, **overrides):
    values = dict(
        twin=world.twin_a,
        brand=world.brand_a,
        categories=["outerwear"],
        exclusivity=Exclusivity.CATEGORY,
    )
    values.update(overrides)
    license = LicenseFactory(**values)
    license.exclusive_against.set([world.brand_b])
    return license


def request_for_b(world, **overrides):
    values = dict(
        twin=world.twin_a,
        brand=world.brand_b,
        status=LicenseStatus.REQUESTED,
        categories=["outerwear", "top"],
    )
    values.update(overrides)
    return LicenseFactory(**values)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"starts_on": date(2025, 7, 1), "ends_on": date(2026, 1, 1)},  # shares its first day
        {"starts_on": date(2026, 12, 31), "ends_on": date(2027, 6, 30)},  # and its last
    ],
)
def test_an_overlapping_license_of_a_named_competitor_cannot_be_accepted(world, overrides):
    exclusive_for_a(world)
    rival = request_for_b(world, **overrides)
    with pytest.raises(Conflict, match="exclusive"):
        license_accept(actor=world.talent_a.user, license=rival)
    assert License.objects.get(pk=rival.pk).status == LicenseStatus.REQUESTED


@pytest.mark.parametrize(
    "overrides",
    [
        {"categories": ["top"]},
        {"starts_on": date(2027, 1, 1), "ends_on": date(2027, 3, 31)},
        {"starts_on": date(2025, 7, 1), "ends_on": date(2025, 12, 31)},
    ],
)
def test_no_overlap_no_conflict(world, overrides):
    exclusive_for_a(world)
    rival = request_for_b(world, **overrides)
    license_accept(actor=world.talent_a.user, license=rival)
    assert License.objects.get(pk=rival.pk).status == LicenseStatus.ACTIVE


def test_an_exclusive_binds_its_own_talent_and_named_competitors_only(world):
    """Brand A's exclusive on talent A, against brand B: a brand it does not name licenses
    talent A, brand A's exclusive may be accepted beside that brand's license, and brand B
    licenses another talent, all in the same categories and term."""
    exclusive_for_a(world)
    third = BrandFactory(name="Brand C", slug="brand-c")
    unnamed = request_for_b(world, brand=third)
    license_accept(actor=world.talent_a.user, license=unnamed)
    rival_elsewhere = request_for_b(world, twin=world.twin_b)
    license_accept(actor=world.talent_b.user, license=rival_elsewhere)
    mine = exclusive_for_a(world, status=LicenseStatus.REQUESTED, starts_on=date(2026, 2, 1))
    license_accept(actor=world.talent_a.user, license=mine)
    assert License.objects.filter(status=LicenseStatus.ACTIVE).count() == 4


def test_an_exclusive_cannot_be_accepted_over_a_competitors_active_license(world):
    request_for_b(world, status=LicenseStatus.ACTIVE)
    mine = exclusive_for_a(world, status=LicenseStatus.REQUESTED)
    with pytest.raises(Conflict):
        license_accept(actor=world.talent_a.user, license=mine)


@pytest.mark.django_db(transaction=True)
def test_two_conflicting_acceptances_at_once_leave_one_active(world):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    mine = exclusive_for_a(world, status=LicenseStatus.REQUESTED)
    rival = request_for_b(world)
    barrier, outcomes = threading.Barrier(2), []

    def accept(license):
        barrier.wait()
        try:
            license_accept(actor=world.talent_a.user, license=license)
            outcomes.append("active")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(lic,)) for lic in (mine, rival)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["active", "conflict"]
    assert License.objects.filter(status=LicenseStatus.ACTIVE).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("decision", ["revoke", "expire"])
def test_a_license_decided_while_a_matrix_is_checking_its_twin_waits_and_never_deadlocks(
    world, decision
):
    """Queueing a matrix locks the twins (with their talents), then their licenses
    (LicenseBook(lock=True)). A decision on a license that comes between the two halves must not
    hold the license while it waits for the twin: the two would wait for each other."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    license = LicenseFactory(twin=world.twin_a, brand=world.brand_a)
    if decision == "expire":
        License.objects.filter(pk=license.pk).update(ends_on=date.today() - timedelta(days=1))
    outcome: list[str] = []

    def decide() -> None:
        try:
            if decision == "revoke":
                license_revoke(actor=world.talent_a.user, license=license, reason="Ended")
            else:
                license_expire_due(today=date.today())
            outcome.append("done")
        except Exception as exc:
            outcome.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    with transaction.atomic():
        # The first half of LicenseBook(lock=True): the twin and its talent.
        list(Twin.objects.select_related("talent").select_for_update().filter(pk=world.twin_a.pk))
        thread = threading.Thread(target=decide)
        thread.start()
        for _ in range(100):  # the decision is now waiting for a lock
            if lock_waiters():
                break
            time.sleep(0.05)
        assert lock_waiters() == 1, outcome
        # The second half: the twin's licenses. A decision holding the license deadlocks here.
        held = list(License.objects.select_for_update().filter(twin=world.twin_a))
        assert [lic.status for lic in held] == [LicenseStatus.ACTIVE]
    thread.join(10)
    assert outcome == ["done"]
    expected = LicenseStatus.REVOKED if decision == "revoke" else LicenseStatus.EXPIRED
    assert License.objects.get(pk=license.pk).status == expected


# --- Revocation and expiry ------------------------------------------------------------------------
@pytest.fixture
def received():
    calls: list[object] = []
    handler = revocation_handler(calls.append)
    yield calls
    revocation_handler_remove(handler)


def test_revoking_a_license_stops_new_work_and_tells_the_handlers(
    world, received, django_capture_on_commit_callbacks
):
    license = LicenseFactory(twin=world.twin_a, brand=world.brand_a)
    with pytest.raises(StudioError):
        license_revoke(actor=world.talent_a.user, license=license, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        license_revoke(actor=world.talent_a.user, license=license, reason="Brand scandal")
    assert codes(check(world)) == {CheckCode.NO_LICENSE}
    [revocation] = received
    assert (revocation.kind, revocation.license_ids, revocation.brand_ids, revocation.reason) == (
        "license",
        (license.pk,),
        (world.brand_a.pk,),
        "Brand scandal",
    )
    event = AuditEvent.objects.get(verb="license.revoked")
    assert event.actor == world.talent_a.user and event.payload["reason"] == "Brand scandal"


def test_a_failing_handler_does_not_undo_the_revocation(world, django_capture_on_commit_callbacks):
    def broken(_revocation):
        raise RuntimeError("downstream bug")

    revocation_handler(broken)
    try:
        license = LicenseFactory(twin=world.twin_a, brand=world.brand_a)
        with django_capture_on_commit_callbacks(execute=True):
            license_revoke(actor=world.talent_a.user, license=license, reason="No")
    finally:
        revocation_handler_remove(broken)
    assert License.objects.get(pk=license.pk).status == LicenseStatus.REVOKED


def test_withdrawing_consent_ends_every_license_of_the_twin(
    world, received, django_capture_on_commit_callbacks
):
    active = LicenseFactory(twin=world.twin_a, brand=world.brand_a)
    pending = LicenseFactory(twin=world.twin_a, brand=world.brand_b, status=LicenseStatus.REQUESTED)
    with pytest.raises(NotFound, match="Only the person a twin depicts withdraws consent"):
        twin_consent_revoke(actor=world.agency.members.get().user, twin=world.twin_a, reason="x")
    with pytest.raises(StudioError, match="Say why consent is withdrawn"):
        twin_consent_revoke(actor=world.talent_a.user, twin=world.twin_a, reason="  ")
    assert Twin.objects.get(pk=world.twin_a.pk).consent_revoked_at is None
    assert License.objects.get(pk=active.pk).status == LicenseStatus.ACTIVE and not received
    with django_capture_on_commit_callbacks(execute=True):
        twin_consent_revoke(actor=world.talent_a.user, twin=world.twin_a, reason="Retiring")
    assert License.objects.get(pk=active.pk).status == LicenseStatus.REVOKED
    assert License.objects.get(pk=pending.pk).status == LicenseStatus.DECLINED
    assert CheckCode.CONSENT_REVOKED in codes(check(world))
    assert received[0].kind == "consent"
    assert set(received[0].brand_ids) == {world.brand_a.pk, world.brand_b.pk}
    assert set(received[0].license_ids) == {active.pk, pending.pk}
    event = AuditEvent.objects.get(verb="twin.consent_revoked")
    assert (event.object_id, event.talent_user, event.payload["reason"]) == (
        str(world.twin_a.pk),
        world.talent_a.user,
        "Retiring",
    )
    assert sorted(event.payload["licenses"]) == sorted([active.pk, pending.pk])
    with pytest.raises(Conflict, match="withdrawn already"):
        twin_consent_revoke(actor=world.talent_a.user, twin=world.twin_a, reason="Again")


def test_withdrawing_consent_for_a_twin_leaves_other_twins_and_past_licenses(world):
    """Talent B's twin keeps its license; a license of the twin that had expired stays expired
    (its history is not rewritten as a revocation)."""
    expired = LicenseFactory(twin=world.twin_a, brand=world.brand_a, status=LicenseStatus.EXPIRED)
    other = LicenseFactory(twin=world.twin_b, brand=world.brand_a)
    twin_consent_revoke(actor=world.talent_a.user, twin=world.twin_a, reason="Retiring")
    assert License.objects.get(pk=expired.pk).status == LicenseStatus.EXPIRED
    assert License.objects.get(pk=other.pk).status == LicenseStatus.ACTIVE
    assert Twin.objects.get(pk=world.twin_b.pk).consent_revoked_at is None


@pytest.mark.django_db(transaction=True)
def test_revocation_racing_checks_never_leaves_a_usable_license(world):
    """Publishers check with a lock and record usage; the talent revokes meanwhile. Whatever
    the interleaving, no use is recorded after the revocation and every later check refuses."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    license = LicenseFactory(twin=world.twin_a, brand=world.brand_a, per_asset_fee=Decimal("1"))
    stop = threading.Event()

    def publish(worker: int) -> None:
        n = 0
        try:
            while not stop.is_set() and n < 200:
                n += 1
                try:
                    usage_record(
                        license=license,
                        asset_ref=f"w{worker}-{n}",
                        channel="instagram",
                        markets=["DE"],
                        used_on=MID,
                    )
                except PermissionDenied:
                    return
        finally:
            connection.close()

    publishers = [threading.Thread(target=publish, args=(i,)) for i in range(3)]
    for thread in publishers:
        thread.start()
    license_revoke(actor=world.talent_a.user, license=license, reason="Now")
    revoked = AuditEvent.objects.get(verb="license.revoked")
    for thread in publishers:
        thread.join(timeout=60)
    stop.set()
    assert not check(world).allowed
    late = AuditEvent.objects.filter(verb="usage.recorded", id__gt=revoked.id)
    assert list(late) == []
    recorded = UsageLine.objects.filter(license=license, kind=UsageKind.ASSET)
    assert all(line.created_at <= revoked.created_at for line in recorded)


def test_licenses_expire_on_time_once(world):
    yesterday = date(2026, 11, 21)
    ended = LicenseFactory(twin=world.twin_a, brand=world.brand_a, ends_on=yesterday)
    running = LicenseFactory(
        twin=world.twin_a, brand=world.brand_b, ends_on=yesterday + timedelta(days=1)
    )
    assert license_expire_due(today=yesterday + timedelta(days=1)) == [ended.pk]
    assert license_expire_due(today=yesterday + timedelta(days=1)) == []
    assert License.objects.get(pk=ended.pk).status == LicenseStatus.EXPIRED
    assert License.objects.get(pk=running.pk).status == LicenseStatus.ACTIVE
    event = AuditEvent.objects.get(verb="license.expired")
    assert event.actor is None and event.talent_user == world.talent_a.user


# --- Usage ----------------------------------------------------------------------------------------
def test_usage_fee_follows_the_terms_and_is_recorded_once(world):
    license = LicenseFactory(twin=world.twin_a, brand=world.brand_a, per_asset_fee=Decimal("33.33"))
    line = usage_record(
        license=license, asset_ref="a1", channel="web", markets=["de", "fr"], used_on=MID
    )
    again = usage_record(
        license=license, asset_ref="a1", channel="web", markets=["DE", "FR"], used_on=MID
    )
    assert line.pk == again.pk
    assert (line.amount, line.markets) == (Decimal("66.66"), ["DE", "FR"])
    with pytest.raises(PermissionDenied, match="US"):
        usage_record(license=license, asset_ref="a2", channel="web", markets=["US"], used_on=MID)
    assert UsageLine.objects.count() == 1


def test_each_channel_and_each_license_records_its_own_use_of_an_asset(world):
    """One asset posted on two channels is two uses; the same asset reference under another
    brand's license is that brand's use, not ours returned to them. A use without its asset or
    markets is refused and records nothing."""
    mine = LicenseFactory(twin=world.twin_a, brand=world.brand_a, per_asset_fee=Decimal("10"))
    theirs = LicenseFactory(twin=world.twin_a, brand=world.brand_b, per_asset_fee=Decimal("20"))
    lines = [
        usage_record(license=license, asset_ref="a1", channel=channel, markets=["DE"], used_on=MID)
        for license, channel in ((mine, "web"), (mine, "instagram"), (theirs, "web"))
    ]
    assert [(line.license, line.channel, line.amount) for line in lines] == [
        (mine, "web", Decimal("10.00")),
        (mine, "instagram", Decimal("10.00")),
        (theirs, "web", Decimal("20.00")),
    ]
    event = AuditEvent.objects.filter(verb="usage.recorded").order_by("id").last()
    assert event.brand == world.brand_b
    assert {key: event.payload[key] for key in ("kind", "asset_ref", "channel", "amount")} == {
        "kind": UsageKind.ASSET,
        "asset_ref": "a1",
        "channel": "web",
        "amount": "20.00",
    }
    assert event.payload["used_markets"] == ["DE"]
    for asset_ref, markets in (("", ["DE"]), ("a2", []), ("a2", [" "])):
        with pytest.raises(StudioError, match="names the asset and at least one market"):
            usage_record(
                license=mine, asset_ref=asset_ref, channel="web", markets=markets, used_on=MID
            )
    assert UsageLine.objects.count() == 3


def test_a_stranger_is_no_user_of_these_services(world):
    license = LicenseFactory(twin=world.twin_a, brand=world.brand_a)
    with pytest.raises(NotFound):
        license_revoke(actor=UserFactory(username="random"), license=license, reason="x")
    assert License.objects.get(pk=license.pk).status == LicenseStatus.ACTIVE
