"""Factories and the administrative regions they are in."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..audit import Audited
from ..extensions import db, new_client_id, str_enum, utcnow
from ..web import is_chinese
from .schemas import (
    ADDRESS_MAX,
    NAME_MAX,
    SCORE_BATCH_MAX,
    SCORE_MODULES_MAX,
    SECTOR_LABELS,
    USCC_LENGTH,
    RegionLevel,
    Sector,
)

__all__ = ["SECTOR_LABELS", "Factory", "KpiRecord", "Region", "RegionLevel", "Sector"]


class Region(db.Model):
    """A province, city or district (GB/T 2260 code); `path` makes subtree queries one LIKE."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    name_zh: Mapped[str] = mapped_column(sa.String(60))
    name_en: Mapped[str] = mapped_column(sa.String(80))
    level: Mapped[RegionLevel] = mapped_column(str_enum(RegionLevel, 10))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    path: Mapped[str] = mapped_column(sa.String(120), index=True)  # "/500000/500100/500112/"
    full_name_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    full_name_en: Mapped[str] = mapped_column(sa.String(240), default="")

    parent = relationship("Region", remote_side=[id])

    @property
    def name(self) -> str:
        return self.name_zh if is_chinese() else self.name_en

    @property
    def full_name(self) -> str:
        return self.full_name_zh if is_chinese() else self.full_name_en

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name_en}>"


class Factory(Audited, db.Model):
    """A plant we inspect (企业)."""

    __tablename__ = "factories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(NAME_MAX), index=True)
    name_en: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="", index=True)
    uscc: Mapped[str] = mapped_column(sa.String(USCC_LENGTH), unique=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    sector: Mapped[Sector] = mapped_column(str_enum(Sector, 32), index=True)
    address: Mapped[str] = mapped_column(sa.String(ADDRESS_MAX), default="")
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    headcount_women: Mapped[int] = mapped_column(default=0)
    headcount_men: Mapped[int] = mapped_column(default=0)
    score_batch: Mapped[str] = mapped_column(sa.String(SCORE_BATCH_MAX), default="")
    score_modules: Mapped[str] = mapped_column(sa.String(SCORE_MODULES_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    region = relationship(Region, lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def name(self) -> str:
        if is_chinese() or not self.name_en:
            return self.name_zh
        return self.name_en

    @property
    def headcount(self) -> int:
        return (self.headcount_women or 0) + (self.headcount_men or 0)

    def __repr__(self) -> str:
        return f"<Factory {self.id} {self.name_zh}>"


class KpiRecord(Audited, db.Model):
    """A factory's monthly safety numbers (entered by the committee or an inspector)."""

    __tablename__ = "kpi_records"
    __audit_ignore__ = frozenset({"updated_at", "version"})

    id: Mapped[int] = mapped_column(primary_key=True)
    factory_id: Mapped[int] = mapped_column(sa.ForeignKey("factories.id"))
    month: Mapped[date] = mapped_column()  # the first day of the month
    accidents: Mapped[int] = mapped_column(default=0)
    lost_time_injuries: Mapped[int] = mapped_column(default=0)
    days_lost: Mapped[int] = mapped_column(default=0)
    near_misses: Mapped[int] = mapped_column(default=0)
    first_aid_cases: Mapped[int] = mapped_column(default=0)
    suggestions_made: Mapped[int] = mapped_column(default=0)
    suggestions_implemented: Mapped[int] = mapped_column(default=0)
    headcount: Mapped[int] = mapped_column(default=0)
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    #: The id the device that entered the month first made for it (a UUID).
    client_id: Mapped[str] = mapped_column(sa.String(64), default=new_client_id)

    __table_args__ = (
        sa.UniqueConstraint("factory_id", "month", name="uq_kpi_records_factory_month"),
        sa.UniqueConstraint("factory_id", "client_id", name="uq_kpi_records_factory_client"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    KPI_FIELDS = (
        "accidents",
        "lost_time_injuries",
        "days_lost",
        "near_misses",
        "first_aid_cases",
        "suggestions_made",
        "suggestions_implemented",
        "headcount",
    )
