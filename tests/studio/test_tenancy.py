"""Nobody sees what is not theirs: another brand's objects, pages, API endpoints and media are 404,
an agency reaches only the talent it represents and may act for, a talent only their own."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from studio.enums import Role
from tests.factories import CapturePhotoFactory, RepresentationFactory

pytestmark = pytest.mark.django_db


def garment_urls(garment):
    return [
        reverse("garment-detail", args=[garment.pk]),
        reverse("garment-cutout-file", args=[garment.pk]),
        reverse("api-garment-detail", args=[garment.pk]),
    ]


@pytest.mark.defaults
@pytest.mark.parametrize("role", Role.values)
def test_brand_b_gets_404_for_each_of_brand_a_objects(world, login, role):
    client = login(world.user("brand-b", role))
    for url in garment_urls(world.garment_a):
        assert client.get(url).status_code == 404, url
    for url in garment_urls(world.garment_b):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", Role.values)
def test_brand_a_objects_are_absent_from_brand_b_lists(world, login, role):
    client = login(world.user("brand-b", role))
    api = client.get(reverse("api-garment-list")).json()
    assert [row["sku"] for row in api["results"]] == [world.garment_b.sku]
    page = client.get(reverse("garment-list")).content.decode()
    assert "B&#x27;s coat" in page and "A&#x27;s coat" not in page


def test_brand_header_cannot_reach_a_brand_one_is_not_member_of(world, login):
    client = login(world.user("brand-b", Role.BRAND_ADMIN))
    response = client.get(reverse("api-garment-list"), HTTP_X_BRAND="brand-a")
    assert [row["sku"] for row in response.json()["results"]] == [world.garment_b.sku]
    assert client.get(reverse("api-me"), HTTP_X_BRAND="brand-a").json()["current_brand"] == (
        "brand-b"
    )


def test_brand_a_audit_and_team_are_not_visible_to_brand_b(world, login):
    client = login(world.user("brand-b", Role.BRAND_ADMIN))
    members = client.get(reverse("api-member-list")).json()["results"]
    assert {row["brand"] for row in members} == {"brand-b"}
    a_member = world.seats[("brand-a", Role.STYLIST)]
    response = client.post(reverse("member-update", args=[a_member.pk]), {"role": "brand_admin"})
    assert response.status_code == 404
    a_member.refresh_from_db()
    assert a_member.role == Role.STYLIST


def test_a_user_in_two_brands_sees_the_brand_they_switched_to(world, login):
    user = world.user("brand-a", Role.STYLIST)
    world.seats[("brand-b", Role.STYLIST)].delete()
    from tests.factories import MembershipFactory

    MembershipFactory(user=user, brand=world.brand_b, role=Role.STYLIST)
    client = login(user)
    assert client.get(reverse("garment-detail", args=[world.garment_a.pk])).status_code == 200
    response = client.post(reverse("brand-switch"), {"brand": "brand-b", "next": "/garments/"})
    assert response.status_code == 302 and response.url == "/garments/"
    assert client.get(reverse("garment-detail", args=[world.garment_a.pk])).status_code == 404
    assert client.get(reverse("garment-detail", args=[world.garment_b.pk])).status_code == 200


def test_switching_to_a_foreign_brand_is_404_and_changes_nothing(world, login):
    client = login(world.user("brand-b", Role.STYLIST))
    assert client.post(reverse("brand-switch"), {"brand": "brand-a"}).status_code == 404
    assert client.get(reverse("api-me")).json()["current_brand"] == "brand-b"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "dashboard", "0", "None", "<b>", ""]
)
def test_switch_goes_back_only_to_a_path_of_the_studio(world, login, target):
    """Another site, or a word (which Django's redirect() would look up as a view name, and
    answer 500 when there is none): the dashboard instead."""
    client = login(world.user("brand-b", Role.STYLIST))
    response = client.post(reverse("brand-switch"), {"brand": "brand-b", "next": target})
    assert response.status_code == 302 and response.url == reverse("dashboard")


def talent_urls(world, talent, twin, photo):
    return [
        reverse("talent-detail", args=[talent.pk]),
        reverse("talent-audit", args=[talent.pk]),
        reverse("twin-detail", args=[twin.pk]),
        reverse("capture-photo-file", args=[photo.pk]),
        reverse("api-twin-detail", args=[twin.pk]),
        reverse("api-twin-photos", args=[twin.pk]),
        reverse("api-talent-audit", args=[talent.pk]),
    ]


@pytest.mark.defaults
def test_talent_sees_own_twin_and_not_another_talents(world, login):
    photo_a = CapturePhotoFactory(twin=world.twin_a)
    photo_b = CapturePhotoFactory(twin=world.twin_b)
    client = login(world.talent_b.user)
    for url in talent_urls(world, world.talent_a, world.twin_a, photo_a):
        assert client.get(url).status_code == 404, url
    for url in talent_urls(world, world.talent_b, world.twin_b, photo_b):
        assert client.get(url).status_code == 200, url
    assert [t["id"] for t in client.get(reverse("api-twin-list")).json()["results"]] == [
        world.twin_b.pk
    ]


def test_agency_reaches_represented_talent_only(world, login):
    photo_a = CapturePhotoFactory(twin=world.twin_a)
    photo_b = CapturePhotoFactory(twin=world.twin_b)
    booker = login(world.agency.members.get().user)
    for url in talent_urls(world, world.talent_a, world.twin_a, photo_a):
        assert booker.get(url).status_code == 200, url
    for url in talent_urls(world, world.talent_b, world.twin_b, photo_b):
        assert booker.get(url).status_code == 404, url


def test_agency_that_does_not_represent_cannot_act(world, login, media_files):
    from tests.factories import png_bytes

    client = login(world.other_agency.members.get().user)
    files_before = media_files()
    assert client.get(reverse("talent-detail", args=[world.talent_a.pk])).status_code == 404
    upload = {
        "image": _file(png_bytes()),
        "angle": "front",
        "framing": "face",
        "lighting": "studio",
    }
    response = client.post(reverse("api-twin-photos", args=[world.twin_a.pk]), upload)
    assert response.status_code == 404
    assert world.twin_a.photos.count() == 0
    assert media_files() == files_before


def test_agency_the_talent_does_not_let_act_is_refused(world, login):
    talent_b_agency = RepresentationFactory(
        talent=world.talent_b, agency=world.other_agency, may_act=False
    )
    client = login(talent_b_agency.agency.members.get().user)
    assert client.get(reverse("twin-detail", args=[world.twin_b.pk])).status_code == 404


@pytest.mark.parametrize(
    ("starts", "ends", "acts"),
    [
        (0, None, True),  # from today
        (1, None, False),  # from tomorrow
        (-30, 0, True),  # to today
        (-30, -1, False),  # to yesterday
    ],
)
def test_an_agency_acts_only_within_its_representation(world, login, starts, ends, acts):
    today = timezone.localdate()
    world.agency.representations.update(
        started_on=today + timedelta(days=starts),
        ended_on=None if ends is None else today + timedelta(days=ends),
    )
    client = login(world.agency.members.get().user)
    status = client.get(reverse("twin-detail", args=[world.twin_a.pk])).status_code
    assert status == (200 if acts else 404)
    listed = client.get(reverse("api-talent-list")).json()["results"]
    assert [talent["id"] for talent in listed] == ([world.talent_a.pk] if acts else [])


def test_an_agency_whose_representation_ended_does_not_act_through_another_agencys(world, login):
    """Each condition holds of one and the same representation: an agency whose own ended
    yesterday does not act for the talent because another agency represents them now, nor one
    the talent stopped letting act because another agency may."""
    today = timezone.localdate()
    world.agency.representations.update(
        started_on=today - timedelta(days=30), ended_on=today - timedelta(days=1)
    )
    RepresentationFactory(talent=world.talent_a, agency=world.other_agency, may_act=True)
    booker = login(world.agency.members.get().user)
    assert booker.get(reverse("twin-detail", args=[world.twin_a.pk])).status_code == 404
    assert booker.get(reverse("api-talent-list")).json()["results"] == []
    world.agency.representations.update(ended_on=None, may_act=False)
    assert booker.get(reverse("twin-detail", args=[world.twin_a.pk])).status_code == 404
    # The other agency, which represents them now and may act, does.
    other = login(world.other_agency.members.get().user)
    assert other.get(reverse("twin-detail", args=[world.twin_a.pk])).status_code == 200


def test_brand_members_do_not_reach_talent_objects(world, login):
    photo_a = CapturePhotoFactory(twin=world.twin_a)
    client = login(world.user("brand-a", Role.BRAND_ADMIN))
    for url in talent_urls(world, world.talent_a, world.twin_a, photo_a):
        assert client.get(url).status_code == 404, url


def test_anonymous_gets_nothing(world, client):
    photo_a = CapturePhotoFactory(twin=world.twin_a)
    for url in [
        *garment_urls(world.garment_a),
        *talent_urls(world, world.talent_a, world.twin_a, photo_a),
    ]:
        response = client.get(url)
        assert response.status_code in (302, 401, 403), url
        if response.status_code == 302:
            assert response.url.startswith(reverse("login"))


def _file(content: bytes, name: str = "photo.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
