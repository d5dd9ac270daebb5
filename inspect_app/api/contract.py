"""One decorator per JSON route states its contract once: who may call it, the body and query
it takes, what it answers. The same statement validates the request, serialises the reply,
commits once and generates the OpenAPI document (api/openapi.py).

    @bp.patch("/factories/<int:factory_id>")
    @endpoint(load=editable_factory, body=FactoryPatch, reply=FactoryOut, errors=(409,))
    def update_factory(factory: Factory, body: FactoryPatch):
        \"\"\"Change a factory: only the fields sent change.\"\"\"
        return services.update_factory(factory, by=current_user, **body.changes())

In that order: sign-in (401), role (403), `load` — called with the path parameters it names,
the one place for 404/403 of a record, its result passed to the view first — then `query` and
`body` validated (400/422) and given to the view as keyword arguments. The view returns a
record, a list, a `Page`, a pydantic model or a dict — or `(value, status)` /
`(value, status, headers)`. The reply is serialised through `reply` before the single commit
(after a commit every record is expired and reading it would open a new transaction), then the
commit makes it true.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Response, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, TypeAdapter

from ..errors import DomainError, Forbidden, StaleVersion, json_error
from ..extensions import db, login_manager
from ..schemas import Query, refusal, validate, validate_json

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Contract:
    """What one route takes and answers; api/openapi.py turns it into the document."""

    body: type[BaseModel] | None = None
    query: type[Query] | None = None
    reply: Any = None
    status: int = 200
    roles: tuple | None = None
    public: bool = False
    #: Other successful answers: {status: (reply type or None, description)}.
    replies: dict[int, tuple[Any, str]] = field(default_factory=dict)
    #: Error statuses beyond those every route of its shape gives (409, 413, 415 …).
    errors: frozenset[int] = frozenset()
    #: A multipart form instead of JSON: {field: JSON schema}, `required` names the mandatory.
    upload: dict[str, dict] | None = None
    #: Loads the record the path names (raises NotFound/Forbidden); its result is the view's
    #: first argument.
    load: Callable | None = None

    def adapter(self, reply: Any = None) -> TypeAdapter | None:
        target = self.reply if reply is None else reply
        return None if target is None else _adapter(target)


_ADAPTERS: dict[Any, TypeAdapter] = {}


def _adapter(target: Any) -> TypeAdapter:
    if target not in _ADAPTERS:
        _ADAPTERS[target] = TypeAdapter(target)
    return _ADAPTERS[target]


def serialise(target: Any, value: Any) -> Any:
    """`value` (a record, a list of records, a model, a dict) as JSON-ready data of `target`."""
    adapter = _adapter(target)
    return adapter.dump_python(
        adapter.validate_python(value, from_attributes=True), mode="json", by_alias=True
    )


def parse_body(schema: type[BaseModel]) -> BaseModel:
    """The request's JSON body validated by `schema` (400 when it is not JSON at all)."""
    if not request.is_json:
        raise DomainError(_("Send a JSON object."), code="bad_request", status=400)
    return validate_json(schema, request.get_data(cache=True))


def parse_query(schema: type[Query]) -> Query:
    """The query string validated by `schema` (lists for fields typed as lists)."""
    data: dict[str, Any] = {}
    for name, info in schema.model_fields.items():
        key = info.alias or name
        if key not in request.args:
            continue
        origin = getattr(info.annotation, "__origin__", None)
        data[key] = request.args.getlist(key) if origin is list else request.args.get(key)
    return validate(schema, data)


def _split(result: Any) -> tuple[Any, int | None, Any]:
    if isinstance(result, tuple):
        value, *rest = result
        status = rest[0] if rest else None
        headers = rest[1] if len(rest) > 1 else None
        return value, status, headers
    return result, None, None


def endpoint(
    *,
    body: type[BaseModel] | None = None,
    query: type[Query] | None = None,
    reply: Any = None,
    status: int = 200,
    roles: Iterable | None = None,
    public: bool = False,
    replies: dict[int, tuple[Any, str]] | None = None,
    errors: Iterable[int] = (),
    upload: dict[str, dict] | None = None,
    load: Callable | None = None,
) -> Callable:
    """Declare a JSON route's contract (see the module's docstring)."""
    contract = Contract(
        body=body,
        query=query,
        reply=reply,
        status=status,
        roles=tuple(roles) if roles is not None else None,
        public=public,
        replies=replies or {},
        errors=frozenset(errors),
        upload=upload,
        load=load,
    )
    load_names = set(inspect.signature(load).parameters) if load is not None else set()

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def handle(**kwargs):
            if not public:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                if contract.roles is not None and current_user.role not in contract.roles:
                    raise Forbidden()
            args = ()
            if load is not None:
                named = {name: kwargs.pop(name) for name in load_names if name in kwargs}
                args = (load(**named),)
            if query is not None:
                kwargs["query"] = parse_query(query)
            if body is not None:
                kwargs["body"] = parse_body(body)
            try:
                result = view(*args, **kwargs)
            except StaleVersion as error:
                return _stale(contract, error)
            return _respond(contract, result)

        handle.contract = contract  # type: ignore[attr-defined]
        return handle

    return decorate


def _respond(contract: Contract, result: Any):
    if isinstance(result, Response):
        if request.method not in SAFE_METHODS:
            db.session.commit()
        return result
    value, status, headers = _split(result)
    status = status or contract.status
    target = contract.replies.get(status, (contract.reply, ""))[0]
    payload = "" if status == 204 or target is None else serialise(target, value)
    if request.method not in SAFE_METHODS:
        db.session.commit()
    if isinstance(payload, str):
        return payload, status, headers or {}
    return Response(
        current_app.json.dumps(payload),
        status=status,
        headers=headers,
        mimetype="application/json",
    )


def _stale(contract: Contract, error: StaleVersion):
    """A stale edit: roll back, then answer 409 with the record as it now is."""
    db.session.rollback()
    current = None
    if error.current is not None and contract.reply is not None:
        current = serialise(contract.reply, error.current)
        db.session.rollback()  # reading it again opened a transaction: end it
    extra = {"current": current} if current is not None else {}
    return json_error(409, error.code, error.message, error.fields, **extra)


__all__ = ["Contract", "endpoint", "parse_body", "parse_query", "refusal", "serialise"]
