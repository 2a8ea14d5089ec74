"""The `reference` backend: no GPU, no weights. It picks the reference photo of each pose (the
sharpest passing full-body photo, studio light first) and annotates it with the figure's box,
the face box where a face shows, and body regions by the eight-head canon, which the preview
renderer uses to place garments."""

from typing import Any

import cv2
import numpy as np
from PIL import Image

from studio import backdrop
from twins import quality
from twins.enums import Framing, Lighting
from twins.training.base import (
    Cancelled,
    Param,
    Progress,
    TrainingPhoto,
    TrainingRequest,
    TrainingResult,
)

# Fractions of the figure's height, top to bottom (a figure is about eight heads tall). Where
# the silhouette shows the neck and shoulders, the torso starts at the shoulders instead.
REGIONS = {
    "head": (0.0, 0.13),
    "torso": (0.13, 0.45),
    "hips": (0.45, 0.56),
    "legs": (0.56, 0.94),
    "feet": (0.94, 1.0),
}
# A shape at least this part of the largest, and level with it, belongs to the figure too.
PART = 0.1
HOLE = 0.01  # a hole in the head smaller than this part of the figure is figure
# A floor shadow darkens the backdrop by less than SHADE and lies in the figure's lowest FLOOR.
SHADE = 0.4
FLOOR = 0.08
LIGHT_PREFERENCE = [Lighting.STUDIO, Lighting.HIGH_KEY, Lighting.DAYLIGHT, Lighting.LOW_KEY]


