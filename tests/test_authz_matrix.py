"""Every route, method and role answers as tests/authz_matrix.toml says."""

from __future__ import annotations

import re
import tomllib

import pytest
import sqlalchemy as sa
from support import REPO

from inspect_app import create_app

MATRIX = tomllib.loads((REPO / "tests" / "authz_matrix.toml").read_text(encoding="utf-8"))
ROLES = ("anonymous", "admin", "inspector", "committee", "trainer")
IGNORED_METHODS = {"HEAD", "OPTIONS"}
EXPECTED_WORDS = {"ok", "login", "forbidden", "hidden"}


def routes_of(app) -> set[str]:
    """ "METHOD /rule" for every route (HEAD and OPTIONS are answered by Flask itself)."""
    return {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - IGNORED_METHODS
    }


def test_every_route_is_in_the_matrix(tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.db",
            "SECRET_KEY": "x",
            "UPLOAD_DIR": str(tmp_path),
        }
    )
    routes = routes_of(app)
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, f"add these routes to tests/authz_matrix.toml: {missing}"
    assert not stale, f"these matrix entries match no route: {stale}"
    for key, roles in MATRIX.items():
        assert set(roles) == set(ROLES), f"{key}: give exactly {ROLES}"
        assert set(roles.values()) <= EXPECTED_WORDS, key


@pytest.fixture
def params(world, app, make_inspection):
    """Build values for path parameters from the test world (call again for fresh records,
    as a DELETE needs). Add new parameter names here."""
    return lambda: _build_params(world, app, make_inspection)


def _build_params(world, app, make_inspection) -> dict[str, object]:
    import io

    from photo_files import jpeg_with_gps

    from inspect_app.accounts.models import User
    from inspect_app.actions import services as action_services
    from inspect_app.extensions import db
    from inspect_app.inspections import services as inspection_services
    from inspect_app.jobs import Job, JobStatus
    from inspect_app.photos import services as photo_services
    from inspect_app.storage import get_storage

    inspection_id = make_inspection(kind="score_visit")
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector"].id)
        inspection = inspection_services.get_inspection_or_404(inspection_id, inspector)
        item_id = next(inspection_services.checklist_of(inspection).items()).id
        finding, _ = inspection_services.add_finding(
            inspection, by=inspector, title="无防护", item_id=item_id
        )
        photo, _ = photo_services.add_photo(
            io.BytesIO(jpeg_with_gps()),
            factory_id=world.a.id,
            by_id=inspector.id,
            finding_id=finding.id,
        )
        # An action raised on the finding (open: an inspector raised it). The inspection is a
        # draft, so the committee sees neither the finding nor its actions yet.
        action = action_services.create_from_finding(finding, by=inspector)
        kept = get_storage().add(b"%PDF-1.7", namespace="documents", suffix=".pdf")
        job = Job(
            kind="report_pdf",
            subject_id=inspection_id,
            lang="en",
            status=JobStatus.DONE,
            result_key=kept,
        )
        db.session.add(job)
        # An API token of the committee member (its owner and admins may revoke it).
        from inspect_app.accounts import services as account_services
        from inspect_app.accounts.models import ApiToken

        committee = db.session.get(User, world.users["committee"].id)
        account_services.issue_token(committee, name=f"script {action.id}")
        token_id = db.session.scalar(sa.select(sa.func.max(ApiToken.id)))
        db.session.commit()
        values = {
            "finding_id": finding.id,
            "photo_id": photo.id,
            "action_id": action.id,
            "job_id": job.id,
            "token_id": token_id,
        }
    return {
        "factory_id": world.a.id,
        "user_id": world.users["committee"].id,
        "inspection_id": inspection_id,
        "slug": "machine-guarding",
        "number": 1,  # its version (a blank form)
        "item_id": item_id,
        "size": "thumb",
        "name": "actions",  # a progress chart
        "month": "2026-01",  # a KPI month
        **values,
        **_case_params(world, app, make_inspection),
        "document_id": _document_id(world, app, make_inspection),
    }


