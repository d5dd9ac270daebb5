"""`demo generate`: a database at benchmark scale — factories with months of history.

Everything is inserted in bulk: rows are plain tuples/dicts built in Python with ids counted
up front, written with SQLAlchemy Core `insert()` executemany in chunks (one transaction per
chunk), and on PostgreSQL the answers go through COPY. No ORM object is made per row, so
2,000 factories × 24 months (≈ 48,000 inspections, ≈ 3.3 million answers, ≈ 110,000 actions)
take a few minutes. Scores are frozen with the same scoring module the submit service uses.

Generated people sign in with the demo password: inspectors `gen-inspector-<province>-<n>`
(one province each), one committee member per factory `gen-committee-<factory id>`.
"""

from __future__ import annotations

import io
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from .accounts.models import Role, User, user_regions
from .actions.models import ActionStatus
from .checklists import scoring
from .checklists import services as checklist_services
from .config import DEFAULT_RISK_BANDS
from .extensions import db, local_today, utcnow
from .factories import uscc
from .factories.cli import load_regions
from .factories.models import Region, RegionLevel, Sector
from .inspections import services as inspection_services

CHUNK = 5000  # rows per INSERT executemany, each in its own transaction
FACTORY_BATCH = 40  # factories built in memory before their rows are written
POOL_SIZE = 40  # distinct answer sets per checklist and quality level (see answer_set)
MAX_FACTORIES_PER_DISTRICT = 120  # above this, districts are added under the shipped cities

#: (checklist slug, inspection kind, number of inspectors, share of inspections)
CHECKLIST_MIX = (
    ("score-module5", "score_visit", 1, 0.55),
    ("workplace-inspection", "enforcement", 2, 0.45),
)

SECTOR_WORDS = {
    Sector.RUBBER_PLASTICS: ("橡塑制品", "Rubber & Plastics"),
    Sector.GARMENTS: ("制衣", "Garments"),
    Sector.TEXTILES: ("纺织", "Textiles"),
    Sector.MACHINERY: ("机械", "Machinery"),
    Sector.METAL_PRODUCTS: ("五金制品", "Metal Products"),
    Sector.ELECTRONICS: ("电子", "Electronics"),
    Sector.FOOD: ("食品", "Foods"),
    Sector.FURNITURE_WOOD: ("家具", "Furniture"),
    Sector.CHEMICALS: ("化工", "Chemicals"),
    Sector.BUILDING_MATERIALS: ("建材", "Building Materials"),
    Sector.AUTO_PARTS: ("汽车配件", "Auto Parts"),
}
SECTOR_WEIGHTS = (16, 14, 8, 14, 10, 10, 6, 6, 4, 4, 8)

BRANDS = (
    ("恒通", "Hengtong"), ("华彩", "Huacai"), ("锦绣", "Jinxiu"), ("锐工", "Ruigong"),
    ("宏达", "Hongda"), ("鑫源", "Xinyuan"), ("金鹏", "Jinpeng"), ("永盛", "Yongsheng"),
    ("联创", "Lianchuang"), ("瑞丰", "Ruifeng"), ("嘉盛", "Jiasheng"), ("新华", "Xinhua"),
    ("东方", "Dongfang"), ("天成", "Tiancheng"), ("立信", "Lixin"), ("富强", "Fuqiang"),
    ("长城", "Changcheng"), ("远大", "Yuanda"), ("光明", "Guangming"), ("博远", "Boyuan"),
    ("众诚", "Zhongcheng"), ("海德", "Haide"), ("力拓", "Lituo"), ("精工", "Jinggong"),
    ("汇丰", "Huifeng"), ("广信", "Guangxin"), ("安泰", "Antai"), ("德利", "Deli"),
    ("佳美", "Jiamei"), ("兴旺", "Xingwang"), ("和顺", "Heshun"), ("同创", "Tongchuang"),
)  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "强", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
         "超", "霞", "平", "刚", "桂英")  # fmt: skip
LOCATIONS = (
    "一车间", "二车间", "三车间", "注塑区", "冲压线", "装配线", "包装区", "原料仓库", "成品库",
    "化学品仓库", "配电房", "空压机房", "锅炉房", "裁剪车间", "缝纫车间", "喷涂线", "食堂",
    "宿舍楼", "厂区道路", "装卸平台",
)  # fmt: skip
EXTENSION_NOTES = ("配件到货延迟", "需停产检修时安装", "等待供应商报价", "施工队排期延后")
REJECT_NOTES = ("防护罩仍可徒手拆下", "整改后照片不清楚，请补拍", "标识尚未张贴", "只完成了一半")
VOID_NOTES = ("设备已报废拆除", "与另一项整改措施重复", "车间已搬迁")
CONTROL_TYPES = ("eliminate", "substitute", "engineering", "administrative", "ppe")
CONTROL_WEIGHTS = (8, 6, 40, 30, 16)


