"""Demo garments: cut-outs drawn with Pillow (PNG with alpha), nothing downloaded."""

import io

from django.utils import timezone
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from campaigns.enums import GarmentCategory, JobState
from campaigns.models import RenderJob

W, H = 800, 1000

# In proportion to the demo figure (twins/demo.py), which has a short, broad torso: a boxy tee
# to the hips, a coat to the knee, a midi dress, trousers to the ankle.
SHAPES: dict[str, list[tuple[float, float]]] = {
    GarmentCategory.TOP: [
        (0.2, 0.055),
        (0.4, 0.05),
        (0.6, 0.05),
        (0.8, 0.055),
        (0.98, 0.21),
        (0.85, 0.25),
        (0.78, 0.19),
        (0.78, 0.55),
        (0.22, 0.55),
        (0.22, 0.19),
        (0.15, 0.25),
        (0.02, 0.21),
    ],
    GarmentCategory.BOTTOM: [
        (0.25, 0.03),
        (0.75, 0.03),
        (0.82, 0.69),
        (0.56, 0.69),
        (0.5, 0.25),
        (0.44, 0.69),
        (0.18, 0.69),
    ],
    GarmentCategory.DRESS: [
        (0.3, 0.02),
        (0.7, 0.02),
        (0.7, 0.22),
        (0.88, 0.65),
        (0.12, 0.65),
        (0.3, 0.22),
    ],
    GarmentCategory.OUTERWEAR: [
        (0.18, 0.04),
        (0.4, 0.03),
        (0.5, 0.19),
        (0.6, 0.03),
        (0.82, 0.04),
        (0.99, 0.73),
        (0.84, 0.76),
        (0.8, 0.35),
        (0.8, 0.77),
        (0.2, 0.77),
        (0.2, 0.35),
        (0.16, 0.76),
        (0.01, 0.73),
    ],
    GarmentCategory.SHOES: [
        (0.1, 0.55),
        (0.35, 0.5),
        (0.45, 0.65),
        (0.9, 0.72),
        (0.92, 0.85),
        (0.1, 0.85),
    ],
    GarmentCategory.ACCESSORY: [(0.25, 0.35), (0.75, 0.35), (0.85, 0.9), (0.15, 0.9)],
    GarmentCategory.SWIMWEAR: [(0.2, 0.2), (0.8, 0.2), (0.7, 0.55), (0.3, 0.55)],
    GarmentCategory.LINGERIE: [(0.22, 0.3), (0.78, 0.3), (0.7, 0.5), (0.3, 0.5)],
}


