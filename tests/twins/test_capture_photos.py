import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from studio.errors import NotFound
from studio.models import AuditEvent
from studio.permissions import actor_for
from tests.factories import png_bytes
from tests.hostile import corpus
from twins.services import capture_photo_add

pytestmark = pytest.mark.django_db


def form(content: bytes, name: str = "front.png", **overrides: str) -> dict[str, object]:
    return {
        "image": SimpleUploadedFile(name, content),
        "angle": "front",
        "framing": "face",
        "lighting": "studio",
        **overrides,
    }


@pytest.mark.parametrize("who", ["talent", "agency"])
def test_talent_or_their_agency_adds_a_capture_photo(world, login, who):
    user = world.talent_a.user if who == "talent" else world.agency.members.get().user
    client = login(user)
    response = client.post(
        reverse("api-twin-photos", args=[world.twin_a.pk]),
        form(png_bytes((50, 60), (1, 2, 3), "RGB")),
    )
    assert response.status_code == 201, response.content
    photo = world.twin_a.photos.get()
    assert (photo.width, photo.height, photo.angle) == (50, 60, "front")
    assert client.get(reverse("capture-photo-file", args=[photo.pk])).status_code == 200
    event = AuditEvent.objects.get(verb="capture_photo.added")
    assert (event.actor, event.talent_user) == (user, world.talent_a.user)


def test_the_same_photo_twice_is_a_conflict(world, login):
    client = login(world.talent_a.user)
    url = reverse("api-twin-photos", args=[world.twin_a.pk])
    assert client.post(url, form(png_bytes())).status_code == 201
    again = client.post(url, form(png_bytes()))
    assert again.status_code == 409
    assert world.twin_a.photos.count() == 1


@pytest.mark.parametrize("case", ["animated png", "truncated jpeg", "pdf named jpg"])
def test_hostile_capture_photos_are_refused(world, login, media_files, case):
    name, content, code = corpus()[case]
    client = login(world.talent_a.user)
    files_before = media_files()
    response = client.post(reverse("api-twin-photos", args=[world.twin_a.pk]), form(content, name))
    assert response.status_code == 400
    assert response.json()["code"] == code
    page = client.post(reverse("twin-detail", args=[world.twin_a.pk]), form(content, name))
    assert page.status_code == 400 and b'class="error"' in page.content
    assert world.twin_a.photos.count() == 0
    assert media_files() == files_before


def test_no_capture_photo_is_taken_in_without_an_agreement_in_force(world, login):
    world.twin_a.agreements.update(ended_at=timezone.now())
    response = login(world.talent_a.user).post(
        reverse("api-twin-photos", args=[world.twin_a.pk]), form(png_bytes())
    )
    assert response.status_code == 409
    assert "No replica agreement is in force for this twin" in response.content.decode()
    assert world.twin_a.photos.count() == 0


def test_bad_tags_are_refused(world, login):
    client = login(world.talent_a.user)
    response = client.post(
        reverse("api-twin-photos", args=[world.twin_a.pk]), form(png_bytes(), angle="upside_down")
    )
    assert response.status_code == 400 and "angle" in response.json()
    assert world.twin_a.photos.count() == 0


