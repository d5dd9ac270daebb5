"""An order that does not trust device clocks (issue 12): a change carries the device's clock
reading when it was sent (`sent_at`), the server moves the change's time by the difference, and
the later answer wins — also when both saves arrive at the same moment, on SQLite and on
PostgreSQL (INSPECT_TEST_DATABASE_URL)."""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from support import PG_URL

from inspect_app.extensions import db
from inspect_app.inspections.models import Answer

ITEM = "guard-01"
TRIALS = 300


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _stored(app, inspection_id):
    with app.app_context():
        rows = db.session.execute(
            sa.select(Answer.value, Answer.note).where(Answer.inspection_id == inspection_id)
        ).all()
        return [tuple(row) for row in rows]


def _tablet(app, login, world, name="inspector"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return login(world.users[name].username, c=client)


def test_a_device_ten_minutes_slow_still_wins_with_its_later_answer(
    app, world, login, make_inspection
):
    inspection_id = make_inspection()
    url = f"/api/v1/inspections/{inspection_id}/answers/{ITEM}"
    on_time, slow = _tablet(app, login, world), _tablet(app, login, world, "admin")
    now = datetime.now(UTC)
    slow_clock = timedelta(minutes=10)

    # The tablet with the right time answered a minute ago; the slow one half a minute ago,
    # which its clock calls 10 minutes and 30 seconds ago.
    first = on_time.put(
        url,
        json={"value": "no", "note": "on time", "answered_at": _iso(now - timedelta(seconds=60))},
    )
    later = slow.put(
        url,
        json={
            "value": "yes",
            "note": "slow clock, later answer",
            "answered_at": _iso(now - slow_clock - timedelta(seconds=30)),
            "sent_at": _iso(now - slow_clock),
        },
    )
    stored_after_later = _stored(app, inspection_id)
    # Its answer from before the other one (by the true time) still loses.
    earlier = slow.put(
        url,
        json={
            "value": "priority",
            "note": "slow clock, earlier answer",
            "answered_at": _iso(now - slow_clock - timedelta(seconds=90)),
            "sent_at": _iso(datetime.now(UTC) - slow_clock),
        },
    )

    assert (first.status_code, later.status_code, earlier.status_code) == (200, 200, 200)
    assert stored_after_later == [("yes", "slow clock, later answer")]
    assert _stored(app, inspection_id) == [("yes", "slow clock, later answer")]
    # The reply says what is stored, with the corrected time (server clock, not the device's).
    replied = datetime.fromisoformat(later.json["answered_at"].replace("Z", "+00:00"))
    assert abs(replied - (now - timedelta(seconds=30))) < timedelta(seconds=30)
    assert earlier.json["note"] == "slow clock, later answer"


def test_a_device_clock_running_fast_does_not_win_every_future_race(
    app, world, login, make_inspection
):
    inspection_id = make_inspection()
    url = f"/api/v1/inspections/{inspection_id}/answers/{ITEM}"
    fast, on_time = _tablet(app, login, world), _tablet(app, login, world, "admin")
    now = datetime.now(UTC)
    fast_clock = timedelta(hours=2)

    fast.put(
        url,
        json={
            "value": "no",
            "note": "fast clock",
            "answered_at": _iso(now + fast_clock - timedelta(seconds=60)),
            "sent_at": _iso(now + fast_clock),
        },
    )
    on_time.put(url, json={"value": "yes", "note": "later", "answered_at": _iso(now)})

    assert _stored(app, inspection_id) == [("yes", "later")]


@pytest.mark.parametrize("bad", ["yesterday", 5, "2026-13-40T00:00:00Z"])
def test_a_sent_at_that_is_not_a_time_is_refused_by_name(client, login_as, make_inspection, bad):
    inspection_id = make_inspection()
    login_as("inspector")

    response = client.put(
        f"/api/v1/inspections/{inspection_id}/answers/{ITEM}",
        json={"value": "yes", "sent_at": bad},
    )

    assert response.status_code == 422
    assert "sent_at" in response.json["error"]["fields"]


def test_the_later_of_two_simultaneous_saves_always_wins(
    app, world, login, make_inspection, monkeypatch
):
    """300 pairs of saves of one answer sent at the same moment, the later one sometimes first
    and sometimes second: the later one is stored every time. On PostgreSQL both requests are
    held inside the server until both have loaded the inspection, so they write at once."""
    from inspect_app.inspections import services

    inspection_id = make_inspection()
    url = f"/api/v1/inspections/{inspection_id}/answers/{ITEM}"
    tablets = [_tablet(app, login, world), _tablet(app, login, world, "admin")]
    start = threading.Barrier(2)
    inside = threading.Barrier(2)
    local = threading.local()
    if PG_URL:
        original = services.checklist_of

        def held(*args, **kwargs):
            if not getattr(local, "held", False):
                local.held = True
                with contextlib.suppress(threading.BrokenBarrierError):
                    inside.wait(5)
            return original(*args, **kwargs)

        monkeypatch.setattr(services, "checklist_of", held)
    base = datetime.now(UTC) - timedelta(days=1)
    lost = []

    for trial in range(TRIALS):
        older, later = base + timedelta(seconds=2 * trial), base + timedelta(seconds=2 * trial + 1)
        values = ("yes", "no") if trial % 2 else ("no", "yes")
        bodies = [
            {"value": values[0], "note": f"{trial} older", "answered_at": _iso(older)},
            {"value": values[1], "note": f"{trial} later", "answered_at": _iso(later)},
        ]
        if trial % 3 == 0:  # the later save from the other tablet, now and then
            bodies.reverse()
        replies = [None, None]

        def save(i, bodies=bodies, replies=replies):
            start.wait(5)
            replies[i] = tablets[i].put(url, json=bodies[i])

        threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert [r.status_code for r in replies] == [200, 200], [r.json for r in replies]
        stored = _stored(app, inspection_id)
        if stored != [(values[1], f"{trial} later")]:
            lost.append((trial, stored))

    assert lost == [], f"the older answer stayed in {len(lost)} of {TRIALS} trials: {lost[:5]}"
