"""SQLite as the embedded database: safe settings and no "database is locked" on read-then-write."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from support import PG_URL

from inspect_app.extensions import db
from inspect_app.factories.models import Factory

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite-specific")


def test_connections_use_wal_busy_timeout_and_foreign_keys(app):
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() >= 5000


def test_foreign_keys_are_enforced(app):
    with app.app_context():
        db.session.add(
            Factory(name_zh="孤儿", uscc="91500112MA0000000X", region_id=99999, sector="other")
        )
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_concurrent_read_then_write_transactions_do_not_fail(app, make_factory):
    """Each worker reads a counter and writes it back +1; with deferred transactions two
    workers both holding a read snapshot deadlock and one fails with "database is locked".
    Immediate transactions serialise them: no error, and no increment is lost."""
    factory = make_factory(headcount_men=0)
    errors: list[BaseException] = []
    rounds, workers = 15, 4

    def work():
        try:
            with app.app_context():
                for _ in range(rounds):
                    current = db.session.scalar(
                        sa.select(Factory.headcount_men).where(Factory.id == factory.id)
                    )
                    db.session.execute(
                        sa.update(Factory)
                        .where(Factory.id == factory.id)
                        .values(headcount_men=current + 1)
                    )
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    with app.app_context():
        assert db.session.get(Factory, factory.id).headcount_men == rounds * workers
