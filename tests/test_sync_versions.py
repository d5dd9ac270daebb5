"""Every update a device may replay names the version it was made on (issue 12): a replayed
older save of the good points or of a KPI month is refused with 409 and the current value,
never stored over newer data."""

from __future__ import annotations

import sqlalchemy as sa

from inspect_app.extensions import db
from inspect_app.factories.models import KpiRecord
from inspect_app.inspections.models import Inspection


def test_a_replayed_older_good_points_save_gets_409_with_the_current_text(
    app, client, login_as, make_inspection
):
    inspection_id = make_inspection()
    login_as("inspector")
    url = f"/api/v1/inspections/{inspection_id}"
    first = client.patch(url, json={"good_points": "Exits clear.", "version": 1})
    newer = client.patch(
        url, json={"good_points": "Exits clear, aisles marked.", "version": first.json["version"]}
    )

    replayed = client.patch(url, json={"good_points": "Exits clear.", "version": 1})
    unversioned = client.patch(url, json={"good_points": "Something else."})

    assert (first.status_code, newer.status_code) == (200, 200)
    assert replayed.status_code == 409
    assert replayed.json["error"]["code"] == "stale_version"
    assert replayed.json["error"]["current"]["good_points"] == "Exits clear, aisles marked."
    assert replayed.json["error"]["current"]["version"] == newer.json["version"]
    assert unversioned.status_code == 400
    assert "version" in unversioned.json["error"]["fields"]
    with app.app_context():
        assert db.session.get(Inspection, inspection_id).good_points == (
            "Exits clear, aisles marked."
        )


def test_a_replayed_older_kpi_month_gets_409_with_the_current_numbers(app, client, login_as, world):
    login_as("committee")
    url = f"/api/v1/factories/{world.a.id}/kpis/2026-01"
    created = client.put(url, json={"near_misses": 2, "headcount": 30})
    newer = client.put(
        url, json={"near_misses": 5, "headcount": 30, "version": created.json["version"]}
    )

    replayed = client.put(url, json={"near_misses": 3, "headcount": 30, "version": 1})
    unversioned = client.put(url, json={"near_misses": 7, "headcount": 30})
    same_again = client.put(url, json={"near_misses": 5, "headcount": 30})

    assert (created.status_code, newer.status_code) == (201, 200)
    assert replayed.status_code == 409
    assert replayed.json["error"]["code"] == "stale_version"
    assert replayed.json["error"]["current"]["near_misses"] == 5
    assert replayed.json["error"]["current"]["version"] == newer.json["version"] == 2
    assert unversioned.status_code == 400
    assert same_again.status_code == 200  # a replay of what is stored changes nothing
    with app.app_context():
        (record,) = db.session.scalars(sa.select(KpiRecord)).all()
        assert (record.near_misses, record.version) == (5, 2)
