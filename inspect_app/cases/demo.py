"""Demo step: the demo story's best verified improvements become published cases.

Runs after the demo story (inspect_app/demo_story.py): the unguarded cross-cut saw replaced by
the workers' two-hand-control cutting machine, and a few more kinds of improvement, each with a
story written for a workshop in both languages. An inspector promotes the finding, the demo
trainer writes the story and publishes it (the anonymity check runs as for anyone). One more
verified improvement is promoted and left as a draft, for a trainer to pick up. Idempotent: a
finding that is already a case is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User
from ..actions.models import Action, ActionStatus
from ..extensions import db
from ..inspections.models import Finding
from ..permissions import can_promote_finding
from ..photos.models import Photo, PhotoKind
from . import services
from .models import Case, CaseStatus


@dataclass(frozen=True)
class Story:
    """A case story in both languages; "{cost}" in cost_benefit is the case's cost."""

    match: str  # the start of the finding's (Chinese) title
    title_zh: str
    title_en: str
    problem_zh: str
    problem_en: str
    idea_zh: str
    idea_en: str
    change_zh: str
    change_en: str
    result_safety_zh: str
    result_safety_en: str
    result_productivity_zh: str
    result_productivity_en: str
    cost_benefit_zh: str
    cost_benefit_en: str


SAW = Story(
    match="裁切工位横截锯无防护罩",
    title_zh="工人自制双手控制裁切机，取代无防护的横截锯",
    title_en="Workers build a two-hand-control cutting machine to replace an unguarded saw",
    problem_zh=(
        "橡塑制品厂的裁切工位用一台横截锯把橡胶板切成条。锯片完全裸露，工人用手把橡胶板推过锯片，"
        "手指离锯齿不到十厘米。一年里发生过两次险些割伤手指的事件，但大家觉得“一直都是这么干的”。"
    ),
    problem_en=(
        "At the cutting station of a rubber and plastics factory, a cross-cut saw cut rubber "
        "sheets into strips. The blade was completely bare and the operators pushed each sheet "
        "past it by hand, fingers less than 10 cm from the teeth. There were two near misses "
        "with cut fingers in a year, but everyone felt “this is how it has always been done”."
    ),
    idea_zh=(
        "检查员建议给锯片加装固定式防护罩。裁切班组的三名工人在安全委员会会议上提出了更好的办法："
        "利用车间里一台闲置的液压机架，改装成专用裁切机——刀片装在透明防护罩里，机器两侧各装一个按钮，"
        "只有双手同时按下按钮才下刀，手不可能在刀口附近。"
    ),
    idea_en=(
        "The inspector suggested a fixed guard over the blade. Three workers of the cutting "
        "team came to the safety committee with a better idea: rebuild an idle hydraulic frame "
        "from the workshop into a cutting machine, with the blade inside a clear guard and a "
        "button on each side. It cuts only while both buttons are pressed, so both hands are "
        "always away from the blade."
    ),
    change_zh=(
        "设备维修工和提出建议的工人一起动手：液压机架重新布置，加装透明聚碳酸酯防护罩、相距60厘米的两个"
        "按钮、急停按钮和定长挡块。气动元件晚到了三周，试用一周后正式投入使用，旧横截锯拆除。"
        "所有裁切工都参加了半小时的操作培训。"
    ),
    change_en=(
        "The maintenance fitters built it together with the workers who proposed it: the "
        "hydraulic frame was rearranged and fitted with a clear polycarbonate guard, two "
        "buttons 60 cm apart, an emergency stop and a length stop. The pneumatic parts came "
        "three weeks late; after a week of trial runs the machine went into use and the old "
        "saw was removed. Every cutter had half an hour of training on it."
    ),
    result_safety_zh=(
        "刀片全封闭，双手必须同时在按钮上机器才动作，手指被割伤的风险从根本上消除了。"
        "投入使用以来没有发生过割伤或险情，检查员复查时确认隐患已整改。"
    ),
    result_safety_en=(
        "The blade is fully enclosed and the machine moves only while both hands are on the "
        "buttons: the risk of cut fingers is designed out. There has been no cut and no near "
        "miss since; the inspector verified the change on the follow-up visit."
    ),
    result_productivity_zh=(
        "定长挡块让工人不用再逐条测量，裁切速度提高约15%，切口整齐，废料明显减少。"
        "工人说：“以前切一天手心出汗，现在放心了。”"
    ),
    result_productivity_en=(
        "With the length stop nobody measures strips one by one any more: cutting is about 15% "
        "faster, the cuts are straight and there is clearly less scrap. In the operators' "
        "words: “We used to sweat all day at that saw. Now we don't worry.”"
    ),
    cost_benefit_zh=(
        "总花费{cost}，主要是气动元件和防护罩；购买同类新设备要贵好几倍。节省的废料和工时在几个月内"
        "就收回了成本。更重要的是，工人自己设计的机器，大家愿意用、用得好。"
    ),
    cost_benefit_en=(
        "It cost {cost} in all, mostly the pneumatic parts and the guard; a new machine of this "
        "kind costs several times more. Less scrap and time saved pay it back within months. "
        "Above all, a machine the workers designed themselves is one they use, and use well."
    ),
)

