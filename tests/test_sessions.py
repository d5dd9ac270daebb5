"""The offline kit's background refresh never writes the session cookie: a refresh still under
way when the user signs in again must not answer with the old session after the new one."""

from __future__ import annotations

from inspect_app.sessions import KIT_HEADER

KIT = {KIT_HEADER: "1"}


def _sets_session(response) -> bool:
    return any("inspect_session=" in v for v in response.headers.getlist("Set-Cookie"))


def test_a_signed_out_kit_request_leaves_the_cookie_as_it_is(client):
    client.get("/login")  # an anonymous session (its CSRF token) in the cookie
    assert _sets_session(client.get("/factories"))  # a page's redirect to sign-in writes it
    kit = client.get("/factories", headers=KIT)
    assert kit.status_code == 302 and "/login" in kit.headers["Location"]
    assert not _sets_session(kit)
    assert not _sets_session(client.get("/login?next=/factories", headers=KIT))


def test_a_refresh_answered_after_sign_in_does_not_sign_the_user_out(app, client, world):
    """The race, in order: the kit asks while signed out, the user signs in, the kit's answer
    arrives. The browser keeps the last cookie it was given: sign-in's."""
    from support import PASSWORD

    app.config["WTF_CSRF_ENABLED"] = False
    stale = client.get("/factories", headers=KIT)  # started before sign-in…
    signed_in = client.post(
        "/login", data={"username": world.users["inspector"].username, "password": PASSWORD}
    )
    assert signed_in.status_code == 302 and _sets_session(signed_in)
    assert not _sets_session(stale)  # …so it cannot overwrite sign-in's cookie
    assert client.get("/factories").status_code == 200  # still signed in
