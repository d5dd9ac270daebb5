"""The report PDF as a job: a submitted inspection's is rendered once per language (at submit)
and kept in the storage backend; a draft's is rendered on request. WeasyPrint runs only inside
the job (imported there), never on a web request's path."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from .. import jobs
from ..accounts.models import User
from ..extensions import db
from ..storage import DOCUMENTS, get_storage
from . import services
from .models import Inspection

KIND = "report_pdf"
LANGUAGES = ("zh_CN", "en")

#: What else a report shows that can change after submission (the actions raised on its
#: findings): `(inspection) -> str`, added by later features as they add to REPORT_EXTRAS. A
#: kept PDF is current while these and the inspection's version are unchanged.
REPORT_STAMPS: list[Callable[[Inspection], str]] = []


def report_stamp(inspection: Inspection) -> str:
    """What the report is made from: a kept PDF with another stamp is rendered again."""
    parts = [str(inspection.id), str(inspection.version), str(inspection.status)]
    parts += [stamp(inspection) for stamp in REPORT_STAMPS]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def request_report_pdf(inspection: Inspection, lang: str, *, by, base_url: str) -> jobs.Job:
    """The job making the report PDF in ``lang``: a submitted inspection's kept one (or the
    job making it); for a draft a fresh rendering (or the one already under way)."""
    return jobs.request_job(
        KIND,
        subject_id=inspection.id,
        lang=lang,
        stamp=report_stamp(inspection),
        by=by,
        base_url=base_url,
        reuse_done=not inspection.is_draft,
    )


def keep_after_submit(inspection: Inspection, *, by, base_url: str) -> None:
    """Queue the report PDF in every language, to be kept (call it when an inspection is
    submitted, before the commit)."""
    if current_app.config.get("JOBS_AT_SUBMIT", True):
        for lang in LANGUAGES:
            request_report_pdf(inspection, lang, by=by, base_url=base_url)


def forget(inspection: Inspection) -> None:
    """Drop the report PDFs of an inspection being discarded (with their jobs)."""
    jobs.forget_jobs(KIND, inspection.id)


def render_report_pdf(inspection: Inspection, lang: str, *, base_url: str) -> bytes:
    """The report on A4 paper, in ``lang`` (needs a request context for its links)."""
    from ..pdf import render_pdf  # WeasyPrint: only where a PDF is made
    from .views import report_context

    with force_locale(lang):
        html = render_template(
            "inspections/report_pdf.html", **report_context(inspection, for_pdf=True)
        )
    return render_pdf(html, base_url=base_url)


def _run(job: jobs.Job) -> str:
    inspection = db.session.get(Inspection, job.subject_id)
    if inspection is None:
        raise LookupError(f"inspection {job.subject_id} is gone")
    user = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
    with current_app.test_request_context("/", base_url=job.base_url):
        # The report shows what its requester sees (the actions on its findings), as the
        # page did when the PDF was rendered in the request.
        g._login_user = user
        pdf = render_report_pdf(inspection, job.lang, base_url=job.base_url)
    return get_storage().add(pdf, namespace=DOCUMENTS, suffix=".pdf")


def _visible(user, job: jobs.Job) -> bool:
    try:
        services.get_inspection_or_404(job.subject_id, user)
    except NotFound:
        return False
    return True


def _disposition(job: jobs.Job) -> str:
    from .views import pdf_disposition

    inspection = db.session.get(Inspection, job.subject_id)
    with force_locale(job.lang):
        title = _("Inspection report")
    return pdf_disposition(inspection, title, job.lang)


jobs.register(jobs.Task(KIND, run=_run, visible=_visible, disposition=_disposition))
