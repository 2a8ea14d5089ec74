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
    GarmentLayer,
    Progress,
    RenderCancelled,
    RenderRequest,
    RenderResult,
    VersionInfo,
)
from twins.training.reference import figure_mask

# Where each slot sits: the regions it hangs from (the version's annotations: the body's width
# and axis below the shoulders, which the reference backend finds in the silhouette, under the
# face), its width against the body's there, where across the body it hangs (shoes: one on each
# foot, the left one mirrored), and the band of the cut-out's height where the garment's own body
# is measured. Accessories (no anchor across the body) hang from a hand instead, one hand after
# the other.
#
# Clothes are sized by their own body: the narrowest width through the cut-out's middle within
# that band (a tee below its sleeves, a dress at its waist, trousers at the waistband) is the
# body's width times the ease. Their length follows from the same scale, so a cropped top stays
# cropped and a maxi dress stays long. Bags and shoes (no band) fit a box.
SLOT_PLACES: dict[
    str, tuple[tuple[str, ...], float, tuple[float, ...], tuple[float, float] | None]
] = {
    "top": (("torso", "hips"), 1.15, (0.5,), (0.45, 0.9)),
    "dress": (("torso", "hips", "legs"), 1.1, (0.5,), (0.1, 0.45)),
    "bottom": (("hips", "legs"), 1.05, (0.5,), (0.0, 0.1)),
    "outerwear": (("torso", "hips"), 1.3, (0.5,), (0.45, 0.9)),
    "shoes": (("feet",), 0.45, (0.27, 0.73), None),
    "accessory": (("hips", "legs"), 0.5, (), None),
}
# A hanging arm's hand is level with the bottom of the hips: a bag's handle is held there.
HAND_DROP = 0.9
# Clothes from the shoulders up sit this much of the torso's height above the shoulder line the
# silhouette gives: over the seam, so that no sliver of the photo's own clothes shows above them.
SHOULDER_LIFT = 0.02
# A front view's body is about this wide for its torso's height: a turned body (a profile, a
# three-quarter view) is narrower, and its clothes narrow with it while keeping their length.
FRONT_WIDTH_PER_TORSO = 1.1


@lru_cache(maxsize=32)
def _figure(reference: Path, box: tuple[int, int, int, int]) -> Image.Image:
    """The figure cut out of its reference photo (RGBA, cropped to its box), as the reference
    backend found it."""
    with Image.open(reference) as photo:
        rgb = photo.convert("RGB")
    alpha = Image.fromarray(figure_mask(rgb) * 255).filter(ImageFilter.MedianFilter(5))
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


@lru_cache(maxsize=256)
def _body_width(path: Path, band: tuple[float, float]) -> int:
    """The garment's narrowest width through its middle within ``band`` of its height: the run of
    opaque pixels around the centre column, on rows where that column is cloth (not between the
    legs of trousers, not in a neckline). The whole width when no row qualifies."""
    cut = _cutout(path)
    opaque = np.asarray(cut.getchannel("A")) > 127
    centre, narrowest = cut.width // 2, cut.width
    for row in opaque[int(band[0] * cut.height) : max(1, int(band[1] * cut.height))]:
        if not row[centre]:
            continue
        gaps = np.flatnonzero(~row)
        left = gaps[gaps < centre]
        right = gaps[gaps > centre]
        run = (right[0] if right.size else cut.width) - (left[-1] + 1 if left.size else 0)
        narrowest = min(narrowest, int(run))
    return narrowest


def _garment_size(
    garment: GarmentLayer, cut: Image.Image, regions: dict[str, list[int]]
) -> tuple[int, int]:
    """The garment's size on the reference photo, in its pixels."""
    names, factor, _anchors, band = SLOT_PLACES[garment.slot]
    spans = [regions[name] for name in names]
    body_w = max(r[2] for r in spans)
    torso_h = regions["torso"][3]
    front_w = max(body_w, FRONT_WIDTH_PER_TORSO * torso_h)
    top = spans[0][1]
    if band is None:  # a bag, shoes: the box they may fill
        box_h = max(r[1] + r[3] for r in spans) - top
        ratio = min(front_w * factor / cut.width, box_h / cut.height)
        return max(1, round(cut.width * ratio)), max(1, round(cut.height * ratio))
    own = _body_width(Path(garment.cutout), band)
    width = cut.width * body_w * factor / own
    height = cut.height * front_w * factor / own
    # Never past the ankles: a garment longer than that is shown to them.
    feet = regions["feet"]
    height = min(height, feet[1] + feet[3] / 2 - top)
    return max(1, round(width)), max(1, round(height))


def backdrop(request: RenderRequest) -> Image.Image:
    """The scene behind the figure at the request's format: its colour, its image cropped to
    fill, or for a written scene (which only a generative backend draws) a plain one."""
    size = (request.width, request.height)
    if request.scene.kind == "image":  # never stretched
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
    scene_kinds = frozenset({"colour", "image"})  # a prompt needs a generative backend

    def missing(self, version: VersionInfo, angle: str) -> str:
        if angle not in (version.annotations.get("poses") or {}):
            return f"The twin version has no reference photo from the {angle.replace('_', ' ')}."
        return ""

    def render(self, request: RenderRequest, progress: Progress) -> RenderResult:
        rng = random.Random(request.seed)  # noqa: S311  (placement jitter, not secrets)
        canvas = backdrop(request).convert("RGBA")
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
        hands = 0  # accessories hung so far: the next goes in the other hand
        for step, garment in enumerate(layers, start=1):
            names, _factor, anchors, _band = SLOT_PLACES[garment.slot]
            spans = [request.pose["regions"][name] for name in names]
            body_x, top_y, body_w = spans[0][0], spans[0][1], max(r[2] for r in spans)
            if names[0] == "torso":
                top_y -= SHOULDER_LIFT * spans[0][3]
            if not anchors:  # in a hand: below the hips, between the body's side and the reach
                top_y += HAND_DROP * spans[0][3]
            cut = _cutout(Path(garment.cutout))
            size = _garment_size(garment, cut, request.pose["regions"])
            piece = cut.resize(
                (max(1, round(size[0] * scale)), max(1, round(size[1] * scale))),
                Image.Resampling.BILINEAR,
            )
            gy = top + round((top_y - y0) * scale)
            centres = [body_x + body_w * anchor for anchor in anchors]
            if not anchors:
                right = hands % 2 == 0
                hands += 1
                reach = x0 + box[2] if right else x0
                centres = [(reach + (body_x + body_w if right else body_x)) / 2]
            for n, centre in enumerate(centres):
                item = ImageOps.mirror(piece) if n == 0 and len(centres) > 1 else piece
                gx = left + round((centre - x0) * scale) - item.width // 2
                canvas.alpha_composite(_shadow(item), (gx + 4 - SHADOW_PAD, gy + 6 - SHADOW_PAD))
                canvas.alpha_composite(item, (gx, gy))
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
