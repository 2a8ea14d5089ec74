"""Quality checks of one capture photo: plain functions over its pixels (OpenCV, imagehash).

Each check returns a ``Check`` with the measured value and the threshold it was held to, so the
coverage page can say exactly why a photo failed.
"""

import os
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

import cv2
import imagehash
import numpy as np
from django.conf import settings
from PIL import Image


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    value: float | str
    threshold: float | str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@cache
def _face_cascade() -> cv2.CascadeClassifier:
    # The cascade ships inside opencv-python-headless: nothing is downloaded.
    path = os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml")  # type: ignore[attr-defined]
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise RuntimeError(f"OpenCV's face cascade is missing at {path}")
    return cascade


def grey(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"))


def check_size(image: Image.Image) -> Check:
    short, need = min(image.size), settings.CAPTURE_MIN_SHORT_SIDE
    return Check(
        "size",
        short >= need,
        short,
        need,
        f"Short side {short} px" + ("" if short >= need else f", needs {need} px"),
    )


def check_sharpness(pixels: np.ndarray) -> Check:
    variance = float(cv2.Laplacian(pixels, cv2.CV_64F).var())
    need = settings.CAPTURE_MIN_SHARPNESS
    ok = variance >= need
    return Check(
        "sharpness",
        ok,
        round(variance, 1),
        need,
        "Sharp"
        if ok
        else f"Blurred or out of focus (variance of the Laplacian {variance:.1f} < {need})",
    )


def check_exposure(pixels: np.ndarray) -> Check:
    highlights = float((pixels >= 250).mean())
    shadows = float((pixels <= 5).mean())
    max_hi = settings.CAPTURE_MAX_CLIPPED_HIGHLIGHTS
    max_lo = settings.CAPTURE_MAX_CLIPPED_SHADOWS
    problems = []
    if highlights > max_hi:
        problems.append(f"{highlights:.0%} of pixels are blown-out highlights (max {max_hi:.0%})")
    if shadows > max_lo:
        problems.append(f"{shadows:.0%} of pixels are crushed shadows (max {max_lo:.0%})")
    return Check(
        "exposure",
        not problems,
        f"{highlights:.3f}/{shadows:.3f}",
        f"{max_hi}/{max_lo}",
        "; ".join(problems) or "Well exposed",
    )


def check_face(pixels: np.ndarray) -> Check:
    short = min(pixels.shape)
    faces = _face_cascade().detectMultiScale(
        pixels, scaleFactor=1.1, minNeighbors=5, minSize=(short // 8, short // 8)
    )
    found = len(faces)
    return Check(
        "face", found >= 1, found, 1, "Face found" if found else "No face found in a face shot"
    )


def perceptual_hash(image: Image.Image) -> str:
    return str(imagehash.phash(image))


def hash_distance(first: str, second: str) -> int:
    return int(imagehash.hex_to_hash(first) - imagehash.hex_to_hash(second))
