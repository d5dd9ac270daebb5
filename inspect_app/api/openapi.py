"""The OpenAPI 3.1 document for /api/v1, generated: routes from the blueprints, request and
reply shapes from each route's contract (`api.contract.endpoint`), prose from the views'
docstrings. Nothing here repeats a field, a limit or an enum: the schemas are the one place.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from flask import current_app
from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema
from werkzeug.routing import IntegerConverter, Rule

from . import bp
from .contract import Contract, endpoint

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"

#: What each error status means here; a route lists the ones it can give.
ERROR_TEXTS = {
    400: "Bad request: text no database holds (NUL, broken Unicode: `bad_text`) anywhere in "
    "the request; for writes also not a JSON object, an unknown field (`unknown_fields`), a "
    "missing `version`, or a CSRF failure (`csrf_failed`)",
    401: "Not signed in",
    403: "Role may not do this",
    404: "Not found or outside the user's scope",
    409: "Conflict: stale `version` (the record as it now is in `error.current`) or a state "
    "that does not allow this",
    410: "Gone: the record was removed",
    413: "The request is too large",
    415: "Not a photo the app reads (`photo_not_an_image`, `photo_unsupported_format`)",
    422: "Validation failed: `error.fields` names each field with a message in the reader's "
    "language (limits are refused, never cut)",
    429: "Too many requests",
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object"},
                "current": {"description": "with 409 `stale_version`: the record as it now is"},
            },
        }
    },
}


def openapi_path(rule: Rule) -> str:
    """`/api/v1/factories/<int:factory_id>` → `/factories/{factory_id}`."""
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(PREFIX))


def _path_parameters(rule: Rule) -> list[dict]:
    parameters = []
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            schema = {"type": "integer", "minimum": 0}
        else:
            schema = {"type": "string"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return parameters


def _error_codes(rule: Rule, method: str, contract: Contract) -> set[int]:
    codes = {400} | set(contract.errors)
    if not contract.public:
        codes.add(401)
    if contract.roles is not None:
        codes.add(403)
    if rule.arguments:
        codes.add(404)
    if contract.body is not None or contract.query is not None:
        codes.add(422)
    if contract.upload is not None:
        codes |= {413, 415, 422}
    return codes


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _prose(view) -> tuple[str, str]:
    doc = (view.__doc__ or "").strip()
    summary, _, description = doc.partition("\n")
    return summary.strip(), re.sub(r"\s*\n\s*", " ", description.strip())


class _Placeholder(int):
    """Where a generated schema goes in the document (see `_resolve`)."""


class _Schemas:
    """Collects every type the contracts name and generates their JSON schemas together, so
    shared models become one component each."""

    def __init__(self) -> None:
        self.inputs: list[tuple[_Placeholder, str, Any]] = []

    def ref(self, target: Any, mode: str) -> _Placeholder:
        placeholder = _Placeholder(len(self.inputs))
        self.inputs.append((placeholder, mode, TypeAdapter(target).core_schema))
        return placeholder

    def generate(self) -> tuple[dict, dict]:
        generator = GenerateJsonSchema(ref_template=REF)
        mapping, definitions = generator.generate_definitions(self.inputs)
        return {key: schema for (key, _mode), schema in mapping.items()}, definitions


def _operation(rule: Rule, method: str, view, contract: Contract, schemas: _Schemas) -> dict:
    summary, description = _prose(view)
    operation: dict[str, Any] = {"summary": summary}
    if description:
        operation["description"] = description
    if contract.public:
        operation["security"] = []
    parameters = _path_parameters(rule)
    if contract.query is not None:
        parameters += [
            {
                "name": info.alias or name,
                "in": "query",
                "schema": schemas.ref(Annotated[info.annotation, info], "validation"),
            }
            for name, info in contract.query.model_fields.items()
        ]
    if parameters:
        operation["parameters"] = parameters
    if contract.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schemas.ref(contract.body, "validation")}},
        }
    if contract.upload is not None:
        upload = dict(contract.upload)
        required = upload.pop("required", [])
        operation["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {"type": "object", "required": required, "properties": upload}
                }
            },
        }
    responses: dict[str, Any] = {}
    for status, (target, text) in {
        contract.status: (contract.reply, "OK"),
        **contract.replies,
    }.items():
        if target is None or status == 204:
            responses[str(status)] = {"description": text or "No content"}
        else:
            responses[str(status)] = _json(schemas.ref(target, "serialization"), text or "OK")
    for code in sorted(_error_codes(rule, method, contract)):
        responses[str(code)] = _json({"$ref": REF.format(model="Error")}, ERROR_TEXTS[code])
    operation["responses"] = responses
    return operation


def _resolve(node: Any, mapping: dict) -> Any:
    """Replace the placeholders `_operation` left (keys of `mapping`) by their schemas."""
    if isinstance(node, _Placeholder):
        return mapping[node]
    if isinstance(node, dict):
        return {key: _resolve(value, mapping) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(value, mapping) for value in node]
    return node


def build_document(app) -> dict:
    """The whole document for `app`'s routes."""
    schemas = _Schemas()
    from . import openapi_legacy  # it reads ERROR_TEXTS from here

    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        view = app.view_functions[rule.endpoint]
        contract: Contract | None = getattr(view, "contract", None)
        path = openapi_path(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            item = paths.setdefault(path, {})
            if contract is None:
                legacy_item = openapi_legacy.PATHS.get(path, {})
                if method.lower() in legacy_item:
                    item[method.lower()] = legacy_item[method.lower()]
                    if "parameters" in legacy_item:
                        item["parameters"] = legacy_item["parameters"]
                continue
            item[method.lower()] = _operation(rule, method, view, contract, schemas)
    mapping, definitions = schemas.generate()
    components = {**openapi_legacy.SCHEMAS, **definitions, "Error": ERROR_SCHEMA}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OSH inspection API",
            "version": "1",
            "description": "Scripts send `Authorization: Bearer <token>` (from `flask --app "
            "inspect_app users token USERNAME`); pages send their session cookie and an "
            '`X-CSRFToken` header. Errors are `{"error": {"code", "message", "fields"}}` '
            "with a fitting 4xx status.",
        },
        "servers": [{"url": PREFIX}],
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "inspect_session"},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": _resolve({p: i for p, i in paths.items() if i}, mapping),
    }


def document() -> dict:
    """The document for the running app, built once per process."""
    app = current_app._get_current_object()
    cached = app.extensions.get("openapi_document")
    if cached is None:
        cached = app.extensions["openapi_document"] = build_document(app)
    return cached


@bp.get("/openapi.json")
@endpoint(public=True, reply=dict[str, Any])
def openapi_json():
    """This document."""
    return document()
