"""Ingest of real camera and phone photos from ../shared/photos (skipped when absent)."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from photos.fixtures import SHARED_PHOTOS, jpeg_header, jpeg_segments
from PIL import Image, ImageChops, ImageStat

from inspect_app.photos.ingest import IngestedPhoto, PhotoRejected, ingest

pytestmark = pytest.mark.skipif(
    not SHARED_PHOTOS.is_dir(), reason=f"real photos not found at {SHARED_PHOTOS}"
)

# file → (format, upright width, upright height, capture time)
EXPECTED = {
    "orientation_landscape_1.jpg": ("JPEG", 600, 450, None),
    "orientation_landscape_3.jpg": ("JPEG", 600, 450, None),
    "orientation_landscape_6.jpg": ("JPEG", 600, 450, None),
    "orientation_portrait_6.jpg": ("JPEG", 450, 600, None),
    "orientation_portrait_8.jpg": ("JPEG", 450, 600, None),
    "gps_DSCN0010.jpg": ("JPEG", 640, 480, datetime(2008, 10, 22, 16, 28, 39)),
    "gps_DSCN0021.jpg": ("JPEG", 640, 480, datetime(2008, 10, 22, 16, 38, 20)),
    "hdr_iphone_hdr_YES.jpg": ("JPEG", 3264, 2448, datetime(2015, 4, 10, 20, 12, 23)),
    "mobile_HMD_Nokia_8.3_5G.jpg": ("JPEG", 4608, 1976, datetime(2022, 8, 14, 14, 12, 31)),
    "mobile_jolla.jpg": ("JPEG", 3264, 2448, datetime(2014, 9, 21, 16, 0, 56)),
    "IMG_5195.HEIC": ("HEIF", 2566, 3313, datetime(2021, 4, 11, 15, 47, 53)),
    "mobile_iphone_13_pro_max.HEIC": ("HEIF", 3024, 4032, datetime(2022, 2, 16, 12, 55, 41)),
    # The HEIF's irot box turns it to portrait (its EXIF orientation says 1).
    "mobile_HMD_Nokia_8.3_5G.heif": ("HEIF", 3456, 4608, datetime(2022, 2, 3, 14, 44, 7)),
    # Both have malformed EXIF blocks, but their image data decodes.
    "invalid_image00971.jpg": ("JPEG", 636, 227, None),
    "tests_87_OSError.jpg": ("JPEG", 1488, 2240, datetime(2005, 12, 14, 14, 39, 47)),
}

_cache: dict[str, IngestedPhoto] = {}


def ingested(name: str) -> IngestedPhoto:
    """Ingest a shared photo once per test session (the big ones take a few hundred ms)."""
    if name not in _cache:
        _cache[name] = ingest((SHARED_PHOTOS / name).read_bytes())
    return _cache[name]


def decoded(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data), formats=["JPEG"])
    img.load()
    return img


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_photo_is_accepted_upright_and_shrunk(name: str) -> None:
    fmt, width, height, taken_at = EXPECTED[name]
    photo = ingested(name)
    assert photo.source_format == fmt
    assert (photo.width, photo.height) == (width, height)
    assert photo.taken_at == taken_at
    assert photo.size_bytes == (SHARED_PHOTOS / name).stat().st_size

    web, thumb = decoded(photo.web), decoded(photo.thumb)
    assert web.size == (photo.web_width, photo.web_height)
    assert max(web.size) == min(1600, max(width, height))
    assert max(thumb.size) == min(320, max(width, height))
    # Same shape as the upright original, within rounding.
    assert abs(web.width / web.height - width / height) < 0.01
    assert (web.width > web.height) == (width > height)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_photo_keeps_no_metadata(name: str) -> None:
    photo = ingested(name)
    for out in (photo.web, photo.thumb):
        assert set(jpeg_segments(out)) <= {0xE0, 0xDB, 0xC0, 0xC4, 0xDA}
        header = jpeg_header(out)
        assert b"Exif" not in header
        assert b"GPS" not in header
        assert b"Exif\x00\x00" not in out
        img = decoded(out)
        assert not img.getexif()
        assert not {"exif", "xmp", "icc_profile", "comment"} & img.info.keys()


@pytest.mark.parametrize("name", ["gps_DSCN0010.jpg", "gps_DSCN0021.jpg", "hdr_iphone_hdr_YES.jpg"])
def test_gps_in_the_original_is_gone(name: str) -> None:
    with Image.open(SHARED_PHOTOS / name) as original:
        assert original.getexif().get_ifd(0x8825), "fixture should carry GPS"
    assert not decoded(ingested(name).web).getexif().get_ifd(0x8825)


def small_grey(data: bytes, size: tuple[int, int]) -> Image.Image:
    return decoded(data).convert("L").resize(size, Image.Resampling.BOX)


def difference(a: Image.Image, b: Image.Image) -> float:
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]


@pytest.mark.parametrize(
    ("name", "reference", "size"),
    [
        ("orientation_landscape_3.jpg", "orientation_landscape_1.jpg", (32, 24)),
        ("orientation_landscape_6.jpg", "orientation_landscape_1.jpg", (32, 24)),
        ("orientation_portrait_8.jpg", "orientation_portrait_6.jpg", (24, 32)),
    ],
)
def test_real_orientations_look_like_the_upright_reference(
    name: str, reference: str, size: tuple[int, int]
) -> None:
    turned = small_grey(ingested(name).web, size)
    upright = small_grey(ingested(reference).web, size)
    # The same scene (only the digit in the middle differs): measured about 1 grey level.
    assert difference(turned, upright) < 8
    # …while the wrong way round it is far off (measured ≥ 27), so the check has teeth.
    for wrong in (Image.Transpose.ROTATE_180, Image.Transpose.FLIP_LEFT_RIGHT):
        assert difference(turned.transpose(wrong), upright) > 20


def test_corrupted_jpeg_is_accepted_or_refused_cleanly() -> None:
    try:
        photo = ingest((SHARED_PHOTOS / "corrupted.jpg").read_bytes())
    except PhotoRejected as exc:
        assert exc.code == "corrupt"
    else:
        assert (photo.width, photo.height) == (3648, 2736)
        assert decoded(photo.web).size == (1600, 1200)
