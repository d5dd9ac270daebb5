"""Turn an uploaded photo into clean, upright JPEGs: a web size and a thumbnail.

The upload is judged only by decoding it (never by its name or declared type), checked against
size and pixel limits before any pixel data is decoded, turned upright from its EXIF
orientation, and re-encoded from pixels, so nothing of the original file survives: no EXIF
(GPS, camera serials), no XMP, no comments, no ICC profile, no trailing data.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import re
import struct
import warnings
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, TypeVar

import pillow_heif
from PIL import Image, ImageCms, ImageFile

pillow_heif.register_heif_opener()

FORMATS = ("JPEG", "PNG", "HEIF")
DEFAULT_MAX_BYTES = 40 * 1024 * 1024
DEFAULT_MAX_PIXELS = 60_000_000

# What Pillow and pillow-heif raise for damaged or hostile data. MemoryError is left out on
# purpose: running out of memory is the server's problem, not the photo's.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    EOFError,
    RuntimeError,
    ZeroDivisionError,
    OverflowError,
    struct.error,
    zlib.error,
)

# EXIF orientation → the transpose that makes the stored pixels upright.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_TAG_ORIENTATION = 0x0112
_TAG_DATETIME = 0x0132
_TAG_DATETIME_ORIGINAL = 0x9003
_IFD_EXIF = 0x8769

_EXIF_DATETIME = re.compile(
    r"\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?"
)

_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1")
_BMP_HEADER_SIZES = (12, 40, 52, 56, 64, 108, 124)

_WHITE = (255, 255, 255)
_T = TypeVar("_T")


class PhotoRejected(Exception):
    """An upload that is not an acceptable photo: ``code`` for machines, ``message`` for people."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # The numbers in the message, so a translated message can be built from ``code``.
        self.params = params

    def __repr__(self) -> str:
        return f"PhotoRejected({self.code!r}, {self.message!r})"


@dataclass(frozen=True, slots=True)
class IngestedPhoto:
    """A photo ready to store: re-encoded JPEGs plus the facts kept as fields instead of EXIF."""

    web: bytes = field(repr=False)
    thumb: bytes = field(repr=False)
    width: int
    height: int
    web_width: int
    web_height: int
    taken_at: datetime | None
    sha256: str
    source_format: str
    size_bytes: int


def ingest(
    data: bytes | bytearray | memoryview | BinaryIO,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    web_size: int = 1600,
    thumb_size: int = 320,
    quality: int = 82,
) -> IngestedPhoto:
    """Check, orient, strip and re-encode an uploaded photo, or raise ``PhotoRejected``.

    ``max_pixels`` cannot usefully exceed Pillow's own ``Image.MAX_IMAGE_PIXELS`` (about
    89 MP, refused as ``too_many_pixels`` too); ``max_bytes`` bounds what is read from a stream.
    """
    raw = _read_limited(data, max_bytes)
    if not raw:
        raise PhotoRejected("empty", "The file is empty.")
    if len(raw) > max_bytes:
        limit_mb = f"{max_bytes / (1024 * 1024):g}"
        raise PhotoRejected(
            "too_large",
            f"The file is larger than {limit_mb} MB; please upload a smaller photo.",
            limit_mb=limit_mb,
        )
    digest = hashlib.sha256(raw).hexdigest()
    if _is_heif(raw) and not heif_complete(raw):
        # libheif decodes a HEIC cut short without a word, painting the missing tiles flat
        # green; a truncated JPEG or PNG is refused by Pillow, and so is this.
        raise PhotoRejected("corrupt", "The photo is damaged and cannot be read.")

    with _quiet_pillow():
        try:
            with _open(raw) as im:
                return _process(
                    im,
                    max_pixels=max_pixels,
                    web_size=web_size,
                    thumb_size=thumb_size,
                    quality=quality,
                    sha256=digest,
                    size_bytes=len(raw),
                )
        except PhotoRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels(None, max_pixels) from exc
        except _DECODE_ERRORS as exc:
            raise PhotoRejected("corrupt", "The photo is damaged and cannot be read.") from exc


