"""Improvement actions: the lifecycle table by role, evidence rules, due dates, overdue, the
JSON API (scope, concurrency, mass assignment) and action photos."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from photo_files import jpeg_with_gps

from inspect_app.accounts.models import Role, User
from inspect_app.actions import services
from inspect_app.actions.models import (
    Action,
    ActionEvent,
    ActionEventKind,
    ActionOrigin,
    ActionStatus,
)
from inspect_app.actions.services import MOVES
from inspect_app.errors import Conflict, DomainError
from inspect_app.extensions import db, local_today
from inspect_app.factories.models import Factory
from inspect_app.inspections import services as inspection_services
from inspect_app.inspections.models import Finding, Inspection, InspectionStatus
from inspect_app.photos import services as photo_services

S = ActionStatus
ROLES = ("committee", "inspector", "admin", "trainer")


# ---------------------------------------------------------------- builders


@pytest.fixture
def make_finding(app, world, make_inspection):
    """Builder: a finding (with a "before" photo unless photo=False) of a SCORE visit, by
    default of factory A and submitted (so the committee sees it); returns its id."""

    def make(
        *,
        factory=None,
        by: str = "inspector",
        submitted: bool = True,
        photo: bool = True,
        title: str = "Unguarded cross-cut saw",
        area: str = "machine_safety",
        grade: str = "general",
    ) -> int:
        inspection_id = make_inspection(kind="score_visit", factory=factory, by=by)
        with app.app_context():
            user = db.session.get(User, world.users[by].id)
            inspection = db.session.get(Inspection, inspection_id)
            finding, _ = inspection_services.add_finding(
                inspection, by=user, title=title, area=area, grade=grade
            )
            if photo:
                photo_services.add_photo(
                    io.BytesIO(jpeg_with_gps()),
                    factory_id=inspection.factory_id,
                    by_id=user.id,
                    finding_id=finding.id,
                )
            if submitted:  # as if the report had been submitted (answers are not the point here)
                inspection.status = InspectionStatus.SUBMITTED
            db.session.commit()
            return finding.id

    return make


@pytest.fixture
def make_action(app, world, make_finding):
    """Builder: an action raised on a fresh finding (or a suggestion), optionally put straight
    into a status, with a due date (past dates too) and an "after" photo; returns its id."""

    def make(
        *,
        status: ActionStatus | str | None = None,
        by: str = "inspector",
        finding_id: int | None = None,
        factory=None,
        suggestion: bool = False,
        due_on=None,
        after_photo: bool = False,
        before_photo: bool = True,
        **fields,
    ) -> int:
        if not suggestion and finding_id is None:
            finding_id = make_finding(
                factory=factory,
                by="inspector" if factory is None else "inspector_b",
                photo=before_photo,
            )
        with app.app_context():
            user = db.session.get(User, world.users[by].id)
            if suggestion:
                target = db.session.get(Factory, (factory or world.a).id)
                action = services.propose(target, by=user, title="Anti-slip mats", **fields)
            else:
                finding = db.session.get(Finding, finding_id)
                action = services.create_from_finding(finding, by=user, **fields)
            if due_on is not None:
                action.due_on = due_on  # placed directly: past dates are refused by the service
            if after_photo:
                photo_services.add_photo(
                    io.BytesIO(jpeg_with_gps()),
                    factory_id=action.factory_id,
                    by_id=user.id,
                    kind="after",
                    action_id=action.id,
                )
            if status is not None:
                action.status = ActionStatus(status)  # placed directly in the state under test
            db.session.commit()
            return action.id

    return make


@pytest.fixture
def as_user(app, world, login):
    """A fresh client signed in as one of the world's users ("committee_b", …)."""

    def make(name: str):
        c = app.test_client()
        c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return login(world.users[name].username, c=c)

    return make


def _user(world, name: str) -> User:
    return db.session.get(User, world.users[name].id)


def _action(action_id: int) -> Action:
    db.session.expire_all()
    return db.session.get(Action, action_id)


def _allowed_for(role: str, status: ActionStatus) -> list[str]:
    return [t.value for (s, t), m in MOVES.items() if s is status and Role(role) in m.roles]


