"""Ids that cannot collide: records made on a device carry its UUID, creates are idempotent by
it, integer keys are never reused, and a change for a discarded record is refused (issue 12)."""

from __future__ import annotations

import re
import shutil
import uuid

import flask_migrate
import pytest
import sqlalchemy as sa
from conftest import base_config
from support import PG_URL, REPO

from inspect_app import create_app
from inspect_app.actions.models import Action
from inspect_app.extensions import db
from inspect_app.factories.models import KpiRecord
from inspect_app.inspections.models import Answer, Finding, Inspection

ITEM = "guard-01"  # machine-guarding's first item


def _start(client, factory_id, **extra):
    body = {"factory_id": factory_id, "checklist": "machine-guarding", "kind": "score_visit"}
    return client.post("/api/v1/inspections", json={**body, **extra})


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# ---------------------------------------------------------------- discarded and unknown records


def test_a_queued_answer_for_a_discarded_draft_is_refused_and_lands_nowhere(
    app, world, client, login_as, checklists_loaded
):
    login_as("inspector")
    discarded = _start(client, world.a.id).json
    response = client.post(f"/inspections/{discarded['id']}/discard")
    assert response.status_code == 302
    # The next inspection, in another factory of the same inspector's region.
    other_factory = world.a  # the only factory in the inspector's scope
    fresh = _start(client, other_factory.id).json

    queued = client.put(
        f"/api/v1/inspections/{discarded['id']}/answers/{ITEM}",
        json={"value": "yes", "note": "note about the discarded visit"},
    )

    assert fresh["id"] != discarded["id"]  # never reused, on SQLite too
    assert queued.status_code == 410
    assert queued.json["error"]["code"] == "discarded"
    assert "discarded" in queued.json["error"]["message"]
    assert _count(app, Answer) == 0


def test_a_queued_finding_change_for_a_discarded_draft_is_gone(
    app, world, client, login_as, checklists_loaded
):
    login_as("inspector")
    draft = _start(client, world.a.id).json
    finding = client.post(
        f"/api/v1/inspections/{draft['id']}/findings", json={"title": "Blocked exit"}
    ).json
    client.post(f"/inspections/{draft['id']}/discard")

    update = client.patch(
        f"/api/v1/findings/{finding['id']}", json={"title": "Exit cleared", "version": 1}
    )
    added = client.post(f"/api/v1/inspections/{draft['id']}/findings", json={"title": "Late"})

    assert (update.status_code, added.status_code) == (410, 410)
    assert _count(app, Finding) == 0


def test_a_discarded_draft_is_unknown_to_someone_outside_its_factory(
    world, client, login_as, login, make_inspection, app
):
    draft_id = make_inspection()
    login_as("inspector")
    client.post(f"/inspections/{draft_id}/discard")
    other = app.test_client()
    login(world.users["inspector_b"].username, c=other)

    response = other.put(f"/api/v1/inspections/{draft_id}/answers/{ITEM}", json={"value": "yes"})

    assert response.status_code == 404  # its existence does not leak
    assert response.json["error"]["code"] == "not_found"


def test_a_change_for_a_record_that_never_existed_is_a_json_404(client, login_as, world):
    login_as("inspector")
    for response in (
        client.put(f"/api/v1/inspections/999999/answers/{ITEM}", json={"value": "yes"}),
        client.patch("/api/v1/findings/999999", json={"title": "x", "version": 1}),
    ):
        assert response.status_code == 404
        assert response.json["error"]["code"] == "not_found"


# ---------------------------------------------------------------- integer keys never reused


@pytest.mark.skipif(bool(PG_URL), reason="PostgreSQL sequences never reuse a value")
def test_every_table_with_an_integer_key_never_reuses_it_on_sqlite(app):
    with app.app_context():
        rows = db.session.execute(
            sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        ).all()
    checked = [name for name, sql in rows if re.search(r"\bid INTEGER NOT NULL", sql)]
    assert {"inspections", "findings", "actions", "photos", "kpi_records"} <= set(checked)
    missing = [name for name, sql in rows if name in checked and "AUTOINCREMENT" not in sql]
    assert missing == []


