"""Enforcement documents over JSON: list and draft per inspection, read, reword, issue."""

from __future__ import annotations

from flask_login import current_user

from ..accounts.models import Role
from ..documents import services
from ..documents.models import Document
from ..documents.schemas import DocumentCreate, DocumentOut, DocumentPatch, IssuedOut
from ..inspections.models import Inspection
from ..inspections.services import get_inspection_or_404
from . import bp
from .contract import endpoint

READERS = (Role.ADMIN, Role.INSPECTOR, Role.COMMITTEE)
WRITERS = (Role.ADMIN, Role.INSPECTOR)


def visible_inspection(inspection_id: int) -> Inspection:
    return get_inspection_or_404(inspection_id, current_user)


def visible_document(document_id: int) -> Document:
    return services.get_document_or_404(document_id, current_user)


def editable_document(document_id: int) -> Document:
    return services.get_document_or_404(document_id, current_user, for_edit=True)


@bp.get("/inspections/<int:inspection_id>/documents")
@endpoint(load=visible_inspection, reply=list[DocumentOut], roles=READERS)
def list_documents(inspection: Inspection):
    """The inspection's documents (a committee sees the issued ones only), oldest first."""
    return services.documents_of(inspection, current_user)


@bp.post("/inspections/<int:inspection_id>/documents")
@endpoint(
    load=visible_inspection,
    body=DocumentCreate,
    reply=DocumentOut,
    status=201,
    roles=WRITERS,
    errors=(409,),
)
def create_document(inspection: Inspection, body: DocumentCreate):
    """A draft generated from the submitted inspection (the factory, the inspectors and their
    certificate numbers, what was checked, each hazard with its legal basis and a deadline by
    grade). With `supersedes`: a correction of an issued document, starting from its wording."""
    old = services.get_document_or_404(body.supersedes, current_user) if body.supersedes else None
    document = services.create_draft(
        inspection, by=current_user, doc_type=body.type, lang=body.lang, supersedes=old
    )
    return document, 201, {"Location": f"/api/v1/documents/{document.id}"}


@bp.get("/documents/<int:document_id>")
@endpoint(load=visible_document, reply=DocumentOut, roles=READERS)
def get_document(document: Document):
    """One document: its content, and once issued its number and content hash."""
    return document


@bp.patch("/documents/<int:document_id>")
@endpoint(
    load=editable_document, body=DocumentPatch, reply=DocumentOut, roles=WRITERS, errors=(409,)
)
def update_document(document: Document, body: DocumentPatch):
    """New wording for a draft: the whole `content` of its type. An issued document is
    immutable: 409 `document_issued` (correct it with a new draft that supersedes it)."""
    return services.update_draft(
        document, by=current_user, content=body.content, expected_version=body.version
    )


@bp.post("/documents/<int:document_id>/issue")
@endpoint(load=editable_document, reply=IssuedOut, roles=WRITERS, errors=(409,))
def issue_document(document: Document):
    """Issue the draft: it gets the next number of its authority's sequence for the type and
    year (e.g. 渝北应急责改〔2026〕第0012号) and becomes immutable; the document it corrects is
    marked superseded. 409 when already issued or no issuing authority is set."""
    return services.issue(document, by=current_user)
