"""Text no database column can store is refused up front, with a 400, on every route.

PostgreSQL text cannot hold a NUL character, and a lone surrogate (JSON allows "\\ud800") is not
UTF-8 at all: either would fail deep inside the driver as a 500, after the request did work.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from .errors import DomainError

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def storable(text: str) -> bool:
    """True when a database text column can hold this string."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _storable_json(value) -> bool:
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return all(storable(k) and _storable_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable_json(v) for v in value)
    return True


def _bad_names(pairs) -> list[str]:
    return [name for name, value in pairs if not (storable(name) and storable(value))]


def refuse_nameless_parts() -> None:
    """A 400 for a multipart part without a name, before anything reads the form (the CSRF
    check looks through the form's names and would fail on a missing one)."""
    if request.mimetype in FORM_TYPES and (None in request.form or None in request.files):
        raise DomainError(_("Every part of a form needs a name."), code="bad_request", status=400)


def refuse_unstorable_text() -> None:
    """Raise a 400 `bad_text` when the path, query, form fields or JSON body hold such text."""
    bad: list[str] = []
    if not storable(request.path):
        bad.append("path")
    bad += _bad_names(request.args.items(multi=True))
    if request.mimetype in FORM_TYPES:
        refuse_nameless_parts()
        bad += _bad_names(request.form.items(multi=True))
        bad += [name for name in request.files if not storable(name)]
    elif request.is_json:
        try:
            data = request.get_json(silent=True)
            if isinstance(data, dict):
                bad += [k for k, v in data.items() if not (storable(k) and _storable_json(v))]
            elif not _storable_json(data):
                bad.append("body")
        except RecursionError:  # nested deeper than any real body: refused, not a 500
            message = _("The request could not be understood.")
            raise DomainError(message, code="bad_request", status=400) from None
    if bad:
        message = _("Text cannot contain NUL characters or broken Unicode.")
        fields = {name if storable(name) else "?": message for name in bad}
        raise DomainError(message, fields=fields, code="bad_text", status=400)
