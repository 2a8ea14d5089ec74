"""Training backends, chosen by name from settings.TWIN_TRAINING_BACKENDS (dotted paths)."""

from collections.abc import Mapping
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from twins.training.base import Param, TrainingBackend


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


def training_params(name: str) -> Mapping[str, Param]:
    """What backend ``name`` lets a version set, read from its class: the web process checks a
    request without building a backend (which may load models). One that declares nothing takes
    nothing."""
    params: Mapping[str, Param] = getattr(
        import_string(settings.TWIN_TRAINING_BACKENDS[name]), "params", {}
    )
    return params
