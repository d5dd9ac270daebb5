"""Enforcement documents, the issuing authority of a region, and the number sequences."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..audit import Audited
from ..extensions import db, str_enum, utcnow
from .schemas import (
    AUTHORITY_NAME_MAX,
    AUTHORITY_PREFIX_MAX,
    NUMBER_MAX,
    DocumentStatus,
    DocumentType,
)

__all__ = ["Document", "DocumentSequence", "DocumentStatus", "DocumentType", "IssuingAuthority"]


class IssuingAuthority(Audited, db.Model):
    """The body that issues documents for a region (a district's 应急管理局) and its number
    prefix (渝北应急). A factory's documents are issued by the authority of the nearest region
    above it that has one."""

    __tablename__ = "issuing_authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(AUTHORITY_NAME_MAX))
    prefix: Mapped[str] = mapped_column(sa.String(AUTHORITY_PREFIX_MAX))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    region = relationship("Region", lazy="joined", innerjoin=True)


class DocumentSequence(db.Model):
    """The last number given per authority, document type and year. Issuing locks this row
    (SELECT … FOR UPDATE on PostgreSQL; SQLite's write transaction already serialises), so
    numbers are unique, and a rolled-back issue gives its number back: no gaps."""

    __tablename__ = "document_sequences"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(sa.ForeignKey("issuing_authorities.id"))
    doc_type: Mapped[DocumentType] = mapped_column(str_enum(DocumentType, 40))
    year: Mapped[int] = mapped_column()
    last_number: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        sa.UniqueConstraint(
            "authority_id", "doc_type", "year", name="uq_document_sequences_authority_type_year"
        ),
    )


class Document(Audited, db.Model):
    """A document generated from an inspection: a draft while its wording is edited, then
    issued with a number and immutable; a correction supersedes it (both are kept)."""

    __tablename__ = "documents"
    __audit_ignore__ = frozenset({"updated_at", "version"})

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    factory_id: Mapped[int] = mapped_column(sa.ForeignKey("factories.id"), index=True)
    doc_type: Mapped[DocumentType] = mapped_column(str_enum(DocumentType, 40))
    lang: Mapped[str] = mapped_column(sa.String(8), default="zh_CN")
    status: Mapped[DocumentStatus] = mapped_column(
        str_enum(DocumentStatus, 12), default=DocumentStatus.DRAFT
    )
    content: Mapped[dict] = mapped_column(sa.JSON)
    authority_id: Mapped[int | None] = mapped_column(sa.ForeignKey("issuing_authorities.id"))
    year: Mapped[int | None] = mapped_column()
    serial: Mapped[int | None] = mapped_column()
    number: Mapped[str | None] = mapped_column(sa.String(NUMBER_MAX), unique=True)
    #: sha256 of the canonical JSON of what was issued (type, number, content).
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    issued_at: Mapped[datetime | None] = mapped_column()
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    inspection = relationship("Inspection", lazy="joined", innerjoin=True)
    authority = relationship(IssuingAuthority, lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint(
            "authority_id", "doc_type", "year", "serial", name="uq_documents_authority_serial"
        ),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def type(self) -> DocumentType:
        return self.doc_type

    @property
    def is_draft(self) -> bool:
        return self.status is DocumentStatus.DRAFT

    @property
    def factory(self):
        return self.inspection.factory

    @property
    def pdf_url(self) -> str:
        return f"/documents/{self.id}.pdf"
