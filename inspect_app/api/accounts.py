"""Who am I (lets scripts check their token), a fresh CSRF token for the browser, and the
user's API tokens (listed, revoked)."""

from __future__ import annotations

from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from pydantic import Field

from ..accounts import services
from ..accounts.models import ApiToken, Role
from ..errors import NotFound
from ..extensions import db, utcnow
from ..schemas import Reply, UtcTime
from . import bp
from .contract import endpoint


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


# ---------------------------------------------------------------- API tokens


class TokenOut(Reply):
    """An API token as its owner sees it (never the token itself: it is shown only once)."""

    id: int
    name: str
    prefix: str = Field(description="the token's first characters, to recognise it")
    created_at: UtcTime
    last_used_at: UtcTime | None
    expires_at: UtcTime | None


def revocable_token(token_id: int) -> ApiToken:
    """A live token of the signed-in user, or of anyone for an admin; else 404."""
    token = db.session.get(ApiToken, token_id)
    if (
        token is None
        or not token.is_live(utcnow())
        or (token.user_id != current_user.id and current_user.role is not Role.ADMIN)
    ):
        raise NotFound()
    return token


@bp.get("/tokens")
@endpoint(reply=list[TokenOut])
def list_tokens():
    """The signed-in user's live API tokens, oldest first."""
    return services.live_tokens(current_user)


@bp.delete("/tokens/<int:token_id>")
@endpoint(load=revocable_token, status=204)
def revoke_token(token: ApiToken):
    """Revoke a token (its owner, or an admin): it stops working at once."""
    services.revoke_token(token)
    return None, 204