STORIES = (
    SAW,
    Story(
        match="皮带传动部位无防护罩",
        title_zh="给裸露的皮带传动装上网状防护罩",
        title_en="A mesh guard over an open belt drive",
        problem_zh=(
            "车间里一台设备的皮带和皮带轮完全裸露，位置正好在工人走动和清扫的地方。"
            "衣袖、手套或头发一旦被卷入，后果非常严重。"
        ),
        problem_en=(
            "On a machine in the workshop, the belt and pulleys ran completely open, right "
            "where workers walk and sweep. A sleeve, a glove or hair caught in them would mean "
            "a serious injury."
        ),
        idea_zh=(
            "安全委员会巡查时，操作工提出：防护罩要能看见皮带松紧，还要方便打开检修，"
            "否则维修工拆了就不会再装回去。"
        ),
        idea_en=(
            "On the safety committee's walk-through, the operators asked for a guard they can "
            "see the belt through, and that opens easily for maintenance — otherwise the "
            "fitters take it off and never put it back."
        ),
        change_zh=(
            "维修工用角钢和钢丝网做了一个固定式防护罩，网孔小到手指伸不进去；一侧用铰链和工具才能打开的"
            "锁扣，检修后必须关好才能开机。防护罩刷成黄色，一眼就能看到。"
        ),
        change_en=(
            "The fitters made a fixed guard from angle steel and wire mesh with openings too "
            "small for a finger, hinged on one side with a latch that needs a tool; it is "
            "closed again before the machine restarts. It is painted yellow so nobody misses "
            "it."
        ),
        result_safety_zh="运动部件全部被隔开，卷入的危险消除了；工人清扫时不必再绕开。",
        result_safety_en=(
            "All moving parts are now behind the guard: nothing can be drawn in, and workers "
            "no longer have to keep clear when they sweep."
        ),
        result_productivity_zh=(
            "透过网孔就能检查皮带松紧，日常点检从拆装防护的十分钟缩短到一分钟。"
        ),
        result_productivity_en=(
            "The belt tension is checked through the mesh: the daily check takes a minute "
            "instead of ten minutes of taking a cover off and on."
        ),
        cost_benefit_zh="材料和工时共{cost}，一个周末就完成了，停机时间为零。",
        cost_benefit_en="Materials and labour came to {cost}; built over one weekend, no downtime.",
    ),
    Story(
        match="通道被原料和成品堵塞",
        title_zh="划线定置，让通道重新畅通",
        title_en="Marked lines and a holding area keep the walkway clear",
        problem_zh=(
            "仓库的主通道上堆满了原料袋和待发的成品，叉车和工人挤在同一条窄路上，"
            "灭火器和安全出口也被挡住。"
        ),
        problem_en=(
            "The main walkway of the warehouse was full of raw-material sacks and finished "
            "goods waiting to ship. Forklifts and people squeezed along the same narrow path, "
            "and the extinguishers and the emergency exit were blocked."
        ),
        idea_zh=(
            "仓库工人提出：货物堵在通道上，是因为没有“该放哪里”的地方。划出一块暂存区，"
            "通道用黄线标出来，谁都看得懂。"
        ),
        idea_en=(
            "The warehouse workers pointed out that goods end up in the walkway because they "
            "have nowhere else to go. Mark a holding area, and paint the walkway with yellow "
            "lines everyone understands."
        ),
        change_zh=(
            "通道两侧刷了黄色标线，人行通道和叉车通道分开；在门口划出成品暂存区；灭火器和出口前划了禁放区。"
            "每天下班前由班组长检查一次通道。"
        ),
        change_en=(
            "Yellow lines now mark both sides of the walkway, with separate lanes for people "
            "and forklifts; a holding area for finished goods is marked by the door, and "
            "no-storage boxes in front of the extinguishers and the exit. The team leader checks "
            "the walkway before each shift ends."
        ),
        result_safety_zh="人车分流，通道和安全出口始终畅通，险些被叉车碰到的情况没有再发生。",
        result_safety_en=(
            "People and forklifts no longer share a lane, the walkway and exit stay clear, and "
            "there have been no more close calls with forklifts."
        ),
        result_productivity_zh="找货、取货更快了，发货前的整理时间每天少了约半小时。",
        result_productivity_en=(
            "Goods are found and picked faster: sorting before dispatch takes about half an "
            "hour less a day."
        ),
        cost_benefit_zh="油漆和标识只花了{cost}，几乎零成本，却让整个仓库换了样。",
        cost_benefit_en=(
            "Paint and signs cost only {cost}: next to nothing for a different warehouse."
        ),
    ),
    Story(
        match="溶剂桶无防泄漏托盘",
        title_zh="溶剂桶放上防泄漏托盘",
        title_en="Spill trays under the solvent drums",
        problem_zh=(
            "化学品仓库里的溶剂桶直接放在地上，倒料时常有洒漏，地面油腻，"
            "一旦大量泄漏会流进排水沟，还有起火的危险。"
        ),
        problem_en=(
            "In the chemical store, solvent drums stood on the bare floor. Some spilled at "
            "every refill, the floor was slippery, and a large leak would have run into the "
            "drain — with a fire risk besides."
        ),
        idea_zh=(
            "操作工提出：每个桶下面放一个托盘，倒料时用带龙头的桶架，不再把桶倾倒；"
            "旁边放吸附棉，洒了马上擦。"
        ),
        idea_en=(
            "The operators proposed a tray under every drum and a drum stand with a tap, "
            "so nobody tips a drum to pour; absorbent pads beside it to wipe up any drop at once."
        ),
        change_zh=(
            "购买了防泄漏托盘和桶架，溶剂桶按品种分区摆放并贴上中文标签，旁边放置吸附棉和安全技术说明书。"
        ),
        change_en=(
            "Spill trays and drum stands were bought; the drums are grouped by product and "
            "labelled in Chinese, with absorbent pads and the safety data sheets next to them."
        ),
        result_safety_zh="洒漏被托盘收住，地面保持干燥，滑倒和火灾的风险降低，也不会污染排水。",
        result_safety_en=(
            "Drips stay in the trays, the floor stays dry, slips and fire risk are down, and "
            "nothing reaches the drain."
        ),
        result_productivity_zh="用龙头取料更准，溶剂浪费少了，清理地面的时间也省下来了。",
        result_productivity_en=(
            "Taking solvent from a tap is more precise: less is wasted, and no time goes on "
            "cleaning the floor."
        ),
        cost_benefit_zh="托盘、桶架和吸附棉共{cost}，减少的溶剂损耗一年就能抵回。",
        cost_benefit_en=(
            "Trays, stands and pads cost {cost}; the solvent "
            "no longer lost repays it within a year."
        ),
    ),
    Story(
        match="工作台照度不足",
        title_zh="检验工位加装局部照明",
        title_en="Task lights at the inspection benches",
        problem_zh=(
            "检验工位在车间角落，只靠屋顶的灯，工作台上很暗。工人需要凑得很近看产品，"
            "眼睛疲劳，小缺陷也容易漏检。"
        ),
        problem_en=(
            "The inspection benches sat in a corner of the workshop, lit only from the roof. "
            "Workers leaned close to see the parts, their eyes tired quickly, and small defects "
            "slipped through."
        ),
        idea_zh="检验员建议：每个工位装一盏可调节的LED灯，灯光从侧面照过来，不刺眼。",
        idea_en=(
            "The inspectors asked for an adjustable LED lamp at each bench, lighting from the "
            "side so that it does not dazzle."
        ),
        change_zh="电工为每个检验工位安装了带灯罩的LED工作灯，工作台面刷成浅色，减少反差。",
        change_en=(
            "An electrician fitted a shaded LED work lamp at every inspection bench, and the "
            "bench tops were painted a light colour to cut the contrast."
        ),
        result_safety_zh="工人不再弯腰凑近，眼睛和颈部的疲劳明显减轻。",
        result_safety_en=(
            "Nobody stoops over the parts any more; eye strain and neck pain are down."
        ),
        result_productivity_zh="漏检的缺陷减少了，客户退货随之下降。",
        result_productivity_en=(
            "Fewer defects are missed, and customer returns went down with them."
        ),
        cost_benefit_zh="灯具和安装共{cost}，比一次客户退货的损失还少。",
        cost_benefit_en="Lamps and fitting cost {cost}, less than a single customer return.",
    ),
    Story(
        match="配电箱门敞开、电线裸露",
        title_zh="关好配电箱，整理好线路",
        title_en="A closed, tidy distribution box",
        problem_zh=(
            "车间配电箱的门一直敞开，里面的电线裸露，箱前还堆着杂物。"
            "任何人都可能碰到带电部分，出事时也没法迅速断电。"
        ),
        problem_en=(
            "The workshop's distribution box stood open with bare wires inside and clutter "
            "piled in front of it. Anyone could touch live parts, and nobody could switch off "
            "quickly in an emergency."
        ),
        idea_zh=(
            "安全委员会讨论后决定：配电箱只由电工打开，门上加锁并贴警示标识，"
            "箱前一米内划为禁放区，每个开关贴上它控制的设备名称。"
        ),
        idea_en=(
            "The safety committee agreed: only the electrician opens the box, which gets a "
            "lock and a warning sign; the metre in front of it is a no-storage zone; each "
            "switch is labelled with the machine it controls."
        ),
        change_zh="电工整理并固定了线路，更换了破损的线槽；箱门加锁，箱前划线，开关全部标注。",
        change_en=(
            "The electrician tidied and fixed the wiring and replaced broken trunking; the door "
            "now locks, the floor in front is marked and every switch is labelled."
        ),
        result_safety_zh="带电部分不再外露，触电风险消除；需要断电时，谁都能很快找到对应的开关。",
        result_safety_en=(
            "No live part is exposed any more; when power must be cut, anyone finds the right "
            "switch at once."
        ),
        result_productivity_zh="设备检修时断电更快、更准，不会再误断其他生产线。",
        result_productivity_en=(
            "Isolating a machine for maintenance is quicker and no other line is switched off "
            "by mistake."
        ),
        cost_benefit_zh="锁具、线槽和标识共{cost}，半天完成。",
        cost_benefit_en="Lock, trunking and labels cost {cost}; done in half a day.",
    ),
    Story(
        match="灭火器被货物遮挡",
        title_zh="灭火器前划出禁放区",
        title_en="A no-storage zone in front of every extinguisher",
        problem_zh="车间的灭火器被成卷的物料挡在后面，真着火时要先搬开货物才能拿到。",
        problem_en=(
            "In the workshop, rolls of material were stacked in front of the extinguishers: in a "
            "fire, someone would first have to move the goods to reach one."
        ),
        idea_zh="班组长提出：在每个灭火器前的地面划一个红色方框，框里什么都不许放，一眼就能看出来。",
        idea_en=(
            "A team leader proposed a red box painted on the floor in front of each "
            "extinguisher: nothing may stand in it, and anyone can see at a glance when "
            "something does."
        ),
        change_zh="灭火器挂上墙并贴上标识，前方地面划出红色禁放区，纳入每天交接班检查。",
        change_en=(
            "The extinguishers were hung on the wall with signs, red no-storage boxes painted "
            "in front of them, and the boxes added to the shift-change check."
        ),
        result_safety_zh="灭火器随时可以取用，初起火灾能在几秒钟内扑救。",
        result_safety_en=(
            "The extinguishers can be reached at any moment: "
            "a small fire can be fought within seconds."
        ),
        result_productivity_zh="物料也有了固定的存放位置，找料更快。",
        result_productivity_en="The material got fixed places too, so finding a roll is quicker.",
        cost_benefit_zh="只花了{cost}的油漆和标识。",
        cost_benefit_en="It took {cost} of paint and signs.",
    ),
    Story(
        match="工位高度不合适，长期弯腰作业",
        title_zh="可调高度的工作台，告别整天弯腰",
        title_en="Height-adjustable tables end a day of stooping",
        problem_zh="车间的工作台太低，个子高的工人整天弯着腰干活，腰背酸痛是常见的抱怨。",
        problem_en=(
            "The work tables were too low: taller workers stooped all day, and "
            "back pain was a common complaint."
        ),
        idea_zh="工人们提出：不必买新桌子，给现有工作台加装可调节的桌腿，每个人调到适合自己的高度。",
        idea_en=(
            "The workers suggested keeping the tables and fitting adjustable legs, so each "
            "person sets the height that suits them."
        ),
        change_zh="维修工为工作台换上可调桌腿，并在交接班时教大家如何调节到肘部高度。",
        change_en=(
            "The fitters put adjustable legs on the tables and showed everyone at shift change "
            "how to set them to elbow height."
        ),
        result_safety_zh="工人不再长时间弯腰，腰背不适的抱怨明显减少。",
        result_safety_en=(
            "Nobody works bent over for hours now, and complaints "
            "of back pain have clearly dropped."
        ),
        result_productivity_zh="工人少了停下来伸腰的次数，下午的产量不再明显下降。",
        result_productivity_en=(
            "Workers stop less often to stretch, and output no longer drops in the afternoon."
        ),
        cost_benefit_zh="改装共花费{cost}，比买新工作台便宜得多。",
        cost_benefit_en="The conversion cost {cost}, far less than new tables.",
    ),
)


