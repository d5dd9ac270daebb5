"""Security basics: CSRF, headers, cookies, JSON errors and the health check."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from inspect_app.extensions import db
from inspect_app.factories.models import Factory


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def _csrf_token(client, path="/login"):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_forms_without_a_csrf_token_are_refused(world, csrf_app):
    client = csrf_app.test_client()
    response = client.post(
        "/login",
        data={"username": world.users["admin"].username, "password": "correct-horse-battery"},
    )
    assert response.status_code == 400
    token = _csrf_token(client)
    response = client.post(
        "/login",
        data={
            "username": world.users["admin"].username,
            "password": "correct-horse-battery",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302


def test_json_from_pages_needs_the_csrf_header(world, csrf_app):
    client = csrf_app.test_client()
    token = _csrf_token(client)
    client.post(
        "/login",
        data={
            "username": world.users["admin"].username,
            "password": "correct-horse-battery",
            "csrf_token": token,
        },
    )
    token = _csrf_token(client, "/factories/new")
    body = {"address": "新地址", "version": 1}
    refused = client.patch(f"/api/v1/factories/{world.a.id}", json=body)
    assert refused.status_code == 400 and refused.json["error"]["code"] == "csrf_failed"
    accepted = client.patch(
        f"/api/v1/factories/{world.a.id}", json=body, headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 200
    with csrf_app.app_context():
        assert db.session.get(Factory, world.a.id).address == "新地址"


def test_scripts_with_a_bearer_token_need_no_csrf(world, csrf_app, runner):
    token = runner.invoke(args=["users", "token", world.users["admin"].username]).output.strip()
    client = csrf_app.test_client()
    response = client.patch(
        f"/api/v1/factories/{world.a.id}",
        json={"address": "脚本", "version": 1},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200


def test_pages_send_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_or_external_assets(world, client, login_as):
    login_as("admin")
    for path in ("/", "/factories", f"/factories/{world.a.id}", "/admin/users", "/login"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path
        assert not re.search(r"""(src|href)=["']https?://""", page), path
        assert " style=" not in page, path


def test_session_cookie_flags(world, app, login):
    app.config["SESSION_COOKIE_SECURE"] = True
    client = app.test_client()
    response = client.post(
        "/login",
        data={"username": world.users["admin"].username, "password": "correct-horse-battery"},
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_api_errors_are_json_in_the_documented_shape(world, client, login_as):
    assert client.get("/api/v1/factories").json["error"]["code"] == "unauthorized"
    login_as("trainer")
    body = client.get("/api/v1/factories").json
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "forbidden"
    assert client.get("/api/v1/nothing-here").json["error"]["code"] == "not_found"


def test_healthz_reports_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_openapi_document_lists_the_contract_routes(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert {"/factories", "/factories/{factory_id}"} <= set(doc["paths"])


def test_server_errors_roll_back_and_say_nothing_is_lost(app, client, world, login_as):
    @app.get("/boom-test")
    def boom():
        db.session.add(
            Factory(name_zh="半途", uscc="X", region_id=world.a.region_id, sector="other")
        )
        db.session.flush()
        raise RuntimeError("boom")

    login_as("admin")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom-test", headers={"Accept": "application/json"})
    assert response.status_code == 500 and response.json["error"]["code"] == "server_error"
    with app.app_context():
        assert db.session.scalar(sa.select(Factory).where(Factory.name_zh == "半途")) is None


# ---------------------------------------------------------------- behind a reverse proxy


def _wrong_sign_in(client, **headers) -> object:
    return client.post(
        "/login",
        data={"username": "nobody", "password": "wrong-password"},
        headers=headers,
        environ_base={"REMOTE_ADDR": "10.0.0.2"},  # the proxy's own address
    )


def _last_attempt_ip(app) -> str:
    from inspect_app.accounts.models import LoginAttempt

    with app.app_context():
        return db.session.scalar(sa.select(LoginAttempt.ip).order_by(LoginAttempt.id.desc()))


FORWARDED = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9", "X-Forwarded-Proto": "https"}


def test_forwarded_headers_are_ignored_without_trusted_proxies(app, client):
    response = _wrong_sign_in(client, **FORWARDED)
    assert _last_attempt_ip(app) == "10.0.0.2"  # anyone can send the headers: not believed
    assert "Strict-Transport-Security" not in response.headers


def test_a_trusted_proxy_gives_the_client_address_and_https(app, client):
    from inspect_app import _trust_proxies

    app.config["TRUSTED_PROXIES"] = 1
    _trust_proxies(app)
    response = _wrong_sign_in(client, **FORWARDED)
    # One hop: the address the proxy saw, never the one the client wrote before it.
    assert _last_attempt_ip(app) == "203.0.113.9"
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = _wrong_sign_in(client, **{**FORWARDED, "X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in plain.headers


def test_hsts_over_direct_https(client):
    assert "Strict-Transport-Security" in client.get("/login", base_url="https://localhost").headers
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_trusted_proxies_must_be_a_count(monkeypatch, tmp_path):
    from inspect_app import create_app

    monkeypatch.setenv("INSPECT_TRUSTED_PROXIES", "nginx")
    with pytest.raises(ValueError, match="INSPECT_TRUSTED_PROXIES"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "x"})
