"""Two people (or one tablet retrying) saving the same thing at the same moment.

Optimistic concurrency: a save based on a version someone else already changed gets 409 with
the current record, never a silent overwrite and never a 500, also when both saves are in
flight at once. Idempotency: a tablet that replays its queue (because the answer to the first
try was lost) creates each answer, finding and photo once; a key reused for a different body is
refused. Runs on SQLite and on PostgreSQL (INSPECT_TEST_DATABASE_URL).
"""

from __future__ import annotations

import contextlib
import io
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from photo_files import jpeg_with_gps
from support import PG_URL

from inspect_app.extensions import db
from inspect_app.inspections.models import Answer, Finding
from inspect_app.photos.models import Photo

RACE_WAIT = 5  # seconds a request waits at the barrier for its rival


# ---------------------------------------------------------------- helpers


def _items(app, slug="machine-guarding") -> list[str]:
    from inspect_app.checklists import services as checklist_services

    with app.app_context():
        definition = checklist_services.definition_of(checklist_services.get_version(slug))
        return [item.id for item in definition.items()]


def _signed_in(app, login, username):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return login(username, c=client)


def _hold_at_barrier(monkeypatch, target, name: str, barrier: threading.Barrier):
    """Make each request's first call of ``target.name`` wait for the rival request, so both
    are past their checks before either writes.

    On SQLite there is nothing to wait for: its IMMEDIATE write transactions let only one
    request in at a time (the rival waits for the lock), so both run one after the other.
    """
    if PG_URL is None:
        return
    original = getattr(target, name)
    waited: set[int] = set()

    def waiting(*args, **kwargs):
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(RACE_WAIT)
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, waiting)


def _race(*requests) -> list:
    """Run each callable in its own thread at once; return their responses in order."""
    responses: list = [None] * len(requests)
    errors: list[BaseException] = []

    def run(i, request):
        try:
            responses[i] = request()
        except BaseException as error:  # noqa: BLE001 - re-raised below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return responses


def _route_exists(app, rule: str, method: str) -> bool:
    return any(r.rule == rule and method in r.methods for r in app.url_map.iter_rules())


@pytest.fixture
def finding(app, world, make_inspection, client, login_as):
    inspection_id = make_inspection(kind="score_visit")
    login_as("inspector")
    response = client.post(
        f"/api/v1/inspections/{inspection_id}/findings", json={"title": "Guard missing"}
    )
    assert response.status_code == 201
    return response.json


# ---------------------------------------------------------------- optimistic concurrency


def test_a_stale_finding_edit_gets_409_and_the_first_edit_stays(app, finding, client):
    url = f"/api/v1/findings/{finding['id']}"
    first = client.patch(url, json={"title": "Guard missing on press 3", "version": 1})
    assert first.status_code == 200 and first.json["version"] == 2

    stale = client.patch(url, json={"title": "Overwrite", "version": 1})

    assert stale.status_code == 409
    assert stale.json["error"]["code"] == "stale_version"
    assert stale.json["error"]["current"]["title"] == "Guard missing on press 3"
    with app.app_context():
        assert db.session.get(Finding, finding["id"]).title == "Guard missing on press 3"


