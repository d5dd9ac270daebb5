"""Serving photos through an access check: never a public folder."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from ..extensions import db
from ..permissions import can_view_photo
from ..storage import send_stored
from .models import Photo

bp = Blueprint("photos", __name__)

SIZES = {"web": "web_key", "thumb": "thumb_key"}
#: Keys are random and a stored file never changes: the browser may keep it, nobody else.
MAX_AGE = 31536000


@bp.get("/photos/<int:photo_id>/<size>")
@login_required
def serve_photo(photo_id: int, size: str):
    if size not in SIZES:
        abort(404)
    photo = db.session.get(Photo, photo_id)
    if photo is None or not can_view_photo(current_user, photo):
        abort(404)
    try:
        return send_stored(
            getattr(photo, SIZES[size]),
            filename=f"photo-{photo.id}-{size}.jpg",
            mimetype="image/jpeg",
            max_age=MAX_AGE,
            immutable=True,
        )
    except FileNotFoundError:
        abort(404)