def test_a_brand_admin_adds_photos_at_a_capture_day_for_a_licensed_twin(world, login):
    from studio.enums import Role
    from tests.factories import LicenseFactory

    LicenseFactory(twin=world.twin_a, brand=world.brand_a)
    LicenseFactory(twin=world.twin_a, brand=world.brand_b, status="requested")
    url = reverse("api-brand-capture-photos", args=[world.twin_a.pk])
    stylist = login(world.user("brand-a", Role.STYLIST))
    assert stylist.post(url, form(png_bytes())).status_code == 403
    rival = login(world.user("brand-b", Role.BRAND_ADMIN))  # only a requested license
    assert rival.post(url, form(png_bytes())).status_code == 404
    assert world.twin_a.photos.count() == 0
    admin = login(world.user("brand-a", Role.BRAND_ADMIN))
    # A license for one twin is no capture day for another twin.
    other = admin.post(
        reverse("api-brand-capture-photos", args=[world.twin_b.pk]), form(png_bytes())
    )
    assert other.status_code == 404
    with pytest.raises(NotFound, match="No such twin among those your brand holds a license"):
        capture_photo_add(  # the service too, whoever calls it
            actor=actor_for(world.user("brand-a", Role.BRAND_ADMIN)),
            twin=world.twin_b,
            upload=io.BytesIO(png_bytes()),
            angle="front",
            framing="face",
            lighting="studio",
        )
    assert world.twin_b.photos.count() == 0
    response = admin.post(url, form(png_bytes()))
    assert response.status_code == 201, response.content
    event = AuditEvent.objects.get(verb="capture_photo.added")
    assert (event.brand, event.talent_user) == (world.brand_a, world.talent_a.user)
    assert world.twin_a.photos.get().uploaded_by == world.user("brand-a", Role.BRAND_ADMIN)


def test_a_capture_set_is_filtered_by_angle_framing_light_and_checks(world, login):
    """A capture day gives hundreds of photos: the talent finds the ones that failed their
    checks, or one angle in one light, on the page and through the API, a page at a time."""
    from tests.factories import CapturePhotoFactory, TwinFactory

    make = CapturePhotoFactory.create_batch
    make(3, twin=world.twin_a, angle="back", lighting="daylight", check_status="failed")
    make(50, twin=world.twin_a, angle="front", check_status="passed")
    make(2, twin=world.twin_b, angle="back", lighting="daylight", check_status="failed")
    second_twin = TwinFactory(talent=world.talent_a)  # the same talent's other twin
    make(4, twin=second_twin, angle="back", lighting="daylight", check_status="failed")
    client = login(world.talent_a.user)
    api = reverse("api-twin-photos", args=[world.twin_a.pk])

    def count(**query: str) -> int:
        answer = client.get(api, query)
        assert answer.status_code == 200, answer.content
        return answer.json()["count"]

    assert count() == 53 and len(client.get(api).json()["results"]) < 53  # paged
    assert count(check="failed") == 3 == count(angle="back", lighting="daylight")
    assert count(angle="front", check="failed") == 0
    refused = client.get(api, {"angle": "upside_down"})
    assert refused.status_code == 400 and "upside_down" in str(refused.json())

    page = reverse("twin-detail", args=[world.twin_a.pk])
    failed = client.get(page, {"check": "failed"}).content.decode()
    assert failed.count('class="card image-card') == 3 and "Page 1 of" not in failed
    assert "Page 1 of 2 · 53 in all" in client.get(page).content.decode()
    none = client.get(page, {"angle": "front", "check": "failed"}).content.decode()
    assert "No capture photos match these filters." in none
    # Twin B's photos are not Talent A's to see, filtered or not.
    other = reverse("api-twin-photos", args=[world.twin_b.pk])
    assert client.get(other, {"check": "failed"}).status_code == 404


def test_the_talent_adds_a_photo_through_the_twins_page(world, login):
    from django.contrib.messages import get_messages

    client = login(world.talent_a.user)
    url = reverse("twin-detail", args=[world.twin_a.pk])
    upload = form(png_bytes((50, 60), (1, 2, 3), "RGB"), lighting="daylight", framing="full_body")
    answer = client.post(url, upload, follow=True)
    assert answer.redirect_chain == [(url, 302)]
    assert [str(m) for m in get_messages(answer.wsgi_request)] == [
        "Photo added to the capture set."
    ]
    photo = world.twin_a.photos.get()
    assert (photo.angle, photo.framing, photo.lighting) == ("front", "full_body", "daylight")
    assert reverse("capture-photo-file", args=[photo.pk]) in answer.content.decode()
    other = login(world.talent_b.user)  # another talent's twin: not even its page
    assert other.post(url, form(png_bytes((40, 40)))).status_code == 404
    assert world.twin_a.photos.count() == 1
