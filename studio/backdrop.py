"""Telling what was photographed from the backdrop it stands on: a garment on a packshot sweep,
a person on a studio wall. The backdrop is modelled as a smooth surface of colour (CIELAB) over
the frame, so a graded sweep, a vignette or a key light's falloff is backdrop too."""

import cv2
import numpy as np
from PIL import Image

# CIELAB distance (about 2 is just noticeable) under which a pixel always counts as backdrop
# (`manage.py benchmark cutout`).
LEAST_DISTANCE = 6.0
# The surface is fitted on a copy this long (and at least a fifth of it across: a long, narrow
# strip keeps its rows apart); it is smooth, so little is lost.
FIT_SIDE = 160


def lab(image: Image.Image) -> np.ndarray:
    """The image in CIELAB, as float32 (height, width, 3)."""
    return cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2LAB).astype(np.float32)


def _terms(height: int, width: int, degree: int) -> np.ndarray:
    """The polynomial terms in x and y (each -0.5..0.5) up to ``degree``, one row a pixel."""
    ys, xs = np.mgrid[0:height, 0:width]
    x, y = (xs / width - 0.5).ravel(), (ys / height - 0.5).ravel()
    return np.stack([x ** (d - i) * y**i for d in range(degree + 1) for i in range(d + 1)], axis=1)


def border(height: int, width: int, margin: int) -> np.ndarray:
    """True on the frame's outer ``margin`` pixels."""
    edge = np.ones((height, width), bool)
    edge[margin:-margin, margin:-margin] = False
    return edge


def backdrop_surface(colours: np.ndarray, sample: np.ndarray, *, passes: int = 1) -> np.ndarray:
    """The backdrop's colour (CIELAB) at each pixel of ``colours``.

    The first pass fits a quadratic surface to the pixels of ``sample`` (the border, say). Each
    further pass fits a cubic one to every pixel that the last fit called backdrop (within four
    times its median distance, and LEAST_DISTANCE): a light's falloff across the whole frame,
    which the border alone does not show."""
    height, width = sample.shape
    scale = min(1.0, max(FIT_SIDE / max(height, width), FIT_SIDE / 5 / min(height, width)))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(colours, size, interpolation=cv2.INTER_AREA).reshape(-1, 3)
    chosen = cv2.resize(sample.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    chosen = chosen.ravel()
    for n in range(passes):
        terms = _terms(size[1], size[0], 2 if n == 0 else 3)
        fit, *_ = np.linalg.lstsq(terms[chosen], small[chosen], rcond=None)
        surface = (terms @ fit).astype(np.float32)
        distance = np.linalg.norm(small - surface, axis=1)
        chosen = distance < max(LEAST_DISTANCE, 4 * float(np.median(distance[chosen])))
    return cv2.resize(surface.reshape(size[1], size[0], 3), (width, height))


def backdrop_distance(colours: np.ndarray, sample: np.ndarray, *, passes: int = 1) -> np.ndarray:
    """How far each pixel of ``colours`` (CIELAB) lies from the backdrop at its place."""
    return np.linalg.norm(colours - backdrop_surface(colours, sample, passes=passes), axis=2)
