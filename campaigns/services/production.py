"""Campaigns and their scenes: create, edit, hand over, move through their statuses."""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import pluralize

from campaigns.enums import (
    CAMPAIGN_TRANSITIONS,
    GPU_BUDGET_MAX_SECONDS,
    CampaignStatus,
    SceneKind,
)
from campaigns.models import Campaign, Scene, Shot
from campaigns.selectors import campaign_owners
from studio.enums import Perm
from studio.errors import Conflict, NotFound, StudioError, text_checked
from studio.images import image_ingest
from studio.markets import markets_read
from studio.media import media_kept
from studio.models import Brand
from studio.permissions import Actor
from studio.services import audit_record
from twins.enums import Channel, ContentTag

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


# --- Campaigns ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CampaignInput:
    name: str
    starts_on: date
    ends_on: date
    markets: list[str]
    channels: list[str]
    brief: str = ""
    content_tags: list[str] = field(default_factory=list)
    gpu_budget_seconds: int = 3600
    backend: str = ""
    owner: str = ""  # a username; none: the creator on create, unchanged on update


def _clean_campaign(data: CampaignInput) -> dict[str, Any]:
    name = data.name.strip()
    if not name or len(name) > 200:
        raise StudioError("A campaign needs a name of at most 200 characters.")
    if data.ends_on < data.starts_on:
        raise StudioError("The campaign ends before it starts.")
    markets, wrong = markets_read(data.markets)
    if wrong:
        raise StudioError(wrong)
    channels = sorted(set(data.channels))
    if not channels or any(c not in Channel.values for c in channels):
        raise StudioError(f"Channels are at least one of {', '.join(Channel.values)}.")
    tags = sorted(set(data.content_tags))
    if any(t not in ContentTag.values for t in tags):
        raise StudioError(f"Content tags are among {', '.join(ContentTag.values)}.")
    backend = data.backend or settings.RENDER_BACKEND
    if backend not in settings.RENDER_BACKENDS:
        raise StudioError(f"Unknown render backend {backend!r}.")
    if not 0 <= data.gpu_budget_seconds <= GPU_BUDGET_MAX_SECONDS:
        raise StudioError(f"The GPU budget is 0 to {GPU_BUDGET_MAX_SECONDS:,} seconds.")
    return {
        "name": name,
        "brief": text_checked(data.brief, "a brief"),
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "markets": markets,
        "channels": channels,
        "content_tags": tags,
        "gpu_budget_seconds": data.gpu_budget_seconds,
        "backend": backend,
    }


def _owner(brand: Brand, username: str) -> Any:
    owner = campaign_owners(brand=brand).filter(username=username).first()
    if owner is None:
        raise StudioError(
            f"{username!r} cannot own this brand's campaigns: the owner is a member whose role "
            "builds campaigns (creative director or brand admin)."
        )
    return owner


def campaign_create(*, actor: Actor, data: CampaignInput) -> Campaign:
    brand = actor.require(Perm.MANAGE_CAMPAIGNS)
    values = _clean_campaign(data)
    owner = _owner(brand, data.owner) if data.owner else actor.user
    with transaction.atomic():
        campaign = Campaign.objects.create(brand=brand, owner=owner, **values)
        audit_record(actor=actor.user, verb="campaign.created", obj=campaign, brand=brand)
    return campaign


def campaign_own(actor: Actor, campaign: Campaign) -> Campaign:
    """The campaign, locked, if it is the actor's brand's and their role may change it."""
    brand = actor.require(Perm.MANAGE_CAMPAIGNS)
    locked = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("brand")
        .filter(pk=campaign.pk, brand=brand)
        .first()
    )
    if locked is None:
        raise NotFound("No such campaign.")
    return locked


@transaction.atomic
def campaign_update(*, actor: Actor, campaign: Campaign, data: CampaignInput) -> Campaign:
    campaign = campaign_own(actor, campaign)
    values = _clean_campaign(data)
    previous_owner = campaign.owner_id
    if data.owner:
        values["owner"] = _owner(campaign.brand, data.owner)
    for name, value in values.items():
        setattr(campaign, name, value)
    campaign.save()
    audit_record(
        actor=actor.user,
        verb="campaign.updated",
        obj=campaign,
        brand=campaign.brand,
        payload={"owner": campaign.owner.username} if campaign.owner_id != previous_owner else None,
    )
    return campaign


@transaction.atomic
def campaign_status_set(*, actor: Actor, campaign: Campaign, status: str) -> Campaign:
    campaign = campaign_own(actor, campaign)
    if status not in CampaignStatus.values:
        raise StudioError(f"A campaign's status is one of {', '.join(CampaignStatus.values)}.")
    if status not in CAMPAIGN_TRANSITIONS[campaign.status]:
        raise Conflict(
            f"A campaign that is {campaign.get_status_display().lower()} cannot become "
            f"{CampaignStatus(status).label.lower()}."
        )
    before, campaign.status = campaign.status, status
    campaign.save(update_fields=["status", "updated_at"])
    payload: dict[str, Any] = {"from": before, "to": status}
    if status == CampaignStatus.ARCHIVED:
        # Nothing renders in the archive, as nothing is queued there.
        from campaigns.services.rendering import campaign_renders_stop

        stopped = campaign_renders_stop(campaign, "The campaign was archived.")
        payload["renders_stopped"] = stopped.queued + stopped.running
    audit_record(
        actor=actor.user,
        verb="campaign.status_changed",
        obj=campaign,
        brand=campaign.brand,
        payload=payload,
    )
    return campaign


