"""`python -m inspect_app.serve`: the production layout on one machine, in one command.

nginx (Debian's package) listens on HOST:PORT and buffers every request whole — headers and
body — before gunicorn sees it, and every response before the client reads it, so a slow phone
on a 3G link or a client that sends its headers one byte at a time holds an nginx connection
(cheap, event-driven), never one of gunicorn's few sync workers. gunicorn listens on loopback
only; the app trusts exactly one proxy (INSPECT_TRUSTED_PROXIES=1) for the client's address.
With INSPECT_REDIS_URL set, a job worker is started too. Ctrl-C (or SIGTERM) stops them all;
if one of them stops, the others are stopped and the exit status says which.

`make run` calls this; docs/production.md shows the same layout across machines.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess  # nosec B404 - starts our own nginx, gunicorn and worker, no shell
import sys
import time
from pathlib import Path

from inspect_app.config import PROJECT_ROOT

TEMPLATE = Path(__file__).with_name("nginx.conf.template")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def nginx_config(*, host: str, port: int, upstream_port: int, prefix: Path) -> str:
    """The front's configuration (nginx.conf.template filled in). Running as root, nginx's
    workers keep root's rights, as they must to read and write under this checkout."""
    user = "user root;" if os.geteuid() == 0 else ""
    listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return (
        TEMPLATE.read_text()
        .replace("@USER@", user)
        .replace("@PREFIX@", str(prefix))
        .replace("@LISTEN@", listen)
        .replace("@UPSTREAM@", f"127.0.0.1:{upstream_port}")
    )


def wait_for_port(port: int, process: subprocess.Popen, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} stopped at start (exit {process.returncode}): see above")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not start listening on 127.0.0.1:{port} in {seconds:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inspect_app.serve", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--timeout", type=int, default=120, help="gunicorn worker timeout (s)")
    parser.add_argument(
        "--instance", type=Path, default=PROJECT_ROOT / "instance", help="the front's files"
    )
    parser.add_argument(
        "--no-front",
        action="store_true",
        help="serve with gunicorn alone (development only: slow clients can hold its workers)",
    )
    args = parser.parse_args(argv)
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ)
    env.setdefault("INSPECT_COOKIE_SECURE", "0")  # plain HTTP on one machine
    procs: list[tuple[str, subprocess.Popen]] = []

    def start(name: str, command: list[str], **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(command, **kwargs)  # noqa: S603  # nosec B603 - our own commands
        procs.append((name, process))
        return process

    nginx = None if args.no_front else find_nginx()
    if not args.no_front and nginx is None:
        print(
            "nginx is not installed: `make system-deps` installs it (Debian's package).\n"
            "To serve without the buffering front, for development only: --no-front.",
            file=sys.stderr,
        )
        return 2
    app_host, app_port = ("127.0.0.1", free_port()) if nginx else (args.host, args.port)
    if nginx:
        env["INSPECT_TRUSTED_PROXIES"] = "1"  # nginx, and only nginx, sets X-Forwarded-*
    # One metrics registry for all gunicorn workers and the job worker (observability.py).
    metrics_dir = args.instance.resolve() / "metrics"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    access_log = [] if env.get("INSPECT_LOG_FORMAT") == "json" else ["--access-logfile", "-"]
    try:
        gunicorn = start(
            "gunicorn",
            [
                str(bin_dir / "gunicorn"),
                "--workers",
                str(args.workers),
                "--timeout",
                str(args.timeout),
                "--bind",
                f"{app_host}:{app_port}",
                *access_log,
                "--chdir",
                str(PROJECT_ROOT),
                "wsgi:app",
            ],
            env=env,
        )
        wait_for_port(app_port, gunicorn, "gunicorn")
        if nginx:
            prefix = args.instance.resolve() / "front"
            (prefix / "logs").mkdir(parents=True, exist_ok=True)
            conf = prefix / "nginx.conf"
            conf.write_text(
                nginx_config(host=args.host, port=args.port, upstream_port=app_port, prefix=prefix)
            )
            front = start(
                "nginx", [nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"], env=env
            )
            wait_for_port(args.port, front, "nginx")
        if env.get("INSPECT_REDIS_URL"):
            start("job worker", [str(bin_dir / "flask"), "--app", "inspect_app", "worker"], env=env)
        layout = "nginx → gunicorn" if nginx else "gunicorn alone, no front"
        print(f"Serving on http://{args.host}:{args.port}  ({layout}; Ctrl-C to stop)", flush=True)
        return supervise(procs)
    finally:
        stop(procs)


def supervise(procs: list[tuple[str, subprocess.Popen]]) -> int:
    """Wait until a signal arrives or one process ends; say which ended and how."""
    stopping = []

    def on_signal(signum, _frame):
        stopping.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    while not stopping:
        for name, process in procs:
            if process.poll() is not None:
                print(f"{name} stopped (exit {process.returncode}); stopping the rest", flush=True)
                return process.returncode or 1
        time.sleep(0.2)
    return 0


def stop(procs: list[tuple[str, subprocess.Popen]]) -> None:
    for _name, process in reversed(procs):
        if process.poll() is None:
            process.terminate()
    for _name, process in reversed(procs):
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    sys.exit(main())