def _document_id(world, app, make_inspection) -> int:
    """An issued order to rectify of a submitted enforcement inspection of factory A (the
    committee reads it; a draft it would not see)."""

    from inspect_app.accounts.models import User
    from inspect_app.documents import services as document_services
    from inspect_app.extensions import db, utcnow
    from inspect_app.inspections import services as inspection_services
    from inspect_app.inspections.models import InspectionStatus

    inspection_id = make_inspection(kind="enforcement")
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector"].id)
        inspection = inspection_services.get_inspection_or_404(inspection_id, inspector)
        inspection_services.add_finding(inspection, by=inspector, title="皮带轮无防护罩")
        inspection.status, inspection.submitted_at = InspectionStatus.SUBMITTED, utcnow()
        home = inspection.factory.region  # factory A's, or B's for tests/test_isolation.py
        if not document_services.authority_for(inspection.factory):
            document_services.set_authority(home, name=f"{home.name_zh}应急局", prefix=home.code)
        document = document_services.create_draft(
            inspection, by=inspector, doc_type="rectification_order"
        )
        document_services.issue(document, by=inspector)
        db.session.commit()
        return document.id


def _case_params(world, app, make_inspection) -> dict[str, int]:
    """A case promoted by `inspector` from a finding with a verified action, then edited and
    published by `trainer` (so it is theirs whatever its status), with one photo copy."""
    import io

    from photo_files import jpeg_with_gps

    from inspect_app.accounts.models import User
    from inspect_app.actions.models import Action, ActionStatus
    from inspect_app.cases import services as case_services
    from inspect_app.extensions import db, utcnow
    from inspect_app.inspections import services as inspection_services
    from inspect_app.photos import services as photo_services

    inspection_id = make_inspection(kind="score_visit")
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector"].id)
        trainer = db.session.get(User, world.users["trainer"].id)
        inspection = inspection_services.get_inspection_or_404(inspection_id, inspector)
        finding, _ = inspection_services.add_finding(inspection, by=inspector, title="开料锯")
        photo_services.add_photo(
            io.BytesIO(jpeg_with_gps()),
            factory_id=world.a.id,
            by_id=inspector.id,
            finding_id=finding.id,
        )
        db.session.add(
            Action(
                factory_id=world.a.id,
                finding_id=finding.id,
                title="双手控制",
                status=ActionStatus.VERIFIED,
                verified_at=utcnow(),
            )
        )
        db.session.flush()
        case = case_services.promote(finding, by=inspector)
        case_services.update_case(
            case, by=trainer, expected_version=case.version, title_en="Two-hand control"
        )
        case_services.publish(case, by=trainer)
        db.session.commit()
        return {"case_id": case.id, "case_photo_id": case.photos[0].id}


def _url(rule: str, params: dict) -> str:
    def fill(match):
        name = match.group(2)
        assert name in params, f"no value for path parameter {name!r}: add it to _params"
        return str(params[name])

    return re.sub(r"<(?:(\w+):)?(\w+)>", fill, rule)


def _judge(response) -> str:
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if status == 401:
        return "login"
    if status in (301, 302, 303) and "/login?next=" in response.headers.get("Location", ""):
        return "login"  # bounced to sign-in (a sign-out's plain redirect to /login is fine)
    if status == 403:
        return "forbidden"
    if status == 404:
        return "hidden"
    if status == 405:
        return "method not allowed"
    return "ok"


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_route_answers_each_role_as_the_matrix_says(key, world, app, login, params):
    method, rule = key.split(" ", 1)
    path = _url(rule, params())
    users = {
        "admin": "admin",
        "inspector": "inspector",
        "committee": "committee",
        "trainer": "trainer",
    }
    wrong = {}
    for role in ROLES:
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        if method == "DELETE":
            path = _url(rule, params())  # the previous role may have deleted the record
        if role != "anonymous":
            login(world.users[users[role]].username, c=client)
        kwargs = {"json": {}} if path.startswith("/api/") and method != "GET" else {}
        response = client.open(path, method=method, **kwargs)
        got = _judge(response)
        response.close()  # streamed bodies (the ledger's server-side cursor) end here
        if got != MATRIX[key][role]:
            wrong[role] = f"expected {MATRIX[key][role]}, got {got} ({response.status_code})"
    assert not wrong, f"{key}: {wrong}"
