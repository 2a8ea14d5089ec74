import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.core.files.base import ContentFile

from campaigns.demo import draw_cutout
from campaigns.models import Campaign, Look, Scene
from campaigns.services import (
    CampaignInput,
    LookItemInput,
    MatrixSpec,
    campaign_create,
    look_save,
    scene_add,
)
from studio.enums import Role
from studio.media import local_path
from studio.permissions import Actor, actor_for
from tests.conftest import World
from tests.factories import CapturePhotoFactory, GarmentFactory, LicenseFactory
from tests.render_backends import EXTRA
from twins.demo import draw_capture_photo, look_for
from twins.enums import TrainingStatus
from twins.models import TwinVersion
from twins.training.base import TrainingPhoto
from twins.training.reference import annotate


def trained_version(twin: Any, angles: tuple[str, ...] = ("front",)) -> TwinVersion:
    """A reference version of ``twin`` with a drawn reference photo for each of ``angles``."""
    poses = {}
    for angle in angles:
        photo = CapturePhotoFactory(
            twin=twin,
            angle=angle,
            image=ContentFile(
                draw_capture_photo(look_for(twin.pk), angle, "full_body", "studio", 0),
                name=f"{angle}.jpg",
            ),
        )
        path = local_path(photo.image)  # a cached download where the storage is S3
        poses[angle] = annotate(TrainingPhoto(photo.pk, path, angle, "full_body", "studio"))
    return TwinVersion.objects.create(
        twin=twin,
        number=twin.versions.count() + 1,
        status=TrainingStatus.SUCCEEDED,
        backend="reference",
        trigger_token=f"tw{twin.pk}",
        annotations={"poses": poses},
        started_by=twin.talent.user,
    )


@dataclass
class Studio:
    world: World
    director: Actor
    director_b: Actor
    campaign: Campaign
    look: Look
    scene: Scene
    version: TwinVersion

    def spec(self, **changes: Any) -> MatrixSpec:
        values: dict[str, Any] = {
            "looks": (self.look.pk,),
            "twins": (self.world.twin_a.pk,),
            "poses": ("standing-front",),
            "scenes": (self.scene.pk,),
            "formats": ("4:5",),
            "variants": 1,
        }
        return MatrixSpec(**{**values, **changes})


@pytest.fixture
def backends(settings: Any) -> None:
    settings.RENDER_BACKENDS = {**settings.RENDER_BACKENDS, **EXTRA}


def make_studio(world: World, backend: str = "preview") -> Studio:
    director = actor_for(world.user("brand-a", Role.CREATIVE_DIRECTOR), "brand-a")
    director_b = actor_for(world.user("brand-b", Role.CREATIVE_DIRECTOR), "brand-b")
    # Talent A licenses to both competing brands; talent B to nobody.
    for brand in (world.brand_a, world.brand_b):
        LicenseFactory(
            twin=world.twin_a,
            brand=brand,
            current=True,
            markets=["DE", "FR"],
            channels=["instagram", "web"],
            categories=["top", "bottom", "outerwear"],
        )
    version = trained_version(world.twin_a)
    trained_version(world.twin_b)
    top = GarmentFactory(
        brand=world.brand_a,
        category="top",
        name="Green top",
        cutout=ContentFile(draw_cutout("top", (30, 160, 60)), name="top.png"),
    )
    look = look_save(actor=director, name="Look A", items=[LookItemInput(top.pk)])
    campaign = campaign_create(
        actor=director,
        data=CampaignInput(
            name="Spring",
            starts_on=date(2026, 11, 1),
            ends_on=date(2027, 3, 31),
            markets=["DE"],
            channels=["instagram"],
            backend=backend,
        ),
    )
    scene = scene_add(
        actor=director, campaign=campaign, name="Stone", kind="colour", value="#e8e4dc"
    )
    return Studio(world, director, director_b, campaign, look, scene, version)


def another_campaign(studio: Studio, name: str, **changes: Any) -> Campaign:
    """A second campaign of the studio's brand, over the studio campaign's dates."""
    values: dict[str, Any] = {
        "name": name,
        "starts_on": studio.campaign.starts_on,
        "ends_on": studio.campaign.ends_on,
        "markets": ["DE"],
        "channels": ["instagram"],
        "backend": "preview",
    }
    return campaign_create(actor=studio.director, data=CampaignInput(**{**values, **changes}))


def restyle(studio: Studio) -> Any:
    """The stylist swaps the studio look's top for a red one (returned): the look changes
    after its shots were queued or rendered."""
    red = GarmentFactory(
        brand=studio.world.brand_a,
        category="top",
        name="Red top",
        cutout=ContentFile(draw_cutout("top", (200, 30, 30)), name="red.png"),
    )
    look_save(actor=studio.director, look=studio.look, name="Look A", items=[LookItemInput(red.pk)])
    return red


@pytest.fixture
def studio(world: World) -> Studio:
    return make_studio(world)


def worker_env(monkeypatch: Any, **extra: str) -> None:
    """What a test worker process needs to see the test render backends."""
    monkeypatch.setenv("RENDER_BACKENDS", json.dumps(EXTRA))
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
