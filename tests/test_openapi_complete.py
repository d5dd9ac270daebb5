"""The OpenAPI document describes the whole JSON API: every /api/v1 route with its method,
every path parameter, every reference, and the error codes a signed-in script can meet."""

from __future__ import annotations

import re

import pytest

from inspect_app import create_app
from inspect_app.api.openapi import build_document

PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("openapi")
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/o.db",
            "SECRET_KEY": "x",
            "UPLOAD_DIR": str(tmp),
        }
    )


@pytest.fixture(scope="module")
def doc(api_app) -> dict:
    with api_app.app_context():
        return build_document(api_app)


def _openapi_path(rule: str) -> str:
    """`/api/v1/factories/<int:factory_id>` → `/factories/{factory_id}`."""
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.removeprefix(PREFIX))


def api_routes(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) for every route the API blueprint serves."""
    return {
        (method.lower(), _openapi_path(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX + "/")
        for method in rule.methods - IGNORED_METHODS
    }


def documented(doc: dict) -> set[tuple[str, str]]:
    return {
        (method, path)
        for path, item in doc["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_api_route_is_documented_with_its_method(api_app, doc):
    missing = sorted(api_routes(api_app) - documented(doc))
    assert not missing, f"add these routes to inspect_app/api/openapi.py PATHS: {missing}"


def test_the_document_lists_no_route_the_api_lacks(api_app, doc):
    stale = sorted(documented(doc) - api_routes(api_app))
    assert not stale, f"documented but not served: {stale}"


def test_the_served_document_is_the_same_document(client, doc):
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.json["openapi"] == "3.1.0"
    assert documented(served.json) == documented(doc)


def test_every_path_parameter_is_declared_once(doc):
    for path, item in doc["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        shared = {p["name"] for p in item.get("parameters", []) if p["in"] == "path"}
        for method, operation in item.items():
            if method == "parameters":
                continue
            own = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert names == shared | own, f"{method.upper()} {path}: path parameters"


def test_every_reference_resolves(doc):
    schemas = doc["components"]["schemas"]

    def walk(node, where):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref is not None:
                name = ref.removeprefix("#/components/schemas/")
                assert name in schemas, f"{where}: unknown schema {ref}"
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(doc, "#")


def test_routes_document_400_401_and_writes_document_their_refusals(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            codes = set(operation["responses"])
            assert "400" in codes, f"{method.upper()} {path}: 400 bad_text (NUL in the query)"
            if operation.get("security") == []:
                continue  # public: this document
            assert "401" in codes, f"{method.upper()} {path}: 401 for a missing sign-in"
            if "requestBody" in operation:
                assert {"400", "422"} <= codes, f"{method.upper()} {path}: 400 and 422"
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, code)


def test_json_bodies_refuse_fields_they_do_not_name(doc):
    """Every JSON body schema closes its object (no mass assignment)."""
    schemas = doc["components"]["schemas"]
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if not body or "application/json" not in body["content"]:
                continue
            schema = body["content"]["application/json"]["schema"]
            if "$ref" in schema:
                schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
            assert schema.get("additionalProperties") is False, f"{method.upper()} {path}"
