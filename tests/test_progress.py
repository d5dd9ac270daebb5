"""Progress charts: the numbers behind each chart from known records, the images (SVG text kept
as text, PNG for PDFs), the cache and its invalidation, the region overview and CSV downloads."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from inspect_app.accounts.models import User
from inspect_app.actions.models import Action, ActionEvent, ActionEventKind, ActionOrigin
from inspect_app.actions.models import ActionStatus as S
from inspect_app.checklists import services as checklist_services
from inspect_app.extensions import db, local_today
from inspect_app.factories.kpis import add_months
from inspect_app.factories.models import KpiRecord
from inspect_app.factories.services import scope_clause
from inspect_app.inspections.models import Finding, Grade, Inspection, InspectionStatus, RiskLevel
from inspect_app.progress import charts, queries, render

ZONE = ZoneInfo("Asia/Shanghai")


def utc(day: date, hour: int = 12) -> datetime:
    """A local moment of a day, stored as naive UTC like every timestamp."""
    return datetime.combine(day, time(hour), tzinfo=ZONE).astimezone(UTC).replace(tzinfo=None)


@pytest.fixture
def months(app):
    """The last four months, oldest first: m[3] is this month."""
    with app.app_context():
        this = local_today().replace(day=1)
    return [add_months(this, -3), add_months(this, -2), add_months(this, -1), this]


def _action(factory_id, created, moves, *, due=None, first=S.OPEN, by=None, title="Fix it"):
    """An action with its timeline: `moves` are (day, from, to) status moves."""
    status = moves[-1][2] if moves else first
    last = {target: utc(day) for day, _source, target in moves}
    action = Action(
        factory_id=factory_id,
        origin=ActionOrigin.FINDING,
        title=title,
        status=status,
        due_on=due,
        created_at=utc(created, 9),
        updated_at=utc(moves[-1][0]) if moves else utc(created, 9),
        done_at=last.get(S.DONE) if status in (S.DONE, S.VERIFIED) else None,
        verified_at=last.get(S.VERIFIED),
        closed_at=last.get(S.VERIFIED) or last.get(S.VOID),
    )
    action.events.append(
        ActionEvent(kind=ActionEventKind.CREATED, at=utc(created, 9), to_status=first, by_id=by)
    )
    for day, source, target in moves:
        action.events.append(
            ActionEvent(
                kind=ActionEventKind.STATUS,
                at=utc(day),
                from_status=source,
                to_status=target,
                by_id=by,
            )
        )
    db.session.add(action)
    return action


@pytest.fixture
def story(app, world, months):
    """Five actions of factory A over the last four months (days are local):

    1 opened m0-05, started m0-06, done m1-08, verified m1-10
    2 opened m0-20, due m1-01, never started            → overdue from the end of m1
    3 opened m1-03, void m1-15
    4 opened m2-10, in progress, due in a year
    5 opened m0-08, due m0-25, started m0-09, done m1-05 → overdue at the end of m0 only
    """
    m0, m1, m2, _m3 = months
    with app.app_context():
        a = world.a.id
        _action(a, m0.replace(day=5), [(m0.replace(day=6), S.OPEN, S.IN_PROGRESS),
                                       (m1.replace(day=8), S.IN_PROGRESS, S.DONE),
                                       (m1.replace(day=10), S.DONE, S.VERIFIED)])  # fmt: skip
        _action(a, m0.replace(day=20), [], due=m1.replace(day=1))
        _action(a, m1.replace(day=3), [(m1.replace(day=15), S.OPEN, S.VOID)])
        _action(
            a,
            m2.replace(day=10),
            [(m2.replace(day=11), S.OPEN, S.IN_PROGRESS)],
            due=m2.replace(day=10) + timedelta(days=365),
        )
        _action(
            a,
            m0.replace(day=8),
            [
                (m0.replace(day=9), S.OPEN, S.IN_PROGRESS),
                (m1.replace(day=5), S.IN_PROGRESS, S.DONE),
            ],
            due=m0.replace(day=25),
        )
        db.session.commit()


# ---------------------------------------------------------------- the numbers


def test_actions_opened_completed_and_backlog_per_month(app, world, months, story):
    with app.app_context():
        data = queries.actions_by_month(world.a.id, months)
    got = [(m.month, m.opened, m.completed, m.backlog) for m in data.months]
    assert got == [
        (months[0], 3, 0, 3),  # 1, 2 and 5 opened, none closed
        (months[1], 1, 1, 2),  # 3 opened and voided, 1 verified: 2 and 5 still open
        (months[2], 1, 0, 3),  # 4 opened
        (months[3], 0, 0, 3),
    ]


def test_overdue_actions_at_each_month_end(app, world, months, story):
    with app.app_context():
        data = queries.overdue_by_month(world.a.id, months)
        overdue_now = db.session.scalar(
            sa.select(sa.func.count(Action.id)).where(Action.is_overdue)
        )
    got = [(m.overdue, m.pending) for m in data.months]
    # m0: 5 past due (1 and 2 pending too); m1: 2 past due (5 done, 1 verified); then 2 and 4
    assert got == [(1, 3), (1, 1), (1, 2), (1, 2)]
    assert data.months[-1].overdue == overdue_now  # this month's bar is today's overdue count


def test_months_charted_start_with_the_first_record(app, world, months, story):
    with app.app_context():
        assert queries.factory_months(world.a.id) == months
        assert queries.factory_months(world.b.id) == []


def _submitted(app, world, inspection_id: int, on: date, scores: dict, version=None) -> None:
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        inspection.status = InspectionStatus.SUBMITTED
        inspection.inspected_on = on
        inspection.submitted_at = utc(on, 16)
        inspection.scores = scores
        if version is not None:
            inspection.checklist_version_id = version
        db.session.commit()


def _tally(percent):
    return {"good": 1, "bad": 1, "percent": percent}


def test_area_results_line_up_across_checklist_versions(app, world, make_inspection, months):
    """Two inspections on two versions of a checklist: areas match by id, an area missing from
    one version is a gap, not a zero."""
    first = make_inspection(checklist="machine-guarding", kind="score_visit")
    second = make_inspection(checklist="machine-guarding", kind="score_visit")
    with app.app_context():
        current = checklist_services.get_version("machine-guarding")
        definition = checklist_services.definition_of(current)
        description = definition.description.model_copy(
            update={"en": definition.description.en + " (revised)"}
        )
        edited = definition.model_copy(update={"description": description})
        version_2, created = checklist_services.store(edited)
        assert created and version_2.number == current.number + 1
        version_2_id, numbers = version_2.id, [current.number, version_2.number]
        db.session.commit()
    _submitted(
        app,
        world,
        first,
        months[0].replace(day=3),
        {"overall": _tally(50.0), "areas": {"machine_safety": _tally(40.0),
                                            "electrical": _tally(100.0)}},
    )  # fmt: skip
    _submitted(
        app,
        world,
        second,
        months[2].replace(day=3),
        {"overall": _tally(80.0), "areas": {"machine_safety": _tally(75.0),
                                            "fire_emergency": _tally(90.0)}},
        version=version_2_id,
    )  # fmt: skip
    with app.app_context():
        data = queries.area_results(world.a.id)
    assert [c.checklist_version for c in data.inspections] == numbers
    assert [c.overall for c in data.inspections] == [50.0, 80.0]
    assert data.areas == {
        "machine_safety": [40.0, 75.0],
        "electrical": [100.0, None],
        "fire_emergency": [None, 90.0],
    }


def test_area_results_come_from_the_scores_frozen_at_submission(app, world, make_inspection):
    """A real submission: every item of the machine-guarding checklist answered "no action
    needed" but one, which needs a photo and gets a finding with one."""
    from inspect_app.inspections import services as inspection_services

    inspection_id = make_inspection(checklist="machine-guarding", kind="self_inspection")
    with app.app_context():
        user = db.session.get(User, world.users["inspector"].id)
        inspection = db.session.get(Inspection, inspection_id)
        checklist = inspection_services.checklist_of(inspection)
        for item in checklist.items():
            inspection_services.set_answer(inspection, item_id=item.id, value="no", by=user)
        inspection_services.set_answer(inspection, item_id="prac-03", value="yes", by=user)
        inspection_services.submit(inspection, by=user)
        db.session.commit()
        data = queries.area_results(world.a.id)
    # prac-03 counts in machine_safety (13 items, 12 good) and management (2 items, 1 good)
    assert data.areas["machine_safety"] == [round(12 / 13 * 100, 1)]
    assert data.areas["management"] == [50.0]
    assert data.areas["electrical"] == [100.0]
    assert data.inspections[0].overall == round(12 / 13 * 100, 1)


