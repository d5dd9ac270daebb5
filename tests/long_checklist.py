"""A long checklist as real ones come: 150 items in 21 sections with long Chinese titles, most
answered yes / no / not applicable, some phrased as a hazard ("yes" is the problem) and
decisive, some without "not applicable", a number, a compliance item and an item with
sub-items. The browser tests of the long form (issue 14) fill it in on a tablet and a phone."""

from __future__ import annotations

import json

from inspect_app.checklists.loader import parse_checklist

SLUG = "long-self-inspection"
SECTIONS = 21
FAIL_LABEL = {"zh": "存在重大事故隐患", "en": "Major accident hazard present"}


def _text(zh: str, en: str) -> str:
    return json.dumps({"zh": zh, "en": en}, ensure_ascii=False)


def _item(section: int, position: int) -> list[str]:
    """One item of section `section` (1…21) at `position` (1…): its kind depends on both."""
    item_id = f"s{section:02d}-{position}"
    lines = [f"      - id: {item_id}"]
    if position == 2 and section <= 20:
        # phrased as a hazard: "yes" is the problem, and it decides the verdict
        lines += [
            f'        number: "第{section}条（{position}）"',
            "        text: "
            + _text(f"第{section}部分的设备缺少防护装置", f"A guard is missing ({section})"),
            '        answers: {kind: yes_no, problem: "yes"}',
            "        decisive: true",
            "        references:",
            "          - " + _text(f"判定标准第{section}条", f"Criteria, Art. {section}"),
        ]
    elif position == 3 and section <= 20:
        lines += [
            "        text: "
            + _text(f"作业人员经过培训吗？（{section}）", f"Are the workers trained? ({section})"),
            "        answers: {kind: yes_no, not_applicable: false}",
        ]
    elif position == 7 and section == 5:
        lines += [
            "        text: " + _text("灭火器数量", "Number of fire extinguishers"),
            "        answers: {kind: number, min: 0, max: 500, not_applicable: true}",
        ]
    elif position == 7 and section == 6:
        lines += [
            "        text: " + _text("应急预案符合要求", "The emergency plan meets the rules"),
            "        answers: compliance",
        ]
    elif position == 7 and section == 7:
        lines += [
            "        text: " + _text("下列各处通道畅通吗？", "Are these routes clear?"),
            "        answers: yes_no",
            "        subitems:",
        ]
        for letter in "abc":
            text = _text(f"通道{letter}", f"Route {letter}")
            lines.append(f"          - {{id: {item_id}-{letter}, text: {text}}}")
    else:
        lines += [
            "        text: "
            + _text(
                f"第{section}部分第{position}项符合要求吗？",
                f"Is item {position} of part {section} in order?",
            ),
            "        answers: yes_no",
        ]
    lines.append("        areas: [machine_safety]")
    return lines


def long_checklist_yaml() -> str:
    """The checklist as a YAML file's text."""
    lines = [
        f"id: {SLUG}",
        "title: " + _text("企业安全生产自查表（长）", "Self-inspection (long)"),
        "description: " + _text("测试用", "For the tests"),
        "kind: self_inspection",
        "source: " + _text("本项目为测试编写", "Written by the project for its tests"),
        "verdict:",
        "  fail_label: " + _text(FAIL_LABEL["zh"], FAIL_LABEL["en"]),
        "  pass_label: " + _text("未发现重大事故隐患", "No major accident hazard found"),
        "sections:",
    ]
    for section in range(1, SECTIONS + 1):
        title_zh = f"第{section}部分：生产设备设施、作业场所与危险作业的安全管理及隐患排查治理情况"
        title_en = f"Part {section}: equipment, workplaces and dangerous work under control"
        lines += [
            f"  - id: s{section:02d}",
            "    title: " + _text(title_zh, title_en),
            "    items:",
        ]
        for position in range(1, (10 if section == SECTIONS else 7) + 1):
            lines += _item(section, position)
    return "\n".join(lines) + "\n"


def long_checklist():
    """The validated checklist."""
    return parse_checklist(long_checklist_yaml(), f"{SLUG}.yaml")
