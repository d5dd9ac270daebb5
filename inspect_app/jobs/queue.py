"""Asking for a job, running it, and the two ways a job reaches whoever runs it."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, abort, current_app

from ..extensions import db, utcnow
from ..observability import observe_job
from ..storage import delete_after_commit, get_storage
from .models import Job, JobStatus

log = logging.getLogger(__name__)

#: A queued or running job not touched for this long is taken as lost (its process died) and
#: queued again when someone asks for it. Longer than any job may run (JOB_TIMEOUT).
STALE_AFTER = timedelta(minutes=15)
#: The longest a job may run in a Redis worker before RQ stops it.
JOB_TIMEOUT = 600
_PENDING_INFO = "jobs_to_dispatch"


@dataclass(frozen=True)
class Task:
    """A kind of job: ``run(job)`` makes the result and returns its storage key;
    ``visible(user, job)`` says whether the user may follow the job and fetch its result;
    ``disposition(job)`` is the result's Content-Disposition (its name for the browser)."""

    kind: str
    run: Callable[[Job], str]
    visible: Callable[[object, Job], bool]
    disposition: Callable[[Job], str]
    mimetype: str = "application/pdf"


TASKS: dict[str, Task] = {}


def register(task: Task) -> None:
    """Make a kind of job known (call it where the feature defines its task)."""
    TASKS[task.kind] = task


# ------------------------------------------------------------------ asking for a job


def request_job(
    kind: str,
    *,
    subject_id: int,
    lang: str = "",
    stamp: str = "",
    by=None,
    base_url: str = "http://localhost/",
    reuse_done: bool = True,
) -> Job:
    """The job making this result: the latest one with the same stamp when it is done (and
    ``reuse_done``), pending, or failed (then queued again: a retry); else a new one, which
    replaces the older jobs of the same result and their files. Queued once the transaction
    commits."""
    if kind not in TASKS:
        raise ValueError(f"Unknown job kind: {kind!r}")
    earlier = db.session.scalars(
        sa.select(Job)
        .where(Job.kind == kind, Job.subject_id == subject_id, Job.lang == lang)
        .order_by(Job.id.desc())
    ).all()
    latest = earlier[0] if earlier else None
    if latest is not None and latest.stamp == stamp:
        if latest.status == JobStatus.FAILED:
            retry(latest)
            return latest
        if latest.pending:
            if latest.updated_at < utcnow() - STALE_AFTER:
                log.warning("Job %s was %s since %s: queued again", latest.id, latest.status,
                            latest.updated_at)  # fmt: skip
                _queue_again(latest)
            return latest
        if reuse_done and latest.result_key:
            return latest
    job = Job(
        kind=kind,
        subject_id=subject_id,
        lang=lang,
        stamp=stamp,
        requested_by_id=getattr(by, "id", None),
        base_url=base_url[:200],
    )
    db.session.add(job)
    for old in earlier:
        delete_after_commit([old.result_key])
        db.session.delete(old)
    db.session.flush()
    _dispatch_after_commit(job.id)
    return job


def forget_jobs(kind: str, subject_id: int) -> None:
    """Delete the jobs of a record being deleted, and their files once that commits."""
    for job in db.session.scalars(
        sa.select(Job).where(Job.kind == kind, Job.subject_id == subject_id)
    ):
        delete_after_commit([job.result_key])
        db.session.delete(job)


def retry(job: Job) -> None:
    """Queue a failed job again (its attempts are counted)."""
    if job.status != JobStatus.FAILED:
        raise ValueError("Only a failed job can be retried")
    _queue_again(job)


def _queue_again(job: Job) -> None:
    job.status = JobStatus.QUEUED
    job.error = None
    job.updated_at = utcnow()
    db.session.flush()
    _dispatch_after_commit(job.id)


def get_visible_job_or_404(job_id: int, user) -> Job:
    """The job if ``user`` may follow it, else 404 (its existence does not leak)."""
    job = db.session.get(Job, job_id)
    task = TASKS.get(job.kind) if job is not None else None
    if job is None or task is None or not task.visible(user, job):
        abort(404)
    return job


def wait_for(job_id: int, seconds: float) -> Job | None:
    """Wait up to ``seconds`` for a job to finish; the job as it then is (None when gone).
    Ends the session's transaction on each look, so commit what matters first."""
    deadline = time.monotonic() + seconds
    delay = 0.05
    while True:
        db.session.rollback()  # a fresh snapshot: see the runner's commits
        job = db.session.get(Job, job_id)
        if job is None or not job.pending or time.monotonic() >= deadline:
            return job
        # Hold no transaction while waiting (on SQLite outside a request it holds the write
        # lock the runner needs to record its progress).
        db.session.rollback()
        time.sleep(min(delay, max(deadline - time.monotonic(), 0)))
        delay = min(delay * 2, 0.5)


