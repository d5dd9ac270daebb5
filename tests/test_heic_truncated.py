"""A HEIC or HEIF photo cut short (an upload that stopped half way) is refused like a truncated
JPEG, never stored with the missing part painted flat green (issue 12)."""

from __future__ import annotations

import io
import random

import pillow_heif
import pytest
from PIL import Image
from support import SHARED_PHOTOS

from inspect_app.photos.ingest import PhotoRejected, heif_complete, ingest


def _generated_heic() -> bytes:
    """A HEIC written by pillow-heif: noise, so that its picture data is most of the file."""
    rng = random.Random(12)
    size = (640, 480)
    noise = bytes(rng.getrandbits(8) for _ in range(size[0] * size[1] * 3))
    out = io.BytesIO()
    pillow_heif.from_pillow(Image.frombytes("RGB", size, noise)).save(out, quality=80)
    return out.getvalue()


def _sources():
    yield pytest.param(_generated_heic, id="generated")
    for name in ("IMG_5195.HEIC", "mobile_iphone_13_pro_max.HEIC", "mobile_HMD_Nokia_8.3_5G.heif"):
        path = SHARED_PHOTOS / name
        yield pytest.param(
            path.read_bytes,
            id=name,
            marks=pytest.mark.skipif(not path.exists(), reason=f"{path} is not here"),
        )


@pytest.mark.parametrize("source", list(_sources()))
@pytest.mark.parametrize("kept", [0.5, 0.9, "all but the last byte"])
def test_a_heic_cut_short_is_refused_as_damaged(source, kept):
    whole = source()
    cut = whole[:-1] if isinstance(kept, str) else whole[: int(len(whole) * kept)]

    with pytest.raises(PhotoRejected) as refused:
        ingest(cut)

    assert refused.value.code == "corrupt"
    assert not heif_complete(cut)


@pytest.mark.parametrize("source", list(_sources()))
def test_a_whole_heic_is_still_accepted(source):
    whole = source()

    photo = ingest(whole)

    assert heif_complete(whole)
    assert photo.source_format == "HEIF" and photo.web


def test_uploading_a_heic_cut_at_half_is_a_422_and_stores_nothing(
    app, client, login_as, make_inspection
):
    import sqlalchemy as sa

    from inspect_app.extensions import db
    from inspect_app.photos.models import Photo

    path = SHARED_PHOTOS / "IMG_5195.HEIC"
    whole = path.read_bytes() if path.exists() else _generated_heic()
    inspection_id = make_inspection()
    login_as("inspector")
    finding = client.post(
        f"/api/v1/inspections/{inspection_id}/findings", json={"title": "Blocked exit"}
    ).json

    response = client.post(
        f"/api/v1/findings/{finding['id']}/photos",
        data={"photo": (io.BytesIO(whole[: len(whole) // 2]), "IMG.HEIC")},
    )

    assert response.status_code == 422
    assert response.json["error"]["code"] == "photo_corrupt"
    with app.app_context():
        assert db.session.scalars(sa.select(Photo)).all() == []
