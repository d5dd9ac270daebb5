"""Checklist versions in the database: one row per distinct content of a checklist file."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db, utcnow


class ChecklistVersion(db.Model):
    """An immutable version of a checklist, keyed by the hash of its validated content.

    Rows are only ever inserted: editing the YAML and loading again adds version N+1, and
    inspections keep pointing at the version they were started with.
    """

    __tablename__ = "checklist_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), index=True)
    number: Mapped[int] = mapped_column()
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    definition: Mapped[str] = mapped_column(sa.Text)  # canonical JSON from the loader
    title_zh: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(32))
    item_count: Mapped[int] = mapped_column()
    #: Hazard areas the checklist declares beside the shipped registry: [{id, zh, en}, ...]
    #: (kept apart so that charts and lists can name them without reading the definition).
    areas: Mapped[list] = mapped_column(sa.JSON, default=list)
    source_file: Mapped[str] = mapped_column(sa.String(200), default="")
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("slug", "number", name="uq_checklist_versions_slug_number"),
        sa.UniqueConstraint("slug", "content_hash", name="uq_checklist_versions_slug_hash"),
    )

    def __repr__(self) -> str:
        return f"<ChecklistVersion {self.slug} v{self.number}>"
