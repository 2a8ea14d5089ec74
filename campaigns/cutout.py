"""Cut-outs of garments from packshots (OpenCV GrabCut), and a stylist's corrected mask."""

import cv2
import numpy as np
from PIL import Image

WORKING_SIDE = 400  # GrabCut runs on a reduced copy (~0.5 s); the mask is scaled back up


def cutout_from_packshot(packshot: Image.Image) -> Image.Image:
    """RGBA: the garment kept, the background transparent. Assumes the garment is inside the
    frame with a margin of background around it, as in a packshot or flat-lay."""
    rgb = packshot.convert("RGB")
    scale = min(1.0, WORKING_SIDE / max(rgb.size))
    small = rgb.resize((max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))))
    bgr = np.asarray(small)[:, :, ::-1].copy()
    height, width = bgr.shape[:2]
    margin = max(2, min(width, height) // 40)
    mask = np.zeros((height, width), np.uint8)
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(
        bgr,
        mask,
        (margin, margin, width - 2 * margin, height - 2 * margin),
        background,
        foreground,
        5,
        cv2.GC_INIT_WITH_RECT,
    )
    keep = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    alpha = Image.fromarray(keep).resize(rgb.size, Image.Resampling.BILINEAR)
    return with_alpha(rgb, alpha)


def with_alpha(image: Image.Image, mask: Image.Image) -> Image.Image:
    """``image`` with ``mask`` (white keeps, black removes) as its transparency."""
    rgba = image.convert("RGBA")
    rgba.putalpha(mask.convert("L").resize(rgba.size, Image.Resampling.BILINEAR))
    return rgba
