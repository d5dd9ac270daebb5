"""`demo load`: 18 months of a believable story per demo factory, loaded once however often the
command runs — inspections that could have been submitted through the app, actions in every
status with consistent timelines, KPIs every month, and the cross-cut saw story."""

from __future__ import annotations

import sqlalchemy as sa

from inspect_app.accounts.models import User
from inspect_app.actions.models import FINAL, PENDING, Action, ActionEvent, ActionEventKind
from inspect_app.actions.models import ActionOrigin as O
from inspect_app.actions.models import ActionStatus as S
from inspect_app.demo import FACTORIES, load_demo
from inspect_app.extensions import db, local_today
from inspect_app.factories.kpis import add_months
from inspect_app.factories.models import Factory, KpiRecord
from inspect_app.inspections import services as inspection_services
from inspect_app.inspections.models import (
    Answer,
    Finding,
    Grade,
    Inspection,
    InspectionStatus,
    RiskLevel,
)
from inspect_app.photos.models import Photo, PhotoKind

COUNTED = (User, Factory, Inspection, Answer, Finding, Action, ActionEvent, Photo, KpiRecord)


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in COUNTED
    }


def test_demo_load_tells_the_story_and_loading_again_adds_nothing(app):
    with app.app_context():
        context = load_demo()
        db.session.commit()
        first = _counts()

        load_demo()
        db.session.commit()
        assert _counts() == first

        assert first["Inspection"] == 6 * len(FACTORIES)
        assert first["Photo"] > first["Finding"] / 2

        _every_status_and_overdue()
        _timelines_follow_the_lifecycle()
        _inspections_could_have_been_submitted()
        _kpis_every_month_with_a_story()
        _the_cross_cut_saw(context["saw_story"])


def _every_status_and_overdue() -> None:
    statuses = set(db.session.scalars(sa.select(Action.status).distinct()))
    assert statuses == set(S)
    overdue = db.session.scalar(sa.select(sa.func.count(Action.id)).where(Action.is_overdue))
    assert overdue >= len(FACTORIES)  # every factory has something late
    suggestions = db.session.scalar(
        sa.select(sa.func.count(Action.id)).where(Action.origin == O.SUGGESTION)
    )
    assert suggestions >= len(FACTORIES)


def _timelines_follow_the_lifecycle() -> None:
    for action in db.session.scalars(sa.select(Action)):
        events = action.events
        assert events[0].kind is ActionEventKind.CREATED, action.id
        assert [e.at for e in events] == sorted(e.at for e in events), action.id
        moves = [e for e in events if e.to_status is not None]
        assert moves[-1].to_status is action.status, action.id
        for before, after in zip(moves, moves[1:], strict=False):
            assert after.from_status is before.to_status, action.id
        if action.status is S.VERIFIED:
            assert action.done_at and action.verified_at and action.verified_by_id
            assert action.closed_at == action.verified_at
        elif action.status is S.VOID:
            assert action.closed_at is not None and moves[-1].note
        else:
            assert action.closed_at is None and action.verified_at is None
        if action.status is S.DONE:
            assert action.done_at is not None
        if action.status in PENDING:
            assert action.done_at is None
        if action.status is S.REJECTED:
            assert moves[-1].note  # a reason to go back to work
        needs_after = action.finding is not None and any(
            p.kind is PhotoKind.BEFORE for p in action.finding.photos
        )
        if action.status in (S.DONE, S.VERIFIED) and needs_after:
            assert any(p.kind is PhotoKind.AFTER for p in action.photos), action.id
        due_changes = [e for e in events if e.kind is ActionEventKind.DUE_DATE]
        if due_changes:
            assert due_changes[-1].new_due_on == action.due_on
    for finding in db.session.scalars(sa.select(Finding)):
        actions = db.session.scalars(sa.select(Action).where(Action.finding_id == finding.id))
        live = [a for a in actions if a.status is not S.VOID]
        if live:
            assert (finding.closed_at is not None) == all(a.status is S.VERIFIED for a in live)
        elif not finding.fixed_on_spot:
            assert finding.closed_at is None


