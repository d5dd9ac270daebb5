"""`next` is followed only to a path on this site: parsed, whatever hides in it (a tab or a
newline a browser drops, a backslash it reads as a slash, a scheme), on every route that
follows it — never a redirect off-site, never a 500."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from support import PASSWORD

from inspect_app.web import safe_next

HOSTILE = [
    "//evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "\t//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https://evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/\r\nSet-Cookie: x=1",
    "evil.example",
    "/" + "a" * 5000,
]


def _stays_here(response, fallback: str) -> None:
    assert response.status_code in (302, 303), response.status_code
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost")
    assert location.path == fallback


@pytest.mark.parametrize("target", [*HOSTILE, "//evil.example\x00"])
def test_the_shared_check_refuses_anything_but_a_local_path(target):
    assert safe_next(target, "/home") == "/home"


def test_local_paths_pass_with_their_query():
    assert safe_next("/actions/queue?page=2", "/") == "/actions/queue?page=2"
    assert safe_next("/factories/3#kpis", "/") == "/factories/3#kpis"


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_stays_on_the_site(client, target):
    _stays_here(client.post("/language", data={"locale": "en", "next": target}), "/")


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_in_stays_on_the_site(client, world, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"username": world.users["inspector"].username, "password": PASSWORD},
    )
    _stays_here(response, "/")


@pytest.mark.parametrize("target", HOSTILE)
def test_action_moves_stay_on_the_site(app, client, world, login_as, target):
    from inspect_app.actions.models import Action
    from inspect_app.extensions import db

    with app.app_context():
        action = Action(factory_id=world.a.id, title="加装防护罩")
        db.session.add(action)
        db.session.commit()
        action_id = action.id
    login_as("inspector")
    response = client.post(f"/actions/{action_id}/move", data={"to": "in_progress", "next": target})
    _stays_here(response, f"/actions/{action_id}")
