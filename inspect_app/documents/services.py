"""Enforcement documents: issuing authorities, drafts generated from a submitted inspection,
issuing with a gapless number, and corrections that supersede."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from ..accounts.models import User
from ..errors import Conflict, DomainError, Forbidden, check_version, flush_versioned
from ..extensions import MAX_ID, db, local_today, utcnow
from ..factories.models import Factory, Region
from ..inspections.models import Inspection, InspectionKind
from ..permissions import can_view_document, can_write_documents
from ..schemas import validate_json
from .models import Document, DocumentSequence, IssuingAuthority
from .schemas import DocumentStatus, DocumentType
from .types import kind_of

# ---------------------------------------------------------------- issuing authorities


def authority_for(factory: Factory) -> IssuingAuthority | None:
    """The authority of the nearest region at or above the factory's that has one."""
    codes = [code for code in factory.region.path.split("/") if code]
    return db.session.scalar(
        sa.select(IssuingAuthority)
        .join(Region, IssuingAuthority.region_id == Region.id)
        .where(Region.code.in_(codes))
        .order_by(sa.func.length(Region.path).desc())
        .limit(1)
    )


def set_authority(region: Region, *, name: str, prefix: str) -> IssuingAuthority:
    """Name the region's issuing authority and its number prefix (created or changed)."""
    name, prefix = name.strip(), prefix.strip()
    if not name or not prefix:
        raise DomainError(
            _("Give the authority's name and its number prefix."),
            fields={k: _("Required.") for k, v in (("name", name), ("prefix", prefix)) if not v},
        )
    taken = db.session.scalar(
        sa.select(IssuingAuthority).where(
            IssuingAuthority.prefix == prefix, IssuingAuthority.region_id != region.id
        )
    )
    if taken is not None:  # two authorities' numbers would collide
        message = _(
            "Another region's authority (%(name)s) already numbers with this prefix.",
            name=taken.name,
        )
        raise DomainError(message, fields={"prefix": message})
    authority = db.session.scalar(
        sa.select(IssuingAuthority).where(IssuingAuthority.region_id == region.id)
    )
    if authority is None:
        authority = IssuingAuthority(region_id=region.id, name=name, prefix=prefix)
        db.session.add(authority)
    authority.name, authority.prefix = name, prefix
    db.session.flush()
    return authority


def list_authorities() -> list[IssuingAuthority]:
    return list(
        db.session.scalars(
            sa.select(IssuingAuthority)
            .join(Region, IssuingAuthority.region_id == Region.id)
            .order_by(Region.path)
        )
    )


def find_region(text: str) -> Region | None:
    """A region by its GB/T 2260 code or its Chinese or English name (full or short)."""
    text = text.strip()
    return db.session.scalar(
        sa.select(Region)
        .where(
            sa.or_(
                Region.code == text,
                Region.name_zh == text,
                Region.full_name_zh == text,
                Region.name_en == text,
            )
        )
        .order_by(Region.path)
        .limit(1)
    )


# ---------------------------------------------------------------- loading


def get_document_or_404(document_id: int, user: User, *, for_edit: bool = False) -> Document:
    """A document the user may see (404 otherwise); for_edit also needs a writer (403)."""
    document = db.session.get(Document, document_id) if 0 < document_id <= MAX_ID else None
    if document is None or not can_view_document(user, document):
        abort(404)
    if for_edit and not can_write_documents(user, document.inspection):
        raise Forbidden()
    return document


def documents_of(inspection: Inspection, user: User) -> list[Document]:
    """The inspection's documents the user may see, oldest first."""
    rows = db.session.scalars(
        sa.select(Document).where(Document.inspection_id == inspection.id).order_by(Document.id)
    )
    return [d for d in rows if can_view_document(user, d)]


# ---------------------------------------------------------------- drafts


def create_draft(
    inspection: Inspection,
    *,
    by: User,
    doc_type: DocumentType | str,
    lang: str = "zh_CN",
    supersedes: Document | None = None,
) -> Document:
    """A draft generated from the submitted inspection; a correction (`supersedes`) starts
    from the issued document's wording."""
    if not can_write_documents(by, inspection):
        raise Forbidden()
    doc_type = DocumentType(doc_type)
    kind = kind_of(doc_type)
    if inspection.is_draft:
        raise Conflict(
            _("Submit the inspection first: documents are made from a submitted inspection."),
            code="inspection_not_submitted",
        )
    if inspection.kind is not InspectionKind.ENFORCEMENT:
        raise Conflict(
            _("Enforcement documents are made from enforcement inspections only."),
            code="not_enforcement",
        )
    others = db.session.scalars(
        sa.select(Document).where(
            Document.inspection_id == inspection.id, Document.doc_type == doc_type
        )
    ).all()
    if supersedes is not None:
        _check_correctable(supersedes, inspection, doc_type, others)
        content, lang = dict(supersedes.content), supersedes.lang
    else:
        current = next((d for d in others if d.status is not DocumentStatus.SUPERSEDED), None)
        if current is not None:
            raise Conflict(
                _(
                    "This inspection already has a %(type)s (%(state)s): open it, or correct it.",
                    type=doc_type.label,
                    state=current.status.label,
                ),  # fmt: skip
                code="document_exists",
            )
        content = kind.generate(
            inspection, lang=lang, authority=authority_for(inspection.factory), today=local_today()
        )
        if doc_type is DocumentType.RECTIFICATION_ORDER and not content["hazards"]:
            raise Conflict(
                _(
                    "There is no hazard to order rectified: every finding was fixed on the spot, "
                    "or there are none."
                ),  # fmt: skip
                code="no_hazards",
            )
    document = Document(
        inspection_id=inspection.id,
        factory_id=inspection.factory_id,
        doc_type=doc_type,
        lang=lang,
        content=_validated(kind, content),
        supersedes_id=supersedes.id if supersedes is not None else None,
        created_by_id=by.id,
    )
    db.session.add(document)
    db.session.flush()
    return document


