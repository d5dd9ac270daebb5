"""API tokens: named, listed with their use, shown once, optionally expiring, revocable by their
owner and by admins (page, API, CLI); a password change or deactivation revokes them all."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from support import PASSWORD

from inspect_app.accounts import services
from inspect_app.accounts.models import ApiToken, User
from inspect_app.extensions import db, utcnow


def _token(app, world, role: str = "committee", name: str = "nightly export", **kw) -> str:
    with app.app_context():
        token = services.issue_token(db.session.get(User, world.users[role].id), name=name, **kw)
        db.session.commit()
        return token


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _works(client, token: str) -> bool:
    return client.get("/api/v1/me", headers=_bearer(token)).status_code == 200


def test_a_token_is_shown_once_listed_with_its_use_and_revoked_on_the_page(
    app, client, world, login_as
):
    login_as("committee")
    made = client.post("/account/tokens", data={"name": "KPI upload", "expires_in_days": "90"})
    assert made.status_code == 200
    token = re.search(r"isk_[\w-]+", made.get_data(as_text=True)).group(0)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "KPI upload" in page and token not in page  # shown once, never again
    script = app.test_client()
    assert _works(script, token)
    listed = script.get("/api/v1/tokens", headers=_bearer(token)).json
    assert [t["name"] for t in listed] == ["KPI upload"]
    assert listed[0]["last_used_at"] and listed[0]["expires_at"]
    assert listed[0]["prefix"] == token[:12] and "token" not in listed[0]
    # The same name twice is refused (it is how a token is revoked by name).
    again = client.post("/account/tokens", data={"name": "KPI upload"})
    assert again.status_code == 409
    revoked = client.post(f"/account/tokens/{listed[0]['id']}/revoke")
    assert revoked.status_code == 302
    assert not _works(script, token)
    after = client.get("/account/tokens").get_data(as_text=True)
    assert "“KPI upload” revoked" in after and '<td data-label="Token name">KPI upload' not in after
    assert "No tokens yet" in after


def test_owner_and_admins_revoke_through_the_api_others_get_404(app, world, login_as):
    token = _token(app, world)
    owner = app.test_client()
    token_id = owner.get("/api/v1/tokens", headers=_bearer(token)).json[0]["id"]
    for role in ("inspector", "committee_b", "trainer"):
        other = app.test_client()
        login_as(role, c=other)
        assert other.delete(f"/api/v1/tokens/{token_id}").status_code == 404, role
    assert _works(owner, token)
    admin = app.test_client()
    login_as("admin", c=admin)
    assert admin.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    assert not _works(owner, token)
    assert admin.delete(f"/api/v1/tokens/{token_id}").status_code == 404  # gone already
    second = _token(app, world, name="second")
    second_id = owner.get("/api/v1/tokens", headers=_bearer(second)).json[0]["id"]
    assert owner.delete(f"/api/v1/tokens/{second_id}", headers=_bearer(second)).status_code == 204
    assert not _works(owner, second)


def test_an_expired_token_stops_working(app, world, client):
    token = _token(app, world, expires_in_days=30)
    assert _works(client, token)
    with app.app_context():
        row = db.session.scalar(sa.select(ApiToken).where(ApiToken.prefix == token[:12]))
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert not _works(client, token)


def test_a_password_change_or_deactivation_revokes_every_token(app, world, login):
    token = _token(app, world, role="inspector")
    script = app.test_client()
    assert _works(script, token)
    person = login(world.users["inspector"].username, c=app.test_client())
    changed = person.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a-brand-new-secret",
            "confirm": "a-brand-new-secret",
        },
    )
    assert changed.status_code == 302
    assert not _works(script, token)
    fresh = _token(app, world, role="inspector", name="after the change")
    assert _works(script, fresh)
    with app.app_context():
        services.update_user(
            db.session.get(User, world.users["inspector"].id),
            display_name="",
            role="inspector",
            active=False,
            factory=None,
            regions=list(db.session.get(User, world.users["inspector"].id).regions),
        )
        db.session.commit()
        assert services.live_tokens(db.session.get(User, world.users["inspector"].id)) == []
    assert not _works(script, fresh)


def test_cli_lists_and_revokes_tokens_by_name_or_all(app, world, runner):
    username = world.users["committee"].username
    made = runner.invoke(
        args=["users", "token", username, "--name", "export", "--expires-days", "7"]
    )
    assert made.exit_code == 0, made.output
    token = made.output.strip()
    _token(app, world, name="import")
    listed = runner.invoke(args=["users", "tokens", username])
    assert listed.exit_code == 0
    assert "export" in listed.output and "import" in listed.output and token not in listed.output
    assert runner.invoke(args=["users", "token", username, "--name", "export"]).exit_code != 0
    revoked = runner.invoke(args=["users", "revoke-token", username, "export"])
    assert revoked.exit_code == 0, revoked.output
    assert not _works(app.test_client(), token)
    assert runner.invoke(args=["users", "revoke-token", username, "export"]).exit_code != 0
    assert runner.invoke(args=["users", "revoke-token", username]).exit_code != 0
    everything = runner.invoke(args=["users", "revoke-token", username, "--all"])
    assert everything.exit_code == 0 and "revoked 1" in everything.output
    assert "no live API tokens" in runner.invoke(args=["users", "tokens", username]).output
