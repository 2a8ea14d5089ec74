from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from studio.enums import Role
from studio.models import Membership
from tests.factories import (
    AgencyMemberFactory,
    BrandFactory,
    CapturePhotoFactory,
    GarmentFactory,
    MembershipFactory,
    ReplicaAgreementFactory,
    RepresentationFactory,
    TalentFactory,
    TwinFactory,
    UserFactory,
)
from twins.demo import CAPTURE_SET, draw_capture_photo, look_for
from twins.enums import CheckStatus


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> Path:
    """Each test writes media to its own folder, so "nothing stored" can be checked exactly."""
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media, "base_url": None},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return media


@pytest.fixture
def media_files(_media_in_tmp: Path) -> Callable[[], list[Path]]:
    return lambda: sorted(p for p in _media_in_tmp.rglob("*") if p.is_file())


class World:
    """Two competing brands and two talents, one represented by an agency: tenancy made visible."""

    def __init__(self) -> None:
        self.brand_a = BrandFactory(name="Brand A", slug="brand-a")
        self.brand_b = BrandFactory(name="Brand B", slug="brand-b")
        self.seats: dict[tuple[str, str], Membership] = {}
        for brand in (self.brand_a, self.brand_b):
            for role in Role.values:
                user = UserFactory(username=f"{brand.slug}-{role}")
                self.seats[(brand.slug, role)] = MembershipFactory(
                    user=user, brand=brand, role=role
                )
        self.garment_a = GarmentFactory(brand=self.brand_a, name="A's coat")
        self.garment_b = GarmentFactory(brand=self.brand_b, name="B's coat")
        self.talent_a = TalentFactory(user=UserFactory(username="talent-a"))
        self.talent_b = TalentFactory(user=UserFactory(username="talent-b"))
        self.twin_a = TwinFactory(talent=self.talent_a)
        self.twin_b = TwinFactory(talent=self.talent_b)
        ReplicaAgreementFactory(twin=self.twin_a)
        ReplicaAgreementFactory(twin=self.twin_b)
        self.agency = AgencyMemberFactory(user=UserFactory(username="booker-a")).agency
        RepresentationFactory(talent=self.talent_a, agency=self.agency)
        self.other_agency = AgencyMemberFactory(user=UserFactory(username="booker-other")).agency

    def user(self, brand_slug: str, role: str) -> Any:
        return self.seats[(brand_slug, role)].user


@pytest.fixture
def world(db: None) -> World:
    return World()


@pytest.fixture
def login(client: Client) -> Callable[[Any], Client]:
    def _login(user: Any) -> Client:
        client.force_login(user)
        return client

    return _login


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
