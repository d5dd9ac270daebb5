"""Replies compressed for weak links: brotli where the browser accepts it, gzip otherwise.

Flask-Compress does the work after every request. Only text kinds are compressed (HTML, JSON,
scripts, stylesheets, SVG charts); photos and PDFs are compressed already. Replies under 500
bytes are left as they are (the coding would cost more than it saves). Brotli at quality 4 and
gzip at level 6 are fast enough to run on every page (a 70 KB form page in about a millisecond);
minified scripts and stylesheets revalidate with their ETag and are not compressed again.
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

from .assets import ENCODINGS

MIMETYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/problem+json",
    "application/manifest+json",
    "image/svg+xml",
    "text/plain",
]

compress = Compress()


def init_app(app: Flask) -> None:
    """Compress text replies (INSPECT_COMPRESS=0: off, for a front that compresses)."""
    if not app.config.get("COMPRESS_RESPONSES", True):
        return
    app.config.setdefault("COMPRESS_ALGORITHM", list(ENCODINGS))
    # Streamed replies (files sent from disk, photos, exports) pass as they are: Flask-Compress
    # could brotli-encode them on the fly but not gzip them, and the text ones are small.
    app.config.setdefault("COMPRESS_STREAMS", False)
    app.config.setdefault("COMPRESS_MIMETYPES", MIMETYPES)
    compress.init_app(app)
