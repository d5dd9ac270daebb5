"""A property of every JSON write of the API: whatever body is sent, the answer is never a 5xx.

Bodies are generated from each write's request schema in the OpenAPI document (itself made from
the schemas): fields of the right type near and past their limits, enums and their neighbours,
and at every level values of any JSON type — Unicode digits, 20-digit numbers, dates that do not
exist, text past a limit. A refusal keeps the documented error shape. Runs in-process against
real records (a draft inspection, a finding, an action, a case), derandomized: the same bodies on
every run.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspect_app.accounts.models import User
from inspect_app.actions import services as action_services
from inspect_app.actions.models import ActionStatus
from inspect_app.cases import services as case_services
from inspect_app.extensions import db
from inspect_app.inspections import services as inspection_services

ODD_TEXT = [
    "³",
    "٣",
    "１２",
    "9" * 20,
    "-1",
    "1e400",
    "2026-02-30",
    "0000-01",
    "",
    " ",
    "NaN",
    "字",
]
#: Any JSON value, the shapes a confused or hostile client sends where something else is due.
ANY_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(ODD_TEXT),
        st.text(max_size=20),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _resolve(schema: dict, doc: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _string(schema: dict) -> st.SearchStrategy:
    limit = schema.get("maxLength")
    options = [st.text(max_size=min(limit or 30, 30)), st.sampled_from(ODD_TEXT)]
    if limit:  # at the limit and one past it
        options += [st.just("字" * limit), st.just("字" * (limit + 1))]
    if schema.get("format") == "date":
        options.append(st.dates(date(1, 1, 1), date(9999, 12, 31)).map(str))
    if schema.get("format") == "date-time":
        options.append(st.datetimes().map(lambda moment: moment.isoformat() + "Z"))
    return st.one_of(options)


def _number(schema: dict, integer: bool) -> st.SearchStrategy:
    low, high = schema.get("minimum"), schema.get("maximum")
    edges = [v for bound in (low, high) if bound is not None for v in (bound - 1, bound, bound + 1)]
    options = [st.integers(-(10**20), 10**20), st.sampled_from(ODD_TEXT)]
    options += [st.sampled_from(edges)] if edges else []
    if not integer:
        options.append(st.floats(allow_nan=False, allow_infinity=False))
    return st.one_of(options)


def value_of(schema: dict, doc: dict) -> st.SearchStrategy:
    """Values for `schema`: mostly of its shape, near and past its limits, sometimes anything."""
    schema = _resolve(schema, doc)
    options = [ANY_JSON]
    if "enum" in schema:
        options.append(st.sampled_from(schema["enum"]))
    if "const" in schema:
        options.append(st.just(schema["const"]))
    for key in ("anyOf", "oneOf", "allOf"):
        options += [value_of(sub, doc) for sub in schema.get(key, [])]
    types = schema.get("type", [])
    for kind in [types] if isinstance(types, str) else types:
        if kind == "string":
            options.append(_string(schema))
        elif kind in ("integer", "number"):
            options.append(_number(schema, kind == "integer"))
        elif kind == "boolean":
            options.append(st.booleans())
        elif kind == "array":
            options.append(st.lists(value_of(schema.get("items", {}), doc), max_size=4))
        elif kind == "object" and "properties" in schema:
            options.append(object_of(schema, doc))
    return st.one_of(options)


def object_of(schema: dict, doc: dict) -> st.SearchStrategy:
    fields = {name: value_of(sub, doc) for name, sub in schema["properties"].items()}
    return st.fixed_dictionaries({}, optional=fields)


def _writes(doc: dict) -> list[tuple[str, str, dict]]:
    """(method, path, body schema) of every JSON write in the document."""
    found = []
    for path, operations in sorted(doc["paths"].items()):
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            content = operation["requestBody"]["content"]
            if "application/json" in content:
                found.append((method.upper(), path, content["application/json"]["schema"]))
    return found


@pytest.fixture
def records(app, world, make_inspection):
    """A draft inspection with a finding whose action was verified and promoted to a case."""
    draft_id = make_inspection(kind="score_visit")
    enforcement_id = make_inspection(kind="enforcement")
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector"].id)
        draft = inspection_services.get_inspection_or_404(draft_id, inspector)
        item_id = next(inspection_services.checklist_of(draft).items()).id
        finding, _ = inspection_services.add_finding(draft, by=inspector, title="无防护")
        action = action_services.create_from_finding(finding, by=inspector)
        for status in (ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.VERIFIED):
            action_services.move(action, to=status, by=inspector)
        open_action = action_services.create_from_finding(finding, by=inspector)
        case = case_services.promote(finding, by=inspector)
        document_id = _draft_document(enforcement_id, inspector)
        db.session.commit()
        return {
            "document_id": document_id,
            "factory_id": world.a.id,
            "inspection_id": draft_id,
            "item_id": item_id,
            "finding_id": finding.id,
            "action_id": open_action.id,
            "case_id": case.id,
            "month": "2026-01",
        }


def _draft_document(inspection_id: int, inspector) -> int:
    """A draft order to rectify of a submitted enforcement inspection (its wording is PATCHed)."""
    from inspect_app.documents import services as document_services
    from inspect_app.inspections.models import Inspection, InspectionStatus

    inspection = db.session.get(Inspection, inspection_id)
    inspection_services.add_finding(inspection, by=inspector, title="皮带轮无防护罩")
    inspection.status = InspectionStatus.SUBMITTED
    document = document_services.create_draft(
        inspection, by=inspector, doc_type="rectification_order"
    )
    return document.id


def _send(client, method: str, url: str, body, wrong: list[str]) -> None:
    raw = json.dumps(body)
    response = client.open(url, method=method, data=raw, content_type="application/json")
    if response.status_code >= 500:
        wrong.append(f"{method} {url} {raw[:200]}: {response.status_code}")
    elif response.status_code >= 400:
        assert set(response.json["error"]) >= {"code", "message", "fields"}, raw


def _check(client, method: str, url: str, bodies: st.SearchStrategy, wrong: list[str]) -> None:
    @settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(body=bodies)
    def send(body):
        _send(client, method, url, body, wrong)

    send()


def _sweep(schema: dict, doc: dict) -> list:
    """Bodies that give every field of the write the same odd value at once (a digit int()
    cannot read, a 20-digit number, a wrong type), and one with every text one past its limit:
    each field meets each value, whatever the random examples happen to pick."""
    schema = _resolve(schema, doc)
    names = list(schema.get("properties", {}))
    odd = [*ODD_TEXT, 10**20, -1, 0, 1.5, True, None, [], {}]
    bodies: list = [{name: value for name in names} for value in odd]
    long = {}
    for name, sub in schema.get("properties", {}).items():
        limit = _resolve(sub, doc).get("maxLength")
        for option in _resolve(sub, doc).get("anyOf", []):
            limit = limit or _resolve(option, doc).get("maxLength")
        if limit:
            long[name] = "字" * (limit + 1)
    return [*bodies, long]


def test_no_generated_body_gets_a_server_error(app, login_as, records):
    client = login_as("admin", c=app.test_client())
    doc = client.get("/api/v1/openapi.json").json
    writes = _writes(doc)
    assert len(writes) >= 12
    wrong: list[str] = []
    for method, path, schema in writes:
        url = "/api/v1" + path.format(**records)
        for body in _sweep(schema, doc):
            _send(client, method, url, body, wrong)
        _check(client, method, url, value_of(schema, doc), wrong)
    assert not wrong, "\n".join(wrong)