# ---------------------------------------------------------------- the lifecycle, by role


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("source", "target"), list(MOVES), ids=[f"{s.value}-{t.value}" for s, t in MOVES]
)
def test_each_move_is_allowed_exactly_for_the_roles_in_the_table(
    source, target, role, app, world, client, login_as, make_action
):
    action_id = make_action(status=source, after_photo=True)
    login_as(role)
    response = client.patch(
        f"/api/v1/actions/{action_id}", json={"status": target.value, "note": "checked on site"}
    )
    with app.app_context():
        action = _action(action_id)
        if role == "trainer":
            assert response.status_code == 403
            assert action.status is source
        elif Role(role) in MOVES[(source, target)].roles:
            assert response.status_code == 200, response.json
            assert response.json["status"] == target.value
            event = action.events[-1]
            assert (event.kind, event.from_status, event.to_status) == (
                ActionEventKind.STATUS,
                source,
                target,
            )
            assert event.by_id == world.users[role].id and event.note == "checked on site"
        else:
            assert response.status_code == 409
            error = response.json["error"]
            assert error["code"] == "illegal_move"
            assert error["allowed"] == _allowed_for(role, source)
            assert action.status is source and len(action.events) == 1


@pytest.mark.parametrize("outsider", ["committee_b", "inspector_b"])
@pytest.mark.parametrize(
    ("source", "target"), list(MOVES), ids=[f"{s.value}-{t.value}" for s, t in MOVES]
)
def test_users_outside_the_factory_cannot_move_its_actions(
    source, target, outsider, app, world, client, login, make_action
):
    action_id = make_action(status=source, after_photo=True)
    login(world.users[outsider].username)
    response = client.patch(
        f"/api/v1/actions/{action_id}", json={"status": target.value, "note": "x"}
    )
    assert response.status_code == 404
    with app.app_context():
        assert _action(action_id).status is source


def test_every_move_missing_from_the_table_is_refused_for_everyone(app, world, make_action):
    action_id = make_action(after_photo=True)
    with app.app_context():
        for role in ("committee", "inspector", "admin"):
            user = _user(world, role)
            for source in S:
                for target in S:
                    if (source, target) in MOVES:
                        continue
                    action = _action(action_id)
                    action.status = source
                    db.session.flush()
                    with pytest.raises(services.IllegalMove) as refused:
                        services.move(action, to=target, by=user, note="n")
                    assert refused.value.allowed == _allowed_for(role, source)
                    db.session.rollback()


def test_the_409_says_which_moves_are_allowed(client, login_as, make_action):
    action_id = make_action()  # open
    login_as("committee")
    response = client.patch(f"/api/v1/actions/{action_id}", json={"status": "verified"})
    assert response.status_code == 409
    error = response.json["error"]
    assert error["allowed"] == ["in_progress"]
    assert "in_progress" in error["message"] and error["fields"]["status"]


def test_committee_never_verifies_and_admin_neither(app, as_user, make_action):
    action_id = make_action(status=S.DONE, after_photo=True)
    for role in ("committee", "admin"):
        response = as_user(role).patch(f"/api/v1/actions/{action_id}", json={"status": "verified"})
        assert response.status_code == 409
        assert response.json["error"]["allowed"] == []
    verified = as_user("inspector").patch(
        f"/api/v1/actions/{action_id}", json={"status": "verified"}
    )
    assert verified.status_code == 200
    assert verified.json["allowed_moves"] == []  # verified is final
    with app.app_context():
        assert _action(action_id).status is S.VERIFIED


def test_done_needs_an_after_photo_when_the_finding_had_a_before_photo(
    app, client, login_as, make_action
):
    action_id = make_action(status=S.IN_PROGRESS)
    login_as("committee")
    refused = client.patch(f"/api/v1/actions/{action_id}", json={"status": "done"})
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "after_photo_required"
    assert "photo" in refused.json["error"]["fields"]
    upload = client.post(
        f"/api/v1/actions/{action_id}/photos",
        data={"photo": (io.BytesIO(jpeg_with_gps()), "after.jpg"), "kind": "after"},
    )
    assert upload.status_code == 201 and upload.json["kind"] == "after"
    done = client.patch(f"/api/v1/actions/{action_id}", json={"status": "done"})
    assert done.status_code == 200 and done.json["done_at"]
    assert [p["id"] for p in done.json["photos"]["after"]] == [upload.json["id"]]


