"""The numbers behind a factory's progress charts, read from the models directly.

Actions raised on an inspector's draft inspection are not charted until it is submitted (as
the committee's pages and exports do not show them), so a chart never counts what a reader
may not see.

Every function takes a factory id and returns plain dataclasses (no ORM objects), so the charts
and their tables are pure functions of these numbers. Months are calendar months where the
factories are (INSPECT_TIMEZONE); timestamps in the database are naive UTC.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, has_app_context

from ..actions.models import PENDING, Action, ActionEvent, ActionEventKind, ActionStatus
from ..actions.services import released_clause
from ..checklists import services as checklist_services
from ..checklists.areas import AREAS
from ..checklists.models import ChecklistVersion
from ..extensions import db, local_today, utcnow
from ..factories.kpis import add_months
from ..factories.models import KpiRecord
from ..inspections.models import Finding, Grade, Inspection, InspectionStatus, RiskLevel

#: At most this many months are charted (the most recent ones).
MAX_MONTHS = 36
#: At most this many inspections are compared per hazard area (the most recent ones).
MAX_INSPECTIONS = 12


def local_zone() -> ZoneInfo:
    """The factories' time zone (INSPECT_TIMEZONE)."""
    name = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(name)


def local_month(moment: datetime) -> date:
    """The local calendar month (its first day) of a naive UTC timestamp."""
    local = moment.replace(tzinfo=UTC).astimezone(local_zone())
    return date(local.year, local.month, 1)


def month_start_utc(month: date) -> datetime:
    """The naive UTC instant at which a local month begins."""
    start = datetime(month.year, month.month, 1, tzinfo=local_zone())
    return start.astimezone(UTC).replace(tzinfo=None)


# ---------------------------------------------------------------- data version


