"""The JSON shapes of a job and of asking for a document a job makes."""

from __future__ import annotations

from typing import Literal

from flask import url_for
from flask_babel import gettext as _
from pydantic import Field

from ..schemas import Reply, Schema, UtcTime
from .models import Job, JobStatus


class JobOut(Reply):
    """A job: `status` goes queued → running → done (then `result_url` fetches the file) or
    failed (retry with POST `retry_url`)."""

    id: int
    kind: str
    status: JobStatus
    attempts: int = Field(description="how many times it has started")
    message: str = Field(description="the state in the reader's language")
    url: str = Field(description="this job (poll it)")
    result_url: str | None = Field(description="the finished file, once `status` is done")
    retry_url: str | None = Field(description="POST here to try a failed job again")
    created_at: UtcTime
    started_at: UtcTime | None
    finished_at: UtcTime | None


class ReportPdfRequest(Schema):
    lang: Literal["zh_CN", "en"] = Field(description="the PDF's language")


MESSAGES = {
    JobStatus.QUEUED: lambda: _("Waiting to start…"),
    JobStatus.RUNNING: lambda: _("Being made…"),
    JobStatus.DONE: lambda: _("Ready."),
    JobStatus.FAILED: lambda: _("It could not be made. Try again."),
}


def job_out(job: Job) -> dict:
    """The job as JobOut's fields (URLs need a request context)."""
    done = job.status == JobStatus.DONE and job.result_key
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "attempts": job.attempts,
        "message": MESSAGES[job.status](),
        "url": url_for("api.get_job", job_id=job.id),
        "result_url": url_for("jobs.job_result", job_id=job.id) if done else None,
        "retry_url": url_for("api.retry_job", job_id=job.id)
        if job.status == JobStatus.FAILED
        else None,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }
