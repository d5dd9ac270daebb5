"""The JSON API under an OpenAPI-driven fuzz run (schemathesis) against a live server.

The app runs on a real socket (werkzeug on 127.0.0.1, a free port) over a file database holding
what a factory has after a few months: two factories, a draft and a submitted inspection with
answers, findings and photos, actions in several states, KPIs and a published case. Every
operation of /api/v1/openapi.json gets generated requests, valid and deliberately invalid, each
with the bearer token of an inspector, a committee member, a trainer or an admin (path ids are
aimed at real records, the other factory's and missing ones). The run passes when no response
is a 5xx, every response matches the schema documented for its status, and every status is one
the document lists for the route. Bounded and derandomized: the same requests on every run,
well under a minute and a half in all.
"""

from __future__ import annotations

import io
import threading
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from photo_files import jpeg_with_gps
from schemathesis import GenerationMode
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from inspect_app.accounts.models import User
from inspect_app.accounts.services import issue_token
from inspect_app.actions import services as action_services
from inspect_app.actions.models import ActionStatus
from inspect_app.cases import services as case_services
from inspect_app.extensions import db, local_today
from inspect_app.factories import kpis
from inspect_app.factories.models import Factory
from inspect_app.inspections import services as inspection_services
from inspect_app.photos import services as photo_services

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
#: Whose bearer token each request carries: the two roles of the factory floor, plus the
#: trainer (the case library) and the admin (every factory).
ROLES = ("inspector", "committee", "trainer", "admin")
EXAMPLES_PER_OPERATION = 20
#: Ids the server cannot have (well inside the database's integer range), and one far past it.
MISSING_IDS = (987_654, 2**31 - 1, 10**20)


def _photo(factory_id: int, by: User, **owner) -> int:
    photo, _ = photo_services.add_photo(
        io.BytesIO(jpeg_with_gps()), factory_id=factory_id, by_id=by.id, **owner
    )
    return photo.id


def build_records(app, world, make_inspection) -> dict[str, list]:
    """Demo-like records through the services; returns the ids to aim path parameters at."""
    draft_id = make_inspection(kind="score_visit")
    submitted_id = make_inspection(kind="score_visit")
    other_id = make_inspection(factory=world.b, by="inspector_b", kind="score_visit")
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector"].id)
        committee = db.session.get(User, world.users["committee"].id)
        trainer = db.session.get(User, world.users["trainer"].id)
        inspector_b = db.session.get(User, world.users["inspector_b"].id)
        factory_a = db.session.get(Factory, world.a.id)
        ids: dict[str, list] = {"factory_id": [world.a.id, world.b.id], "photo_id": []}

        draft = inspection_services.get_inspection_or_404(draft_id, inspector)
        items = [item.id for item in inspection_services.checklist_of(draft).items()]
        inspection_services.set_answer(draft, item_id=items[0], value="yes", by=inspector)
        draft_finding, _ = inspection_services.add_finding(
            draft, by=inspector, title="护栏缺失", item_id=items[0], likelihood=4, severity=5
        )
        ids["photo_id"].append(_photo(world.a.id, inspector, finding_id=draft_finding.id))

        submitted = inspection_services.get_inspection_or_404(submitted_id, inspector)
        for item_id in items:
            inspection_services.set_answer(
                submitted, item_id=item_id, value="no", note="见照片", by=inspector
            )
        hazard, _ = inspection_services.add_finding(
            submitted, by=inspector, title="开料锯无防护", location="开料车间", grade="major"
        )
        ids["photo_id"].append(_photo(world.a.id, inspector, finding_id=hazard.id))
        inspection_services.submit(submitted, by=inspector)

        other = inspection_services.get_inspection_or_404(other_id, inspector_b)
        other_finding, _ = inspection_services.add_finding(other, by=inspector_b, title="B 厂")

        actions = []
        for status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE):
            action = action_services.create_from_finding(hazard, by=inspector, due_on=local_today())
            if status is not ActionStatus.OPEN:
                action_services.move(action, to=ActionStatus.IN_PROGRESS, by=committee)
            if status is ActionStatus.DONE:
                ids["photo_id"].append(
                    _photo(world.a.id, committee, action_id=action.id, kind="after")
                )
                action_services.move(action, to=ActionStatus.DONE, by=committee)
            actions.append(action)
        verified = action_services.create_from_finding(hazard, by=inspector)
        action_services.move(verified, to=ActionStatus.IN_PROGRESS, by=committee)
        _photo(world.a.id, committee, action_id=verified.id, kind="after")
        action_services.move(verified, to=ActionStatus.DONE, by=committee)
        action_services.move(verified, to=ActionStatus.VERIFIED, by=inspector)
        suggestion = action_services.propose(factory_a, by=committee, title="加装双手按钮")
        other_action = action_services.create_from_finding(other_finding, by=inspector_b)

        for month in ("2026-01", "2026-02"):
            kpis.save_kpis(
                factory_a,
                month=kpis.parse_month(month),
                by=committee,
                accidents=1,
                near_misses=4,
                suggestions_made=3,
            )
        case = case_services.promote(hazard, by=inspector)
        case_services.update_case(
            case, by=trainer, expected_version=case.version, title_en="Two-hand control"
        )
        case_services.publish(case, by=trainer, confirm_anonymity=True)
        db.session.commit()

        ids.update(
            inspection_id=[draft_id, submitted_id, other_id],
            finding_id=[draft_finding.id, hazard.id, other_finding.id],
            action_id=[a.id for a in (*actions, verified, suggestion, other_action)],
            case_id=[case.id],
            item_id=items[:3],
            slug=["machine-guarding", "score-module5"],
            month=["2026-01", "2026-03"],
        )
        tokens = {
            role: issue_token(db.session.get(User, world.users[role].id), name="fuzz")
            for role in ROLES
        }
        db.session.commit()
    return {"ids": ids, "tokens": tokens}


