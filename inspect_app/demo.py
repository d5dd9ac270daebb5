"""Demo data: `flask demo load` (idempotent) — regions, factories, one user per role, and
whatever each feature adds to the story (checklists, inspections, actions, KPIs, cases)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from . import demo_pictures, demo_story
from .accounts import services as account_services
from .accounts.models import Role, User
from .cases import demo as cases_demo
from .checklists import services as checklist_services
from .demo_generate import generate_command
from .extensions import db
from .factories import uscc
from .factories.cli import load_regions
from .factories.models import Factory, Region, Sector

demo_cli = AppGroup("demo", help="Demo data.")
demo_cli.add_command(generate_command)  # `demo generate`: benchmark-scale data

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105  # nosec B105  # printed by `demo load`, demo only

# (uscc first 17, name_zh, name_en, region code, sector, women, men, address)
FACTORIES = [
    (
        "91500112MA5U7K2P4",
        "重庆渝北精密橡塑制品有限公司",
        "Chongqing Yubei Precision Rubber & Plastics Co., Ltd.",
        "500112",
        Sector.RUBBER_PLASTICS,
        86,
        124,
        "重庆市渝北区双凤桥街道工业园 18 号",
    ),
    (
        "91500113MA60L3QW1",
        "重庆巴南恒通塑胶有限公司",
        "Chongqing Banan Hengtong Plastics Co., Ltd.",
        "500113",
        Sector.RUBBER_PLASTICS,
        45,
        70,
        "重庆市巴南区界石镇桂花村 3 号",
    ),
    (
        "91441900MA4UJ8R63",
        "东莞华彩制衣有限公司",
        "Dongguan Huacai Garments Co., Ltd.",
        "441900",
        Sector.GARMENTS,
        310,
        58,
        "广东省东莞市虎门镇龙眼工业区 6 栋",
    ),
    (
        "91440306MA5F2N7X8",
        "深圳宝安锦绣服饰有限公司",
        "Shenzhen Bao'an Jinxiu Apparel Co., Ltd.",
        "440306",
        Sector.GARMENTS,
        190,
        40,
        "广东省深圳市宝安区沙井街道新桥工业园 B 区",
    ),
    (
        "91510112MA6CK9T25",
        "成都龙泉驿锐工机械有限公司",
        "Chengdu Longquanyi Ruigong Machinery Co., Ltd.",
        "510112",
        Sector.MACHINERY,
        22,
        146,
        "四川省成都市龙泉驿区经开区南四路 99 号",
    ),
    (
        "91510603MA62Q5H47",
        "德阳旌阳重装配件有限公司",
        "Deyang Jingyang Heavy Equipment Parts Co., Ltd.",
        "510603",
        Sector.MACHINERY,
        18,
        212,
        "四川省德阳市旌阳区天元镇工业集中区",
    ),
]

USERS = [
    # username, role, display name, regions, factory index
    ("admin", Role.ADMIN, "系统管理员 Admin", [], None),
    ("inspector", Role.INSPECTOR, "王建国 Wang Jianguo", ["500000", "510000"], None),
    ("inspector2", Role.INSPECTOR, "李秀英 Li Xiuying", ["500000", "510000"], None),
    ("inspector-gd", Role.INSPECTOR, "陈志强 Chen Zhiqiang", ["440000"], None),
    ("committee", Role.COMMITTEE, "张丽 Zhang Li (安全委员会)", [], 0),
    ("committee-gd", Role.COMMITTEE, "黄梅 Huang Mei (安全委员会)", [], 2),
    ("trainer", Role.TRAINER, "刘老师 Liu Laoshi", [], None),
    # The other factories' committees and a second Guangdong inspector (inspections in pairs).
    ("inspector-gd2", Role.INSPECTOR, "赵敏 Zhao Min", ["440000"], None),
    ("committee-banan", Role.COMMITTEE, "吴芳 Wu Fang (安全委员会)", [], 1),
    ("committee-sz", Role.COMMITTEE, "郑洁 Zheng Jie (安全委员会)", [], 3),
    ("committee-cd", Role.COMMITTEE, "马骏 Ma Jun (安全委员会)", [], 4),
    ("committee-dy", Role.COMMITTEE, "杨涛 Yang Tao (安全委员会)", [], 5),
]


def load_factories() -> list[Factory]:
    """Create the demo factories once; return them in FACTORIES order."""
    regions = {r.code: r for r in db.session.scalars(sa.select(Region))}
    factories = []
    for first17, zh, en, region_code, sector, women, men, address in FACTORIES:
        code = uscc.complete(first17)
        factory = db.session.scalar(sa.select(Factory).where(Factory.uscc == code))
        if factory is None:
            factory = Factory(
                uscc=code,
                name_zh=zh,
                name_en=en,
                region_id=regions[region_code].id,
                sector=sector,
                headcount_women=women,
                headcount_men=men,
                address=address,
                score_batch="2025-CQ-03" if region_code.startswith("50") else "2025-GD-01",
                score_modules="1,2,5",
            )
            db.session.add(factory)
            db.session.flush()
        factories.append(factory)
    return factories


def load_users(factories: list[Factory]) -> list[tuple[str, Role]]:
    """Create one demo user per role (and a few more) once."""
    created = []
    for username, role, name, region_codes, factory_index in USERS:
        if db.session.scalar(sa.select(User.id).where(User.username == username)):
            continue
        account_services.create_user(
            username=username,
            role=role,
            password=DEMO_PASSWORD,
            display_name=name,
            factory=factories[factory_index] if factory_index is not None else None,
            region_names=region_codes,
        )
        created.append((username, role))
    return created


#: Later features append callables taking the demo context dict (factories, checklists,
#: progress…). The first step writes 18 months of inspections, actions and KPIs, and leaves
#: the ids of the cross-cut saw story in context["saw_story"].
EXTRA_STEPS: list = [demo_story.load_story]
EXTRA_STEPS.append(cases_demo.load_demo_cases)  # after the story: its best actions as cases


#: Issuing authorities of the demo regions, and the demo inspectors' certificate numbers.
AUTHORITIES = [
    ("500112", "重庆市渝北区应急管理局", "渝北应急"),
    ("500113", "重庆市巴南区应急管理局", "巴南应急"),
    ("441900", "东莞市应急管理局", "东莞应急"),
]
CERTIFICATES = {"inspector": "50011220180031", "inspector2": "50011220190107"}


def load_authorities(context: dict) -> None:
    """Name the demo regions' issuing authorities; give the demo inspectors certificates."""
    from .documents import services as document_services

    regions = {r.code: r for r in db.session.scalars(sa.select(Region))}
    for code, name, prefix in AUTHORITIES:
        document_services.set_authority(regions[code], name=name, prefix=prefix)
    for username, number in CERTIFICATES.items():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is not None and not user.certificate_number:
            user.certificate_number = number


