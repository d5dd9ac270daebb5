"""The contract's shared pieces: base schemas, common field types, and how a refused value
becomes a 422 that names each field in the reader's language.

Each feature's `schemas.py` holds its enums, its limits and a pydantic model for each write
(create, patch) and each read shape. A limit is written once there and read by the schema, the
model column and the HTML form; the API validates and serialises with the schemas, and the
OpenAPI document is generated from them (`api/contract.py`, `api/openapi.py`).

Edges validate, services trust: a JSON body is validated strictly (`"3"` is not a number,
`true` is not 1), an HTML form leniently (WTForms already made its strings into numbers and
dates), and the services receive typed keyword arguments and check only the rules that need
the database or the record's state.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from flask_babel import gettext as _
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationError,
    create_model,
)
from pydantic.fields import FieldInfo

from .errors import DomainError
from .extensions import MAX_ID

# ---------------------------------------------------------------- base models


class Schema(BaseModel):
    """A request body: unknown fields refused (no mass assignment), JSON types taken strictly."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    def changes(self) -> dict[str, Any]:
        """The fields the client sent (a PATCH changes only those), as Python values."""
        return {name: getattr(self, name) for name in self.model_fields_set}


def patch_of(schema: type[Schema], name: str, doc: str, **extra: Any) -> type[Schema]:
    """The PATCH twin of a create schema: every field optional, with the same types, limits
    and validators. An omitted field is left as it is; `null` is refused where the create
    schema refuses it (the defaults are never validated, a sent value always is). `extra`
    adds fields, e.g. `version=(Version, ...)`."""
    fields: dict[str, Any] = {
        field: (info.annotation, FieldInfo.merge_field_infos(info, default=None))
        for field, info in schema.model_fields.items()
    }
    fields.update(extra)
    return create_model(name, __base__=schema, __doc__=doc, **fields)


class Reply(BaseModel):
    """A response shape, read from a record's attributes (`from_attributes`)."""

    model_config = ConfigDict(from_attributes=True)


