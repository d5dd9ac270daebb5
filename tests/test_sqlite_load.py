"""SQLite under load: four processes autosave answers, findings and actions into one file at once.

A gunicorn deployment on SQLite is exactly this: several worker processes writing the same
database file. With the protective settings (WAL, a busy timeout, write transactions that take
the lock up front) nobody sees "database is locked" and every write the server acknowledged is
in the database afterwards. The same workload with the settings turned off
(``SQLITE_PROTECT = False``) must fail, which shows that this test would catch their loss.

INSPECT_LOAD_SECONDS sets how long the protected run lasts (default 5 s; try 120 locally).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlite_load_worker
from sqlite_load_worker import WORKERS, Job, Outcome
from support import PG_URL

pytestmark = [
    pytest.mark.skipif(bool(PG_URL), reason="SQLite-specific: PostgreSQL has its own locking"),
    pytest.mark.slow,
]

LOAD_SECONDS = float(os.environ.get("INSPECT_LOAD_SECONDS", "5"))
UNPROTECTED_SECONDS = 2.5


def _valid_items(app, inspection_id: int) -> list[tuple[str, object]]:
    """(item id, a value the item accepts) for every item of the inspection's checklist."""
    from inspect_app.checklists.kinds import AnswerError
    from inspect_app.extensions import db
    from inspect_app.inspections import services
    from inspect_app.inspections.models import Inspection

    with app.app_context():
        checklist = services.checklist_of(db.session.get(Inspection, inspection_id))
        out = []
        for item in checklist.items():
            for candidate in ("compliant", "yes", "no", 3, "checked"):
                try:
                    out.append((item.id, item.answer_kind.validate(candidate)))
                    break
                except AnswerError:
                    continue
        return out


@pytest.fixture(scope="module")
def pool():
    """Four worker processes, started once for the module (each start costs seconds)."""
    workers = sqlite_load_worker.Pool()
    yield workers
    workers.close()


def _run(
    pool, app, world, make_inspection, *, seconds: float, protect: bool, min_rounds: int = 0
) -> list[Outcome]:
    inspection_id = make_inspection(checklist="workplace-inspection", kind="score_visit")
    items = _valid_items(app, inspection_id)
    assert len(items) >= WORKERS * 3
    job = Job(
        db_url=app.config["SQLALCHEMY_DATABASE_URI"],
        tmp=str(Path(app.config["UPLOAD_DIR"]).parent),
        username=world.users["inspector"].username,
        inspection_id=inspection_id,
        factory_id=world.a.id,
        items=items,
        seconds=seconds,
        protect=protect,
        min_rounds=min_rounds,
    )
    return pool.run(job)


def _lost_writes(app, outcomes: list[Outcome]) -> list[str]:
    """Every acknowledged write that is not in the database (answers: a newer one is fine)."""
    from inspect_app.actions.models import Action
    from inspect_app.extensions import db
    from inspect_app.inspections.models import Answer, Finding

    lost = []
    with app.app_context():
        notes = {a.item_id: a.note for a in db.session.scalars(sa.select(Answer))}
        client_ids = set(db.session.scalars(sa.select(Finding.client_id)))
        titles = set(db.session.scalars(sa.select(Action.title)))
        db.session.remove()
    for outcome in outcomes:
        for item_id, seq in outcome.answers.items():
            stored = notes.get(item_id, "")
            prefix = f"w{outcome.worker}-"
            if not stored.startswith(prefix) or int(stored.removeprefix(prefix)) < seq:
                lost.append(f"answer {item_id}: acknowledged {prefix}{seq}, stored {stored!r}")
        lost += [f"finding {c}" for c in outcome.findings if c not in client_ids]
        lost += [f"action {t}" for t in outcome.actions if t not in titles]
    return lost


def _summary(outcomes: list[Outcome]) -> str:
    return ", ".join(
        f"worker {o.worker}: {o.requests} writes, {o.locked} locked, {len(o.other_errors)} other"
        for o in outcomes
    )


def test_four_processes_writing_at_once_lose_nothing_and_never_see_locked(
    pool, app, world, make_inspection
):
    outcomes = _run(
        pool, app, world, make_inspection, seconds=LOAD_SECONDS, protect=True, min_rounds=3
    )

    print(_summary(outcomes))
    # At least two rounds per process, all overlapping in time (they start at one barrier).
    assert all(o.requests >= 10 for o in outcomes), f"too little load: {_summary(outcomes)}"
    assert [o.locked for o in outcomes] == [0] * WORKERS
    assert [e for o in outcomes for e in o.other_errors] == []
    assert _lost_writes(app, outcomes) == []
    # Every process got its share of the lock.
    assert all(o.findings and o.actions and o.answers for o in outcomes)


def test_the_same_load_fails_without_the_protective_settings(pool, app, world, make_inspection):
    outcomes = _run(pool, app, world, make_inspection, seconds=UNPROTECTED_SECONDS, protect=False)

    locked = sum(o.locked for o in outcomes)
    lost = _lost_writes(app, outcomes)
    print(_summary(outcomes), f"lost writes: {len(lost)}")
    assert locked or lost, "the unprotected workload should fail; the test could not catch it"