def _is_heif(raw: bytes) -> bool:
    return raw[4:8] == b"ftyp" and raw[8:12] in _HEIF_BRANDS


def heif_complete(raw: bytes) -> bool:
    """True when every box of the HEIF container, and every byte range its items' locations
    (`iloc`) name, lies within the file: an upload that stopped half way is not complete."""
    try:
        top = list(_boxes(raw, 0, len(raw)))
        meta = next(((start, end) for kind, start, end in top if kind == b"meta"), None)
        if meta is None:
            return False
        inner = list(_boxes(raw, meta[0] + 4, meta[1]))  # meta is a full box: version, flags
        iloc = next(((start, end) for kind, start, end in inner if kind == b"iloc"), None)
        idat = next(((start, end) for kind, start, end in inner if kind == b"idat"), None)
        return iloc is not None and _iloc_within(raw, iloc, idat)
    except (ValueError, IndexError):
        return False


def _boxes(raw: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, end) of each ISO-BMFF box in raw[start:end]; ValueError when a
    box claims more bytes than there are."""
    pos = start
    while pos < end:
        if end - pos < 8:
            raise ValueError("a box header is cut off")
        size, kind = struct.unpack(">I4s", raw[pos : pos + 8])
        header = 8
        if size == 1:
            if end - pos < 16:
                raise ValueError("a box header is cut off")
            size, header = struct.unpack(">Q", raw[pos + 8 : pos + 16])[0], 16
        elif size == 0:
            size = end - pos  # "to the end of the file"
        if size < header or pos + size > end:
            raise ValueError("a box runs past the end of the file")
        yield kind, pos + header, pos + size
        pos += size


def _iloc_within(raw: bytes, iloc: tuple[int, int], idat: tuple[int, int] | None) -> bool:
    """Every extent the item location box names lies within the file (or its idat box)."""
    pos, end = iloc

    def number(size: int) -> int:
        nonlocal pos
        if pos + size > end:
            raise ValueError("the item locations are cut off")
        value = int.from_bytes(raw[pos : pos + size], "big")
        pos += size
        return value

    version = number(4) >> 24
    sizes = number(2)
    offset_size, length_size = sizes >> 12, (sizes >> 8) & 15
    base_offset_size = (sizes >> 4) & 15
    index_size = sizes & 15 if version in (1, 2) else 0
    for _ in range(number(2 if version < 2 else 4)):
        number(2 if version < 2 else 4)  # item id
        method = number(2) & 15 if version in (1, 2) else 0
        number(2)  # data reference index
        base = number(base_offset_size)
        for _ in range(number(2)):
            number(index_size)
            offset, length = number(offset_size), number(length_size)
            if method == 0 and base + offset + length > len(raw):
                return False
            if method == 1 and (idat is None or idat[0] + base + offset + length > idat[1]):
                return False
    return True


def probe_floor(data: bytes) -> bytes:
    """Bare Pillow decode + resize + save, the baseline that benchmarks compare ``ingest`` to."""
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        img = im if im.mode in ("RGB", "L") else im.convert("RGB")
        img.thumbnail((1600, 1600))
        out = io.BytesIO()
        img.save(out, "JPEG", quality=82)
        return out.getvalue()


def _read_limited(data: bytes | bytearray | memoryview | BinaryIO, max_bytes: int) -> bytes:
    """Return the upload's bytes, reading at most ``max_bytes + 1`` from a stream."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    chunks: list[bytes] = []
    remaining = max_bytes + 1
    while remaining > 0:
        chunk = data.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


@contextmanager
def _quiet_pillow() -> Iterator[None]:
    """Silence Pillow's warnings about odd metadata, but turn its bomb warning into an error."""
    # catch_warnings changes process-wide state. That is fine in gunicorn's sync workers; with
    # threads, a race can only let a warning through or hide one: the pixel limit itself is
    # enforced by _check_pixels, which does not rely on warnings.
    # Other libraries flip Pillow's global LOAD_TRUNCATED_IMAGES on when imported (WeasyPrint
    # does, for its PDFs): ingest must refuse truncated files whatever was imported before.
    # Switched off for good rather than restored afterwards: with threads, one upload's
    # restore would turn it back on in the middle of another upload's decode (our PDFs only
    # embed photos that ingest wrote, which are never truncated).
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _open(raw: bytes) -> Image.Image:
    """Open ``raw`` as one of FORMATS, reading only its header."""
    try:
        return Image.open(io.BytesIO(raw), formats=FORMATS)
    except Image.UnidentifiedImageError:
        raise _unidentified(raw) from None


