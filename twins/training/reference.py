"""The `reference` backend: no GPU, no weights. It picks the reference photo of each pose (the
sharpest passing full-body photo, studio light first) and annotates it with the figure's box,
the face box where a face shows, and body regions by the eight-head canon, which the preview
renderer uses to place garments."""

from typing import Any

import cv2
import numpy as np
from PIL import Image

from twins import quality
from twins.enums import Framing, Lighting
from twins.training.base import (
    Cancelled,
    Progress,
    TrainingPhoto,
    TrainingRequest,
    TrainingResult,
)

# Fractions of the figure's height, top to bottom (a figure is about eight heads tall).
REGIONS = {
    "head": (0.0, 0.13),
    "torso": (0.13, 0.45),
    "hips": (0.45, 0.56),
    "legs": (0.56, 0.94),
    "feet": (0.94, 1.0),
}
LIGHT_PREFERENCE = [Lighting.STUDIO, Lighting.HIGH_KEY, Lighting.DAYLIGHT, Lighting.LOW_KEY]


def figure_box(pixels: np.ndarray) -> tuple[int, int, int, int]:
    """(x, y, width, height) of the largest shape that stands out from the background (sampled
    at the border)."""
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    background = float(np.median(border))
    mask = (np.abs(pixels.astype(np.int16) - background) > 24).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((9, 9), np.uint8))
    count, _labels, stats, _centres = cv2.connectedComponentsWithStats(mask)
    if count < 2:  # nothing but background
        height, width = pixels.shape
        return 0, 0, width, height
    # The largest blob is the person; captions, marks and specks elsewhere are not.
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h = (
        stats[largest, i]
        for i in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT)
    )
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


def annotate(photo: TrainingPhoto) -> dict[str, Any]:
    with Image.open(photo.path) as image:
        image.load()
        pixels = quality.grey(image)
        size = image.size
    x, y, w, h = figure_box(pixels)
    regions = {
        name: [x, y + round(top * h), w, round((bottom - top) * h)]
        for name, (top, bottom) in REGIONS.items()
    }
    return {
        "photo": photo.id,
        "size": list(size),
        "figure": [x, y, w, h],
        "face": face_box(pixels),
        "regions": regions,
        "sharpness": round(float(cv2.Laplacian(pixels, cv2.CV_64F).var()), 1),
    }


class ReferenceBackend:
    name = "reference"

    def train(self, request: TrainingRequest, progress: Progress) -> TrainingResult:
        full_body = [p for p in request.photos if p.framing == Framing.FULL_BODY]
        angles = sorted({p.angle for p in full_body})
        poses: dict[str, Any] = {}
        for step, angle in enumerate(angles, start=1):
            candidates = [
                annotate(p) | {"lighting": p.lighting} for p in full_body if p.angle == angle
            ]
            poses[angle] = max(
                candidates, key=lambda c: (-LIGHT_PREFERENCE.index(c["lighting"]), c["sharpness"])
            )
            if not progress(step, len(angles)):
                raise Cancelled()
        faces = [p for p in request.photos if p.framing == Framing.FACE]
        face = annotate(faces[0]) if faces else None
        return TrainingResult(
            annotations={"poses": poses, "face_shot": face, "trigger_token": request.trigger_token}
        )
