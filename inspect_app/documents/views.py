"""Documents on the page: the report's Documents section, a draft's wording form (tablet),
issuing with a confirmation, the PDF; the admins' page of issuing authorities."""

from __future__ import annotations

import copy

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import jobs
from ..errors import DomainError
from ..extensions import db
from ..factories.models import Region
from ..inspections.services import get_inspection_or_404
from ..inspections.views import REPORT_EXTRAS, _pdf_not_ready
from ..permissions import can_manage_users, can_use_documents, can_write_documents
from ..storage import send_stored
from ..web import whole_id
from . import pdf, services
from .models import Document
from .schemas import DocumentType

bp = Blueprint("documents", __name__)

#: The fields of a hazard (or finding) the inspector rewords on the page.
HAZARD_FIELDS = ("title", "location", "description", "legal_basis", "deadline")
#: A type's list of hazards and its closing text.
LIST_KEY = {DocumentType.ONSITE_RECORD: "findings", DocumentType.RECTIFICATION_ORDER: "hazards"}
CLOSING_KEY = {
    DocumentType.ONSITE_RECORD: "summary",
    DocumentType.RECTIFICATION_ORDER: "requirement",
}


def _require_documents() -> None:
    if not can_use_documents(current_user):
        abort(403)


@bp.post("/inspections/<int:inspection_id>/documents")
@login_required
def create_document(inspection_id: int):
    """Draft a document of a type from the submitted inspection (or a correction)."""
    _require_documents()
    inspection = get_inspection_or_404(inspection_id, current_user)
    if not can_write_documents(current_user, inspection):
        abort(403)
    report = url_for("inspections.report", inspection_id=inspection.id) + "#documents"
    try:
        document = services.create_draft(
            inspection,
            by=current_user,
            doc_type=request.form.get("type", ""),
            lang=request.form.get("lang") if request.form.get("lang") == "en" else "zh_CN",
        )
    except (DomainError, ValueError) as error:
        flash(getattr(error, "message", _("Choose a document type.")), "error")
        return redirect(report)
    db.session.commit()
    return redirect(url_for("documents.show_document", document_id=document.id))


@bp.get("/documents/<int:document_id>")
@login_required
def show_document(document_id: int):
    """The document as it reads; a draft's wording form for its writers."""
    _require_documents()
    document = services.get_document_or_404(document_id, current_user)
    return render_template("documents/show.html", **_page(document))


def _page(document, errors: dict | None = None, content: dict | None = None) -> dict:
    writable = can_write_documents(current_user, document.inspection)
    return {
        "document": document,
        "rendered": pdf.render_document_html(document, for_pdf=False),
        "editable": writable and document.is_draft,
        "writable": writable,
        "content": content or document.content,
        "list_key": LIST_KEY[document.doc_type],
        "closing_key": CLOSING_KEY[document.doc_type],
        "errors": errors or {},
        "superseded_by": _linked(document.superseded_by_id),
        "supersedes": _linked(document.supersedes_id),
    }


def _linked(document_id: int | None):
    return db.session.get(Document, document_id) if document_id else None