def test_open_findings_by_risk_level_and_grade(app, world, make_inspection):
    inspection_id = make_inspection(kind="score_visit")
    draft_id = make_inspection(kind="score_visit")
    with app.app_context():
        for level, grade, closed, owner in (
            (RiskLevel.CRITICAL, Grade.MAJOR, None, inspection_id),
            (RiskLevel.CRITICAL, Grade.MAJOR, None, inspection_id),
            (RiskLevel.HIGH, Grade.GENERAL, None, inspection_id),
            (RiskLevel.LOW, Grade.GENERAL, utc(date(2026, 1, 5)), inspection_id),  # closed
            (RiskLevel.HIGH, Grade.MAJOR, None, draft_id),  # a draft's: not counted yet
        ):
            db.session.add(
                Finding(
                    inspection_id=owner,
                    factory_id=world.a.id,
                    title="x",
                    risk_level=level,
                    grade=grade,
                    closed_at=closed,
                )
            )
        db.session.get(Inspection, inspection_id).status = InspectionStatus.SUBMITTED
        db.session.commit()
        data = queries.open_findings(world.a.id)
        table = charts.findings_table(data, lang="en")
    assert data.counts == {
        (RiskLevel.CRITICAL, Grade.MAJOR): 2,
        (RiskLevel.HIGH, Grade.GENERAL): 1,
    }
    assert table.rows[0] == ["Critical", 2, 0, 2]
    assert table.rows[-1] == ["Total", 2, 1, 3]


