"""Two app servers, one deployment: two gunicorn processes on two ports over one PostgreSQL, one
Redis and one S3-compatible store, plus a job worker — the production layout in miniature
(docs/production.md). What a user relies on: whichever server a request lands on, it sees the
same photos, fresh charts and the PDFs the worker made.

Runs in the PostgreSQL stage of CI (`.ci/run`: PostgreSQL, Redis and moto's S3 server)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from photos import fixtures
from PIL import Image
from support import PG_URL, REPO

from inspect_app.accounts import services as account_services
from inspect_app.accounts.models import User
from inspect_app.extensions import db

REDIS_URL = os.environ.get("INSPECT_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")

pytestmark = pytest.mark.skipif(not PG_URL, reason="several servers share PostgreSQL, not SQLite")


def _redis_or_skip() -> None:
    from redis import Redis

    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as error:  # noqa: BLE001
        if "INSPECT_TEST_REDIS_URL" in os.environ or os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} does not answer: {error}")
        pytest.skip(f"no Redis at {REDIS_URL} (.ci/run starts one)")


class Server:
    def __init__(self, command: list[str], env: dict, port: int | None, log: Path) -> None:
        self.port, self.log = port, log
        self.out = log.open("w")
        self.process = subprocess.Popen(
            command, env=env, cwd=REPO, stdout=self.out, stderr=self.out
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"server stopped:\n{self.log.read_text()[-3000:]}"
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=5):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"server on {self.port} did not answer:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:  # a worker finishing a job: stop it now
            self.process.kill()
            self.process.wait(15)
        self.out.close()


@pytest.fixture
def deployment(app, world, make_inspection, s3_buckets, tmp_path):
    """Servers A and B and a job worker on shared engines; an API token for the inspector."""
    from inspect_app.serve import free_port

    _redis_or_skip()
    bucket = s3_buckets()
    env = dict(
        os.environ,
        INSPECT_DATABASE_URL=PG_URL,
        INSPECT_REDIS_URL=REDIS_URL,
        INSPECT_JOBS_QUEUE=f"inspect-multinode-{uuid.uuid4().hex}",
        INSPECT_CACHE_PREFIX=f"inspect-test:{uuid.uuid4().hex}:",
        INSPECT_UPLOAD_DIR=str(tmp_path / "no-local-files"),
        INSPECT_COOKIE_SECURE="0",
        INSPECT_PDF_WAIT_SECONDS="0",
        SECRET_KEY="multinode-secret",
        INSPECT_STORAGE=bucket.pop("STORAGE_BACKEND"),
        **{f"INSPECT_{key}": str(value) for key, value in bucket.items()},
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    flask = str(Path(sys.executable).parent / "flask")
    servers = []
    try:
        for name in ("a", "b"):
            port = free_port()
            command = [gunicorn, "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"]
            servers.append(Server(command, env, port, tmp_path / f"{name}.log"))
        worker = Server([flask, "--app", "inspect_app", "worker"], env, None, tmp_path / "w.log")
        for server in servers:
            server.wait_ready()
        with app.app_context():
            inspector = db.session.get(User, world.users["inspector"].id)
            token = account_services.issue_token(inspector, name="multinode")
            db.session.commit()
        yield {"a": servers[0], "b": servers[1], "worker": worker, "token": token}
    finally:
        for server in [*servers, *([worker] if "worker" in locals() else [])]:
            server.stop()


def call(server: Server, token: str, method: str, path: str, body=None, headers=None):
    data = None
    headers = {"Authorization": f"Bearer {token}", **(headers or {})}
    if isinstance(body, dict):
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    elif body is not None:
        data = body
    url = server.base + path
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def new_finding(server: Server, token: str, inspection_id: int, title: str) -> int:
    path = f"/api/v1/inspections/{inspection_id}/findings"
    status, _, body = call(server, token, "POST", path, {"title": title})
    assert status == 201, body
    return json.loads(body)["id"]


def test_a_photo_uploaded_through_one_server_is_served_by_the_other(deployment, make_inspection):
    a, b, token = deployment["a"], deployment["b"], deployment["token"]
    finding_id = new_finding(a, token, make_inspection(kind="score_visit"), "Belt")
    boundary = "multinode-boundary"
    photo = fixtures.oriented_jpeg(1)
    form = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="belt.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + photo
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, _, body = call(
        a,
        token,
        "POST",
        f"/api/v1/findings/{finding_id}/photos",
        form,
        {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert status == 201, body
    photo_id = json.loads(body)["id"]

    status, headers, served = call(b, token, "GET", f"/photos/{photo_id}/web")

    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    picture = Image.open(io.BytesIO(served))
    assert picture.format == "JPEG" and picture.size == Image.open(io.BytesIO(photo)).size


def test_a_chart_drawn_on_one_server_is_shared_and_fresh_on_the_other(
    deployment, world, make_inspection
):
    a, b, token = deployment["a"], deployment["b"], deployment["token"]
    chart = f"/factories/{world.a.id}/charts/actions.svg"
    status, first, drawn = call(a, token, "GET", chart)
    assert status == 200 and first["X-Chart-Cache"] == "miss"
    status, shared, same = call(b, token, "GET", chart)
    assert status == 200 and shared["X-Chart-Cache"] == "hit"  # drawn once for both servers
    assert same == drawn

    # A write through A (an action for the factory) changes the chart on B at once.
    finding_id = new_finding(a, token, make_inspection(kind="score_visit"), "Dust")
    status, _, body = call(
        a, token, "POST", f"/api/v1/findings/{finding_id}/actions", {"title": "Fit a hood"}
    )
    assert status == 201, body
    status, after, redrawn = call(b, token, "GET", chart)
    assert status == 200 and after["X-Chart-Cache"] == "miss"
    # B drew it again from the new data (the key names the data: a draft's action is counted
    # once its inspection is submitted, so the picture may look the same; the data stamp not).
    assert redrawn.startswith(b"<?xml") and first["ETag"] != after["ETag"]
    status, again, _ = call(a, token, "GET", chart)
    assert again["X-Chart-Cache"] == "hit" and again["ETag"] == after["ETag"]  # and A reuses B's


def test_a_pdf_queued_through_one_server_is_made_by_the_worker_and_fetched_from_the_other(
    deployment, make_inspection
):
    a, b, token = deployment["a"], deployment["b"], deployment["token"]
    inspection_id = make_inspection(kind="score_visit")
    status, headers, body = call(
        a, token, "POST", f"/api/v1/inspections/{inspection_id}/report-pdf", {"lang": "en"}
    )
    assert status == 202, body
    job_url = json.loads(body)["url"]
    deadline = time.monotonic() + 120
    while True:  # poll through B, as a script would (Retry-After says how often)
        status, _, body = call(b, token, "GET", job_url)
        job = json.loads(body)
        if job["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(float(headers.get("Retry-After", 1)) / 4)
    assert job["status"] == "done", (job, deployment["worker"].log.read_text()[-3000:])
    status, headers, pdf = call(b, token, "GET", job["result_url"])
    assert status == 200 and pdf.startswith(b"%PDF")
