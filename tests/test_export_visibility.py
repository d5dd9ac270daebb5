"""Exports select through the pages' rules: whatever a role's action page answers 404 for (an
action raised on an inspector's draft inspection, for the committee) is in no download of
that role either — factory and region ledgers (CSV and XLSX) and the charts' CSVs."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from inspect_app.accounts.models import User
from inspect_app.actions import services as action_services
from inspect_app.extensions import db
from inspect_app.inspections import services as inspection_services
from inspect_app.inspections.models import Inspection, InspectionStatus

ROLES = ("admin", "inspector", "committee", "trainer", "inspector_b", "committee_b")
TITLES = {"draft": "草稿检查的措施", "submitted": "已提交检查的措施"}


@pytest.fixture
def records(app, world, make_inspection):
    """Factory A: an enforcement inspection still in draft and a submitted one, each with a
    finding and an action raised on it."""
    ids = {}
    inspection_ids = {state: make_inspection(kind="enforcement") for state in TITLES}
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector"].id)
        for state, title in TITLES.items():
            inspection_id = inspection_ids[state]
            inspection = db.session.get(Inspection, inspection_id)
            finding, _ = inspection_services.add_finding(inspection, by=inspector, title=title)
            action = action_services.create_from_finding(finding, by=inspector, title=title)
            if state == "submitted":
                inspection.status = InspectionStatus.SUBMITTED
            db.session.commit()
            ids[state] = action.id
    return ids


def _ledger_text(response) -> str:
    """The ledger's cells as one text, whichever the format."""
    if response.mimetype == "text/csv":
        return response.data.decode("utf-8-sig")
    book = load_workbook(io.BytesIO(response.data))
    return "\n".join(
        "|".join(str(c) for c in row if c is not None)
        for row in book.active.iter_rows(values_only=True)
    )


def _opened(response) -> int:
    """Actions opened in all months, summed from the actions chart's CSV."""
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    return sum(int(row[1]) for row in rows[1:] if row[1].isdigit())


@pytest.mark.parametrize("role", ROLES)
def test_every_export_shows_exactly_what_the_action_pages_show(
    client, login_as, world, records, role
):
    login_as(role)
    visible = {
        state: client.get(f"/actions/{action_id}").status_code == 200
        for state, action_id in records.items()
    }
    if role == "committee":
        assert visible == {"draft": False, "submitted": True}  # the rule under test
    exports = [f"/factories/{world.a.id}/ledger.{fmt}" for fmt in ("csv", "xlsx")]
    exports += [f"/regions/ledger.{fmt}" for fmt in ("csv", "xlsx")]
    for url in exports:
        response = client.get(url + "?lang=zh_CN")
        if response.status_code != 200:
            assert response.status_code in (403, 404), url
            assert not any(visible.values()) or url.startswith("/regions"), url
            continue
        text = _ledger_text(response)
        for state, title in TITLES.items():
            assert (title in text) is visible[state], (url, state)
    chart = client.get(f"/factories/{world.a.id}/charts/actions.csv?lang=en")
    if any(visible.values()):
        assert chart.status_code == 200
        # Charts count an action once its inspection is submitted, for every reader.
        assert _opened(chart) == 1
    else:
        assert chart.status_code == 404
