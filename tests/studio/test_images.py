import hashlib
import io
import struct

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from studio.images import ImageRejected, image_ingest
from tests.hostile import corpus, encoded

pytestmark = pytest.mark.defaults
CORPUS = corpus()


@pytest.mark.parametrize("case", CORPUS.keys())
def test_hostile_file_is_refused_with_a_clear_error_and_nothing_is_stored(case, media_files):
    _name, content, code = CORPUS[case]
    with pytest.raises(ImageRejected) as refused:
        image_ingest(io.BytesIO(content), prefix="uploads")
    assert refused.value.code == code
    assert refused.value.status_code == 400
    assert len(refused.value.message) > 20  # a sentence a person can act on
    assert media_files() == []


def test_oversized_file_is_refused_before_decoding(settings, media_files):
    settings.IMAGE_MAX_BYTES = 1000
    content = encoded(Image.effect_noise((64, 64), 50).convert("RGB"), "PNG")
    assert len(content) > 1000
    with pytest.raises(ImageRejected) as refused:
        image_ingest(io.BytesIO(content), prefix="uploads")
    assert refused.value.code == "image_too_large"
    assert media_files() == []


def stored(result) -> Image.Image:
    with default_storage.open(result.name) as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def test_stored_under_the_hash_of_the_stored_bytes_once(media_files):
    content = encoded(Image.new("RGB", (40, 30), (1, 2, 3)), "PNG")
    first = image_ingest(io.BytesIO(content), prefix="uploads")
    second = image_ingest(io.BytesIO(content), prefix="uploads")
    assert first == second
    with default_storage.open(first.name) as handle:
        data = handle.read()
    assert first.sha256 == hashlib.sha256(data).hexdigest()
    assert first.name == f"uploads/{first.sha256[:2]}/{first.sha256}.png"
    assert len(media_files()) == 1


def test_type_comes_from_content_not_the_file_name():
    content = encoded(Image.new("RGB", (40, 30), (1, 2, 3)), "PNG")
    upload = io.BytesIO(content)
    upload.name = "holiday.jpg"
    result = image_ingest(upload, prefix="uploads")
    assert (result.format, result.name[-4:]) == ("PNG", ".png")


def test_exif_orientation_is_applied_and_metadata_stripped():
    image = Image.new("RGB", (40, 20), (200, 10, 10))
    image.paste((10, 200, 10), (0, 0, 10, 20))  # a green band on the left edge
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS
    result = image_ingest(
        io.BytesIO(encoded(image, "JPEG", exif=exif, quality=95)), prefix="uploads"
    )
    out = stored(result)
    assert (result.width, result.height) == (20, 40) == out.size
    assert out.getpixel((10, 2))[1] > 150  # the green band is now on top
    assert not out.getexif()
    assert "exif" not in out.info and "icc_profile" not in out.info


def test_png_text_chunks_are_dropped():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    result = image_ingest(
        io.BytesIO(encoded(Image.new("RGB", (8, 8)), "PNG", pnginfo=info)), prefix="uploads"
    )
    assert "Comment" not in stored(result).info


def test_cmyk_jpeg_becomes_rgb():
    cmyk = Image.new("CMYK", (32, 32), (0, 255, 255, 0))  # pure red in CMYK
    result = image_ingest(io.BytesIO(encoded(cmyk, "JPEG", quality=95)), prefix="uploads")
    out = stored(result)
    assert out.mode == "RGB"
    red, green, blue = out.getpixel((16, 16))
    assert red > 200 and green < 60 and blue < 60


def test_sixteen_bit_png_is_scaled_to_eight_bits_not_clipped():
    deep = Image.new("I;16", (4, 1))
    for x, value in enumerate((0, 16384, 32768, 65535)):
        deep.putpixel((x, 0), value)
    result = image_ingest(io.BytesIO(encoded(deep, "PNG")), prefix="uploads")
    out = stored(result).convert("L")
    assert [out.getpixel((x, 0)) for x in range(4)] == [0, 64, 128, 255]


def test_palette_png_with_transparency_keeps_its_alpha():
    palette = Image.new("P", (10, 10), 0)
    palette.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    palette.paste(1, (5, 0, 10, 10))
    palette.info["transparency"] = 0
    result = image_ingest(io.BytesIO(encoded(palette, "PNG", transparency=0)), prefix="uploads")
    out = stored(result)
    assert result.has_alpha and out.mode == "RGBA"
    assert out.getpixel((1, 1))[3] == 0
    assert out.getpixel((8, 1)) == (0, 0, 255, 255)


def adobe_rgb_profile() -> bytes:
    """An ICC v2 matrix profile with the Adobe RGB (1998) primaries (adapted to D50) and a 2.2
    gamma: what a camera or a retoucher often saves packshots in."""

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    gamma = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    name = b"Wide\0"
    tags = [
        (b"desc", b"desc\0\0\0\0" + struct.pack(">I", len(name)) + name + b"\0" * 78),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.6097, 0.3111, 0.0195)),
        (b"gXYZ", xyz(0.2053, 0.6257, 0.0609)),
        (b"bXYZ", xyz(0.1492, 0.0632, 0.7446)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
    ]
    offset, table, data = 128 + 4 + 12 * len(tags), b"", b""
    for signature, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = (
        struct.pack(">I", offset + len(data))
        + b"lcms"
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + b"\0" * 12  # date
        + b"acsp"
        + b"\0" * 28  # platform, flags, device, attributes, intent
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)  # the D50 illuminant
        + b"\0" * 48
    )
    return header + struct.pack(">I", len(tags)) + table + data


def test_a_wide_gamut_photo_keeps_its_colours_once_stored_in_srgb():
    """The same numbers mean a more saturated red in Adobe RGB than in sRGB: a packshot that
    lost its profile would show the dress duller than it is."""
    dress = Image.new("RGB", (16, 16), (200, 40, 50))
    content = encoded(dress, "PNG", icc_profile=adobe_rgb_profile())
    out = stored(image_ingest(io.BytesIO(content), prefix="uploads"))
    red, green, blue = out.getpixel((8, 8))
    assert red >= 225 and green <= 38 and blue <= 48, (red, green, blue)
    assert "icc_profile" not in out.info  # stored as sRGB, which needs no profile


def test_a_broken_colour_profile_is_ignored_not_refused():
    dress = Image.new("RGB", (16, 16), (200, 40, 50))
    content = encoded(dress, "PNG", icc_profile=b"not a profile at all")
    out = stored(image_ingest(io.BytesIO(content), prefix="uploads"))
    assert out.getpixel((8, 8)) == (200, 40, 50)


def test_webp_is_accepted():
    result = image_ingest(
        io.BytesIO(encoded(Image.new("RGB", (16, 16), (9, 9, 9)), "WEBP")), prefix="uploads"
    )
    assert (result.format, result.width) == ("WEBP", 16)
