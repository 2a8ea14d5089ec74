from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

FORMATS = {"1:1": (1024, 1024), "4:5": (1024, 1280), "9:16": (720, 1280), "16:9": (1280, 720)}


@dataclass(frozen=True)
class GarmentLayer:
    slot: str
    layer: int
    cutout: Path  # PNG with alpha


@dataclass(frozen=True)
class Scene:
    kind: str  # "colour", "image" or "prompt"
    value: str  # "#e8e4dc", a local image path, or a prompt for generative backends


@dataclass(frozen=True)
class RenderRequest:
    seed: int
    width: int
    height: int
    reference: Path  # the twin version's reference photo for the pose
    pose: Mapping[str, Any]  # that photo's annotations: figure box, face box, body regions
    garments: tuple[GarmentLayer, ...]
    scene: Scene
    params: Mapping[str, Any] = field(default_factory=dict)
    # For generative backends: the twin version's LoRA and trigger token, the base weights (local
    # paths only), what the look is (for the prompt), and the pose's keypoints.
    lora: Path | None = None
    trigger_token: str = ""
    base_model: str = ""
    description: str = ""
    keypoints: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class RenderResult:
    png: bytes
    width: int
    height: int
    meta: Mapping[str, Any] = field(default_factory=dict)


Progress = Callable[[int, int], bool]  # (step, total) -> False to stop


class RenderCancelled(Exception):
    pass


@dataclass(frozen=True)
class VersionInfo:
    """What a backend needs to know of a twin version to say whether it can render it."""

    annotations: Mapping[str, Any]
    weights_uri: str


class RenderBackend(Protocol):
    name: str
    # The kinds of scene it draws ("colour", "image", "prompt"); the others it renders on a plain
    # backdrop, which the matrix plan warns of.
    scene_kinds: frozenset[str]

    def missing(self, version: VersionInfo, angle: str) -> str:
        """Why this version cannot be rendered in a pose of ``angle``; empty when it can."""
        ...

    def render(self, request: RenderRequest, progress: Progress) -> RenderResult: ...
