"""Jobs over JSON: follow one, retry a failed one, ask for a report PDF."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from .. import jobs
from ..errors import Conflict
from ..inspections import reports
from ..inspections import services as inspection_services
from ..jobs.schemas import JobOut, ReportPdfRequest, job_out
from . import bp
from .contract import endpoint


def visible_job(job_id: int) -> jobs.Job:
    return jobs.get_visible_job_or_404(job_id, current_user)


@bp.get("/jobs/<int:job_id>")
@endpoint(load=visible_job, reply=JobOut)
def get_job(job: jobs.Job):
    """A job's state (poll it until `status` is done or failed)."""
    return job_out(job)


@bp.post("/jobs/<int:job_id>/retry")
@endpoint(load=visible_job, reply=JobOut, status=202, errors=(409,))
def retry_job(job: jobs.Job):
    """Queue a failed job again; 409 when it has not failed."""
    if job.status != jobs.JobStatus.FAILED:
        raise Conflict(_("Only a job that failed can be tried again."), code="job_not_failed")
    jobs.retry(job)
    return job_out(job), 202, {"Location": job_out(job)["url"]}


def visible_inspection(inspection_id: int):
    return inspection_services.get_inspection_or_404(inspection_id, current_user)


@bp.post("/inspections/<int:inspection_id>/report-pdf")
@endpoint(
    load=visible_inspection,
    body=ReportPdfRequest,
    reply=JobOut,
    replies={202: (JobOut, "Not ready yet: poll the job's `url` (also in `Location`)")},
)
def request_report_pdf(inspection, body: ReportPdfRequest):
    """Ask for the report PDF in a language: 200 with `result_url` when it is ready (a
    submitted inspection's is kept), else 202 with the job making it."""
    job = reports.request_report_pdf(
        inspection, body.lang, by=current_user, base_url=request.url_root
    )
    out = job_out(job)
    if job.status == jobs.JobStatus.DONE:
        return out
    return out, 202, {"Location": out["url"], "Retry-After": "2"}
