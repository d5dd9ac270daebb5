"""Signing in and out, sessions, passwords, API tokens and user administration."""

from __future__ import annotations

import sqlalchemy as sa
from support import PASSWORD

from inspect_app.accounts.models import ApiToken, Role, User, UserSession
from inspect_app.audit import AuditEvent
from inspect_app.extensions import db


def test_sign_in_lands_on_a_home_page_that_fits_the_role(world, client, login_as):
    login_as("committee")
    page = client.get("/").get_data(as_text=True)
    assert "渝北橡胶厂" in page or "Yubei Rubber Works" in page
    assert "/admin/users" not in page


def test_admin_home_links_user_administration(world, client, login_as):
    login_as("admin")
    assert "/admin/users" in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused_and_recorded(world, client, app):
    response = client.post(
        "/login", data={"username": world.users["admin"].username, "password": "wrong-password"}
    )
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_attempts_are_rate_limited(world, client, app):
    username = world.users["inspector"].username
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"username": username, "password": "nope-nope-nope"})
    # Even the right password is refused while the account is cooling down.
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 429
    assert client.get("/").status_code == 302


def test_login_rotates_the_session(world, client, app, login_as):
    with client.session_transaction() as session:
        session["planted"] = "by-an-attacker"
    login_as("admin")
    with client.session_transaction() as session:
        assert "planted" not in session
        first_token = session["_user_id"]
    client.post("/logout")
    login_as("admin")
    with client.session_transaction() as session:
        assert session["_user_id"] != first_token
    with app.app_context():
        # Only hashes are stored, never the token itself.
        hashes = db.session.scalars(sa.select(UserSession.token_hash)).all()
        assert first_token not in hashes and len(hashes) == 2


def test_logout_invalidates_a_replayed_cookie(world, client, app, login_as):
    login_as("inspector")
    stolen = client.get_cookie("inspect_session").value
    assert client.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("inspect_session", stolen)
    response = thief.get("/factories")
    assert response.status_code == 302 and "/login" in response.location


def test_password_change_signs_out_every_other_session(world, app, client, login):
    username = world.users["inspector"].username
    tablet = login(username, c=app.test_client())
    phone = login(username, c=app.test_client())
    response = tablet.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a-brand-new-secret",
            "confirm": "a-brand-new-secret",
        },
    )
    assert response.status_code == 302
    assert phone.get("/factories").status_code == 302  # bounced to sign-in
    assert tablet.get("/factories").status_code == 302
    login(username, "a-brand-new-secret", c=app.test_client())


def test_password_change_needs_the_current_password(world, client, login_as):
    login_as("inspector")
    response = client.post(
        "/account/password",
        data={
            "current_password": "not-it-at-all",
            "new_password": "a-brand-new-secret",
            "confirm": "a-brand-new-secret",
        },
    )
    assert response.status_code == 422
    assert "current password is not right" in response.get_data(as_text=True)


def test_passwords_are_hashed_with_scrypt(world, app):
    with app.app_context():
        user = db.session.get(User, world.users["admin"].id)
        assert user.password_hash.startswith("scrypt:")
        assert PASSWORD not in user.password_hash


def test_admin_creates_an_inspector_with_regions(world, client, app, login_as):
    login_as("admin")
    with app.app_context():
        from inspect_app.factories.models import Region

        sichuan = db.session.scalar(sa.select(Region).where(Region.code == "510000"))
        chongqing = db.session.scalar(sa.select(Region).where(Region.code == "500000"))
        region_ids = [sichuan.id, chongqing.id]
    response = client.post(
        "/admin/users/new",
        data={
            "username": "zhao",
            "display_name": "赵检查",
            "role": "inspector",
            "factory_id": 0,
            "region_ids": region_ids,
            "password": "long-enough-pass",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "zhao"))
        assert user.role is Role.INSPECTOR
        assert sorted(r.code for r in user.regions) == ["500000", "510000"]
        event = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.entity == "users", AuditEvent.entity_id == user.id
            )
        )
        assert event.action == "create" and event.actor_id == world.users["admin"].id
        assert event.changes["password_hash"] == "•••"


def test_inspector_without_region_is_refused(world, client, app, login_as):
    login_as("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "username": "noregion",
            "role": "inspector",
            "factory_id": 0,
            "password": "long-enough-pass",
        },
    )
    assert response.status_code == 422
    assert "at least one region" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "noregion")) is None


