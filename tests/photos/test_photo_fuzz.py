"""Whatever bytes arrive, ingest returns a photo or raises PhotoRejected, never anything else."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from photos import fixtures
from PIL import Image

from inspect_app.photos.ingest import IngestedPhoto, PhotoRejected, ingest

SEEDS = {
    "jpeg": fixtures.oriented_jpeg(6, size=(48, 32)),
    "png": fixtures.encode(fixtures.upright_pattern((48, 32)), "PNG"),
    "palette_png": fixtures.palette_png(transparent=True),
    "exif_jpeg": fixtures.jpeg_with_private_metadata(),
    "progressive_jpeg": fixtures.encode(
        fixtures.upright_pattern((48, 32)), "JPEG", progressive=True
    ),
    "rgba_png": fixtures.encode(Image.new("RGBA", (40, 30), (1, 2, 3, 128)), "PNG"),
}

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,  # keep the repository free of .hypothesis/
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def ingest_or_reject(data: bytes) -> None:
    try:
        photo = ingest(data)
    except PhotoRejected as exc:
        assert exc.code in {
            "empty",
            "not_an_image",
            "unsupported_format",
            "too_many_pixels",
            "corrupt",
            "too_large",
        }
        assert exc.message
    else:
        assert isinstance(photo, IngestedPhoto)
        assert photo.web.startswith(b"\xff\xd8") and photo.thumb.startswith(b"\xff\xd8")


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes(data: bytes) -> None:
    ingest_or_reject(data)


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A valid small photo, cut short and/or with some bits flipped or bytes overwritten."""
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    if draw(st.booleans()):
        del data[draw(st.integers(0, len(data))) :]
    for _ in range(draw(st.integers(0, 8))):
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        if draw(st.booleans()):
            data[pos] ^= 1 << draw(st.integers(0, 7))
        else:
            data[pos] = draw(st.integers(0, 255))
    return bytes(data)


@FUZZ
@given(damaged())
def test_truncated_and_bit_flipped_photos(data: bytes) -> None:
    ingest_or_reject(data)
