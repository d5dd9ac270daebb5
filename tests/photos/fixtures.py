"""Builders of test photos (good, hostile and broken) and helpers to inspect the results."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pillow_heif
from PIL import Image

pillow_heif.register_heif_opener()


def _repo_root() -> Path:
    here = Path(__file__).resolve()
    return next(p for p in here.parents if (p / "pyproject.toml").is_file())


# The real camera photos live beside the repository: <repo>/../shared/photos.
SHARED_PHOTOS = _repo_root().parent / "shared" / "photos"

RED = (255, 0, 0)
GREEN = (0, 255, 0)
GREY = (128, 128, 128)
WHITE = (255, 255, 255)

SERIAL = "SN-4711-0815-CAMERA"
XMP_MARKER = b"http://ns.adobe.com/xap/1.0/"

# The transpose that turns the upright picture into what a camera stores for an orientation
# (the inverse of what a viewer applies).
_STORE_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def upright_pattern(size: tuple[int, int] = (128, 96)) -> Image.Image:
    """A grey picture, red block top-left and green block top-right: every flip shows."""
    width, height = size
    img = Image.new("RGB", size, GREY)
    img.paste(RED, (0, 0, width // 4, height // 4))
    img.paste(GREEN, (width - width // 4, 0, width, height // 4))
    return img


def corner_colours(img: Image.Image) -> dict[str, tuple[int, ...]]:
    """Colour near each corner of ``img`` (sampled inside the blocks of upright_pattern)."""
    rgb = img.convert("RGB")
    dx, dy = max(1, rgb.width // 16), max(1, rgb.height // 16)
    right, bottom = rgb.width - 1 - dx, rgb.height - 1 - dy
    return {
        "top_left": rgb.getpixel((dx, dy)),
        "top_right": rgb.getpixel((right, dy)),
        "bottom_left": rgb.getpixel((dx, bottom)),
        "bottom_right": rgb.getpixel((right, bottom)),
    }


def close_to(colour: tuple[int, ...], expected: tuple[int, int, int], tolerance: int = 40) -> bool:
    """True if ``colour`` is within ``tolerance`` of ``expected`` on every channel."""
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def encode(img: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    """Save ``img`` in ``fmt`` and return the bytes."""
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def oriented_jpeg(orientation: int, size: tuple[int, int] = (128, 96)) -> bytes:
    """A JPEG whose pixels are stored turned, with the EXIF orientation that makes them upright."""
    img = upright_pattern(size)
    if (op := _STORE_AS[orientation]) is not None:
        img = img.transpose(op)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(img, "JPEG", quality=92, exif=exif.tobytes())


def large_jpeg(size: tuple[int, int] = (4000, 3000), orientation: int = 1) -> bytes:
    """A big JPEG (12 MP by default) of the upright pattern, optionally stored turned."""
    img = upright_pattern((size[0] // 8, size[1] // 8)).resize(size, Image.Resampling.NEAREST)
    if (op := _STORE_AS[orientation]) is not None:
        img = img.transpose(op)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(img, "JPEG", quality=85, exif=exif.tobytes())


def jpeg_with_private_metadata() -> bytes:
    """A JPEG carrying GPS, a camera serial, capture time, XMP, a comment and an ICC profile."""
    exif = Image.Exif()
    exif[0x010F] = "ACME"  # Make
    exif[0x0110] = "Inspecto 3000"  # Model
    exif[0x0132] = "2024:03:06 08:00:00"  # DateTime (modified)
    details = exif.get_ifd(0x8769)
    details[0x9003] = "2024:03:05 10:20:30"  # DateTimeOriginal
    details[0xA431] = SERIAL  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"  # GPSLatitudeRef
    gps[2] = (31.0, 14.0, 2.5)  # GPSLatitude
    gps[3] = "E"  # GPSLongitudeRef
    gps[4] = (121.0, 28.0, 30.0)  # GPSLongitude
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf='
        b'"http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Secret Tool"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    return encode(
        upright_pattern(),
        "JPEG",
        quality=90,
        exif=exif.tobytes(),
        xmp=xmp,
        comment=b"taken at the back gate by J. Doe",
    )


def jpeg_with_datetime(value: str | bytes, *, original: bool = True) -> bytes:
    """A JPEG whose DateTimeOriginal (or only DateTime) holds ``value`` as given."""
    exif = Image.Exif()
    if original:
        exif.get_ifd(0x8769)[0x9003] = value
    else:
        exif[0x0132] = value
    return encode(upright_pattern(), "JPEG", exif=exif.tobytes())


def jpeg_with_broken_exif() -> bytes:
    """A good JPEG whose APP1 Exif block is garbage (an IFD pointing far beyond its end)."""
    good = encode(upright_pattern(), "JPEG")
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 0xFFFF) + b"\x01\x02" * 5
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return good[:2] + app1 + good[2:]


def transparent_png() -> bytes:
    """An RGBA PNG: right half fully transparent, left half opaque red."""
    img = Image.new("RGBA", (64, 48), (0, 0, 255, 0))
    img.paste((255, 0, 0, 255), (0, 0, 32, 48))
    return encode(img, "PNG")


def palette_png(*, transparent: bool = False) -> bytes:
    """A palette (mode P) PNG, red left and green right; with ``transparent`` green is clear."""
    img = Image.new("P", (64, 48), 0)
    img.putpalette([255, 0, 0, 0, 255, 0] + [0, 0, 0] * 254)
    img.paste(1, (32, 0, 64, 48))
    if transparent:
        return encode(img, "PNG", transparency=1)
    return encode(img, "PNG")


def grey16_png() -> bytes:
    """A 16-bit greyscale PNG (mode I;16), mid-grey."""
    img = Image.new("I;16", (64, 48), 0x8000)
    return encode(img, "PNG")


def greyscale_jpeg() -> bytes:
    """A single-channel (mode L) JPEG."""
    return encode(Image.new("L", (64, 48), 200), "JPEG")


def cmyk_jpeg() -> bytes:
    """A CMYK JPEG (as printers' tools write), pure cyan."""
    return encode(Image.new("CMYK", (64, 48), (255, 0, 0, 0)), "JPEG")


def heic(size: tuple[int, int] = (128, 96), orientation: int = 1) -> bytes:
    """A HEIC of the upright pattern, stored turned with an EXIF orientation when asked."""
    img = upright_pattern(size)
    if (op := _STORE_AS[orientation]) is not None:
        img = img.transpose(op)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(img, "HEIF", quality=90, exif=exif.tobytes())


def gif() -> bytes:
    """A GIF: a real image, but not a format we accept."""
    return encode(upright_pattern((32, 24)).convert("P"), "GIF")


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose IHDR claims ``width``×``height`` pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_bomb(width: int = 65_000, height: int = 65_000) -> bytes:
    """A small JPEG whose SOF header claims ``width``×``height`` pixels."""
    data = bytearray(encode(Image.new("RGB", (16, 16), GREY), "JPEG"))
    sof = data.index(b"\xff\xc0")
    # SOF0: marker(2) length(2) precision(1) height(2) width(2)
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def truncated_jpeg() -> bytes:
    """A JPEG cut off in the middle of its image data."""
    data = large_jpeg((640, 480))
    return data[: len(data) // 2]


def jpeg_zip_polyglot() -> bytes:
    """A valid JPEG with a ZIP archive appended (both readers accept it)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.txt", "not a photo")
    return encode(upright_pattern(), "JPEG") + archive.getvalue()


def zip_archive() -> bytes:
    """A plain ZIP archive."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("photo.jpg", "not really")
    return archive.getvalue()


NON_IMAGES: dict[str, bytes] = {
    "pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    "html": b"<!doctype html><html><body><script>alert(1)</script></body></html>",
    "svg": (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
        b'height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>'
    ),
    "text": b"just some text, renamed to photo.jpg",
    "zip": zip_archive(),
}


def jpeg_segments(data: bytes) -> list[int]:
    """The marker codes of a JPEG's header segments, up to and including the first SOS."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    markers = []
    pos = 2
    while pos + 4 <= len(data):
        assert data[pos] == 0xFF, f"bad marker at {pos}"
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:  # SOS: entropy-coded data follows
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + length
    return markers


def jpeg_header(data: bytes) -> bytes:
    """The bytes of a JPEG before its image data (where all metadata lives)."""
    return data[: data.index(b"\xff\xda")]


def mpo(size: tuple[int, int] = (128, 96)) -> bytes:
    """A multi-picture JPEG (MPO, as some phones write): the pattern, then a blue frame."""
    out = io.BytesIO()
    second = Image.new("RGB", size, (0, 0, 255))
    upright_pattern(size).save(out, "MPO", save_all=True, append_images=[second])
    return out.getvalue()
