"""No form or JSON body sets a field its user may not set.

For every JSON write endpoint, each column of the model it writes (read from the model, so a new
column is covered the day it is added) and a few names an attacker would guess are sent one by
one; the endpoint must answer 400 `unknown_fields` unless its documented body (the OpenAPI
schema) names the field, and the stored rows must not change. The few protected names a body
does accept are the deliberate ones (a status moved through its lifecycle, a version checked
as the optimistic lock, the factory or finding that a new record belongs to), and each is
tested for what it may and may not do. HTML forms are posted as the page shows them, plus every
column of the model: WTForms ignores the extra names, and the rows keep their protected values.
"""

from __future__ import annotations

import io
import shutil
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from photo_files import jpeg_with_gps
from support import PASSWORD, PG_URL, region
from werkzeug.datastructures import MultiDict

from inspect_app import create_app
from inspect_app.accounts import services as account_services
from inspect_app.accounts.models import Role, User
from inspect_app.actions import services as action_services
from inspect_app.actions.models import Action, ActionStatus
from inspect_app.api.openapi import document
from inspect_app.cases import services as case_services
from inspect_app.cases.models import Case
from inspect_app.documents import services as document_services
from inspect_app.documents.models import Document
from inspect_app.extensions import db
from inspect_app.factories import kpis, uscc
from inspect_app.factories.cli import load_regions
from inspect_app.factories.models import Factory, KpiRecord, Sector
from inspect_app.inspections import services as inspection_services
from inspect_app.inspections.models import Answer, Finding, Inspection, InspectionStatus
from inspect_app.jobs.models import Job
from inspect_app.photos import services as photo_services
from inspect_app.photos.models import Photo

#: Names an attacker would try beyond the model's own columns.
GUESSES = ("role", "regions", "region_ids", "is_admin", "author", "created_by", "user_id", "owner")
#: Protected names a documented body may accept, on purpose, and where.
DELIBERATE = {
    "version": "every PATCH: the optimistic lock, checked, never stored as sent",
    "status": "PATCH /actions/{action_id} (lifecycle table), PATCH /cases/{case_id} (publish)",
    "factory_id": "POST /inspections: the factory the new inspection is of (scope-checked)",
    "finding_id": "POST /factories/{factory_id}/actions and POST /cases: the source finding",
}
PROTECTED = {
    "id",
    "factory_id",
    "inspection_id",
    "finding_id",
    "action_id",
    "case_id",
    "status",
    "version",
    "origin",
    "created_at",
    "updated_at",
    "created_by_id",
    "proposed_by_id",
    "verified_by_id",
    "verified_at",
    "submitted_by_id",
    "submitted_at",
    "answered_by_id",
    "entered_by_id",
    "published_by_id",
    "published_at",
    "uploaded_by_id",
    "closed_at",
    "done_at",
    "scores",
    "risk_score",
    "risk_level",
    "client_digest",
    "checklist_version_id",
    "role",
}


def columns(model) -> list[str]:
    """The model's mapped column attributes (what an ORM-level mass assignment could set)."""
    return [attr.key for attr in sa.inspect(model).column_attrs]


def hostile(model, name: str, other_factory: int):
    """A value that would do harm if stored: another factory, a later status, a forged time."""
    column = sa.inspect(model).columns[name]
    try:
        kind = column.type.python_type
    except NotImplementedError:  # JSON
        return {"forged": True}
    if name.endswith("_id") or name == "id":
        return other_factory if name == "factory_id" else 1
    if name == "status":
        return (
            "verified" if model is Action else ("submitted" if model is Inspection else "published")
        )
    if kind is int:
        return 987
    if kind is bool:
        return True
    if kind in (datetime, date):
        return "2001-01-01"
    if kind is Decimal:
        return "1.00"
    return "forged"


def snapshot(model, where) -> list[tuple]:
    """Every row the request could touch, every column, in a stable order."""
    keys = columns(model)
    rows = db.session.scalars(sa.select(model).where(where).order_by(model.id)).all()
    return [tuple(getattr(row, key) for key in keys) for row in rows]


# ---------------------------------------------------------------- one world for the module


