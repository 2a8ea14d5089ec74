"""Safe image input: the one function every upload goes through.

``image_ingest`` reads at most ``IMAGE_MAX_BYTES``, detects the type from the content (JPEG, PNG
and WebP only), refuses archives hidden in images, animated images and anything whose pixel count
exceeds ``IMAGE_MAX_PIXELS`` *before* decoding it, decodes fully (so a truncated file fails here,
not later), applies the EXIF orientation, converts to 8-bit sRGB (RGB, or RGBA where there is
transparency), drops every incoming metadata block by re-encoding, and stores the result under
the SHA-256 of what is stored. Any refusal is an ``ImageRejected`` with a code and a sentence a
person can act on; nothing is written before every check has passed.
"""

import hashlib
import io
import struct
import warnings
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from studio.enums import ErrorCode
from studio.errors import StudioError

# Pillow's own bomb check at open() stays on as a second line behind ours (its warning is turned
# into an error below); truncated files must fail, never load half.
ImageFile.LOAD_TRUNCATED_IMAGES = False

ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
)
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class ImageRejected(StudioError):
    status_code = 400


@dataclass(frozen=True)
class StoredImage:
    name: str  # storage name, under the content hash
    sha256: str
    width: int
    height: int
    format: str  # JPEG, PNG or WEBP: the stored encoding
    size: int  # bytes stored
    has_alpha: bool


def _sniff(head: bytes) -> str | None:
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _png_trailing_bytes(data: bytes) -> int:
    """Bytes after the PNG's IEND chunk (a polyglot hides an archive or a script there)."""
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        pos += 12 + length
        if kind == b"IEND":
            return max(0, len(data) - pos)
    return 0


def _read_capped(upload: IO[bytes], max_bytes: int) -> bytes:
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRejected(
            f"The file is larger than {max_bytes // (1024 * 1024)} MB.",
            code=ErrorCode.IMAGE_TOO_LARGE,
        )
    return data


def _to_srgb(image: Image.Image) -> Image.Image:
    """8-bit RGB or RGBA in sRGB, whatever the source mode, bit depth or ICC profile."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    alpha = image.convert("RGBA").getchannel("A") if has_alpha else None
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit: scale to 8 bits instead of clipping everything above 255 to white.
        image = image.convert("I").point(lambda value: value * (1 / 257) + 0.5).convert("L")
    rgb: Image.Image | None = None
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            base = image.convert("RGB") if image.mode == "RGBA" else image
            rgb = ImageCms.profileToProfile(base, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            rgb = None  # a broken or mismatched profile: plain conversion below
    if rgb is None:
        rgb = image.convert("RGB")
    if alpha is not None:
        rgb.putalpha(alpha)
    # Untagged is sRGB by convention; the profile LittleCMS attaches carries the time this
    # process built it, which gave the same upload other bytes, and another hash, per process.
    rgb.info.pop("icc_profile", None)
    return rgb


def image_open_checked(data: bytes, *, max_pixels: int) -> tuple[Image.Image, str]:
    """Decode ``data`` after every structural check; returns the image and its source format."""
    if not data:
        raise ImageRejected(
            "The file is empty: choose a JPEG, PNG or WebP image.", code=ErrorCode.IMAGE_EMPTY
        )
    kind = _sniff(data[:16])
    if kind is None:
        raise ImageRejected(
            "This is not a JPEG, PNG or WebP image (the type is read from the content, "
            "not the file name).",
            code=ErrorCode.IMAGE_UNSUPPORTED_TYPE,
        )
    if zipfile.is_zipfile(io.BytesIO(data)) or (kind == "PNG" and _png_trailing_bytes(data)):
        raise ImageRejected(
            "The image has other data hidden after it (for example an archive). "
            "Export it again from an image editor.",
            code=ErrorCode.IMAGE_TRAILING_DATA,
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
            width, height = image.size
            if max(width, height) > settings.IMAGE_MAX_SIDE:
                raise ImageRejected(
                    f"The image is {width}×{height} pixels; no side may exceed "
                    f"{settings.IMAGE_MAX_SIDE} pixels.",
                    code=ErrorCode.IMAGE_TOO_MANY_PIXELS,
                )
            if width * height > max_pixels:
                raise ImageRejected(
                    f"The image is {width}×{height} pixels; at most "
                    f"{max_pixels / 1e6:g} megapixels are accepted.",
                    code=ErrorCode.IMAGE_TOO_MANY_PIXELS,
                )
            if getattr(image, "n_frames", 1) > 1:
                raise ImageRejected(
                    "Animated images are not accepted: upload a single still frame.",
                    code=ErrorCode.IMAGE_ANIMATED,
                )
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(
            f"The image declares more pixels than accepted ({exc}).",
            code=ErrorCode.IMAGE_TOO_MANY_PIXELS,
        ) from exc
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        struct.error,
        EOFError,
    ) as exc:
        raise ImageRejected(
            "The image could not be read: it is truncated or corrupt.",
            code=ErrorCode.IMAGE_CORRUPT,
        ) from exc
    return image, kind


def image_ingest(
    upload: IO[bytes],
    *,
    prefix: str,
    storage: Storage | None = None,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
    min_side: int = 1,
) -> StoredImage:
    """Check, normalise and store one uploaded image under ``prefix``/<sha256>.<ext>."""
    data = _read_capped(upload, max_bytes or settings.IMAGE_MAX_BYTES)
    image, kind = image_open_checked(data, max_pixels=max_pixels or settings.IMAGE_MAX_PIXELS)
    if min(image.size) < min_side:
        raise ImageRejected(
            f"The image is {image.width}×{image.height} pixels: it needs at least {min_side} on"
            " each side.",
            code=ErrorCode.IMAGE_TOO_SMALL,
        )
    try:
        image = ImageOps.exif_transpose(image) or image
        image = _to_srgb(image)
    except (OSError, ValueError) as exc:
        raise ImageRejected(
            "The image could not be converted.", code=ErrorCode.IMAGE_CORRUPT
        ) from exc
    has_alpha = image.mode == "RGBA"
    # Keep the source encoding, but a JPEG cannot carry transparency.
    out_format = "PNG" if has_alpha and kind == "JPEG" else kind
    buffer = io.BytesIO()
    if out_format == "JPEG":
        image.save(buffer, "JPEG", quality=95, subsampling=0, optimize=True)
    elif out_format == "WEBP":
        image.save(buffer, "WEBP", quality=95, method=4)
    else:
        image.save(buffer, "PNG", optimize=False)
    encoded = buffer.getvalue()
    digest = hashlib.sha256(encoded).hexdigest()
    name = f"{prefix.strip('/')}/{digest[:2]}/{digest}.{ACCEPTED_FORMATS[out_format]}"
    target = storage or default_storage
    if not target.exists(name):
        target.save(name, ContentFile(encoded))
    return StoredImage(
        name=name,
        sha256=digest,
        width=image.width,
        height=image.height,
        format=out_format,
        size=len(encoded),
        has_alpha=has_alpha,
    )