@dataclass
class Stats:
    """Rows written per table, and the time it took."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, table: str, n: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + n


@dataclass(frozen=True)
class _ChecklistPlan:
    version_id: int
    slug: str
    kind: str
    inspectors: int
    checklist: object  # the frozen Checklist
    items: tuple  # (item id, kind name, option values, first area, title, how)


class _Ids:
    """The next free id of each table, read once: rows get their ids before they are written."""

    def __init__(self, conn: sa.Connection, tables: Iterable[sa.Table]) -> None:
        self._next = {
            t.name: (conn.scalar(sa.select(sa.func.max(t.c.id))) or 0) + 1 for t in tables
        }
        conn.rollback()

    def take(self, table: str) -> int:
        value = self._next[table]
        self._next[table] = value + 1
        return value


def month_starts(today: date, months: int) -> list[date]:
    """The first days of the `months` months ending with today's month, oldest first."""
    year, month = today.year, today.month
    out = []
    for _ in range(months):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def _days_in_month(first: date) -> int:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (following - first).days


def _risk_level(score: int) -> str:
    for upper, level in DEFAULT_RISK_BANDS:
        if score <= upper:
            return level
    return "critical"


def _clause(text: str, limit: int = 60) -> str:
    """The first clause of a checklist sentence, short enough for a title."""
    for stop in ("，", "。", "；", "、"):
        head = text.split(stop, 1)[0]
        if 6 <= len(head) < len(text):
            text = head
            break
    return text[:limit]


# ---------------------------------------------------------------- setup (ORM, small)


def _answer_values(item) -> tuple[str, ...]:
    """The item's answer values; for yes/no: (the good answer, the problem answer, N/A)."""
    values = tuple(option[0] for option in item.answer_kind.options())
    if item.answers.kind == "yes_no":
        problem = item.answers.problem
        return ("no" if problem == "yes" else "yes", problem, *values[2:])
    return values


def _checklist_plans() -> list[tuple[_ChecklistPlan, float]]:
    checklist_services.load_files()
    plans = []
    for slug, kind, inspectors, share in CHECKLIST_MIX:
        version = checklist_services.get_version(slug)
        if version is None:
            raise click.ClickException(f"The checklist {slug} is missing from checklists/.")
        checklist = checklist_services.definition_of(version)
        items = tuple(
            (
                item.id,
                item.answers.kind,
                _answer_values(item),
                item.areas[0],
                _clause(item.text.zh),
                (item.how or item.text).zh,
                # Findings on a decisive item are major, rated at least at its risk floor.
                (inspection_services.floor_rating(item.risk_floor) if item.risk_floor else (1, 1))
                if inspection_services.is_decisive_item(item)
                else None,
            )
            for item in checklist.items()
        )
        plans.append((_ChecklistPlan(version.id, slug, kind, inspectors, checklist, items), share))
    return plans


