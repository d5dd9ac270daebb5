"""A document's PDF as a job: an issued document's is rendered once and kept (its stamp is
the content hash); a draft's is rendered again whenever its wording changed. WeasyPrint runs
only inside the job, never on a web request's path."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import current_app, render_template
from flask_babel import force_locale
from werkzeug.exceptions import NotFound

from .. import jobs
from ..extensions import db
from ..storage import DOCUMENTS, get_storage
from . import services
from .models import Document
from .types import kind_of

KIND = "document_pdf"


def stamp(document: Document) -> str:
    """What the PDF is made from: the content hash once issued, else the draft's version."""
    return document.content_hash or f"draft-{document.version}-{document.status}"


def request_document_pdf(document: Document, *, by, base_url: str) -> jobs.Job:
    """The job making the document's PDF (an issued document's kept one when there is one)."""
    return jobs.request_job(
        KIND,
        subject_id=document.id,
        lang=document.lang,
        stamp=stamp(document),
        by=by,
        base_url=base_url,
        reuse_done=not document.is_draft,
    )


def render_document_html(document: Document, *, for_pdf: bool) -> str:
    """The document in its own language, on A4 for the PDF or as a page fragment."""
    kind = kind_of(document.doc_type)
    with force_locale(document.lang):
        return render_template(
            "documents/pdf.html" if for_pdf else kind.template(document.lang),
            document=document,
            kind=kind,
            content=document.content,
            body=kind.template(document.lang),
        )


def _run(job: jobs.Job) -> str:
    from ..pdf import render_pdf  # WeasyPrint: only where a PDF is made

    document = db.session.get(Document, job.subject_id)
    if document is None:
        raise LookupError(f"document {job.subject_id} is gone")
    with current_app.test_request_context("/", base_url=job.base_url):
        html = render_document_html(document, for_pdf=True)
        pdf = render_pdf(html, base_url=job.base_url)
    return get_storage().add(pdf, namespace=DOCUMENTS, suffix=".pdf")


def _visible(user, job: jobs.Job) -> bool:
    try:
        services.get_document_or_404(job.subject_id, user)
    except NotFound:
        return False
    return True


def disposition(document: Document) -> str:
    """`inline`, with the number (or "draft") in the name."""
    label = document.number or f"draft-{document.id}"
    name = re.sub(r'[\\/:*?"<>|\s]+', "-", f"{document.doc_type.label}-{label}") + ".pdf"
    fallback = f"document-{document.id}.pdf"
    return f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _disposition(job: jobs.Job) -> str:
    return disposition(db.session.get(Document, job.subject_id))


jobs.register(jobs.Task(KIND, run=_run, visible=_visible, disposition=_disposition))