def _scene_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 120:
        raise StudioError("A scene needs a name of at most 120 characters.")
    return name


def _scene_value(kind: str, value: str) -> str:
    """A colour scene's #rrggbb or a prompt scene's prompt, checked; an image scene has none."""
    value = value.strip()
    if kind == SceneKind.COLOUR and not COLOUR.match(value):
        raise StudioError("A colour scene needs a colour like #e8e4dc.")
    if kind == SceneKind.PROMPT and not 3 <= len(value) <= 500:
        raise StudioError("A prompt scene needs a prompt of 3 to 500 characters.")
    return value


@media_kept()
def scene_add(
    *,
    actor: Actor,
    campaign: Campaign,
    name: str,
    kind: str,
    value: str = "",
    image: IO[bytes] | None = None,
) -> Scene:
    """A colour (#rrggbb), an uploaded image (checked like every upload), or a prompt."""
    brand = actor.require(Perm.MANAGE_CAMPAIGNS)
    if campaign.brand_id != brand.pk:
        raise NotFound("No such campaign.")
    name, value = _scene_name(name), _scene_value(kind, value)
    if (kind == SceneKind.IMAGE) != (image is not None):
        raise StudioError("An image scene needs an image, and only an image scene has one.")
    if kind not in SceneKind.values:
        raise StudioError(f"A scene is one of {', '.join(SceneKind.values)}.")
    stored = image_ingest(image, prefix=f"scenes/{brand.pk}") if image is not None else None
    with transaction.atomic():
        scene = Scene.objects.create(
            campaign=campaign,
            name=name,
            kind=kind,
            value="" if stored else value,
            image=stored.name if stored else "",
        )
        audit_record(
            actor=actor.user,
            verb="scene.added",
            obj=scene,
            brand=brand,
            payload={"campaign": campaign.pk, "kind": kind},
        )
    return scene


@media_kept()
def scene_update(
    *,
    actor: Actor,
    campaign: Campaign,
    scene_id: int,
    name: str | None = None,
    value: str | None = None,
    image: IO[bytes] | None = None,
) -> Scene:
    """Rename a scene, change its colour or prompt, or give an image scene another image; what
    is not given stays. Its kind stays: another kind is another scene. Shots that use it render
    it as it is from now on; their renders made before show it as it was and say so
    (``render_outdated``), to be rendered again with their seeds in one action."""
    brand = actor.require(Perm.MANAGE_CAMPAIGNS)
    if campaign.brand_id != brand.pk:
        raise NotFound("No such campaign.")
    scene = campaign.scenes.filter(pk=scene_id).first()
    if scene is None:
        raise NotFound("No such scene.")
    if name is not None:
        name = _scene_name(name)
    if value is not None and scene.kind == SceneKind.IMAGE:
        raise StudioError("An image scene changes by its image, not by a value.")
    if value is not None:
        value = _scene_value(scene.kind, value)
    if image is not None and scene.kind != SceneKind.IMAGE:
        raise StudioError("Only an image scene has an image.")
    stored = image_ingest(image, prefix=f"scenes/{brand.pk}") if image is not None else None
    with transaction.atomic():
        scene = Scene.objects.select_for_update().filter(pk=scene.pk).first()
        if scene is None:  # removed meanwhile
            raise NotFound("No such scene.")
        before = {"name": scene.name, "value": scene.value, "image": str(scene.image)}
        scene.name = scene.name if name is None else name
        scene.value = scene.value if value is None else value
        if stored is not None:
            scene.image.name = stored.name
        after = {"name": scene.name, "value": scene.value, "image": str(scene.image)}
        if after == before:
            return scene
        scene.save(update_fields=["name", "value", "image"])
        audit_record(
            actor=actor.user,
            verb="scene.changed",
            obj=scene,
            brand=brand,
            payload={
                "campaign": campaign.pk,
                **{key: [before[key], after[key]] for key in before if before[key] != after[key]},
            },
        )
    return scene


@transaction.atomic
def scene_remove(*, actor: Actor, campaign: Campaign, scene_id: int) -> None:
    """Take a scene out of a campaign while no shot uses it: a shot keeps its scene, as its
    renders were made against it. Locks the campaign, as queueing a matrix does, so a shot
    cannot take the scene up meanwhile."""
    campaign = campaign_own(actor, campaign)
    scene = campaign.scenes.filter(pk=scene_id).first()
    if scene is None:
        raise NotFound("No such scene.")
    used = Shot.objects.filter(scene=scene).count()
    if used:
        raise Conflict(
            f"The scene {scene.name} stays: it is in {used} shot{pluralize(used)} of the matrix."
        )
    audit_record(
        actor=actor.user,
        verb="scene.removed",
        obj=scene,
        brand=campaign.brand,
        payload={"campaign": campaign.pk, "name": scene.name, "kind": scene.kind},
    )
    scene.delete()  # an image file stays: files are stored by content, another may share it