@pytest.fixture
def live_api(app, world, make_inspection):
    """The app served on a free loopback port, with its records and two bearer tokens."""
    app.config["WTF_CSRF_ENABLED"] = True  # scripts with a bearer token need no CSRF token
    records = build_records(app, world, make_inspection)
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {
            "base": f"http://127.0.0.1:{server.server_port}",
            "statuses": Counter(),
            **records,
        }
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def aim(path_parameters: dict, ids: dict[str, list]) -> dict:
    """Aim most generated path parameters at real records (ours, the other factory's, ids that
    do not exist), so that requests reach the services instead of stopping at a 404."""
    aimed = dict(path_parameters)
    for name, value in path_parameters.items():
        known = ids.get(name)
        if not known:
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            choices = [*known, *MISSING_IDS] if name.endswith("_id") else known
            aimed[name] = choices[value % len(choices)]
        elif isinstance(value, str) and len(value) % 3:  # every third string stays as generated
            aimed[name] = known[len(value) % len(known)]
    return aimed


def fuzz_operation(operation, mode: GenerationMode, live: dict) -> None:
    """Send the operation's generated requests, each as one of the roles (drawn with the
    request, so a failure shrinks and replays with its role); raise on a broken check."""

    @given(case=operation.as_strategy(generation_mode=mode), role=st.sampled_from(ROLES))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    def run(case, role):
        if case.path_parameters:
            case.path_parameters = aim(case.path_parameters, live["ids"])
        response = case.call_and_validate(
            base_url=f"{live['base']}/api/v1",
            headers={"Authorization": f"Bearer {live['tokens'][role]}"},
            checks=CHECKS,
            timeout=30,
        )
        live["statuses"][response.status_code] += 1

    run()


def test_api_answers_generated_requests_within_its_contract(live_api):
    schema = schemathesis.openapi.from_url(f"{live_api['base']}/api/v1/openapi.json")
    failures = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() == "DELETE" and operation.path.endswith("/tokens/{token_id}"):
            # It would revoke the fuzzer's own tokens (test_api_tokens.py covers it).
            continue
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz_operation(operation, mode, live_api)
            except (Exception, BaseExceptionGroup) as error:  # every operation runs; report all
                failures.append(f"{operation.label} ({mode.value}): {error}")
    assert operations >= 30
    assert not failures, "\n\n".join(failures)
    # The requests got past sign-in and reached the services: records were read and written.
    statuses = live_api["statuses"]
    print(f"fuzz: {sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}")
    assert statuses[401] == 0
    assert sum(statuses[s] for s in (200, 201)) > 0.15 * sum(statuses.values())


# ---------------------------------------------------------------- what the fuzz found, pinned
# Each request once answered 500 (the commit that fixed it names it); now a clear 4xx or a plain
# answer. Found by this file's fuzz run and by probing each JSON field with the wrong shape.