def test_done_needs_no_after_photo_when_nothing_was_photographed_before(
    client, login_as, make_action
):
    action_id = make_action(status=S.IN_PROGRESS, before_photo=False)
    login_as("committee")
    assert client.patch(f"/api/v1/actions/{action_id}", json={"status": "done"}).status_code == 200
    suggestion_id = make_action(suggestion=True, status=S.IN_PROGRESS)
    assert (
        client.patch(f"/api/v1/actions/{suggestion_id}", json={"status": "done"}).status_code == 200
    )


def test_sending_back_needs_a_reason_and_the_work_resumes(app, as_user, make_action):
    action_id = make_action(status=S.DONE, after_photo=True)
    inspector = as_user("inspector")
    refused = inspector.patch(f"/api/v1/actions/{action_id}", json={"status": "rejected"})
    assert refused.status_code == 422 and "note" in refused.json["error"]["fields"]
    sent_back = inspector.patch(
        f"/api/v1/actions/{action_id}",
        json={"status": "rejected", "note": "Guard does not cover the blade"},
    )
    assert sent_back.status_code == 200 and sent_back.json["done_at"] is None
    resumed = as_user("committee").patch(
        f"/api/v1/actions/{action_id}", json={"status": "in_progress"}
    )
    assert resumed.status_code == 200
    timeline = resumed.json["timeline"]
    assert [(e["from_status"], e["to_status"]) for e in timeline[1:]] == [
        ("done", "rejected"),
        ("rejected", "in_progress"),
    ]
    assert timeline[1]["note"] == "Guard does not cover the blade"


def test_void_needs_a_reason_and_closes_the_action(app, client, login_as, make_action):
    action_id = make_action()
    login_as("inspector")
    assert client.patch(f"/api/v1/actions/{action_id}", json={"status": "void"}).status_code == 422
    response = client.patch(
        f"/api/v1/actions/{action_id}",
        json={"status": "void", "note": "Machine scrapped"},
    )
    assert response.status_code == 200 and response.json["closed_at"]
    edit = client.patch(
        f"/api/v1/actions/{action_id}", json={"title": "x", "version": response.json["version"]}
    )
    assert edit.status_code == 409 and edit.json["error"]["code"] == "action_closed"


def test_verification_records_who_and_when_and_closes_the_finding_when_all_are_verified(
    app, world, make_finding, make_action
):
    finding_id = make_finding()
    first = make_action(finding_id=finding_id, status=S.DONE, after_photo=True)
    second = make_action(finding_id=finding_id, status=S.DONE, after_photo=True)
    dropped = make_action(finding_id=finding_id)
    with app.app_context():
        inspector = _user(world, "inspector")
        services.move(_action(first), to=S.VERIFIED, by=inspector)
        db.session.commit()
        action = _action(first)
        assert action.verified_by_id == inspector.id and action.verified_at == action.closed_at
        assert db.session.get(Finding, finding_id).closed_at is None  # two more to go
        services.move(_action(dropped), to=S.VOID, by=inspector, note="Duplicate")
        services.move(_action(second), to=S.VERIFIED, by=inspector)
        db.session.commit()
        assert db.session.get(Finding, finding_id).closed_at is not None


def test_a_finding_whose_actions_are_all_void_stays_open(app, world, make_finding, make_action):
    finding_id = make_finding()
    action_id = make_action(finding_id=finding_id)
    with app.app_context():
        services.move(_action(action_id), to=S.VOID, by=_user(world, "inspector"), note="Wrong")
        db.session.commit()
        assert db.session.get(Finding, finding_id).closed_at is None


# ---------------------------------------------------------------- creating


