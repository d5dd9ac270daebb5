"""`make run`'s front (python -m inspect_app.serve): nginx buffers whole requests before a
gunicorn worker sees them, so clients on a weak link never hold the app. Measured before the
front: two connections sending their headers slowly froze the app for 35 s, and a photo sent
for longer than the worker timeout could never arrive."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from inspect_app.serve import find_nginx, free_port

pytestmark = pytest.mark.skipif(
    find_nginx() is None and not os.environ.get("CI"),
    reason="nginx is not installed (`make system-deps` installs it)",
)


def http(port: int, request: bytes, *, timeout: float) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
        return answer


def get_health(port: int, timeout: float = 20) -> bytes:
    return http(
        port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=timeout
    )


def serve(tmp_path, *, timeout: int, workers: int = 1):
    """Start the front and the app as `make run` does; yield the port; stop them."""
    port = free_port()
    env = dict(
        os.environ,
        INSPECT_DATABASE_URL=f"sqlite:///{tmp_path / 'front.db'}",
        INSPECT_UPLOAD_DIR=str(tmp_path / "uploads"),
        SECRET_KEY="front-test",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "inspect_app.serve", "--port", str(port)]
        + ["--workers", str(workers), "--timeout", str(timeout), "--instance", str(tmp_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Serving on"):
            break
    else:
        pytest.fail("the front did not start:\n" + "".join(lines))
    assert "nginx → gunicorn" in lines[-1]
    drain = threading.Thread(target=process.stdout.read, daemon=True)  # keep the pipe drained
    drain.start()
    process.drain = drain
    return port, process


def stop(process) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
    process.drain.join(30)
    process.stdout.close()


def test_clients_sending_headers_slowly_do_not_hold_the_app(tmp_path):
    port, process = serve(tmp_path, timeout=120, workers=1)
    done = threading.Event()
    slow = []
    try:
        for _ in range(3):  # more slow clients than the app has workers
            conn = socket.create_connection(("127.0.0.1", port))
            conn.sendall(b"GET /healthz HTTP/1.1\r\n")
            slow.append(conn)

        def dribble():
            while not done.wait(0.5):
                for conn in slow:
                    conn.sendall(b"X-a: b\r\n")

        threading.Thread(target=dribble, daemon=True).start()

        # Without the front the one worker reads the first slow client's headers for up to
        # 120 s; with it, other requests are answered while they dribble on.
        for _ in range(3):
            assert get_health(port).split(b"\r\n", 1)[0] == b"HTTP/1.1 200 OK"
    finally:
        done.set()
        for conn in slow:
            conn.close()
        stop(process)


def test_a_body_sent_for_longer_than_the_worker_timeout_arrives_whole(tmp_path):
    port, process = serve(tmp_path, timeout=2)
    body = b"x" * (64 * 1024)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
            conn.sendall(
                b"POST /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                b"Content-Type: application/octet-stream\r\n"
                + f"Content-Length: {len(body) * 10}\r\n\r\n".encode()
            )
            for _ in range(10):  # ~5 s on the wire: more than twice the worker timeout
                conn.sendall(body)
                time.sleep(0.5)
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        # The app itself answered (a POST without a CSRF token: 400, with the app's own
        # headers), not a killed worker's 502 or a reset connection.
        head = answer.split(b"\r\n\r\n", 1)[0].lower()
        assert head.startswith(b"http/1.1 400 bad request"), answer[:300]
        assert b"content-security-policy" in head
        assert get_health(port).split(b"\r\n", 1)[0] == b"HTTP/1.1 200 OK"
    finally:
        stop(process)


def test_the_app_is_reached_only_through_the_front(tmp_path):
    """gunicorn listens on loopback on a port of its own; the address served is nginx's, and
    a client's own X-Forwarded-For is replaced, not trusted."""
    port, process = serve(tmp_path, timeout=30)
    try:
        answer = http(
            port,
            b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n\r\n",
            timeout=20,
        )
        head = answer.split(b"\r\n\r\n", 1)[0].lower()
        assert b"server: nginx" in head
        # Had the app trusted the client's X-Forwarded-Proto, it would send HSTS.
        assert b"strict-transport-security" not in head
        # Every gunicorn worker counts into one registry (PROMETHEUS_MULTIPROC_DIR).
        metrics = http(
            port, b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=20
        )
        assert metrics.startswith(b"HTTP/1.1 200")
        assert (
            b'inspect_http_requests_total{method="GET",route="/login",status="200"} 1.0' in metrics
        )
        conf = (tmp_path / "front" / "nginx.conf").read_text()
        assert "proxy_request_buffering on;" in conf and "X-Forwarded-For $remote_addr" in conf
    finally:
        stop(process)
