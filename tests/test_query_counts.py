"""SQL statements per page must not grow with the data: an N+1 regression fails here.

Each key page is requested for a small world (2 factories x 4 months of generated history);
then the world grows tenfold (18 more factories with 40 months each, ten more findings on a
report) and the same page is requested for a factory, inspection or scope ten times larger.
The statement counts come from the X-SQL-Count header (inspect_app/sqlcount.py), the same
listener the benchmarks use. Lists are paginated, so a page shows at most PER_PAGE rows: the
counts are compared at that fixed page size. Not timed: the benchmarks (bench/) time pages.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from inspect_app import create_app, sqlcount
from inspect_app.accounts.models import Role, User
from inspect_app.actions.models import Action, ActionEvent, ActionStatus
from inspect_app.demo import DEMO_PASSWORD
from inspect_app.demo_generate import generate
from inspect_app.extensions import db, utcnow
from inspect_app.factories.models import Factory
from inspect_app.inspections import services as inspection_services
from inspect_app.inspections.models import Finding, Inspection, InspectionKind, InspectionStatus
from inspect_app.photos.models import Photo

#: Every province the generator puts factories in: the inspector sees all of them.
PROVINCES = ["500000", "440000", "510000", "320000", "330000"]


@pytest.fixture
def counted(app):
    """The app with statement counting on (what INSPECT_COUNT_SQL=1 does in create_app)."""
    sqlcount.init_app(app)
    return app


def test_counting_is_off_unless_asked_for(tmp_path):
    """Without INSPECT_COUNT_SQL / COUNT_SQL nothing is registered: no header, no cost."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'plain.db'}",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    plain = create_app(config)
    assert sqlcount.HEADER not in plain.test_client().get("/healthz").headers
    counting = create_app({**config, "COUNT_SQL": True})
    response = counting.test_client().get("/healthz")
    assert int(response.headers[sqlcount.HEADER]) >= 1
    for app in (plain, counting):
        with app.app_context():
            db.engine.dispose()


class World:
    """The people who look at the pages, and what they look at."""

    def __init__(self, app, login, make_user):
        self.app = app
        self.inspector = make_user(Role.INSPECTOR, regions=PROVINCES)
        self.trainer = make_user(Role.TRAINER)
        self.clients = {
            "inspector": login(self.inspector.username, c=app.test_client()),
            "trainer": login(self.trainer.username, c=app.test_client()),
        }
        self._login = login

    def grow(self, factories: int, months: int, seed: int) -> int:
        """Generate factories; return the first new factory's id (the page subject)."""
        with self.app.app_context():
            first = (db.session.scalar(sa.select(sa.func.max(Factory.id))) or 0) + 1
            generate(factories=factories, months=months, seed=seed)
            db.session.remove()
        return first

    def committee(self, factory_id: int):
        client = self.app.test_client()
        return self._login(f"gen-committee-{factory_id}", DEMO_PASSWORD, c=client)

    def draft(self, factory_id: int) -> int:
        """A score-module5 draft halfway through: 60 items answered, three findings."""
        with self.app.app_context():
            by = db.session.get(User, self.inspector.id)
            inspection = inspection_services.start_inspection(
                by=by,
                factory=db.session.get(Factory, factory_id),
                checklist="score-module5",
                kind="score_visit",
            )
            checklist = inspection_services.checklist_of(inspection)
            items = [item.id for item in checklist.items()]
            for n, item in enumerate(items[:60]):
                inspection_services.set_answer(
                    inspection, item_id=item, value=("no", "yes", "priority")[n % 3], by=by
                )
            for item in items[1:60:20]:
                inspection_services.add_finding(
                    inspection, by=by, item_id=item, title="隐患", likelihood=3, severity=4
                )
            db.session.commit()
            return inspection.id

    def report(self, factory_id: int, *, extra_findings: int = 0) -> int:
        """The factory's latest submitted inspection with findings; optionally with more
        findings copied onto it (each with its photo, an action and the action's timeline)."""
        with self.app.app_context():
            inspection = db.session.scalar(
                sa.select(Inspection)
                .where(
                    Inspection.factory_id == factory_id,
                    Inspection.status == InspectionStatus.SUBMITTED,
                    Inspection.kind == InspectionKind.SCORE_VISIT,  # the same shape both times
                    Inspection.findings.any(),
                )
                .order_by(Inspection.inspected_on.desc())
                .limit(1)
            )
            template = inspection.findings[0]
            photo = template.photos[0]
            for n in range(extra_findings):
                finding = Finding(
                    inspection_id=inspection.id,
                    factory_id=factory_id,
                    item_id=template.item_id,
                    area=template.area,
                    title=f"{template.title} ({n + 2})",
                    likelihood=template.likelihood,
                    severity=template.severity,
                    risk_score=template.risk_score,
                    risk_level=template.risk_level,
                )
                db.session.add(finding)
                db.session.flush()
                db.session.add(
                    Photo(
                        factory_id=factory_id,
                        finding_id=finding.id,
                        **{
                            key: getattr(photo, key)
                            for key in (
                                "kind",
                                "web_key",
                                "thumb_key",
                                "width",
                                "height",
                                "web_width",
                                "web_height",
                                "sha256",
                                "size_bytes",
                                "source_format",
                            )
                        },
                    )
                )
                action = Action(
                    factory_id=factory_id,
                    finding_id=finding.id,
                    title=finding.title,
                    status=ActionStatus.OPEN,
                    due_on=utcnow().date(),
                )
                db.session.add(action)
                db.session.flush()
                db.session.add(
                    ActionEvent(action_id=action.id, kind="created", to_status=ActionStatus.OPEN)
                )
            db.session.commit()
            return inspection.id

    def publish_cases(self, factory_ids: list[int], count: int) -> None:
        """Promote findings with verified actions of these factories into published cases."""
        from inspect_app.cases import services as case_services

        with self.app.app_context():
            admin = db.session.scalar(sa.select(User).where(User.role == Role.ADMIN))
            if admin is None:
                admin = User(username="case-admin", role=Role.ADMIN, password_hash="-")
                db.session.add(admin)
                db.session.flush()
            findings = db.session.scalars(
                sa.select(Finding)
                .join(Action, Action.finding_id == Finding.id)
                .where(
                    Finding.factory_id.in_(factory_ids),
                    Action.status == ActionStatus.VERIFIED,
                )
                .order_by(Finding.id)
                .distinct()
                .limit(count)
            ).all()
            for finding in findings:
                case = case_services.promote(finding, by=admin)
                case_services.publish(case, by=admin, confirm_anonymity=True)
            db.session.commit()

    def count(self, client, path: str) -> int:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return int(response.headers[sqlcount.HEADER])