def test_inspector_raises_an_open_action_from_a_finding_in_one_tap(
    app, world, client, login_as, make_finding
):
    finding_id = make_finding(title="Cross-cut saw without blade guard")
    login_as("inspector")
    response = client.post(f"/api/v1/findings/{finding_id}/actions", json={})
    assert response.status_code == 201
    body = response.json
    assert body["status"] == "open" and body["origin"] == "finding"
    assert body["title"] == "Cross-cut saw without blade guard"
    assert len(body["photos"]["before"]) == 1 and body["photos"]["after"] == []
    assert body["timeline"][0]["kind"] == "created" and body["timeline"][0]["to_status"] == "open"
    with app.app_context():
        # before photos are shown through the finding: nothing was copied onto the action
        assert db.session.get(Action, body["id"]).photos == []


def test_committee_proposes_an_action_on_a_finding(client, login_as, make_finding):
    finding_id = make_finding()
    login_as("committee")
    response = client.post(
        f"/api/v1/findings/{finding_id}/actions",
        json={
            "title": "Fit a two-hand control",
            "control_type": "engineering",
            "responsible": "王师傅",
            "due_on": (local_today() + timedelta(days=30)).isoformat(),
            "estimated_cost": "3500",
        },
    )
    assert response.status_code == 201
    body = response.json
    assert body["status"] == "proposed" and body["allowed_moves"] == ["open", "void"]
    assert body["estimated_cost"] == "3500.00" and body["responsible"] == "王师傅"


def test_worker_suggestion_is_proposed_and_counted_as_a_suggestion(app, world, client, login_as):
    login_as("committee")
    response = client.post(
        f"/api/v1/factories/{world.a.id}/actions",
        json={"title": "Move the drums off the walkway", "responsible": "李工"},
    )
    assert response.status_code == 201
    assert response.json["origin"] == ActionOrigin.SUGGESTION.value
    assert response.json["status"] == "proposed" and response.json["finding"] is None
    with app.app_context():
        assert _action(response.json["id"]).proposed_by_id == world.users["committee"].id


def test_factory_post_with_a_finding_raises_an_action_on_it(world, client, login_as, make_finding):
    finding_id = make_finding()
    other_factory_finding = make_finding(factory=world.b, by="inspector_b")
    login_as("admin")
    response = client.post(
        f"/api/v1/factories/{world.a.id}/actions", json={"finding_id": finding_id}
    )
    assert response.status_code == 201 and response.json["finding_id"] == finding_id
    mismatch = client.post(
        f"/api/v1/factories/{world.a.id}/actions", json={"finding_id": other_factory_finding}
    )
    assert mismatch.status_code == 422 and "finding_id" in mismatch.json["error"]["fields"]


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"title": ""}, "title"),
        ({"title": "x", "estimated_cost": -1}, "estimated_cost"),
        ({"title": "x", "estimated_cost": "lots"}, "estimated_cost"),
        ({"title": "x", "control_type": "prayer"}, "control_type"),
        ({"title": "x", "due_on": "2020-01-01"}, "due_on"),
        ({"title": "x", "due_on": "31/12/2030"}, "due_on"),
    ],
)
def test_invalid_fields_say_which_and_why(fields, bad, world, client, login_as):
    login_as("committee")
    response = client.post(f"/api/v1/factories/{world.a.id}/actions", json=fields)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {bad}


def test_a_due_date_today_is_fine_when_raising(world, client, login_as):
    login_as("inspector")
    response = client.post(
        f"/api/v1/factories/{world.a.id}/actions",
        json={"title": "Label the exits", "due_on": local_today().isoformat()},
    )
    assert response.status_code == 201 and response.json["overdue"] is False


# ---------------------------------------------------------------- due dates


def test_due_date_changes_keep_their_history_with_a_reason(
    app, world, client, login_as, make_action
):
    first_due = local_today() + timedelta(days=10)
    action_id = make_action(due_on=first_due)
    login_as("committee")
    version = client.get(f"/api/v1/actions/{action_id}").json["version"]
    later = (first_due + timedelta(days=20)).isoformat()
    silent = client.patch(
        f"/api/v1/actions/{action_id}", json={"due_on": later, "version": version}
    )
    assert silent.status_code == 422 and "reason" in silent.json["error"]["fields"]
    extended = client.patch(
        f"/api/v1/actions/{action_id}",
        json={"due_on": later, "reason": "Guard on back order", "version": version},
    )
    assert extended.status_code == 200 and extended.json["due_on"] == later
    event = extended.json["timeline"][-1]
    assert event["kind"] == "due_date"
    assert (event["old_due_on"], event["new_due_on"]) == (first_due.isoformat(), later)
    assert event["note"] == "Guard on back order"
    assert event["by"]["id"] == world.users["committee"].id
    with app.app_context():
        rows = db.session.scalars(
            sa.select(ActionEvent).where(
                ActionEvent.action_id == action_id, ActionEvent.kind == ActionEventKind.DUE_DATE
            )
        ).all()
        assert len(rows) == 1


