"""Adding and reading photos: every upload goes through ingest, then into storage."""

from __future__ import annotations

import contextlib
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import storage as file_storage
from ..errors import DomainError
from ..extensions import db
from ..schemas import too_long
from ..storage import PHOTOS, Storage, StorageError
from .ingest import PhotoRejected, ingest
from .models import Photo, PhotoKind

CAPTION_MAX = 300  # the column's length

_STATUS = {
    "empty": 400,
    "too_large": 413,
    "not_an_image": 415,
    "unsupported_format": 415,
    "too_many_pixels": 413,
    "corrupt": 422,
}


def storage() -> Storage:
    """The configured file store (photos live under its ``photos/`` namespace)."""
    return file_storage.get_storage()


def store_photo_files(web: bytes, thumb: bytes) -> tuple[str, str]:
    """Put a photo's web size and thumbnail under new keys. A store that fails raises
    StorageError (a 503 the tablet retries; its upload stays queued) and leaves nothing."""
    store = storage()
    web_key = store.add(web, namespace=PHOTOS, suffix=".jpg")
    try:
        return web_key, store.add(thumb, namespace=PHOTOS, suffix=".jpg")
    except StorageError:
        with contextlib.suppress(StorageError):
            store.delete(web_key)  # no row ever named it
        raise


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
    if len(caption) > CAPTION_MAX:  # the column's length: refused, never cut
        raise DomainError(too_long(CAPTION_MAX), fields={"caption": too_long(CAPTION_MAX)})
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
    if client_id and not _key_is_free_for(client_id, owner):
        client_id = None  # another record's key: unknown here (see _key_is_free_for)
    if client_id and (existing := _replayed(client_id, photo_data.sha256, owner)):
        return existing, False
    web_key, thumb_key = store_photo_files(photo_data.web, photo_data.thumb)
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
        caption=caption,
        client_id=client_id or None,
        uploaded_by_id=by_id,
        **owner,
    )
    try:
        with db.session.begin_nested():
            db.session.add(photo)
    except IntegrityError:
        # The same upload arrived twice at once (a tablet retrying while the first try was
        # still running): the other request stored it a moment ago. Drop our copy's files
        # (no row ever named them).
        with contextlib.suppress(StorageError):
            storage().delete(web_key)
            storage().delete(thumb_key)
        if client_id and (existing := _replayed(client_id, photo_data.sha256, owner)):
            return existing, False
        raise
    return photo, True


def _key_is_free_for(client_id: str, owner: dict[str, int]) -> bool:
    """Whether the key is unused, or used for a photo of this same record. A key is a device's
    name for one photo of one record: a replay to that record returns the photo stored the first
    time, whoever sends it (the device's user, or an inspector importing the device's exported
    work). A key used on another record behaves as unknown, never as a 409 that would tell the
    sender a photo exists under it; keys are unique in the table, so such an upload is stored
    without the key (only a stolen or guessed key collides: its replay is not deduplicated)."""
    same_record = sa.and_(
        *(sa.func.coalesce(getattr(Photo, key), 0) == value for key, value in owner.items())
    )
    other = db.session.scalar(
        sa.select(Photo.id).where(Photo.client_id == client_id, sa.not_(same_record)).limit(1)
    )
    return other is None


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
    """Delete a photo row; its files go once the deletion commits (and no backup reads)."""
    file_storage.delete_after_commit([photo.web_key, photo.thumb_key])
    db.session.delete(photo)
    db.session.flush()


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