def test_kpi_series_lost_time_injury_rate_per_100_workers(app, world, months):
    with app.app_context():
        for month, lti, accidents, workers, near in (
            (months[0], 3, 4, 150, 2),
            (months[2], 1, 1, 200, 7),
        ):
            db.session.add(
                KpiRecord(
                    factory_id=world.a.id,
                    month=month,
                    lost_time_injuries=lti,
                    accidents=accidents,
                    headcount=workers,
                    near_misses=near,
                    suggestions_made=4,
                    suggestions_implemented=3,
                )
            )
        db.session.commit()
        data = queries.kpi_series(world.a.id, months)
    rates = [m.lti_rate for m in data.months]
    assert rates == [2.0, None, 0.5, None]  # 3 / 150 × 100; no record in m1 and m3: gaps
    assert [m.near_misses for m in data.months] == [2, None, 7, None]
    assert [m.recorded for m in data.months] == [True, False, True, False]


# ---------------------------------------------------------------- the images


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def test_svg_keeps_chinese_labels_as_text(client, login_as, world, story):
    login_as("committee")
    svg = _get(client, f"/factories/{world.a.id}/charts/actions.svg?lang=zh_CN").text
    assert svg.lstrip().startswith("<?xml")
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "整改措施" in texts  # the y axis
    assert any("月" in t for t in texts)  # month ticks
    assert "新增" in texts  # the legend
    # Text as text: no glyph outlines defined and reused, and the reader's fonts named.
    assert not re.search(r'<path[^>]+id="(DejaVu|Noto)', svg)
    assert "font-family: 'Noto Sans CJK SC'" in svg and "'PingFang SC'" in svg