@bp.post("/documents/<int:document_id>")
@login_required
def update_document(document_id: int):
    """Save a draft's new wording."""
    _require_documents()
    document = services.get_document_or_404(document_id, current_user, for_edit=True)
    content = _content_from_form(document)
    try:
        services.update_draft(
            document,
            by=current_user,
            content=content,
            expected_version=whole_id(request.form.get("version", "")),
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        errors = {name.replace(".", "-"): message for name, message in error.fields.items()}
        document = services.get_document_or_404(document_id, current_user, for_edit=True)
        return render_template("documents/show.html", **_page(document, errors, content)), 422
    db.session.commit()
    flash(_("The wording was saved."), "success")
    return redirect(url_for("documents.show_document", document_id=document_id))


def _content_from_form(document) -> dict:
    content = copy.deepcopy(document.content)
    form = request.form
    if "place" in form:
        content["place"] = form["place"]
    closing = CLOSING_KEY[document.doc_type]
    if closing in form:
        content[closing] = form[closing]
    for i, hazard in enumerate(content.get(LIST_KEY[document.doc_type], [])):
        for name in HAZARD_FIELDS:
            key = f"{LIST_KEY[document.doc_type]}-{i}-{name}"
            if key in form:
                hazard[name] = form[key]
    return content


@bp.post("/documents/<int:document_id>/issue")
@login_required
def issue_document(document_id: int):
    """Issue a draft once the inspector confirmed: it gets its number and is final."""
    _require_documents()
    document = services.get_document_or_404(document_id, current_user, for_edit=True)
    page = url_for("documents.show_document", document_id=document_id)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm the wording is final, then issue."), "error")
        return redirect(page)
    try:
        issued = services.issue(document, by=current_user)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(page)
    number = issued.number
    db.session.commit()
    flash(_("Issued as %(number)s.", number=number), "success")
    return redirect(page)


@bp.post("/documents/<int:document_id>/correct")
@login_required
def correct_document(document_id: int):
    """Start a correction: a new draft with the issued wording that will supersede it."""
    _require_documents()
    document = services.get_document_or_404(document_id, current_user, for_edit=True)
    try:
        draft = services.create_draft(
            document.inspection,
            by=current_user,
            doc_type=document.doc_type,
            supersedes=document,
        )
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("documents.show_document", document_id=document_id))
    db.session.commit()
    flash(_("A correction was drafted. Issuing it supersedes the original."), "success")
    return redirect(url_for("documents.show_document", document_id=draft.id))


@bp.get("/documents/<int:document_id>.pdf")
@login_required
def document_pdf(document_id: int):
    """The document on A4 with the Chinese font embedded (made by a job; 202 while it is
    being made, like the report PDF)."""
    _require_documents()
    document = services.get_document_or_404(document_id, current_user)
    job = pdf.request_document_pdf(document, by=current_user, base_url=request.url_root)
    db.session.commit()
    job_id = job.id
    if job.status != jobs.JobStatus.DONE:
        job = jobs.wait_for(job_id, current_app.config["PDF_WAIT_SECONDS"])
    if job is not None and job.status == jobs.JobStatus.DONE and job.result_key:
        document = services.get_document_or_404(document_id, current_user)
        response = send_stored(job.result_key, filename=f"document-{document_id}.pdf",
                               mimetype="application/pdf")  # fmt: skip
        response.headers["Content-Disposition"] = pdf.disposition(document)
        response.headers["Cache-Control"] = "private, no-cache"
        return response
    return _pdf_not_ready(document.inspection, job, job_id)


# ---------------------------------------------------------------- issuing authorities


@bp.route("/admin/authorities", methods=["GET", "POST"])
@login_required
def authorities():
    """Admins name each region's issuing authority and its number prefix."""
    if not can_manage_users(current_user):
        abort(403)
    errors: dict = {}
    if request.method == "POST":
        region = db.session.get(Region, whole_id(request.form.get("region_id", "")) or 0)
        try:
            if region is None:
                raise DomainError(_("Choose a region."), fields={"region_id": _("Required.")})
            services.set_authority(
                region, name=request.form.get("name", ""), prefix=request.form.get("prefix", "")
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            errors = error.fields
        else:
            db.session.commit()
            flash(_("The issuing authority of %(region)s was saved.", region=region.full_name),
                  "success")  # fmt: skip
            return redirect(url_for("documents.authorities"))
    regions = db.session.scalars(sa.select(Region).order_by(Region.path)).all()
    page = render_template(
        "documents/authorities.html",
        authorities=services.list_authorities(),
        regions=regions,
        errors=errors,
    )
    return page, (422 if errors else 200)


# ---------------------------------------------------------------- the report's section


def _report_documents(inspection) -> dict:
    """The Documents section of a submitted enforcement inspection's report page."""
    if inspection.is_draft or not current_user or not current_user.is_authenticated:
        return {}
    if not can_use_documents(current_user) or inspection.kind.value != "enforcement":
        return {}
    return {
        "documents": services.documents_of(inspection, current_user),
        "documents_writable": can_write_documents(current_user, inspection),
        "document_types": list(DocumentType),
    }


if _report_documents not in REPORT_EXTRAS:
    REPORT_EXTRAS.append(_report_documents)