def test_due_date_service_refuses_no_reason_and_dates_before_the_action(app, world, make_action):
    action_id = make_action(due_on=local_today() + timedelta(days=5))
    with app.app_context():
        action, user = _action(action_id), _user(world, "committee")
        with pytest.raises(DomainError) as no_reason:
            services.change_due_date(
                action, new_due_on=local_today() + timedelta(days=9), reason=" ", by=user
            )
        assert "reason" in no_reason.value.fields
        with pytest.raises(DomainError) as too_early:
            services.change_due_date(
                action, new_due_on=local_today() - timedelta(days=3), reason="typo", by=user
            )
        assert "due_on" in too_early.value.fields


def test_the_first_due_date_is_recorded_too(app, world, make_action):
    action_id = make_action()
    with app.app_context():
        action = _action(action_id)
        services.change_due_date(
            action,
            new_due_on=local_today() + timedelta(days=7),
            reason="",
            by=_user(world, "inspector"),
        )
        db.session.commit()
        event = _action(action_id).events[-1]
        assert (event.kind, event.old_due_on) == (ActionEventKind.DUE_DATE, None)


# ---------------------------------------------------------------- overdue, derived


@pytest.mark.parametrize(
    ("status", "days_from_today", "overdue"),
    [
        (S.OPEN, -1, True),
        (S.IN_PROGRESS, -30, True),
        (S.PROPOSED, -1, True),
        (S.REJECTED, -1, True),
        (S.OPEN, 0, False),  # due today: not yet overdue
        (S.OPEN, 1, False),
        (S.DONE, -10, False),
        (S.VERIFIED, -10, False),
        (S.VOID, -10, False),
    ],
)
def test_overdue_is_derived_from_due_date_and_status(
    status, days_from_today, overdue, app, client, login_as, make_action, world
):
    action_id = make_action(
        status=status, due_on=local_today() + timedelta(days=days_from_today), after_photo=True
    )
    with app.app_context():
        assert _action(action_id).is_overdue is overdue
        in_sql = db.session.scalars(sa.select(Action.id).where(Action.is_overdue)).all()
        assert (action_id in in_sql) is overdue
    login_as("inspector")
    assert client.get(f"/api/v1/actions/{action_id}").json["overdue"] is overdue
    listed = client.get(f"/api/v1/factories/{world.a.id}/actions?overdue=1").json
    assert ([a["id"] for a in listed["items"]] == [action_id]) is overdue


def test_an_action_without_due_date_is_never_overdue(app, make_action):
    action_id = make_action()
    with app.app_context():
        assert _action(action_id).is_overdue is False


# ---------------------------------------------------------------- API: read, list, scope


def test_list_filters_by_status_area_grade_and_owner(
    world, client, login_as, make_finding, make_action
):
    chem = make_finding(area="chemicals", grade="major")
    a = make_action(finding_id=chem, responsible="张三")
    b = make_action(status=S.IN_PROGRESS, responsible="李四")
    c = make_action(suggestion=True, responsible="张三")
    login_as("committee")
    url = f"/api/v1/factories/{world.a.id}/actions"

    def ids(query: str) -> set[int]:
        body = client.get(url + query).json
        return {item["id"] for item in body["items"]}

    assert ids("") == {a, b, c}
    assert ids("?status=in_progress") == {b}
    assert ids("?status=open,proposed") == {a, c}
    assert ids("?area=chemicals") == {a}
    assert ids("?grade=major") == {a}
    assert ids("?responsible=张三") == {a, c}
    body = client.get(url + "?per_page=2").json
    assert (body["total"], body["pages"], len(body["items"])) == (3, 2, 2)