def _cost_text(cost: Decimal | None, lang: str) -> str:
    if cost is None:
        return "少量费用" if lang == "zh" else "very little"
    amount = f"{cost:,.0f}"
    return f"{amount} 元" if lang == "zh" else f"{amount} yuan"


def _write(case: Case, story: Story, *, by: User) -> None:
    data = {
        column: getattr(story, column).replace("{cost}", _cost_text(case.cost, column[-2:]))
        for column in services.TEXT_COLUMNS
    }
    services.update_case(case, by=by, expected_version=case.version, **data)


def _has_photos(finding: Finding) -> bool:
    before = db.session.scalar(
        sa.select(sa.func.count(Photo.id)).where(
            Photo.finding_id == finding.id, Photo.kind == PhotoKind.BEFORE
        )
    )
    after = db.session.scalar(
        sa.select(sa.func.count(Photo.id))
        .join(Action, Action.id == Photo.action_id)
        .where(Action.finding_id == finding.id, Action.status == ActionStatus.VERIFIED)
    )
    return bool(before and after)


def _candidates(story: Story) -> list[Finding]:
    """Findings of this kind with a verified action, newest first."""
    verified = sa.select(Action.finding_id).where(Action.status == ActionStatus.VERIFIED)
    return list(
        db.session.scalars(
            sa.select(Finding)
            .where(Finding.title.startswith(story.match), Finding.id.in_(verified))
            .order_by(Finding.created_at.desc(), Finding.id.desc())
        )
    )