def test_svg_in_english_and_for_every_chart(client, login_as, world, story):
    login_as("inspector")
    for name in render.CHARTS:
        svg = _get(client, f"/factories/{world.a.id}/charts/{name}.svg?lang=en")
        assert svg.mimetype == "image/svg+xml"
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg.text)
    assert "Enter the monthly safety numbers to see them here." in texts  # no KPIs yet


def test_png_is_a_png(client, login_as, world, story):
    login_as("committee")
    response = _get(client, f"/factories/{world.a.id}/charts/actions.png?lang=zh_CN")
    assert response.mimetype == "image/png"
    assert response.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(response.data) > 10_000


def test_a_factory_with_no_data_gets_charts_saying_so(client, login_as, world):
    login_as("admin")
    for name in render.CHARTS:
        svg = _get(client, f"/factories/{world.b.id}/charts/{name}.svg?lang=en").text
        assert "No data yet" in svg
    page = _get(client, f"/factories/{world.b.id}/progress")
    assert page.text.count("No data yet") == len(render.CHARTS)  # each image's alt text


def test_one_month_and_several_years_render(app, world, client, login_as):
    """A single month, and 40 months of KPIs (only the last 36 are charted)."""
    with app.app_context():
        this = local_today().replace(day=1)
        _action(world.a.id, local_today(), [])
        for n in range(40):
            db.session.add(
                KpiRecord(
                    factory_id=world.b.id,
                    month=add_months(this, -n),
                    headcount=100,
                    near_misses=n % 7,
                    lost_time_injuries=n % 2,
                    accidents=1,
                )
            )
        db.session.commit()
        assert len(queries.factory_months(world.b.id)) == queries.MAX_MONTHS
    login_as("admin")
    one = _get(client, f"/factories/{world.a.id}/charts/actions.svg?lang=en").text
    assert "No data yet" not in one
    years = _get(client, f"/factories/{world.b.id}/charts/kpis.svg?lang=en").text
    ticks = re.findall(r"<text[^>]*>([A-Z][a-z]{2})</text>", years)
    assert 6 <= len(ticks) <= 18  # every 2nd or 3rd month labelled, not 36 crowded labels
    _get(client, f"/factories/{world.b.id}/charts/kpis.png?lang=zh_CN")


def test_the_progress_page_shows_each_chart_with_its_numbers(client, login_as, world, story):
    login_as("committee")
    page = _get(client, f"/factories/{world.a.id}/progress?lang=en").text
    for name in render.CHARTS:
        assert f"/factories/{world.a.id}/charts/{name}.svg" in page
    assert "Actions opened and completed" in page
    assert '<th scope="col" class="num">Still open at month end</th>' in page
    assert f"/factories/{world.a.id}/charts/actions.csv" in page
    assert "<script" not in page.split("</main>")[0].split("<main")[1]  # no inline script
    assert 'style="' not in page


def test_the_progress_page_in_chinese(client, login_as, world, story):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    login_as("committee")
    page = _get(client, f"/factories/{world.a.id}/progress").text
    assert "整改措施：新增与完成" in page
    assert "lang=zh_CN" in page  # the images follow the reader's language


# ---------------------------------------------------------------- cache


def test_cached_chart_is_identical_and_changes_with_the_data(app, client, login_as, world, story):
    login_as("committee")
    url = f"/factories/{world.a.id}/charts/actions.svg?lang=en"
    first = _get(client, url)
    again = _get(client, url)
    assert (first.headers["X-Chart-Cache"], again.headers["X-Chart-Cache"]) == ("miss", "hit")
    assert again.data == first.data
    assert again.headers["ETag"] == first.headers["ETag"]

    with app.app_context():  # the inspector verifies action 2 today
        action = db.session.scalar(
            sa.select(Action).where(Action.factory_id == world.a.id, Action.status == S.OPEN)
        )
        action.status, action.verified_at = S.VERIFIED, utc(local_today(), 8)
        action.closed_at = action.verified_at
        db.session.commit()
    changed = _get(client, url)
    assert changed.headers["X-Chart-Cache"] == "miss"
    assert changed.data != first.data
    assert changed.headers["ETag"] != first.headers["ETag"]


