from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from studio.enums import Role
from tests.factories import BrandFactory, LicenseFactory, ReplicaAgreementFactory, TwinFactory
from twins.enums import LicenseStatus
from twins.models import License, ReplicaAgreement, Twin
from twins.services import standing_terms_update, usage_record

pytestmark = pytest.mark.django_db

TERMS = {
    "starts_on": "2026-03-01",
    "ends_on": "2026-05-31",
    "markets": ["fr", "de"],
    "channels": ["instagram"],
    "categories": ["top"],
    "flat_fee": "50.00",
    "per_asset_fee": "10.00",
}


def test_the_whole_negotiation_over_the_api(world, login):
    world.talent_a.discoverable = True
    world.talent_a.save()
    director = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    created = director.post(
        reverse("api-license-list"),
        {**TERMS, "twin": world.twin_a.pk},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["markets"], body["months"], body["flat_total"]) == (
        "requested",
        ["DE", "FR"],
        3,
        "300.00",
    )
    talent = login(world.talent_a.user)
    countered = talent.post(
        reverse("api-talent-license-action", args=[body["id"], "counter"]),
        {**TERMS, "flat_fee": "70.00"},
        content_type="application/json",
    )
    assert countered.json()["status"] == "countered"
    director = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    accepted = director.post(reverse("api-license-action", args=[body["id"], "accept"]))
    assert accepted.json()["status"] == "active" and accepted.json()["flat_fee"] == "70.00"
    check = director.post(
        reverse("api-license-check"),
        {
            "twin": world.twin_a.pk,
            "channel": "instagram",
            "market": "fr",
            "on": "2026-04-01",
            "categories": ["top"],
        },
        content_type="application/json",
    ).json()
    assert check == {"allowed": True, "license": body["id"], "reasons": []}
    refused = director.post(
        reverse("api-license-check"),
        {"twin": world.twin_a.pk, "channel": "tiktok", "market": "US", "on": "2026-04-01"},
        content_type="application/json",
    ).json()
    assert not refused["allowed"]
    assert {r["code"] for r in refused["reasons"]} == {"channel", "market"}


def test_bad_api_input_is_a_400_and_changes_nothing(world, login):
    world.talent_a.discoverable = True
    world.talent_a.save()
    director = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    for bad in (
        {"markets": ["France"]},
        {"channels": ["fax"]},
        {"ends_on": "2025-01-01"},
        {"flat_fee": "-3"},
        {"exclusivity": "category"},
    ):
        response = director.post(
            reverse("api-license-list"),
            {**TERMS, **bad, "twin": world.twin_a.pk},
            content_type="application/json",
        )
        assert response.status_code == 400, bad
    assert not License.objects.exists()


def test_other_brands_and_talents_get_404s(world, login):
    license = LicenseFactory(twin=world.twin_a, brand=world.brand_a, status=LicenseStatus.COUNTERED)
    brand_b = login(world.user("brand-b", Role.BRAND_ADMIN))
    assert brand_b.get(reverse("api-license-detail", args=[license.pk])).status_code == 404
    assert (
        brand_b.post(reverse("api-license-action", args=[license.pk, "accept"])).status_code == 404
    )
    assert brand_b.get(reverse("api-license-list")).json()["results"] == []
    check = brand_b.post(
        reverse("api-license-check"),
        {"twin": world.twin_a.pk, "channel": "web", "market": "DE"},
        content_type="application/json",
    )
    assert check.status_code == 404  # not in brand B's catalogue
    other = login(world.talent_b.user)
    for name, args in [
        ("api-talent-licenses", [world.talent_a.pk]),
        ("api-talent-terms", [world.talent_a.pk]),
        ("api-talent-statement", [world.talent_a.pk]),
    ]:
        assert other.get(reverse(name, args=args)).status_code == 404, name
    assert (
        other.post(reverse("api-talent-license-action", args=[license.pk, "decline"])).status_code
        == 404
    )
    assert License.objects.get(pk=license.pk).status == LicenseStatus.COUNTERED


