"""Cut-outs computed from packshots keep the garment and only the garment: the backdrop inside
a bag's handle goes, a graded or shadowed backdrop goes, a garment nearly as pale as the
backdrop stays. Scored against the drawn shapes' true alpha (`benchmark cutout` prints the
figures over every demo shape and colour)."""

import numpy as np
import pytest

from campaigns.benchmark import packshot_on, run_cutouts, scored
from campaigns.cutout import cutout_from_packshot


def cut(backdrop: str, category: str, colour: tuple[int, int, int]) -> tuple[float, np.ndarray]:
    shot, truth = packshot_on(backdrop, category, colour)
    iou, _error, kept = scored(cutout_from_packshot(shot), truth)
    return iou, kept


def test_the_backdrop_inside_a_bags_handle_is_not_kept():
    iou, kept = cut("plain", "accessory", (190, 150, 60))
    assert iou > 0.93, iou
    # The middle of the handle's loop (demo.py draws the arc over x 0.3–0.7, y 0.12–0.55 of an
    # 800×1000 canvas, placed at (100, 100) and centred vertically): backdrop, seen through.
    loop = kept[100 + 250 : 100 + 300, 100 + 360 : 100 + 440]
    assert loop.mean() < 0.05, loop.mean()


@pytest.mark.parametrize(
    ("backdrop", "category", "colour"),
    [
        ("graded", "lingerie", (236, 232, 220)),  # a cream garment on a darkening sweep
        ("graded", "dress", (150, 40, 60)),
        ("soft shadow", "dress", (150, 40, 60)),
        ("soft shadow", "top", (236, 232, 220)),
        ("plain", "top", (240, 240, 238)),  # all but the backdrop's own colour
        ("plain", "shoes", (30, 28, 26)),
    ],
)
def test_the_garment_is_kept_whole_and_the_backdrop_goes(backdrop, category, colour):
    iou, _kept = cut(backdrop, category, colour)
    assert iou > 0.88, iou


def test_the_cutout_benchmark_prints_a_score_per_backdrop():
    lines: list[str] = []
    run_cutouts(out=lines.append, colours=[(150, 40, 60)])
    assert lines[0].startswith("cut-outs of 8 shapes × 1 colours")
    for backdrop in ("plain", "soft shadow", "graded"):
        line = next(line for line in lines if line.strip().startswith(backdrop + " backdrop"))
        assert "IoU mean 0." in line and " ms per cut-out" in line, line
