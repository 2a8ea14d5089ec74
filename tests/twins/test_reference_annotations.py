"""The reference backend's annotations: where the preview renderer may put clothes. The demo
figure is drawn with its chin at y = 320 and its shoulders at y = 330 (twins/demo.py)."""

import io
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

from twins.demo import HEIGHT, WIDTH, Look, draw_capture_photo, figure_truth, look_for
from twins.training.base import TrainingPhoto
from twins.training.reference import REGIONS, annotate, figure_mask


def write(tmp_path, data: bytes, name: str = "photo.jpg"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def annotated(tmp_path, data: bytes, angle: str = "front") -> dict:
    return annotate(
        TrainingPhoto(1, write(tmp_path, data, f"{angle}.jpg"), angle, "full_body", "studio")
    )


@pytest.mark.parametrize("angle", ["front", "three_quarter_left", "profile_right", "back"])
def test_the_torso_starts_at_the_shoulders_and_ignores_the_arms(tmp_path, angle):
    widths, reaches = [], []
    for pose in (0, 1, 2):  # arms down, arms out, one arm raised
        photo = draw_capture_photo(look_for(2), angle, "full_body", "studio", pose)
        notes = annotated(tmp_path, photo, angle)
        head, torso = notes["regions"]["head"], notes["regions"]["torso"]
        assert 325 <= torso[1] <= 340, (pose, torso)
        assert head[1] + head[3] == torso[1]  # the head ends where the torso begins
        assert torso[1] + torso[3] == notes["regions"]["hips"][1]
        widths.append(torso[2])
        reaches.append(notes["figure"][2])
        # the body's axis, not the middle of the arms' reach
        assert abs(torso[0] + torso[2] / 2 - WIDTH / 2) < 40, (pose, torso)
    # The arms move the torso's edges far less than the figure's (a profile's shoulder line
    # shows arms held out a little wider).
    assert max(widths) - min(widths) < 0.5 * (max(reaches) - min(reaches)), (widths, reaches)
    assert notes["figure"][2] > max(widths) + 100  # the raised arm widens the figure only


@pytest.mark.parametrize("lighting", ["studio", "high_key", "daylight", "low_key"])
@pytest.mark.parametrize("angle", ["front", "three_quarter_left"])
def test_the_shoulders_are_found_in_every_light(tmp_path, angle, lighting):
    """In low key the eyes are as dark as the wall and no face is found: the head's holes are
    not taken for a neck."""
    photo = draw_capture_photo(look_for(4), angle, "full_body", lighting, 0)
    notes = annotate(TrainingPhoto(1, write(tmp_path, photo), angle, "full_body", lighting))
    assert 325 <= notes["regions"]["torso"][1] <= 340, notes["regions"]


def test_where_a_face_is_found_the_neck_is_looked_for_under_it(tmp_path):
    notes = annotated(tmp_path, draw_capture_photo(look_for(3), "front", "full_body", "studio", 0))
    assert notes["face"] is not None
    assert 325 <= notes["regions"]["torso"][1] <= 340


def test_without_shoulders_the_body_is_as_wide_as_its_chest_not_its_reach(tmp_path):
    figure = Image.new("RGB", (WIDTH, HEIGHT), (220, 220, 224))
    draw = ImageDraw.Draw(figure)
    draw.rectangle([412, 250, 612, 1200], fill=(40, 40, 40))  # a body 200 wide, no head
    for side in (-1, 1):  # arms raised high and wide: the figure's box is 600 wide
        draw.line([(512 + side * 90, 260), (512 + side * 300, 60)], fill=(40, 40, 40), width=40)
    out = io.BytesIO()
    figure.save(out, "JPEG")
    notes = annotated(tmp_path, out.getvalue())
    assert notes["figure"][2] > 550
    top, bottom = REGIONS["torso"]
    _x, y, _w, h = notes["figure"]
    torso = notes["regions"]["torso"]
    assert torso[1] == y + round(top * h) and torso[3] == round((bottom - top) * h)  # the canon
    assert abs(torso[2] - 200) <= 6 and abs(torso[0] - 412) <= 3  # the chest, not the arms
    assert notes["regions"]["legs"][2] == torso[2]


def test_a_silhouette_without_shoulders_keeps_the_eight_head_canon(tmp_path):
    block = Image.new("RGB", (WIDTH, HEIGHT), (220, 220, 224))
    ImageDraw.Draw(block).rectangle([400, 100, 620, 1200], fill=(40, 40, 40))  # no neck
    out = io.BytesIO()
    block.save(out, "JPEG")
    notes = annotated(tmp_path, out.getvalue())
    x, y, w, h = notes["figure"]
    assert abs(x - 400) <= 2 and abs(h - 1100) <= 4
    top, bottom = REGIONS["torso"]
    assert notes["regions"]["torso"] == [x, y + round(top * h), w, round((bottom - top) * h)]
    empty = Image.new("RGB", (WIDTH, HEIGHT), (220, 220, 224))
    out = io.BytesIO()
    empty.save(out, "JPEG")
    assert annotated(tmp_path, out.getvalue())["figure"] == [0, 0, WIDTH, HEIGHT]


def photo_of(look: Look, lighting: str, angle: str = "front") -> Image.Image:
    data = draw_capture_photo(look, angle, "full_body", lighting, 0)
    return Image.open(io.BytesIO(data)).convert("RGB")


PALE = Look(skin=(226, 185, 150), hair=(30, 22, 18), outfit=(199, 105, 131), build=1.1)


@pytest.mark.parametrize("lighting", ["studio", "high_key", "daylight", "low_key"])
@pytest.mark.parametrize("look", [look_for(2), look_for(4), PALE], ids=["demo2", "demo4", "pale"])
def test_the_figure_is_told_from_the_backdrop_in_every_light(look, lighting):
    """A daylight key falls off across the frame, and pale skin is as light as a studio wall
    (only its colour differs): neither the backdrop nor the skin is taken for the other."""
    truth = figure_truth(look, "front", lighting, 0)
    found = figure_mask(photo_of(look, lighting)) > 0
    assert (found & truth).sum() / (found | truth).sum() > 0.88
    ys, xs = np.nonzero(found)
    true_ys, true_xs = np.nonzero(truth)
    assert abs(xs.min() - true_xs.min()) <= 8 and abs(xs.max() - true_xs.max()) <= 8
    assert abs(ys.min() - true_ys.min()) <= 8
    assert abs(ys.max() - true_ys.max()) <= 10  # down to the feet: its floor shadow is not it


@pytest.mark.parametrize("lighting", ["studio", "daylight"])
@pytest.mark.parametrize("grey", [(40, 40, 40), (120, 120, 120), (150, 150, 150)])
def test_grey_trousers_are_as_dark_as_a_shadow_and_keep_their_hems(lighting, grey):
    """A floor shadow is backdrop a little darker; so is a pair of grey trousers. The shadow is
    dropped where it begins at the feet, the trousers kept as they come down from the hips."""
    trousers = Look(skin=(141, 92, 62), hair=(30, 22, 18), outfit=grey, build=1.0)
    photo = draw_capture_photo(trousers, "front", "full_body", lighting, 1)  # legs in the outfit
    found = figure_mask(Image.open(io.BytesIO(photo)).convert("RGB")) > 0
    truth = figure_truth(trousers, "front", lighting, 1)
    assert abs(np.nonzero(found)[0].max() - np.nonzero(truth)[0].max()) <= 10
    assert (found & truth).sum() / (found | truth).sum() > 0.97


def test_clothes_the_colour_of_the_backdrop_leave_the_head_and_legs_in_the_box(tmp_path):
    """The torso vanishes against the wall; the figure's box still runs from hair to feet."""
    camouflage = Look(skin=(141, 92, 62), hair=(30, 22, 18), outfit=(200, 200, 205), build=1.0)
    truth = figure_truth(camouflage, "front", "studio", 0)
    true_ys, true_xs = np.nonzero(truth)
    data = draw_capture_photo(camouflage, "front", "full_body", "studio", 0)
    x, y, w, h = annotated(tmp_path, data)["figure"]
    assert abs(y - true_ys.min()) <= 8 and abs(y + h - true_ys.max()) <= 10
    assert abs(x - true_xs.min()) <= 8 and abs(x + w - true_xs.max()) <= 8


def test_the_figures_benchmark_prints_a_score_per_light():
    from campaigns.benchmark import run_figures

    lines: list[str] = []
    run_figures(out=lines.append, people=[look_for(1)])
    assert lines[0].startswith("figures of 1 looks × 4 angles")
    for lighting in ("studio", "high_key", "daylight", "low_key"):
        line = next(line for line in lines if line.strip().startswith(lighting + ":"))
        assert re.search(r"IoU mean [01]\.\d{3} .* off by at most \d+ px .* ms per photo", line), (
            line
        )