def queue_depth() -> dict[str, int]:
    """How many jobs are queued and running now (all app servers and workers)."""
    rows = db.session.execute(
        sa.select(Job.status, sa.func.count())
        .where(Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
        .group_by(Job.status)
    ).all()
    counts = {str(JobStatus.QUEUED): 0, str(JobStatus.RUNNING): 0}
    counts.update({str(status): count for status, count in rows})
    return counts


def _dispatch_after_commit(job_id: int) -> None:
    session = db.session()
    if _PENDING_INFO not in session.info:
        session.info[_PENDING_INFO] = []
        app = current_app._get_current_object()
        sa.event.listen(session, "after_commit", lambda s: _dispatch(app, s))
        sa.event.listen(session, "after_rollback", lambda s: s.info[_PENDING_INFO].clear())
    if job_id not in session.info[_PENDING_INFO]:
        session.info[_PENDING_INFO].append(job_id)


def _dispatch(app: Flask, session) -> None:
    ids, session.info[_PENDING_INFO] = list(session.info[_PENDING_INFO]), []
    for job_id in ids:
        try:
            app.extensions["jobs"].submit(job_id)
        except Exception:  # the row says queued: a later request finds it stale and retries
            log.exception("Could not queue job %s", job_id)


# ------------------------------------------------------------------ running a job


def run_job(job_id: int) -> JobStatus | None:
    """Run one queued job (in an app context): claim it, make its result, record the outcome.
    Returns the job's final status, or None when someone else had claimed it."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(
            status=JobStatus.RUNNING, started_at=now, updated_at=now, attempts=Job.attempts + 1
        )  # fmt: skip
    ).rowcount
    db.session.commit()
    if not claimed:
        return None
    job = db.session.get(Job, job_id)
    task = TASKS.get(job.kind)
    started = time.perf_counter()
    try:
        if task is None:
            raise LookupError(f"no task registered for {job.kind!r}")
        key = task.run(job)
    except Exception as error:
        db.session.rollback()
        observe_job(job.kind, "failed", time.perf_counter() - started)
        log.exception("Job %s (%s #%s) failed", job_id, job.kind, job.subject_id)
        _finish(job_id, JobStatus.FAILED, error=f"{type(error).__name__}: {error}"[:500])
        return JobStatus.FAILED
    db.session.rollback()  # whatever the task read: the outcome is written on its own
    observe_job(job.kind, "done", time.perf_counter() - started)
    log.info("Job %s (%s #%s) done in %.2f s", job_id, job.kind, job.subject_id,
             time.perf_counter() - started)  # fmt: skip
    if not _finish(job_id, JobStatus.DONE, result_key=key):
        get_storage().delete(key)  # replaced or re-queued meanwhile: nothing refers to it
    return JobStatus.DONE


def _finish(job_id: int, status: JobStatus, **values) -> bool:
    now = utcnow()
    done = db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.RUNNING)
        .values(status=status, finished_at=now, updated_at=now, **values)
    ).rowcount
    db.session.commit()
    return bool(done)


# ------------------------------------------------------------------ the two runners


class ThreadRunner:
    """Embedded: jobs run on a small thread pool in the process that queued them."""

    kind = "embedded"

    def __init__(self, app: Flask, threads: int) -> None:
        self.app = app
        self.threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def submit(self, job_id: int) -> None:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():  # a forked worker: its own pool
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="inspect-job")
                self._pid = os.getpid()
            self._pool.submit(self._run, job_id)

    def _run(self, job_id: int) -> None:
        try:
            with self.app.app_context():
                try:
                    run_job(job_id)
                finally:
                    db.session.remove()
        except Exception:  # never let a thread die silently
            log.exception("Job %s could not be run", job_id)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking jobs; with ``wait``, finish those queued (tests, shutdown)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait)


class RedisRunner:
    """Jobs go through Redis (RQ) to `flask --app inspect_app worker` processes."""

    kind = "redis"

    def __init__(self, app: Flask, url: str, queue_name: str) -> None:
        self.url = url
        self.queue_name = queue_name
        self._queue = None

    def queue(self):
        """The RQ queue (rq and redis are imported only in Redis mode)."""
        if self._queue is None:
            from redis import Redis
            from rq import Queue

            self._queue = Queue(self.queue_name, connection=Redis.from_url(self.url))
        return self._queue

    def submit(self, job_id: int) -> None:
        self.queue().enqueue_call(
            "inspect_app.jobs.worker.run_in_worker",
            args=(job_id,),
            timeout=JOB_TIMEOUT,
            result_ttl=0,  # the outcome is in the job row
            failure_ttl=24 * 3600,
            description=f"inspect job {job_id}",
        )

    def shutdown(self, wait: bool = True) -> None:
        """Nothing runs here: the workers are other processes."""


def init_app(app: Flask) -> None:
    """Choose the runner: Redis when INSPECT_REDIS_URL is set, else the embedded pool."""
    if url := app.config.get("REDIS_URL"):
        runner = RedisRunner(app, url, app.config.get("JOBS_QUEUE", "inspect"))
    else:
        runner = ThreadRunner(app, int(app.config.get("JOB_THREADS", 2)))
    app.extensions["jobs"] = runner
