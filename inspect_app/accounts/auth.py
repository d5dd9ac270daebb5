"""Flask-Login wiring: browser sessions by server-side token, scripts by bearer token."""

from __future__ import annotations

from flask import Flask, flash, redirect, request, url_for
from flask_babel import gettext as _

from ..errors import json_error, wants_json
from ..extensions import db, login_manager
from . import services


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    return None


def init_login(app: Flask) -> None:
    """Install the loaders and the unauthorized handler."""

    @login_manager.user_loader
    def load_from_session(token: str):
        # A request that carries a bearer token is judged on that token alone, never on a
        # cookie that happens to travel with it (that would let a bad token skip CSRF).
        if _bearer_token() is not None:
            return None
        return services.user_for_session(token)

    @login_manager.request_loader
    def load_from_bearer(_request):
        token = _bearer_token()
        row = services.token_for(token) if token else None
        if row is None:
            return None
        if services.touch_token(row):
            # The first thing the request writes (the user is loaded before any view runs):
            # committed on its own, so "last used" is kept whatever the request does next.
            db.session.commit()
        return row.user

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            return json_error(401, "unauthorized", _("Please sign in."))
        flash(_("Please sign in to continue."), "info")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
