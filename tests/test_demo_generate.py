"""`demo generate`: benchmark-scale data that the app reads exactly like data it made itself."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from inspect_app.accounts.models import Role, User
from inspect_app.actions.models import Action, ActionEvent, ActionStatus
from inspect_app.checklists import services as checklist_services
from inspect_app.demo import DEMO_PASSWORD
from inspect_app.demo_generate import month_starts
from inspect_app.extensions import db, local_today
from inspect_app.factories import uscc
from inspect_app.factories.models import Factory, KpiRecord
from inspect_app.inspections import services as inspection_services
from inspect_app.inspections.models import Answer, Finding, Inspection, InspectionStatus
from inspect_app.permissions import can_view_factory
from inspect_app.photos.models import Photo
from inspect_app.photos.services import storage


def _generate(runner, factories: int, months: int, seed: int = 7):
    result = runner.invoke(
        args=[
            "demo",
            "generate",
            "--factories",
            str(factories),
            "--months",
            str(months),
            "--seed",
            str(seed),
        ]
    )
    assert result.exit_code == 0, result.output
    return result


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def small_run(app, runner):
    """5 factories × 3 months, generated once for the test."""
    _generate(runner, factories=5, months=3)
    return app


def test_one_inspection_per_factory_month_with_every_item_answered(small_run):
    with small_run.app_context():
        assert _count(Factory) == 5
        inspections = db.session.scalars(sa.select(Inspection)).all()
        assert len(inspections) == 5 * 3
        months = month_starts(local_today(), 3)
        per_factory = Counter(i.factory_id for i in inspections)
        assert set(per_factory.values()) == {3}
        for inspection in inspections:
            assert inspection.inspected_on.replace(day=1) in months
            assert inspection.inspected_on <= local_today()
            checklist = checklist_services.definition_of(inspection.checklist_version)
            assert checklist.id in {"score-module5", "workplace-inspection"}
            answered = {a.item_id for a in inspection.answers}
            assert answered == {item.id for item in checklist.items()}
        # Only the current month may still be in progress.
        for inspection in inspections:
            if inspection.status is InspectionStatus.DRAFT:
                assert inspection.inspected_on.replace(day=1) == months[-1]


def test_submitted_scores_are_what_the_submit_service_computes(small_run):
    with small_run.app_context():
        submitted = db.session.scalars(
            sa.select(Inspection).where(Inspection.status == InspectionStatus.SUBMITTED)
        ).all()
        assert submitted
        for inspection in submitted:
            assert inspection.scores == inspection_services.live_scores(inspection)
            assert inspection.submitted_at is not None
            assert inspection.inspectors, "every inspection has its inspectors"
            if inspection.kind.value == "enforcement":
                assert len(inspection.inspectors) == 2  # enforcement visits are done in pairs
        drafts = db.session.scalars(
            sa.select(Inspection).where(Inspection.status == InspectionStatus.DRAFT)
        ).all()
        assert all(d.scores is None for d in drafts)


def test_codes_people_and_scope(small_run, client):
    with small_run.app_context():
        factories = db.session.scalars(sa.select(Factory)).all()
        assert all(uscc.is_valid(f.uscc) for f in factories)
        assert len({f.uscc for f in factories}) == len(factories)
        for factory in factories:
            assert factory.uscc[2:8] == factory.region.code  # the district in the code
            members = db.session.scalars(
                sa.select(User).where(User.role == Role.COMMITTEE, User.factory_id == factory.id)
            ).all()
            assert [m.username for m in members] == [f"gen-committee-{factory.id}"]
            inspections = db.session.scalars(
                sa.select(Inspection).where(Inspection.factory_id == factory.id)
            ).all()
            for inspection in inspections:
                assert all(can_view_factory(u, factory) for u in inspection.inspectors)
        committee = f"gen-committee-{factories[0].id}"
    response = client.post("/login", data={"username": committee, "password": DEMO_PASSWORD})
    assert response.status_code == 302  # generated people sign in with the demo password


def test_findings_actions_in_every_state_with_their_timeline(small_run):
    with small_run.app_context():
        findings = db.session.scalars(sa.select(Finding)).all()
        inspections = _count(Inspection)
        assert inspections <= len(findings) <= 4 * inspections
        for finding in findings:
            assert finding.risk_score == finding.likelihood * finding.severity
            assert finding.photos and all(p.kind.value == "before" for p in finding.photos)
            assert finding.factory_id == finding.inspection.factory_id
        actions = db.session.scalars(sa.select(Action)).all()
        assert {a.status for a in actions} == set(ActionStatus)
        for action in actions:
            moves = [e for e in action.events if e.kind.value in ("created", "status")]
            assert moves[0].kind.value == "created"
            assert moves[-1].to_status == action.status
            assert [e.at for e in action.events] == sorted(e.at for e in action.events)
            if action.status in (ActionStatus.DONE, ActionStatus.VERIFIED):
                assert any(p.kind.value == "after" for p in action.photos)
            if action.status is ActionStatus.VERIFIED:
                assert action.verified_by_id and action.closed_at == action.verified_at
            if action.finding is not None and action.status is ActionStatus.VERIFIED:
                assert action.finding.closed_at is not None
        assert _count(ActionEvent) >= len(actions)


def test_kpis_for_each_finished_month_and_photos_stored_once(small_run):
    with small_run.app_context():
        assert _count(KpiRecord) == 5 * 2  # the current month is not over yet
        for record in db.session.scalars(sa.select(KpiRecord)):
            assert record.lost_time_injuries <= record.accidents
            assert record.suggestions_implemented <= record.suggestions_made
        keys = set(db.session.execute(sa.select(Photo.web_key, Photo.thumb_key)).all())
        assert len(keys) < _count(Photo)  # many rows share a handful of stored images
        store = storage()
        for web_key, thumb_key in keys:
            assert store.exists(web_key) and store.exists(thumb_key)


def test_adds_to_an_existing_database(app, runner, world, make_factory):
    """Generated rows take ids after the existing ones; new rows still get theirs afterwards."""
    _generate(runner, factories=2, months=2, seed=1)
    _generate(runner, factories=1, months=1, seed=2)
    with app.app_context():
        assert _count(Factory) == 2 + 3
        assert _count(Answer) == sum(
            len(list(checklist_services.definition_of(i.checklist_version).items()))
            for i in db.session.scalars(sa.select(Inspection))
        )
    make_factory(name_zh="之后新建的工厂")  # the id sequence moved past the generated ids
    with app.app_context():
        assert _count(Factory) == 6