def _inspections_could_have_been_submitted() -> None:
    """Every applicable item answered, photos where the checklist asks for them, enforcement
    inspections in pairs, and the frozen scores are what the answers score."""
    for inspection in db.session.scalars(sa.select(Inspection)):
        assert inspection.status is InspectionStatus.SUBMITTED
        assert inspection_services.submission_problems(inspection) == {}, inspection.id
        assert inspection.scores == inspection_services.live_scores(inspection), inspection.id
        assert inspection.inspected_on < local_today()
    per_factory = db.session.execute(
        sa.select(
            Inspection.factory_id,
            sa.func.min(Inspection.inspected_on),
            sa.func.max(Inspection.inspected_on),
        ).group_by(Inspection.factory_id)
    ).all()
    this_month = local_today().replace(day=1)
    for _factory, first, last in per_factory:
        assert first >= add_months(this_month, -17)
        assert last >= add_months(this_month, -3)  # recent work to follow up
    first_scores, last_scores = [], []
    for factory_id in {row[0] for row in per_factory}:
        visits = db.session.scalars(
            sa.select(Inspection)
            .where(Inspection.factory_id == factory_id)
            .order_by(Inspection.inspected_on)
        ).all()
        first_scores.append(visits[0].scores["overall"]["percent"])
        last_scores.append(visits[-1].scores["overall"]["percent"])
    assert sum(last_scores) > sum(first_scores) + 10 * len(first_scores)  # clearly better


def _kpis_every_month_with_a_story() -> None:
    this_month = local_today().replace(day=1)
    expected = [add_months(this_month, -n) for n in range(17, -1, -1)]
    near_early = near_late = lti_early = lti_late = 0
    for factory in db.session.scalars(sa.select(Factory)):
        records = db.session.scalars(
            sa.select(KpiRecord).where(KpiRecord.factory_id == factory.id).order_by(KpiRecord.month)
        ).all()
        assert [r.month for r in records] == expected, factory.name_en
        for record in records:
            assert record.lost_time_injuries <= record.accidents
            assert record.suggestions_implemented <= record.suggestions_made
            assert record.headcount > 0
        near_early += sum(r.near_misses for r in records[:6])
        near_late += sum(r.near_misses for r in records[-6:])
        lti_early += sum(r.lost_time_injuries for r in records[:6])
        lti_late += sum(r.lost_time_injuries for r in records[-6:])
    assert near_late > 2 * near_early  # people report near misses once it is normal to
    assert lti_late < lti_early


def _the_cross_cut_saw(story: dict) -> None:
    finding = db.session.get(Finding, story["finding_id"])
    assert "横截锯" in finding.title and "cross-cut saw" in finding.title
    factory = db.session.get(Factory, finding.factory_id)
    assert factory.name_en.startswith("Chongqing Yubei Precision Rubber")
    assert (finding.item_id, finding.area) == ("mach-02", "machine_safety")
    assert (finding.risk_level, finding.grade) == (RiskLevel.CRITICAL, Grade.MAJOR)
    assert [p.kind for p in finding.photos] == [PhotoKind.BEFORE]

    machine = db.session.get(Action, story["action_id"])
    assert machine.origin is O.SUGGESTION  # the workers' own design
    assert "two-hand-control" in machine.title
    assert machine.status is S.VERIFIED
    assert machine.actual_cost == 7800 and machine.estimated_cost == 9000
    assert {p.kind for p in machine.photos} == {PhotoKind.AFTER, PhotoKind.VERIFICATION}
    moves = [e.to_status for e in machine.events if e.kind is not ActionEventKind.DUE_DATE]
    assert moves == [S.PROPOSED, S.OPEN, S.IN_PROGRESS, S.DONE, S.VERIFIED]
    assert any(e.kind is ActionEventKind.DUE_DATE for e in machine.events)  # parts came late
    assert finding.closed_at == machine.verified_at

    guard = db.session.get(Action, story["guard_action_id"])
    assert guard.status is S.VOID and guard.status in FINAL
    assert "two-hand-control" in guard.events[-1].note
