"""Adding and reading photos: every upload goes through ingest, then into storage."""

from __future__ import annotations

from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..errors import DomainError
from ..extensions import db
from .ingest import PhotoRejected, ingest
from .models import Photo, PhotoKind
from .storage import LocalStorage

_STATUS = {
    "empty": 400,
    "too_large": 413,
    "not_an_image": 415,
    "unsupported_format": 415,
    "too_many_pixels": 413,
    "corrupt": 422,
}


def storage() -> LocalStorage:
    """The configured photo store."""
    return LocalStorage(current_app.config["UPLOAD_DIR"])


def _message(error: PhotoRejected) -> str:
    params = error.params
    messages = {
        "empty": _("The file is empty."),
        "too_large": _(
            "The file is larger than %(mb)s MB; please upload a smaller photo.",
            mb=params.get("limit_mb", "?"),
        ),
        "not_an_image": _("The file is not a photo we can read (JPEG, PNG or HEIC expected)."),
        "unsupported_format": _(
            "%(kind)s images are not supported; please upload a JPEG, PNG or HEIC photo.",
            kind=params.get("kind", "?"),
        ),
        "too_many_pixels": _(
            "The photo has too many pixels; the limit is %(mp)s megapixels.",
            mp=params.get("limit_mp", "?"),
        ),
        "corrupt": _("The photo is damaged and cannot be read."),
    }
    return messages.get(error.code, error.message)


def add_photo(
    data: bytes | BinaryIO,
    *,
    factory_id: int,
    by_id: int | None,
    kind: PhotoKind | str = PhotoKind.BEFORE,
    client_id: str | None = None,
    caption: str = "",
    **owner: int,
) -> tuple[Photo, bool]:
    """Ingest an upload and store it; return (photo, created). A replayed client_id returns
    the photo stored the first time, or refuses a different file under the same key."""
    try:
        kind = PhotoKind(kind)
    except ValueError:
        raise DomainError(
            _("Unknown photo kind."),
            fields={"kind": _("Unknown photo kind.")},
            status=400,
            code="bad_request",
        ) from None
    if client_id and len(client_id) > 64:  # the column's length
        message = _("At most %(num)d characters.", num=64)
        raise DomainError(message, fields={"client_id": message})
    try:
        photo_data = ingest(
            data,
            max_pixels=current_app.config["PHOTO_MAX_PIXELS"],
            max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
        )
    except PhotoRejected as error:
        raise DomainError(
            _message(error),
            fields={"photo": _message(error)},
            status=_STATUS.get(error.code, 422),
            code=f"photo_{error.code}",
        ) from None
    if client_id and (existing := _replayed(client_id, photo_data.sha256, owner)):
        return existing, False
    store = storage()
    web_key = store.put(photo_data.web)
    thumb_key = store.put(photo_data.thumb)
    photo = Photo(
        kind=kind,
        factory_id=factory_id,
        web_key=web_key,
        thumb_key=thumb_key,
        width=photo_data.width,
        height=photo_data.height,
        web_width=photo_data.web_width,
        web_height=photo_data.web_height,
        taken_at=photo_data.taken_at,
        sha256=photo_data.sha256,
        size_bytes=photo_data.size_bytes,
        source_format=photo_data.source_format,
        caption=caption[:300],
        client_id=client_id or None,
        uploaded_by_id=by_id,
        **owner,
    )
    try:
        with db.session.begin_nested():
            db.session.add(photo)
    except IntegrityError:
        # The same upload arrived twice at once (a tablet retrying while the first try was
        # still running): the other request stored it a moment ago. Drop our copy's files.
        store.delete(web_key)
        store.delete(thumb_key)
        if client_id and (existing := _replayed(client_id, photo_data.sha256, owner)):
            return existing, False
        raise
    return photo, True


def _replayed(client_id: str, sha256: str, owner: dict[str, int]) -> Photo | None:
    """The photo already stored under this key (None if none); another file is a 409."""
    existing = db.session.scalar(sa.select(Photo).where(Photo.client_id == client_id))
    if existing is not None and (
        existing.sha256 != sha256
        or any(getattr(existing, key) != value for key, value in owner.items())
    ):
        raise DomainError(
            _("This upload key was already used for a different photo."),
            status=409,
            code="idempotency_conflict",
        )
    return existing


def remove_photo(photo: Photo) -> None:
    """Delete a photo row; its files go once the transaction commits."""
    keys = (photo.web_key, photo.thumb_key)
    db.session.delete(photo)
    db.session.flush()

    @sa.event.listens_for(db.session(), "after_commit", once=True)
    def _remove_files(_session):
        store = storage()
        for key in keys:
            store.delete(key)


def photo_json(photo: Photo) -> dict:
    """A photo as the API shows it."""
    return {
        "id": photo.id,
        "kind": photo.kind.value,
        "width": photo.width,
        "height": photo.height,
        "taken_at": photo.taken_at.isoformat() if photo.taken_at else None,
        "url": photo.url("web"),
        "thumb_url": photo.url("thumb"),
        "caption": photo.caption,
        "client_id": photo.client_id,
    }
