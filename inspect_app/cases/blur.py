"""Blurring a region of a case photo (faces, name plates, logos) with Pillow.

Works on the case's own copy only: it reads the stored web-size JPEG (already stripped and
re-encoded by ingest), blurs the region so that it cannot be read back, and returns new web and
thumbnail JPEGs with no metadata. The caller stores them under new keys.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageFilter

THUMB_SIZE = 320  # as ingest makes them
QUALITY = 88  # a little above ingest's, so re-encoding barely touches the rest of the photo
#: The smallest region worth blurring, as a share of the photo's side.
MIN_SIDE = 0.01


@dataclass(frozen=True)
class Region:
    """A rectangle in coordinates normalised to the displayed image (0..1 from the top left)."""

    x: float
    y: float
    w: float
    h: float

    @classmethod
    def parse(cls, data) -> Region:
        """Read x, y, w, h from a mapping; clamp to the image; ValueError when unusable."""
        try:
            x, y, w, h = (float(data[key]) for key in ("x", "y", "w", "h"))
        except (KeyError, TypeError, ValueError):
            raise ValueError("x, y, w and h must be numbers") from None
        if any(v != v or v in (float("inf"), float("-inf")) for v in (x, y, w, h)):
            raise ValueError("x, y, w and h must be finite")
        if w < 0:
            x, w = x + w, -w
        if h < 0:
            y, h = y + h, -h
        left, top = max(0.0, x), max(0.0, y)
        right, bottom = min(1.0, x + w), min(1.0, y + h)
        if right - left < MIN_SIDE or bottom - top < MIN_SIDE:
            raise ValueError("the region is empty or outside the photo")
        return cls(left, top, right - left, bottom - top)

    def box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The region in pixels of an image of this size (at least one pixel each way)."""
        left = min(width - 1, int(self.x * width))
        top = min(height - 1, int(self.y * height))
        right = max(left + 1, min(width, round((self.x + self.w) * width)))
        bottom = max(top + 1, min(height, round((self.y + self.h) * height)))
        return left, top, right, bottom


def obscure(img: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    """Pixelate the box into coarse blocks, then blur the blocks: strong enough that text and
    faces cannot be recovered, soft enough not to draw the eye."""
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    region = img.crop(box)
    block = max(6, min(width, height) // 6)
    small = region.resize(
        (max(1, width // block), max(1, height // block)), Image.Resampling.BOX, reducing_gap=None
    )
    coarse = small.resize((width, height), Image.Resampling.NEAREST)
    coarse = coarse.filter(ImageFilter.GaussianBlur(radius=max(4, block // 2)))
    out = img.copy()
    out.paste(coarse, (left, top))
    return out


def _encode(img: Image.Image) -> bytes:
    img.info = {}  # a fresh JPEG: no EXIF, ICC profile or comment
    out = io.BytesIO()
    img.save(out, "JPEG", quality=QUALITY, optimize=False, progressive=False)
    return out.getvalue()


@dataclass(frozen=True)
class Blurred:
    web: bytes
    thumb: bytes
    width: int
    height: int


def blur_region(web_jpeg: bytes, region: Region) -> Blurred:
    """Blur one region of a stored web-size photo; return new web and thumbnail JPEGs."""
    with Image.open(io.BytesIO(web_jpeg)) as im:
        im.load()
        img = im.convert("RGB")
    img = obscure(img, region.box(*img.size))
    thumb = img.copy()
    thumb.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
    return Blurred(web=_encode(img), thumb=_encode(thumb), width=img.width, height=img.height)
