"""Signing in and out, sessions, passwords, API tokens and user administration."""

from __future__ import annotations

from datetime import timedelta

import pytest
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


# ---------------------------------------------------------------- sign-in limits


def _sign_in(client, username: str, password: str, ip: str = "192.0.2.10"):
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


@pytest.fixture
def clock(monkeypatch):
    """The sign-in limits' clock, moved by the test (no waiting, whatever the machine's load)."""
    from inspect_app.accounts import services
    from inspect_app.extensions import utcnow

    now = [utcnow()]
    monkeypatch.setattr(services, "utcnow", lambda: now[0])

    def advance(seconds: float) -> None:
        now[0] += timedelta(seconds=seconds)

    advance.now = lambda: now[0]
    return advance


def _attempts(app) -> int:
    from inspect_app.accounts.models import LoginAttempt

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt))


def test_a_guessed_account_is_slowed_from_that_address_never_locked(world, app, clock):
    username = world.users["inspector"].username
    guesser, owner = app.test_client(), app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _sign_in(guesser, username, "nope-nope-nope", ip="198.51.100.66").status_code == 401
    slowed = _sign_in(guesser, username, PASSWORD, ip="198.51.100.66")
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == "1"
    # The owner, elsewhere, is not held back by someone else's guesses.
    assert _sign_in(owner, username, PASSWORD, ip="192.0.2.10").status_code == 302
    # Hammering during the pause is refused without being counted: it does not lengthen it.
    for _ in range(20):
        assert _sign_in(guesser, username, "nope", ip="198.51.100.66").status_code == 429
    assert _attempts(app) == app.config["LOGIN_MAX_FAILURES"] + 1
    # Each further failure doubles the pause: 1, 2, 4, 8 seconds.
    waits = []
    for _ in range(4):
        clock(2 ** len(waits) + 1)
        assert _sign_in(guesser, username, "nope-nope-nope", ip="198.51.100.66").status_code == 401
        waits.append(
            int(_sign_in(guesser, username, "x", ip="198.51.100.66").headers["Retry-After"])
        )
    assert waits == [2, 4, 8, 16]
    clock(17)
    assert _sign_in(guesser, username, PASSWORD, ip="198.51.100.66").status_code == 302


def test_guessing_from_many_addresses_slows_the_account_by_a_minute_at_most(world, app, clock):
    from inspect_app.accounts.models import LoginAttempt

    username = world.users["inspector"].username
    count = app.config["LOGIN_ACCOUNT_FAILURES"] + 10
    with app.app_context():  # a botnet's guesses over the last ten minutes, one per address
        db.session.add_all(
            LoginAttempt(
                username=username.lower(),
                ip=f"203.0.113.{n}",
                at=clock.now() - timedelta(seconds=600 - n * 600 // count),
            )
            for n in range(count)
        )
        db.session.commit()
    slowed = _sign_in(app.test_client(), username, PASSWORD, ip="192.0.2.10")
    assert slowed.status_code == 429
    assert int(slowed.headers["Retry-After"]) <= app.config["LOGIN_ACCOUNT_MAX_DELAY_SECONDS"]
    clock(app.config["LOGIN_ACCOUNT_MAX_DELAY_SECONDS"])
    assert _sign_in(app.test_client(), username, PASSWORD, ip="192.0.2.10").status_code == 302


def test_a_busy_address_still_lets_in_the_right_password_of_a_quiet_account(world, app, clock):
    """Behind a factory's NAT or a proxy, 30 failures for other names do not lock the admin out."""
    nat = "198.51.100.1"
    for n in range(app.config["LOGIN_MAX_FAILURES_PER_IP"]):
        _sign_in(app.test_client(), f"worker{n}", "guess", ip=nat)
    admin = world.users["admin"].username
    assert _sign_in(app.test_client(), admin, "wrong-password", ip=nat).status_code == 429
    # The admin now has a recent failure: from the busy address, even the right one waits.
    assert _sign_in(app.test_client(), admin, PASSWORD, ip=nat).status_code == 429
    assert _sign_in(app.test_client(), admin, PASSWORD, ip="192.0.2.10").status_code == 302
    # An account with no recent failures signs in from the busy address.
    assert (
        _sign_in(app.test_client(), world.users["committee"].username, PASSWORD, ip=nat).status_code
        == 302
    )


def test_unknown_names_cost_the_same_password_check(world, app, monkeypatch):
    """No telling existing names from unknown ones by the time the answer takes: an unknown
    name, and a deactivated account, are checked against a hash made like the real ones."""
    from inspect_app.accounts import models, services

    checked = []

    def counting(pwhash, password):
        checked.append(pwhash.split("$")[0])
        return real(pwhash, password)

    real = models.check_password_hash
    monkeypatch.setattr(models, "check_password_hash", counting)
    monkeypatch.setattr(services, "check_password_hash", counting)
    with app.app_context():
        method = db.session.get(User, world.users["admin"].id).password_hash.split("$")[0]
    assert _sign_in(app.test_client(), "no-such-user", "guess").status_code == 401
    assert _sign_in(app.test_client(), world.users["admin"].username, "guess").status_code == 401
    assert checked == [method, method]


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


def test_the_audit_log_reads_in_words_in_chinese_with_sign_ins_apart(app, client, login_as, world):
    """An admin reading in Chinese sees record types, fields and values in Chinese, not table
    and column names; sign-ins are under their own filter instead of filling the page."""
    login_as("inspector", c=app.test_client())  # a sign-in: recorded as one, not a change
    login_as("admin")
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity == "users"))
        assert "signin" in {e.action for e in events}
        db.session.add(
            AuditEvent(
                actor_id=world.users["admin"].id,
                action="update",
                entity="actions",
                entity_id=1,
                changes={"status": ["open", "done"], "due_on": [None, "2026-12-31"]},
            )
        )
        db.session.add(
            AuditEvent(
                action="update",
                entity="findings",
                entity_id=1,
                changes={"factory_id": [world.a.id, world.b.id]},
            )
        )
        db.session.commit()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "整改措施 #1" in page and "<dt>状态</dt>" in page and "<dt>整改期限</dt>" in page
    assert "<dt>status</dt>" not in page and "due_on" not in page and "actions #" not in page
    assert f"{world.a.name_zh} → {world.b.name_zh}" in page  # records by name, not by number
    assert "<dt>id</dt>" not in page
    assert 'value="signins"' in page  # the filter offers sign-ins …
    assert "上次登录" not in page  # … and the default view does not list them
    sign_ins = client.get("/admin/audit?shown=signins").get_data(as_text=True)
    assert "上次登录" in sign_ins and "整改措施 #" not in sign_ins
    only_factories = client.get("/admin/audit?shown=factories").get_data(as_text=True)
    assert "整改措施 #" not in only_factories


def test_every_audited_field_has_a_label_in_words(app):
    """A new column on an audited model needs a label in accounts/audit_log.py (and its
    translation), or the Chinese audit log would show a raw column name."""
    from inspect_app.accounts.audit_log import FIELD_LABELS, field_label
    from inspect_app.audit import Audited

    with app.app_context():
        for mapper in db.Model.registry.mappers:
            model = mapper.class_
            if not issubclass(model, Audited):
                continue
            for column in mapper.columns:
                if column.key in model.__audit_ignore__ or column.key == "id":
                    continue
                label = field_label(column.key)
                assert column.key in FIELD_LABELS or label != column.key.replace("_", " "), (
                    f"{model.__name__}.{column.key}"
                )
