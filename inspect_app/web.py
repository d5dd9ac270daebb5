"""The few helpers every HTML view shares: forms through the schemas, safe redirects, locale."""

from __future__ import annotations

from typing import Any, get_args
from urllib.parse import urlsplit

from flask import flash, request
from flask_babel import get_locale
from pydantic import BaseModel

from .errors import DomainError
from .extensions import MAX_ID
from .schemas import validate

# ---------------------------------------------------------------- locale


def locale_name() -> str:
    """The reader's locale as the catalogues name it: "zh_CN" or "en"."""
    return "zh_CN" if is_chinese() else "en"


def is_chinese(lang: str | None = None) -> bool:
    """True when `lang` (or, without one, the reader's locale) is Chinese."""
    if lang is None:
        locale = get_locale()
        return locale is not None and locale.language == "zh"
    return lang.lower().startswith("zh")


def short_lang(lang: str | None = None) -> str:
    """ "zh" or "en": the suffix of bilingual fields (`name_zh`, `text.en`)."""
    return "zh" if is_chinese(lang) else "en"


def pick(zh: str, en: str, lang: str | None = None) -> str:
    """The text in the reader's language, the other one when that is empty."""
    if is_chinese(lang):
        return zh or en
    return en or zh


# ---------------------------------------------------------------- redirects


def safe_next(target: str | None, default: str) -> str:
    """`target` when it is a path on this site, else `default`. Parsed, not pattern-matched:
    any control character or space (a tab in `/\\t/evil.example` is dropped by browsers and
    becomes `//evil.example`), a backslash, a scheme, a host or a leading `//` is refused."""
    if not target or len(target) > 2000:
        return default
    if any(ord(char) < 33 or ord(char) == 127 or char == "\\" for char in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return default
    if parts.path.startswith("//"):
        return default
    return target


def next_or(default: str) -> str:
    """The request's `next` (query or form) when it is safe, else `default`."""
    return safe_next(request.values.get("next"), default)


# ---------------------------------------------------------------- forms


def show_errors(form, error: DomainError) -> None:
    """Put a refusal's messages on the form's fields and its summary in a flash message."""
    for name, message in error.fields.items():
        field = form._fields.get(name.split(".")[0])
        if field is not None and isinstance(message, str) and message not in field.errors:
            # WTForms gives a tuple until validation ran: make it a list we can add to.
            field.errors = [*field.errors, message]
    flash(error.message, "error")


def form_values(form, exclude: frozenset[str] = frozenset({"csrf_token", "submit"})) -> dict:
    """The form's data, by field name, without CSRF token and buttons."""
    return {name: field.data for name, field in form._fields.items() if name not in exclude}


def _nullable(info) -> bool:
    return type(None) in get_args(info.annotation)


def validated(form, schema: type[BaseModel], **extra: Any) -> BaseModel | None:
    """The form's data checked by the same schema the API uses (the one place a limit is
    written); on refusal the messages go on the fields and None is returned. An empty field
    the schema cannot take as null takes the schema's default."""
    fields = schema.model_fields
    data = {
        name: value
        for name, value in form_values(form).items()
        if name in fields and (value is not None or _nullable(fields[name]))
    }
    data.update(extra)
    try:
        return validate(schema, data, strict=False)
    except DomainError as error:
        show_errors(form, error)
        return None


def form_version(form) -> int | None:
    """The record version a form was rendered with (its hidden `version` field), or None."""
    value = form.version.data
    if isinstance(value, int):
        return value
    return whole_id(value) if isinstance(value, str) else None


def whole_id(text: str) -> int | None:
    """`text` as a record id (ASCII digits, 1 to the largest id), else None. Not `isdigit()`:
    "³" is a digit to Python but not a number `int()` reads."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def form_status() -> int:
    """The status of a form page: 422 when a POST was refused, else 200."""
    return 422 if request.method == "POST" else 200
