"""Inspections, their answers and findings."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..audit import Audited
from ..extensions import db, new_client_id, str_enum, utcnow


class InspectionKind(StrEnum):
    ENFORCEMENT = "enforcement"
    SCORE_VISIT = "score_visit"
    SELF_INSPECTION = "self_inspection"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    InspectionKind.ENFORCEMENT: _l("Enforcement inspection"),
    InspectionKind.SCORE_VISIT: _l("SCORE visit"),
    InspectionKind.SELF_INSPECTION: _l("Self-inspection"),
}


class InspectionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"

    @property
    def label(self) -> str:
        return str(_l("Draft") if self is InspectionStatus.DRAFT else _l("Submitted"))


class FindingSource(StrEnum):
    UNSAFE_CONDITION = "unsafe_condition"
    UNSAFE_ACT = "unsafe_act"
    MANAGEMENT = "management"

    @property
    def label(self) -> str:
        return str(SOURCE_LABELS[self])


SOURCE_LABELS = {
    FindingSource.UNSAFE_CONDITION: _l("Unsafe condition"),
    FindingSource.UNSAFE_ACT: _l("Unsafe act"),
    FindingSource.MANAGEMENT: _l("Management deficiency"),
}


class Grade(StrEnum):
    GENERAL = "general"
    MAJOR = "major"

    @property
    def label(self) -> str:
        return str(_l("General") if self is Grade.GENERAL else _l("Major"))


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def label(self) -> str:
        return str(RISK_LABELS[self])

    @property
    def tone(self) -> str:
        return {"low": "ok", "medium": "warn", "high": "danger", "critical": "danger"}[self.value]


RISK_LABELS = {
    RiskLevel.LOW: _l("Low"),
    RiskLevel.MEDIUM: _l("Medium"),
    RiskLevel.HIGH: _l("High"),
    RiskLevel.CRITICAL: _l("Critical"),
}

inspection_inspectors = sa.Table(
    "inspection_inspectors",
    db.metadata,
    sa.Column(
        "inspection_id", sa.ForeignKey("inspections.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)

inspection_committee = sa.Table(
    "inspection_committee",
    db.metadata,
    sa.Column(
        "inspection_id", sa.ForeignKey("inspections.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Inspection(Audited, db.Model):
    """A walk through a factory with a pinned checklist version."""

    __tablename__ = "inspections"
    __audit_ignore__ = frozenset({"updated_at", "version", "scores"})

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(sa.ForeignKey("factories.id"), index=True)
    checklist_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("checklist_versions.id"), index=True
    )
    kind: Mapped[InspectionKind] = mapped_column(str_enum(InspectionKind, 20))
    status: Mapped[InspectionStatus] = mapped_column(
        str_enum(InspectionStatus, 12), default=InspectionStatus.DRAFT
    )
    inspected_on: Mapped[date] = mapped_column(index=True)
    good_points: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column()
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Scores frozen at submission ({"overall": …, "sections": …, "areas": …}); None for drafts.
    scores: Mapped[dict | None] = mapped_column(sa.JSON)
    version: Mapped[int] = mapped_column(default=1)
    #: The id the device made for it (a UUID): a replayed start returns this inspection, and a
    #: device that started it offline names it by this id. Unique per user who started it.
    client_id: Mapped[str] = mapped_column(sa.String(64), default=new_client_id)

    factory = relationship("Factory", lazy="joined", innerjoin=True)
    checklist_version = relationship("ChecklistVersion", lazy="joined", innerjoin=True)
    inspectors = relationship(
        "User", secondary=inspection_inspectors, lazy="selectin", order_by="User.id"
    )
    committee_members = relationship(
        "User", secondary=inspection_committee, lazy="selectin", order_by="User.id"
    )
    answers = relationship(
        "Answer", back_populates="inspection", lazy="selectin", cascade="all, delete-orphan"
    )
    findings = relationship(
        "Finding", back_populates="inspection", lazy="selectin", order_by="Finding.id"
    )

    __table_args__ = (
        sa.Index("ix_inspections_factory_date", "factory_id", "inspected_on"),
        sa.UniqueConstraint("created_by_id", "client_id", name="uq_inspections_creator_client"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def is_draft(self) -> bool:
        return self.status is InspectionStatus.DRAFT

    def answer_map(self) -> dict[str, object]:
        """item id → answer value, for scoring and applies_if."""
        return {a.item_id: a.value for a in self.answers if a.value is not None}


class Answer(db.Model):
    """One item's answer in an inspection; saved the moment it is given (PUT, idempotent)."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(sa.String(80))
    value: Mapped[object | None] = mapped_column(sa.JSON)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: When the user gave the answer on the device (offline answers arrive later).
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    inspection = relationship(Inspection, back_populates="answers")

    __table_args__ = (
        sa.UniqueConstraint("inspection_id", "item_id", name="uq_answers_inspection_item"),
    )


class Finding(Audited, db.Model):
    """A hazard (隐患) seen during an inspection, with a risk rating and photos."""

    __tablename__ = "findings"
    __audit_ignore__ = frozenset({"updated_at", "version", "client_digest"})

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    factory_id: Mapped[int] = mapped_column(sa.ForeignKey("factories.id"), index=True)
    item_id: Mapped[str | None] = mapped_column(sa.String(80))
    area: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    source: Mapped[FindingSource] = mapped_column(
        str_enum(FindingSource, 20), default=FindingSource.UNSAFE_CONDITION
    )
    grade: Mapped[Grade] = mapped_column(str_enum(Grade, 10), default=Grade.GENERAL, index=True)
    likelihood: Mapped[int] = mapped_column(default=1)
    severity: Mapped[int] = mapped_column(default=1)
    risk_score: Mapped[int] = mapped_column(default=1)
    risk_level: Mapped[RiskLevel] = mapped_column(
        str_enum(RiskLevel, 10), default=RiskLevel.LOW, index=True
    )
    fixed_on_spot: Mapped[bool] = mapped_column(default=False)
    #: The legal basis cited for the hazard (filled in from the checklist item's references).
    reference: Mapped[str] = mapped_column(sa.Text, default="")
    #: Set when the hazard is gone (fixed on the spot, or its actions verified).
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    #: The id the device made for it (or the server, when none was sent), unique within its
    #: inspection; a digest of the body first sent with it tells a replay from a misuse.
    client_id: Mapped[str] = mapped_column(sa.String(64), default=new_client_id)
    client_digest: Mapped[str | None] = mapped_column(sa.String(64))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    inspection = relationship(Inspection, back_populates="findings")
    photos = relationship("Photo", back_populates="finding", lazy="selectin", order_by="Photo.id")

    __table_args__ = (
        sa.Index("ix_findings_factory_open", "factory_id", "closed_at"),
        sa.UniqueConstraint("inspection_id", "client_id", name="uq_findings_inspection_client"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class DiscardedRecord(db.Model):
    """What remains of a draft (or its finding) deleted on purpose, so that a device's queued
    change for it is refused as discarded (410) rather than as unknown, and never lands on
    another record. Keeps no content: only the ids and the factory (for the scope check)."""

    __tablename__ = "discarded_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # "inspection" | "finding"
    record_id: Mapped[int] = mapped_column()
    client_id: Mapped[str | None] = mapped_column(sa.String(64))
    factory_id: Mapped[int] = mapped_column(sa.ForeignKey("factories.id"), index=True)
    discarded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    discarded_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("kind", "record_id", name="uq_discarded_records_kind_record"),
        sa.Index("ix_discarded_records_kind_client", "kind", "client_id"),
    )