def test_a_cached_chart_costs_no_rendering(app, world, story):
    with app.app_context():
        stamp = queries.data_stamp(world.a.id)
        body, hit = render.cached_chart(world.a.id, "overdue", "svg", "en", stamp)
        again, hit_again = render.cached_chart(world.a.id, "overdue", "svg", "en", stamp)
    assert (hit, hit_again) == (False, True)
    assert again is body


@pytest.mark.parametrize("change", ["kpi", "finding", "event", "inspection"])
def test_the_data_stamp_moves_with_every_kind_of_record(app, world, make_inspection, change):
    inspection_id = make_inspection(kind="score_visit")
    with app.app_context():
        _action(world.a.id, date(2026, 1, 5), [])
        db.session.commit()
        before = queries.data_stamp(world.a.id)
        other = queries.data_stamp(world.b.id)
        if change == "kpi":
            db.session.add(KpiRecord(factory_id=world.a.id, month=date(2026, 1, 1), headcount=9))
        elif change == "finding":
            db.session.add(Finding(inspection_id=inspection_id, factory_id=world.a.id, title="x"))
        elif change == "event":
            action = db.session.scalar(sa.select(Action))
            action.events.append(
                ActionEvent(kind=ActionEventKind.DUE_DATE, new_due_on=date(2026, 2, 1))
            )
        else:
            db.session.get(Inspection, inspection_id).status = InspectionStatus.SUBMITTED
        db.session.commit()
        assert queries.data_stamp(world.a.id) != before
        assert queries.data_stamp(world.b.id) == other


def test_an_unchanged_chart_answers_304(client, login_as, world, story):
    login_as("committee")
    url = f"/factories/{world.a.id}/charts/findings.svg?lang=en"
    tag = _get(client, url).headers["ETag"]
    response = client.get(url, headers={"If-None-Match": tag})
    assert response.status_code == 304
    assert response.data == b""


def test_an_unknown_chart_is_404(client, login_as, world):
    login_as("committee")
    assert client.get(f"/factories/{world.a.id}/charts/nope.svg").status_code == 404
    assert client.get(f"/factories/{world.a.id}/charts/nope.csv").status_code == 404


def test_another_factorys_charts_are_404_for_a_committee(client, login_as, world):
    login_as("committee_b")
    assert client.get(f"/factories/{world.a.id}/charts/actions.svg").status_code == 404
    assert client.get(f"/factories/{world.a.id}/charts/actions.csv").status_code == 404
    assert client.get(f"/factories/{world.a.id}/progress").status_code == 404


# ---------------------------------------------------------------- CSV downloads


def test_chart_csv_has_the_numbers_of_the_chart(client, login_as, world, months, story):
    login_as("committee")
    response = _get(client, f"/factories/{world.a.id}/charts/actions.csv?lang=en")
    assert response.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["Month", "Opened", "Completed (verified)", "Still open at month end"]
    assert rows[1:] == [
        [months[0].strftime("%Y-%m"), "3", "0", "3"],
        [months[1].strftime("%Y-%m"), "1", "1", "2"],
        [months[2].strftime("%Y-%m"), "1", "0", "3"],
        [months[3].strftime("%Y-%m"), "0", "0", "3"],
    ]


def test_chart_csv_in_chinese(client, login_as, world, story):
    login_as("committee")
    response = _get(client, f"/factories/{world.a.id}/charts/overdue.csv?lang=zh_CN")
    header = response.data.decode("utf-8-sig").splitlines()[0]
    assert header == "月份,月末逾期,月末待整改"


# ---------------------------------------------------------------- region overview