def figure_mask(image: Image.Image) -> np.ndarray:
    """The figure, as 0/1: what stands out from the backdrop (fitted to the border, then to all
    of the backdrop, so that a key light's falloff is not taken for the figure), less its floor
    shadow. Of that, the largest shape and the large ones level with it: a head and legs stay
    when clothes of the backdrop's colour part them from the rest. Captions, marks and specks
    elsewhere are not part of it. All zeros for an empty photo."""
    colours = backdrop.lab(image)
    height, width = colours.shape[:2]
    edge = backdrop.border(height, width, max(2, min(height, width) // 40))
    surface = backdrop.backdrop_surface(colours, edge, passes=3)
    difference = colours - surface
    distance = np.linalg.norm(difference, axis=2)
    limit = max(backdrop.LEAST_DISTANCE, 4 * float(np.median(distance[edge])))
    figure = _parts(distance > limit)
    if not figure.any():
        return figure
    # Backdrop in shade: darker, by less than SHADE, and of the backdrop's own hue.
    shaded = (
        (difference[..., 0] < 0)
        & (colours[..., 0] >= (1 - SHADE) * surface[..., 0])
        & (np.hypot(difference[..., 1], difference[..., 2]) < limit)
    )
    # Without its shadow the figure keeps every large piece, level with the largest or not (an
    # arm held out was level with the shadow that joined it); only the shadow's crumbs go.
    return _head_holes_filled(_parts(figure & ~_floor_shadow(figure, shaded), level=False))


def _parts(mask: np.ndarray, *, level: bool = True) -> np.ndarray:
    """The largest shape of ``mask`` (opened: no thin specks) and the large ones (level with it,
    unless ``level`` is False)."""
    opened = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((9, 9), np.uint8))
    count, labels, stats, _centres = cv2.connectedComponentsWithStats(opened)
    if count < 2:
        return np.zeros_like(opened)
    areas, lefts = stats[:, cv2.CC_STAT_AREA], stats[:, cv2.CC_STAT_LEFT]
    rights = lefts + stats[:, cv2.CC_STAT_WIDTH]
    largest = 1 + int(np.argmax(areas[1:]))
    parts = [
        n
        for n in range(1, count)
        if areas[n] >= PART * areas[largest]
        and (not level or (lefts[n] < rights[largest] and rights[n] > lefts[largest]))
    ]
    return np.isin(labels, parts).astype(np.uint8)


def _down(figure: np.ndarray, fraction: float) -> float:
    """The row ``fraction`` of the way down the figure, from its top to its bottom."""
    rows = np.flatnonzero(figure.any(axis=1))
    return float(rows[0] + fraction * (rows[-1] - rows[0]))


def _floor_shadow(figure: np.ndarray, shaded: np.ndarray) -> np.ndarray:
    """Where the figure is its own shadow on the floor: shaded backdrop whose run down each
    column begins near the figure's feet (in the canon's feet region, held a little higher).
    Grey trousers are as dark as a shadow, but their run begins far above: they stay."""
    feet = _down(figure, 1 - FLOOR)
    run = (figure > 0) & shaded
    begins = run.copy()
    begins[1:] &= ~run[:-1]
    row = np.arange(run.shape[0])[:, None]
    began_at = np.maximum.accumulate(np.where(begins, row, -1), axis=0)
    return run & (began_at >= feet)


def _head_holes_filled(figure: np.ndarray) -> np.ndarray:
    """Eyes as dark as a low-key wall leave holes in the head, which would read as a neck between
    them: small holes in the head (the canon's) are figure. Elsewhere a hole is the backdrop seen
    through: an arm's loop to the hip, a raised arm's gap to the neck."""
    head_end = _down(figure, REGIONS["head"][1])
    _count, labels, stats, _centres = cv2.connectedComponentsWithStats(1 - figure, connectivity=4)
    outside = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    bottoms = stats[:, cv2.CC_STAT_TOP] + stats[:, cv2.CC_STAT_HEIGHT]
    holes = (stats[:, cv2.CC_STAT_AREA] < HOLE * figure.sum()) & (bottoms <= head_end)
    holes[outside] = False
    figure[holes[labels]] = 1
    return figure


def figure_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(x, y, width, height) of the figure; the whole photo when there is none."""
    if not mask.any():
        height, width = mask.shape
        return 0, 0, width, height
    x, y, w, h = cv2.boundingRect(mask)
    return int(x), int(y), int(w), int(h)


def face_box(pixels: np.ndarray) -> list[int] | None:
    short = min(pixels.shape)
    faces = quality._face_cascade().detectMultiScale(
        pixels, scaleFactor=1.1, minNeighbors=5, minSize=(short // 16, short // 16)
    )
    if len(faces) == 0:
        return None
    x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
    return [int(x), int(y), int(w), int(h)]


def _run(row: np.ndarray, axis: int) -> tuple[int, int]:
    """(start, end) of the stretch of figure on ``row`` that crosses ``axis``; (axis, axis) if
    none does."""
    if not row[axis]:
        return axis, axis
    gaps = np.flatnonzero(row == 0)
    start = gaps[gaps < axis].max() + 1 if (gaps < axis).any() else 0
    end = gaps[gaps > axis].min() if (gaps > axis).any() else len(row)
    return int(start), int(end)


def _axis(mask: np.ndarray) -> int:
    """The body's vertical axis: the median column of the figure (arms move it little)."""
    return int(np.median(np.nonzero(mask)[1]))


def shoulders(
    mask: np.ndarray, box: tuple[int, int, int, int], face: list[int] | None
) -> tuple[int, int, int] | None:
    """(y, x, width) of the shoulder line: the first row below the neck (the narrowest stretch
    of the body's axis under the head, or under the face where one was found) that is nearly
    twice the neck's width. None when the silhouette shows no such line.

    A face box often reaches below the chin, so the search starts at the face's middle: the head
    is wider than the neck, so the narrowest stretch is still the neck."""
    _x, y, _w, h = box
    if not mask.any():
        return None
    axis = face[0] + face[2] // 2 if face else _axis(mask)
    first = face[1] + face[3] // 2 if face else y + round(h * 0.08)
    # (a neck is at most about a face long; without a face, the canon's head and neck)
    last = min(y + h, first + (round(face[3] * 1.5) if face else round(h * 0.27)))
    runs = {row: _run(mask[row], axis) for row in range(first, last)}
    widths = [(end - start, row) for row, (start, end) in runs.items() if end > start]
    if not widths:
        return None
    neck, neck_row = min(widths)
    for width, row in widths:
        if row > neck_row and width >= 1.8 * neck:
            start, end = _run(mask[row + min(h // 40, y + h - 1 - row)], axis)
            return row, start, end - start
    return None


def annotate(photo: TrainingPhoto) -> dict[str, Any]:
    with Image.open(photo.path) as image:
        image.load()
        pixels = quality.grey(image)
        size = image.size
        mask = figure_mask(image)
    x, y, w, h = figure_box(mask)
    face = face_box(pixels)
    regions = {
        name: [x, y + round(top * h), w, round((bottom - top) * h)]
        for name, (top, bottom) in REGIONS.items()
    }
    line = shoulders(mask, (x, y, w, h), face)
    hips_y = regions["hips"][1]
    if line is not None and line[0] < hips_y:  # (a half or face framing shows no hips)
        shoulder_y, body_x, body_w = line
        regions["head"][3] = shoulder_y - y
        regions["torso"] = [body_x, shoulder_y, body_w, hips_y - shoulder_y]
    elif mask.any():  # no shoulder line: the canon's torso, as wide as the body at the chest
        start, end = _run(mask[regions["torso"][1] + regions["torso"][3] // 4], _axis(mask))
        body_x, body_w = (start, end - start) if end > start else (x, w)
    else:
        body_x, body_w = x, w
    # Below the head, the body is as wide as its shoulders, not as the reach of its arms.
    for name in ("torso", "hips", "legs", "feet"):
        regions[name][0], regions[name][2] = body_x, body_w
    return {
        "photo": photo.id,
        "size": list(size),
        "figure": [x, y, w, h],
        "face": face,
        "regions": regions,
        "sharpness": round(float(cv2.Laplacian(pixels, cv2.CV_64F).var()), 1),
    }


def reference_annotations(
    request: TrainingRequest, progress: Progress = lambda step, total: True
) -> dict[str, Any]:
    """The reference photo of each pose, annotated, and the face shot: what the render backends
    lay garments on (the preview composites on it, diffusers inpaints it), whichever backend
    trained the version."""
    full_body = [p for p in request.photos if p.framing == Framing.FULL_BODY]
    angles = sorted({p.angle for p in full_body})
    poses: dict[str, Any] = {}
    for step, angle in enumerate(angles, start=1):
        candidates = [annotate(p) | {"lighting": p.lighting} for p in full_body if p.angle == angle]
        poses[angle] = max(
            candidates, key=lambda c: (-LIGHT_PREFERENCE.index(c["lighting"]), c["sharpness"])
        )
        if not progress(step, len(angles)):
            raise Cancelled()
    faces = [p for p in request.photos if p.framing == Framing.FACE]
    face = annotate(faces[0]) if faces else None
    return {"poses": poses, "face_shot": face, "trigger_token": request.trigger_token}


class ReferenceBackend:
    name = "reference"
    params: dict[str, Param] = {}  # it picks and annotates; there is nothing to tune

    def train(self, request: TrainingRequest, progress: Progress) -> TrainingResult:
        return TrainingResult(annotations=reference_annotations(request, progress))