def test_committee_member_needs_exactly_one_factory(world, client, app, login_as):
    login_as("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "username": "nofactory",
            "role": "committee",
            "factory_id": 0,
            "password": "long-enough-pass",
        },
    )
    assert response.status_code == 422
    response = client.post(
        "/admin/users/new",
        data={
            "username": "withfactory",
            "role": "committee",
            "factory_id": world.a.id,
            "password": "long-enough-pass",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "withfactory"))
        assert user.factory_id == world.a.id


def test_deactivated_user_is_signed_out(world, app, client, login, login_as):
    victim = login(world.users["inspector"].username, c=app.test_client())
    login_as("admin")
    response = client.post(
        f"/admin/users/{world.users['inspector'].id}/edit",
        data={
            "display_name": "x",
            "role": "inspector",
            "factory_id": 0,
            "region_ids": [r for r in _region_ids(app, "500000")],
        },
    )
    assert response.status_code == 302
    assert victim.get("/factories").status_code == 302


def _region_ids(app, *codes):
    from inspect_app.factories.models import Region

    with app.app_context():
        return list(db.session.scalars(sa.select(Region.id).where(Region.code.in_(codes))))


def test_only_admins_manage_users(world, client, login_as):
    login_as("inspector")
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users/new", data={"username": "x"}).status_code == 403


def test_cli_creates_users_and_tokens(world, app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "cli-inspector",
            "--role",
            "inspector",
            "--region",
            "重庆市",
            "--region",
            "Sichuan",
            "--password-stdin",
        ],
        input="a-password-from-stdin\n",
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "cli-committee",
            "--role",
            "committee",
            "--factory",
            str(world.a.id),
        ]
    )
    assert result.exit_code == 0 and "password:" in result.output
    result = runner.invoke(args=["users", "create", "bad", "--role", "inspector"])
    assert result.exit_code != 0 and "region" in result.output
    result = runner.invoke(args=["users", "token", "cli-inspector"])
    assert result.exit_code == 0
    token = result.output.strip()
    with app.app_context():
        stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
        assert token not in stored and len(stored) == 1
    client = app.test_client()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json["role"] == "inspector"
    assert sorted(me.json["regions"]) == ["500000", "510000"]


def test_bad_bearer_token_is_401_even_with_a_session_cookie(world, app, client, login_as):
    login_as("admin")
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer isk_forged"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_no_user_exists_until_someone_creates_one(app):
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_demo_load_is_idempotent_and_prints_logins(app, runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "admin" in first.output and "password" in first.output
    with app.app_context():
        users = db.session.scalar(sa.select(sa.func.count(User.id)))
        from inspect_app.factories.models import Factory

        factories = db.session.scalar(sa.select(sa.func.count(Factory.id)))
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == users
        assert db.session.scalar(sa.select(sa.func.count(Factory.id))) == factories
    assert users >= 4 and factories >= 4


def test_audit_log_shows_times_where_the_factories_are(app, client, login_as, world):
    """The admin reads the log in local time with its offset, not in UTC."""
    from datetime import datetime

    with app.app_context():
        db.session.add(
            AuditEvent(
                at=datetime(2026, 11, 24, 23, 5, 9),
                actor_id=world.users["admin"].id,
                action="update",
                entity="factories",
                entity_id=1,
                changes={"name_en": ["Old", "New"]},
            )
        )
        db.session.commit()
    login_as("admin")
    page = client.get("/admin/audit?entity=factories").get_data(as_text=True)
    assert "2026-11-25 07:05:09 UTC+08:00" in page
    assert "When (UTC)" not in page


def _current_nav(html: str) -> list[str]:
    import re

    return re.findall(r'<a href="([^"]+)" aria-current="page"', html)


def test_the_navigation_marks_the_one_section_a_page_is_in(world, client, login_as):
    """One entry is marked, and the right one: the audit log is not "Users", a factory's
    progress page is under "Factories", not "Region overview"."""
    login_as("admin")
    assert _current_nav(client.get("/admin/audit").get_data(as_text=True)) == ["/admin/audit"]
    assert _current_nav(client.get("/admin/users").get_data(as_text=True)) == ["/admin/users"]
    assert _current_nav(client.get("/admin/users/new").get_data(as_text=True)) == ["/admin/users"]
    assert _current_nav(client.get("/").get_data(as_text=True)) == ["/"]
    login_as("inspector")
    factory = world.a.id
    for path in (f"/factories/{factory}", f"/factories/{factory}/progress"):
        assert _current_nav(client.get(path).get_data(as_text=True)) == ["/factories"], path
    overview = client.get("/regions/overview").get_data(as_text=True)
    assert _current_nav(overview) == ["/regions/overview"]
