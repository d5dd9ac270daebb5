"""The file a job made, for whoever may see the job (its record's access rules)."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from ..storage import send_stored
from .models import JobStatus
from .queue import TASKS, get_visible_job_or_404

bp = Blueprint("jobs", __name__)


@bp.get("/jobs/<int:job_id>/result")
@login_required
def job_result(job_id: int):
    """The finished file (404 until the job is done, or outside the user's scope)."""
    job = get_visible_job_or_404(job_id, current_user)
    if job.status != JobStatus.DONE or not job.result_key:
        abort(404)
    task = TASKS[job.kind]
    try:
        name = f"{job.kind}-{job.subject_id}-{job.lang}.pdf"  # redirect mode: the store's name
        response = send_stored(job.result_key, filename=name, mimetype=task.mimetype)
    except FileNotFoundError:
        abort(404)
    response.headers["Content-Disposition"] = task.disposition(job)
    return response