def _districts(conn: sa.Connection, ids: _Ids, factories: int, stats: Stats) -> list[dict]:
    """Leaf regions below province level; more are added when factories would crowd them."""
    regions = [dict(r._mapping) for r in conn.execute(sa.select(Region.__table__))]
    conn.rollback()  # end the read: writes below run one transaction per chunk
    parents = {r["parent_id"] for r in regions if r["parent_id"]}
    leaves = [r for r in regions if r["id"] not in parents and r["level"] != "province"]
    cities = [r for r in regions if r["level"] == "city"]
    needed = -(-factories // MAX_FACTORIES_PER_DISTRICT) - len(leaves)
    codes = {r["code"] for r in regions}
    new_rows = []
    serial = 0
    while needed > 0 and cities:
        city = cities[serial % len(cities)]
        serial += 1
        code = f"{city['code'][:4]}{70 + serial // len(cities):02d}"
        if code in codes or serial // len(cities) > 29:
            if serial > 30 * len(cities):
                break
            continue
        codes.add(code)
        n = serial // len(cities) + 1
        name_zh, name_en = f"第{n}开发区", f"Development Zone {n}"
        row = {
            "id": ids.take("regions"),
            "code": code,
            "name_zh": name_zh,
            "name_en": name_en,
            "level": RegionLevel.DISTRICT.value,
            "parent_id": city["id"],
            "path": f"{city['path']}{code}/",
            "full_name_zh": city["full_name_zh"] + name_zh,
            "full_name_en": f"{name_en}, {city['full_name_en']}",
        }
        new_rows.append(row)
        needed -= 1
    if new_rows:
        with conn.begin():
            conn.execute(Region.__table__.insert(), new_rows)
        stats.add("regions", len(new_rows))
    districts = [*leaves, *new_rows]
    for row in districts:
        row["province_path"] = "/" + row["path"].strip("/").split("/")[0] + "/"
    return districts


def _demo_images(count: int = 4) -> list[dict]:
    """A handful of small generated photos, ingested and stored once; many rows share them."""
    from PIL import Image, ImageDraw

    from .photos.ingest import ingest
    from .photos.services import store_photo_files

    palette = ((180, 70, 50), (60, 120, 170), (90, 150, 80), (200, 160, 40), (120, 90, 160))
    images = []
    for n in range(count * 2):
        kind = "before" if n < count else "after"
        colour = palette[n % len(palette)]
        im = Image.new("RGB", (1200, 900), colour)
        draw = ImageDraw.Draw(im)
        for k in range(6):
            x, y = 80 + k * 170, 120 + (k % 3) * 220
            draw.rectangle((x, y, x + 140, y + 360), outline=(255, 255, 255), width=8)
        if kind == "after":
            draw.rectangle((40, 40, 1160, 860), outline=(40, 200, 80), width=24)
        else:
            draw.line((60, 840, 1140, 60), fill=(230, 30, 30), width=24)
        buffer = io.BytesIO()
        im.save(buffer, "JPEG", quality=80)
        photo = ingest(buffer.getvalue())
        web_key, thumb_key = store_photo_files(photo.web, photo.thumb)
        images.append(
            {
                "kind": kind,
                "web_key": web_key,
                "thumb_key": thumb_key,
                "width": photo.width,
                "height": photo.height,
                "web_width": photo.web_width,
                "web_height": photo.web_height,
                "sha256": photo.sha256,
                "size_bytes": photo.size_bytes,
                "source_format": photo.source_format,
            }
        )
    return images


# ---------------------------------------------------------------- writing


ANSWER_COLUMNS = (
    "id",
    "inspection_id",
    "item_id",
    "value",
    "note",
    "answered_by_id",
    "answered_at",
    "saved_at",
)


class _Writer:
    """Buffers rows per table and writes them in foreign-key order, CHUNK rows per transaction."""

    ORDER = (
        "factories",
        "users",
        "user_regions",
        "inspections",
        "inspection_inspectors",
        "inspection_committee",
        "answers",
        "findings",
        "actions",
        "action_events",
        "photos",
        "kpi_records",
    )

    def __init__(self, conn: sa.Connection, stats: Stats) -> None:
        self.conn = conn
        self.stats = stats
        self.tables = {t.name: t for t in db.metadata.sorted_tables}
        self.rows: dict[str, list] = {name: [] for name in self.ORDER}
        self.postgres = conn.dialect.name == "postgresql"

    def add(self, table: str, row) -> None:
        self.rows[table].append(row)

    def flush(self) -> None:
        for name in self.ORDER:
            rows = self.rows[name]
            if not rows:
                continue
            if name == "answers":
                self._write_answers(rows)
            else:
                table = self.tables[name]
                for start in range(0, len(rows), CHUNK):
                    with self.conn.begin():
                        self.conn.execute(table.insert(), rows[start : start + CHUNK])
            self.stats.add(name, len(rows))
            self.rows[name] = []

    def stamp(self, value: datetime):
        """A timestamp as the driver takes it for the answers fast path: SQLAlchemy's SQLite
        text format, or the datetime itself for psycopg."""
        return value if self.postgres else value.isoformat(" ", "microseconds")

    def _write_answers(self, rows: list[tuple]) -> None:
        """Answers are most of the rows: tuples with their JSON already encoded, sent by COPY
        on PostgreSQL and by the driver's executemany on SQLite (no per-row type handling)."""
        columns = ", ".join(ANSWER_COLUMNS)
        if self.postgres:
            raw = self.conn.connection.driver_connection
            for start in range(0, len(rows), CHUNK * 10):
                with (
                    self.conn.begin(),
                    raw.cursor() as cursor,
                    cursor.copy(f"COPY answers ({columns}) FROM STDIN") as copy,
                ):
                    for row in rows[start : start + CHUNK * 10]:
                        copy.write_row(row)
            return
        marks = ", ".join("?" * len(ANSWER_COLUMNS))
        sql = f"INSERT INTO answers ({columns}) VALUES ({marks})"  # noqa: S608  # nosec B608  # constants
        for start in range(0, len(rows), CHUNK):
            with self.conn.begin():
                self.conn.exec_driver_sql(sql, rows[start : start + CHUNK])


# ---------------------------------------------------------------- one factory's history


class _Generator:
    def __init__(
        self,
        *,
        rng: random.Random,
        ids: _Ids,
        writer: _Writer,
        plans: list[tuple[_ChecklistPlan, float]],
        inspectors: dict[str, list[int]],
        images: list[dict],
        months: list[date],
        today: date,
        now: datetime,
    ) -> None:
        self.rng = rng
        self.ids = ids
        self.w = writer
        self.plans = [plan for plan, _share in plans]
        self.shares = [share for _plan, share in plans]
        self.inspectors = inspectors
        self.before_images = [i for i in images if i["kind"] == "before"]
        self.after_images = [i for i in images if i["kind"] == "after"]
        self.months = months
        self.today = today
        self.now = now
        self.password_hash = ""  # nosec B105  # filled in later with a real hash
        self.uncovered: list[ActionStatus] = []
        self.pools: dict[tuple[str, int], list] = {}

    # -- people and places

    def factory(self, district: dict) -> tuple[int, int, list[int], int]:
        """Write a factory and its committee member; return (id, headcount, inspectors, user)."""
        rng = self.rng
        factory_id = self.ids.take("factories")
        sector = rng.choices(list(SECTOR_WORDS), SECTOR_WEIGHTS)[0]
        brand_zh, brand_en = rng.choice(BRANDS)
        sector_zh, sector_en = SECTOR_WORDS[sector]
        place_zh = district["name_zh"].removesuffix("区").removesuffix("市").removesuffix("县")
        place_en = district["name_en"].replace(" District", "").replace(" County", "")
        org = "".join(rng.choice(uscc.ALPHABET) for _ in range(2)) + _base31(factory_id, 7)
        women, men = rng.randint(5, 300), rng.randint(10, 400)
        self.w.add(
            "factories",
            {
                "id": factory_id,
                "name_zh": f"{place_zh}{brand_zh}{sector_zh}有限公司",
                "name_en": f"{place_en} {brand_en} {sector_en} Co., Ltd.",
                "uscc": uscc.complete(f"91{district['code']}{org}"),
                "region_id": district["id"],
                "sector": sector.value,
                "address": f"{district['full_name_zh']}工业园{rng.randint(1, 200)}号",
                "latitude": None,
                "longitude": None,
                "headcount_women": women,
                "headcount_men": men,
                "score_batch": f"{self.months[0].year}-{district['code'][:2]}-{rng.randint(1, 9)}",
                "score_modules": rng.choice(("1,2,5", "1,5", "1,2,3,4,5", "")),
                "created_at": self.now,
                "updated_at": self.now,
                "version": 1,
            },
        )
        user_id = self.ids.take("users")
        self.w.add(
            "users",
            {
                "id": user_id,
                "username": f"gen-committee-{factory_id}",
                "display_name": f"{_person(rng)} (安全委员会)",
                "password_hash": self.password_hash,
                "role": Role.COMMITTEE.value,
                "factory_id": factory_id,
                "locale": None,
                "active": True,
                "created_at": self.now,
                "last_login_at": None,
            },
        )
        return factory_id, women + men, self.inspectors[district["province_path"]], user_id

    # -- history

    def history(self, factory_id: int, headcount: int, inspectors: list[int], member: int):
        rng = self.rng
        # Each factory's first actions take every status in turn, so that every board has every
        # column even with little history; the rest follow the age-based mix.
        self.uncovered = list(ActionStatus)
        quality = rng.uniform(0.45, 0.85)  # share of items already fine at the first visit
        gain = rng.uniform(0.0, 0.3) / max(1, len(self.months))  # improvement per month
        for index, first in enumerate(self.months):
            good = min(0.97, quality + gain * index)
            self.inspection(factory_id, first, good, inspectors, member)
            if first < self.today.replace(day=1):
                self.kpis(factory_id, first, headcount, index, member)
            for _ in range(_poisson(rng, 0.3)):
                self.suggestion(factory_id, first, member, inspectors)

    def inspection(self, factory_id, first: date, good: float, inspectors, member) -> None:
        rng = self.rng
        plan = rng.choices(self.plans, self.shares)[0]
        current = first.year == self.today.year and first.month == self.today.month
        last_day = self.today.day if current else _days_in_month(first)
        day = first.replace(day=rng.randint(1, last_day))
        started = datetime(day.year, day.month, day.day, 0, 30) + timedelta(
            minutes=rng.randint(0, 420)
        )
        started = min(started, self.now - timedelta(minutes=5))
        draft = current and rng.random() < 0.5
        people = rng.sample(inspectors, min(plan.inspectors, len(inspectors)))
        lead = people[0]
        inspection_id = self.ids.take("inspections")
        values, bad, frozen = self.answer_set(plan, good)
        at = started
        take = self.ids.take
        add = self.w.add
        stamp = self.w.stamp
        for (item_id, *_rest), value in zip(plan.items, values, strict=True):
            at += timedelta(seconds=rng.randint(5, 90))
            when = stamp(at)
            add("answers", (take("answers"), inspection_id, item_id, value, "", lead, when, when))
        finished = min(at + timedelta(minutes=20), self.now - timedelta(minutes=1))
        scores = None if draft else frozen
        self.w.add(
            "inspections",
            {
                "id": inspection_id,
                "factory_id": factory_id,
                "checklist_version_id": plan.version_id,
                "kind": plan.kind,
                "status": "draft" if draft else "submitted",
                "inspected_on": day,
                "good_points": "" if draft else rng.choice(_GOOD_POINTS),
                "created_by_id": lead,
                "created_at": started,
                "updated_at": finished,
                "submitted_at": None if draft else finished,
                "submitted_by_id": None if draft else lead,
                "scores": scores,
                "version": 1,
            },
        )
        for user_id in people:
            self.w.add(
                "inspection_inspectors", {"inspection_id": inspection_id, "user_id": user_id}
            )
        if plan.kind == "score_visit":
            self.w.add("inspection_committee", {"inspection_id": inspection_id, "user_id": member})
        count = min(len(bad), rng.choice((1, 2, 2, 3, 3, 3, 4)))
        for item in rng.sample(bad, count):
            self.finding(factory_id, inspection_id, item, lead, finished, draft, member, people)

    def answer_set(self, plan: _ChecklistPlan, good: float) -> tuple[tuple, list, dict]:
        """Answers to every item for a factory at this level, the items needing action, and
        the scores the submit service would freeze.

        Scoring is most of the cost of a generated inspection, so answer sets come from a pool
        (POOL_SIZE per checklist and level of 5 %), each scored once with the scoring module.
        """
        level = min(19, int(good * 20))
        pool = self.pools.setdefault((plan.slug, level), [])
        index = self.rng.randrange(POOL_SIZE)
        if index < len(pool):
            return pool[index]
        rng = random.Random(self.rng.random())
        good = (level + 0.5) / 20
        answers: dict[str, object] = {}
        bad: list[tuple] = []
        for item in plan.items:
            item_id, kind, options, _area, _title, _how, _floor = item
            if kind == "propose_action":
                if rng.random() < good:
                    value = "no"
                else:
                    value = "priority" if rng.random() < 0.3 else "yes"
                    bad.append(item)
            elif kind == "compliance":
                roll = rng.random()
                if roll < 0.06:
                    value = "not_applicable"
                elif roll < 0.06 + good * 0.94:
                    value = "compliant"
                else:
                    value = "not_compliant"
                    bad.append(item)
            elif kind == "yes_no":
                roll = rng.random()
                if roll < 0.06 and len(options) > 2:
                    value = options[2]
                elif roll < 0.06 + good * 0.94:
                    value = options[0]
                else:
                    value = options[1]
                    bad.append(item)
            elif kind == "number":
                value = rng.randint(0, 50)
            else:
                value = rng.choice(options) if options else "—"
            answers[item_id] = value
        checklist = plan.checklist
        scores = {
            **scoring.score(checklist, answers).to_dict(),
            "areas": {
                area: tally.to_dict()
                for area, tally in scoring.score_by_area(checklist, answers).items()
            },
        }
        entry = (tuple(json.dumps(v) for v in answers.values()), bad, scores)
        pool.append(entry)
        return entry

    def finding(self, factory_id, inspection_id, item, by, at: datetime, draft, member, people):
        rng = self.rng
        item_id, _kind, _options, area, title, how, floor = item
        finding_id = self.ids.take("findings")
        likelihood, severity = rng.randint(1, 5), rng.randint(1, 5)
        if floor and likelihood * severity < floor[0] * floor[1]:
            likelihood, severity = floor
        risk = likelihood * severity
        major = bool(floor) or (risk >= 16 and rng.random() < 0.5)
        fixed = rng.random() < 0.1
        row = {
            "id": finding_id,
            "inspection_id": inspection_id,
            "factory_id": factory_id,
            "item_id": item_id,
            "area": area,
            "title": f"待改进：{title}"[:200],
            "description": f"现场检查发现：{title}。",
            "location": rng.choice(LOCATIONS),
            "source": rng.choices(("unsafe_condition", "unsafe_act", "management"), (70, 15, 15))[
                0
            ],
            "grade": "major" if major else "general",
            "likelihood": likelihood,
            "severity": severity,
            "risk_score": risk,
            "risk_level": _risk_level(risk),
            "fixed_on_spot": fixed,
            "closed_at": at if fixed else None,
            "client_digest": None,
            "created_by_id": by,
            "created_at": at,
            "updated_at": at,
            "version": 1,
        }
        self.w.add("findings", row)
        self.photo("before", factory_id, by, at, finding_id=finding_id)
        if rng.random() < 0.3:
            self.photo("before", factory_id, by, at, finding_id=finding_id)
        if draft or fixed:
            return
        action = self.action(
            factory_id,
            finding_id=finding_id,
            title=title,
            description=how,
            created=at + timedelta(hours=rng.randint(1, 48)),
            proposed_by=by,
            member=member,
            verifier=rng.choice(people),
            major=major,
        )
        if action["status"] == "verified":
            row["closed_at"] = action["verified_at"]
            row["updated_at"] = action["verified_at"]

    def suggestion(self, factory_id, first: date, member, inspectors) -> None:
        rng = self.rng
        last = _days_in_month(first)
        if first.year == self.today.year and first.month == self.today.month:
            last = self.today.day
        day = first.replace(day=rng.randint(1, last))
        created = min(
            datetime(day.year, day.month, day.day, 2) + timedelta(minutes=rng.randint(0, 480)),
            self.now - timedelta(minutes=10),
        )
        plan = rng.choice(self.plans)
        _item_id, _kind, _options, _area, title, how, _floor = rng.choice(plan.items)
        self.action(
            factory_id,
            finding_id=None,
            title=f"职工建议：{title}",
            description=how,
            created=created,
            proposed_by=member,
            member=member,
            verifier=rng.choice(inspectors),
            major=False,
        )

    def action(self, factory_id, *, finding_id, title, description, created: datetime,
               proposed_by, member, verifier, major) -> dict:  # fmt: skip
        rng = self.rng
        created = min(created, self.now - timedelta(minutes=5))
        action_id = self.ids.take("actions")
        age = (self.now - created).days
        status = self._status(age, suggestion=finding_id is None)
        path = _PATHS[status]
        if status == "verified" and rng.random() < 0.1:
            path = _REWORKED
        # Event times: spread over the time since creation (at most ~10 days a step).
        span = min((self.now - created).total_seconds() * 0.9, len(path) * 10 * 86400)
        offsets = sorted(rng.random() * span for _ in path[1:])
        times = [created] + [created + timedelta(seconds=s) for s in offsets]
        due = created.date() + timedelta(days=15 if major else 30)
        events = []
        previous = None
        done_at = verified_at = closed_at = None
        for step, at in zip(path, times, strict=True):
            note = ""
            if step == "rejected":
                note = rng.choice(REJECT_NOTES)
            elif step == "void":
                note = rng.choice(VOID_NOTES)
            by = verifier if step in ("verified", "rejected") else member
            if step == path[0]:
                by = proposed_by
            events.append(
                {
                    "id": 0,
                    "action_id": action_id,
                    "kind": "created" if previous is None else "status",
                    "at": at,
                    "by_id": by,
                    "from_status": previous,
                    "to_status": step,
                    "old_due_on": None,
                    "new_due_on": None,
                    "note": note,
                }
            )
            if step == "done":
                done_at = at
            elif step == "verified":
                verified_at = closed_at = at
            elif step == "void":
                closed_at = at
            previous = step
        if len(times) > 1 and rng.random() < 0.12:  # a due-date extension, with its reason
            at = times[1] + (times[-1] - times[1]) / 2
            new_due = due + timedelta(days=rng.choice((7, 14, 30)))
            events.append(
                {
                    "id": 0,
                    "action_id": action_id,
                    "kind": "due_date",
                    "at": at,
                    "by_id": member,
                    "from_status": None,
                    "to_status": None,
                    "old_due_on": due,
                    "new_due_on": new_due,
                    "note": rng.choice(EXTENSION_NOTES),
                }
            )
            due = new_due
        events.sort(key=lambda e: e["at"])
        for event in events:  # ids in timeline order, as the service would have made them
            event["id"] = self.ids.take("action_events")
            self.w.add("action_events", event)
        estimated = Decimal(rng.choice((200, 500, 800, 1500, 3000, 8000, 20000)))
        row = {
            "id": action_id,
            "factory_id": factory_id,
            "finding_id": finding_id,
            "origin": "finding" if finding_id else "suggestion",
            "title": title[:200],
            "description": description,
            "done_description": "已按要求完成整改并拍照留存。" if done_at else "",
            "control_type": rng.choices(CONTROL_TYPES, CONTROL_WEIGHTS)[0],
            "responsible": _person(rng),
            "due_on": due,
            "status": status,
            "estimated_cost": estimated,
            "actual_cost": (estimated * Decimal(rng.choice((0.6, 0.9, 1, 1.2)))).quantize(
                Decimal("0.01")
            )
            if done_at
            else None,
            "proposed_by_id": proposed_by,
            "created_at": created,
            "updated_at": times[-1],
            "done_at": done_at,
            "verified_at": verified_at,
            "verified_by_id": verifier if verified_at else None,
            "closed_at": closed_at,
            "version": len(path),
        }
        self.w.add("actions", row)
        if done_at:
            self.photo("after", factory_id, member, done_at, action_id=action_id)
        if verified_at and rng.random() < 0.3:
            self.photo("verification", factory_id, verifier, verified_at, action_id=action_id)
        return row

    def _status(self, age_days: int, *, suggestion: bool) -> str:
        if self.uncovered:
            return self.uncovered.pop(0).value
        rng = self.rng
        if age_days > 90:
            weights = _OLD
        elif age_days > 30:
            weights = _MIDDLE
        else:
            weights = _RECENT
        status = rng.choices(_STATUSES, weights)[0]
        if status == "proposed" and not suggestion:
            status = "open"
        return status

    def photo(self, kind: str, factory_id: int, by: int, at: datetime, **owner) -> None:
        image = self.rng.choice(self.after_images if kind != "before" else self.before_images)
        self.w.add(
            "photos",
            {
                "id": self.ids.take("photos"),
                "kind": kind,
                "factory_id": factory_id,
                "finding_id": owner.get("finding_id"),
                "action_id": owner.get("action_id"),
                "case_id": None,
                "source_photo_id": None,
                "web_key": image["web_key"],
                "thumb_key": image["thumb_key"],
                "width": image["width"],
                "height": image["height"],
                "web_width": image["web_width"],
                "web_height": image["web_height"],
                "taken_at": at,
                "sha256": image["sha256"],
                "size_bytes": image["size_bytes"],
                "source_format": image["source_format"],
                "caption": "",
                "client_id": None,
                "uploaded_by_id": by,
                "created_at": at,
            },
        )

    def kpis(self, factory_id, first: date, headcount: int, index: int, member) -> None:
        rng = self.rng
        people = max(10, headcount + rng.randint(-10, 10))
        accidents = _poisson(rng, people / 400)
        lti = min(accidents, _poisson(rng, people / 900))
        made = _poisson(rng, 1 + index * 0.15)
        self.w.add(
            "kpi_records",
            {
                "id": self.ids.take("kpi_records"),
                "factory_id": factory_id,
                "month": first,
                "accidents": accidents,
                "lost_time_injuries": lti,
                "days_lost": sum(rng.randint(1, 30) for _ in range(lti)),
                "near_misses": _poisson(rng, 0.5 + index * 0.2),
                "first_aid_cases": _poisson(rng, people / 150),
                "suggestions_made": made,
                "suggestions_implemented": min(made, _poisson(rng, made * 0.6)),
                "headcount": people,
                "entered_by_id": member,
                "updated_at": datetime(first.year, first.month, 1) + timedelta(days=33),
                "version": 1,
            },
        )


_GOOD_POINTS = (
    "主要通道畅通，物料定置摆放。",
    "员工正确佩戴听力防护用品。",
    "配电箱已上锁并张贴警示标识。",
    "安全委员会每月召开会议并有记录。",
    "化学品仓库通风良好，安全技术说明书齐全。",
)
_STATUSES = ("proposed", "open", "in_progress", "done", "verified", "rejected", "void")
_OLD = (0, 3, 4, 3, 84, 1, 5)
_MIDDLE = (2, 8, 18, 14, 50, 4, 4)
_RECENT = (10, 30, 28, 14, 8, 5, 5)
_PATHS = {
    "proposed": ("proposed",),
    "open": ("open",),
    "in_progress": ("open", "in_progress"),
    "done": ("open", "in_progress", "done"),
    "verified": ("open", "in_progress", "done", "verified"),
    "rejected": ("open", "in_progress", "done", "rejected"),
    "void": ("open", "void"),
}
_REWORKED = ("open", "in_progress", "done", "rejected", "in_progress", "done", "verified")


def _base31(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rest = divmod(number, 31)
        digits.append(uscc.ALPHABET[rest])
    return "".join(reversed(digits))


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _poisson(rng: random.Random, mean: float) -> int:
    """A small Poisson draw (Knuth), enough for monthly counts."""
    import math

    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


# ---------------------------------------------------------------- the whole run


def _inspectors(conn: sa.Connection, ids: _Ids, districts, password_hash, now, stats) -> dict:
    """Inspectors per province (about one per 60 factories, at least two), made if missing."""
    users = User.__table__
    provinces = sorted({d["province_path"] for d in districts})
    code_of = {p: p.strip("/") for p in provinces}
    region_ids = dict(
        conn.execute(sa.select(Region.path, Region.id).where(Region.path.in_(provinces))).all()
    )
    wanted_per_province = {p: 2 for p in provinces}
    existing = dict(
        conn.execute(
            sa.select(User.username, User.id).where(User.username.like("gen-inspector-%"))
        ).all()
    )
    conn.rollback()
    out: dict[str, list[int]] = {}
    new_users, new_links = [], []
    for province in provinces:
        out[province] = []
        for n in range(1, wanted_per_province[province] + 1):
            username = f"gen-inspector-{code_of[province]}-{n}"
            if username in existing:
                out[province].append(existing[username])
                continue
            user_id = ids.take("users")
            new_users.append(
                {
                    "id": user_id,
                    "username": username,
                    "display_name": f"{_person(random.Random(username))} (检查员)",
                    "password_hash": password_hash,
                    "role": Role.INSPECTOR.value,
                    "factory_id": None,
                    "locale": None,
                    "active": True,
                    "created_at": now,
                    "last_login_at": None,
                }
            )
            new_links.append({"user_id": user_id, "region_id": region_ids[province]})
            out[province].append(user_id)
    if new_users:
        with conn.begin():
            conn.execute(users.insert(), new_users)
            conn.execute(user_regions.insert(), new_links)
        stats.add("users", len(new_users))
        stats.add("user_regions", len(new_links))
    return out


def _bulk_settings(conn: sa.Connection, on: bool) -> None:
    """Trade durability for speed while generating (a crash loses only generated rows)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET synchronous_commit = {'off' if on else 'on'}")
        conn.commit()
        return
    if conn.dialect.name != "sqlite":
        return
    driver = conn.connection.driver_connection
    if on:
        driver.execute("PRAGMA synchronous=OFF")
        driver.execute("PRAGMA cache_size=-200000")
        driver.execute("PRAGMA temp_store=MEMORY")
    else:
        driver.execute("PRAGMA synchronous=NORMAL")
        driver.execute("PRAGMA cache_size=-2000")
        driver.execute("PRAGMA temp_store=DEFAULT")


def _fix_sequences(conn: sa.Connection, tables: Iterable[str]) -> None:
    """PostgreSQL: move each id sequence past the ids we chose ourselves."""
    if conn.dialect.name != "postgresql":
        return
    with conn.begin():
        for name in tables:
            conn.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608  # nosec B608  # our table names
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
                )
            )
        conn.execute(sa.text("ANALYZE"))


def generate(
    *,
    factories: int,
    months: int,
    seed: int = 2026,
    progress: Callable[[int], None] | None = None,
) -> Stats:
    """Add `factories` factories with `months` months of history each; return row counts."""
    from .demo import DEMO_PASSWORD

    started = time.perf_counter()
    stats = Stats()
    rng = random.Random(seed)
    load_regions()
    plans = _checklist_plans()
    images = _demo_images()
    db.session.commit()
    today, now = local_today(), utcnow()
    password_hash = _password_hash(DEMO_PASSWORD)
    id_tables = [
        t
        for t in db.metadata.sorted_tables
        if t.name in (*_Writer.ORDER, "regions") and "id" in t.c
    ]
    with db.engine.connect() as conn:
        _bulk_settings(conn, True)
        try:
            ids = _Ids(conn, id_tables)
            districts = _districts(conn, ids, factories, stats)
            if not districts:
                raise click.ClickException("No regions to put factories in: run `regions load`.")
            inspectors = _inspectors(conn, ids, districts, password_hash, now, stats)
            writer = _Writer(conn, stats)
            gen = _Generator(
                rng=rng,
                ids=ids,
                writer=writer,
                plans=plans,
                inspectors=inspectors,
                images=images,
                months=month_starts(today, months),
                today=today,
                now=now,
            )
            gen.password_hash = password_hash
            done = 0
            while done < factories:
                batch = min(FACTORY_BATCH, factories - done)
                for n in range(batch):
                    district = districts[(done + n) % len(districts)]
                    factory_id, headcount, people, member = gen.factory(district)
                    gen.history(factory_id, headcount, people, member)
                writer.flush()
                done += batch
                if progress:
                    progress(batch)
            _fix_sequences(conn, [t.name for t in id_tables])
        finally:
            _bulk_settings(conn, False)
    stats.seconds = time.perf_counter() - started
    return stats


def _password_hash(password: str) -> str:
    """One scrypt hash shared by every generated user (hashing per user would take minutes)."""
    from flask import current_app
    from werkzeug.security import generate_password_hash

    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


@click.command("generate")
@click.option("--factories", type=click.IntRange(1), default=2000, show_default=True)
@click.option("--months", type=click.IntRange(1, 240), default=24, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True, help="Same seed, same data.")
@with_appcontext
def generate_command(factories: int, months: int, seed: int) -> None:
    """Add generated factories with MONTHS of inspections, findings, actions and KPIs each."""
    with click.progressbar(length=factories, label="Generating factories") as bar:
        stats = generate(factories=factories, months=months, seed=seed, progress=bar.update)
    width = max(len(name) for name in stats.rows)
    for name, count in stats.rows.items():
        click.echo(f"  {name:<{width}} {count:>10,}")
    click.echo(f"Done in {stats.seconds:.1f} s. Generated users sign in with the demo password.")