HUGE = 10**25
DEEP = "[" * 5000 + "]" * 5000
ODD_REQUESTS = [
    # ids past the INTEGER range: SQLite cannot bind them; PATCH even said 405
    ("GET", f"/api/v1/actions/{HUGE}", None, 404),
    ("PATCH", f"/api/v1/actions/{HUGE}", {"version": 1}, 404),
    ("GET", "/api/v1/factories/9999999999", None, 404),
    ("GET", f"/factories/{HUGE}", None, 404),
    ("POST", "/api/v1/inspections", {"factory_id": HUGE, "checklist": "x", "kind": "x"}, 404),
    ("POST", "/api/v1/inspections", {"factory_id": True, "checklist": "x", "kind": "x"}, 422),
    ("POST", "/api/v1/factories/{a}/actions", {"title": "x", "finding_id": HUGE}, 404),
    ("POST", "/api/v1/cases", {"finding_id": HUGE}, 404),
    ("GET", f"/api/v1/checklists/machine-guarding?version={HUGE}", None, 404),
    # filters with values no column holds: routes with a query schema name the parameter
    ("GET", "/api/v1/factories?sector=%F2%8B%9C%95", None, 422),
    ("GET", f"/api/v1/factories?region_id={HUGE}", None, 422),
    ("GET", "/api/v1/factories?region_id=%C2%B3", None, 422),  # "³": a digit, not a number
    ("GET", f"/api/v1/inspections?factory_id=-{HUGE}", None, 200),
    ("GET", "/api/v1/inspections?status=305364", None, 200),
    ("GET", "/api/v1/factories/{a}/actions?grade=x&area=y&status=z", None, 200),
    # pages past any list
    ("GET", f"/api/v1/factories?page={HUGE}", None, 422),
    ("GET", f"/factories?page={HUGE}&per_page={HUGE}", None, 200),
    # wrong types and sizes in bodies
    ("POST", "/api/v1/factories", {"score_modules": 254528, "latitude": False}, 422),
    ("POST", "/api/v1/factories", {"name_zh": "厂" * 201, "headcount_men": HUGE}, 422),
    ("PATCH", "/api/v1/factories/{a}", {"region_id": 1.5, "uscc": ["a"], "sector": ["a"]}, 422),
    ("PATCH", "/api/v1/inspections/{draft}", {"inspector_ids": "abc"}, 422),
    ("PATCH", "/api/v1/inspections/{draft}", {"inspector_ids": ["x", None]}, 422),
    ("PATCH", "/api/v1/inspections/{draft}", {"inspector_ids": [HUGE]}, 422),
    ("PATCH", "/api/v1/inspections/{draft}", {"committee_member_ids": {"a": 1}}, 422),
    ("PATCH", "/api/v1/inspections/{draft}", {"good_points": 5, "version": 1}, 422),
    ("POST", "/api/v1/inspections/{draft}/findings", {"title": "x", "area": ["a"]}, 422),
    ("POST", "/api/v1/inspections/{draft}/findings", {"title": "x", "item_id": {"a": 1}}, 422),
    ("POST", "/api/v1/inspections/{draft}/findings", {"title": "x", "client_id": "c" * 65}, 422),
    (
        "PUT",
        "/api/v1/inspections/{draft}/answers/{item}",
        {"answered_at": "0001-01-01T00:00+05:00"},
        422,
    ),
    (
        "PUT",
        "/api/v1/inspections/{draft}/answers/{item}",
        {"answered_at": "9999-12-31T23:59-05:00"},
        422,
    ),
    ("PUT", "/api/v1/factories/{a}/kpis/0000-01", {}, 422),
    ("GET", "/api/v1/factories/{a}/kpis?from=0000-01", None, 422),
    ("PATCH", "/api/v1/cases/{case}", {"version": 2, "areas": [{"a": 1}, ["b"]]}, 422),
    ("POST", "/api/v1/factories", DEEP, 400),
    # text no database column holds: NUL (PostgreSQL) and a lone surrogate (not UTF-8)
    ("PATCH", "/api/v1/factories/{a}", {"address": "a\x00b"}, 400),
    ("PATCH", "/api/v1/factories/{a}", {"address": "\ud960"}, 400),
    ("POST", "/api/v1/inspections/{draft}/findings", {"title": ["\x00"]}, 400),
    ("GET", "/api/v1/factories?q=%00", None, 400),
    ("GET", "/api/v1/checklists/a%00b", None, 400),
    ("POST", "/factories/new", {"name_zh": "a\x00"}, 400),
]


def test_odd_input_the_fuzz_found_gets_a_clear_answer(app, world, login_as, make_inspection):
    """As an admin, each request answers its status; API errors keep the documented shape."""
    draft_id = make_inspection(kind="score_visit")
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector"].id)
        trainer = db.session.get(User, world.users["trainer"].id)
        draft = inspection_services.get_inspection_or_404(draft_id, inspector)
        item_id = next(inspection_services.checklist_of(draft).items()).id
        finding, _ = inspection_services.add_finding(draft, by=inspector, title="无防护")
        action = action_services.create_from_finding(finding, by=inspector)
        action_services.move(action, to=ActionStatus.IN_PROGRESS, by=inspector)
        action_services.move(action, to=ActionStatus.DONE, by=inspector)
        action_services.move(action, to=ActionStatus.VERIFIED, by=inspector)
        case = case_services.promote(finding, by=inspector)
        case_services.update_case(case, by=trainer, expected_version=case.version, title_en="x")
        db.session.commit()
        names = {"a": world.a.id, "draft": draft_id, "item": item_id, "case": case.id}
    client = login_as("admin", c=app.test_client())
    wrong = []
    for method, path, body, status in ODD_REQUESTS:
        url = path.format(**names)
        if isinstance(body, str):
            response = client.open(url, method=method, data=body, content_type="application/json")
        elif url.startswith("/api/"):
            response = client.open(url, method=method, json=body)
        else:
            response = client.open(url, method=method, data=body)
        if response.status_code != status:
            wrong.append(f"{method} {url[:80]} {str(body)[:60]}: {response.status_code}")
        elif status >= 400 and url.startswith("/api/"):
            assert set(response.json["error"]) == {"code", "message", "fields"}, url
    assert not wrong, "\n".join(wrong)