def _pages(app) -> dict:
    """name → (who, endpoint, path function of the subject) for every page that exists."""
    pages = {
        "factory page": ("inspector", "factories.show_factory", lambda s: f"/factories/{s.f}"),
        "inspection form": ("inspector", "inspections.show_inspection", lambda s: s.form_url),
        "report page": ("inspector", "inspections.report", lambda s: s.report_url),
        "factory list": ("inspector", "factories.list_factories", lambda s: "/factories"),
        "inspections list": ("inspector", "inspections.list_inspections", lambda s: "/inspections"),
        "action board": ("committee", "actions.board", lambda s: f"/factories/{s.f}/actions"),
        "progress page": (
            "committee",
            "progress.factory_progress",
            lambda s: f"/factories/{s.f}/progress",
        ),
        "region overview": ("inspector", "progress.region_overview", lambda s: "/regions/overview"),
        "action queue": ("inspector", "actions.queue", lambda s: "/actions/queue"),
        "case library": ("trainer", "cases.library", lambda s: "/cases"),
        "inspector home": ("inspector", "main.home", lambda s: "/"),
        "committee home": ("committee", "main.home", lambda s: "/"),
        "offline kit": ("inspector", "offline.kit", lambda s: "/offline/kit.json"),
        # The API's lists, a full page each (the most a client asks for at once).
        "api factories": ("inspector", "api.list_factories", lambda s: "/api/v1/factories"),
        "api inspections": (
            "inspector",
            "api.list_inspections",
            lambda s: "/api/v1/inspections?per_page=100",
        ),
        "api inspection findings": (
            "inspector",
            "api.get_inspection",
            lambda s: s.report_url.replace("/inspections/", "/api/v1/inspections/").removesuffix(
                "/report"
            ),
        ),
        "api actions": (
            "committee",
            "api.list_actions",
            lambda s: f"/api/v1/factories/{s.f}/actions?per_page=100",
        ),
        "api cases": ("trainer", "api.list_cases", lambda s: "/api/v1/cases?per_page=100"),
        "api kpis": ("committee", "api.list_kpis", lambda s: f"/api/v1/factories/{s.f}/kpis"),
    }
    return {name: page for name, page in pages.items() if page[1] in app.view_functions}


class Subject:
    """What the pages are about at one size of the world."""

    def __init__(self, world: World, factory_id: int, *, extra_findings: int):
        self.f = factory_id
        self.form_url = f"/inspections/{world.draft(factory_id)}"
        self.report_url = (
            f"/inspections/{world.report(factory_id, extra_findings=extra_findings)}/report"
        )
        self.committee = world.committee(factory_id)


def _counts(world: World, subject: Subject) -> dict[str, int]:
    counts = {}
    for name, (who, _endpoint, path) in _pages(world.app).items():
        client = subject.committee if who == "committee" else world.clients[who]
        counts[name] = world.count(client, path(subject))
    return counts


def test_statements_per_page_do_not_grow_with_the_data(counted, login, make_user):
    world = World(counted, login, make_user)
    small_factory = world.grow(factories=2, months=4, seed=11)
    world.publish_cases([small_factory, small_factory + 1], count=2)
    small = Subject(world, small_factory, extra_findings=0)
    before = _counts(world, small)

    large_factory = world.grow(factories=18, months=40, seed=12)  # 10× factories, 10× history
    world.publish_cases(list(range(large_factory, large_factory + 18)), count=20)
    large = Subject(world, large_factory, extra_findings=10)
    with counted.app_context():
        history = sa.select(sa.func.count()).select_from(Inspection)
        small_history = db.session.scalar(history.where(Inspection.factory_id == small_factory))
        large_history = db.session.scalar(history.where(Inspection.factory_id == large_factory))
        assert large_history - 1 == 10 * (small_history - 1)  # besides the draft made here
    after = _counts(world, large)

    grown = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    assert not grown, f"statements per request grew with the data (before, after): {grown}"
    assert {"factory page", "inspection form", "report page", "factory list"} <= set(before)
    assert {"api factories", "api inspections", "api actions", "api cases", "api kpis"} <= set(
        before
    )