def load_demo_cases(context: dict) -> None:
    """Demo step: promote, write and publish the demo cases (idempotent)."""
    people = {
        u.username: u
        for u in db.session.scalars(
            sa.select(User).where(User.username.in_(("inspector", "admin", "trainer")))
        )
    }
    trainer, admin = people.get("trainer"), people.get("admin")
    if trainer is None or admin is None:
        return
    written = set(db.session.scalars(sa.select(Case.title_zh)))
    saw_id = (context.get("saw_story") or {}).get("finding_id")
    for story in STORIES:
        if story.title_zh in written:
            continue  # loaded before
        findings = _candidates(story)
        if story is SAW and saw_id:
            findings = [f for f in findings if f.id == saw_id] or findings
        finding = next(
            (f for f in findings if services.case_of_finding(f.id) is None and _has_photos(f)),
            None,
        )
        if finding is None:
            continue
        promoter = people.get("inspector")
        if promoter is None or not can_promote_finding(promoter, finding):
            promoter = admin
        case = services.promote(finding, by=promoter)
        _write(case, story, by=trainer)
        try:
            services.publish(case, by=trainer)
        except services.AnonymityWarning as warning:  # keep it a draft; say why
            current_app.logger.warning("demo case %s not published: %s", case.id, warning.hits)
    if not written:  # the first load only: a second one adds nothing
        _one_draft(people)


def _one_draft(people: dict) -> None:
    """One more verified improvement, promoted and waiting for a trainer (a new draft)."""
    if db.session.scalar(sa.select(Case.id).where(Case.status == CaseStatus.DRAFT).limit(1)):
        return
    promoter = people.get("inspector")
    if promoter is None:
        return
    for finding, case in services.promotable_findings(promoter, limit=50):
        if case is None and _has_photos(finding):
            services.promote(finding, by=promoter)
            return
