"""Deleting stored files safely: only after the row's deletion commits, never under a backup.

``delete_after_commit(keys)`` writes a ``StorageDeletion`` row per key into the current
transaction. If it rolls back, the rows vanish with it and no file is touched. Once it commits,
the files are deleted unless a ``StorageHold`` is live; held deletions wait for the hold's
release (``deletions_held`` purges everything pending when it ends) or `storage purge`.

Why this is enough for backups: a backup takes its hold, commits it, and only then its database
snapshot. A deletion that committed before the snapshot is not in it (the snapshot does not need
the file); one that commits after the hold sees the hold and waits. Checking the hold after the
deletion's commit closes the gap between the two.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app

from ..extensions import db, utcnow
from .base import StorageError, check_key
from .models import StorageDeletion, StorageHold

log = logging.getLogger(__name__)

#: How long a hold lasts unless renewed; holders renew it every tenth of that.
HOLD_TTL = timedelta(minutes=15)
_INFO = "storage_deletion_keys"
_BATCH = 500


def delete_after_commit(keys: Iterable[str | None]) -> None:
    """Delete these stored files once the current transaction commits (not if it rolls back)."""
    wanted = [check_key(key) for key in keys if key]
    if not wanted:
        return
    session = db.session()
    session.add_all(StorageDeletion(key=key) for key in wanted)
    if _INFO not in session.info:
        session.info[_INFO] = []
        sa.event.listen(session, "after_commit", _after_commit)
        sa.event.listen(session, "after_rollback", _after_rollback)
    session.info[_INFO].extend(wanted)


def _after_commit(session) -> None:
    keys = session.info.get(_INFO)
    if not keys:
        return
    session.info[_INFO] = []
    try:
        purge(keys)
    except Exception:  # the rows are committed; the files wait for the next purge
        log.exception("Deleting %d stored file(s) failed; `storage purge` retries", len(keys))


def _after_rollback(session) -> None:
    session.info[_INFO] = []


def held(conn: sa.Connection) -> bool:
    """Is a hold live now (read in ``conn``'s transaction)?"""
    live = sa.select(StorageHold.id).where(StorageHold.expires_at > utcnow()).limit(1)
    return conn.scalar(live) is not None


class Purged(NamedTuple):
    deleted: int  #: files deleted now
    held: int  #: pending files left alone because a hold is live
    failed: int  #: files the store would not delete (still pending)


def purge(keys: Iterable[str] | None = None) -> Purged:
    """Delete pending files (only ``keys``, or all pending) unless a hold is live."""
    from . import get_storage

    wanted = None if keys is None else sorted(set(keys))
    rows: list[tuple[int, str]] = []
    with db.engine.begin() as conn:
        if held(conn):
            pending = sa.select(sa.func.count()).select_from(StorageDeletion)
            if wanted is not None:
                pending = pending.where(StorageDeletion.key.in_(wanted))
            return Purged(0, conn.scalar(pending) or 0, 0)
        chunks: list = [None]
        if wanted is not None:
            chunks = [wanted[i : i + _BATCH] for i in range(0, len(wanted), _BATCH)]
        for chunk in chunks:
            query = sa.select(StorageDeletion.id, StorageDeletion.key).order_by(StorageDeletion.id)
            if chunk is not None:
                query = query.where(StorageDeletion.key.in_(chunk))
            rows += [(row.id, row.key) for row in conn.execute(query)]
    store = get_storage()
    done, failed = [], 0
    for row_id, key in rows:
        try:
            store.delete(key)
        except (StorageError, OSError, ValueError) as error:
            failed += 1
            log.warning("Could not delete stored file %s: %s", key, error)
            continue
        done.append(row_id)
    for start in range(0, len(done), _BATCH):
        with db.engine.begin() as conn:
            ids = done[start : start + _BATCH]
            conn.execute(sa.delete(StorageDeletion).where(StorageDeletion.id.in_(ids)))
    return Purged(len(done), 0, failed)


class Hold:
    """A live hold: ``renew()`` it while working (cheap: it writes at most every TTL/10)."""

    def __init__(self, hold_id: int, ttl: timedelta) -> None:
        self.id = hold_id
        self._ttl = ttl
        self._renewed = time.monotonic()

    def renew(self) -> None:
        if time.monotonic() - self._renewed < self._ttl.total_seconds() / 10:
            return
        with db.engine.begin() as conn:
            conn.execute(
                sa.update(StorageHold)
                .where(StorageHold.id == self.id)
                .values(expires_at=utcnow() + self._ttl)
            )
        self._renewed = time.monotonic()


@contextlib.contextmanager
def deletions_held(reason: str, *, ttl: timedelta = HOLD_TTL) -> Iterator[Hold]:
    """No stored file is deleted while this runs (in any process sharing the database); what
    was deferred is deleted when it ends. The hold is committed before this yields."""
    with db.engine.begin() as conn:
        hold_id = conn.execute(
            sa.insert(StorageHold)
            .values(reason=reason[:80], started_at=utcnow(), expires_at=utcnow() + ttl)
            .returning(StorageHold.id)
        ).scalar_one()
    try:
        yield Hold(hold_id, ttl)
    finally:
        with db.engine.begin() as conn:
            conn.execute(sa.delete(StorageHold).where(StorageHold.id == hold_id))
        try:
            purge()
        except Exception:  # the backup itself succeeded; the files wait for the next purge
            current_app.logger.exception("Deleting files deferred during %s failed", reason)
