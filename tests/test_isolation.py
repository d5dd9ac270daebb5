"""Two factories: nothing of factory B reaches factory A's committee or an inspector of A's region.

Factory A (Chongqing) and factory B (Guangdong) each have the full set of records: a draft and a
submitted inspection, findings, photos, actions, a case. A's committee member and the inspector
of A's region then try EVERY route of the URL map that takes a record, with B's records: reads,
writes, exports, charts, PDFs and photo URLs all answer 404, exactly as for a record that does
not exist (or 403 where the role is refused whether or not the record exists), and nothing of B
changes. Every page and list they can open shows none of
B's records.

The test is generic: routes added later are covered by themselves. A route with a path
parameter this file does not know fails the test, asking for the parameter to be mapped.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from photo_files import jpeg_with_gps
from test_authz_matrix import IGNORED_METHODS, _build_params

from inspect_app.extensions import db

#: Path parameters that name a record of a factory: filled with factory B's records.
RECORD_PARAMS = {
    "factory_id",
    "inspection_id",
    "finding_id",
    "photo_id",
    "action_id",
    "case_id",
    "case_photo_id",
    "user_id",
    "job_id",
    "document_id",
}
#: Path parameters that name no record of their own (a checklist, an item of the inspection in
#: the same URL, a photo size, a chart, a KPI month): filled as the authorization matrix does.
# A token is a person's, not a factory's: test_api_tokens.py checks that nobody else revokes it.
NEUTRAL_PARAMS = {"slug", "number", "item_id", "size", "name", "month", "token_id"}
#: Tables that signing in writes to; every other table must be unchanged by the attempts.
SIGN_IN_TABLES = {"users", "user_sessions", "login_attempts", "audit_events", "api_tokens"}
#: Responses that cannot be searched for text.
BINARY_SUFFIXES = (".pdf", ".png", ".xlsx", ".jpg")
B_FINDING = "乙厂机密隐患 B-SECRET-FINDING"
B_ACTION = "乙厂机密整改 B-SECRET-ACTION"
ROLES = ("committee", "inspector")  # of factory A / of A's region
MISSING_ID = 987654321  # no record has this id
TEXT_TYPES = ("text/html", "application/json", "text/csv", "image/svg+xml", "text/plain")


# ---------------------------------------------------------------- factory B's records


def _mirror(world) -> SimpleNamespace:
    """The test world seen from factory B: B's inspector and committee in the A roles."""
    users = {
        **world.users,
        "inspector": world.users["inspector_b"],
        "committee": world.users["committee_b"],
    }
    return SimpleNamespace(a=world.b, b=world.a, users=users)


def _submitted_inspection_of_b(app, world, make_inspection) -> dict[str, int]:
    """A submitted inspection of B with a finding, an action and an action photo."""
    from inspect_app.accounts.models import User
    from inspect_app.actions.models import Action, ActionStatus
    from inspect_app.inspections import services
    from inspect_app.inspections.models import Inspection
    from inspect_app.photos import services as photo_services

    inspection_id = make_inspection(factory=world.b, by="inspector_b", kind="score_visit")
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector_b"].id)
        inspection = db.session.get(Inspection, inspection_id)
        for item in services.checklist_of(inspection).items():
            services.set_answer(inspection, item_id=item.id, value="no", by=inspector)
        finding, _ = services.add_finding(inspection, by=inspector, title=B_FINDING)
        services.submit(inspection, by=inspector)
        action = Action(
            factory_id=world.b.id,
            finding_id=finding.id,
            title=B_ACTION,
            status=ActionStatus.IN_PROGRESS,
        )
        db.session.add(action)
        db.session.flush()
        photo, _ = photo_services.add_photo(
            io.BytesIO(jpeg_with_gps()),
            factory_id=world.b.id,
            by_id=inspector.id,
            kind="after",
            action_id=action.id,
        )
        db.session.commit()
        return {
            "inspection_id": inspection_id,
            "finding_id": finding.id,
            "action_id": action.id,
            "photo_id": photo.id,
        }


def _chart_names() -> list[str]:
    from inspect_app.progress import render

    return sorted(render.CHARTS)


@pytest.fixture
def records_of_b(app, world, make_inspection) -> dict[str, list]:
    """Path parameter → the values to try: every record of B, and the neutral values."""
    params = _build_params(
        _mirror(world),
        app,
        lambda **kw: make_inspection(factory=world.b, by="inspector_b", **kw),
    )
    submitted = _submitted_inspection_of_b(app, world, make_inspection)
    values = {name: [value] for name, value in params.items()}
    for name, value in submitted.items():
        values[name].append(value)
    with app.app_context():
        from inspect_app.photos.models import Photo

        case_photo = db.session.get(Photo, params["case_photo_id"])
        if case_photo is not None and case_photo.id not in values["photo_id"]:
            values["photo_id"].append(case_photo.id)  # a case's photo copy, by its photo URL
    values["name"] = _chart_names()
    values["size"] = ["web", "thumb"]
    assert values["factory_id"] == [world.b.id]
    return values


@pytest.fixture
def params_of_a(app, world, make_inspection) -> dict[str, object]:
    return _build_params(world, app, make_inspection)


# ---------------------------------------------------------------- helpers