def test_terms_agreement_and_consent_over_the_api(world, login):
    client = login(world.talent_a.user)
    url = reverse("api-talent-terms", args=[world.talent_a.pk])
    assert client.get(url).json()["approve_every_output"] is True
    saved = client.put(
        url,
        {
            "excluded_categories": ["swimwear"],
            "excluded_content_tags": ["alcohol"],
            "blocked_brands": ["brand-b"],
            "agency_needs_confirmation": True,
        },
        content_type="application/json",
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["blocked_brands"] == ["brand-b"]
    partial: dict[str, list[str]] = {
        "excluded_categories": [],
        "excluded_content_tags": [],
        "blocked_brands": [],
    }
    refused = client.put(url, partial, content_type="application/json")  # it was a 500
    assert refused.status_code == 400
    assert refused.json() == {"agency_needs_confirmation": ["This field is required."]}
    assert client.get(url).json()["blocked_brands"] == ["brand-b"]
    booker = login(world.agency.members.get().user)
    assert (
        booker.put(
            url,
            {
                "excluded_categories": [],
                "excluded_content_tags": [],
                "blocked_brands": [],
                "agency_needs_confirmation": False,
            },
            content_type="application/json",
        ).status_code
        == 403
    )
    # A second agreement while one is in force is a conflict; the talent's own signature only.
    client = login(world.talent_a.user)
    sign = {
        "scope": "All",
        "purpose": "Ads",
        "pay_basis": "Fees",
        "starts_on": "2026-01-01",
        "text_version": "v2",
    }
    assert (
        client.post(
            reverse("api-twin-agreement", args=[world.twin_a.pk]),
            sign,
            content_type="application/json",
        ).status_code
        == 409
    )
    assert ReplicaAgreement.objects.filter(twin=world.twin_a).count() == 1
    revoked = client.post(
        reverse("api-twin-consent-revoke", args=[world.twin_a.pk]),
        {"reason": "Done modelling"},
        content_type="application/json",
    )
    assert revoked.status_code == 200 and revoked.json()["consent_revoked_at"]


def test_statements_over_the_api(world, login):
    license = LicenseFactory(twin=world.twin_a, brand=world.brand_a, per_asset_fee=Decimal("12.34"))
    usage_record(
        license=license,
        asset_ref="x",
        channel="web",
        markets=["DE", "FR"],
        used_on=date(2026, 6, 2),
    )
    admin = login(world.user("brand-a", Role.BRAND_ADMIN))
    body = admin.get(reverse("api-brand-statement"), {"month": "2026-06"}).json()
    assert body["totals"] == {"EUR": "24.68"} and len(body["lines"]) == 1
    assert admin.get(reverse("api-brand-statement"), {"month": "June"}).status_code == 400
    talent = login(world.talent_a.user)
    mine = talent.get(
        reverse("api-talent-statement", args=[world.talent_a.pk]), {"month": "2026-06"}
    ).json()
    assert mine["totals"] == {"EUR": "24.68"}


def test_a_statement_holds_its_month_to_the_last_day_even_the_last_month_a_date_has(world, login):
    """The month's end was the next month's first, which December 9999 has not: a 500."""
    license = LicenseFactory(
        twin=world.twin_a,
        brand=world.brand_a,
        per_asset_fee=Decimal("5"),
        starts_on=date(2026, 1, 1),
        ends_on=date(9999, 12, 31),
    )
    for used_on in (date(2026, 6, 30), date(2026, 7, 1), date(9999, 12, 31)):
        usage_record(
            license=license, asset_ref=str(used_on), channel="web", markets=["DE"], used_on=used_on
        )
    admin = login(world.user("brand-a", Role.BRAND_ADMIN))
    for month, used in [
        ("2026-06", "2026-06-30"),
        ("2026-07", "2026-07-01"),
        ("9999-12", "9999-12-31"),
    ]:
        body = admin.get(reverse("api-brand-statement"), {"month": month}).json()
        assert [line["date"] for line in body["lines"]] == [used], month
        assert body["totals"] == {"EUR": "5.00"}
    page = admin.get(reverse("brand-statement"), {"month": "9999-12"})
    assert page.status_code == 200 and "9999-12-31" in page.content.decode()


def test_terms_whose_fees_no_ledger_line_holds_are_refused(world, login):
    """A flat fee of 12 digits over a long term and two markets: the request was committed and
    its answer failed (a 14-digit bound on the total), and accepting it would have failed to
    write its ledger line (12 digits). Now the terms are refused, saying why."""
    world.talent_a.discoverable = True
    world.talent_a.save()
    director = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    terms = {**TERMS, "twin": world.twin_a.pk, "starts_on": "2026-01-01", "ends_on": "2525-12-31"}
    refused = director.post(
        reverse("api-license-list"),
        {**terms, "flat_fee": "9999999999.99"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["detail"] == (
        "The flat fees come to 119,999,999,999,880.00 over the term, past the 9,999,999,999.99"
        " one ledger line holds: a shorter term, fewer markets or a lower fee."
    )
    per_asset = director.post(
        reverse("api-license-list"),
        {**terms, "flat_fee": "0", "per_asset_fee": "5000000000.00"},
        content_type="application/json",
    )
    assert per_asset.status_code == 400
    assert (
        per_asset.json()["detail"] == "An asset's fee over its markets is at most 9,999,999,999.99."
    )
    assert not License.objects.exists()
    most = director.post(
        reverse("api-license-list"),
        {**terms, "flat_fee": "833333.33"},
        content_type="application/json",
    )
    assert most.status_code == 201, most.content
    assert (most.json()["months"], most.json()["flat_total"]) == (6000, "9999999960.00")
    license = License.objects.get()
    talent = login(world.talent_a.user)
    accepted = talent.post(reverse("api-talent-license-action", args=[license.pk, "accept"]))
    assert accepted.status_code == 200, accepted.content
    assert [str(line.amount) for line in license.usage.all()] == ["9999999960.00"]


def test_license_lists_filter_by_status_as_their_pages_do(world, login):
    for status in (LicenseStatus.ACTIVE, LicenseStatus.REQUESTED, LicenseStatus.REQUESTED):
        LicenseFactory(twin=world.twin_a, brand=world.brand_a, status=status)
    LicenseFactory(twin=world.twin_b, brand=world.brand_b, status=LicenseStatus.REQUESTED)
    for user, url in (
        (world.user("brand-a", Role.CREATIVE_DIRECTOR), reverse("api-license-list")),
        (world.talent_a.user, reverse("api-talent-licenses", args=[world.talent_a.pk])),
    ):
        client = login(user)
        assert client.get(url).json()["count"] == 3
        requested = client.get(url, {"status": "requested"}).json()
        assert requested["count"] == 2
        assert {row["status"] for row in requested["results"]} == {"requested"}
        assert client.get(url, {"status": "expired"}).json()["count"] == 0
        refused = client.get(url, {"status": "pending"})
        assert refused.status_code == 400 and "pending" in str(refused.json())


def test_the_twin_catalogue_is_searched_and_filtered_by_our_licenses(world, login):
    """A director looking for a twin among many talents finds one by name, or keeps to the twins
    the brand may use now; another brand's licenses count for nothing here."""
    from tests.factories import TalentFactory, TwinFactory

    world.talent_a.discoverable = True
    world.talent_a.display_name = "Inès Moreau"
    world.talent_a.save()
    for n in range(3):
        TwinFactory(talent=TalentFactory(display_name=f"Open talent {n}", discoverable=True))
    # Neither a talent who does not work with brand A nor a twin whose consent is withdrawn
    # is in brand A's catalogue.
    blocking = TalentFactory(display_name="Blocks A", discoverable=True)
    TwinFactory(talent=blocking)
    standing_terms_update(
        actor=blocking.user,
        talent=blocking,
        excluded_categories=[],
        excluded_content_tags=[],
        blocked_brands=[world.brand_a],
        agency_needs_confirmation=False,
    )
    TwinFactory(
        talent=TalentFactory(display_name="Withdrew", discoverable=True),
        consent_revoked_at=timezone.now(),
    )
    LicenseFactory(twin=world.twin_a, brand=world.brand_a, status=LicenseStatus.ACTIVE)
    open_twin = Twin.objects.get(talent__display_name="Open talent 0")
    LicenseFactory(twin=open_twin, brand=world.brand_b, status=LicenseStatus.ACTIVE)
    declined = Twin.objects.get(talent__display_name="Open talent 1")
    LicenseFactory(twin=declined, brand=world.brand_a, status=LicenseStatus.DECLINED)
    client = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    api = reverse("api-twin-catalogue")

    def talents(**query: str) -> list[str]:
        answer = client.get(api, query)
        assert answer.status_code == 200, answer.content
        return [row["talent"] for row in answer.json()["results"]]

    assert len(talents()) == 4
    assert talents(q="inès") == ["Inès Moreau"] == talents(licensed="active")
    assert talents(licensed="none") == ["Open talent 0", "Open talent 2"]
    assert talents(q="open", licensed="active") == []
    refused = client.get(api, {"licensed": "expired"})
    assert refused.status_code == 400 and "expired" in str(refused.json())

    page = client.get(reverse("twin-catalogue"), {"q": "talent 1"}).content.decode()
    assert "Open talent 1" in page and "Inès Moreau ·" not in page
    page = client.get(reverse("twin-catalogue"), {"licensed": "active"}).content.decode()
    assert "Inès Moreau ·" in page and "Open talent" not in page
    none = client.get(reverse("twin-catalogue"), {"q": "nobody"}).content.decode()
    assert "No twins match these filters." in none
    client.force_login(world.user("brand-b", Role.CREATIVE_DIRECTOR))
    assert "Blocks A" in talents() and "Withdrew" not in talents()


def test_the_audit_api_filters_by_verb_as_its_page_does(world, login):
    from studio.services import audit_record

    for verb in ("license.requested", "license.accepted", "garment.created"):
        audit_record(actor=None, verb=verb, brand=world.brand_a)
    audit_record(actor=None, verb="license.requested", brand=world.brand_b)
    client = login(world.user("brand-a", Role.BRAND_ADMIN))
    url = reverse("api-audit-list")
    verbs = [row["verb"] for row in client.get(url, {"verb": "license."}).json()["results"]]
    assert sorted(verbs) == ["license.accepted", "license.requested"]
    assert client.get(url).json()["count"] >= 3


def test_an_agency_finds_its_talent_by_name_and_sees_the_requests_waiting(world, login):
    from tests.factories import RepresentationFactory, TalentFactory

    for name in ("Kofi Mensah", "Mei Tanaka", "Lars Berg"):
        RepresentationFactory(talent=TalentFactory(display_name=name), agency=world.agency)
    world.talent_a.display_name = "Inès Moreau"
    world.talent_a.save()
    LicenseFactory.create_batch(
        2, twin=world.twin_a, brand=world.brand_a, status=LicenseStatus.REQUESTED
    )
    client = login(world.agency.members.get().user)
    page = client.get(reverse("talent-list")).content.decode()
    waiting = reverse("talent-licenses", args=[world.talent_a.pk]) + "?status=requested"
    assert f'<a href="{waiting}">2 license requests waiting</a>' in page
    found = client.get(reverse("talent-list"), {"q": "mei"}).content.decode()
    assert "Mei Tanaka" in found and "Kofi Mensah" not in found
    assert (
        "No talent of that name." in client.get(reverse("talent-list"), {"q": "x"}).content.decode()
    )
    api = client.get(reverse("api-talent-list"), {"q": "berg"}).json()
    assert [row["display_name"] for row in api["results"]] == ["Lars Berg"]
    # Talent B is not this agency's, whatever the search.
    assert (
        client.get(reverse("api-talent-list"), {"q": world.talent_b.display_name}).json()["count"]
        == 0
    )


def test_where_my_likeness_is_used_has_its_api_twin(world, login, django_assert_max_num_queries):
    """Every published asset of the talent's twins, newest first, across brands; never another
    talent's."""
    license_a = LicenseFactory(twin=world.twin_a, brand=world.brand_a)
    license_b = LicenseFactory(twin=world.twin_a, brand=world.brand_b)
    for n, license in enumerate([license_a, license_b, license_a]):
        usage_record(
            license=license,
            asset_ref=f"asset-{n}",
            channel="instagram",
            markets=["fr"],
            used_on=date(2026, 6, n + 1),
        )
    other = LicenseFactory(twin=world.twin_b, brand=world.brand_a)
    usage_record(
        license=other, asset_ref="theirs", channel="web", markets=["DE"], used_on=date(2026, 6, 9)
    )
    client = login(world.talent_a.user)
    url = reverse("api-talent-usage", args=[world.talent_a.pk])
    with django_assert_max_num_queries(8):
        rows = client.get(url).json()["results"]
    assert [(row["asset"], row["brand"], row["markets"]) for row in rows] == [
        ("asset-2", "Brand A", ["FR"]),
        ("asset-1", "Brand B", ["FR"]),
        ("asset-0", "Brand A", ["FR"]),
    ]
    assert rows[1]["license"] == license_b.pk and rows[0]["used_on"] == "2026-06-03"
    booker = login(world.agency.members.get().user)  # their agency sees the same
    assert booker.get(url).json()["count"] == 3
    stranger = login(world.talent_b.user)
    assert stranger.get(url).status_code == 404


def test_every_decision_either_side_takes_over_the_api(world, login):
    """Counter and counter back, decline, withdraw, revoke: each by its own endpoint, a bad
    call changing nothing."""
    from studio.models import AuditEvent

    def act(client, name, license, action, body=None):
        return client.post(
            reverse(name, args=[license.pk, action]), body or {}, content_type="application/json"
        )

    brand, talent = world.user("brand-a", Role.CREATIVE_DIRECTOR), world.talent_a.user
    haggled = LicenseFactory(twin=world.twin_a, brand=world.brand_a, status="countered")
    director = login(brand)
    assert act(director, "api-license-action", haggled, "approve").status_code == 404
    bad = act(director, "api-license-action", haggled, "counter", {**TERMS, "flat_fee": "-1"})
    assert bad.status_code == 400 and "flat_fee" in bad.json()
    back = act(director, "api-license-action", haggled, "counter", {**TERMS, "flat_fee": "60"})
    assert (back.json()["status"], back.json()["flat_fee"]) == ("requested", "60.00")
    # The brand's counter waits for the talent: the brand cannot answer it again itself.
    again = act(director, "api-license-action", haggled, "accept")
    assert again.status_code == 409 and License.objects.get(pk=haggled.pk).status == "requested"

    talent_client = login(talent)
    assert act(talent_client, "api-talent-license-action", haggled, "approve").status_code == 404
    declined = act(
        talent_client, "api-talent-license-action", haggled, "decline", {"reason": "Too cheap"}
    )
    assert declined.json()["status"] == "declined"
    event = AuditEvent.objects.get(verb="license.declined")
    assert (event.actor, event.payload["reason"]) == (talent, "Too cheap")

    withdrawn = LicenseFactory(twin=world.twin_a, brand=world.brand_a, status="countered")
    director = login(brand)
    assert act(director, "api-license-action", withdrawn, "withdraw").json()["status"] == (
        "declined"
    )

    active = LicenseFactory(twin=world.twin_a, brand=world.brand_a, status="active")
    talent_client = login(talent)
    silent = act(talent_client, "api-talent-license-action", active, "revoke")
    assert silent.status_code == 400 and "Say why" in silent.json()["detail"]
    assert License.objects.get(pk=active.pk).status == "active"
    revoked = act(
        talent_client, "api-talent-license-action", active, "revoke", {"reason": "Off-brand use"}
    )
    assert revoked.json()["status"] == "revoked"
    assert License.objects.get(pk=active.pk).revoked_reason == "Off-brand use"


def test_where_my_likeness_is_used_filters_by_brand_twin_and_channel(world, login):
    """On the page and in the API alike; the page offers only the brands that licensed the
    talent's twins."""
    second = TwinFactory(talent=world.talent_a, name="Editorial twin")
    ReplicaAgreementFactory(twin=second)
    uses = [
        (LicenseFactory(twin=world.twin_a, brand=world.brand_a), "a-insta", "instagram"),
        (LicenseFactory(twin=world.twin_a, brand=world.brand_b), "b-web", "web"),
        (LicenseFactory(twin=second, brand=world.brand_a), "a-second", "web"),
    ]
    for n, (license, ref, channel) in enumerate(uses):
        usage_record(
            license=license,
            asset_ref=ref,
            channel=channel,
            markets=["DE"],
            used_on=date(2026, 6, n + 1),
        )
    rival = BrandFactory(name="Rival House", slug="rival")  # licenses another talent only
    LicenseFactory(twin=world.twin_b, brand=rival)
    client = login(world.talent_a.user)
    url = reverse("api-talent-usage", args=[world.talent_a.pk])

    def assets(**query: object) -> list[str]:
        answer = client.get(url, query)
        assert answer.status_code == 200, answer.content
        return sorted(row["asset"] for row in answer.json()["results"])

    assert assets() == ["a-insta", "a-second", "b-web"]
    assert assets(brand="brand-a") == ["a-insta", "a-second"]
    assert assets(channel="web") == ["a-second", "b-web"]
    assert assets(twin=second.pk, channel="web") == ["a-second"]
    assert assets(brand="rival") == []
    assert client.get(url, {"channel": "fax"}).status_code == 400

    page_url = reverse("talent-usage", args=[world.talent_a.pk])
    page = client.get(page_url, {"brand": "brand-b"}).content.decode()
    assert "b-web" in page and "a-insta" not in page and "a-second" not in page
    assert '<option value="brand-a">Brand A</option>' in page and "Rival House" not in page
    narrowed = client.get(page_url, {"twin": second.pk, "channel": "instagram"}).content.decode()
    assert "Nothing published matches these filters." in narrowed
    ignored = client.get(page_url, {"twin": world.twin_b.pk}).content.decode()  # not theirs
    assert all(ref in ignored for ref in ("a-insta", "b-web", "a-second"))