def test_two_finding_edits_in_flight_at_once_one_wins_one_gets_409(
    app, finding, world, login, monkeypatch
):
    from inspect_app.inspections import services

    _hold_at_barrier(monkeypatch, services, "_clean_finding", threading.Barrier(2))
    alice, bob = (_signed_in(app, login, world.users["inspector"].username) for _ in range(2))
    url = f"/api/v1/findings/{finding['id']}"

    responses = _race(
        lambda: alice.patch(url, json={"title": "Alice's title", "version": 1}),
        lambda: bob.patch(url, json={"title": "Bob's title", "version": 1}),
    )

    assert sorted(r.status_code for r in responses) == [200, 409], [r.json for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json
    with app.app_context():
        stored = db.session.get(Finding, finding["id"])
        assert (stored.title, stored.version) == (winner["title"], 2)


def test_a_stale_factory_edit_gets_409_and_the_first_edit_stays(app, world, client, login_as):
    login_as("inspector")
    url = f"/api/v1/factories/{world.a.id}"
    assert client.patch(url, json={"address": "1 Gate Road", "version": 1}).status_code == 200

    stale = client.patch(url, json={"address": "2 Other Road", "version": 1})

    assert stale.status_code == 409
    assert client.get(url).json["address"] == "1 Gate Road"


def test_two_factory_edits_in_flight_at_once_one_wins_one_gets_409(app, world, login, monkeypatch):
    from inspect_app.factories import services

    _hold_at_barrier(monkeypatch, services, "_check_register_rules", threading.Barrier(2))
    admin = _signed_in(app, login, world.users["admin"].username)
    inspector = _signed_in(app, login, world.users["inspector"].username)
    url = f"/api/v1/factories/{world.a.id}"

    responses = _race(
        lambda: admin.patch(url, json={"address": "Admin's address", "version": 1}),
        lambda: inspector.patch(url, json={"address": "Inspector's address", "version": 1}),
    )

    assert sorted(r.status_code for r in responses) == [200, 409], [r.json for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json
    assert admin.get(url).json["address"] == winner["address"]


def test_a_stale_action_edit_gets_409(app, world, client, login_as):
    if not _route_exists(app, "/api/v1/actions/<int:action_id>", "PATCH"):
        pytest.skip("PATCH /api/v1/actions/<id> does not exist yet")
    from inspect_app.actions.models import Action

    with app.app_context():
        action = Action(factory_id=world.a.id, title="Fit a guard")
        db.session.add(action)
        db.session.commit()
        action_id = action.id
    login_as("inspector")
    url = f"/api/v1/actions/{action_id}"
    first = client.patch(url, json={"title": "Fit a fixed guard", "version": 1})
    assert first.status_code == 200, first.json

    stale = client.patch(url, json={"title": "Overwrite", "version": 1})

    assert stale.status_code == 409
    with app.app_context():
        assert db.session.get(Action, action_id).title == "Fit a fixed guard"


def test_two_action_edits_in_flight_at_once_one_wins_one_gets_409(app, world, login, monkeypatch):
    if not _route_exists(app, "/api/v1/actions/<int:action_id>", "PATCH"):
        pytest.skip("PATCH /api/v1/actions/<id> does not exist yet")
    from inspect_app.actions import services
    from inspect_app.actions.models import Action

    with app.app_context():
        action = Action(factory_id=world.a.id, title="Fit a guard")
        db.session.add(action)
        db.session.commit()
        action_id = action.id
    _hold_at_barrier(monkeypatch, services, "_clean", threading.Barrier(2))
    inspector = _signed_in(app, login, world.users["inspector"].username)
    committee = _signed_in(app, login, world.users["committee"].username)
    url = f"/api/v1/actions/{action_id}"

    responses = _race(
        lambda: inspector.patch(url, json={"title": "Inspector's title", "version": 1}),
        lambda: committee.patch(url, json={"title": "Committee's title", "version": 1}),
    )

    assert sorted(r.status_code for r in responses) == [200, 409], [r.json for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json
    with app.app_context():
        assert db.session.get(Action, action_id).title == winner["title"]


def test_two_case_edits_in_flight_at_once_one_wins_one_gets_409(
    app, world, login, make_inspection, monkeypatch
):
    if not _route_exists(app, "/api/v1/cases/<int:case_id>", "PATCH"):
        pytest.skip("PATCH /api/v1/cases/<id> does not exist yet")
    from test_authz_matrix import _case_params

    from inspect_app.cases import services
    from inspect_app.cases.models import Case

    case_id = _case_params(world, app, make_inspection)["case_id"]
    _hold_at_barrier(monkeypatch, services, "_clean", threading.Barrier(2))
    trainer = _signed_in(app, login, world.users["trainer"].username)
    admin = _signed_in(app, login, world.users["admin"].username)
    url = f"/api/v1/cases/{case_id}"
    version = trainer.get(url).json["version"]

    responses = _race(
        lambda: trainer.patch(url, json={"title_en": "Trainer's title", "version": version}),
        lambda: admin.patch(url, json={"title_en": "Admin's title", "version": version}),
    )

    assert sorted(r.status_code for r in responses) == [200, 409], [r.json for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json
    with app.app_context():
        assert db.session.get(Case, case_id).title_en == winner["title_en"]


# ---------------------------------------------------------------- idempotency


def test_a_replayed_answer_is_stored_once(app, world, client, login_as, make_inspection):
    inspection_id = make_inspection()
    item = _items(app)[0]
    login_as("inspector")
    body = {"value": "priority", "note": "no guard", "answered_at": "2026-01-05T08:00:00Z"}
    url = f"/api/v1/inspections/{inspection_id}/answers/{item}"

    replies = [client.put(url, json=body) for _ in range(3)]

    assert [r.status_code for r in replies] == [200, 200, 200]
    with app.app_context():
        rows = db.session.scalars(sa.select(Answer).where(Answer.inspection_id == inspection_id))
        assert [(a.value, a.note) for a in rows] == [("priority", "no guard")]


def test_replayed_answers_in_flight_at_once_are_stored_once(
    app, world, login, make_inspection, monkeypatch
):
    from inspect_app.inspections import services

    inspection_id = make_inspection()
    item = _items(app)[0]
    _hold_at_barrier(monkeypatch, services, "checklist_of", threading.Barrier(2))
    tablet = [_signed_in(app, login, world.users["inspector"].username) for _ in range(2)]
    url = f"/api/v1/inspections/{inspection_id}/answers/{item}"
    body = {"value": "yes", "note": "queued twice", "answered_at": "2026-01-05T08:00:00Z"}

    responses = _race(lambda: tablet[0].put(url, json=body), lambda: tablet[1].put(url, json=body))

    assert [r.status_code for r in responses] == [200, 200], [r.json for r in responses]
    with app.app_context():
        rows = db.session.scalars(sa.select(Answer).where(Answer.inspection_id == inspection_id))
        assert [(a.value, a.note) for a in rows] == [("yes", "queued twice")]


def test_a_replayed_finding_is_stored_once_and_a_key_is_unknown_in_another_inspection(
    app, world, client, login_as, make_inspection
):
    inspection_id = make_inspection()
    other_id = make_inspection()
    login_as("inspector")
    url = f"/api/v1/inspections/{inspection_id}/findings"
    body = {"title": "Blocked exit", "likelihood": 3, "severity": 5, "client_id": "tab1-0001"}

    first, replay = client.post(url, json=body), client.post(url, json=body)
    different = client.post(url, json={**body, "title": "Something else"})
    elsewhere = client.post(
        f"/api/v1/inspections/{other_id}/findings", json=body
    )  # the same key on another inspection: unknown there, never the first one's finding

    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json["id"] == first.json["id"]
    assert different.status_code == 409
    assert different.json["error"]["code"] == "idempotency_conflict"
    assert elsewhere.status_code == 201
    assert elsewhere.json["id"] != first.json["id"]
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Finding).where(Finding.client_id == "tab1-0001").order_by(Finding.id)
        )
        assert [(f.title, f.inspection_id) for f in rows] == [
            ("Blocked exit", inspection_id),
            ("Blocked exit", other_id),
        ]


def test_replayed_findings_in_flight_at_once_are_stored_once(
    app, world, login, make_inspection, monkeypatch
):
    from inspect_app.inspections import services

    inspection_id = make_inspection()
    _hold_at_barrier(monkeypatch, services, "_clean_finding", threading.Barrier(2))
    tablet = [_signed_in(app, login, world.users["inspector"].username) for _ in range(2)]
    url = f"/api/v1/inspections/{inspection_id}/findings"
    body = {"title": "Blocked exit", "client_id": "tab1-0002"}

    responses = _race(
        lambda: tablet[0].post(url, json=body), lambda: tablet[1].post(url, json=body)
    )

    assert sorted(r.status_code for r in responses) == [200, 201], [r.json for r in responses]
    assert responses[0].json["id"] == responses[1].json["id"]
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(Finding).where(Finding.client_id == "tab1-0002")
        )
        assert count == 1


def _upload(client, finding_id, data: bytes, client_id: str):
    return client.post(
        f"/api/v1/findings/{finding_id}/photos",
        data={"photo": (io.BytesIO(data), "photo.jpg"), "client_id": client_id},
        content_type="multipart/form-data",
    )


def _stored_files(app) -> list[Path]:
    return sorted(p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file())


def test_a_replayed_photo_upload_is_stored_once_and_a_reused_key_is_refused(app, finding, client):
    photo = jpeg_with_gps()

    first = _upload(client, finding["id"], photo, "tab1-photo-1")
    replay = _upload(client, finding["id"], photo, "tab1-photo-1")
    other = _upload(client, finding["id"], jpeg_with_gps(size=(320, 240)), "tab1-photo-1")

    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json["id"] == first.json["id"]
    assert other.status_code == 409
    assert other.json["error"]["code"] == "idempotency_conflict"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 1
    assert len(_stored_files(app)) == 2  # one web size and one thumbnail, nothing else


def test_replayed_photo_uploads_in_flight_at_once_are_stored_once(
    app, finding, world, login, monkeypatch
):
    from inspect_app.photos import services as photo_services

    _hold_at_barrier(monkeypatch, photo_services, "storage", threading.Barrier(2))
    tablet = [_signed_in(app, login, world.users["inspector"].username) for _ in range(2)]
    photo = jpeg_with_gps()

    responses = _race(
        lambda: _upload(tablet[0], finding["id"], photo, "tab1-photo-2"),
        lambda: _upload(tablet[1], finding["id"], photo, "tab1-photo-2"),
    )

    assert sorted(r.status_code for r in responses) == [200, 201], [r.json for r in responses]
    assert responses[0].json["id"] == responses[1].json["id"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 1
    assert len(_stored_files(app)) == 2  # the loser's files were not left behind