def _routes(app):
    """(method, rule, path parameter names) for every route of the app."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - IGNORED_METHODS):
            yield method, rule.rule, set(rule.arguments)


def _fill(rule: str, values: dict) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule)


def _client(app, login, username):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return login(username, c=client)


def _state(app) -> dict[str, str]:
    """A digest of every table's rows (but the sign-in tables) and of the photo files."""
    out = {}
    with app.app_context(), db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in SIGN_IN_TABLES:
                continue
            rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = hashlib.sha256(
                json.dumps([list(r) for r in rows], default=str).encode()
            ).hexdigest()
        db.session.remove()
    folder = Path(app.config["UPLOAD_DIR"])
    out["photo files"] = hashlib.sha256(
        "\n".join(sorted(p.as_posix() for p in folder.rglob("*") if p.is_file())).encode()
    ).hexdigest()
    return out


# ---------------------------------------------------------------- every route, B's records


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_for_factory_b_records_as_if_they_did_not_exist(
    app, world, login, records_of_b, role
):
    """404 for B's records, exactly what a record that does not exist gets. (A feature the role
    never uses may refuse with 403 instead, the same for every record, existing or not.)"""
    client = _client(app, login, world.users[role].username)
    before = _state(app)
    wrong: dict[str, str] = {}
    tried = 0
    for method, rule, names in _routes(app):
        unknown = names - RECORD_PARAMS - NEUTRAL_PARAMS
        assert not unknown, (
            f"{rule}: path parameter(s) {sorted(unknown)} unknown to tests/test_isolation.py; "
            "add each to RECORD_PARAMS (it names a record of a factory: give it a value of "
            "factory B in test_authz_matrix._build_params) or to NEUTRAL_PARAMS"
        )
        if not names & RECORD_PARAMS:
            continue  # nothing of B in this URL
        kwargs = {"json": {}} if rule.startswith("/api/") and method != "GET" else {}
        missing = {n: MISSING_ID if n in RECORD_PARAMS else records_of_b[n][0] for n in names}
        nothing = client.open(_fill(rule, missing), method=method, **kwargs).status_code
        if nothing not in (403, 404):
            wrong[f"{method} {_fill(rule, missing)}"] = f"{nothing} for a record that is not there"
        choices = [[(n, v) for v in records_of_b[n]] for n in sorted(names)]
        for combination in itertools.product(*choices):
            path = _fill(rule, dict(combination))
            status = client.open(path, method=method, **kwargs).status_code
            tried += 1
            if status != nothing:
                wrong[f"{method} {path}"] = f"{status}, but {nothing} for a record not there"
    assert tried > 50
    assert wrong == {}, f"{role} of factory A can tell factory B's records apart: {wrong}"
    assert _state(app) == before, "a refused request changed factory B's data"


# ---------------------------------------------------------------- lists and pages of A


def _markers(world) -> list[str]:
    b = world.b
    return [b.name_zh, b.name_en, b.uscc, B_FINDING, B_ACTION]


@pytest.mark.parametrize("role", ROLES)
def test_lists_and_pages_show_nothing_of_factory_b(
    app, world, login, records_of_b, params_of_a, role
):
    """Every page, list, export and chart the user can open (with A's records in the URL)
    is free of B's names, credit code, finding and action."""
    client = _client(app, login, world.users[role].username)
    leaks: dict[str, list[str]] = {}
    opened = 0
    for method, rule, names in _routes(app):
        if method != "GET" or rule.endswith(BINARY_SUFFIXES) or names - params_of_a.keys():
            continue
        response = client.get(_fill(rule, params_of_a))
        if response.status_code != 200 or response.mimetype not in TEXT_TYPES:
            continue
        opened += 1
        body = response.get_data(as_text=True)
        found = [marker for marker in _markers(world) if marker in body]
        if found:
            leaks[rule] = found
    assert opened > 10
    assert leaks == {}, f"{role} of factory A sees factory B: {leaks}"


@pytest.mark.parametrize("role", ROLES)
def test_api_lists_hold_none_of_factory_b(app, world, login, records_of_b, role):
    client = _client(app, login, world.users[role].username)
    b = world.b.id
    b_inspections = set(records_of_b["inspection_id"])
    b_actions = set(records_of_b["action_id"])

    def ids(url: str, key: str = "id") -> set:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return {item[key] for item in response.json["items"]}

    assert b not in ids("/api/v1/factories?per_page=100")
    assert ids("/api/v1/factories?q=Dongguan") == set()
    assert ids("/api/v1/factories?q=东莞") == set()
    assert ids(f"/api/v1/factories?q={world.b.uscc}") == set()
    assert not ids("/api/v1/inspections?per_page=100") & b_inspections
    assert b not in ids("/api/v1/inspections?per_page=100", "factory_id")
    assert ids(f"/api/v1/inspections?factory_id={b}") == set()
    a_actions = client.get(f"/api/v1/factories/{world.a.id}/actions?per_page=100")
    assert a_actions.status_code == 200
    assert not {item["id"] for item in a_actions.json["items"]} & b_actions
    assert client.get(f"/api/v1/factories/{b}/actions").status_code == 404
    assert client.get(f"/api/v1/factories/{b}/kpis").status_code == 404
