"""Scripts and stylesheets are served minified (rjsmin, rcssmin): a tablet on a weak link
downloads less, and the files in the repository stay commented and readable.

The app's `static` view is wrapped: a .js or .css file is minified once per file version (its
modification time) and kept in memory; the reply has an ETag of the minified bytes, so
browsers revalidate as before (304). Everything else is served by Flask unchanged.

Compression (inspect_app/compression.py) then gzips or brotli-encodes the reply and marks its
ETag with the encoding ("tag:gzip"), as Flask-Compress does; a browser revalidates with that
tag, which this view recognises, so a revalidation is a 304 without minifying or compressing.
INSPECT_MINIFY_ASSETS=0 serves the files as they are (handy when debugging in a browser).
"""

from __future__ import annotations

import hashlib
import os
import threading

import rcssmin
import rjsmin
from flask import Flask, Response, abort, request
from werkzeug.security import safe_join

#: The content codings compression may add to an ETag (inspect_app/compression.py).
ENCODINGS = ("br", "gzip")

MINIFIERS = {
    ".js": (rjsmin.jsmin, "text/javascript; charset=utf-8"),
    ".css": (rcssmin.cssmin, "text/css; charset=utf-8"),
}


def init_app(app: Flask) -> None:
    if not app.config.get("MINIFY_ASSETS", True) or "static" not in app.view_functions:
        return
    plain = app.view_functions["static"]
    cache: dict[str, tuple[int, bytes, str]] = {}
    lock = threading.Lock()

    def minified(path: str, minify) -> tuple[bytes, str]:
        version = os.stat(path).st_mtime_ns
        kept = cache.get(path)
        if kept is None or kept[0] != version:
            with open(path, encoding="utf-8") as fh:
                body = minify(fh.read()).encode("utf-8")
            kept = (version, body, hashlib.sha256(body).hexdigest()[:32])
            with lock:
                cache[path] = kept
        return kept[1], kept[2]

    def static(filename: str):
        kind = MINIFIERS.get(os.path.splitext(filename)[1].lower())
        if kind is None:
            return plain(filename=filename)
        path = safe_join(app.static_folder, filename)
        if path is None or not os.path.isfile(path):
            abort(404)
        body, tag = minified(path, kind[0])
        for known in (tag, *(f"{tag}:{encoding}" for encoding in ENCODINGS)):
            if request.if_none_match.contains(known):
                unchanged = Response(status=304)
                unchanged.set_etag(known)
                unchanged.cache_control.no_cache = True
                return unchanged
        response = Response(body, content_type=kind[1])
        response.set_etag(tag)
        response.cache_control.no_cache = True  # as Flask serves static files: revalidate
        return response.make_conditional(request)

    app.view_functions["static"] = static
