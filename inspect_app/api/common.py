"""Helpers shared by the JSON views: body parsing, field checks, pagination."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError


def json_body(allowed: set[str] | frozenset[str]) -> dict[str, Any]:
    """The request's JSON object, refusing unknown fields (no mass assignment)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError(_("Send a JSON object."), code="bad_request", status=400)
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise DomainError(
            _("These fields cannot be set here: %(fields)s.", fields=", ".join(unknown)),
            fields={name: _("Not allowed.") for name in unknown},
            code="unknown_fields",
            status=400,
        )
    return data


def require_role(*roles) -> None:
    """403 unless the signed-in user has one of the roles."""
    if current_user.role not in roles:
        abort(403)


def page_args() -> tuple[int, int]:
    """page and per_page from the query string, bounded."""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    per_page = request.args.get("per_page", current_app.config["PER_PAGE"], type=int) or 25
    return page, max(1, min(per_page, 100))


def paginated(pagination, serialize) -> dict:
    """The list envelope every collection endpoint returns."""
    return {
        "items": [serialize(item) for item in pagination.items],
        "page": pagination.page,
        "per_page": pagination.per_page,
        "total": pagination.total,
        "pages": pagination.pages,
    }


def store_uploaded_photo(*, factory_id: int, kind: str, **owner) -> tuple[dict, int]:
    """The multipart upload in the field "photo", ingested and stored for `owner`
    (finding_id= or action_id=), committed; the reply: the photo's JSON and 201, or 200 when
    the client_id replays an upload already stored."""
    from ..extensions import db
    from ..photos import services as photo_services

    upload = request.files.get("photo")
    if upload is None:
        raise DomainError(
            _("Attach the photo in the field “photo”."),
            fields={"photo": _("Required.")},
            status=400,
            code="bad_request",
        )
    photo, created = photo_services.add_photo(
        upload.stream,
        factory_id=factory_id,
        by_id=current_user.id,
        kind=kind,
        client_id=request.form.get("client_id"),
        caption=request.form.get("caption", ""),
        **owner,
    )
    db.session.commit()
    return photo_services.photo_json(photo), 201 if created else 200
