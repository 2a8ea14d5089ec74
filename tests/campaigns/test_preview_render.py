"""The preview render backend: exact formats, deterministic per seed, garments in their slots
and layers, the scene behind, cancellable between garments."""

from pathlib import Path

import pytest
from PIL import Image

from campaigns.demo import draw_cutout
from campaigns.rendering.base import (
    FORMATS,
    GarmentLayer,
    RenderCancelled,
    RenderRequest,
    Scene,
)
from campaigns.rendering.preview import PreviewBackend
from twins.demo import draw_capture_photo, look_for
from twins.training.base import TrainingPhoto
from twins.training.reference import annotate

GREEN, RED = (20, 200, 40), (210, 30, 30)


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    folder = tmp_path_factory.mktemp("preview")
    reference = folder / "front.jpg"
    reference.write_bytes(draw_capture_photo(look_for(2), "front", "full_body", "studio", 0))
    pose = annotate(TrainingPhoto(1, reference, "front", "full_body", "studio"))

    def garment(category: str, colour: tuple[int, int, int], layer: int) -> GarmentLayer:
        # one file per garment: the backend keeps cut-outs warm by path (content-addressed)
        path = folder / f"{category}-{'-'.join(map(str, colour))}.png"
        path.write_bytes(draw_cutout(category, colour))
        return GarmentLayer(slot=category, layer=layer, cutout=path)

    return reference, pose, garment


@pytest.fixture(scope="module")
def profile(studio, tmp_path_factory):
    """The same figure turned to its profile: narrower, as tall."""
    reference = tmp_path_factory.mktemp("profile") / "profile.jpg"
    reference.write_bytes(draw_capture_photo(look_for(2), "profile_left", "full_body", "studio", 0))
    pose = annotate(TrainingPhoto(2, reference, "profile_left", "full_body", "studio"))
    return reference, pose, studio[2]


def request(studio, garments=(), seed=1, fmt="4:5", scene="#e8e4dc") -> RenderRequest:
    reference, pose, _ = studio
    width, height = FORMATS[fmt]
    return RenderRequest(
        seed=seed,
        width=width,
        height=height,
        reference=reference,
        pose=pose,
        garments=tuple(garments),
        scene=Scene("colour", scene),
    )


def render(req: RenderRequest) -> Image.Image:
    import io

    result = PreviewBackend().render(req, lambda step, total: True)
    image = Image.open(io.BytesIO(result.png))
    assert image.size == (result.width, result.height) == (req.width, req.height)
    return image.convert("RGB")


