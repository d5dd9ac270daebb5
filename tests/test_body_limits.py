"""Body size limits per route, before anything parses the body: a form or JSON route takes at
most INSPECT_MAX_BODY_KB (1 MB), only the photo upload routes take more; an oversized body is
a clear 413 (JSON on the API, a page elsewhere), unread, before sign-in is even looked at."""

from __future__ import annotations

import re

from support import UnreadBody

from inspect_app.bodies import body_limit

IGNORED = {"HEAD", "OPTIONS"}
TWO_MB = 2 * 1024 * 1024


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<int:\w+>", "1", rule.rule)
        path = re.sub(r"<(?:\w+:)?\w+>", "x", path)
        for method in sorted(rule.methods - IGNORED):
            view = app.view_functions[rule.endpoint]
            yield method, path, getattr(view, "accepts_uploads", False)


def test_every_route_refuses_a_big_body_unread_unless_it_takes_uploads(app, client):
    uploads = []
    for method, path, takes_uploads in _routes(app):
        body = UnreadBody(TWO_MB)
        response = client.open(
            path, method=method, input_stream=body, content_type="application/json"
        )
        if takes_uploads:
            uploads.append(path)
            assert response.status_code != 413, (method, path)
            continue
        assert response.status_code == 413, (method, path, response.status_code)
        assert body.read_bytes == 0, (method, path)
        if path.startswith("/api/"):
            error = response.json["error"]
            assert error["code"] == "too_large"
            assert "1 MB" in error["message"]
        else:
            assert response.mimetype == "text/html"
            assert "1 MB" in response.get_data(as_text=True)
    assert sorted(set(uploads)) == [
        "/actions/1/photos",
        "/api/v1/actions/1/photos",
        "/api/v1/findings/1/photos",
        "/offline/import",  # an exported visit carries its photos
    ]


def test_healthz_refuses_a_big_body_before_reading_it(client):
    body = UnreadBody(40 * 1024 * 1024)
    response = client.get("/healthz", input_stream=body, content_type="application/json")
    assert response.status_code == 413 and body.read_bytes == 0


def test_a_body_under_the_limit_is_read_as_usual(app, client, world, login_as):
    login_as("inspector")
    small = client.post("/api/v1/factories", json={"name_zh": "x" * 200_000})
    assert small.status_code != 413  # refused for its content, if at all, not for its size
    with app.test_request_context("/api/v1/factories", method="POST"):
        assert body_limit() == 1024 * 1024


def test_a_chunked_body_without_a_length_is_cut_off_at_the_limit(client, world, login_as):
    login_as("inspector")
    body = UnreadBody(TWO_MB)
    response = client.post(
        "/api/v1/factories",
        input_stream=body,
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        # What a server running the app says of a chunked body it has de-chunked.
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )
    assert response.status_code == 413
    assert body.read_bytes <= 1024 * 1024 + 64 * 1024
