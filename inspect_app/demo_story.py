"""The demo factories' last 18 months: inspections, findings with photos, actions, KPIs.

Every demo factory gets submitted inspections every three months on the shipped checklists
(SCORE Module 5 visits alternating with enforcement inspections), each applicable item
answered, with fewer problems as time goes on. Problems become findings with generated
"before" photos; findings become actions whose lives are simulated up to today (approved,
started, done with an "after" photo, verified or sent back, some late, some extended, a few
void), each move an ActionEvent. Monthly KPIs tell the same story: more near misses reported,
fewer lost-time injuries, more worker suggestions. The Chongqing rubber & plastics factory has
the story of its unguarded cross-cut saw, replaced by a two-hand-control cutting machine the
workers designed.

Deterministic (random.Random with a fixed seed; dates count back from today), idempotent (a
factory that already has inspections is left alone), and quick: rows go in with bulk INSERTs;
only photos go one by one through the photos service.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from .accounts.models import User
from .actions.models import Action, ActionEvent, ActionEventKind, ActionOrigin, ControlType
from .actions.models import ActionStatus as S
from .checklists import scoring
from .checklists import services as checklist_services
from .demo_pictures import picture
from .extensions import db, local_today, utcnow
from .factories.kpis import add_months
from .factories.models import Factory, KpiRecord
from .inspections import services as inspection_services
from .inspections.models import (
    Answer,
    Finding,
    FindingSource,
    Grade,
    Inspection,
    InspectionKind,
    InspectionStatus,
    RiskLevel,
    inspection_committee,
    inspection_inspectors,
)
from .photos import services as photo_services
from .photos.models import Photo, PhotoKind

SEED = 20261124
MONTHS = 18

# Demo accounts of each factory (by FACTORIES index in demo.py): inspectors and committee.
INSPECTORS = {
    0: ("inspector", "inspector2"),
    1: ("inspector2", "inspector"),
    2: ("inspector-gd", "inspector-gd2"),
    3: ("inspector-gd2", "inspector-gd"),
    4: ("inspector", "inspector2"),
    5: ("inspector2", "inspector"),
}
COMMITTEE = {
    0: "committee",
    1: "committee-banan",
    2: "committee-gd",
    3: "committee-sz",
    4: "committee-cd",
    5: "committee-dy",
}

#: Extra weight of each hazard area's items by sector (what tends to go wrong where).
SECTOR_AREAS = {
    "rubber_plastics": {"machine_safety": 3, "chemicals": 2, "fire_emergency": 2},
    "garments": {"fire_emergency": 3, "electrical": 2, "workstation": 2, "lighting": 2},
    "machinery": {"machine_safety": 3, "special_equipment": 2, "materials_handling": 2},
}


@dataclass(frozen=True)
class Hazard:
    """A kind of finding with the action that fixes it, in both languages."""

    zh: str
    en: str
    action_zh: str
    action_en: str
    control: ControlType
    cost: tuple[int, int]
    scene: str
    location: str


E, SUB, ENG, ADM, PPE_ = (
    ControlType.ELIMINATE,
    ControlType.SUBSTITUTE,
    ControlType.ENGINEERING,
    ControlType.ADMINISTRATIVE,
    ControlType.PPE,
)

HAZARDS: dict[str, list[Hazard]] = {
    "machine_safety": [
        Hazard(
            "皮带传动部位无防护罩",
            "Unguarded belt drive",
            "加装固定式网状防护罩",
            "Fit a fixed mesh guard over the belt drive",
            ENG,
            (300, 1500),
            "belt",
            "密炼车间",
        ),
        Hazard(
            "冲床无双手按钮或光电保护",
            "Press without two-hand control or light curtain",
            "加装双手按钮和光电保护装置",
            "Fit two-hand controls and a light curtain to the press",
            ENG,
            (2000, 8000),
            "saw",
            "冲压车间",
        ),
        Hazard(
            "急停按钮被遮挡、无法触及",
            "Emergency stop blocked and out of reach",
            "移开遮挡物，在操作位加装急停按钮",
            "Clear the emergency stop and add one at the operating position",
            ENG,
            (200, 900),
            "panel",
            "挤出线",
        ),
        Hazard(
            "检修时未执行上锁挂牌",
            "No lockout/tagout during maintenance",
            "制定上锁挂牌程序并配发个人锁具",
            "Set up a lockout/tagout procedure and give each fitter a lock",
            ADM,
            (300, 1200),
            "sign",
            "设备维修区",
        ),
    ],
    "materials_handling": [
        Hazard(
            "通道被原料和成品堵塞",
            "Walkway blocked by materials",
            "清理通道，划线定置，设置物料暂存区",
            "Clear the walkway, mark lines and set a holding area",
            ADM,
            (100, 600),
            "aisle",
            "成品仓库",
        ),
        Hazard(
            "重物人工搬运，无搬运工具",
            "Heavy loads carried by hand",
            "配备手推车和升降台",
            "Provide trolleys and a lift table",
            ENG,
            (800, 3000),
            "aisle",
            "原料仓库",
        ),
        Hazard(
            "货架未固定，超高堆放",
            "Racks not anchored, stacked too high",
            "固定货架并标明限高限载",
            "Anchor the racks and mark height and load limits",
            ENG,
            (500, 2000),
            "aisle",
            "半成品区",
        ),
    ],
    "workstation": [
        Hazard(
            "工位高度不合适，长期弯腰作业",
            "Work height makes workers stoop all day",
            "改装可调高度的工作台",
            "Fit height-adjustable work tables",
            ENG,
            (600, 2500),
            "lamp",
            "缝制车间",
        ),
        Hazard(
            "常用工具摆放无序，取用需大幅伸展",
            "Tools out of easy reach",
            "设置工具架，常用工具放在伸手可及处",
            "Put up tool racks within easy reach",
            ADM,
            (100, 500),
            "sign",
            "装配线",
        ),
    ],
    "lighting": [
        Hazard(
            "工作台照度不足",
            "Too little light at the workbench",
            "加装局部照明灯具",
            "Add task lighting at the workbenches",
            ENG,
            (300, 1500),
            "lamp",
            "检验工位",
        ),
        Hazard(
            "应急照明灯损坏",
            "Emergency lights broken",
            "更换应急照明并每月测试",
            "Replace the emergency lights and test them monthly",
            ENG,
            (400, 1200),
            "lamp",
            "楼梯间",
        ),
    ],
    "physical_environment": [
        Hazard(
            "车间噪声大，工人未佩戴护耳器",
            "Loud workshop, no hearing protection worn",
            "隔声罩降噪，配发并督促佩戴耳塞",
            "Enclose the noisy machine and issue ear plugs",
            ENG,
            (1500, 6000),
            "belt",
            "粉碎工段",
        ),
        Hazard(
            "密炼工段通风不良，粉尘弥漫",
            "Poor ventilation, dust in the air",
            "加装局部排风装置",
            "Install local exhaust ventilation",
            ENG,
            (3000, 12000),
            "belt",
            "密炼工段",
        ),
    ],
    "chemicals": [
        Hazard(
            "化学品容器无标签",
            "Chemical containers without labels",
            "为所有容器张贴中文标签并放置安全技术说明书",
            "Label every container and keep the safety data sheets at hand",
            ADM,
            (100, 400),
            "drums",
            "调胶间",
        ),
        Hazard(
            "溶剂桶无防泄漏托盘",
            "Solvent drums without spill trays",
            "配备防泄漏托盘和吸附棉",
            "Provide spill trays and absorbent pads",
            ENG,
            (800, 2500),
            "drums",
            "化学品仓库",
        ),
    ],
    "electrical": [
        Hazard(
            "配电箱门敞开、电线裸露",
            "Distribution box open, live wires exposed",
            "关闭柜门加锁，整理线路，张贴警示标识",
            "Close and lock the box, tidy the wiring, post warning signs",
            ENG,
            (200, 1000),
            "panel",
            "车间配电箱",
        ),
        Hazard(
            "插座超负荷使用、私拉乱接",
            "Overloaded sockets and makeshift wiring",
            "由持证电工重新布线，拆除临时线路",
            "Have a licensed electrician rewire and remove makeshift leads",
            E,
            (500, 2500),
            "panel",
            "后整车间",
        ),
    ],
    "fire_emergency": [
        Hazard(
            "灭火器被货物遮挡",
            "Fire extinguisher hidden behind goods",
            "清理灭火器周围，划出禁放区",
            "Clear the area and mark a no-storage zone",
            ADM,
            (50, 300),
            "extinguisher",
            "裁床车间",
        ),
        Hazard(
            "安全出口被堵塞、上锁",
            "Emergency exit blocked and locked",
            "拆除锁具，保持出口畅通并每日检查",
            "Remove the lock, keep the exit clear and check it daily",
            E,
            (100, 500),
            "aisle",
            "二楼车间",
        ),
        Hazard(
            "未开展疏散演练",
            "No evacuation drill held",
            "每半年组织一次全员疏散演练",
            "Hold an evacuation drill for everyone every six months",
            ADM,
            (0, 800),
            "sign",
            "全厂",
        ),
    ],
    "welfare": [
        Hazard(
            "饮水点不足",
            "Too few drinking-water points",
            "增设饮水点",
            "Add drinking-water points",
            ENG,
            (300, 1200),
            "sign",
            "车间",
        ),
        Hazard(
            "更衣室卫生条件差",
            "Changing rooms dirty",
            "整修更衣室并安排每日清洁",
            "Refurbish the changing rooms and clean them daily",
            ADM,
            (800, 3000),
            "sign",
            "生活区",
        ),
    ],
    "ppe": [
        Hazard(
            "防护用品发放不足、不合适",
            "PPE not issued or the wrong kind",
            "按岗位配发合适的防护用品并培训佩戴",
            "Issue the right PPE for each job and train its use",
            PPE_,
            (500, 3000),
            "ppe",
            "全厂",
        ),
        Hazard(
            "防护手套破损未更换",
            "Worn-out gloves not replaced",
            "建立防护用品更换台账",
            "Keep a log for replacing PPE",
            PPE_,
            (200, 800),
            "ppe",
            "裁切工位",
        ),
    ],
    "management": [
        Hazard(
            "安全操作规程未上墙",
            "Safe operating procedures not posted",
            "在各岗位张贴图文操作规程",
            "Post illustrated procedures at each machine",
            ADM,
            (100, 600),
            "sign",
            "各车间",
        ),
        Hazard(
            "新员工未经三级安全教育上岗",
            "New workers start without safety induction",
            "建立三级安全教育制度和培训档案",
            "Set up a three-level induction and training records",
            ADM,
            (0, 500),
            "sign",
            "人事部",
        ),
        Hazard(
            "隐患排查记录不全",
            "Hazard checks not recorded",
            "建立隐患排查治理台账，每月检查",
            "Keep a hazard log and review it monthly",
            ADM,
            (0, 300),
            "sign",
            "安全办公室",
        ),
    ],
    "special_equipment": [
        Hazard(
            "行车钢丝绳磨损超标",
            "Crane wire rope worn beyond limits",
            "更换钢丝绳并定期检验",
            "Replace the wire rope and inspect it regularly",
            ENG,
            (1500, 5000),
            "belt",
            "装配车间",
        ),
        Hazard(
            "叉车司机无证驾驶",
            "Forklift driven without a licence",
            "安排培训取证，无证人员不得驾驶",
            "Train and license drivers; no licence, no driving",
            ADM,
            (800, 2500),
            "aisle",
            "物流区",
        ),
    ],
}

RESPONSIBLE = (
    "车间主任 陈刚",
    "设备科 王磊",
    "安全员 刘芳",
    "班组长 赵勇",
    "行政部 孙丽",
    "电工 周强",
)
GOOD_POINTS = (
    "车间通道整洁，物料定置摆放。Aisles tidy, materials in marked places.",
    "安全委员会每月召开会议并有记录。The safety committee meets monthly and keeps minutes.",
    "工人主动报告险肇事件。Workers report near misses on their own.",
    "上次检查的整改措施已全部完成。Every action from the last visit is done.",
)
REJECT_NOTES = (
    "防护罩与设备之间间隙过大，手指仍可伸入，请改小网孔。"
    "The gap under the guard still lets fingers in: use a finer mesh.",
    "整改后照片看不到标签内容，请补拍清晰照片。"
    "The after photo does not show the label: please take a clear one.",
)
EXTEND_NOTES = (
    "等待配件到货。Waiting for spare parts.",
    "需停产检修，安排在月底停机时进行。Needs a shutdown: planned for the month-end stop.",
)
SUGGESTIONS = (
    ("在裁床旁加装废料收集箱", "Scrap bins beside the cutting tables", ENG, "aisle"),
    ("用颜色区分各工位的工具", "Colour-code the tools of each workstation", ADM, "sign"),
    ("在搬运路线上铺设防滑地垫", "Anti-slip mats along the carrying route", ENG, "aisle"),
    ("给常用化学品配小容量分装瓶", "Small dispensing bottles for everyday chemicals", SUB, "drums"),
    ("在换班时做五分钟安全提醒", "A five-minute safety talk at shift change", ADM, "sign"),
    ("在冲床旁设置工件滑槽", "A chute beside the press for the parts", ENG, "saw"),
    ("为检验工位加装台灯", "Desk lamps for the inspection stations", ENG, "lamp"),
    ("把常用防护用品挂在工位旁", "Hang the everyday PPE beside each workstation", PPE_, "ppe"),
)

# -------------------------------------------------------------------------------- helpers


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A local working-hours moment as naive UTC (how every timestamp is stored)."""
    local = datetime.combine(day, time(hour, minute), tzinfo=_zone())
    return local.astimezone(UTC).replace(tzinfo=None)


