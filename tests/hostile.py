"""A corpus of hostile and awkward image files, generated here (nothing downloaded)."""

import io
import struct
import zipfile
import zlib

from PIL import Image


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares width×height, with a tiny IDAT (a decompression bomb's shape:
    a few kilobytes that would decode to gigabytes)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compress(b"\x00" * (width + 1) * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", rows)
        + png_chunk(b"IEND", b"")
    )


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return out.getvalue()


def frames(fmt: str) -> bytes:
    first = Image.new("RGB", (32, 32), (255, 0, 0))
    second = Image.new("RGB", (32, 32), (0, 0, 255))
    return encoded(first, fmt, save_all=True, append_images=[second], duration=100, loop=0)


def corpus() -> dict[str, tuple[str, bytes, str]]:
    """name → (file name, content, expected error code)."""
    photo = Image.new("RGB", (120, 90), (30, 120, 200))
    jpeg = encoded(photo, "JPEG", quality=90)
    png = encoded(photo, "PNG")
    return {
        "zero bytes": ("empty.jpg", b"", "image_empty"),
        "truncated jpeg": ("cut.jpg", jpeg[: len(jpeg) // 2], "image_corrupt"),
        "truncated png": ("cut.png", png[: len(png) - 40], "image_corrupt"),
        "garbage after png header": (
            "noise.png",
            png[:16] + bytes(range(256)) * 4,
            "image_corrupt",
        ),
        "pdf named jpg": (
            "photo.jpg",
            b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
            "image_unsupported_type",
        ),
        "html named png": (
            "photo.png",
            b"<html><script>alert(1)</script></html>",
            "image_unsupported_type",
        ),
        "svg with script": (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image_unsupported_type",
        ),
        "still gif": ("still.gif", encoded(photo, "GIF"), "image_unsupported_type"),
        "tiff": ("scan.tif", encoded(photo, "TIFF"), "image_unsupported_type"),
        "bmp": ("paint.bmp", encoded(photo, "BMP"), "image_unsupported_type"),
        "animated gif": ("anim.gif", frames("GIF"), "image_unsupported_type"),
        "animated png": ("anim.png", frames("PNG"), "image_animated"),
        "animated webp": ("anim.webp", frames("WEBP"), "image_animated"),
        "png/zip polyglot": ("poly.png", png + zip_bytes(), "image_trailing_data"),
        "jpeg/zip polyglot": ("poly.jpg", jpeg + zip_bytes(), "image_trailing_data"),
        "png with trailing bytes": (
            "tail.png",
            png + b"#!/bin/sh\nrm -rf /\n",
            "image_trailing_data",
        ),
        "decompression bomb": ("bomb.png", png_declaring(30_000, 30_000), "image_too_many_pixels"),
        "beyond pillow's own limit": (
            "bigger.png",
            png_declaring(60_000, 60_000),
            "image_too_many_pixels",
        ),
        "huge dimensions": ("strip.png", png_declaring(200_000, 1), "image_too_many_pixels"),
    }
