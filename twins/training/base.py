from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class TrainingPhoto:
    id: int
    path: Path  # a local copy of the stored photo
    angle: str
    framing: str
    lighting: str


@dataclass(frozen=True)
class TrainingRequest:
    version_id: int
    trigger_token: str
    base_model: str
    photos: tuple[TrainingPhoto, ...]
    params: Mapping[str, Any]
    output_dir: Path  # where the backend writes its weights; the caller stores them


@dataclass(frozen=True)
class TrainingResult:
    annotations: dict[str, Any] = field(default_factory=dict)
    weights_path: Path | None = None  # a file in request.output_dir, or none


class Cancelled(Exception):
    """Raised by a backend when progress() tells it to stop."""


# progress(step, total) -> False when the job should stop (cancelled); backends call it between
# steps and raise Cancelled when told to stop.
Progress = Callable[[int, int], bool]


class TrainingBackend(Protocol):
    name: str

    def train(self, request: TrainingRequest, progress: Progress) -> TrainingResult: ...