def _local_day(moment: datetime) -> date:
    return moment.replace(tzinfo=UTC).astimezone(_zone()).date()


def _later(rng: random.Random, moment: datetime, low: int, high: int) -> datetime:
    """A working-hours moment `low`..`high` days after `moment`."""
    day = _local_day(moment) + timedelta(days=rng.randint(low, high))
    return _at(day, rng.randint(8, 17), rng.choice((0, 15, 30, 45)))


def _insert(model, rows: list[dict]) -> list[int]:
    """Bulk INSERT, returning the new ids in the order of the rows."""
    if not rows:
        return []
    table = model.__table__
    result = db.session.execute(
        sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    )
    return [row[0] for row in result]


def _users() -> dict[str, int]:
    return dict(db.session.execute(sa.select(User.username, User.id)).all())


# -------------------------------------------------------------------------------- actions


@dataclass
class Move:
    at: datetime
    source: S | None
    target: S | None
    by: int | None
    note: str = ""
    kind: ActionEventKind = ActionEventKind.STATUS
    old_due: date | None = None
    new_due: date | None = None


@dataclass
class Life:
    """An action's simulated life, cut off at `now`."""

    created: datetime
    first: S
    due: date | None
    creator: int | None = None
    moves: list[Move] = field(default_factory=list)

    def add(self, move: Move, now: datetime) -> bool:
        if move.at > now:
            return False
        self.moves.append(move)
        return True

    @property
    def status(self) -> S:
        status = self.first
        for move in self.moves:
            if move.target is not None:
                status = move.target
        return status

    def last(self, target: S) -> datetime | None:
        times = [m.at for m in self.moves if m.target is target]
        return times[-1] if times else None

    def columns(self) -> dict:
        """The action's columns implied by its moves (the lifecycle's invariants)."""
        status = self.status
        due = self.due
        for move in self.moves:
            if move.kind is ActionEventKind.DUE_DATE:
                due = move.new_due
        done_at = self.last(S.DONE) if status in (S.DONE, S.VERIFIED) else None
        verified = self.last(S.VERIFIED) if status is S.VERIFIED else None
        closed = verified or (self.last(S.VOID) if status is S.VOID else None)
        verifier = next((m.by for m in self.moves if m.target is S.VERIFIED), None)
        return {
            "status": status,
            "due_on": due,
            "done_at": done_at,
            "verified_at": verified,
            "verified_by_id": verifier if status is S.VERIFIED else None,
            "closed_at": closed,
            "updated_at": self.moves[-1].at if self.moves else self.created,
        }


