"""Worker processes for tests/test_sqlite_load.py.

A module of its own: spawned processes import their target by module name, and pytest's
importlib mode gives test files none. The processes are started once per test module (starting
Python and importing the app costs seconds) and run one job per test, each job with a fresh app
on the job's database file.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from support import PASSWORD

WORKERS = 4
LOCKED = "database is locked"


@dataclass(frozen=True)
class Job:
    """One load run: where to write, as whom, what, for how long, with which settings."""

    db_url: str
    tmp: str
    username: str
    inspection_id: int
    factory_id: int
    items: list[tuple[str, object]]
    seconds: float
    protect: bool
    #: Rounds each process makes even when `seconds` is over (a loaded machine is slow, and the
    #: test needs real overlap, not a time slice).
    min_rounds: int = 0


@dataclass
class Outcome:
    """What one worker process saw: the writes the server acknowledged, and every failure."""

    worker: int
    answers: dict[str, int] = field(default_factory=dict)  # item id → last acknowledged seq
    findings: list[str] = field(default_factory=list)  # acknowledged client ids
    actions: list[str] = field(default_factory=list)  # acknowledged action titles
    requests: int = 0
    locked: int = 0
    other_errors: list[str] = field(default_factory=list)


class Pool:
    """WORKERS spawned processes that run the same job at the same moment."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._start = context.Barrier(WORKERS)
        self._jobs = [context.Queue() for _ in range(WORKERS)]
        self._results = context.Queue()
        self._processes = [
            context.Process(
                target=serve, args=(i, self._jobs[i], self._start, self._results), daemon=True
            )
            for i in range(WORKERS)
        ]
        for process in self._processes:
            process.start()

    def run(self, job: Job) -> list[Outcome]:
        """Give every process the job; return their outcomes once all are done."""
        for jobs in self._jobs:
            jobs.put(job)
        outcomes: list[Outcome] = []
        while len(outcomes) < WORKERS:
            try:
                outcomes.append(self._results.get(timeout=1))
            except queue.Empty:
                dead = [p.exitcode for p in self._processes if p.exitcode is not None]
                assert not dead, f"a worker process died (exit codes {dead}); see its stderr"
        return sorted(outcomes, key=lambda o: o.worker)

    def close(self) -> None:
        for jobs in self._jobs:
            jobs.put(None)
        for process in self._processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()


class _ErrorLog(logging.Handler):
    """Collects the exceptions the app logged as 500s."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.messages.append(f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}")


def serve(index: int, jobs, start, results) -> None:
    """A worker process: import the app once, then run jobs until told to stop."""
    import inspect_app  # noqa: F401 - the slow import, paid once

    while (job := jobs.get()) is not None:
        try:
            outcome = _run(index, job, start)
        except Exception as error:  # noqa: BLE001 - reported to the parent
            outcome = Outcome(worker=index, other_errors=[f"worker crashed: {error!r}"])
        results.put(outcome)


def _login(client, username: str) -> None:
    """Sign in (retrying: without the protective settings even this can hit a lock)."""
    for _ in range(100):
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        if response.status_code == 302:
            return
        time.sleep(0.05)
    raise AssertionError(f"login failed: {response.status_code}")


def _run(index: int, job: Job, start) -> Outcome:
    """Write answers, findings and actions until the job's time is up."""
    from conftest import base_config
    from flask.logging import default_handler

    from inspect_app import create_app
    from inspect_app.actions.models import Action
    from inspect_app.extensions import db
    from inspect_app.inspections.models import Finding

    app = create_app({**base_config(job.db_url, Path(job.tmp)), "SQLITE_PROTECT": job.protect})
    app.logger.removeHandler(default_handler)  # the failures are counted, not printed
    errors = _ErrorLog()
    app.logger.addHandler(errors)
    client = app.test_client()
    outcome = Outcome(worker=index)
    try:
        _login(client, job.username)
    except BaseException:
        start.abort()  # the other workers must not wait for this one
        raise
    mine = job.items[index::WORKERS]
    start.wait(timeout=60)
    deadline = time.monotonic() + job.seconds
    seq = 0
    rounds = 0

    def failed(what: str, status: int | None = None, error: BaseException | None = None):
        text = str(error) if error is not None else " | ".join(errors.messages) or str(status)
        errors.messages.clear()
        if LOCKED in text:
            outcome.locked += 1
        else:
            outcome.other_errors.append(f"{what}: {text[:300]}")

    while time.monotonic() < deadline or rounds < job.min_rounds:
        rounds += 1
        # Three answers (a tablet's autosave): each request reads the inspection, then writes.
        for _ in range(3):
            seq += 1
            item_id, value = mine[seq % len(mine)]
            outcome.requests += 1
            response = client.put(
                f"/api/v1/inspections/{job.inspection_id}/answers/{item_id}",
                json={"value": value, "note": f"w{index}-{seq}"},
            )
            if response.status_code == 200:
                outcome.answers[item_id] = seq
            else:
                failed("answer", response.status_code)
        # A finding with its idempotency key.
        seq += 1
        client_id = f"load-w{index}-{seq}"
        outcome.requests += 1
        response = client.post(
            f"/api/v1/inspections/{job.inspection_id}/findings",
            json={"title": f"Finding {client_id}", "client_id": client_id},
        )
        if response.status_code in (200, 201):
            outcome.findings.append(client_id)
            # An improvement action raised on it through the API.
            title = f"API action w{index}-{seq}"
            outcome.requests += 1
            action = client.post(
                f"/api/v1/findings/{response.json['id']}/actions", json={"title": title}
            )
            if action.status_code == 201:
                outcome.actions.append(title)
            else:
                failed("action", action.status_code)
        else:
            failed("finding", response.status_code)
        # An action (a background job or CLI writing directly): read the factory's latest
        # finding, think briefly, then write; the most contentious shape of transaction.
        title = f"Action w{index}-{seq}"
        outcome.requests += 1
        try:
            with app.app_context():
                finding_id = db.session.scalar(
                    sa.select(Finding.id)
                    .where(Finding.factory_id == job.factory_id)
                    .order_by(Finding.id.desc())
                    .limit(1)
                )
                time.sleep(0.003)
                db.session.add(
                    Action(factory_id=job.factory_id, finding_id=finding_id, title=title)
                )
                db.session.commit()
            outcome.actions.append(title)
        except Exception as error:  # noqa: BLE001 - counted and reported to the parent
            failed("action", error=error)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return outcome
