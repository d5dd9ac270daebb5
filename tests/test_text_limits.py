# ruff: noqa: F811  (the builders are fixtures shared with test_actions.py)
"""Text over a limit is refused with the limit in the message, never cut: on the API, the
tablet form's autosave and the HTML forms. Each of these was once cut while the server said
200/201, so the user never learnt that part of what they wrote was gone."""

from __future__ import annotations

import io

import pytest
from photo_files import jpeg_with_gps
from test_actions import as_user, make_action, make_finding  # noqa: F401  (fixtures)

from inspect_app.actions.models import Action
from inspect_app.extensions import db
from inspect_app.inspections.models import Answer, Finding, Inspection


def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def inspector(app, login_as):
    return _english(login_as("inspector", c=app.test_client()))


def _refused(response, field: str, limit: int) -> None:
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.json["error"]["fields"][field] == f"At most {limit} characters."


def test_an_answer_note_over_2000_characters_is_refused_not_cut(app, inspector, make_inspection):
    draft_id = make_inspection()
    with app.app_context():
        from inspect_app.inspections import services

        item = next(services.checklist_of(db.session.get(Inspection, draft_id)).items()).id
    url = f"/api/v1/inspections/{draft_id}/answers/{item}"
    _refused(inspector.put(url, json={"value": "no", "note": "注" * 2001}), "note", 2000)
    with app.app_context():
        assert db.session.scalar(db.select(Answer).where(Answer.item_id == item)) is None
    kept = inspector.put(url, json={"value": "no", "note": "注" * 2000})
    assert kept.status_code == 200
    with app.app_context():
        assert (
            db.session.scalar(db.select(Answer.note).where(Answer.item_id == item)) == "注" * 2000
        )


@pytest.mark.parametrize(
    ("field", "limit"), [("title", 200), ("description", 5000), ("location", 200)]
)
def test_finding_text_over_its_limit_is_refused_on_create_and_edit(
    app, inspector, make_inspection, field, limit
):
    draft_id = make_inspection()
    url = f"/api/v1/inspections/{draft_id}/findings"
    _refused(inspector.post(url, json={"title": "无防护", field: "字" * (limit + 1)}), field, limit)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Finding.id))) == 0
    created = inspector.post(url, json={"title": "无防护", field: "字" * limit})
    assert created.status_code == 201 and created.json[field] == "字" * limit
    edit = {field: "字" * (limit + 1), "version": created.json["version"]}
    _refused(inspector.patch(f"/api/v1/findings/{created.json['id']}", json=edit), field, limit)
    assert inspector.get(f"/api/v1/findings/{created.json['id']}").json[field] == "字" * limit


def test_good_points_over_5000_characters_are_refused(app, inspector, make_inspection):
    draft_id = make_inspection()
    version = inspector.get(f"/api/v1/inspections/{draft_id}").json["version"]
    body = {"good_points": "好" * 5001, "version": version}
    _refused(inspector.patch(f"/api/v1/inspections/{draft_id}", json=body), "good_points", 5000)
    assert inspector.get(f"/api/v1/inspections/{draft_id}").json["good_points"] == ""


@pytest.mark.parametrize(
    ("field", "limit"), [("title", 200), ("description", 5000), ("responsible", 120)]
)
def test_action_text_over_its_limit_is_refused_on_the_api(
    app, world, inspector, make_action, field, limit
):
    body = {"title": "加装防护罩", field: "字" * (limit + 1)}
    _refused(inspector.post(f"/api/v1/factories/{world.a.id}/actions", json=body), field, limit)
    action_id = make_action()
    version = inspector.get(f"/api/v1/actions/{action_id}").json["version"]
    edit = {field: "字" * (limit + 1), "version": version}
    _refused(inspector.patch(f"/api/v1/actions/{action_id}", json=edit), field, limit)
    assert inspector.get(f"/api/v1/actions/{action_id}").json[field] != "字" * limit


def test_a_move_note_over_2000_characters_is_refused_and_the_action_stays(
    app, inspector, make_action
):
    action_id = make_action()
    move = {"status": "void", "note": "因" * 2001}
    _refused(inspector.patch(f"/api/v1/actions/{action_id}", json=move), "note", 2000)
    assert inspector.get(f"/api/v1/actions/{action_id}").json["status"] == "open"


def test_the_html_action_form_refuses_a_long_description_and_keeps_the_action(
    app, as_user, make_action
):
    action_id = make_action()
    client = _english(as_user("committee"))
    with app.app_context():
        action = db.session.get(Action, action_id)
        version, description = action.version, action.description
    form = {"title": "Fit a fixed guard", "description": "x" * 5001, "version": str(version)}
    response = client.post(f"/actions/{action_id}/edit", data=form)
    assert response.status_code == 422
    assert "5000" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Action, action_id).description == description


def test_a_photo_caption_over_300_characters_is_refused(app, inspector, make_action):
    action_id = make_action(status="in_progress")
    response = inspector.post(
        f"/api/v1/actions/{action_id}/photos",
        data={"photo": (io.BytesIO(jpeg_with_gps()), "a.jpg"), "caption": "c" * 301},
    )
    _refused(response, "caption", 300)
    assert inspector.get(f"/api/v1/actions/{action_id}").json["photos"]["after"] == []


def test_a_token_label_over_80_characters_is_refused(app, world, runner):
    username = world.users["admin"].username
    result = runner.invoke(args=["users", "token", username, "--name", "n" * 81])
    assert result.exit_code != 0 and "80" in result.output  # the limit, in the message
    assert "isk_" not in result.output  # no token was issued