def simulate(
    rng: random.Random,
    *,
    created: datetime,
    first: S,
    due: date | None,
    now: datetime,
    inspector: int,
    committee: int | None,
    pace: float,
    may_void: bool = False,
) -> Life:
    """Play an action's lifecycle forward from `created`, stopping at `now`.

    `pace` stretches the work (early on factories are slower; > 2 means it runs late).
    """
    life = Life(created, first, due, creator=inspector if first is S.OPEN else committee)
    t = created
    if first is S.PROPOSED:
        t = _later(rng, t, 2, 8)
        if may_void and rng.random() < 0.15:
            life.add(
                Move(
                    t,
                    S.PROPOSED,
                    S.VOID,
                    inspector,
                    "方案不可行，已另行安排。Not feasible; handled another way.",
                ),
                now,
            )
            return life
        if not life.add(Move(t, S.PROPOSED, S.OPEN, committee or inspector), now):
            return life
    t = _later(rng, t, 1, 7)
    if not life.add(Move(t, S.OPEN, S.IN_PROGRESS, committee or inspector), now):
        return life
    work = max(2, int(rng.uniform(10, 50) * pace))
    if due is not None and rng.random() < 0.12:
        when = _later(rng, t, 1, max(1, work // 2))
        new_due = due + timedelta(days=rng.randint(14, 30))
        moved = Move(
            when,
            None,
            None,
            committee or inspector,
            rng.choice(EXTEND_NOTES),
            ActionEventKind.DUE_DATE,
            due,
            new_due,
        )
        if life.add(moved, now):
            due = new_due
    t = _later(rng, t, work, work + 3)
    if not life.add(Move(t, S.IN_PROGRESS, S.DONE, committee or inspector), now):
        return life
    t = _later(rng, t, 7, 35)  # verified at the inspector's next visit
    if rng.random() < 0.1:
        if not life.add(Move(t, S.DONE, S.REJECTED, inspector, rng.choice(REJECT_NOTES)), now):
            return life
        t = _later(rng, t, 2, 6)
        if not life.add(Move(t, S.REJECTED, S.IN_PROGRESS, committee or inspector), now):
            return life
        t = _later(rng, t, 3, 12)
        if not life.add(Move(t, S.IN_PROGRESS, S.DONE, committee or inspector), now):
            return life
        t = _later(rng, t, 4, 15)
    life.add(Move(t, S.DONE, S.VERIFIED, inspector), now)
    return life


def _events(action_id: int, life: Life) -> list[dict]:
    rows = [
        {
            "action_id": action_id,
            "kind": ActionEventKind.CREATED,
            "at": life.created,
            "by_id": life.creator,
            "from_status": None,
            "to_status": life.first,
            "old_due_on": None,
            "new_due_on": None,
            "note": "",
        }
    ]
    for move in life.moves:
        rows.append(
            {
                "action_id": action_id,
                "kind": move.kind,
                "at": move.at,
                "by_id": move.by,
                "from_status": move.source,
                "to_status": move.target,
                "old_due_on": move.old_due,
                "new_due_on": move.new_due,
                "note": move.note,
            }
        )
    return rows


# -------------------------------------------------------------------------------- a factory


@dataclass
class PlannedFinding:
    row: dict
    hazard: Hazard
    photo: bool
    lives: list[tuple[dict, Life]] = field(default_factory=list)  # (action row, life)


class FactoryStory:
    """Builds one factory's 18 months and writes them."""

    def __init__(self, index: int, factory: Factory, users: dict[str, int], checklists):
        self.index = index
        self.factory = factory
        self.rng = random.Random(SEED * 10 + index)
        self.inspectors = [users[name] for name in INSPECTORS[index] if name in users]
        self.committee = users.get(COMMITTEE[index])
        self.checklists = checklists
        self.today = local_today()
        self.now = utcnow()
        self.first_month = add_months(self.today.replace(day=1), -(MONTHS - 1))
        self.photos: list[tuple[dict, bytes]] = []
        self.saw: dict = {}

    # ---------------------------------------------------------------- inspections

    def schedule(self) -> list[tuple[date, str]]:
        """An inspection every three months, SCORE visits and enforcement in turn."""
        out = []
        shift = self.index % 3  # the last visit this month, last month or the one before
        for n, offset in enumerate(sorted(range(MONTHS - 1 - shift, -1, -3))):
            month = add_months(self.first_month, offset)
            day = min(self.rng.randint(4, 24), 28)
            when = month.replace(day=day)
            if when >= self.today:
                when = self.today - timedelta(days=1)
            slug = "score-module5" if n % 2 == 0 else "workplace-inspection"
            out.append((when, slug))
        return out

    def _weights(self, item) -> float:
        extra = SECTOR_AREAS.get(self.factory.sector.value, {})
        return max(extra.get(area, 1) for area in item.areas)

    def answers(self, checklist, progress: float) -> dict[str, object]:
        """Every applicable item answered; problems get rarer as `progress` goes 0 → 1."""
        base = 0.18 - 0.15 * progress
        values: dict[str, object] = {}
        sector = self.factory.sector.value
        for item in checklist.items():
            kind = item.answer_kind.name
            bad = self.rng.random() < min(0.9, base * self._weights(item))
            if kind == "propose_action":
                if bad:
                    priority = self.rng.random() < (0.35 - 0.2 * progress)
                    values[item.id] = "priority" if priority else "yes"
                else:
                    values[item.id] = "no"
            elif kind == "compliance":
                if self.rng.random() < 0.04:
                    values[item.id] = "not_applicable"
                else:
                    values[item.id] = "not_compliant" if bad else "compliant"
            elif kind == "yes_no":
                problem = item.answers.problem
                if self.rng.random() < 0.04:
                    values[item.id] = "na"
                else:
                    values[item.id] = problem if bad else ("no" if problem == "yes" else "yes")
            elif kind == "choice":
                if item.id == "dust-01":
                    values[item.id] = "yes" if sector in ("rubber_plastics", "garments") else "no"
                elif item.id == "conf-01":
                    values[item.id] = "yes" if sector == "machinery" else "no"
                else:
                    values[item.id] = item.answer_kind.options()[0][0]
            elif kind == "number":
                params = item.answer_kind.params
                values[item.id] = params.min if params.min is not None else 0
            else:
                values[item.id] = "—"
        applicable = checklist.applicability(values)
        return {k: v for k, v in values.items() if applicable.get(k)}

    def build(self) -> None:
        """Plan and write the factory's inspections, findings, actions, photos and KPIs."""
        inspections = []
        schedule = self.schedule()
        for n, (day, slug) in enumerate(schedule):
            version = self.checklists[slug]
            checklist = checklist_services.definition_of(version)
            progress = n / max(1, len(schedule) - 1)
            answers = self.answers(checklist, progress)
            if self.index == 0 and n == 0:
                answers["mach-02"] = "priority"  # the cross-cut saw (see _saw_finding)
            scores = {
                **scoring.score(checklist, answers).to_dict(),
                "areas": {
                    area: tally.to_dict()
                    for area, tally in scoring.score_by_area(checklist, answers).items()
                },
            }
            inspections.append((day, slug, version, checklist, answers, scores, progress))
        self._write(inspections)

    def _write(self, inspections) -> None:
        rows = []
        for day, slug, version, _checklist, _answers, scores, _progress in inspections:
            start = _at(day, 9, 0)
            submitted = _at(day, 16, 30)
            enforcement = slug == "workplace-inspection"
            rows.append(
                {
                    "factory_id": self.factory.id,
                    "checklist_version_id": version.id,
                    "kind": InspectionKind.ENFORCEMENT
                    if enforcement
                    else InspectionKind.SCORE_VISIT,
                    "status": InspectionStatus.SUBMITTED,
                    "inspected_on": day,
                    "good_points": self.rng.choice(GOOD_POINTS),
                    "created_by_id": self.inspectors[0],
                    "created_at": start,
                    "updated_at": submitted,
                    "submitted_at": submitted,
                    "submitted_by_id": self.inspectors[0],
                    "scores": scores,
                    "version": 1,
                }
            )
        ids = _insert(Inspection, rows)
        people, members, answer_rows, planned = [], [], [], []
        for inspection_id, (day, slug, _v, checklist, answers, _s, progress) in zip(
            ids, inspections, strict=True
        ):
            enforcement = slug == "workplace-inspection"
            for user_id in self.inspectors[: 2 if enforcement else 1]:
                people.append({"inspection_id": inspection_id, "user_id": user_id})
            if self.committee and not enforcement:
                members.append({"inspection_id": inspection_id, "user_id": self.committee})
            moment = _at(day, 11, 0)
            for item_id, value in answers.items():
                answer_rows.append(
                    {
                        "inspection_id": inspection_id,
                        "item_id": item_id,
                        "value": value,
                        "note": "",
                        "answered_by_id": self.inspectors[0],
                        "answered_at": moment,
                        "saved_at": moment,
                    }
                )
            saw_visit = self.index == 0 and inspection_id == ids[0]
            found = self._findings(
                inspection_id,
                day,
                checklist,
                answers,
                progress,
                skip={"mach-02"} if saw_visit else set(),
            )
            if inspection_id == ids[-2]:
                self._recent_trouble(found)
            planned += found
        db.session.execute(sa.insert(inspection_inspectors), people)
        if members:
            db.session.execute(sa.insert(inspection_committee), members)
        db.session.execute(sa.insert(Answer.__table__), answer_rows)
        if self.index == 0:
            planned.append(self._saw_finding(ids, inspections))
        self._write_findings(planned)
        self._suggestions()

    def _findings(
        self, inspection_id, day, checklist, answers, progress, skip: set[str]
    ) -> list[PlannedFinding]:
        out = []
        found = _at(day, 11, 30)
        for item_id, value in answers.items():
            item = checklist.item(item_id)
            kind = item.answer_kind
            if not kind.needs_action(value):
                continue
            if item_id in skip:
                continue  # the saw story tells this one
            area = item.areas[0]
            hazard = self.rng.choice(HAZARDS.get(area, HAZARDS["management"]))
            priority = kind.is_priority(value)
            likelihood = self.rng.randint(3, 4) if priority else self.rng.randint(1, 3)
            severity = self.rng.randint(4, 5) if priority else self.rng.randint(2, 4)
            decisive = inspection_services.is_decisive_item(item)
            if item.risk_floor:
                floor = inspection_services.floor_rating(item.risk_floor)
                if likelihood * severity < floor[0] * floor[1]:
                    likelihood, severity = floor  # never below the item's risk floor
            score = likelihood * severity
            level = _risk_level(score)
            major = decisive or (score >= 16 and self.rng.random() < 0.5)
            grade = Grade.MAJOR if major else Grade.GENERAL
            fixed = grade is Grade.GENERAL and score <= 4 and self.rng.random() < 0.4
            row = {
                "inspection_id": inspection_id,
                "factory_id": self.factory.id,
                "item_id": item_id,
                "area": area,
                "title": f"{hazard.zh} · {hazard.en}",
                "description": "",
                "location": hazard.location,
                "source": FindingSource.MANAGEMENT
                if area == "management"
                else FindingSource.UNSAFE_CONDITION,
                "grade": grade,
                "likelihood": likelihood,
                "severity": severity,
                "risk_score": score,
                "risk_level": level,
                "fixed_on_spot": fixed,
                "closed_at": found if fixed else None,
                "created_by_id": self.inspectors[0],
                "created_at": found,
                "updated_at": found,
                "version": 1,
            }
            needs_photo = scoring.photo_required(item, value)
            finding = PlannedFinding(row, hazard, needs_photo)
            if not fixed:
                finding.lives.append(self._action_for(finding, found, level, progress))
            out.append(finding)
        return out

    def _recent_trouble(self, findings: list[PlannedFinding]) -> None:
        """Make two actions of the last-but-one inspection tell what goes wrong: one sent back
        by the inspector a few days ago, one still in progress well past its (extended) due
        date. Set relative to today, so the demo always shows them."""
        open_ones = [f for f in findings if f.lives]
        now = self.now
        if len(open_ones) >= 1:
            row, life = open_ones[0].lives[0]
            start = life.created
            life.moves = [
                Move(_later(self.rng, start, 2, 4), S.OPEN, S.IN_PROGRESS, self.committee),
                Move(now - timedelta(days=12), S.IN_PROGRESS, S.DONE, self.committee),
                Move(
                    now - timedelta(days=3),
                    S.DONE,
                    S.REJECTED,
                    self.inspectors[0],
                    REJECT_NOTES[self.index % len(REJECT_NOTES)],
                ),
            ]
            row["done_description"] = "已完成。Done."
        if len(open_ones) >= 2:
            row, life = open_ones[1].lives[0]
            start = life.created
            due = life.due or _local_day(start) + timedelta(days=14)
            new_due = min(due + timedelta(days=21), self.today - timedelta(days=9))
            life.moves = [
                Move(_later(self.rng, start, 3, 6), S.OPEN, S.IN_PROGRESS, self.committee),
            ]
            if new_due > due:
                life.moves.append(
                    Move(
                        _later(self.rng, start, 7, 9),
                        None,
                        None,
                        self.committee,
                        EXTEND_NOTES[0],
                        ActionEventKind.DUE_DATE,
                        due,
                        new_due,
                    )
                )
            row["actual_cost"] = None
            row["done_description"] = ""

    def _action_for(self, finding: PlannedFinding, found: datetime, level, progress):
        rng = self.rng
        created = found + timedelta(hours=2)
        days = {"critical": 7, "high": 14, "medium": 30, "low": 45}[level.value]
        due = _local_day(created) + timedelta(days=days)
        pace = (1.6 - 0.8 * progress) * (2.8 if rng.random() < 0.15 else 1.0)
        if level.value in ("critical", "high"):
            pace *= 0.5
        life = simulate(
            rng,
            created=created,
            first=S.OPEN,
            due=due,
            now=self.now,
            inspector=self.inspectors[0],
            committee=self.committee,
            pace=pace,
        )
        low, high = finding.hazard.cost
        estimate = Decimal(rng.randrange(low, high + 1, 50) if high > low else low)
        row = {
            "factory_id": self.factory.id,
            "origin": ActionOrigin.FINDING,
            "title": f"{finding.hazard.action_zh} · {finding.hazard.action_en}",
            "description": "",
            "done_description": "",
            "control_type": finding.hazard.control,
            "responsible": rng.choice(RESPONSIBLE),
            "estimated_cost": estimate,
            "actual_cost": None,
            "proposed_by_id": self.inspectors[0],
            "created_at": created,
            "version": 1,
        }
        if life.status in (S.DONE, S.VERIFIED):
            row["actual_cost"] = (estimate * Decimal(rng.uniform(0.7, 1.2))).quantize(Decimal("1"))
            row["done_description"] = "已按计划完成。Done as planned."
        return row, life

    def _write_findings(self, planned: list[PlannedFinding]) -> None:
        for finding in planned:  # a finding is closed once all its live actions are verified
            live = [life for _row, life in finding.lives if life.status is not S.VOID]
            if live and all(life.status is S.VERIFIED for life in live):
                finding.row["closed_at"] = max(life.last(S.VERIFIED) for life in live)
        ids = _insert(Finding, [f.row for f in planned])
        action_rows, lives, owners, stories = [], [], [], []
        for finding_id, finding in zip(ids, planned, strict=True):
            finding.row["id"] = finding_id
            if finding.photo:
                self.photos.append(
                    (
                        {
                            "finding_id": finding_id,
                            "kind": PhotoKind.BEFORE,
                            "at": finding.row["created_at"],
                            "by": finding.row["created_by_id"],
                        },
                        self._picture(finding.hazard, finding.row, after=False),
                    )
                )
            for row, life in finding.lives:
                stories.append(row.pop("_story", None))
                action_rows.append({**row, "finding_id": finding_id, **life.columns()})
                lives.append(life)
                owners.append(finding)
        action_ids = _insert(Action, action_rows)
        events = []
        for action_id, life, finding, story in zip(action_ids, lives, owners, stories, strict=True):
            events += _events(action_id, life)
            done = life.last(S.DONE)
            if done is not None and finding.photo:
                self.photos.append(
                    (
                        {
                            "action_id": action_id,
                            "kind": PhotoKind.AFTER,
                            "at": done,
                            "by": self.committee or self.inspectors[0],
                        },
                        self._picture(finding.hazard, finding.row, after=True, when=done),
                    )
                )
            if story == "machine":
                self.saw["action_id"] = action_id
                self.saw["finding_id"] = finding.row["id"]
                verified = life.last(S.VERIFIED)
                if verified is not None:
                    self.photos.append(
                        (
                            {
                                "action_id": action_id,
                                "kind": PhotoKind.VERIFICATION,
                                "at": verified,
                                "by": self.inspectors[0],
                            },
                            picture(
                                "saw",
                                after=True,
                                caption="复查：双手控制裁切机 · Verified: two-hand cutter",
                                when=_local_day(verified).isoformat(),
                                seed=SEED + 7,
                            ),
                        )
                    )
            elif story == "guard":
                self.saw["guard_action_id"] = action_id
        db.session.execute(sa.insert(ActionEvent.__table__), events)

    def _picture(self, hazard: Hazard, finding_row: dict, *, after: bool, when=None) -> bytes:
        moment = when or finding_row["created_at"]
        return picture(
            hazard.scene,
            after=after,
            caption=finding_row["title"],
            when=_local_day(moment).isoformat(),
            seed=int(finding_row["created_at"].timestamp()) * 2 + after,
        )

    # ---------------------------------------------------------------- worker suggestions

    def _suggestions(self) -> None:
        """The workers' own ideas: more of them as the suggestion scheme takes hold."""
        rows, lives, scenes = [], [], []
        for offset in range(1, MONTHS):
            month = add_months(self.first_month, offset)
            if self.rng.random() > 0.2 + 0.5 * offset / MONTHS:
                continue
            day = month.replace(day=self.rng.randint(2, 27))
            if day >= self.today:
                day = self.today
            created = _at(day, 14, 0)
            if created > self.now:
                created = self.now - timedelta(hours=1)
            zh, en, control, scene = self.rng.choice(SUGGESTIONS)
            life = simulate(
                self.rng,
                created=created,
                first=S.PROPOSED,
                due=_local_day(created) + timedelta(days=45),
                now=self.now,
                inspector=self.inspectors[0],
                committee=self.committee,
                pace=1.0,
                may_void=True,
            )
            cost = Decimal(self.rng.randrange(0, 1500, 50))
            rows.append(
                {
                    "factory_id": self.factory.id,
                    "finding_id": None,
                    "origin": ActionOrigin.SUGGESTION,
                    "title": f"工人建议：{zh} · Worker suggestion: {en}",
                    "description": "",
                    "done_description": "",
                    "control_type": control,
                    "responsible": self.rng.choice(RESPONSIBLE),
                    "estimated_cost": cost,
                    "actual_cost": cost if life.status in (S.DONE, S.VERIFIED) else None,
                    "proposed_by_id": self.committee,
                    "created_at": created,
                    "version": 1,
                    **life.columns(),
                }
            )
            lives.append(life)
            scenes.append((scene, f"{zh} · {en}"))
        ids = _insert(Action, rows)
        events = []
        for action_id, life, (scene, caption) in zip(ids, lives, scenes, strict=True):
            events += _events(action_id, life)
            done = life.last(S.DONE)
            if done is not None and self.rng.random() < 0.5:
                self.photos.append(
                    (
                        {
                            "action_id": action_id,
                            "kind": PhotoKind.AFTER,
                            "at": done,
                            "by": self.committee or self.inspectors[0],
                        },
                        picture(
                            scene,
                            after=True,
                            caption=caption,
                            when=_local_day(done).isoformat(),
                            seed=action_id,
                        ),
                    )
                )
        if events:
            db.session.execute(sa.insert(ActionEvent.__table__), events)

    # ---------------------------------------------------------------- the cross-cut saw

    def _saw_finding(self, ids, inspections) -> PlannedFinding:
        """The first SCORE visit finds the unguarded cross-cut saw; the inspector proposes a
        guard, the cutting team proposes their own machine instead, and builds it."""
        inspection_id, day = ids[0], inspections[0][0]
        found = _at(day, 10, 40)
        hazard = Hazard(
            "裁切工位横截锯无防护罩，手距锯片不足10厘米",
            "Unguarded cross-cut saw: hands within 10 cm of the blade",
            "工人自行设计双手控制裁切机，替代横截锯",
            "Replace the saw with a two-hand-control cutting machine the workers designed",
            SUB,
            (9000, 9000),
            "saw",
            "橡胶裁切车间 2号工位 · Rubber cutting, station 2",
        )
        row = {
            "inspection_id": inspection_id,
            "factory_id": self.factory.id,
            "item_id": "mach-02",
            "area": "machine_safety",
            "title": f"{hazard.zh} · {hazard.en}",
            "description": (
                "工人用手推送橡胶板经过裸露的横截锯片，锯片无任何防护，近一年发生过两次割伤险情。"
                "Workers push rubber sheets past the bare blade by hand; two near misses with "
                "cut fingers in the past year."
            ),
            "location": hazard.location,
            "source": FindingSource.UNSAFE_CONDITION,
            "grade": Grade.MAJOR,
            "likelihood": 4,
            "severity": 5,
            "risk_score": 20,
            "risk_level": RiskLevel.CRITICAL,
            "fixed_on_spot": False,
            "closed_at": None,
            "created_by_id": self.inspectors[0],
            "created_at": found,
            "updated_at": found,
            "version": 1,
        }
        finding = PlannedFinding(row, hazard, photo=True)
        inspector, committee = self.inspectors[0], self.committee
        # The inspector's first idea: a fixed guard. Voided when the workers came up with more.
        guard = Life(
            found + timedelta(hours=1),
            S.OPEN,
            _local_day(found) + timedelta(days=14),
            creator=inspector,
        )
        guard.moves.append(
            Move(
                _later(random.Random(1), found, 16, 16),
                S.OPEN,
                S.VOID,
                inspector,
                "裁切班组提出了更好的方案：用双手控制裁切机替代横截锯（见工人建议）。"
                "The cutting team proposed something better: replace the saw with a "
                "two-hand-control cutter (see their suggestion).",
            )
        )
        guard_row = {
            "factory_id": self.factory.id,
            "origin": ActionOrigin.FINDING,
            "title": "为横截锯加装固定式防护罩 · Fit a fixed guard to the cross-cut saw",
            "description": "",
            "done_description": "",
            "control_type": ENG,
            "responsible": "设备科 王磊",
            "estimated_cost": Decimal("1200"),
            "actual_cost": None,
            "proposed_by_id": inspector,
            "created_at": guard.created,
            "version": 1,
            "_story": "guard",
        }
        # The workers' machine: proposed, approved, built (parts late), done, verified.
        created = _later(random.Random(2), found, 12, 12)
        due = _local_day(created) + timedelta(days=45)
        machine = Life(created, S.PROPOSED, due, creator=committee)
        t = [_later(random.Random(n), found, d, d) for n, d in ((3, 15), (4, 20), (5, 40))]
        machine.moves += [
            Move(t[0], S.PROPOSED, S.OPEN, inspector, "同意试制。Approved: build a prototype."),
            Move(t[1], S.OPEN, S.IN_PROGRESS, committee),
            Move(
                t[2],
                None,
                None,
                committee,
                "气动元件到货推迟。The pneumatic parts arrive late.",
                ActionEventKind.DUE_DATE,
                due,
                due + timedelta(days=21),
            ),
            Move(_later(random.Random(6), found, 70, 70), S.IN_PROGRESS, S.DONE, committee),
            Move(
                _later(random.Random(7), found, 78, 78),
                S.DONE,
                S.VERIFIED,
                inspector,
                "双手同时按下才动作，锯片全封闭，裁切速度提高约15%。"
                "Runs only with both hands on the buttons; blade fully enclosed; cutting about "
                "15% faster.",
            ),
        ]
        machine.moves = [m for m in machine.moves if m.at <= self.now]
        machine_row = {
            "factory_id": self.factory.id,
            "origin": ActionOrigin.SUGGESTION,
            "title": f"{hazard.action_zh} · {hazard.action_en}",
            "description": (
                "裁切班组刘强等三名工人提出：利用闲置的液压机架改装一台裁切机，锯片装在透明防护罩内，"
                "两侧各设一个按钮，双手同时按下才下刀。"
                "Liu Qiang and two colleagues of the cutting team proposed rebuilding an idle "
                "hydraulic frame into a cutter: the blade inside a clear guard, a button on each "
                "side, cutting only while both are pressed."
            ),
            "done_description": (
                "新裁切机已投入使用，旧横截锯已拆除。"
                "The new cutter is in use; the old saw has been removed."
            ),
            "control_type": SUB,
            "responsible": "裁切班组长 刘强 · Liu Qiang, cutting team leader",
            "estimated_cost": Decimal("9000"),
            "actual_cost": Decimal("7800") if machine.status in (S.DONE, S.VERIFIED) else None,
            "proposed_by_id": committee,
            "created_at": created,
            "version": 1,
            "_story": "machine",
        }
        finding.lives = [(guard_row, guard), (machine_row, machine)]
        return finding

    # ---------------------------------------------------------------- KPIs

    def kpis(self) -> None:
        """Monthly numbers with a story: near misses reported rise as reporting becomes normal,
        lost-time injuries fall, suggestions grow and more of them are put into practice."""
        existing = set(
            db.session.scalars(
                sa.select(KpiRecord.month).where(KpiRecord.factory_id == self.factory.id)
            )
        )
        rng = random.Random(SEED * 100 + self.index)
        workers = max(10, self.factory.headcount)
        rows = []
        for offset in range(MONTHS):
            month = add_months(self.first_month, offset)
            t = offset / (MONTHS - 1)
            headcount = max(1, round(workers * rng.uniform(0.96, 1.04)))
            near = _poisson(rng, headcount * (0.004 + 0.04 * t))
            accidents = _poisson(rng, headcount * (0.004 + 0.012 * (1 - t) ** 2))
            lti = min(accidents, _poisson(rng, headcount * 0.009 * (1 - t) ** 2))
            made = _poisson(rng, 1 + headcount * (0.005 + 0.05 * t))
            done = min(made, round(made * (0.3 + 0.45 * t + rng.uniform(-0.1, 0.1))))
            if month in existing:
                continue
            rows.append(
                {
                    "factory_id": self.factory.id,
                    "month": month,
                    "accidents": accidents,
                    "lost_time_injuries": lti,
                    "days_lost": sum(rng.randint(2, 20) for _ in range(lti)),
                    "near_misses": near,
                    "first_aid_cases": _poisson(rng, accidents * 1.5 + 1),
                    "suggestions_made": made,
                    "suggestions_implemented": max(0, done),
                    "headcount": headcount,
                    "entered_by_id": self.committee,
                    "updated_at": min(self.now, _at(add_months(month, 1), 9, 0)),
                    "version": 1,
                }
            )
        if rows:
            db.session.execute(sa.insert(KpiRecord.__table__), rows)

    # ---------------------------------------------------------------- photos

    def store_photos(self) -> int:
        for owner, data in self.photos:
            photo, _created = photo_services.add_photo(
                data,
                factory_id=self.factory.id,
                by_id=owner["by"],
                kind=owner["kind"],
                caption=owner["kind"].label,
                **{k: owner[k] for k in ("finding_id", "action_id") if k in owner},
            )
            photo.created_at = owner["at"]
        db.session.flush()
        return len(self.photos)


def _risk_level(score: int) -> RiskLevel:
    for upper, level in current_app.config["RISK_BANDS"]:
        if score <= upper:
            return RiskLevel(level)
    return RiskLevel.CRITICAL


def _poisson(rng: random.Random, mean: float) -> int:
    """A small Poisson draw (Knuth), enough for monthly counts."""
    if mean <= 0:
        return 0
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def load_story(context: dict) -> None:
    """Demo step: each demo factory without inspections gets its 18 months (idempotent)."""
    users = _users()
    versions = {
        slug: checklist_services.get_version(slug)
        for slug in ("score-module5", "workplace-inspection")
    }
    if any(v is None for v in versions.values()):
        return  # the checklists are not loaded: nothing to inspect with
    progress = context.get("progress") or (lambda _n: None)
    story: dict = {}
    for index, factory in enumerate(context["factories"]):
        has_inspections = db.session.scalar(
            sa.select(sa.func.count(Inspection.id)).where(Inspection.factory_id == factory.id)
        )
        chapter = FactoryStory(index, factory, users, versions)
        if not has_inspections and chapter.inspectors:
            chapter.build()
            chapter.store_photos()
        chapter.kpis()
        if chapter.saw:
            story.update(chapter.saw)
        progress(1)
    if not story:  # loaded before: find the saw again for later steps (cases)
        story = _find_saw(context["factories"][0])
    context["saw_story"] = story
    db.session.flush()


def _find_saw(factory: Factory) -> dict:
    finding_id = db.session.scalar(
        sa.select(Finding.id).where(
            Finding.factory_id == factory.id,
            Finding.item_id == "mach-02",
            Finding.title.like("%横截锯%"),
        )
    )
    if finding_id is None:
        return {}
    ids = dict(
        db.session.execute(
            sa.select(Action.origin, Action.id).where(Action.finding_id == finding_id)
        ).all()
    )
    return {
        "finding_id": finding_id,
        "action_id": ids.get(ActionOrigin.SUGGESTION),
        "guard_action_id": ids.get(ActionOrigin.FINDING),
    }


def demo_photo_count() -> int:
    """How many photos the demo stored (for the CLI summary)."""
    return db.session.scalar(sa.select(sa.func.count(Photo.id))) or 0