@pytest.fixture(scope="module")
def ma_app(_template_db, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mass")
    if PG_URL:
        url = PG_URL
    else:
        shutil.copyfile(_template_db, tmp / "mass.db")
        url = f"sqlite:///{tmp / 'mass.db'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_DIR": str(tmp / "uploads"),
            "WTF_CSRF_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        }
    )
    with app.app_context():
        if PG_URL:
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
        load_regions()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _factory(by, n: int, region_code: str, **extra) -> Factory:
    return factory_services_create(
        by,
        name_zh=f"工厂{n}",
        uscc=uscc.complete(f"91{region_code}MA{n:07d}"[:17]),
        region_id=region(region_code).id,
        sector=Sector.RUBBER_PLASTICS,
        headcount_women=10,
        headcount_men=20,
        **extra,
    )


def factory_services_create(by, **data) -> Factory:
    from inspect_app.factories import services as factory_services

    return factory_services.create_factory(by=by, **data)


@pytest.fixture(scope="module")
def ids(ma_app) -> dict[str, int]:
    """Factories A and B, the four roles, a draft with a finding, an open action, a verified
    one with a case, a KPI month."""
    from inspect_app.checklists import services as checklist_services

    with ma_app.app_context():
        checklist_services.load_files()
        admin = account_services.create_user(username="admin", role=Role.ADMIN, password=PASSWORD)
        a = _factory(admin, 1, "500112")
        b = _factory(admin, 2, "441900")
        inspector = account_services.create_user(
            username="inspector", role=Role.INSPECTOR, password=PASSWORD, region_names=["500000"]
        )
        committee = account_services.create_user(
            username="committee", role=Role.COMMITTEE, password=PASSWORD, factory=a
        )
        trainer = account_services.create_user(
            username="trainer", role=Role.TRAINER, password=PASSWORD
        )
        draft = inspection_services.start_inspection(
            by=inspector, factory=a, checklist="machine-guarding", kind="self_inspection"
        )
        item_id = next(inspection_services.checklist_of(draft).items()).id
        inspection_services.set_answer(draft, item_id=item_id, value="yes", by=inspector)
        finding, _ = inspection_services.add_finding(draft, by=inspector, title="无防护")
        action = action_services.create_from_finding(finding, by=inspector, title="加防护罩")
        verified = action_services.create_from_finding(finding, by=inspector, title="已完成")
        for to in (ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.VERIFIED):
            action_services.move(verified, to=to, by=inspector)
        case = case_services.promote(finding, by=inspector)
        photo, _ = photo_services.add_photo(
            io.BytesIO(jpeg_with_gps()), factory_id=a.id, by_id=inspector.id, finding_id=finding.id
        )
        kpis.save_kpis(a, month=date(2026, 1, 1), by=committee, accidents=1)
        enforcement = inspection_services.start_inspection(
            by=inspector, factory=a, checklist="machine-guarding", kind="enforcement"
        )
        inspection_services.add_finding(enforcement, by=inspector, title="皮带轮无防护罩")
        enforcement.status = InspectionStatus.SUBMITTED
        order = document_services.create_draft(
            enforcement, by=inspector, doc_type="rectification_order"
        )
        db.session.commit()
        return {
            "enforcement": enforcement.id,
            "document": order.id,
            "a": a.id,
            "b": b.id,
            "admin": admin.id,
            "inspector": inspector.id,
            "committee": committee.id,
            "trainer": trainer.id,
            "draft": draft.id,
            "item": item_id,
            "finding": finding.id,
            "action": action.id,
            "verified": verified.id,
            "case": case.id,
            "photo": photo.id,
        }


