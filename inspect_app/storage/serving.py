"""Sending a stored file to the browser, after the caller's access check.

Two ways (``INSPECT_STORAGE_SERVE``): ``stream`` (the default) reads the file through the app;
``redirect`` answers 302 to a signed URL valid for ``INSPECT_STORAGE_URL_EXPIRES`` seconds, so
the bytes come from the object store (S3 only; a local folder is always streamed). Either way
the response is ``Cache-Control: private``: only the signed-in user's browser keeps a copy.
"""

from __future__ import annotations

import io
import os

from flask import current_app, redirect, request, send_file
from werkzeug.wrappers import Response

from .base import mimetype_of

#: Files up to this size are read whole before answering; larger ones are streamed.
INLINE_BYTES = 2 * 1024 * 1024


def _length(handle) -> int | None:
    size = getattr(handle, "size", None)
    if size is not None:
        return size
    try:
        return os.fstat(handle.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        return None


def send_stored(
    key: str,
    *,
    filename: str,
    mimetype: str | None = None,
    max_age: int = 0,
    immutable: bool = False,
) -> Response:
    """The stored file as a response (FileNotFoundError when it is missing: the caller's 404).

    ``max_age``/``immutable`` describe how long the browser may keep it (files under random keys
    never change: photos are immutable). The key is the ETag, so a revalidation is answered
    without reading the store.
    """
    from . import get_storage

    mimetype = mimetype or mimetype_of(key)
    cache = f"private, max-age={max_age}" + (", immutable" if immutable else "")
    if request.if_none_match.contains(key):
        response = current_app.response_class(status=304)
        response.set_etag(key)
        response.headers["Cache-Control"] = cache
        return response
    store = get_storage()
    if current_app.config.get("STORAGE_SERVE") == "redirect":
        expires = current_app.config.get("STORAGE_URL_EXPIRES", 300)
        url = store.url(key, expires=expires, mimetype=mimetype, filename=filename)
        if url is not None:
            response = redirect(url, 302)
            # The browser may reuse the redirect (and so the image it fetched) while the URL
            # is still valid, with a margin for slow networks.
            response.headers["Cache-Control"] = f"private, max-age={max(expires // 2, 0)}"
            response.headers["Referrer-Policy"] = "no-referrer"
            return response
    handle = store.open(key)
    size = _length(handle)
    body = handle
    if size is not None and size <= INLINE_BYTES:
        # A photo is read whole and its file or connection let go at once, not held open for
        # as long as the client takes to download it.
        with handle:
            body = io.BytesIO(handle.read())
    response = send_file(body, mimetype=mimetype, download_name=filename, conditional=False)
    response.set_etag(key)
    if size is not None:
        response.content_length = size
        response = response.make_conditional(
            request.environ, accept_ranges=True, complete_length=size
        )
    response.headers["Cache-Control"] = cache
    return response
