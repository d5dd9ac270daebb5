"""Small generated photos for upload tests (real camera files live in ../shared/photos)."""

from __future__ import annotations

import io

from PIL import Image


def jpeg_with_gps(size=(640, 480), orientation: int | None = None) -> bytes:
    """A JPEG carrying GPS coordinates (and optionally an orientation tag)."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((20, 20, 220), (0, 0, size[0] // 3, size[1] // 3))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (29.0, 33.0, 0.0)
    gps[3] = "E"
    gps[4] = (106.0, 30.0, 0.0)
    if orientation:
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()
