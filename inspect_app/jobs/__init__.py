"""Heavy work (report PDFs) as jobs, never on a web request's path.

A job is a row (``Job``): every app server and worker reads its state there. The queue only
carries "run job N" to whoever runs it:

- **embedded** (the default, no extra server): a small thread pool inside the app process that
  queued the job (``INSPECT_JOB_THREADS``, 2), so ``gunicorn wsgi:app`` serves every feature;
- **Redis** (``INSPECT_REDIS_URL`` set): RQ queues the job in Redis and a separate worker
  process runs it: ``flask --app inspect_app worker``.

A feature registers a ``Task`` (what to run, who may see the job, the result's file name) and
asks for its result with ``request_job``; the result is a file in the storage backend, kept
while its ``stamp`` (what it was made from) is current.
"""

from __future__ import annotations

from .models import Job, JobStatus
from .queue import (
    TASKS,
    Task,
    forget_jobs,
    get_visible_job_or_404,
    init_app,
    queue_depth,
    register,
    request_job,
    retry,
    run_job,
    wait_for,
)

__all__ = [
    "TASKS",
    "Job",
    "JobStatus",
    "Task",
    "forget_jobs",
    "get_visible_job_or_404",
    "init_app",
    "queue_depth",
    "register",
    "request_job",
    "retry",
    "run_job",
    "wait_for",
]
