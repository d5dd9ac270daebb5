"""Ingest of generated photos: orientation, metadata stripping, modes, limits and refusals."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import time
from datetime import datetime

import pytest
from photos import fixtures
from photos.fixtures import GREEN, GREY, RED, SERIAL, WHITE, close_to, corner_colours, jpeg_segments
from PIL import Image, JpegImagePlugin

from inspect_app.photos.ingest import IngestedPhoto, PhotoRejected, ingest, probe_floor

# JPEG markers: APP0 (JFIF) and the ones that carry pixels; APP1-15 (EXIF, XMP, ICC, MPF,
# Photoshop…) and COM (comments) must never appear in what we store.
ALLOWED_MARKERS = {0xE0, 0xDB, 0xC0, 0xC2, 0xC4, 0xDD, 0xDA}


def open_jpeg(data: bytes) -> Image.Image:
    """Decode ``data``, insisting that it is a JPEG."""
    img = Image.open(io.BytesIO(data), formats=["JPEG"])
    img.load()
    return img


def assert_clean_jpeg(data: bytes) -> None:
    """``data`` is a JPEG with pixels only: no EXIF, XMP, ICC, comment or trailing data."""
    markers = set(jpeg_segments(data))
    assert markers <= ALLOWED_MARKERS, sorted(hex(m) for m in markers - ALLOWED_MARKERS)
    assert data.endswith(b"\xff\xd9")
    header = fixtures.jpeg_header(data)
    for needle in (b"Exif", b"GPS", b"MM\x00*", b"II*\x00", fixtures.XMP_MARKER, b"ICC_PROFILE"):
        assert needle not in header
    img = open_jpeg(data)
    assert not img.getexif()
    assert not {"exif", "xmp", "icc_profile", "comment"} & img.info.keys()


def assert_upright_pattern(data: bytes) -> None:
    """The JPEG shows fixtures.upright_pattern the right way up and the right way round."""
    corners = corner_colours(open_jpeg(data))
    assert close_to(corners["top_left"], RED), corners
    assert close_to(corners["top_right"], GREEN), corners
    assert close_to(corners["bottom_left"], GREY), corners
    assert close_to(corners["bottom_right"], GREY), corners


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(orientation: int) -> None:
    photo = ingest(fixtures.oriented_jpeg(orientation))
    assert (photo.width, photo.height) == (128, 96)
    assert (photo.web_width, photo.web_height) == (128, 96)
    assert_upright_pattern(photo.web)
    assert_upright_pattern(photo.thumb)
    assert_clean_jpeg(photo.web)


@pytest.mark.parametrize("orientation", [1, 6])
def test_large_jpeg_is_shrunk_but_reports_its_full_upright_size(orientation: int) -> None:
    photo = ingest(fixtures.large_jpeg((4000, 3000), orientation=orientation))
    assert (photo.width, photo.height) == (4000, 3000)
    assert (photo.web_width, photo.web_height) == (1600, 1200)
    web, thumb = open_jpeg(photo.web), open_jpeg(photo.thumb)
    assert web.size == (1600, 1200)
    assert thumb.size == (320, 240)
    assert_upright_pattern(photo.web)
    assert_upright_pattern(photo.thumb)


@pytest.mark.parametrize(
    ("orientation", "requested", "decoded"),
    [(1, (1600, 1200), (2000, 1500)), (6, (1200, 1600), (1500, 2000))],
)
def test_large_jpeg_is_decoded_at_reduced_scale(
    orientation: int,
    requested: tuple[int, int],
    decoded: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    real_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self: JpegImagePlugin.JpegImageFile, mode: str, size: tuple[int, int]) -> object:
        result = real_draft(self, mode, size)
        calls.append((size, self.size))
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    photo = ingest(fixtures.large_jpeg((4000, 3000), orientation=orientation))
    # The target is in stored orientation (turned for 6); libjpeg decoded at 1/2 scale…
    assert calls == [(requested, decoded)]
    # …while the reported size is still the full upright original.
    assert (photo.width, photo.height) == (4000, 3000)
    assert (photo.web_width, photo.web_height) == (1600, 1200)


def test_multi_picture_jpeg_keeps_only_the_primary_picture() -> None:
    photo = ingest(fixtures.mpo())
    assert photo.source_format == "JPEG"
    assert_upright_pattern(photo.web)
    assert_clean_jpeg(photo.web)


def test_small_photo_is_never_enlarged() -> None:
    photo = ingest(fixtures.oriented_jpeg(1, size=(64, 48)), web_size=1600, thumb_size=320)
    assert open_jpeg(photo.web).size == (64, 48)
    assert open_jpeg(photo.thumb).size == (64, 48)


def test_sizes_and_quality_are_configurable() -> None:
    data = fixtures.large_jpeg((1000, 800))
    photo = ingest(data, web_size=500, thumb_size=100, quality=50)
    assert open_jpeg(photo.web).size == (500, 400) == (photo.web_width, photo.web_height)
    assert open_jpeg(photo.thumb).size == (100, 80)
    assert len(photo.web) < len(ingest(data, web_size=500, quality=95).web)


def test_gps_serial_xmp_and_comment_are_stripped() -> None:
    data = fixtures.jpeg_with_private_metadata()
    assert SERIAL.encode() in data and b"Exif" in data and fixtures.XMP_MARKER in data
    photo = ingest(data)
    for out in (photo.web, photo.thumb):
        assert_clean_jpeg(out)
        assert SERIAL.encode() not in out
        assert b"back gate" not in out
        assert b"Secret Tool" not in out
        assert b"ACME" not in out


def test_capture_time_is_kept_as_a_field() -> None:
    photo = ingest(fixtures.jpeg_with_private_metadata())
    # DateTimeOriginal wins over the (later) DateTime of the last edit.
    assert photo.taken_at == datetime(2024, 3, 5, 10, 20, 30)
    assert photo.taken_at.tzinfo is None


def test_capture_time_falls_back_to_datetime() -> None:
    photo = ingest(fixtures.jpeg_with_datetime("2023:12:31 23:59:58", original=False))
    assert photo.taken_at == datetime(2023, 12, 31, 23, 59, 58)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021:04:11 15:47:53", datetime(2021, 4, 11, 15, 47, 53)),
        ("2021:04:11 15:47:53\x00", datetime(2021, 4, 11, 15, 47, 53)),
        ("2021-04-11T15:47", datetime(2021, 4, 11, 15, 47)),
        ("0000:00:00 00:00:00", None),
        ("    :  :     :  :  ", None),
        ("2021:13:45 25:61:61", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_capture_time_is_parsed_defensively(value: str, expected: datetime | None) -> None:
    assert ingest(fixtures.jpeg_with_datetime(value)).taken_at == expected


def test_no_exif_means_no_capture_time() -> None:
    assert ingest(fixtures.cmyk_jpeg()).taken_at is None


def test_broken_exif_does_not_reject_a_good_image() -> None:
    photo = ingest(fixtures.jpeg_with_broken_exif())
    assert (photo.width, photo.height) == (128, 96)
    assert photo.taken_at is None
    assert_upright_pattern(photo.web)
    assert_clean_jpeg(photo.web)


def test_result_describes_the_upload() -> None:
    data = fixtures.oriented_jpeg(1)
    photo = ingest(data)
    assert isinstance(photo, IngestedPhoto)
    assert photo.size_bytes == len(data)
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert photo.source_format == "JPEG"
    with pytest.raises(dataclasses.FrozenInstanceError):
        photo.width = 1  # type: ignore[misc]
    assert "web=" not in repr(photo)  # the JPEG bytes stay out of logs


def test_a_stream_is_accepted_like_bytes() -> None:
    data = fixtures.oriented_jpeg(6)
    from_stream = ingest(io.BytesIO(data))
    assert from_stream.sha256 == ingest(data).sha256
    assert (from_stream.width, from_stream.height) == (128, 96)


def test_transparent_png_is_flattened_onto_white() -> None:
    photo = ingest(fixtures.transparent_png())
    assert photo.source_format == "PNG"
    corners = corner_colours(open_jpeg(photo.web))
    assert close_to(corners["top_left"], RED)
    assert close_to(corners["top_right"], WHITE)


@pytest.mark.parametrize("transparent", [False, True])
def test_palette_png_is_converted(transparent: bool) -> None:
    photo = ingest(fixtures.palette_png(transparent=transparent))
    img = open_jpeg(photo.web)
    assert img.mode == "RGB"
    corners = corner_colours(img)
    assert close_to(corners["top_left"], RED)
    assert close_to(corners["top_right"], WHITE if transparent else GREEN)


def test_16_bit_greyscale_png_is_scaled_not_clipped() -> None:
    img = open_jpeg(ingest(fixtures.grey16_png()).web)
    assert img.mode == "RGB"
    assert close_to(img.getpixel((10, 10)), GREY, tolerance=4)


@pytest.mark.parametrize(
    ("data", "colour"),
    [(fixtures.greyscale_jpeg(), (200, 200, 200)), (fixtures.cmyk_jpeg(), (0, 255, 255))],
    ids=["greyscale", "cmyk"],
)
def test_other_jpeg_modes_become_rgb(data: bytes, colour: tuple[int, int, int]) -> None:
    img = open_jpeg(ingest(data).web)
    assert img.mode == "RGB"
    assert close_to(img.getpixel((10, 10)), colour, tolerance=8)


@pytest.mark.parametrize("orientation", [1, 6])
def test_heic_is_accepted_upright_and_not_turned_twice(orientation: int) -> None:
    photo = ingest(fixtures.heic(orientation=orientation))
    assert photo.source_format == "HEIF"
    assert (photo.width, photo.height) == (128, 96)
    assert_upright_pattern(photo.web)
    assert_clean_jpeg(photo.web)


def test_jpeg_zip_polyglot_is_re_encoded_without_the_archive() -> None:
    data = fixtures.jpeg_zip_polyglot()
    assert b"PK\x03\x04" in data
    try:
        photo = ingest(data)
    except PhotoRejected as exc:
        assert exc.code in {"not_an_image", "corrupt"}
    else:
        for out in (photo.web, photo.thumb):
            assert b"PK\x03\x04" not in out
            assert b"payload.txt" not in out
            assert_clean_jpeg(out)


def rejected(data: bytes | io.BytesIO, **limits: int) -> PhotoRejected:
    """Ingest ``data`` expecting a refusal, and return it."""
    with pytest.raises(PhotoRejected) as info:
        ingest(data, **limits)
    return info.value


@pytest.mark.parametrize("name", sorted(fixtures.NON_IMAGES))
def test_non_images_are_refused_whatever_their_name(name: str) -> None:
    exc = rejected(fixtures.NON_IMAGES[name])
    assert exc.code == "not_an_image"
    assert exc.message == "The file is not a photo we can read (JPEG, PNG or HEIC expected)."


def test_other_image_formats_are_named_in_the_refusal() -> None:
    exc = rejected(fixtures.gif())
    assert exc.code == "unsupported_format"
    assert "GIF" in exc.message


def test_empty_upload_is_refused() -> None:
    assert rejected(b"").code == "empty"
    assert rejected(io.BytesIO()).code == "empty"


def test_oversized_upload_is_refused_without_reading_it_all() -> None:
    data = fixtures.oriented_jpeg(1)
    assert rejected(data, max_bytes=len(data) - 1).code == "too_large"
    stream = io.BytesIO(data + b"\x00" * 10_000)
    exc = rejected(stream, max_bytes=1000)
    assert exc.code == "too_large"
    assert "MB" in exc.message
    assert stream.tell() <= 1001
    assert ingest(data, max_bytes=len(data)).size_bytes == len(data)


def test_truncated_jpeg_is_refused_as_corrupt() -> None:
    exc = rejected(fixtures.truncated_jpeg())
    assert exc.code == "corrupt"
    assert exc.message == "The photo is damaged and cannot be read."


@pytest.mark.parametrize(
    "data",
    [b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, b"\x00\x00\x00\x18ftypheic" + b"\0" * 8],
    ids=["jpeg", "png", "heic"],
)
def test_a_photo_header_with_nothing_behind_it_is_corrupt(data: bytes) -> None:
    assert rejected(data).code == "corrupt"


@pytest.mark.parametrize(
    "data",
    [fixtures.png_bomb(100_000, 100_000), fixtures.jpeg_bomb(65_000, 65_000)],
    ids=["png-100000x100000", "jpeg-65000x65000"],
)
def test_decompression_bombs_are_refused_from_the_header(data: bytes) -> None:
    start = time.perf_counter()
    exc = rejected(data)
    assert exc.code == "too_many_pixels"
    assert "60 megapixels" in exc.message
    assert time.perf_counter() - start < 0.5


def test_pixel_limit_names_the_size_when_it_is_known() -> None:
    exc = rejected(fixtures.png_bomb(8000, 8000))
    assert exc.code == "too_many_pixels"
    assert exc.message == "The photo is 8000×8000 pixels; the limit is 60 megapixels."
    assert exc.params == {"width": 8000, "height": 8000, "limit_mp": "60"}


def test_pixel_limit_is_configurable() -> None:
    data = fixtures.oriented_jpeg(1)
    exc = rejected(data, max_pixels=128 * 96 - 1)
    assert exc.code == "too_many_pixels"
    assert "128×96" in exc.message
    assert ingest(data, max_pixels=128 * 96).width == 128


def test_probe_floor_makes_a_jpeg_at_web_size() -> None:
    out = probe_floor(fixtures.large_jpeg((2000, 1500)))
    assert open_jpeg(out).size == (1600, 1200)


def test_truncated_jpeg_is_refused_even_after_weasyprint_is_imported(monkeypatch):
    """WeasyPrint sets Pillow's global LOAD_TRUNCATED_IMAGES on import; ingest must not care."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # what `import weasyprint` does
    assert rejected(fixtures.truncated_jpeg()).code == "corrupt"
    # …and leaves it off: putting it back raced with other threads' uploads (see
    # tests/test_hostile_uploads.py).
    assert not ImageFile.LOAD_TRUNCATED_IMAGES