EXTRA_STEPS.insert(0, load_authorities)


def load_demo(progress=None) -> dict:
    """Load everything; safe to run again (nothing is duplicated). `progress(n)` is called as
    the demo factories' histories are written (one per factory)."""
    load_regions()
    factories = load_factories()
    load_users(factories)
    context = {
        "factories": factories,
        "checklists": checklist_services.load_files(),
        "progress": progress,
    }
    for step in EXTRA_STEPS:
        step(context)
    return context


@demo_cli.command("load")
def load_command() -> None:
    """Load demo regions, factories, users and their story (idempotent)."""
    try:
        demo_pictures.cjk_font_file()  # before anything is written: captions must be readable
    except demo_pictures.NoCJKFont as error:
        raise click.ClickException(str(error)) from error
    with click.progressbar(length=len(FACTORIES), label="Demo factories") as bar:
        context = load_demo(progress=bar.update)
    db.session.commit()
    click.echo(f"Demo data loaded. Demo users (password: {DEMO_PASSWORD}):")
    for line in user_lines(context["factories"]):
        click.echo(line)


def user_lines(factories: list[Factory]) -> list[str]:
    """One line per demo user: name, role, and the regions or factory it covers."""
    regions = {
        code: name for code, name in db.session.execute(sa.select(Region.code, Region.name_zh))
    }
    lines = []
    for username, role, name, region_codes, factory_index in USERS:
        if factory_index is not None:
            scope = factories[factory_index].name_zh
        elif region_codes:
            scope = "、".join(regions.get(code, code) for code in region_codes)
        else:
            scope = "—"
        lines.append(f"  {username:<16} {role.value:<10} {name}  [{scope}]")
    return lines
