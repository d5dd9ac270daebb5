"""A committee phone sends a kept change again when it never heard the answer (outbox.js): the
server makes it once. A move already made is a success, not an error; a photo is stored once."""

from __future__ import annotations

import io

import sqlalchemy as sa
from photos import fixtures
from test_progress import _action

from inspect_app.actions.models import Action, ActionEvent, ActionEventKind
from inspect_app.actions.models import ActionStatus as S
from inspect_app.extensions import db, local_today
from inspect_app.photos.models import Photo


def _in_progress(app, world) -> int:
    with app.app_context():
        today = local_today()
        action = _action(world.a.id, today, [(today, S.OPEN, S.IN_PROGRESS)])
        db.session.commit()
        return action.id


def test_a_move_sent_twice_with_its_client_id_is_made_once(app, client, world, login_as):
    action_id = _in_progress(app, world)
    login_as("committee")
    move = {"to": "done", "client_id": "8c1f0a52-8d9e-4d7e-9a40-2f6a4b1c9e01"}
    first = client.post(f"/actions/{action_id}/move", data=move)
    again = client.post(f"/actions/{action_id}/move", data=move, follow_redirects=True)

    assert first.status_code == 302 and again.status_code == 200
    with app.app_context():
        assert db.session.get(Action, action_id).status is S.DONE
        moves = db.session.scalars(
            sa.select(ActionEvent).where(
                ActionEvent.action_id == action_id, ActionEvent.kind == ActionEventKind.STATUS
            )
        ).all()
        assert [m.to_status for m in moves] == [S.IN_PROGRESS, S.DONE]
    # Without a client id (a second tap on an old page) the refusal stays as it was.
    assert client.post(f"/actions/{action_id}/move", data={"to": "done"}).status_code != 302


def test_an_after_photo_sent_twice_with_its_client_id_is_stored_once(app, client, world, login_as):
    action_id = _in_progress(app, world)
    login_as("committee")
    photo = fixtures.oriented_jpeg(1)

    def send():
        form = {
            "kind": "after",
            "client_id": "0e5b3d7a-1c2f-4e8a-b6d9-7f3a2c1e5b40",
            "photo": (io.BytesIO(photo), "after.jpg"),
        }
        return client.post(f"/actions/{action_id}/photos", data=form)

    assert send().status_code == 302 and send().status_code == 302
    with app.app_context():
        stored = db.session.scalars(sa.select(Photo).where(Photo.action_id == action_id)).all()
        assert len(stored) == 1