def test_committee_does_not_see_actions_raised_on_a_draft_inspection(
    world, client, login_as, make_finding, make_action
):
    draft = make_finding(submitted=False)
    action_id = make_action(finding_id=draft)
    login_as("committee")
    assert client.get(f"/api/v1/actions/{action_id}").status_code == 404
    listed = client.get(f"/api/v1/factories/{world.a.id}/actions").json
    assert action_id not in {item["id"] for item in listed["items"]}


def test_other_factories_and_regions_get_404_and_trainers_403(world, as_user, make_action):
    action_id = make_action()
    for outsider in ("committee_b", "inspector_b"):
        client = as_user(outsider)
        assert client.get(f"/api/v1/actions/{action_id}").status_code == 404
        assert client.get(f"/api/v1/factories/{world.a.id}/actions").status_code == 404
    trainer = as_user("trainer")
    assert trainer.get(f"/api/v1/actions/{action_id}").status_code == 403
    assert trainer.get(f"/api/v1/factories/{world.a.id}/actions").status_code == 403


def test_inspector_b_works_on_actions_in_their_own_region(world, client, login, make_action):
    action_id = make_action(factory=world.b, by="inspector_b")
    login(world.users["inspector_b"].username)
    response = client.patch(f"/api/v1/actions/{action_id}", json={"status": "in_progress"})
    assert response.status_code == 200


# ---------------------------------------------------------------- API: edits


def test_fields_are_edited_with_the_version(app, client, login_as, make_action):
    action_id = make_action()
    login_as("committee")
    current = client.get(f"/api/v1/actions/{action_id}").json
    response = client.patch(
        f"/api/v1/actions/{action_id}",
        json={
            "version": current["version"],
            "responsible": "车间主任 刘",
            "actual_cost": 1200.5,
            "done_description": "Fixed guard fitted",
            "control_type": "engineering",
        },
    )
    assert response.status_code == 200
    assert response.json["actual_cost"] == "1200.50"
    assert response.json["version"] == current["version"] + 1
    with app.app_context():
        assert _action(action_id).actual_cost == Decimal("1200.50")


def test_field_edits_without_a_version_are_refused(client, login_as, make_action):
    action_id = make_action()
    login_as("committee")
    response = client.patch(f"/api/v1/actions/{action_id}", json={"title": "New"})
    assert response.status_code == 400 and "version" in response.json["error"]["fields"]


def test_a_stale_edit_gets_409_with_the_current_action(app, client, login_as, make_action):
    action_id = make_action()
    login_as("committee")
    old = client.get(f"/api/v1/actions/{action_id}").json["version"]
    first = client.patch(
        f"/api/v1/actions/{action_id}", json={"title": "Guard the saw", "version": old}
    )
    assert first.status_code == 200
    stale = client.patch(
        f"/api/v1/actions/{action_id}", json={"title": "Remove the saw", "version": old}
    )
    assert stale.status_code == 409
    error = stale.json["error"]
    assert error["code"] == "stale_version"
    assert error["current"]["title"] == "Guard the saw"
    assert error["current"]["version"] == first.json["version"]
    with app.app_context():
        assert _action(action_id).title == "Guard the saw"


@pytest.mark.parametrize(
    "body",
    [
        {"factory_id": 999},
        {"finding_id": 1},
        {"proposed_by_id": 1},
        {"verified_by_id": 1},
        {"closed_at": "2026-01-01"},
        {"origin": "suggestion"},
    ],
)
def test_patch_refuses_fields_that_are_not_editable(body, app, client, login_as, make_action):
    action_id = make_action()
    login_as("inspector")
    version = client.get(f"/api/v1/actions/{action_id}").json["version"]
    response = client.patch(f"/api/v1/actions/{action_id}", json={**body, "version": version})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "unknown_fields"
    assert set(response.json["error"]["fields"]) == set(body)
    with app.app_context():
        assert _action(action_id).version == version


def test_version_is_a_check_never_a_value(app, client, login_as, make_action):
    action_id = make_action()
    login_as("inspector")
    response = client.patch(f"/api/v1/actions/{action_id}", json={"title": "x", "version": 99})
    assert response.status_code == 409
    with app.app_context():
        assert _action(action_id).version != 99 and _action(action_id).title != "x"