class Query(BaseModel):
    """Query-string parameters: strings converted (`?page=2`), unknown names ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


# ---------------------------------------------------------------- common field types


def _utc(value: datetime) -> str:
    return value.isoformat() + "Z" if value.tzinfo is None else value.isoformat()


#: A record's id (also any `…_id` a body names).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
#: The version of a record the client edited (optimistic locking; see errors.check_version).
Version = Annotated[
    int, Field(ge=1, le=MAX_ID, description="the `version` the client last read; stale → 409")
]
#: An idempotency key made on the device (a UUID in practice): a retry never creates twice.
CLIENT_ID_MAX = 64
ClientId = Annotated[str, StringConstraints(min_length=1, max_length=CLIENT_ID_MAX)]
#: A timestamp: stored as naive UTC, shown as ISO 8601 with a "Z".
UtcTime = Annotated[datetime, PlainSerializer(_utc, return_type=str, when_used="json")]
IsoDate = Annotated[date, Field(description="YYYY-MM-DD")]


def text(max_length: int, *, required: bool = False, description: str | None = None) -> Any:
    """A text field of at most `max_length` characters (surrounding spaces removed); required
    text must keep at least one character."""
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, max_length=max_length, min_length=1 if required else 0
        ),
        Field(description=description),
    ]


def too_long(limit: int) -> str:
    """The refusal of text over `limit` characters, limit included (the same words as the
    schemas' `string_too_long`)."""
    return _("At most %(num)d characters.", num=limit)


def limited_text(value: Any, limit: int, field: str, errors: dict[str, str]) -> str:
    """`value` as text without surrounding spaces; over `limit` characters it is refused on
    `field` (added to `errors`), never cut: the user must learn that part would be lost."""
    text = str(value or "").strip()
    if len(text) > limit:
        errors[field] = too_long(limit)
    return text


class PageQuery(Query):
    """`?page=` and `?per_page=` of every list."""

    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(25, ge=1, le=100)


Item = TypeVar("Item")


class Page(Reply, Generic[Item]):
    """The list envelope every collection endpoint returns."""

    items: list[Item]
    page: int
    per_page: int
    total: int
    pages: int

    @classmethod
    def of(cls, pagination) -> Page:
        """A Flask-SQLAlchemy pagination as this envelope."""
        return cls(
            items=list(pagination.items),
            page=pagination.page,
            per_page=pagination.per_page,
            total=pagination.total or 0,
            pages=pagination.pages,
        )


# ---------------------------------------------------------------- refusals


def _messages() -> dict[str, Any]:
    """pydantic error type → the user's message (a callable for those that need the limit)."""
    whole = _("Enter a whole number.")
    return {
        "missing": _("Required."),
        "string_type": _("Enter text."),
        "string_too_long": lambda c: too_long(c["max_length"]),
        "string_too_short": lambda c: (
            _("Required.")
            if c["min_length"] == 1
            else _("At least %(num)d characters.", num=c["min_length"])
        ),
        "string_pattern_mismatch": _("This value is not in the expected form."),
        "int_type": whole,
        "int_parsing": whole,
        "int_from_float": whole,
        "float_type": _("Enter a number."),
        "float_parsing": _("Enter a number."),
        "finite_number": _("Enter a number."),
        "bool_type": _("Choose yes or no."),
        "bool_parsing": _("Choose yes or no."),
        "greater_than_equal": lambda c: _("At least %(limit)s.", limit=c["ge"]),
        "greater_than": lambda c: _("More than %(limit)s.", limit=c["gt"]),
        "less_than_equal": lambda c: _("At most %(limit)s.", limit=c["le"]),
        "less_than": lambda c: _("Less than %(limit)s.", limit=c["lt"]),
        "enum": lambda c: _("Choose one of: %(options)s.", options=c["expected"]),
        "literal_error": lambda c: _("Choose one of: %(options)s.", options=c["expected"]),
        "date_type": _("Use a date like 2026-03-31."),
        "date_parsing": _("Use a date like 2026-03-31."),
        "date_from_datetime_parsing": _("Use a date like 2026-03-31."),
        "date_from_datetime_inexact": _("Use a date like 2026-03-31."),
        "datetime_type": _("Use an ISO 8601 time."),
        "datetime_parsing": _("Use an ISO 8601 time."),
        "datetime_from_date_parsing": _("Use an ISO 8601 time."),
        "list_type": _("Send a list."),
        "too_long": lambda c: _("At most %(num)d entries.", num=c["max_length"]),
        "too_short": lambda c: _("At least %(num)d entries.", num=c["min_length"]),
        "dict_type": _("Send an object."),
        "model_type": _("Send an object."),
        "uuid_type": _("Use a UUID."),
        "uuid_parsing": _("Use a UUID."),
        "value_error": lambda c: str(c.get("error", "")),
        "assertion_error": lambda c: str(c.get("error", "")),
    }


def field_name(loc: tuple) -> str:
    """`("answers", 0, "value")` → `answers.0.value`: the name a client shows the message by."""
    return ".".join(str(part) for part in loc) or "body"


def refusal(error: ValidationError) -> DomainError:
    """A pydantic refusal as the API's error: 400 for fields the shape does not name or a body
    that is not an object, else 422 with one translated message per field."""
    problems = error.errors(include_url=False)
    unknown = [field_name(p["loc"]) for p in problems if p["type"] == "extra_forbidden"]
    if unknown:
        return DomainError(
            _("These fields cannot be set here: %(fields)s.", fields=", ".join(unknown)),
            fields={name: _("Not allowed.") for name in unknown},
            code="unknown_fields",
            status=400,
        )
    if any(p["type"] in {"json_invalid", "json_type"} or not p["loc"] for p in problems):
        return DomainError(_("Send a JSON object."), code="bad_request", status=400)
    messages = _messages()
    fields: dict[str, str] = {}
    for problem in problems:
        name = field_name(problem["loc"])
        if name in fields:
            continue  # the first reason per field is the one to fix first
        message = messages.get(problem["type"], _("This value is not valid."))
        fields[name] = message(problem.get("ctx", {})) if callable(message) else message
    return DomainError(_("Please correct the marked fields."), fields=fields)


def validate(schema: type[BaseModel], data: Any, *, strict: bool | None = None) -> Any:
    """`schema.model_validate(data)`, a refusal raised as the API's DomainError."""
    try:
        return schema.model_validate(data, strict=strict)
    except ValidationError as error:
        raise refusal(error) from None


def validate_json(schema: type[BaseModel], raw: bytes | str) -> Any:
    """Parse and validate a JSON document in one step (dates and enums from their strings)."""
    try:
        return schema.model_validate_json(raw)
    except ValidationError as error:
        raise refusal(error) from None