def data_stamp(factory_id: int) -> str:
    """A short digest that changes whenever anything charted for the factory changes.

    One query of scalar subqueries: counts, summed row versions and latest change of the
    factory's actions, their events, KPI records, findings and submitted inspections — plus
    today's date, since "overdue" moves with the calendar.
    """
    action_ids = sa.select(Action.id).where(Action.factory_id == factory_id)

    def agg(*columns, where):
        return [sa.select(column).where(*where).scalar_subquery() for column in columns]

    row = db.session.execute(
        sa.select(
            *agg(
                sa.func.count(Action.id),
                sa.func.sum(Action.version),
                sa.func.max(Action.updated_at),
                where=[Action.factory_id == factory_id],
            ),
            *agg(
                sa.func.count(ActionEvent.id),
                sa.func.max(ActionEvent.id),
                where=[ActionEvent.action_id.in_(action_ids)],
            ),
            *agg(
                sa.func.count(KpiRecord.id),
                sa.func.sum(KpiRecord.version),
                sa.func.max(KpiRecord.updated_at),
                where=[KpiRecord.factory_id == factory_id],
            ),
            *agg(
                sa.func.count(Finding.id),
                sa.func.sum(Finding.version),
                sa.func.max(Finding.updated_at),
                where=[Finding.factory_id == factory_id],
            ),
            *agg(
                sa.func.count(Inspection.id),
                sa.func.sum(Inspection.version),
                sa.func.max(Inspection.updated_at),
                where=[
                    Inspection.factory_id == factory_id,
                    Inspection.status == InspectionStatus.SUBMITTED,
                ],
            ),
        )
    ).one()
    text = "|".join(str(value) for value in (*row, local_today()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ---------------------------------------------------------------- the months charted


def month_span(first: date | None, *, last: date | None = None) -> list[date]:
    """Months from `first` to `last` (default this month), at most MAX_MONTHS, oldest first."""
    last = last or local_today().replace(day=1)
    if first is None:
        return []
    first = max(first, add_months(last, -(MAX_MONTHS - 1)))
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def factory_months(factory_id: int) -> list[date]:
    """The months charted for a factory: from its first action, KPI or inspection to now."""
    row = db.session.execute(
        sa.select(
            sa.select(sa.func.min(Action.created_at))
            .where(Action.factory_id == factory_id, released_clause())
            .scalar_subquery(),
            sa.select(sa.func.min(KpiRecord.month))
            .where(KpiRecord.factory_id == factory_id)
            .scalar_subquery(),
            sa.select(sa.func.min(Inspection.inspected_on))
            .where(
                Inspection.factory_id == factory_id,
                Inspection.status == InspectionStatus.SUBMITTED,
            )
            .scalar_subquery(),
        )
    ).one()
    firsts = []
    if row[0] is not None:
        firsts.append(local_month(row[0]))
    for value in row[1:]:
        if value is not None:
            firsts.append(value.replace(day=1))
    return month_span(min(firsts) if firsts else None)


# ---------------------------------------------------------------- (a) opened vs completed


@dataclass(frozen=True)
class ActionsMonth:
    month: date
    opened: int
    completed: int  # verified in the month
    backlog: int  # not yet closed (verified or void) at the end of the month


@dataclass(frozen=True)
class ActionsData:
    months: list[ActionsMonth]
    total: int

    @property
    def empty(self) -> bool:
        return self.total == 0


def actions_by_month(factory_id: int, months: list[date] | None = None) -> ActionsData:
    """Actions opened and verified per month, and the open backlog at each month's end."""
    months = factory_months(factory_id) if months is None else months
    rows = db.session.execute(
        sa.select(Action.created_at, Action.verified_at, Action.closed_at).where(
            Action.factory_id == factory_id, released_clause()
        )
    ).all()
    if not months:
        return ActionsData([], len(rows))
    opened: dict[date, int] = defaultdict(int)
    completed: dict[date, int] = defaultdict(int)
    for created_at, verified_at, _closed in rows:
        opened[local_month(created_at)] += 1
        if verified_at is not None:
            completed[local_month(verified_at)] += 1
    out = []
    for month in months:
        end = month_start_utc(add_months(month, 1))
        backlog = sum(
            1
            for created_at, _verified, closed_at in rows
            if created_at < end and (closed_at is None or closed_at >= end)
        )
        out.append(ActionsMonth(month, opened[month], completed[month], backlog))
    return ActionsData(out, len(rows))


# ---------------------------------------------------------------- (b) overdue at month end


@dataclass(frozen=True)
class OverdueMonth:
    month: date
    overdue: int  # pending and past due at the end of the month (today for this month)
    pending: int  # pending at the same moment


@dataclass(frozen=True)
class OverdueData:
    months: list[OverdueMonth]
    total: int

    @property
    def empty(self) -> bool:
        return self.total == 0


@dataclass
class _History:
    """An action's status and due date over time, rebuilt from its timeline."""

    created_at: datetime
    status_times: list[datetime] = field(default_factory=list)
    statuses: list[ActionStatus] = field(default_factory=list)
    due_times: list[datetime] = field(default_factory=list)
    dues: list[date | None] = field(default_factory=list)

    def status_at(self, moment: datetime) -> ActionStatus | None:
        i = bisect_right(self.status_times, moment)
        return self.statuses[i - 1] if i else None

    def due_at(self, moment: datetime) -> date | None:
        i = bisect_right(self.due_times, moment)
        return self.dues[i - 1] if i else None


def _histories(factory_id: int) -> list[_History]:
    actions = db.session.execute(
        sa.select(
            Action.id,
            Action.created_at,
            Action.status,
            Action.due_on,
            Action.done_at,
            Action.closed_at,
        ).where(Action.factory_id == factory_id, released_clause())
    ).all()
    events: dict[int, list] = defaultdict(list)
    for event in db.session.execute(
        sa.select(
            ActionEvent.action_id,
            ActionEvent.kind,
            ActionEvent.at,
            ActionEvent.from_status,
            ActionEvent.to_status,
            ActionEvent.old_due_on,
            ActionEvent.new_due_on,
        )
        .join(Action, Action.id == ActionEvent.action_id)
        .where(Action.factory_id == factory_id, released_clause())
        .order_by(ActionEvent.at, ActionEvent.id)
    ):
        events[event.action_id].append(event)
    histories = []
    for action in actions:
        history = _History(created_at=action.created_at)
        timeline = events.get(action.id, [])
        moves = [e for e in timeline if e.to_status is not None]
        if moves:
            first = moves[0]
            if first.kind is not ActionEventKind.CREATED and first.from_status is not None:
                history.status_times.append(action.created_at)
                history.statuses.append(first.from_status)
            for event in moves:
                history.status_times.append(event.at)
                history.statuses.append(event.to_status)
        else:  # no timeline (older data): pending until done, then its final status
            history.status_times.append(action.created_at)
            history.statuses.append(ActionStatus.OPEN)
            if action.done_at is not None:
                history.status_times.append(action.done_at)
                history.statuses.append(ActionStatus.DONE)
            if action.closed_at is not None:
                history.status_times.append(action.closed_at)
                history.statuses.append(action.status)
        due_changes = [e for e in timeline if e.kind is ActionEventKind.DUE_DATE]
        initial_due = due_changes[0].old_due_on if due_changes else action.due_on
        history.due_times.append(action.created_at)
        history.dues.append(initial_due)
        for event in due_changes:
            history.due_times.append(event.at)
            history.dues.append(event.new_due_on)
        histories.append(history)
    return histories


def overdue_by_month(factory_id: int, months: list[date] | None = None) -> OverdueData:
    """Actions pending and past their due date at each month's end (for this month: now)."""
    months = factory_months(factory_id) if months is None else months
    histories = _histories(factory_id)
    if not months:
        return OverdueData([], len(histories))
    this_month = local_today().replace(day=1)
    out = []
    for month in months:
        if month >= this_month:
            moment, day = utcnow(), local_today()
        else:
            next_start = add_months(month, 1)
            moment, day = month_start_utc(next_start), next_start - timedelta(days=1)
        pending = overdue = 0
        for history in histories:
            if history.created_at > moment:
                continue
            status = history.status_at(moment)
            if status not in PENDING:
                continue
            pending += 1
            due = history.due_at(moment)
            if due is not None and due < day:
                overdue += 1
        out.append(OverdueMonth(month, overdue, pending))
    return OverdueData(out, len(histories))


# ---------------------------------------------------------------- (c) checklist results per area


@dataclass(frozen=True)
class InspectionColumn:
    id: int
    inspected_on: date
    kind: str
    checklist_zh: str
    checklist_en: str
    checklist_version: int
    overall: float | None


@dataclass(frozen=True)
class AreasData:
    inspections: list[InspectionColumn]
    #: area id → percent per inspection (None: the checklist had no scored item in that area)
    areas: dict[str, list[float | None]]
    #: area id → (zh, en) for areas that checklists declare beside the shipped registry
    declared: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.inspections


def area_results(factory_id: int, *, limit: int = MAX_INSPECTIONS) -> AreasData:
    """Per hazard area, the share of good answers at each submitted inspection (oldest first).

    Uses the scores frozen at submission, keyed by area id, so inspections on different
    checklists and checklist versions line up area by area.
    """
    rows = db.session.execute(
        sa.select(
            Inspection.id,
            Inspection.inspected_on,
            Inspection.kind,
            Inspection.scores,
            ChecklistVersion.title_zh,
            ChecklistVersion.title_en,
            ChecklistVersion.number,
        )
        .join(ChecklistVersion, ChecklistVersion.id == Inspection.checklist_version_id)
        .where(
            Inspection.factory_id == factory_id,
            Inspection.status == InspectionStatus.SUBMITTED,
        )
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
        .limit(limit)
    ).all()
    rows.reverse()
    columns = []
    per_area: dict[str, list[float | None]] = {}
    for index, row in enumerate(rows):
        scores = row.scores or {}
        overall = (scores.get("overall") or {}).get("percent")
        columns.append(
            InspectionColumn(
                row.id,
                row.inspected_on,
                row.kind.value,
                row.title_zh,
                row.title_en,
                row.number,
                overall,
            )
        )
        for area_id, tally in (scores.get("areas") or {}).items():
            percent = tally.get("percent") if isinstance(tally, dict) else None
            values = per_area.setdefault(area_id, [None] * len(rows))
            values[index] = percent
    ordered = {a: per_area[a] for a in AREAS if a in per_area}
    ordered.update({a: v for a, v in per_area.items() if a not in AREAS})
    # Areas never scored at all (only unscored answers) carry no information.
    ordered = {a: v for a, v in ordered.items() if any(p is not None for p in v)}
    declared = {}
    if any(a not in AREAS for a in ordered):
        catalogue = checklist_services.area_catalogue()
        declared = {a: (catalogue[a].zh, catalogue[a].en) for a in ordered if a in catalogue}
    return AreasData(columns, ordered, declared)


# ---------------------------------------------------------------- (d) open findings now

RISK_ORDER = (RiskLevel.CRITICAL, RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW)
GRADE_ORDER = (Grade.MAJOR, Grade.GENERAL)


@dataclass(frozen=True)
class FindingsData:
    #: (risk level, grade) → open findings
    counts: dict[tuple[RiskLevel, Grade], int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def empty(self) -> bool:
        return self.total == 0

    def count(self, level: RiskLevel, grade: Grade) -> int:
        return self.counts.get((level, grade), 0)


def open_findings(factory_id: int) -> FindingsData:
    """Open findings of submitted inspections, by risk level and grade."""
    rows = db.session.execute(
        sa.select(Finding.risk_level, Finding.grade, sa.func.count(Finding.id))
        .join(Inspection, Inspection.id == Finding.inspection_id)
        .where(
            Finding.factory_id == factory_id,
            Finding.closed_at.is_(None),
            Inspection.status == InspectionStatus.SUBMITTED,
        )
        .group_by(Finding.risk_level, Finding.grade)
    ).all()
    return FindingsData({(level, grade): n for level, grade, n in rows})


# ---------------------------------------------------------------- (e) KPIs


@dataclass(frozen=True)
class KpiMonth:
    month: date
    recorded: bool
    headcount: int | None = None
    accidents: int | None = None
    lost_time_injuries: int | None = None
    lti_rate: float | None = None  # per 100 workers
    near_misses: int | None = None
    suggestions_made: int | None = None
    suggestions_implemented: int | None = None


@dataclass(frozen=True)
class KpiData:
    months: list[KpiMonth]

    @property
    def empty(self) -> bool:
        return not any(m.recorded for m in self.months)


def kpi_series(factory_id: int, months: list[date] | None = None) -> KpiData:
    """The monthly KPIs over the charted months; months without a record are gaps."""
    from ..factories.kpis import lti_rate

    months = factory_months(factory_id) if months is None else months
    if not months:
        return KpiData([])
    records = {
        r.month: r
        for r in db.session.scalars(
            sa.select(KpiRecord).where(
                KpiRecord.factory_id == factory_id,
                KpiRecord.month >= months[0],
                KpiRecord.month <= months[-1],
            )
        )
    }
    out = []
    for month in months:
        record = records.get(month)
        if record is None:
            out.append(KpiMonth(month, recorded=False))
            continue
        out.append(
            KpiMonth(
                month,
                recorded=True,
                headcount=record.headcount,
                accidents=record.accidents,
                lost_time_injuries=record.lost_time_injuries,
                lti_rate=lti_rate(record.lost_time_injuries, record.headcount),
                near_misses=record.near_misses,
                suggestions_made=record.suggestions_made,
                suggestions_implemented=record.suggestions_implemented,
            )
        )
    return KpiData(out)


# ---------------------------------------------------------------- region overview


@dataclass(frozen=True)
class OverviewRow:
    factory_id: int
    name_zh: str
    name_en: str
    region_zh: str
    region_en: str
    sector: str
    open: int  # not yet verified or void
    overdue: int
    awaiting: int  # done, waiting for an inspector to verify
    completed: int  # verified
    latest_percent: float | None
    latest_on: date | None


@dataclass(frozen=True)
class OverviewTotals:
    factories: int
    open: int
    overdue: int
    awaiting: int
    completed: int


@dataclass
class OverviewPage:
    """One page of the overview, shaped like Flask-SQLAlchemy's pagination for the macro."""

    items: list[OverviewRow]
    page: int
    per_page: int
    total: int
    totals: OverviewTotals

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


OVERVIEW_SORTS = ("name", "open", "overdue", "awaiting", "completed", "score", "inspected")


def _action_counts(factory_ids):
    final = [ActionStatus.VERIFIED.value, ActionStatus.VOID.value]

    def count_if(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    return (
        sa.select(
            Action.factory_id.label("factory_id"),
            count_if(Action.status.not_in(final)).label("open"),
            count_if(Action.is_overdue).label("overdue"),
            count_if(Action.status == ActionStatus.DONE).label("awaiting"),
            count_if(Action.status == ActionStatus.VERIFIED).label("completed"),
        )
        .where(Action.factory_id.in_(factory_ids))
        .group_by(Action.factory_id)
        .subquery("action_counts")
    )


def _latest_inspections(factory_ids):
    """Each factory's latest submitted inspection: its date and overall percentage (read from
    the frozen scores of that one inspection only, not of every inspection ranked)."""
    ranked = (
        sa.select(
            Inspection.factory_id.label("factory_id"),
            Inspection.id.label("inspection_id"),
            sa.func.row_number()
            .over(
                partition_by=Inspection.factory_id,
                order_by=(Inspection.inspected_on.desc(), Inspection.id.desc()),
            )
            .label("rank"),
        )
        .where(
            Inspection.status == InspectionStatus.SUBMITTED,
            Inspection.factory_id.in_(factory_ids),
        )
        .subquery("ranked_inspections")
    )
    return (
        sa.select(
            ranked.c.factory_id,
            Inspection.inspected_on.label("inspected_on"),
            Inspection.scores["overall"]["percent"].as_float().label("percent"),
        )
        .join(Inspection, Inspection.id == ranked.c.inspection_id)
        .where(ranked.c.rank == 1)
        .subquery("latest_inspections")
    )


def region_overview(
    scope,
    *,
    region=None,
    sort: str = "overdue",
    descending: bool = True,
    page: int = 1,
    per_page: int = 25,
    lang: str = "zh_CN",
) -> OverviewPage:
    """Factories in scope (optionally in one region's subtree) compared on their actions and
    latest checklist result; three queries whatever the number of factories."""
    from ..factories.models import Factory, Region

    where = [scope]
    if region is not None:
        where.append(
            Factory.region_id.in_(sa.select(Region.id).where(Region.path.startswith(region.path)))
        )
    # Aggregate only the factories shown (all in scope), not every factory in the database.
    in_scope = sa.select(Factory.id).where(*where)
    counts = _action_counts(in_scope)
    latest = _latest_inspections(in_scope)
    open_ = sa.func.coalesce(counts.c.open, 0)
    overdue = sa.func.coalesce(counts.c.overdue, 0)
    awaiting = sa.func.coalesce(counts.c.awaiting, 0)
    completed = sa.func.coalesce(counts.c.completed, 0)
    name = (
        Factory.name_zh
        if lang.startswith("zh")
        else sa.func.coalesce(sa.func.nullif(Factory.name_en, ""), Factory.name_zh)
    )
    columns = {
        "name": name,
        "open": open_,
        "overdue": overdue,
        "awaiting": awaiting,
        "completed": completed,
        "score": latest.c.percent,
        "inspected": latest.c.inspected_on,
    }
    sort = sort if sort in columns else "overdue"
    order = columns[sort].desc() if descending else columns[sort].asc()
    joined = (
        sa.select(Factory)
        .join(Region, Region.id == Factory.region_id)
        .outerjoin(counts, counts.c.factory_id == Factory.id)
        .outerjoin(latest, latest.c.factory_id == Factory.id)
        .where(*where)
    )
    total = db.session.scalar(sa.select(sa.func.count(Factory.id)).where(*where)) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    rows = db.session.execute(
        joined.with_only_columns(
            Factory.id,
            Factory.name_zh,
            Factory.name_en,
            Region.full_name_zh,
            Region.full_name_en,
            Factory.sector,
            open_,
            overdue,
            awaiting,
            completed,
            latest.c.percent,
            latest.c.inspected_on,
        )
        .order_by(order.nulls_last(), name, Factory.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    sums = db.session.execute(  # the totals need the action counts only
        sa.select(
            sa.func.count(counts.c.factory_id),
            sa.func.coalesce(sa.func.sum(counts.c.open), 0),
            sa.func.coalesce(sa.func.sum(counts.c.overdue), 0),
            sa.func.coalesce(sa.func.sum(counts.c.awaiting), 0),
            sa.func.coalesce(sa.func.sum(counts.c.completed), 0),
        )
    ).one()
    items = [
        OverviewRow(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5].value if hasattr(row[5], "value") else row[5],
            int(row[6]),
            int(row[7]),
            int(row[8]),
            int(row[9]),
            float(row[10]) if row[10] is not None else None,
            row[11],
        )
        for row in rows
    ]
    totals = OverviewTotals(total, *(int(v) for v in sums[1:]))
    return OverviewPage(items, page, per_page, total, totals)