def test_status_cannot_jump_through_patch(app, client, login_as, make_action):
    action_id = make_action()  # open
    login_as("inspector")
    for target in ("verified", "done", "proposed", "open"):
        response = client.patch(f"/api/v1/actions/{action_id}", json={"status": target})
        assert response.status_code == 409, target
        assert response.json["error"]["allowed"] == ["in_progress", "void"]
    unknown = client.patch(f"/api/v1/actions/{action_id}", json={"status": "closed"})
    assert unknown.status_code == 422
    with app.app_context():
        assert _action(action_id).status is S.OPEN


def test_a_failed_move_rolls_back_the_field_changes_sent_with_it(
    app, client, login_as, make_action
):
    action_id = make_action()
    login_as("committee")
    version = client.get(f"/api/v1/actions/{action_id}").json["version"]
    response = client.patch(
        f"/api/v1/actions/{action_id}",
        json={"title": "Changed", "status": "verified", "version": version},
    )
    assert response.status_code == 409
    with app.app_context():
        assert _action(action_id).title != "Changed"


def test_services_refuse_edits_of_closed_actions(app, world, make_action):
    action_id = make_action(status=S.VERIFIED)
    with app.app_context():
        action = _action(action_id)
        with pytest.raises(Conflict):
            services.update_action(
                action, by=_user(world, "inspector"), expected_version=action.version, title="x"
            )
        with pytest.raises(Conflict):
            services.change_due_date(
                action, new_due_on=local_today(), reason="r", by=_user(world, "inspector")
            )


# ---------------------------------------------------------------- photos


def _photo(kind: str = "after") -> dict:
    return {"photo": (io.BytesIO(jpeg_with_gps()), "p.jpg"), "kind": kind}


def test_committee_adds_after_photos_and_inspector_verification_photos(
    app, world, as_user, make_action
):
    action_id = make_action(status=S.IN_PROGRESS)
    committee = as_user("committee")
    after = committee.post(f"/api/v1/actions/{action_id}/photos", data=_photo("after"))
    assert after.status_code == 201
    refused = committee.post(f"/api/v1/actions/{action_id}/photos", data=_photo("verification"))
    assert refused.status_code == 403
    client = as_user("inspector")
    too_early = client.post(f"/api/v1/actions/{action_id}/photos", data=_photo("verification"))
    assert too_early.status_code == 409
    with app.app_context():
        _action(action_id).status = S.DONE
        db.session.commit()
    verification = client.post(f"/api/v1/actions/{action_id}/photos", data=_photo("verification"))
    assert verification.status_code == 201 and verification.json["kind"] == "verification"
    bad_kind = client.post(f"/api/v1/actions/{action_id}/photos", data=_photo("before"))
    assert bad_kind.status_code == 400


def test_action_photos_are_seen_by_whoever_sees_the_action(as_user, make_action):
    action_id = make_action(status=S.IN_PROGRESS)
    committee = as_user("committee")
    photo = committee.post(f"/api/v1/actions/{action_id}/photos", data=_photo()).json
    assert committee.get(photo["thumb_url"]).status_code == 200
    assert as_user("inspector").get(photo["url"]).status_code == 200
    for outsider in ("committee_b", "inspector_b"):
        client = as_user(outsider)
        assert client.get(photo["thumb_url"]).status_code == 404
        upload = client.post(f"/api/v1/actions/{action_id}/photos", data=_photo())
        assert upload.status_code == 404
    assert as_user("trainer").get(photo["thumb_url"]).status_code == 404


def test_closed_actions_take_no_more_photos(client, login_as, make_action):
    action_id = make_action(status=S.VERIFIED)
    login_as("committee")
    assert client.post(f"/api/v1/actions/{action_id}/photos", data=_photo()).status_code == 409


# ---------------------------------------------------------------- the contract


def test_openapi_documents_the_action_routes(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {
        "/factories/{factory_id}/actions",
        "/actions/{action_id}",
        "/actions/{action_id}/photos",
        "/findings/{finding_id}/actions",
    } <= set(paths)
    patch = paths["/actions/{action_id}"]["patch"]
    assert "409" in patch["responses"]