def draw_cutout(category: str, colour: tuple[int, int, int]) -> bytes:
    polygon = [(x * W, y * H) for x, y in SHAPES[category]]
    alpha = Image.new("L", (W, H), 0)
    ImageDraw.Draw(alpha).polygon(polygon, fill=255)
    alpha = alpha.filter(ImageFilter.GaussianBlur(1.5))  # anti-aliased edge
    fabric = Image.new("RGB", (W, H), colour)
    shade = ImageDraw.Draw(fabric)
    for y in range(0, H, 24):  # a woven texture so the cut-out reads as cloth
        shade.line([(0, y), (W, y)], fill=tuple(max(0, c - 18) for c in colour), width=3)
    if category == GarmentCategory.ACCESSORY:  # a bag handle
        ImageDraw.Draw(alpha).arc(
            [W * 0.3, H * 0.12, W * 0.7, H * 0.55], 180, 360, fill=255, width=24
        )
    _left, top, _right, bottom = alpha.getbbox() or (0, 0, W, H)
    alpha = ImageChops.offset(alpha, 0, (H - top - bottom) // 2)  # centred, like a packshot
    fabric.putalpha(alpha)
    out = io.BytesIO()
    fabric.save(out, "PNG")
    return out.getvalue()


def draw_packshot(
    category: str, colour: tuple[int, int, int], *, backdrop: str = "plain", tag: bool = True
) -> bytes:
    """The garment photographed on a pale backdrop (JPEG), its cut-out's top left at (100, 100),
    and by default its dark swing tag lying beside it: GrabCut takes the tag for garment, and
    the stylist paints it away in the cut-out editor. The backdrop may be "plain", "soft shadow"
    (the garment's, down and to the right) or "graded" (light falling off towards the floor)."""
    garment = Image.open(io.BytesIO(draw_cutout(category, colour)))
    shot = Image.new("RGB", (W + 200, H + 200), (246, 246, 244))
    if backdrop == "soft shadow":
        shadow = Image.new("L", shot.size, 0)
        shadow.paste(garment.getchannel("A"), (115, 115))
        shadow = shadow.filter(ImageFilter.GaussianBlur(12)).point(lambda v: round(v * 0.35))
        shot.paste((180, 180, 178), (0, 0), shadow)
    elif backdrop == "graded":
        draw = ImageDraw.Draw(shot)
        for y in range(shot.height):  # 15 % darker at the bottom than at the top
            light = 1 - 0.15 * y / (shot.height - 1)
            draw.line([(0, y), (shot.width, y)], fill=(int(246 * light),) * 2 + (int(244 * light),))
    shot.paste(garment, (100, 100), garment)
    if tag:
        ImageDraw.Draw(shot).rectangle((W + 20, 150, W + 140, 290), fill=(40, 40, 40))
    out = io.BytesIO()
    shot.save(out, "JPEG", quality=92)
    return out.getvalue()


CATALOGUES: dict[str, list[tuple[str, str, str, tuple[int, int, int]]]] = {
    "aurel": [
        ("AU-TS-001", "Boxy cotton tee", GarmentCategory.TOP, (236, 232, 220)),
        ("AU-TR-002", "Wide wool trousers", GarmentCategory.BOTTOM, (60, 58, 70)),
        ("AU-DR-003", "Bias silk slip dress", GarmentCategory.DRESS, (150, 40, 60)),
        ("AU-CT-004", "Double-faced coat", GarmentCategory.OUTERWEAR, (170, 130, 90)),
        ("AU-SH-005", "Leather derby", GarmentCategory.SHOES, (30, 28, 26)),
        ("AU-BG-006", "Soft tote", GarmentCategory.ACCESSORY, (120, 80, 50)),
        ("AU-SW-007", "Ribbed swimsuit", GarmentCategory.SWIMWEAR, (20, 90, 120)),
    ],
    "nordlys": [
        ("NL-KN-101", "Fisherman knit", GarmentCategory.TOP, (210, 200, 180)),
        ("NL-JN-102", "Straight raw denim", GarmentCategory.BOTTOM, (40, 60, 100)),
        ("NL-DR-103", "Linen smock dress", GarmentCategory.DRESS, (200, 210, 190)),
        ("NL-PK-104", "Storm parka", GarmentCategory.OUTERWEAR, (60, 90, 70)),
        ("NL-BT-105", "Trail boot", GarmentCategory.SHOES, (90, 60, 40)),
        ("NL-CP-106", "Wool cap", GarmentCategory.ACCESSORY, (180, 60, 40)),
        ("NL-LG-107", "Lace bralette", GarmentCategory.LINGERIE, (230, 200, 200)),
    ],
}

# One garment per brand comes as a packshot, its cut-out computed (none is in a look).
PACKSHOTS: dict[str, tuple[str, str, str, tuple[int, int, int]]] = {
    "aurel": ("AU-SC-008", "Silk carry-all", GarmentCategory.ACCESSORY, (190, 150, 60)),
    "nordlys": ("NL-BG-108", "Waxed field bag", GarmentCategory.ACCESSORY, (70, 80, 60)),
}


LOOKS: dict[str, dict[str, list[str]]] = {
    "aurel": {
        "Spring city": ["AU-TS-001", "AU-TR-002", "AU-BG-006"],
        "Evening": ["AU-DR-003", "AU-BG-006"],
        "Coat over tee": ["AU-CT-004", "AU-TS-001", "AU-TR-002", "AU-SH-005"],
    },
    "nordlys": {
        "Trail": ["NL-KN-101", "NL-JN-102", "NL-BT-105", "NL-CP-106"],
        "Storm": ["NL-PK-104", "NL-KN-101", "NL-JN-102", "NL-BT-105"],
    },
}


def stage_job_states(*, running: RenderJob, failed: RenderJob) -> None:
    """Staged for the demo, so the board shows every state at once: one job as a GPU worker
    would leave it mid-render (the reconciler re-sends it once its lease runs out, and the local
    worker finishes it), and one failed as a GPU out of memory would fail it."""
    now = timezone.now()
    RenderJob.objects.filter(pk=running.pk).update(
        state=JobState.RUNNING,
        worker="demo-gpu0@studio",
        attempts=1,
        progress_step=12,
        progress_total=30,
        started_at=now,
        heartbeat_at=now,
    )
    RenderJob.objects.filter(pk=failed.pk).update(
        state=JobState.FAILED,
        worker="demo-gpu0@studio",
        attempts=1,
        started_at=now,
        finished_at=now,
        error="OutOfMemoryError: CUDA out of memory. Tried to allocate 2.25 GiB (GPU 0: 23.65 GiB "
        "total capacity; 21.90 GiB already allocated)",
    )