@pytest.mark.skipif(bool(PG_URL), reason="the rebuild is SQLite's; PostgreSQL adds columns")
def test_the_migration_keeps_every_row_and_gives_old_records_ids(tmp_path):
    """A database made before this change: its rows survive the rebuild, old records get a
    UUID, and a deleted draft's id is not given out again."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = create_app(base_config(url, tmp_path))
    with app.app_context():
        flask_migrate.upgrade(revision="0007")
        _insert("regions", id=1, code="500000", level="province")
        _insert("factories", id=1, region_id=1, score_modules="[]")
        _insert("checklist_versions", id=1, definition="{}", areas="[]")
        for n in (1, 2):
            _insert("inspections", id=n, factory_id=1, checklist_version_id=1, kind="score_visit")
        _insert("answers", id=1, inspection_id=1, item_id="a", value='"yes"')
        db.session.execute(sa.text("DELETE FROM inspections WHERE id = 2"))
        db.session.commit()
        db.session.remove()

        flask_migrate.upgrade()

        answers = db.session.execute(sa.text("SELECT inspection_id, value FROM answers")).all()
        client_id = db.session.scalar(sa.text("SELECT client_id FROM inspections"))
        db.session.execute(
            sa.text(
                "INSERT INTO inspections (factory_id, checklist_version_id, kind, status, "
                "inspected_on, good_points, created_at, updated_at, version, client_id) VALUES "
                "(1, 1, 'score_visit', 'draft', '2026-01-01', '', '2026-01-01', '2026-01-01', 1, "
                "'new')"
            )
        )
        new_id = db.session.scalar(sa.text("SELECT max(id) FROM inspections"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert answers == [(1, '"yes"')]
    assert uuid.UUID(client_id)
    # AUTOINCREMENT starts after the highest id the table holds at the rebuild (1 here: the
    # draft deleted before it left no trace); from now on no id is ever given out twice.
    assert new_id == 2


def _insert(table: str, **values) -> None:
    """A row as an older version of the app stored it: every required column filled."""
    for column in sa.inspect(db.session.connection()).get_columns(table):
        if column["nullable"] or column["name"] in values:
            continue
        kind = column["type"]
        if isinstance(kind, sa.Integer | sa.Boolean):
            values[column["name"]] = 1
        elif isinstance(kind, sa.DateTime | sa.Date):
            values[column["name"]] = "2026-01-01"
        else:
            values[column["name"]] = "x"
    names = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - names from the schema
    db.session.execute(sa.text(insert), values)


# ---------------------------------------------------------------- creates are idempotent


def test_starting_an_inspection_twice_with_one_device_id_makes_one(
    app, world, client, login_as, checklists_loaded
):
    login_as("inspector")
    device_id = str(uuid.uuid4())

    first = _start(client, world.a.id, client_id=device_id)
    replay = _start(client, world.a.id, client_id=device_id)
    found = client.get(f"/api/v1/inspections?client_id={device_id}").json
    misuse = _start(client, world.a.id, client_id=device_id, kind="self_inspection")

    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json["id"] == first.json["id"]
    assert first.json["client_id"] == device_id
    assert [i["id"] for i in found["items"]] == [first.json["id"]]
    assert misuse.status_code == 409
    assert misuse.json["error"]["code"] == "idempotency_conflict"
    assert _count(app, Inspection) == 1


def test_another_users_device_id_is_unknown_to_me(
    app, world, client, login_as, login, checklists_loaded
):
    login_as("inspector")
    device_id = str(uuid.uuid4())
    mine = _start(client, world.a.id, client_id=device_id).json
    other = app.test_client()
    login(world.users["committee"].username, c=other)

    theirs = _start(other, world.a.id, client_id=device_id, kind="self_inspection")
    listed = other.get(f"/api/v1/inspections?client_id={device_id}").json

    assert theirs.status_code == 201 and theirs.json["id"] != mine["id"]
    assert [i["id"] for i in listed["items"]] == [theirs.json["id"]]


def test_an_inspection_started_offline_keeps_the_checklist_version_it_was_started_on(
    app, world, client, login_as, tmp_path, runner
):
    folder = tmp_path / "checklists"
    shutil.copytree(REPO / "checklists", folder)
    app.config["CHECKLIST_DIR"] = str(folder)
    assert runner.invoke(args=["checklists", "load"]).exit_code == 0
    path = folder / "machine-guarding.yaml"
    text = path.read_text(encoding="utf-8")
    old = "Fit fixed guards over all exposed pulleys"
    assert old in text
    path.write_text(text.replace(old, "Fit fixed guards over every exposed pulley"), "utf-8")
    assert runner.invoke(args=["checklists", "load"]).exit_code == 0
    login_as("inspector")

    pinned = _start(client, world.a.id, client_id=str(uuid.uuid4()), checklist_version=1)
    latest = _start(client, world.a.id)
    unknown = _start(client, world.a.id, checklist_version=9)
    not_a_number = _start(client, world.a.id, checklist_version="1")

    assert pinned.status_code == 201
    assert pinned.json["checklist"] == {"slug": "machine-guarding", "version": 1}
    assert latest.json["checklist"]["version"] == 2
    assert unknown.status_code == 422 and "checklist_version" in unknown.json["error"]["fields"]
    assert not_a_number.status_code == 422


def test_the_start_form_tapped_twice_starts_one_inspection(
    app, world, client, login_as, checklists_loaded
):
    login_as("inspector")
    page = client.get(f"/inspections/new?factory={world.a.id}").get_data(as_text=True)
    form_id = re.search(r'name="client_id"[^>]*value="([^"]+)"', page).group(1)
    data = {
        "factory_id": world.a.id,
        "checklist": "machine-guarding",
        "kind": "score_visit",
        "inspected_on": "2026-01-05",
        "client_id": form_id,
    }

    first, second = (
        client.post("/inspections/new", data=data),
        client.post("/inspections/new", data=data),
    )

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app, Inspection) == 1


def test_a_finding_sent_without_a_device_id_gets_one(client, login_as, make_inspection):
    inspection_id = make_inspection()
    login_as("inspector")

    finding = client.post(
        f"/api/v1/inspections/{inspection_id}/findings", json={"title": "Blocked exit"}
    ).json

    assert uuid.UUID(finding["client_id"])


def test_an_action_or_suggestion_sent_twice_is_stored_once(
    app, world, client, login_as, make_inspection
):
    inspection_id = make_inspection()
    login_as("inspector")
    finding = client.post(
        f"/api/v1/inspections/{inspection_id}/findings", json={"title": "Blocked exit"}
    ).json
    key, other_key = str(uuid.uuid4()), str(uuid.uuid4())
    factory_url = f"/api/v1/factories/{world.a.id}/actions"

    suggestion = [client.post(factory_url, json={"title": "Foot guard", "client_id": key})]
    suggestion.append(client.post(factory_url, json={"title": "Foot guard", "client_id": key}))
    raised = [
        client.post(
            f"/api/v1/findings/{finding['id']}/actions",
            json={"title": "Clear the exit", "client_id": other_key},
        )
        for _ in range(2)
    ]
    via_factory = client.post(
        factory_url,
        json={"finding_id": finding["id"], "title": "Clear the exit", "client_id": other_key},
    )

    assert [r.status_code for r in suggestion] == [201, 200]
    assert [r.status_code for r in raised] == [201, 200]
    assert via_factory.status_code == 200
    assert len({r.json["id"] for r in suggestion}) == 1
    assert len({r.json["id"] for r in [*raised, via_factory]}) == 1
    assert suggestion[0].json["client_id"] == key
    assert _count(app, Action) == 2


def test_the_suggestion_form_tapped_twice_records_one_suggestion(app, world, client, login_as):
    login_as("committee")
    url = f"/factories/{world.a.id}/actions/new"
    page = client.get(url).get_data(as_text=True)
    form_id = re.search(r'name="client_id"[^>]*value="([^"]+)"', page).group(1)
    data = {"title": "Anti-slip mats by the press", "client_id": form_id}

    first, second = client.post(url, data=data), client.post(url, data=data)

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app, Action) == 1


def test_the_one_tap_action_button_tapped_twice_raises_one_action(
    app, world, client, login_as, make_inspection
):
    inspection_id = make_inspection()
    login_as("inspector")
    finding = client.post(
        f"/api/v1/inspections/{inspection_id}/findings", json={"title": "Blocked exit"}
    ).json
    data = {"client_id": str(uuid.uuid4())}

    taps = [client.post(f"/findings/{finding['id']}/actions/new", data=data) for _ in range(2)]

    assert [t.status_code for t in taps] == [302, 302]
    assert taps[0].headers["Location"] == taps[1].headers["Location"]
    assert _count(app, Action) == 1


def test_a_kpi_month_keeps_the_device_id_it_was_made_with(app, world, client, login_as):
    login_as("committee")
    key = str(uuid.uuid4())
    url = f"/api/v1/factories/{world.a.id}/kpis/2026-01"

    first = client.put(url, json={"accidents": 1, "headcount": 30, "client_id": key})
    again = client.put(url, json={"accidents": 1, "headcount": 30, "client_id": key})

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["client_id"] == again.json["client_id"] == key
    assert _count(app, KpiRecord) == 1


@pytest.mark.parametrize("bad", [123, "x" * 65, "tab\n1", "   "])
def test_a_device_id_that_is_not_text_is_refused_by_name(client, login_as, world, bad):
    login_as("committee")

    response = client.post(
        f"/api/v1/factories/{world.a.id}/actions", json={"title": "Mats", "client_id": bad}
    )

    assert response.status_code == 422
    assert "client_id" in response.json["error"]["fields"]
