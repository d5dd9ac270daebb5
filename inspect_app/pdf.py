"""HTML → PDF with WeasyPrint, for any feature (blank checklist forms, reports, handouts).

WeasyPrint fetches nothing from the network: a page may refer only to the app's own static
files (`/static/…`, read from the package folder), to `data:` URLs and, when the caller passes
a `photos` reader, to stored photos by their page URL (`/photos/<id>/<size>`): the caller
decides which photos the document may contain. Fonts come from the
system (fontconfig), so `print.css` names the Noto/Source Han CJK fonts first and Chinese is
real, searchable text.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_PREFIX = "/static/"
PHOTO_PATH = re.compile(r"/photos/(\d+)/(web|thumb)")

#: Returns a stored photo's JPEG bytes by (photo id, size), or None when the document may not
#: show it.
PhotoReader = Callable[[int, str], bytes | None]


class LocalStaticFetcher(URLFetcher):
    """Serves `/static/…` from the package folder and `data:` URLs, and `/photos/<id>/<size>`
    through the `photos` reader when one is given; refuses everything else."""

    def __init__(self, photos: PhotoReader | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.photos = photos

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        """Return the static file a URL names, or raise ValueError (WeasyPrint skips it)."""
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = unquote(urlsplit(url).path)
        if self.photos is not None and (match := PHOTO_PATH.fullmatch(path)):
            data = self.photos(int(match.group(1)), match.group(2))
            if data is None:
                raise ValueError(f"this document may not show {url}")
            return URLFetcherResponse(url, data, {"Content-Type": "image/jpeg"})
        if not path.startswith(STATIC_PREFIX):
            raise ValueError(f"only the app's static files may be fetched, not {url}")
        target = safe_join(str(STATIC_DIR), path.removeprefix(STATIC_PREFIX))
        if target is None or not Path(target).is_file():
            raise ValueError(f"no such static file: {url}")
        mimetype = mimetypes.guess_type(target)[0] or "application/octet-stream"
        return URLFetcherResponse(url, Path(target).read_bytes(), {"Content-Type": mimetype})


def render_pdf(html: str, *, base_url: str, photos: PhotoReader | None = None) -> bytes:
    """Render an HTML document to PDF bytes; relative URLs resolve against `base_url`.
    `photos` lets the document show stored photos by their page URL (see PhotoReader)."""
    fetcher = LocalStaticFetcher(photos)
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf()
