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


@dataclass(frozen=True)
class Param:
    """A training parameter a backend takes: a whole number or a number, within bounds."""

    kind: type[int] | type[float]
    low: float
    high: float


def params_clean(accepted: Mapping[str, Param], given: Mapping[str, Any]) -> dict[str, Any]:
    """``given`` as the backend takes it, or a ValueError that says what is wrong: a parameter
    the backend does not know, or a value of another type or out of its bounds (a GPU would
    otherwise learn of it, hours of queue later, or train for ever)."""
    unknown = sorted(set(given) - set(accepted))
    if unknown:
        takes = ", ".join(sorted(accepted)) or "none"
        raise ValueError(f"Unknown parameter {', '.join(unknown)}: this backend takes {takes}.")
    clean: dict[str, Any] = {}
    for name, value in given.items():
        spec = accepted[name]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if not number or (spec.kind is int and not whole) or not spec.low <= value <= spec.high:
            if spec.kind is int:
                bounds = f"a whole number from {int(spec.low)} to {int(spec.high)}"
            else:
                bounds = f"a number from {spec.low:g} to {spec.high:g}"
            raise ValueError(f"{name} is {bounds}.")
        clean[name] = spec.kind(value)
    return clean


class TrainingBackend(Protocol):
    name: str
    params: Mapping[str, Param]  # what a version may set (none is required); on the class

    def train(self, request: TrainingRequest, progress: Progress) -> TrainingResult: ...
