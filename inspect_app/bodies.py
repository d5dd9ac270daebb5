"""Request body limits, per route, applied before anything reads the body.

Most routes take a form or a JSON document of a few kilobytes: their bodies are capped at
INSPECT_MAX_BODY_KB (1 MB). Only the routes marked `@accepts_uploads` (photos) take up to
INSPECT_MAX_UPLOAD_MB. The cap is set on the request before the CSRF check, the text check or a
view parses anything, so an oversized body is refused with 413 unread — also before sign-in is
checked, and also on routes that never read a body (such as /healthz).
"""

from __future__ import annotations

import io

from flask import current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge


def accepts_uploads(view):
    """Mark a view as an upload route: its body may be up to INSPECT_MAX_UPLOAD_MB."""
    view.accepts_uploads = True
    return view


def body_limit() -> int:
    """The largest body, in bytes, the request's route accepts."""
    config = current_app.config
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "accepts_uploads", False):
        return config["MAX_CONTENT_LENGTH"]
    return min(config["MAX_BODY_KB"] * 1024, config["MAX_CONTENT_LENGTH"])


def _size(limit: int) -> str:
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    return f"{max(limit // 1024, 1)} KB"


def _too_large(limit: int) -> RequestEntityTooLarge:
    error = RequestEntityTooLarge()
    error.user_message = _(
        "The request is too large: this address accepts at most %(size)s.", size=_size(limit)
    )
    return error


class _Capped(io.RawIOBase):
    """A body of unknown length (chunked), refused with 413 once it grows past the cap — not
    cut off silently, which would hand a view the first megabyte as if it were all."""

    def __init__(self, stream, limit: int) -> None:
        self.stream, self.limit, self.seen = stream, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self.stream.read(len(buffer))
        self.seen += len(chunk)
        if self.seen > self.limit:
            raise _too_large(self.limit)
        buffer[: len(chunk)] = chunk
        return len(chunk)


def limit_body() -> None:
    """before_request: cap the body for this route; refuse a declared length over it now, and
    a chunked body as soon as it grows past the cap."""
    limit = body_limit()
    length = request.content_length
    if length is not None:
        if length > limit:
            raise _too_large(limit)
        request.max_content_length = limit
    elif "wsgi.input_terminated" in request.environ:  # the server de-chunks the body
        request.environ["wsgi.input"] = io.BufferedReader(
            _Capped(request.environ["wsgi.input"], limit)
        )
        request.max_content_length = None  # read as the server hands it, through the cap
