"""Cut-outs of garments from packshots (OpenCV GrabCut), refined by a stylist's strokes or
replaced by a stylist's mask."""

import cv2
import numpy as np
from PIL import Image

from studio import backdrop

WORKING_SIDE = 400  # GrabCut runs on a reduced copy (~0.25 s); the mask is scaled back up
ITERATIONS = 5
SPECK = 0.01
# The least side of a packshot to cut out from: a margin of backdrop round the garment, and
# the garment, at the working size.
PACKSHOT_MIN_SIDE = 64


def _working(rgb: Image.Image) -> Image.Image:
    """The reduced copy GrabCut runs on: the longer side WORKING_SIDE, unless that would leave
    the shorter one under half of PACKSHOT_MIN_SIDE (a long, narrow strip)."""
    scale = min(1.0, max(WORKING_SIDE / max(rgb.size), PACKSHOT_MIN_SIDE / 2 / min(rgb.size)))
    return rgb.resize((max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))))


def _grabcut(small: Image.Image, mask: np.ndarray, rect: tuple[int, int, int, int] | None) -> None:
    """Run GrabCut on ``small`` in place on ``mask``: from ``rect`` if given, else from the mask."""
    bgr = np.asarray(small)[:, :, ::-1].copy()
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    mode = cv2.GC_INIT_WITH_RECT if rect else cv2.GC_INIT_WITH_MASK
    cv2.setRNGSeed(0)  # its colour models start from k-means: the same packshot, the same cut-out
    cv2.grabCut(bgr, mask, rect or (0, 0, 0, 0), background, foreground, ITERATIONS, mode)


def _kept(mask: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """What GrabCut kept, less specks, scaled to ``size``. A speck is a piece smaller than
    SPECK of all that is kept and not painted to keep: an edge of a removed swing tag, say."""
    keep = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    count, labels, stats, _centres = cv2.connectedComponentsWithStats(keep, connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    painted = np.zeros(count, bool)
    painted[np.unique(labels[mask == cv2.GC_FGD])] = True
    pieces = np.concatenate([[False], (areas >= SPECK * areas.sum()) | painted[1:]])
    return Image.fromarray(pieces[labels].astype(np.uint8) * 255).resize(
        size, Image.Resampling.BILINEAR
    )


def _seed(small: Image.Image, margin: int) -> np.ndarray:
    """GrabCut's starting mask: the border is backdrop; what differs from the backdrop (a
    surface fitted to the border: a graded sweep, a vignette) more than its own noise is
    probably garment, closed over so that a pale fabric's texture joins into one piece; the
    rest, the inside of a bag's handle included, probably backdrop."""
    border = backdrop.border(small.height, small.width, margin)
    distance = backdrop.backdrop_distance(backdrop.lab(small), border)
    noise = float(np.percentile(distance[border], 99))
    differs = distance > max(backdrop.LEAST_DISTANCE, 3 * noise)
    side = max(3, min(small.size) // 25) | 1  # odd
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    garment = cv2.morphologyEx(differs.astype(np.uint8), cv2.MORPH_CLOSE, kernel) > 0
    mask = np.where(garment, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    mask[border] = cv2.GC_BGD
    return mask


def cutout_from_packshot(packshot: Image.Image) -> Image.Image:
    """RGBA: the garment kept, the background transparent. Assumes the garment is inside the
    frame with a margin of backdrop around it, as in a packshot or flat-lay."""
    rgb = packshot.convert("RGB")
    small = _working(rgb)
    margin = max(2, min(small.size) // 40)
    mask = _seed(small, margin)
    if (mask == cv2.GC_PR_FGD).any():
        _grabcut(small, mask, None)
    else:  # nothing stands out from the backdrop: let GrabCut look inside the margin
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
