"""Demo talent: procedurally drawn capture photos (Pillow only, nothing downloaded).

Each photo is a stylised figure (not a person) in the talent's colours, turned to the angle,
cropped to the framing and lit by the lighting, with "SYNTHETIC DEMO" written on it.
"""

import io
import math
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from twins.enums import Angle, Framing, Lighting

WIDTH, HEIGHT = 1024, 1280


@dataclass(frozen=True)
class Look:
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    outfit: tuple[int, int, int]
    build: float  # shoulder width factor


BACKGROUNDS = {
    Lighting.STUDIO: ((214, 214, 220), (170, 170, 180)),
    Lighting.DAYLIGHT: ((250, 236, 210), (196, 214, 232)),
    Lighting.LOW_KEY: ((40, 40, 48), (12, 12, 16)),
    Lighting.HIGH_KEY: ((252, 252, 252), (236, 236, 240)),
}
# (turn: -1 left profile … 1 right profile; back: seen from behind)
ANGLES = {
    Angle.FRONT: (0.0, False),
    Angle.THREE_QUARTER_LEFT: (-0.5, False),
    Angle.THREE_QUARTER_RIGHT: (0.5, False),
    Angle.PROFILE_LEFT: (-1.0, False),
    Angle.PROFILE_RIGHT: (1.0, False),
    Angle.BACK: (0.0, True),
}
CROPS = {  # (left, top, right, bottom) of the full-body canvas, 4:5
    Framing.FULL_BODY: (0, 0, WIDTH, HEIGHT),
    Framing.HALF: (192, 80, 832, 880),
    Framing.FACE: (352, 96, 672, 496),
}


