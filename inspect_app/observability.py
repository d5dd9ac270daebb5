"""What operators see: a request id on every request and log line, structured (JSON) logs, and
Prometheus metrics at /metrics.

- **Request id:** a well-formed `X-Request-ID` from the front is kept, otherwise one is made;
  it is sent back in the response and carried by every log line of the request.
- **Logs:** `INSPECT_LOG_FORMAT=json` writes one JSON object per line on stderr (time, level,
  logger, message, request_id, and for each request: method, path, route, status, ms, user).
  Otherwise the usual text lines, with the request id.
- **Metrics** (prometheus_client): request count and latency by route, answers saved by
  outcome, jobs queued/running (read from the jobs table when scraped, so every server and
  worker counts) and job durations. Several gunicorn workers share one registry through
  `PROMETHEUS_MULTIPROC_DIR` (`make run` sets it). `/metrics` answers a bearer token equal to
  `INSPECT_METRICS_TOKEN`, or without one only clients on loopback; anyone else gets a 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import re
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, abort, current_app, g, has_request_context, request
from flask_login import current_user
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

REQUESTS = Counter(
    "inspect_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "inspect_http_request_duration_seconds",
    "Time from the request's arrival in the app to its response",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ANSWERS = Counter(
    "inspect_answers_saved_total",
    "Checklist answers saved (autosave and sync): stored, cleared, or an older one not kept",
    ["outcome"],
)
JOB_SECONDS = Histogram(
    "inspect_job_duration_seconds",
    "Time a job ran, by kind and outcome",
    ["kind", "outcome"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)

log = logging.getLogger("inspect_app.access")


def count_answer(outcome: str) -> None:
    ANSWERS.labels(outcome).inc()


def observe_job(kind: str, outcome: str, seconds: float) -> None:
    JOB_SECONDS.labels(kind, outcome).observe(seconds)


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


# ---------------------------------------------------------------- logs


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    FIELDS = ("method", "path", "route", "status", "ms", "user")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update({k: getattr(record, k) for k in self.FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if app.config.get("LOG_FORMAT") == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger("inspect_app")
    for old in [h for h in root.handlers if getattr(h, "_inspect", False)]:
        root.removeHandler(old)
    handler._inspect = True
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))


# ---------------------------------------------------------------- requests


def _start() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    started = g.get("request_started")
    if started is None:
        return response
    seconds = time.perf_counter() - started
    route = request.url_rule.rule if request.url_rule else "(unmatched)"
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    LATENCY.labels(request.method, route).observe(seconds)
    response.headers["X-Request-ID"] = g.request_id
    if current_app.config.get("ACCESS_LOG"):
        user = current_user.get_id() if current_user else None
        log.info(
            "%s %s %s %.1f ms",
            request.method,
            request.path,
            response.status_code,
            seconds * 1000,
            extra={
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": response.status_code,
                "ms": round(seconds * 1000, 1),
                "user": user,
                "request_id": g.request_id,
            },
        )
    return response


# ---------------------------------------------------------------- /metrics


class JobsCollector:
    """Jobs queued and running now, read from the jobs table at each scrape."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        from .jobs.queue import queue_depth

        gauge = GaugeMetricFamily("inspect_jobs", "Jobs queued and running now", labels=["status"])
        with self.app.app_context():
            try:
                depth = queue_depth()
            except SQLAlchemyError:  # the other metrics still answer; the log says why
                logging.getLogger(__name__).exception("/metrics: could not count the jobs")
                db.session.rollback()
                return
        for status, count in depth.items():
            gauge.add_metric([status], count)
        yield gauge


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def metrics_view():
    if not _allowed():
        abort(404)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    body = generate_latest(registry) + generate_latest(_jobs_registry())
    response = Response(body, mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def _jobs_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(JobsCollector(current_app._get_current_object()))
    return registry


def init_app(app: Flask) -> None:
    if app.config.get("LOG_FORMAT") not in {"json", "text"}:
        raise ValueError(
            f"INSPECT_LOG_FORMAT must be json or text, not {app.config['LOG_FORMAT']!r}"
        )
    if not app.testing or os.environ.get("INSPECT_LOG_FORMAT"):
        configure_logging(app)
    app.before_request(_start)
    app.after_request(_finish)
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
