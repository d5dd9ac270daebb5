"""gunicorn on loopback, and what its workers use: peak RSS and CPU time, read from /proc."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GUNICORN = [sys.executable, "-m", "gunicorn"]
_TICKS = os.sysconf("SC_CLK_TCK")


def _control_socket_flag() -> tuple[str, ...]:
    """gunicorn ≥ 23 opens a control socket at one fixed path; two masters would share it."""
    help_text = subprocess.run(
        [*GUNICORN, "--help"], capture_output=True, text=True, check=False
    ).stdout
    return ("--no-control-socket",) if "--no-control-socket" in help_text else ()


_NO_CONTROL_SOCKET = _control_socket_flag()
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * _PAGE_KB
    except OSError:
        return 0


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime
    except OSError:
        return 0.0


class Server:
    """A gunicorn master with sync workers; samples the workers' RSS while it runs."""

    def __init__(self, app: str, *, env: dict, workers: int, cwd: Path = REPO) -> None:
        self.port = free_port()
        self.workers = workers
        self.peak_rss_kb: dict[int, int] = {}
        self._stop = threading.Event()
        self._log = open(REPO / "bench" / "data" / f"gunicorn-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                *GUNICORN,
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "--backlog",
                "256",
                *_NO_CONTROL_SOCKET,
                app,
            ],
            cwd=cwd,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self._log.name}")
            try:
                with urllib.request.urlopen(  # noqa: S310 - loopback only
                    f"http://127.0.0.1:{self.port}/healthz", timeout=5
                ):
                    answered = True
            except urllib.error.HTTPError as error:  # the hello app has no /healthz: a 404
                answered = error.code < 500
            except OSError:
                answered = False
            if answered and len(self.worker_pids()) >= self.workers:
                return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not come up; see {self._log.name}")

    def worker_pids(self) -> list[int]:
        return _children(self.process.pid)

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            for pid in self.worker_pids():
                rss = _rss_kb(pid)
                if rss > self.peak_rss_kb.get(pid, 0):
                    self.peak_rss_kb[pid] = rss

    def cpu_seconds(self) -> float:
        """CPU time used so far by the current workers (user + system)."""
        return sum(_cpu_seconds(pid) for pid in self.worker_pids())

    def stop(self) -> None:
        """Stop our own gunicorn master (by its pid) and wait for it."""
        self._stop.set()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def memory(self) -> dict:
        """Peak RSS per worker seen during the run, in MB."""
        peaks = sorted(self.peak_rss_kb.values(), reverse=True)
        return {
            "workers": len(peaks),
            "peak_rss_mb_max": round(peaks[0] / 1024, 1) if peaks else None,
            "peak_rss_mb_each": [round(kb / 1024, 1) for kb in peaks],
        }

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()