def test_region_overview_compares_the_inspectors_factories(
    app, client, login_as, world, make_factory, story
):
    other = make_factory(name_zh="巴南塑胶厂", name_en="Banan Plastics", region_code="500113")
    with app.app_context():
        _action(other.id, date(2026, 1, 5), [(date(2026, 1, 6), S.OPEN, S.IN_PROGRESS),
                                             (date(2026, 1, 9), S.IN_PROGRESS, S.DONE),
                                             (date(2026, 1, 20), S.DONE, S.VERIFIED)])  # fmt: skip
        inspection = Inspection(
            factory_id=other.id,
            checklist_version_id=_any_version(),
            kind="score_visit",
            status=InspectionStatus.SUBMITTED,
            inspected_on=date(2026, 1, 4),
            scores={"overall": _tally(62.0), "areas": {}},
        )
        older = Inspection(
            factory_id=other.id,
            checklist_version_id=_any_version(),
            kind="score_visit",
            status=InspectionStatus.SUBMITTED,
            inspected_on=date(2025, 6, 4),
            scores={"overall": _tally(40.0), "areas": {}},
        )
        db.session.add_all([inspection, older])
        db.session.commit()
    login_as("inspector")
    page = _get(client, "/regions/overview?sort=name").text
    rows = _overview_rows(page)
    assert [r[0] for r in rows] == ["Banan Plastics", "Yubei Rubber Works"]  # not Dongguan
    banan, yubei = rows
    # open, overdue, awaiting verification, verified, latest result, last inspected
    assert banan[1:] == ["0", "0", "0", "1", "62%", "2026-01-04"]
    assert yubei[1:] == ["3", "⚠ 1 overdue", "1", "1", "—", "never"]

    by_overdue = _overview_rows(_get(client, "/regions/overview?sort=overdue&dir=desc").text)
    assert by_overdue[0][0] == "Yubei Rubber Works"


def test_region_overview_totals_and_region_filter(app, client, login_as, world, story):
    login_as("admin")
    page = _get(client, "/regions/overview").text
    assert "All 2 factories" in page
    with app.app_context():
        guangdong = db.session.scalar(sa.text("SELECT id FROM regions WHERE code = '440000'"))
    only_gd = _overview_rows(_get(client, f"/regions/overview?region={guangdong}").text)
    assert [r[0] for r in only_gd] == ["Dongguan Garments"]


def test_region_overview_is_for_inspectors_and_admins(client, login_as, world, app):
    login_as("committee")
    assert client.get("/regions/overview").status_code == 403
    inspector = login_as("inspector", c=app.test_client())
    with app.app_context():
        guangdong = db.session.scalar(sa.text("SELECT id FROM regions WHERE code = '440000'"))
    assert inspector.get(f"/regions/overview?region={guangdong}").status_code == 404  # not theirs


def test_region_overview_queries_do_not_grow_with_factories(app, world, make_factory):
    """Three statements for a page, whatever the number of factories (no N+1)."""
    for n in range(12):
        factory = make_factory(name_zh=f"厂{n}")
        with app.app_context():
            _action(factory.id, date(2026, 1, 5), [], due=date(2026, 1, 10))
            db.session.commit()
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        admin = db.session.get(User, world.users["admin"].id)
        scope = scope_clause(admin)
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            result = queries.region_overview(scope, page=1, per_page=5)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    assert result.total == 14
    assert len(result.items) == 5
    assert sum(r.overdue for r in result.items) <= 5
    assert result.totals.overdue == 12
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 4


def _any_version() -> int:
    from inspect_app.checklists.models import ChecklistVersion

    version = db.session.scalar(sa.select(ChecklistVersion.id).limit(1))
    if version is None:
        checklist_services.load_files()
        version = db.session.scalar(sa.select(ChecklistVersion.id).limit(1))
    return version


def _overview_rows(page: str) -> list[list[str]]:
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        texts = [re.sub(r"<[^>]+>", " ", c) for c in cells]
        texts = [" ".join(t.split()) for t in texts]
        rows.append([_factory_name(cells[0]), *texts[1:]])
    return rows


def _factory_name(cell: str) -> str:
    return re.search(r'class="rowlink"[^>]*>([^<]*)<', cell).group(1)