def _gradient(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    column = Image.new("RGB", (1, HEIGHT))
    for y in range(HEIGHT):
        t = y / (HEIGHT - 1)
        column.putpixel(
            (0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        )
    return column.resize((WIDTH, HEIGHT))


def _limb(
    draw: ImageDraw.ImageDraw,
    start: tuple[float, float],
    angle: float,
    length: float,
    width: int,
    colour: tuple[int, int, int],
) -> tuple[float, float]:
    end = (start[0] + length * math.sin(angle), start[1] + length * math.cos(angle))
    draw.line([start, end], fill=colour, width=width, joint="curve")
    r = width / 2
    draw.ellipse([end[0] - r, end[1] - r, end[0] + r, end[1] + r], fill=colour)
    return end


def _portrait(look: Look, lighting: str) -> Image.Image:
    """A front face shot: large, softly lit, with the features a face detector looks for."""
    image = _gradient(*BACKGROUNDS[Lighting(lighting)])
    draw = ImageDraw.Draw(image)
    cx, cy, w, h = WIDTH / 2, 560, 450, 600
    draw.rectangle([cx - 80, cy + h / 2 - 60, cx + 80, HEIGHT], fill=look.skin)  # neck
    draw.ellipse([cx - 420, cy + h / 2 + 40, cx + 420, HEIGHT + 500], fill=look.outfit)
    draw.ellipse(
        [cx - w / 2 - 30, cy - h / 2 - 50, cx + w / 2 + 30, cy + h / 2 - 60], fill=look.hair
    )
    draw.ellipse([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], fill=look.skin)
    shade = tuple(int(c * 0.55) for c in look.skin)
    eye_y, eye_x = cy - h * 0.08, w * 0.22
    for side in (-1, 1):
        x = cx + side * eye_x
        draw.ellipse([x - w * 0.13, eye_y - h * 0.05, x + w * 0.13, eye_y + h * 0.05], fill=shade)
        draw.ellipse(
            [x - w * 0.07, eye_y - h * 0.03, x + w * 0.07, eye_y + h * 0.03], fill=(30, 22, 22)
        )
        draw.rectangle(
            [x - w * 0.14, eye_y - h * 0.13, x + w * 0.14, eye_y - h * 0.10], fill=look.hair
        )
    draw.polygon(
        [(cx - w * 0.06, cy + h * 0.12), (cx + w * 0.06, cy + h * 0.12), (cx, cy - h * 0.02)],
        fill=shade,
    )
    draw.ellipse([cx - w * 0.17, cy + h * 0.22, cx + w * 0.17, cy + h * 0.30], fill=(120, 50, 50))
    return image.filter(ImageFilter.GaussianBlur(3))


def draw_capture_photo(look: Look, angle: str, framing: str, lighting: str, pose: int) -> bytes:
    if framing == Framing.FACE and angle == Angle.FRONT:
        return _finish(_portrait(look, lighting))
    turn, back = ANGLES[Angle(angle)]
    image = _gradient(*BACKGROUNDS[Lighting(lighting)])
    draw = ImageDraw.Draw(image)
    cx = WIDTH / 2
    shoulder = 150 * look.build * (1 - 0.55 * abs(turn))
    # Shadow on the floor.
    draw.ellipse([cx - 190, 1180, cx + 190, 1230], fill=(0, 0, 0))
    image = Image.blend(image, _gradient(*BACKGROUNDS[Lighting(lighting)]), 0.75)
    draw = ImageDraw.Draw(image)
    # Legs.
    for side in (-1, 1):
        hip = (cx + side * shoulder * 0.45, 720)
        _limb(draw, hip, side * 0.06, 470, 64, look.outfit if pose % 2 else look.skin)
    # Torso and skirt.
    draw.polygon(
        [
            (cx - shoulder, 330),
            (cx + shoulder, 330),
            (cx + shoulder * 0.8, 740),
            (cx - shoulder * 0.8, 740),
        ],
        fill=look.outfit,
    )
    # Arms, posed.
    arm_angles = [(0.18, -0.18), (0.7, -0.7), (0.18, -2.6)][pose % 3]
    for side, swing in zip((-1, 1), arm_angles, strict=True):
        shoulder_point = (cx + side * shoulder * 0.95, 350)
        elbow = _limb(
            draw,
            shoulder_point,
            side * abs(swing) if swing > -2 else swing * -side,
            210,
            46,
            look.skin,
        )
        _limb(draw, elbow, side * 0.1, 190, 40, look.skin)
    # Neck and head.
    draw.rectangle([cx - 32, 250, cx + 32, 340], fill=look.skin)
    head_x = cx + turn * 30
    draw.ellipse([head_x - 95, 110, head_x + 95, 320], fill=look.hair if back else look.skin)
    draw.chord([head_x - 100, 95, head_x + 100, 300], 180, 360, fill=look.hair)
    if not back:
        for eye in (-1, 1):
            if turn * eye <= 0.6:  # the far eye disappears in profile
                ex = head_x + eye * 38 + turn * 40
                draw.ellipse([ex - 10, 205, ex + 10, 219], fill=(40, 30, 30))
        draw.arc(
            [head_x - 30 + turn * 40, 245, head_x + 30 + turn * 40, 280],
            20,
            160,
            fill=(120, 50, 50),
            width=5,
        )
    # Light: a soft key light from one side for daylight and low key.
    if lighting in (Lighting.DAYLIGHT, Lighting.LOW_KEY):
        mask = Image.new("L", (WIDTH, HEIGHT), 0)
        ImageDraw.Draw(mask).ellipse([-300, -200, 700, 1100], fill=255)
        mask = mask.filter(ImageFilter.GaussianBlur(160))
        dark = Image.eval(image, lambda v: int(v * (0.35 if lighting == Lighting.LOW_KEY else 0.8)))
        image = Image.composite(image, dark, mask)
    image = image.crop(CROPS[Framing(framing)]).resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    return _finish(image)


def _finish(image: Image.Image) -> bytes:
    label = ImageDraw.Draw(image)
    label.text(
        (24, HEIGHT - 56),
        "SYNTHETIC DEMO",
        fill=(255, 255, 255),
        font=ImageFont.load_default(size=32),
        stroke_width=2,
        stroke_fill=(0, 0, 0),
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def look_for(seed: int) -> Look:
    rng = random.Random(seed)
    skins = [(241, 204, 176), (198, 143, 105), (141, 92, 62), (92, 58, 40), (226, 185, 150)]
    hairs = [(30, 22, 18), (92, 56, 30), (200, 160, 90), (160, 40, 30), (60, 60, 64)]
    outfit = tuple(rng.randrange(40, 220) for _ in range(3))
    return Look(
        skin=rng.choice(skins),
        hair=rng.choice(hairs),
        outfit=outfit,  # type: ignore[arg-type]
        build=rng.uniform(0.85, 1.15),
    )


def figure_truth(look: Look, angle: str, lighting: str, pose: int) -> np.ndarray:
    """Where the figure of a full-body demo photo is, known for sure: the pixels that change when
    the same figure is drawn in other colours (its floor shadow, the backdrop and the caption
    stay). For measuring how well the figure is told from the backdrop."""

    def turned(colour: tuple[int, int, int]) -> tuple[int, int, int]:
        return ((colour[0] + 128) % 256, (colour[1] + 128) % 256, (colour[2] + 128) % 256)

    other = Look(turned(look.skin), turned(look.hair), turned(look.outfit), look.build)
    first, second = (
        np.asarray(
            Image.open(io.BytesIO(draw_capture_photo(each, angle, "full_body", lighting, pose))),
            np.int16,
        )
        for each in (look, other)
    )
    return np.abs(first - second).max(axis=2) > 40


# The demo capture set: every angle full body in the studio, plus framings and lights.
CAPTURE_SET: list[tuple[str, str, str]] = [
    *[(angle, Framing.FULL_BODY, Lighting.STUDIO) for angle in Angle.values],
    (Angle.FRONT, Framing.HALF, Lighting.STUDIO),
    (Angle.FRONT, Framing.FACE, Lighting.STUDIO),
    (Angle.FRONT, Framing.FULL_BODY, Lighting.DAYLIGHT),
    (Angle.THREE_QUARTER_LEFT, Framing.FULL_BODY, Lighting.LOW_KEY),
]
