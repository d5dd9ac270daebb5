"""Domain errors and the HTML/JSON error handlers."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .storage.base import StorageError


class DomainError(Exception):
    """A rule of the domain was broken; the message tells the user how to fix it."""

    status = 422
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        fields: dict | None = None,
        code: str | None = None,
        status: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code
        if status:
            self.status = status


class Conflict(DomainError):
    """The record changed under the user, or the move is not allowed in its state."""

    status = 409
    code = "conflict"


class StaleVersion(Conflict):
    """The client edited an older version of `current`: the API answers 409 with the record as
    it is now in `error.current`, for the user to choose field by field."""

    code = "stale_version"

    def __init__(self, message: str, *, current=None, **kwargs):
        super().__init__(message, **kwargs)
        self.current = current


class NotFound(DomainError):
    """No such record in the user's scope: a 404, so that its existence does not leak."""

    status = 404
    code = "not_found"

    def __init__(self, message: str | None = None, **kwargs):
        super().__init__(message or _http_message(404, ""), **kwargs)


class Forbidden(DomainError):
    """The record is in the user's scope, but their role may not do this."""

    status = 403
    code = "forbidden"

    def __init__(self, message: str | None = None, **kwargs):
        super().__init__(message or _http_message(403, ""), **kwargs)


def wants_json() -> bool:
    """True when the client should get JSON errors: API paths and JSON-accepting clients."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def json_error(status: int, code: str, message: str, fields: dict | None = None, **extra):
    """Build the JSON error body DESIGN.md promises."""
    body = {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}
    return body, status


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
}


def _http_message(status: int, default: str) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Please sign in."),
        403: _("You do not have permission to do this."),
        404: _("Not found. It may have been removed, or it is outside your area."),
        405: _("This action is not available here."),
        413: _("The upload is too large."),
        429: _("Too many attempts. Please wait a few minutes and try again."),
        500: _("Something went wrong on our side. Nothing you saved before is lost."),
    }
    return messages.get(status, default)


def register_error_handlers(app: Flask) -> None:
    """Render errors as JSON for the API and as friendly pages elsewhere."""

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        db.session.rollback()
        if wants_json():
            return json_error(error.status, error.code, error.message, error.fields)
        return render_template(
            "errors/error.html", status=error.status, message=error.message, fields=error.fields
        ), error.status

    @app.errorhandler(StaleDataError)
    def handle_stale_data(_error: StaleDataError):
        # Two saves of one record passed their version checks at the same moment and the
        # other one committed first. The services turn this into their own 409 where they
        # flush; an autoflush elsewhere (a query before the flush) lands here: a 409 too.
        db.session.rollback()
        message = stale_message()
        if wants_json():
            return json_error(409, "stale_version", message)
        return render_template("errors/error.html", status=409, message=message), 409

    @app.errorhandler(StorageError)
    def handle_storage_error(error: StorageError):
        # The object store is down or refused: nothing of the request was kept; retry later.
        db.session.rollback()
        app.logger.error("File store failed on %s %s: %s", request.method, request.path, error)
        message = _("The file store cannot be reached; please try again in a moment.")
        if wants_json():
            body, status = json_error(503, "storage_unavailable", message)
            return body, status, {"Retry-After": "30"}
        page = render_template("errors/error.html", status=503, message=message)
        return page, 503, {"Retry-After": "30"}

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        if status >= 400:
            db.session.rollback()
        message = getattr(error, "user_message", None) or _http_message(status, error.description)
        code = _HTTP_CODES.get(status, "error")
        if isinstance(error, CSRFError):
            # A distinct code, so the tablet form can fetch a fresh token and retry its queue.
            code = "csrf_failed"
            message = _("Your session changed: reload the page or sign in again, then try again.")
        if wants_json():
            body, status = json_error(status, code, message)
            response = app.response_class(
                app.json.dumps(body), status=status, mimetype="application/json"
            )
            for key, value in error.get_headers():
                if key.lower() not in {"content-type", "content-length"}:
                    response.headers[key] = value
            return response
        response = error.get_response()
        page = render_template("errors/error.html", status=status, message=message)
        response.set_data(page)
        response.mimetype = "text/html"
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        message = _http_message(500, "")
        if wants_json():
            return json_error(500, "server_error", message)
        return render_template("errors/error.html", status=500, message=message), 500


def stale_message() -> str:
    return _("Someone else changed this record at the same time. Reload and try again.")


def check_version(record, expected_version: int | None, message: str | None = None) -> None:
    """The one optimistic-locking rule: an edit of a versioned record names the version it was
    made on. No version is a 400; another one is a 409 carrying the record as it is now
    (`StaleVersion.current`), so the client can show both versions to choose from."""
    if expected_version is None:
        raise DomainError(
            _("Send the version you edited."),
            fields={"version": _("Required.")},
            status=400,
            code="bad_request",
        )
    if expected_version != record.version:
        raise StaleVersion(
            message or stale_message(), current=record, fields={"version": record.version}
        )


def flush_versioned(record, message: str | None = None) -> None:
    """Flush an edit of a versioned record. Two saves that passed `check_version` at the same
    moment meet here: the one that commits second finds the row's version moved on (SQLAlchemy's
    StaleDataError) and becomes the same 409 as a stale version."""
    try:
        db.session.flush()
    except StaleDataError:
        # The failed flush left the session unusable; the message needs it (it reads the user's
        # language) and the 409 shows the record as the other save left it.
        db.session.rollback()
        raise StaleVersion(message or stale_message(), current=record) from None
