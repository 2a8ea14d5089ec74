"""The `preview` backend: a CPU compositor. It cuts the twin out of the version's reference photo
for the pose, stands it in the scene at the exact format, and lays the look's garment cut-outs
over it, slot by slot and layer by layer, each with a soft shadow. Same request, same seed:
same bytes. Reference cut-outs are kept warm between jobs."""

import io
import random
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageColor, ImageFilter, ImageOps

from campaigns.rendering.base import (
    Progress,
    RenderCancelled,
    RenderRequest,
    RenderResult,
    VersionInfo,
)

# Where each slot sits, as (regions it spans, width relative to the body there, horizontal
# anchor across it). The regions come from the version's annotations: the body's width and axis
# below the shoulders, which the reference backend finds in the silhouette, under the face.
SLOT_PLACES = {
    "top": (("torso", "hips"), 1.35, 0.5),
    "dress": (("torso", "hips", "legs"), 1.3, 0.5),
    "bottom": (("hips", "legs"), 1.0, 0.5),
    "outerwear": (("torso", "hips"), 1.55, 0.5),
    "shoes": (("feet",), 0.95, 0.5),
    "accessory": (("hips",), 0.55, 0.95),
}


@lru_cache(maxsize=32)
def _figure(reference: Path, box: tuple[int, int, int, int]) -> Image.Image:
    """The figure cut out of its reference photo (RGBA, cropped to its box)."""
    with Image.open(reference) as photo:
        rgb = photo.convert("RGB")
    pixels = np.asarray(rgb.convert("L"), dtype=np.int16)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    keep = (np.abs(pixels - int(np.median(border))) > 24).astype(np.uint8) * 255
    alpha = Image.fromarray(keep).filter(ImageFilter.MedianFilter(5))
    figure = rgb.copy()
    figure.putalpha(alpha)
    x, y, w, h = box
    return figure.crop((x, y, x + w, y + h))


@lru_cache(maxsize=64)
def _cutout(path: Path) -> Image.Image:
    """The garment, cropped to its opaque part (a cut-out's margin says nothing of its size)."""
    with Image.open(path) as image:
        garment = image.convert("RGBA")
    return garment.crop(garment.getchannel("A").getbbox() or (0, 0, *garment.size))


def _background(request: RenderRequest) -> Image.Image:
    size = (request.width, request.height)
    if request.scene.kind == "image":  # cropped to fill the format, never stretched
        with Image.open(request.scene.value) as image:
            return ImageOps.fit(image.convert("RGB"), size, Image.Resampling.BILINEAR)
    colour = request.scene.value if request.scene.kind == "colour" else "#ecebe7"
    return Image.new("RGB", size, ImageColor.getrgb(colour))


SHADOW_PAD = 32  # room around a layer for its shadow's blur, which a hard edge would cut


def _shadow(layer: Image.Image, strength: int = 70) -> Image.Image:
    """A soft drop shadow of ``layer``'s alpha, SHADOW_PAD larger on every side, blurred on a
    small copy (fast)."""
    alpha = Image.new("L", (layer.width + 2 * SHADOW_PAD, layer.height + 2 * SHADOW_PAD), 0)
    alpha.paste(layer.getchannel("A"), (SHADOW_PAD, SHADOW_PAD))
    small = alpha.resize((max(1, alpha.width // 4), max(1, alpha.height // 4)))
    blurred = small.filter(ImageFilter.GaussianBlur(2)).resize(alpha.size)
    shade = Image.new("RGBA", alpha.size, (0, 0, 0, 0))
    shade.putalpha(blurred.point(lambda a: a * strength // 255))
    return shade


class PreviewBackend:
    name = "preview"

    def missing(self, version: VersionInfo, angle: str) -> str:
        if angle not in (version.annotations.get("poses") or {}):
            return f"The twin version has no reference photo from the {angle.replace('_', ' ')}."
        return ""

    def render(self, request: RenderRequest, progress: Progress) -> RenderResult:
        rng = random.Random(request.seed)  # noqa: S311  (placement jitter, not secrets)
        canvas = _background(request).convert("RGBA")
        box = tuple(request.pose["figure"])
        figure = _figure(Path(request.reference), box)
        # Stand the figure in the frame: 86-92 % of its height, centred, a seeded nudge.
        scale = request.height * rng.uniform(0.86, 0.92) / figure.height
        fw, fh = max(1, round(figure.width * scale)), max(1, round(figure.height * scale))
        left = (request.width - fw) // 2 + rng.randint(-request.width // 40, request.width // 40)
        top = request.height - fh - request.height // 30
        person = figure.resize((fw, fh), Image.Resampling.BILINEAR)
        shadow_at = (left + fw // 60 - SHADOW_PAD, top + fh // 80 - SHADOW_PAD)
        canvas.alpha_composite(_shadow(person, 50), shadow_at)
        canvas.alpha_composite(person, (left, top))
        x0, y0 = box[0], box[1]
        layers = sorted(request.garments, key=lambda g: g.layer)
        for step, garment in enumerate(layers, start=1):
            regions, width_factor, anchor = SLOT_PLACES[garment.slot]
            spans = [request.pose["regions"][name] for name in regions]
            top_y = min(r[1] for r in spans)
            bottom_y = max(r[1] + r[3] for r in spans)
            body_x, body_w = spans[0][0], max(r[2] for r in spans)
            target_h = max(1, round((bottom_y - top_y) * scale))
            target_w = max(1, round(body_w * scale * width_factor))
            cut = _cutout(Path(garment.cutout))
            ratio = min(target_w / cut.width, target_h / cut.height)
            piece = cut.resize(
                (max(1, round(cut.width * ratio)), max(1, round(cut.height * ratio))),
                Image.Resampling.BILINEAR,
            )
            gx = left + round((body_x - x0 + body_w * anchor) * scale) - piece.width // 2
            gy = top + round((top_y - y0) * scale)
            canvas.alpha_composite(_shadow(piece), (gx + 4 - SHADOW_PAD, gy + 6 - SHADOW_PAD))
            canvas.alpha_composite(piece, (gx, gy))
            if not progress(step, len(layers)):
                raise RenderCancelled()
        out = io.BytesIO()
        canvas.convert("RGB").save(out, "PNG", compress_level=1)
        return RenderResult(
            png=out.getvalue(),
            width=request.width,
            height=request.height,
            meta={"backend": self.name, "seed": request.seed, "garments": len(layers)},
        )