def _check_correctable(old: Document, inspection, doc_type, others) -> None:
    if old.inspection_id != inspection.id or old.doc_type is not doc_type:
        raise DomainError(
            _("A correction is of the same document type and inspection."),
            fields={"supersedes": _("Not a document of this type and inspection.")},
        )
    if old.status is not DocumentStatus.ISSUED:
        raise Conflict(
            _("Only an issued document that is not yet superseded can be corrected."),
            code="not_correctable",
        )
    pending = next((d for d in others if d.supersedes_id == old.id and d.is_draft), None)
    if pending is not None:
        raise Conflict(
            _("A correction of this document is already being drafted."), code="document_exists"
        )


def update_draft(
    document: Document, *, by: User, content: dict, expected_version: int | None
) -> Document:
    """New wording for a draft; an issued document never changes (409)."""
    _refuse_issued(document)
    check_version(document, expected_version)
    document.content = _validated(kind_of(document.doc_type), content)
    flush_versioned(document)
    return document


def _refuse_issued(document: Document) -> None:
    if not document.is_draft:
        raise Conflict(
            _("Document %(number)s was issued and can no longer be changed. To correct it, "
              "make a correction: a new draft that supersedes it.", number=document.number),
            code="document_issued",
        )  # fmt: skip


def _validated(kind, content: dict) -> dict:
    """The content checked against the type's shape, as stored (JSON values)."""
    model = validate_json(kind.content_schema, json.dumps(content, default=str))
    return model.model_dump(mode="json")


# ---------------------------------------------------------------- issuing


def _locked(document_id: int) -> Document:
    """The document, read again and locked for this transaction (PostgreSQL: FOR UPDATE)."""
    return db.session.scalar(
        sa.select(Document)
        .options(lazyload("*"))
        .where(Document.id == document_id)
        .with_for_update(of=Document)
        .execution_options(populate_existing=True)
    )


def issue(document: Document, *, by: User) -> Document:
    """Give the draft its number and make it immutable; the document it corrects becomes
    superseded. Concurrent issues are serialised on the sequence row (see DocumentSequence)."""
    locked = _locked(document.id)
    _refuse_issued(locked)
    authority = authority_for(locked.inspection.factory)
    if authority is None:
        raise Conflict(
            _("No issuing authority is set for %(region)s: an administrator sets one under "
              "Issuing authorities.", region=locked.inspection.factory.region.full_name),
            code="no_authority",
        )  # fmt: skip
    kind = kind_of(locked.doc_type)
    year = local_today().year
    serial = _next_serial(authority.id, locked.doc_type, year)
    locked.authority_id, locked.year, locked.serial = authority.id, year, serial
    locked.number = f"{authority.prefix}{kind.abbreviation}〔{year}〕第{serial:04d}号"
    locked.content = {**locked.content, "authority": authority.name}
    locked.status = DocumentStatus.ISSUED
    locked.issued_at, locked.issued_by_id = utcnow(), by.id
    locked.content_hash = content_hash(locked)
    if locked.supersedes_id is not None:
        old = _locked(locked.supersedes_id)
        if old.status is not DocumentStatus.ISSUED:
            raise Conflict(
                _("The document this corrects was already superseded."), code="not_correctable"
            )
        old.status, old.superseded_by_id = DocumentStatus.SUPERSEDED, locked.id
    db.session.flush()
    return locked


def _next_serial(authority_id: int, doc_type: DocumentType, year: int) -> int:
    """The next number of the authority's sequence for the type and year, its row locked
    until the transaction ends (created on the year's first issue)."""
    where = sa.select(DocumentSequence).where(
        DocumentSequence.authority_id == authority_id,
        DocumentSequence.doc_type == doc_type,
        DocumentSequence.year == year,
    )
    locked = where.with_for_update().execution_options(populate_existing=True)
    sequence = db.session.scalar(locked)
    if sequence is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    DocumentSequence(
                        authority_id=authority_id, doc_type=doc_type, year=year, last_number=0
                    )
                )
        except IntegrityError:
            pass  # another issue created it first: its row is locked below
        sequence = db.session.scalar(locked)
    sequence.last_number += 1
    db.session.flush()
    return sequence.last_number


def canonical_json(document: Document) -> str:
    """What an issued document says, as canonical JSON (sorted keys, no spaces)."""
    data = {
        "type": document.doc_type.value,
        "number": document.number,
        "lang": document.lang,
        "content": document.content,
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(document: Document) -> str:
    """sha256 of the canonical JSON: stored at issue, it shows the content never changed."""
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def kind_labels() -> list[tuple[str, str]]:
    return [(t.value, t.label) for t in DocumentType]