def _unidentified(raw: bytes) -> PhotoRejected:
    """Explain why Pillow could not identify ``raw``, from its first bytes."""
    if (
        raw.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"))
        or raw[4:8] == b"ftyp"
        and raw[8:12] in _HEIF_BRANDS
    ):
        return PhotoRejected("corrupt", "The photo is damaged and cannot be read.")
    kind = _other_image_kind(raw)
    if kind:
        return PhotoRejected(
            "unsupported_format",
            f"{kind} images are not supported; please upload a JPEG, PNG or HEIC photo.",
            kind=kind,
        )
    return PhotoRejected(
        "not_an_image", "The file is not a photo we can read (JPEG, PNG or HEIC expected)."
    )


def _other_image_kind(raw: bytes) -> str | None:
    """Name the image format of ``raw`` if it is a well-known one that we do not accept."""
    if raw.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "WebP"
    if raw[4:8] == b"ftyp" and raw[8:12] in (b"avif", b"avis"):
        return "AVIF"
    if raw.startswith((b"II*\x00", b"MM\x00*")):
        return "TIFF"
    if (
        raw[:2] == b"BM"
        and len(raw) >= 18
        and struct.unpack("<I", raw[14:18])[0] in (_BMP_HEADER_SIZES)
    ):
        return "BMP"
    if raw.startswith((b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n")):
        return "JPEG XL"
    if raw.startswith((b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")):
        return "JPEG 2000"
    if raw.startswith(b"8BPS"):
        return "Photoshop"
    return None


def _process(
    im: Image.Image,
    *,
    max_pixels: int,
    web_size: int,
    thumb_size: int,
    quality: int,
    sha256: str,
    size_bytes: int,
) -> IngestedPhoto:
    """Decode the opened image (at reduced scale when possible) and build the result."""
    source_format = "JPEG" if im.format in ("JPEG", "MPO") else str(im.format)
    stored_width, stored_height = im.size  # the full size, read before draft() shrinks it
    _check_pixels(im.size, max_pixels)
    if source_format == "JPEG":
        _draft(im, web_size)
    im.load()
    orientation, taken_at = _read_exif(im)
    if source_format == "HEIF":
        # libheif has already applied the container's rotation and pillow-heif reset the
        # EXIF tag; applying it again would turn the photo twice.
        orientation = 1
    web = _web_image(im, web_size, orientation)
    thumb = _fit(web, thumb_size)
    swapped = orientation in (5, 6, 7, 8)
    return IngestedPhoto(
        web=_encode(web, quality),
        thumb=_encode(thumb, quality),
        width=stored_height if swapped else stored_width,
        height=stored_width if swapped else stored_height,
        web_width=web.width,
        web_height=web.height,
        taken_at=taken_at,
        sha256=sha256,
        source_format=source_format,
        size_bytes=size_bytes,
    )


def _too_many_pixels(size: tuple[int, int] | None, max_pixels: int) -> PhotoRejected:
    limit_mp = f"{max_pixels / 1_000_000:g}"
    if size is None:
        message = f"The photo has too many pixels; the limit is {limit_mp} megapixels."
        return PhotoRejected("too_many_pixels", message, limit_mp=limit_mp)
    width, height = size
    message = f"The photo is {width}×{height} pixels; the limit is {limit_mp} megapixels."
    return PhotoRejected("too_many_pixels", message, width=width, height=height, limit_mp=limit_mp)


def _check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    """Refuse a header whose size is empty or above the limit, before any pixel is decoded."""
    width, height = size
    if width <= 0 or height <= 0:
        raise PhotoRejected("corrupt", "The photo is damaged and cannot be read.")
    if width * height > max_pixels:
        raise _too_many_pixels(size, max_pixels)


def _draft(im: Image.Image, web_size: int) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the web size is all we need."""
    longest = max(im.size)
    if longest <= web_size:
        return
    # The target keeps the stored aspect ratio, so it is right whether or not the
    # orientation swaps width and height; draft never goes below it.
    scale = web_size / longest
    im.draft("RGB", (max(1, math.ceil(im.width * scale)), max(1, math.ceil(im.height * scale))))


def _read_exif(im: Image.Image) -> tuple[int, datetime | None]:
    """Return the EXIF orientation (1 when unknown) and capture time, ignoring broken EXIF."""
    try:
        exif = im.getexif()
    except Exception:  # a broken EXIF block must not reject a good image
        return 1, None
    orientation = _safe(lambda: int(exif.get(_TAG_ORIENTATION) or 1))
    if orientation not in _UPRIGHT:
        orientation = 1
    taken_at = _safe(
        lambda: _parse_exif_datetime(exif.get_ifd(_IFD_EXIF).get(_TAG_DATETIME_ORIGINAL))
    )
    if taken_at is None:
        taken_at = _safe(lambda: _parse_exif_datetime(exif.get(_TAG_DATETIME)))
    return orientation, taken_at


def _safe(read: Callable[[], _T]) -> _T | None:
    """Run one EXIF lookup, treating any parse error as a missing value."""
    try:
        return read()
    except Exception:  # see _read_exif
        return None


def _parse_exif_datetime(value: object) -> datetime | None:
    """Parse an EXIF ``YYYY:MM:DD HH:MM:SS`` value into a naive datetime, or None."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    match = _EXIF_DATETIME.match(value.replace("\x00", ""))
    if not match:
        return None
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    if year < 1900:
        return None
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def _web_image(im: Image.Image, web_size: int, orientation: int) -> Image.Image:
    """Decoded image → RGB, at most ``web_size`` on its long side, upright, in sRGB."""
    img = _to_rgb(im)
    img = _fit(img, web_size)
    if orientation in _UPRIGHT:
        img = img.transpose(_UPRIGHT[orientation])
    return _to_srgb(img, im.info.get("icc_profile"))


def _to_rgb(im: Image.Image) -> Image.Image:
    """Convert any decoded mode to RGB, flattening transparency onto white."""
    if im.mode == "RGB" and "transparency" not in im.info:
        return im
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):
        # 16-bit greyscale: scale to 8 bits instead of letting convert() clip at 255.
        im = im.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, _WHITE)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return im.convert("RGB")


def _fit(img: Image.Image, size: int) -> Image.Image:
    """Shrink ``img`` so its long side is at most ``size``; never enlarge."""
    longest = max(img.size)
    if longest <= size:
        return img
    scale = size / longest
    target = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _to_srgb(img: Image.Image, icc_profile: object) -> Image.Image:
    """Convert from an embedded RGB colour profile (e.g. iPhone Display P3) to sRGB."""
    if not isinstance(icc_profile, bytes) or not icc_profile:
        return img
    transform = _srgb_transform(icc_profile)
    if transform is None:
        return img
    try:
        return transform.apply(img)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return img


@functools.lru_cache(maxsize=16)
def _srgb_transform(icc_profile: bytes) -> ImageCms.ImageCmsTransform | None:
    """Build (once per distinct profile) a transform to sRGB; None for sRGB or unusable ones."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if source.profile.xcolor_space != "RGB ":
            return None
        if "srgb" in ImageCms.getProfileDescription(source).lower():
            return None
        # NOCACHE: the transform is shared between threads, and lcms's one-pixel cache is not
        # thread-safe.
        return ImageCms.buildTransform(source, _SRGB, "RGB", "RGB", flags=ImageCms.Flags.NOCACHE)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A profile we cannot use is dropped; the colours are then read as sRGB.
        return None


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _encode(img: Image.Image, quality: int) -> bytes:
    """Encode pixels only: a fresh JPEG with no EXIF, XMP, ICC profile or comment."""
    img.info = {}  # JPEG save falls back to info["comment"]; nothing of the original leaks
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, optimize=False, progressive=False)
    return out.getvalue()
