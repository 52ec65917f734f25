"""Photos of findings, made safe to keep and to show.

An upload is checked and re-encoded, never kept as sent: at most MAX_BYTES, a JPEG, PNG
or WebP by its content (not its name), at most MAX_PIXELS (a decompression bomb is
refused before its pixels are decoded), checked whole with `verify()` and then decoded
again. The phone's orientation is applied; the result is a JPEG (quality 85) at most
LONGEST pixels on its longest side with no metadata at all (no GPS, no camera, no ICC),
and a THUMBNAIL-pixel copy for lists. The capture time the camera recorded
(DateTimeOriginal, read as London time) is returned to be kept as a column.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime

from PIL import Image, ImageOps, UnidentifiedImageError

from elearn.dates import LONDON

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50-megapixel phone camera; Pillow's own limit is higher
LONGEST = 2048
THUMBNAIL = 320
QUALITY = 85
INPUT_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PHOTOS = 3

EXIF_IFD = 0x8769
DATE_TIME_ORIGINAL = 36867
DATE_TIME = 306


class PhotoRefused(Exception):
    """Why a file cannot be kept as a photo, in words for the person who sent it."""


@dataclass(frozen=True)
class Photo:
    data: bytes  # the re-encoded JPEG
    thumbnail: bytes
    width: int
    height: int
    taken_at: datetime | None


NOT_A_PHOTO = "The file must be a photo in JPEG, PNG or WebP format"
TOO_BIG = "The photo must be smaller than 10 MB"
TOO_MANY_PIXELS = "The photo has too many pixels: it must be 50 megapixels or fewer"


def safe_photo(data: bytes) -> Photo:
    """The photo re-encoded, or PhotoRefused saying why not."""
    if len(data) > MAX_BYTES:
        raise PhotoRefused(TOO_BIG)
    if not data:
        raise PhotoRefused(NOT_A_PHOTO)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            _check(data)
            with Image.open(io.BytesIO(data), formats=INPUT_FORMATS) as image:
                image.load()
                taken_at = _taken_at(image)
                upright = ImageOps.exif_transpose(image)
                return _encoded(_as_rgb(upright), taken_at)
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as bomb:
        raise PhotoRefused(TOO_MANY_PIXELS) from bomb
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as broken:
        log.info("photo refused: %s", type(broken).__name__)
        raise PhotoRefused(NOT_A_PHOTO) from broken


def _check(data: bytes) -> None:
    """Only the header is read to size the image; `verify()` then reads the file whole
    without decoding it (an image so checked cannot be used, so it is opened again)."""
    with Image.open(io.BytesIO(data), formats=INPUT_FORMATS) as probe:
        if probe.width * probe.height > MAX_PIXELS:
            raise PhotoRefused(TOO_MANY_PIXELS)
        probe.verify()


def _taken_at(image: Image.Image) -> datetime | None:
    exif = image.getexif()
    text = exif.get_ifd(EXIF_IFD).get(DATE_TIME_ORIGINAL) or exif.get(DATE_TIME)
    if not isinstance(text, str):
        return None
    try:
        local = datetime.strptime(text.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    return local.replace(tzinfo=LONDON).astimezone(UTC)


def _as_rgb(image: Image.Image) -> Image.Image:
    """JPEG has no transparency: transparent parts become white."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _jpeg(image: Image.Image, quality: int) -> bytes:
    # Pillow writes only the metadata passed to save(): none is.
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _encoded(image: Image.Image, taken_at: datetime | None) -> Photo:
    image.thumbnail((LONGEST, LONGEST), Image.Resampling.LANCZOS)
    small = image.copy()
    small.thumbnail((THUMBNAIL, THUMBNAIL), Image.Resampling.LANCZOS)
    return Photo(
        data=_jpeg(image, QUALITY),
        thumbnail=_jpeg(small, 80),
        width=image.width,
        height=image.height,
        taken_at=taken_at,
    )
