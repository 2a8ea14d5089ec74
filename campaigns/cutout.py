"""Cut-outs of garments from packshots (OpenCV GrabCut), refined by a stylist's strokes or
replaced by a stylist's mask."""

import cv2
import numpy as np
from PIL import Image

WORKING_SIDE = 400  # GrabCut runs on a reduced copy (~0.5 s); the mask is scaled back up
ITERATIONS = 5


def _working(rgb: Image.Image) -> Image.Image:
    scale = min(1.0, WORKING_SIDE / max(rgb.size))
    return rgb.resize((max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))))


def _grabcut(small: Image.Image, mask: np.ndarray, rect: tuple[int, int, int, int] | None) -> None:
    """Run GrabCut on ``small`` in place on ``mask``: from ``rect`` if given, else from the mask."""
    bgr = np.asarray(small)[:, :, ::-1].copy()
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    mode = cv2.GC_INIT_WITH_RECT if rect else cv2.GC_INIT_WITH_MASK
    cv2.grabCut(bgr, mask, rect or (0, 0, 0, 0), background, foreground, ITERATIONS, mode)


def _kept(mask: np.ndarray, size: tuple[int, int]) -> Image.Image:
    keep = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    return Image.fromarray(keep).resize(size, Image.Resampling.BILINEAR)


def cutout_from_packshot(packshot: Image.Image) -> Image.Image:
    """RGBA: the garment kept, the background transparent. Assumes the garment is inside the
    frame with a margin of background around it, as in a packshot or flat-lay."""
    rgb = packshot.convert("RGB")
    small = _working(rgb)
    margin = max(2, min(small.size) // 40)
    mask = np.zeros((small.height, small.width), np.uint8)
    _grabcut(small, mask, (margin, margin, small.width - 2 * margin, small.height - 2 * margin))
    return with_alpha(rgb, _kept(mask, rgb.size))


def strokes_read(strokes: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """Where a stylist painted over the packshot: (keep, remove) as boolean arrays. Opaque
    greenish paint keeps, opaque reddish paint removes, the transparent rest says nothing."""
    # One channel at a time, and no copy of what is RGBA already: a packshot may have 50 MP.
    rgba = strokes if strokes.mode == "RGBA" else strokes.convert("RGBA")
    red, green, alpha = (np.asarray(rgba.getchannel(band)) for band in "RGA")
    painted = alpha > 127
    return painted & (green > red), painted & (red > green)


def _touched(where: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Which pixels of a reduced copy a full-size stroke touches at all (a thin stroke stays)."""
    cover = Image.fromarray(where.astype(np.uint8) * 255).resize(size, Image.Resampling.BOX)
    return np.asarray(cover) > 0


def cutout_refine(
    packshot: Image.Image, cutout: Image.Image, keep: np.ndarray, remove: np.ndarray
) -> Image.Image:
    """The cut-out again, with GrabCut started from the current one and held to the stylist's
    strokes: what ``keep`` covers stays, what ``remove`` covers goes, and the edges around them
    follow the colours of the packshot."""
    rgb = packshot.convert("RGB")
    small = _working(rgb)
    alpha = np.asarray(cutout.convert("RGBA").getchannel("A").resize(small.size)) > 127
    mask = np.where(alpha, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    mask[_touched(keep, small.size)] = cv2.GC_FGD
    mask[_touched(remove, small.size)] = cv2.GC_BGD
    kept = (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)
    if kept.any() and not kept.all():  # GrabCut needs both to learn from
        _grabcut(small, mask, None)
    full = np.asarray(_kept(mask, rgb.size)).copy()
    full[keep], full[remove] = 255, 0  # exactly where painted, at full size
    return with_alpha(rgb, Image.fromarray(full))


def with_alpha(image: Image.Image, mask: Image.Image) -> Image.Image:
    """``image`` with ``mask`` (white keeps, black removes) as its transparency."""
    rgba = image.convert("RGBA")
    rgba.putalpha(mask.convert("L").resize(rgba.size, Image.Resampling.BILINEAR))
    return rgba