def near(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_exact_and_the_scene_is_behind(studio, fmt):
    image = render(request(studio, fmt=fmt, scene="#336699"))
    assert near(image.getpixel((2, 2)), (0x33, 0x66, 0x99), 2)


def test_a_scene_image_fills_the_format_without_stretching(studio, tmp_path):
    wide = Image.new("RGB", (800, 400), (0, 0, 255))  # 2:1, its middle square red
    wide.paste((255, 0, 0), (200, 0, 600, 400))
    path = tmp_path / "wide.png"
    wide.save(path)
    req = request(studio, fmt="1:1")
    image = render(RenderRequest(**{**req.__dict__, "scene": Scene("image", str(path))}))
    # Cropped to its middle, the square format is red to its corners; stretched, they were blue.
    assert near(image.getpixel((2, 2)), (255, 0, 0), 2)
    assert near(image.getpixel((image.width - 3, 2)), (255, 0, 0), 2)


def test_same_seed_same_bytes_other_seed_other_picture(studio):
    garments = [studio[2]("top", GREEN, 30)]
    backend = PreviewBackend()
    first = backend.render(request(studio, garments, seed=5), lambda s, t: True).png
    again = backend.render(request(studio, garments, seed=5), lambda s, t: True).png
    other = backend.render(request(studio, garments, seed=6), lambda s, t: True).png
    assert first == again and first != other


def torso_centre(studio, image: Image.Image, req: RenderRequest) -> tuple[int, int]:
    """Where the middle of the torso lands: find the green top's pixels and take their centre."""
    pixels = [
        (x, y)
        for y in range(0, req.height, 8)
        for x in range(0, req.width, 8)
        if near(image.getpixel((x, y)), GREEN)
    ]
    assert pixels, "the top is not in the picture"
    xs, ys = zip(*pixels, strict=True)
    return sum(xs) // len(xs), sum(ys) // len(ys)


def test_garments_sit_in_their_slots_and_layers(studio):
    garment = studio[2]
    with_top = request(studio, [garment("top", GREEN, 30)])
    image = render(with_top)
    x, y = torso_centre(studio, image, with_top)
    assert y < with_top.height * 0.5  # a top on the upper body
    trousers = request(studio, [garment("top", GREEN, 30), garment("bottom", RED, 20)])
    below = render(trousers)
    reds = [yy for yy in range(0, trousers.height, 8) if near(below.getpixel((x, yy)), RED)]
    assert reds and min(reds) > y  # trousers below the top
    coat_over = request(studio, [garment("top", GREEN, 30), garment("outerwear", RED, 40)])
    assert near(render(coat_over).getpixel((x, y)), RED)  # the outer layer covers the top
    coat_under = request(studio, [garment("top", GREEN, 40), garment("outerwear", RED, 30)])
    assert near(render(coat_under).getpixel((x, y)), GREEN)


def extent(image: Image.Image, colour, tolerance=40) -> tuple[int, int, int, int]:
    """The box (left, top, right, bottom) of the pixels near ``colour``."""
    pixels = [
        (x, y)
        for y in range(0, image.height, 2)
        for x in range(0, image.width, 2)
        if near(image.getpixel((x, y)), colour, tolerance)
    ]
    assert pixels, f"nothing near {colour} in the picture"
    xs, ys = zip(*pixels, strict=True)
    return min(xs), min(ys), max(xs), max(ys)


@pytest.mark.parametrize("slot", ["top", "dress", "outerwear"])
def test_clothes_cover_the_body_edge_to_edge(studio, slot):
    """A garment is sized by its own body (a tee below its sleeves, a dress at its waist) against
    the wearer's: the photo's own clothes never show at its sides."""
    own_clothes = look_for(2).outfit  # what the demo figure wears in its capture photos
    bare = render(request(studio, seed=3))
    left, top, right, bottom = extent(bare, own_clothes, 16)  # not the hair
    dressed = render(request(studio, [studio[2](slot, GREEN, 30)], seed=3))
    # Its sides (a coat's V shows what is under it, in the middle), below the shoulders' slope.
    quarter = (right - left) // 4
    columns = [*range(left, left + quarter, 2), *range(right - quarter, right, 2)]
    rows = range(top + (bottom - top) // 8, bottom, 2)
    showing = [
        (x, y) for y in rows for x in columns if near(dressed.getpixel((x, y)), own_clothes, 16)
    ]
    assert len(showing) < 0.002 * len(rows) * len(columns), (slot, showing[:5])


def test_trousers_reach_the_ankles_and_a_turned_body_keeps_their_length(studio, profile):
    trousers = [studio[2]("bottom", RED, 20)]
    front = extent(render(request(studio, trousers, seed=4)), RED)
    side = extent(render(request(profile, trousers, seed=4)), RED)
    height = FORMATS["4:5"][1]
    # Down to the ankles: the figure stands on the frame's last thirtieth, its feet ~6 % tall.
    assert height * 0.85 < front[3] < height * 0.97
    # Seen from the side the body is narrower: the trousers narrow, and keep most of their length
    # (shrunk whole, they would be shorter by as much as they are narrower).
    assert (side[2] - side[0]) < 0.8 * (front[2] - front[0])
    assert (side[3] - side[1]) > 0.85 * (front[3] - front[1])


def test_a_shoe_is_worn_on_each_foot_the_left_one_mirrored(studio):
    """A shoe's packshot shows one shoe: the preview puts it on both feet, facing out."""
    image = render(request(studio, [studio[2]("shoes", RED, 10)], seed=6))
    left, top, right, bottom = extent(image, RED)
    row = (top + bottom) // 2
    reds = [x for x in range(left, right + 1) if near(image.getpixel((x, row)), RED)]
    runs = [x for x in reds if x - 1 not in reds]  # where each run of red starts
    assert len(runs) == 2, runs
    middle = (left + right) // 2
    shoe = image.crop((middle, top, right + 1, bottom + 1))
    other = image.crop((left, top, left + shoe.width, bottom + 1)).transpose(
        Image.Transpose.FLIP_LEFT_RIGHT
    )
    # Mirror images of each other, but for a pixel or two of rounding at their edges.
    same = sum(
        near(shoe.getpixel((x, y)), RED) == near(other.getpixel((x, y)), RED)
        for x in range(0, shoe.width, 2)
        for y in range(0, shoe.height, 2)
    )
    assert same > 0.9 * (shoe.width // 2 + 1) * (shoe.height // 2 + 1)


def test_clothes_start_at_the_shoulders_and_leave_the_face_alone(studio):
    mouth_colour = (120, 50, 50)  # twins/demo.py draws the mouth in it
    bare = render(request(studio, seed=9))
    mouth = [
        (x, y)
        for y in range(bare.height // 2)
        for x in range(0, bare.width, 2)
        if near(bare.getpixel((x, y)), mouth_colour, 12)
    ]
    assert mouth, "the demo figure has no mouth to see"
    chin = max(y for _x, y in mouth)
    for slot in ("top", "dress", "outerwear"):
        dressed = render(request(studio, [studio[2](slot, GREEN, 30)], seed=9))
        cloth = [
            y
            for y in range(0, dressed.height, 2)
            for x in range(0, dressed.width, 4)
            if near(dressed.getpixel((x, y)), GREEN)
        ]
        assert min(cloth) > chin + 10, slot
        assert [dressed.getpixel(p) for p in mouth] == [bare.getpixel(p) for p in mouth], slot


def test_a_render_stops_between_garments_when_cancelled(studio):
    garments = [studio[2]("top", GREEN, 30), studio[2]("bottom", RED, 20)]
    with pytest.raises(RenderCancelled):
        PreviewBackend().render(request(studio, garments), lambda step, total: step < 1)


def test_a_missing_reference_is_an_error_not_a_picture(studio, tmp_path):
    req = request(studio)
    broken = RenderRequest(**{**req.__dict__, "reference": Path(tmp_path / "gone.jpg")})
    with pytest.raises(FileNotFoundError):
        PreviewBackend().render(broken, lambda s, t: True)


def test_accessories_hang_from_the_hands_beside_the_body(studio):
    """A bag is held in a hand at the hip, beside the body, not pinned over the clothes; a second
    accessory goes in the other hand."""
    garment = studio[2]
    top = render(request(studio, [garment("top", GREEN, 30)], seed=2))
    green = extent(top, GREEN)
    blue = (30, 60, 200)
    both = render(
        request(
            studio,
            [
                garment("top", GREEN, 30),
                garment("accessory", RED, 50),
                garment("accessory", blue, 50),
            ],
            seed=2,
        )
    )
    bag, other = extent(both, RED), extent(both, blue)
    middle = (green[0] + green[2]) / 2
    assert (bag[0] + bag[2]) / 2 > middle > (other[0] + other[2]) / 2  # one in each hand
    for box in (bag, other):
        overlap = sum(
            near(top.getpixel((x, y)), GREEN)
            for x in range(box[0], box[2], 2)
            for y in range(box[1], box[3], 2)
        )
        area = len(range(box[0], box[2], 2)) * len(range(box[1], box[3], 2))
        assert overlap < 0.2 * area, (box, green)  # it hides little of the top
        assert box[1] > (green[1] + green[3]) / 2  # held low, not at the chest
