"""The rows that make file deletion safe: pending deletions and the holds that defer them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db, utcnow


class StorageDeletion(db.Model):
    """A stored file whose row is gone: written in the same transaction as the row's deletion,
    so the file is removed only once that deletion has committed (and never while a hold is
    live). Left behind by a crash or an unreachable store, it is retried by `storage purge`
    and after every backup."""

    __tablename__ = "storage_deletions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)


class StorageHold(db.Model):
    """While a hold has not expired (a backup reading files), no stored file is deleted. The
    holder renews it as it works; one that died lets go when it expires."""

    __tablename__ = "storage_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(80))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
