"""The `null` backend: returns a stored image at once. It measures what the studio itself costs
around a render (queue, worker, storage, thumbnail), with no rendering in the way."""

import io
from functools import cache

from PIL import Image

from campaigns.rendering.base import Progress, RenderRequest, RenderResult, VersionInfo


@cache
def null_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (236, 235, 231)).save(out, "PNG", compress_level=1)
    return out.getvalue()


class NullBackend:
    name = "null"
    scene_kinds = frozenset({"colour", "image", "prompt"})  # it draws none, and warns of none

    def missing(self, version: VersionInfo, angle: str) -> str:
        return ""

    def render(self, request: RenderRequest, progress: Progress) -> RenderResult:
        progress(1, 1)
        return RenderResult(
            png=null_png(request.width, request.height),
            width=request.width,
            height=request.height,
            meta={"backend": self.name, "seed": request.seed},
        )
