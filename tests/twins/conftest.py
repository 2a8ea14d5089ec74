import pytest
from django.core.files.base import ContentFile

from tests.factories import CapturePhotoFactory
from twins.demo import CAPTURE_SET, draw_capture_photo, look_for
from twins.enums import CheckStatus


@pytest.fixture
def ready_twin(world):
    """Twin A with the demo capture set, every photo passed."""
    for pose, (angle, framing, lighting) in enumerate(CAPTURE_SET):
        data = draw_capture_photo(look_for(0), angle, framing, lighting, pose)
        photo = CapturePhotoFactory.build(
            twin=world.twin_a,
            angle=angle,
            framing=framing,
            lighting=lighting,
            width=1024,
            height=1280,
            check_status=CheckStatus.PASSED,
        )
        photo.image.save(f"{angle}-{framing}-{lighting}.jpg", ContentFile(data), save=False)
        photo.save()
    return world.twin_a
