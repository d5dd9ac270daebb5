"""Who am I (lets scripts check their token), and a fresh CSRF token for the browser."""

from __future__ import annotations

from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from . import bp


@bp.get("/me")
@login_required
def me():
    user = current_user
    return {
        "id": user.id,
        "username": user.username,
        "name": user.name,
        "role": user.role.value,
        "factory_id": user.factory_id,
        "regions": [r.code for r in user.regions],
        "locale": user.locale,
    }


@bp.get("/csrf-token")
@login_required
def csrf_token():
    """A fresh CSRF token for this session: the tablet form asks for one after the user signed
    in again in another tab, then sends its queued changes with it."""
    return {"token": generate_csrf()}
