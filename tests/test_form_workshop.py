# ruff: noqa: F811  (the builders are fixtures shared with test_actions.py)
"""Issue 17 on the server side: confirmations on steps that cannot be taken back, photo rules
in the form, last visit's answers matched by checklist, start defaults."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from test_actions import as_user, make_action, make_finding  # noqa: F401  (fixtures)

from inspect_app.accounts.models import User
from inspect_app.actions.models import Action, ActionEventKind, ActionStatus
from inspect_app.extensions import db
from inspect_app.factories.models import Factory
from inspect_app.inspections import services
from inspect_app.inspections.models import Inspection, InspectionStatus


def test_verify_asks_once_more(as_user, make_action):
    action_id = make_action(status=ActionStatus.DONE, after_photo=True)
    html = as_user("inspector").get(f"/actions/{action_id}").get_data(as_text=True)
    assert 'name="to" value="verified"' in html
    form = html[: html.index('name="to" value="verified"')].rsplit("<form", 1)[1]
    assert 'data-confirm="Verify and close' in form
    # Sending back needs no confirmation: it asks for a reason already.
    rejected = html[: html.index('name="to" value="rejected"')].rsplit("<form", 1)[1]
    assert "data-confirm" not in rejected


def _visit(app, world, make_inspection, checklist, kind, on, answers, finding=None):
    """A submitted inspection of factory A on `on` with these answers (and an open finding)."""
    inspection_id = make_inspection(checklist=checklist, kind=kind, inspected_on=on)
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector"].id)
        inspection = db.session.get(Inspection, inspection_id)
        for item_id, value in answers.items():
            services.set_answer(inspection, item_id=item_id, value=value, note="", by=inspector)
        if finding:
            services.add_finding(inspection, by=inspector, item_id=finding[0], title=finding[1])
        inspection.status = InspectionStatus.SUBMITTED
        db.session.commit()
    return inspection_id


def test_last_visit_is_matched_by_checklist_not_by_item_id(app, world, make_inspection, as_user):
    # chem-01 is a question of the SCORE checklist and of the enforcement checklist.
    _visit(
        app,
        world,
        make_inspection,
        "score-module5",
        "score_visit",
        date(2026, 3, 2),
        {"chem-01": "yes", "chem-02": "no"},
        ("chem-01", "化学品未分类存放"),
    )
    _visit(
        app,
        world,
        make_inspection,
        "workplace-inspection",
        "enforcement",
        date(2026, 6, 9),
        {"chem-01": "no"},
        ("chem-01", "MSDS 缺失"),
    )
    now = make_inspection(
        checklist="score-module5", kind="score_visit", inspected_on=date(2026, 9, 1)
    )
    with app.app_context():
        inspection = db.session.get(Inspection, now)
        previous = services.previous_answers(inspection)
        assert {k: (v["value"], v["inspected_on"]) for k, v in previous.items()} == {
            "chem-01": ("yes", date(2026, 3, 2)),
            "chem-02": ("no", date(2026, 3, 2)),
        }
        open_findings = services.open_findings_by_item(inspection)
        assert {k: [f.title for f in v] for k, v in open_findings.items()} == {
            "chem-01": ["化学品未分类存放"]
        }
    html = as_user("inspector").get(f"/inspections/{now}").get_data(as_text=True)
    card = html[html.index('id="item-chem-01"') :].split("</article>", 1)[0]
    assert "2026-03-02" in card and "化学品未分类存放" in card and "MSDS" not in card


def _start_page(client, factory_id) -> str:
    return client.get(f"/inspections/new?factory={factory_id}").get_data(as_text=True)


def _selected(html: str, name: str) -> str:
    select = html[html.index(f'name="{name}"') :].split("</select>", 1)[0]
    chosen = [part for part in select.split("<option")[1:] if "selected" in part.split(">")[0]]
    return chosen[0].split('value="', 1)[1].split('"', 1)[0] if chosen else ""


def test_start_proposes_last_used_or_score_or_nothing(app, world, make_inspection, as_user):
    client = as_user("inspector")
    with app.app_context():
        factory = db.session.get(Factory, world.a.id)
        factory.score_batch = ""
        db.session.commit()
    # Nothing to go by: nothing is preselected, and starting without a choice says so.
    html = _start_page(client, world.a.id)
    assert (_selected(html, "checklist"), _selected(html, "kind")) == ("", "")
    assert 'id="start-why"' not in html
    refused = client.post(
        "/inspections/new",
        data={"factory_id": world.a.id, "checklist": "", "kind": "", "inspected_on": "2026-12-07"},
    )
    assert refused.status_code == 422
    assert "Choose the kind of inspection." in refused.get_data(as_text=True)
    # A SCORE factory: a SCORE visit on the SCORE checklist, and why.
    with app.app_context():
        db.session.get(Factory, world.a.id).score_batch = "2025-CQ-03"
        db.session.commit()
    html = _start_page(client, world.a.id)
    assert (_selected(html, "checklist"), _selected(html, "kind")) == (
        "score-module5",
        "score_visit",
    )
    assert "2025-CQ-03" in html.split('id="start-why"', 1)[1].split("</p>", 1)[0]
    # What this inspector used here last time wins.
    make_inspection(
        checklist="workplace-inspection", kind="enforcement", inspected_on=date(2026, 5, 4)
    )
    html = _start_page(client, world.a.id)
    assert (_selected(html, "checklist"), _selected(html, "kind")) == (
        "workplace-inspection",
        "enforcement",
    )
    assert "2026-05-04" in html.split('id="start-why"', 1)[1].split("</p>", 1)[0]


def test_an_action_raised_in_one_tap_takes_due_date_and_person_in_one_form(
    app, as_user, make_finding
):
    finding_id = make_finding(title="Blocked fire exit")
    client = as_user("inspector")
    edit_url = client.post(f"/findings/{finding_id}/actions/new", data={}).headers["Location"]
    page = client.get(edit_url).get_data(as_text=True)
    assert 'name="due_on"' in page and 'name="responsible"' in page
    version = page.split('name="version"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    saved = client.post(
        edit_url,
        data={
            "title": "Clear the fire exit",
            "responsible": "张丽",
            "due_on": "2027-01-15",
            "version": version,
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        action = db.session.scalars(sa.select(Action).where(Action.finding_id == finding_id)).one()
        assert (action.responsible, action.due_on) == ("张丽", date(2027, 1, 15))
        assert [e.new_due_on for e in action.events if e.kind is ActionEventKind.DUE_DATE] == [
            date(2027, 1, 15)
        ]
    # Once set, the due date changes on the action's page, with a reason.
    assert 'name="due_on"' not in client.get(edit_url).get_data(as_text=True)
