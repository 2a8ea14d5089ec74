"""Another talent, an agency that does not represent, and another brand reach none of a
talent's objects: every page and endpoint with an object in its address answers 404, and a
POST changes nothing. A last test makes sure no such address escapes this list."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from studio.enums import Role
from studio.models import AuditEvent
from tests.campaigns.test_campaign_tenancy import CAMPAIGN_ADDRESSES
from tests.factories import CapturePhotoFactory, LicenseFactory
from twins.enums import LicenseStatus
from twins.models import License, TwinVersion

pytestmark = pytest.mark.django_db

# url name → which of talent A's objects goes in its address
TALENT_GET = {
    "talent-detail": "talent",
    "talent-audit": "talent",
    "talent-terms": "talent",
    "talent-licenses": "talent",
    "talent-earnings": "talent",
    "talent-usage": "talent",
    "twin-detail": "twin",
    "twin-coverage": "twin",
    "twin-versions": "twin",
    "capture-photo-file": "photo",
    "api-talent-audit": "talent",
    "api-talent-terms": "talent",
    "api-talent-licenses": "talent",
    "api-talent-statement": "talent",
    "api-talent-usage": "talent",
    "api-twin-detail": "twin",
    "api-twin-photos": "twin",
    "api-twin-coverage": "twin",
    "api-twin-versions": "twin",
    "api-twin-version-detail": "version",
}
TALENT_POST = {
    "twin-agreement-sign": ("twin",),
    "twin-consent-revoke": ("twin",),
    "twin-versions": ("twin",),
    "twin-version-decide": ("version", "retire"),
    "talent-license-decide": ("license", "accept"),
    "talent-license-counter": ("license",),
    "api-twin-agreement": ("twin",),
    "api-twin-consent-revoke": ("twin",),
    "api-twin-versions": ("twin",),
    "api-twin-version-action": ("version", "retire"),
    "api-talent-license-action": ("license", "accept"),
    "api-twin-photos": ("twin",),
}
BRAND_ONLY = {
    "brand-license-decide": ("license", "accept"),
    "brand-license-counter": ("license",),
    "license-request": ("twin",),
    "api-license-detail": ("license",),
    "api-license-action": ("license", "accept"),
    "api-brand-capture-photos": ("twin",),
}
# Brand-scoped addresses, tested in tests/studio/test_tenancy.py and tests/campaigns.
PUBLIC_LISTS = {
    "garment-detail",
    "garment-edit",
    "garment-delete",
    "garment-archive",
    "api-garment-archive",
    "garment-cutout-file",
    "garment-packshot-file",
    "api-garment-detail",
    "api-garment-cutout",
    "look-detail",
    "look-edit",
    "look-duplicate",
    "look-delete",
    "api-look-detail",
    "api-look-duplicate",
    "member-update",
}


@pytest.fixture
def objects(world):
    twin = world.twin_a
    license = LicenseFactory(twin=twin, brand=world.brand_a, status=LicenseStatus.REQUESTED)
    version = TwinVersion.objects.create(
        twin=twin,
        number=1,
        backend="reference",
        trigger_token="tw",
        started_by=world.talent_a.user,
        status="succeeded",
    )
    return {
        "talent": world.talent_a.pk,
        "twin": twin.pk,
        "license": license.pk,
        "version": version.pk,
        "photo": CapturePhotoFactory(twin=twin).pk,
    }


def url(name, spec, objects):
    kind, *rest = spec if isinstance(spec, tuple) else (spec,)
    return reverse(name, args=[objects[kind], *rest])


def snapshot():
    return (
        AuditEvent.objects.count(),
        list(License.objects.values_list("status", flat=True)),
        list(TwinVersion.objects.values_list("retired_at", flat=True)),
    )


@pytest.mark.parametrize("who", ["other talent", "stranger agency", "brand admin"])
def test_outsiders_get_404_everywhere_and_change_nothing(world, objects, login, who):
    user = {
        "other talent": world.talent_b.user,
        "stranger agency": world.other_agency.members.get().user,
        "brand admin": world.user("brand-b", Role.BRAND_ADMIN),
    }[who]
    client = login(user)
    before = snapshot()
    for name, spec in TALENT_GET.items():
        assert client.get(url(name, spec, objects)).status_code == 404, name
    for name, spec in TALENT_POST.items():
        assert client.post(url(name, spec, objects), {"reason": "x"}).status_code == 404, name
    assert snapshot() == before


def test_another_brand_gets_404_on_brand_addresses(world, objects, login):
    client = login(world.user("brand-b", Role.BRAND_ADMIN))
    before = snapshot()
    for name, spec in BRAND_ONLY.items():
        answers = {
            client.post(url(name, spec, objects), {}).status_code,
            client.get(url(name, spec, objects)).status_code,
        }
        assert 404 in answers and answers <= {404, 405}, name  # 405: not a method it has
    assert snapshot() == before


def test_a_discoverable_twin_is_requestable_but_its_licenses_stay_private(world, objects, login):
    world.talent_a.discoverable = True
    world.talent_a.save()
    client = login(world.user("brand-b", Role.CREATIVE_DIRECTOR))
    assert client.get(reverse("license-request", args=[objects["twin"]])).status_code == 200
    assert client.get(reverse("api-license-detail", args=[objects["license"]])).status_code == 404


def test_every_address_with_an_object_is_covered_above():
    covered = (
        set(TALENT_GET)
        | set(TALENT_POST)
        | set(BRAND_ONLY)
        | PUBLIC_LISTS
        | set(CAMPAIGN_ADDRESSES)
    )

    def names(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if "admin" in str(pattern.pattern):
                    continue
                yield from names(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and "<int:" in prefix + str(pattern.pattern):
                yield pattern.name

    assert set(names(get_resolver().url_patterns)) <= covered
