"""Stored photos: re-encoded web size and thumbnail under random keys, facts kept as fields."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db, str_enum, utcnow
from ..storage import register_file_columns


class PhotoKind(StrEnum):
    BEFORE = "before"
    AFTER = "after"
    VERIFICATION = "verification"

    @property
    def label(self) -> str:
        return str(
            {"before": _l("Before"), "after": _l("After"), "verification": _l("Verification")}[
                self.value
            ]
        )


class Photo(db.Model):
    """A photo of a finding (or, later, of an action or a case); never the uploaded bytes."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PhotoKind] = mapped_column(str_enum(PhotoKind, 16), default=PhotoKind.BEFORE)
    factory_id: Mapped[int] = mapped_column(sa.ForeignKey("factories.id"), index=True)
    finding_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    action_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("actions.id", ondelete="CASCADE"), index=True
    )
    #: A case's own copy (possibly blurred); the evidence photo it came from is never altered.
    case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    source_photo_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("photos.id", ondelete="SET NULL")
    )
    web_key: Mapped[str] = mapped_column(sa.String(120))
    thumb_key: Mapped[str] = mapped_column(sa.String(120))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    web_width: Mapped[int] = mapped_column()
    web_height: Mapped[int] = mapped_column()
    taken_at: Mapped[datetime | None] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size_bytes: Mapped[int] = mapped_column()
    source_format: Mapped[str] = mapped_column(sa.String(10))
    caption: Mapped[str] = mapped_column(sa.String(300), default="")
    client_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    finding = relationship("Finding", back_populates="photos")

    def url(self, size: str = "web") -> str:
        return f"/photos/{self.id}/{size}"


register_file_columns("photos", "web_key", "thumb_key")
