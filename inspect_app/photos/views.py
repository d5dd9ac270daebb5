"""Serving photos through an access check: never a public folder."""

from __future__ import annotations

import io

from flask import Blueprint, abort, send_file
from flask_login import current_user, login_required

from ..extensions import db
from ..permissions import can_view_photo
from .models import Photo
from .services import storage

bp = Blueprint("photos", __name__)

SIZES = {"web": "web_key", "thumb": "thumb_key"}


@bp.get("/photos/<int:photo_id>/<size>")
@login_required
def serve_photo(photo_id: int, size: str):
    if size not in SIZES:
        abort(404)
    photo = db.session.get(Photo, photo_id)
    if photo is None or not can_view_photo(current_user, photo):
        abort(404)
    key = getattr(photo, SIZES[size])
    try:
        with storage().open(key) as handle:  # web size ≤ 1600 px: small enough to read whole
            data = handle.read()
    except FileNotFoundError:
        abort(404)
    response = send_file(
        io.BytesIO(data), mimetype="image/jpeg", etag=key, conditional=True, max_age=31536000
    )
    # Keys are random and content never changes; only this user's browser may keep a copy.
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["Content-Disposition"] = f'inline; filename="photo-{photo.id}-{size}.jpg"'
    return response
