"""Capture quality checks: the measures themselves, and the checks run by a real worker on the
cpu queue after an upload, feeding the coverage matrix."""

import io

import pytest
from django.urls import reverse
from PIL import Image, ImageFilter

from tests.worker import celery_worker, wait_for
from twins import quality
from twins.demo import draw_capture_photo, look_for
from twins.enums import CheckStatus
from twins.models import CapturePhoto
from twins.selectors import twin_coverage


def demo_photo(angle="front", framing="full_body", lighting="studio", pose=0) -> Image.Image:
    return Image.open(io.BytesIO(draw_capture_photo(look_for(0), angle, framing, lighting, pose)))


def jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=92)
    return out.getvalue()


def test_size_sharpness_exposure_and_face_measures():
    good = demo_photo(framing="face")
    pixels = quality.grey(good)
    assert quality.check_size(good).passed
    assert not quality.check_size(good.resize((512, 640))).passed
    assert quality.check_sharpness(pixels).passed
    blurred = quality.grey(good.filter(ImageFilter.GaussianBlur(12)))
    assert not quality.check_sharpness(blurred).passed
    assert quality.check_exposure(pixels).passed
    blown = quality.grey(Image.new("RGB", good.size, (255, 255, 255)))
    assert "highlights" in quality.check_exposure(blown).message
    assert quality.check_face(pixels).passed
    assert not quality.check_face(quality.grey(demo_photo(angle="back"))).passed


def test_near_duplicates_are_close_in_hash_and_distinct_shots_are_not():
    first = quality.perceptual_hash(demo_photo())
    again = quality.perceptual_hash(demo_photo().resize((1000, 1250)))
    other = quality.perceptual_hash(demo_photo(angle="profile_left", lighting="low_key"))
    assert quality.hash_distance(first, again) <= 3 < quality.hash_distance(first, other)


@pytest.mark.worker
@pytest.mark.timeout(120)
def test_uploads_are_checked_by_a_worker_and_fill_the_coverage(
    world, login, tmp_path, transactional_db
):
    client = login(world.talent_a.user)
    url = reverse("api-twin-photos", args=[world.twin_a.pk])
    uploads = {
        "good face": (demo_photo(framing="face"), "front", "face"),
        "small": (demo_photo(angle="back", pose=1).resize((600, 750)), "back", "full_body"),
        "blurred": (
            demo_photo(angle="profile_left").filter(ImageFilter.GaussianBlur(12)),
            "profile_left",
            "full_body",
        ),
        "good front": (demo_photo(), "front", "full_body"),
        "near duplicate": (demo_photo().resize((1100, 1375)), "front", "full_body"),
        "face shot without a face": (
            demo_photo(angle="profile_right", lighting="daylight", pose=2),
            "front",
            "face",
        ),
    }
    ids = {}
    with celery_worker("cpu", tmp_path / "worker.log"):
        for name, (image, angle, framing) in uploads.items():
            response = client.post(
                url,
                {
                    "image": io.BytesIO(jpeg(image)),
                    "angle": angle,
                    "framing": framing,
                    "lighting": "studio",
                },
            )
            assert response.status_code == 201, (name, response.content)
            ids[name] = response.json()["id"]
        assert wait_for(
            lambda: not CapturePhoto.objects.filter(check_status=CheckStatus.PENDING).exists(), 60
        ), (tmp_path / "worker.log").read_text()
    photos = {name: CapturePhoto.objects.get(pk=pk) for name, pk in ids.items()}
    failed = {
        name: {c["name"] for c in photo.checks if not c["passed"]} for name, photo in photos.items()
    }
    assert failed == {
        "good face": set(),
        "small": {"size"},
        "blurred": {"sharpness"},
        "good front": set(),
        "near duplicate": {"duplicate"},
        "face shot without a face": {"face"},
    }
    assert photos["good face"].check_status == CheckStatus.PASSED
    coverage = twin_coverage(twin=world.twin_a)
    statuses = {cell.key: cell.status for _a, _f, row in coverage.rows for cell in row}
    assert statuses["front/full_body/studio"] == "passed"
    assert statuses["back/full_body/studio"] == "failed"
    assert statuses["profile_right/full_body/studio"] == "missing"
    assert coverage.passed_required == 2 and not coverage.ready
    page = client.get(reverse("twin-coverage", args=[world.twin_a.pk])).content.decode()
    assert f"Readiness {coverage.readiness}%" in page and "Near-duplicate of photo" in page
    api = client.get(reverse("api-twin-coverage", args=[world.twin_a.pk])).json()
    assert (api["readiness"], api["ready"]) == (coverage.readiness, False)


def test_coverage_is_the_talents_own(world, login):
    client = login(world.talent_b.user)
    assert client.get(reverse("twin-coverage", args=[world.twin_a.pk])).status_code == 404
    assert client.get(reverse("api-twin-coverage", args=[world.twin_a.pk])).status_code == 404


def test_a_talents_second_twin_keeps_its_own_photos_coverage_and_versions(world, login):
    from tests.factories import CapturePhotoFactory, TwinFactory
    from twins.enums import TrainingStatus
    from twins.models import TwinVersion

    second = TwinFactory(talent=world.talent_a)
    for twin in (world.twin_a, second):
        TwinVersion.objects.create(
            twin=twin,
            number=1,
            status=TrainingStatus.SUCCEEDED,
            backend="reference",
            trigger_token=f"tw{twin.pk}",
            started_by=world.talent_a.user,
        )
    CapturePhotoFactory(
        twin=second, angle="front", framing="full_body", lighting="studio", check_status="passed"
    )
    coverage = twin_coverage(twin=world.twin_a)
    assert coverage.passed_required == 0
    client = login(world.talent_a.user)
    api = client.get(reverse("api-twin-coverage", args=[world.twin_a.pk])).json()
    assert api["readiness"] == 0
    versions = client.get(reverse("api-twin-versions", args=[world.twin_a.pk])).json()
    assert [version["twin"] for version in versions] == [world.twin_a.pk]