def login(app, username: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _content(app, document_id: int) -> dict:
    with app.app_context():
        return db.session.get(Document, document_id).content


def current_version(app, model, row_id: int) -> int:
    with app.app_context():
        return db.session.get(model, row_id).version


# ---------------------------------------------------------------- JSON: every column, one by one

#: (role, method, OpenAPI path, URL, model written, rows it could touch, body that is valid).
JSON_WRITES = {
    "create factory": ("admin", "post", "/factories", "/api/v1/factories", Factory),
    "update factory": (
        "admin",
        "patch",
        "/factories/{factory_id}",
        "/api/v1/factories/{a}",
        Factory,
    ),
    "start inspection": ("inspector", "post", "/inspections", "/api/v1/inspections", Inspection),
    "update inspection": (
        "inspector",
        "patch",
        "/inspections/{inspection_id}",
        "/api/v1/inspections/{draft}",
        Inspection,
    ),
    "answer": (
        "inspector",
        "put",
        "/inspections/{inspection_id}/answers/{item_id}",
        "/api/v1/inspections/{draft}/answers/{item}",
        Answer,
    ),
    "add finding": (
        "inspector",
        "post",
        "/inspections/{inspection_id}/findings",
        "/api/v1/inspections/{draft}/findings",
        Finding,
    ),
    "update finding": (
        "inspector",
        "patch",
        "/findings/{finding_id}",
        "/api/v1/findings/{finding}",
        Finding,
    ),
    "suggest action": (
        "committee",
        "post",
        "/factories/{factory_id}/actions",
        "/api/v1/factories/{a}/actions",
        Action,
    ),
    "raise action": (
        "inspector",
        "post",
        "/findings/{finding_id}/actions",
        "/api/v1/findings/{finding}/actions",
        Action,
    ),
    "update action": (
        "committee",
        "patch",
        "/actions/{action_id}",
        "/api/v1/actions/{action}",
        Action,
    ),
    "enter kpis": (
        "committee",
        "put",
        "/factories/{factory_id}/kpis/{month}",
        "/api/v1/factories/{a}/kpis/2026-01",
        KpiRecord,
    ),
    "promote case": ("inspector", "post", "/cases", "/api/v1/cases", Case),
    "ask for the report pdf": (
        "inspector",
        "post",
        "/inspections/{inspection_id}/report-pdf",
        "/api/v1/inspections/{draft}/report-pdf",
        Job,
    ),
    "update case": ("trainer", "patch", "/cases/{case_id}", "/api/v1/cases/{case}", Case),
    "draft document": (
        "inspector",
        "post",
        "/inspections/{inspection_id}/documents",
        "/api/v1/inspections/{enforcement}/documents",
        Document,
    ),
    "reword document": (
        "inspector",
        "patch",
        "/documents/{document_id}",
        "/api/v1/documents/{document}",
        Document,
    ),
}


def valid_body(name: str, app, ids: dict) -> dict:
    """A body the endpoint accepts as it is (so a refusal is the extra field's doing)."""
    bodies = {
        "create factory": {
            "name_zh": "新工厂",
            "uscc": uscc.complete("91500112MA0009999"),
            "region_id": None,
            "sector": "garments",
        },
        "update factory": {"address": "新地址"},
        "start inspection": {
            "factory_id": ids["a"],
            "checklist": "machine-guarding",
            "kind": "score_visit",
        },
        "update inspection": {
            "good_points": "通道畅通",
            "version": current_version(app, Inspection, ids["draft"]),
        },
        "answer": {"value": "yes"},
        "add finding": {"title": "漏电"},
        "update finding": {
            "title": "漏电",
            "version": current_version(app, Finding, ids["finding"]),
        },
        "suggest action": {"title": "加装挡板"},
        "raise action": {"title": "更换线缆"},
        "update action": {
            "title": "加防护罩",
            "version": current_version(app, Action, ids["action"]),
        },
        "enter kpis": {"accidents": 1},
        "promote case": {"finding_id": ids["finding"]},
        "draft document": {"type": "onsite_record"},
        "reword document": {
            "content": _content(app, ids["document"]),
            "version": current_version(app, Document, ids["document"]),
        },
        "ask for the report pdf": {"lang": "en"},
        "update case": {"title_en": "Guard", "version": current_version(app, Case, ids["case"])},
    }
    body = bodies[name]
    if name == "create factory":
        with app.app_context():
            body["region_id"] = region("500112").id
    return body


def documented_fields(app, method: str, path: str) -> set[str]:
    with app.app_context():
        doc = document()
    body = doc["paths"][path][method].get("requestBody")
    if not body:
        return set()
    schema = body["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return set(schema["properties"])


def _all_rows(app, *models) -> dict:
    models = models or (Factory, Inspection, Answer, Finding, Action, KpiRecord, Case, User)
    with app.app_context():
        return {model.__name__: snapshot(model, sa.true()) for model in models}


@pytest.mark.parametrize("name", sorted(JSON_WRITES))
def test_json_body_cannot_set_a_column_it_does_not_document(name, ma_app, ids):
    role, method, path, url, model = JSON_WRITES[name]
    client = login(ma_app, role)
    allowed = documented_fields(ma_app, method, path)
    protected_allowed = allowed & PROTECTED
    assert protected_allowed <= set(DELIBERATE), f"{name} accepts {protected_allowed}"
    wrong = []
    for field in [*columns(model), *GUESSES]:
        if field in allowed:
            continue
        body = valid_body(name, ma_app, ids)
        body[field] = hostile(model, field, ids["b"]) if field not in GUESSES else "admin"
        before = _all_rows(ma_app, model)
        response = client.open(url.format(**ids), method=method.upper(), json=body)
        error = (response.json or {}).get("error", {})
        if response.status_code != 400 or error.get("code") != "unknown_fields":
            wrong.append(f"{field}: {response.status_code} {error.get('code')}")
        elif field not in error.get("fields", {}):
            wrong.append(f"{field}: refused without naming it")
        if _all_rows(ma_app, model) != before:
            wrong.append(f"{field}: changed the stored rows")
    assert not wrong, f"{name}: " + "; ".join(wrong)


def test_every_json_write_endpoint_is_covered(ma_app):
    with ma_app.app_context():
        doc = document()
    writes = {
        (method, path)
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if method in ("post", "put", "patch")
        and "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    covered = {(method, path) for _r, method, path, _u, _m in JSON_WRITES.values()}
    assert writes == covered


def test_submit_ignores_whatever_body_comes_with_it(ma_app, ids):
    client = login(ma_app, "inspector")
    before = _all_rows(ma_app)
    body = {key: hostile(Inspection, key, ids["b"]) for key in columns(Inspection)}
    response = client.post(f"/api/v1/inspections/{ids['draft']}/submit", json=body)
    assert response.status_code == 422 and response.json["error"]["code"] == "incomplete"
    assert _all_rows(ma_app) == before


# ---------------------------------------------------------------- the deliberate few


def test_version_is_checked_never_stored_as_sent(ma_app, ids):
    client = login(ma_app, "committee")
    version = current_version(ma_app, Action, ids["action"])
    stale = client.patch(
        f"/api/v1/actions/{ids['action']}", json={"title": "改", "version": version + 5}
    )
    assert stale.status_code == 409 and stale.json["error"]["code"] == "stale_version"
    assert current_version(ma_app, Action, ids["action"]) == version
    saved = client.patch(
        f"/api/v1/actions/{ids['action']}", json={"title": "改", "version": version}
    )
    assert saved.status_code == 200 and saved.json["version"] == version + 1
    admin = login(ma_app, "admin")
    factory_version = current_version(ma_app, Factory, ids["a"])
    response = admin.patch(
        f"/api/v1/factories/{ids['a']}", json={"address": "x", "version": factory_version + 9}
    )
    assert response.status_code == 409
    assert current_version(ma_app, Factory, ids["a"]) == factory_version


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("committee", "verified"),  # only an inspector verifies
        ("committee", "done"),  # open → done skips in_progress
        ("committee", "void"),  # an agreed action is voided by an official
        ("inspector", "verified"),  # not done yet
        ("inspector", "proposed"),  # no way back
    ],
)
def test_action_status_follows_the_lifecycle(role, target, ma_app, ids):
    client = login(ma_app, role)
    with ma_app.app_context():
        before = snapshot(Action, Action.id == ids["action"])
    response = client.patch(
        f"/api/v1/actions/{ids['action']}", json={"status": target, "note": "跳过"}
    )
    assert response.status_code == 409 and response.json["error"]["code"] == "illegal_move"
    assert target not in response.json["error"]["allowed"]
    with ma_app.app_context():
        assert snapshot(Action, Action.id == ids["action"]) == before


def test_a_closed_action_cannot_be_reopened_or_edited(ma_app, ids):
    client = login(ma_app, "inspector")
    version = current_version(ma_app, Action, ids["verified"])
    for body in ({"status": "in_progress"}, {"status": "open"}, {"title": "x", "version": version}):
        response = client.patch(f"/api/v1/actions/{ids['verified']}", json=body)
        assert response.status_code == 409, body
    with ma_app.app_context():
        assert db.session.get(Action, ids["verified"]).status is ActionStatus.VERIFIED


def test_new_records_belong_to_the_route_and_the_caller(ma_app, ids):
    committee = login(ma_app, "committee")
    suggestion = committee.post(f"/api/v1/factories/{ids['a']}/actions", json={"title": "建议"})
    assert suggestion.status_code == 201
    raised = login(ma_app, "inspector").post(
        f"/api/v1/findings/{ids['finding']}/actions", json={"title": "措施"}
    )
    assert raised.status_code == 201
    with ma_app.app_context():
        mine = db.session.get(Action, suggestion.json["id"])
        assert (
            mine.factory_id,
            mine.finding_id,
            mine.status,
            mine.proposed_by_id,
            mine.version,
        ) == (
            ids["a"],
            None,
            ActionStatus.PROPOSED,
            ids["committee"],
            1,
        )
        theirs = db.session.get(Action, raised.json["id"])
        assert (theirs.factory_id, theirs.finding_id, theirs.proposed_by_id) == (
            ids["a"],
            ids["finding"],
            ids["inspector"],
        )
    # The one factory field a new action takes, finding_id, must be of the route's factory.
    other = committee.post(
        f"/api/v1/factories/{ids['b']}/actions", json={"title": "x", "finding_id": ids["finding"]}
    )
    assert other.status_code == 404


def test_case_status_moves_only_between_draft_and_published(ma_app, ids):
    client = login(ma_app, "trainer")
    version = current_version(ma_app, Case, ids["case"])
    for status in ("archived", "void", "verified"):
        response = client.patch(
            f"/api/v1/cases/{ids['case']}", json={"version": version, "status": status}
        )
        assert response.status_code in (409, 422), status
    with ma_app.app_context():
        case = db.session.get(Case, ids["case"])
        assert case.status.value == "draft" and case.factory_id == ids["a"]
        assert case.finding_id == ids["finding"]


def test_photo_uploads_belong_to_the_route_whatever_the_form_says(ma_app, ids):
    client = login(ma_app, "inspector")
    forged = {
        key: str(hostile(Photo, key, ids["b"]))
        for key in columns(Photo)
        if key not in ("kind", "caption", "client_id")
    }
    response = client.post(
        f"/api/v1/findings/{ids['finding']}/photos",
        data={**forged, "photo": (io.BytesIO(jpeg_with_gps()), "p.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201
    with ma_app.app_context():
        photo = db.session.get(Photo, response.json["id"])
        assert (photo.factory_id, photo.finding_id, photo.action_id, photo.case_id) == (
            ids["a"],
            ids["finding"],
            None,
            None,
        )
        assert photo.uploaded_by_id == ids["inspector"] and photo.sha256 != "forged"


# ---------------------------------------------------------------- HTML forms: the page, plus


class Form(HTMLParser):
    """The fields of the page's forms, as a browser would submit them, by form action."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self.names: dict[str, set[str]] = {}  # every control, checked or not
        self._action: str | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._action = a.get("action") or ""
            self.forms.setdefault(self._action, [])
            self.names.setdefault(self._action, set())
        if self._action is None or "name" not in a and tag != "option":
            return
        if "name" in a:
            self.names[self._action].add(a["name"])
        fields = self.forms[self._action]
        if tag == "input" and a.get("type") not in ("submit", "button", "file", "image"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            fields.append(
                (a["name"], a.get("value") or ("y" if a.get("type") == "checkbox" else ""))
            )
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._action = None
        elif tag == "select" and self._select and self._action is not None:
            chosen = [v for v, selected in self._options if selected] or [
                v for v, _s in self._options[:1]
            ]
            self.forms[self._action] += [(self._select, v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea and self._action is not None:
            self.forms[self._action].append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None


def page_form(client, page: str, action: str) -> tuple[list[tuple[str, str]], set[str]]:
    """The values the page's form would post, and the names of all its controls."""
    parser = Form()
    parser.feed(client.get(page).get_data(as_text=True))
    for target, fields in parser.forms.items():
        if target.split("?")[0] in ("", action) or target.endswith(action):
            return fields, parser.names[target]
    raise AssertionError(f"no form posting to {action} on {page}: {list(parser.forms)}")


#: (role, page with the form, where it posts, model, rows it may change, names the form edits)
HTML_FORMS = {
    "edit factory": ("admin", "/factories/{a}/edit", "/factories/{a}/edit", Factory, "a"),
    "edit action": (
        "committee",
        "/actions/{action}/edit",
        "/actions/{action}/edit",
        Action,
        "action",
    ),
    "edit case": ("trainer", "/cases/{case}/edit", "/cases/{case}/edit", Case, "case"),
}


@pytest.mark.parametrize("name", sorted(HTML_FORMS))
def test_edit_form_keeps_protected_columns_whatever_is_posted(name, ma_app, ids):
    role, page, action, model, key = HTML_FORMS[name]
    client = login(ma_app, role)
    fields, names = page_form(client, page.format(**ids), action.format(**ids))
    extras = [
        (column, str(hostile(model, column, ids["b"])))
        for column in [*columns(model)]
        if column not in names
    ] + [(guess, "admin") for guess in GUESSES]
    with ma_app.app_context():
        before = db.session.get(model, ids[key])
        kept = {c: getattr(before, c) for c in columns(model) if c in PROTECTED and c not in names}
    response = client.post(action.format(**ids), data=MultiDict([*fields, *extras]))
    assert response.status_code in (200, 302), response.status_code
    with ma_app.app_context():
        after = db.session.get(model, ids[key])
        changed = {
            c: getattr(after, c)
            for c, v in kept.items()
            if getattr(after, c) != v and c not in ("updated_at", "version")
        }
        assert not changed, f"{name}: {changed}"
        assert after.version in (kept.get("version", after.version), kept.get("version", 0) + 1)


#: Creation forms: (role, page, posts to, the new row's model, what the new row must be).
def _created(model, before_ids: set[int]):
    rows = db.session.scalars(sa.select(model).where(model.id.not_in(before_ids or {0}))).all()
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize(
    ("role", "page", "model", "expected"),
    [
        (
            "committee",
            "/factories/{a}/actions/new",
            Action,
            lambda ids: {
                "factory_id": ids["a"],
                "finding_id": None,
                "status": ActionStatus.PROPOSED,
                "proposed_by_id": ids["committee"],
                "version": 1,
                "verified_by_id": None,
                "closed_at": None,
            },
        ),
        (
            "inspector",
            "/findings/{finding}/actions/new",
            Action,
            lambda ids: {
                "factory_id": ids["a"],
                "finding_id": ids["finding"],
                "status": ActionStatus.OPEN,
                "proposed_by_id": ids["inspector"],
                "version": 1,
                "verified_at": None,
            },
        ),
        (
            "inspector",
            "/inspections/new?factory={a}",
            Inspection,
            lambda ids: {
                "factory_id": ids["a"],
                "status": "draft",
                "created_by_id": ids["inspector"],
                "submitted_at": None,
                "scores": None,
                "version": 1,
            },
        ),
    ],
)
def test_creation_form_sets_only_what_the_form_offers(role, page, model, expected, ma_app, ids):
    client = login(ma_app, role)
    url = page.format(**ids)
    fields, names = page_form(client, url, url.split("?")[0])
    fields = [(n, v or ("新的措施" if n == "title" else v)) for n, v in fields]
    extras = [
        (column, str(hostile(model, column, ids["b"])))
        for column in columns(model)
        if column not in names
    ]
    if model is Inspection:
        fields = [(n, v) for n, v in fields if n != "checklist"] + [
            ("checklist", "machine-guarding")
        ]
    with ma_app.app_context():
        before_ids = set(db.session.scalars(sa.select(model.id)))
    response = client.post(url.split("?")[0], data=MultiDict([*fields, *extras]))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with ma_app.app_context():
        row = _created(model, before_ids)
        got = {k: getattr(row, k) for k in expected(ids)}
        assert got == expected(ids)


def test_no_user_route_but_the_admins_changes_a_role_factory_or_region(ma_app, ids):
    """The committee member changes their password and language with every user column and
    the names an attacker would guess added; role, factory, regions and name stay."""
    client = login(ma_app, "committee")
    extras = [(c, str(hostile(User, c, ids["b"]))) for c in columns(User)] + [
        ("role", "admin"),
        ("factory_id", str(ids["b"])),
        ("region_ids", "1"),
        ("regions", "440000"),
        ("active", "y"),
    ]
    with ma_app.app_context():
        before = db.session.get(User, ids["committee"])
        kept = (
            before.role,
            before.factory_id,
            before.username,
            before.active,
            list(before.regions),
        )
    response = client.post(
        "/account/password",
        data=MultiDict(
            [
                ("current_password", PASSWORD),
                ("new_password", PASSWORD + "-2"),
                ("confirm", PASSWORD + "-2"),
                *[(k, v) for k, v in extras if k not in ("password", "new_password")],
            ]
        ),
    )
    assert response.status_code in (200, 302)
    client.post("/language", data=MultiDict([("locale", "zh_CN"), *extras]))
    for path in ("/api/v1/me", "/api/v1/me/"):
        assert client.patch(path, json={"role": "admin"}).status_code in (404, 405)
    with ma_app.app_context():
        after = db.session.get(User, ids["committee"])
        assert (
            after.role,
            after.factory_id,
            after.username,
            after.active,
            list(after.regions),
        ) == kept
        assert after.role is Role.COMMITTEE
    # Put the password back for the other tests of this module.
    with ma_app.app_context():
        user = db.session.get(User, ids["committee"])
        account_services.change_password(user, current=PASSWORD + "-2", new=PASSWORD)
        db.session.commit()
