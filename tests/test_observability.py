"""What an operator relies on: /metrics in Prometheus format (request latency by route, answers
saved, jobs), closed to the outside, and a request id on every answer and log line."""

from __future__ import annotations

import json
import logging
import re

import pytest

from inspect_app import create_app
from inspect_app.observability import JsonFormatter, RequestIdFilter


def metric(text: str, name: str, **labels) -> float:
    """The value of one sample in a Prometheus text exposition (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_by_route_and_answers_by_outcome(
    client, world, login_as, make_inspection
):
    inspection_id = make_inspection()
    route = "/api/v1/inspections/<int:inspection_id>/answers/<item_id>"
    before = client.get("/metrics").get_data(as_text=True)
    login_as("inspector")
    url = f"/api/v1/inspections/{inspection_id}/answers/guard-01"
    newer = {"value": "yes", "answered_at": "2026-01-02T10:00:00Z"}
    older = {"value": "no", "answered_at": "2026-01-01T10:00:00Z"}
    assert client.put(url, json=newer).status_code == 200
    assert client.put(url, json=older).status_code == 200  # a stale retry: the newer one stays

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    after = response.get_data(as_text=True)
    put = {"method": "PUT", "route": route, "status": "200"}
    assert metric(after, "inspect_http_requests_total", **put) == (
        metric(before, "inspect_http_requests_total", **put) + 2
    )
    assert metric(after, "inspect_http_request_duration_seconds_count", method="PUT", route=route)
    for outcome in ("stored", "older_kept"):
        assert metric(after, "inspect_answers_saved_total", outcome=outcome) == (
            metric(before, "inspect_answers_saved_total", outcome=outcome) + 1
        ), outcome
    assert 'inspect_jobs{status="queued"} 0.0' in after


def test_metrics_are_closed_to_clients_off_the_machine(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_with_a_token_metrics_need_it_from_anywhere(app, client):
    app.config["METRICS_TOKEN"] = "s3cret-scrape-token"
    assert client.get("/metrics").status_code == 404  # loopback is not enough any more
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/metrics", headers=wrong).status_code == 404
    right = {"Authorization": "Bearer s3cret-scrape-token"}
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    response = client.get("/metrics", headers=right, environ_base=remote)
    assert response.status_code == 200
    assert "inspect_http_requests_total" in response.get_data(as_text=True)


def test_every_answer_carries_a_request_id_and_keeps_a_well_formed_one(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert client.get("/healthz").headers["X-Request-ID"] != made

    given = client.get("/healthz", headers={"X-Request-ID": "front-4f2a9c1e"})
    assert given.headers["X-Request-ID"] == "front-4f2a9c1e"
    # Anything else (spaces to forge log fields, too long, too short) is replaced.
    for bad in ("forged id=1 level=error", "x" * 65, "short"):
        kept = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert kept != bad and re.fullmatch(r"[0-9a-f]{32}", kept)
    # Refused before any view (413 before the body is read) still carries one.
    refused = client.post("/healthz", data=b"x" * (2 * 1024 * 1024))
    assert refused.status_code == 413 and refused.headers["X-Request-ID"]


def test_json_logs_carry_the_request_id_and_the_request(app, client, caplog):
    app.config["ACCESS_LOG"] = True
    with caplog.at_level(logging.INFO, logger="inspect_app.access"):
        response = client.get("/healthz", headers={"X-Request-ID": "trace-0001-abcd"})
    records = [r for r in caplog.records if r.name == "inspect_app.access"]
    assert len(records) == 1
    entry = json.loads(JsonFormatter().format(records[0]))
    assert entry["request_id"] == "trace-0001-abcd"
    assert response.headers["X-Request-ID"] == "trace-0001-abcd"
    assert entry["method"] == "GET" and entry["path"] == "/healthz"
    assert entry["route"] == "/healthz" and entry["status"] == 200
    assert entry["level"] == "info" and isinstance(entry["ms"], float)


def test_a_log_line_written_during_a_request_names_its_id(app):
    formatter = JsonFormatter()
    with app.test_request_context("/"):
        from flask import g

        g.request_id = "inside-req-0042"
        record = logging.LogRecord(
            "inspect_app.x", logging.WARNING, __file__, 1, "hé %s", ("ü",), None
        )
        RequestIdFilter().filter(record)
    entry = json.loads(formatter.format(record))
    assert entry == entry | {"request_id": "inside-req-0042", "message": "hé ü", "level": "warning"}


def test_an_unknown_log_format_stops_the_start_with_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("INSPECT_LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="INSPECT_LOG_FORMAT must be json or text, not 'xml'"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
