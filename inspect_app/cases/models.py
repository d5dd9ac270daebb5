"""Cases: a finding and its verified action(s), told as an anonymised story for training."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..audit import Audited
from ..extensions import db, str_enum, utcnow


class CaseStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return str(_l("Draft") if self is CaseStatus.DRAFT else _l("Published"))


#: The bilingual story fields, in reading order.
STORY_FIELDS = (
    "title",
    "problem",
    "idea",
    "change",
    "result_safety",
    "result_productivity",
    "cost_benefit",
)


class Case(Audited, db.Model):
    """A teaching case. It shows sector and city only: never the factory, its code, address
    or people. The source finding is kept for the anonymity check and is never shown."""

    __tablename__ = "cases"
    __audit_ignore__ = frozenset({"updated_at", "version"})

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[CaseStatus] = mapped_column(
        str_enum(CaseStatus, 12), default=CaseStatus.DRAFT, index=True
    )
    # Source (internal only: never serialised to trainers).
    finding_id: Mapped[int | None] = mapped_column(sa.ForeignKey("findings.id"), index=True)
    factory_id: Mapped[int | None] = mapped_column(sa.ForeignKey("factories.id"), index=True)
    # What a trainer sees about the place.
    sector: Mapped[str] = mapped_column(sa.String(32), index=True)
    city_zh: Mapped[str] = mapped_column(sa.String(60), default="")
    city_en: Mapped[str] = mapped_column(sa.String(80), default="")
    # Tags.
    areas: Mapped[list] = mapped_column(sa.JSON, default=list)
    control_type: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    checklist_item: Mapped[str | None] = mapped_column(sa.String(80))
    # Numbers.
    cost: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    # The story, in both languages.
    title_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    problem_zh: Mapped[str] = mapped_column(sa.Text, default="")
    problem_en: Mapped[str] = mapped_column(sa.Text, default="")
    idea_zh: Mapped[str] = mapped_column(sa.Text, default="")
    idea_en: Mapped[str] = mapped_column(sa.Text, default="")
    change_zh: Mapped[str] = mapped_column(sa.Text, default="")
    change_en: Mapped[str] = mapped_column(sa.Text, default="")
    result_safety_zh: Mapped[str] = mapped_column(sa.Text, default="")
    result_safety_en: Mapped[str] = mapped_column(sa.Text, default="")
    result_productivity_zh: Mapped[str] = mapped_column(sa.Text, default="")
    result_productivity_en: Mapped[str] = mapped_column(sa.Text, default="")
    cost_benefit_zh: Mapped[str] = mapped_column(sa.Text, default="")
    cost_benefit_en: Mapped[str] = mapped_column(sa.Text, default="")
    # Bookkeeping.
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    photos = relationship(
        "Photo",
        lazy="selectin",
        order_by="Photo.id",
        primaryjoin="Photo.case_id == Case.id",
        viewonly=True,
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
