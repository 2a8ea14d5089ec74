"""Render backends, chosen by name from settings.RENDER_BACKENDS (dotted paths): `preview` on the
CPU, `diffusers` on GPU workers, `null` for benchmarks. Each is a RenderBackend (base.py)."""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from campaigns.rendering.base import RenderBackend


@cache
def render_backend(name: str) -> RenderBackend:
    """The backend configured under ``name``; one instance per process, so a backend keeps its
    pipelines and LoRAs warm between jobs."""
    try:
        path = settings.RENDER_BACKENDS[name]
    except KeyError as exc:
        raise LookupError(f"No render backend named {name!r}") from exc
    backend: RenderBackend = import_string(path)()
    return backend
