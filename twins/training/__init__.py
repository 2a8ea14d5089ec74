"""Training backends, chosen by name from settings.TWIN_TRAINING_BACKENDS (dotted paths)."""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from twins.training.base import TrainingBackend


@cache
def training_backend(name: str) -> TrainingBackend:
    """The backend configured under ``name``; one instance per process, so a backend can keep
    its models warm between jobs."""
    try:
        path = settings.TWIN_TRAINING_BACKENDS[name]
    except KeyError as exc:
        raise LookupError(f"No training backend named {name!r}") from exc
    backend: TrainingBackend = import_string(path)()
    return backend
