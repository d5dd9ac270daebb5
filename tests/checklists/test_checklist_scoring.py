"""Scoring: tallies per section, overall and per hazard area; missing answers; photo rules."""

from __future__ import annotations

import pytest

from inspect_app.checklists.loader import parse_checklist
from inspect_app.checklists.schema import Checklist
from inspect_app.checklists.scoring import (
    Tally,
    missing_answers,
    photo_allowed,
    photo_required,
    score,
    score_by_area,
)

GUIDE = "{zh: 说明, en: Guidance}"


def item(item_id: str, answers: str, areas: str, extra: str = "") -> str:
    lines = [
        f"      - id: {item_id}",
        f"        text: {{zh: 条目 {item_id}, en: Item {item_id}}}",
        f"        why: {GUIDE}",
        f"        how: {GUIDE}",
        f"        answers: {answers}",
        f"        areas: [{areas}]",
    ]
    return "\n".join(lines + [f"        {line}" for line in extra.splitlines()]) + "\n"


CHOICE = (
    "{kind: choice, options: [{id: wood, zh: 木, en: Wood}, "
    "{id: steel, zh: 钢, en: Steel, action: true}]}"
)
MULTIPLE = (
    "{kind: choice, multiple: true, options: [{id: x, zh: 甲, en: X}, {id: y, zh: 乙, en: Y}]}"
)
YAML = (
    """\
id: all-kinds
title: {zh: 各种答案, en: All answer kinds}
description: {zh: 测试, en: For the scoring tests}
kind: enforcement
source: {zh: 本项目, en: This project}
sections:
  - id: s1
    title: {zh: 第一部分, en: Part one}
    items:
"""
    + item("pa-01", "propose_action", "materials_handling", "photo: on_action")
    + item(
        "pa-02",
        "propose_action",
        "machine_safety, management",
        "applies_if: {item: pa-01, in: [yes, priority]}\nphoto: always",
    )
    + item("pa-03", "propose_action", "machine_safety", "applies_if: {item: pa-02, in: [priority]}")
    + """\
  - id: s2
    title: {zh: 第二部分, en: Part two}
    items:
"""
    + item("co-01", "compliance", "electrical", "photo: none")
    + item("co-02", "compliance", "electrical")
    + item("nu-01", "{kind: number, unit: {zh: 人, en: persons}, min: 0, max: 100}", "management")
    + item("ch-01", CHOICE, "ppe", "photo: on_action")
    + item("ch-02", MULTIPLE, "ppe")
    + item("ch-03", "text", "ppe", "applies_if: {item: ch-02, in: [y]}")
    + item("tx-01", "text", "management")
)

FULL = {
    "pa-01": "priority",
    "pa-02": "yes",
    "pa-03": "no",  # switched off: pa-02 is not `priority`
    "co-01": "compliant",
    "co-02": "not_applicable",
    "nu-01": 12,
    "ch-01": "steel",
    "ch-02": ["x"],
    "ch-03": "switched off",  # switched off: ch-02 does not include `y`
    "tx-01": "A note",
}


@pytest.fixture(scope="module")
def checklist() -> Checklist:
    return parse_checklist(YAML, "all-kinds.yaml")


def test_no_answers(checklist: Checklist) -> None:
    scores = score(checklist, {})
    assert scores.overall == Tally(applicable=7, unanswered=7, not_applicable=3)
    assert scores.overall.total == 10
    assert scores.percent is None
    expected = ["pa-01", "co-01", "co-02", "nu-01", "ch-01", "ch-02", "tx-01"]
    assert missing_answers(checklist, {}) == expected


def test_full_answers_per_section_and_overall(checklist: Checklist) -> None:
    scores = score(checklist, FULL)
    assert scores.sections["s1"] == Tally(
        applicable=2, answered=2, good=0, bad=2, needs_action=2, priority=1, not_applicable=1
    )
    assert scores.sections["s1"].percent == 0.0
    # co-02 is not applicable; number, multiple choice and text are answered but not scored.
    assert scores.sections["s2"] == Tally(
        applicable=5, answered=5, good=1, bad=1, needs_action=1, not_applicable=2
    )
    assert scores.sections["s2"].percent == 50.0
    assert scores.overall == scores.sections["s1"] + scores.sections["s2"]
    assert scores.percent == 25.0
    assert list(scores.sections) == ["s1", "s2"]
    assert missing_answers(checklist, FULL) == []
    assert scores.to_dict()["overall"]["percent"] == 25.0


def test_applies_if_follows_chains(checklist: Checklist) -> None:
    on = {"pa-01": "yes", "pa-02": "priority"}
    assert checklist.applicability(on)["pa-03"] is True
    stale = {"pa-01": "no", "pa-02": "priority", "pa-03": "yes"}
    applicable = checklist.applicability(stale)
    assert (applicable["pa-02"], applicable["pa-03"]) == (False, False)
    assert checklist.item("pa-03").applies(stale) is True  # its own condition only
    assert score(checklist, stale).sections["s1"] == Tally(
        applicable=1, answered=1, good=1, not_applicable=2
    )


def test_multiple_choice_switches_on_when_any_chosen_option_is_listed(checklist: Checklist) -> None:
    assert checklist.applicability({"ch-02": ["x", "y"]})["ch-03"] is True
    assert checklist.applicability({"ch-02": ["x"]})["ch-03"] is False
    assert "ch-03" in missing_answers(checklist, {"ch-02": ["y"]})


def test_not_applicable_is_excluded_from_the_percentage(checklist: Checklist) -> None:
    answers = {"co-01": "not_compliant", "co-02": "not_applicable"}
    s2 = score(checklist, answers).sections["s2"]
    assert (s2.good, s2.bad, s2.not_applicable, s2.percent) == (0, 1, 2, 0.0)
    answers = {"co-01": "compliant", "co-02": "not_applicable"}
    assert score(checklist, answers).sections["s2"].percent == 100.0


def test_invalid_answers_count_as_missing(checklist: Checklist) -> None:
    answers = {"co-01": "maybe", "nu-01": 1000, "unknown-item": "yes"}
    assert score(checklist, answers).overall.answered == 0
    assert {"co-01", "nu-01"} <= set(missing_answers(checklist, answers))


def test_percent_is_rounded_to_one_decimal() -> None:
    assert Tally(good=2, bad=1).percent == 66.7
    assert Tally(good=1, bad=2).percent == 33.3
    assert Tally(answered=3).percent is None


def test_score_by_area(checklist: Checklist) -> None:
    areas = score_by_area(checklist, FULL)
    assert list(areas) == [
        "materials_handling",
        "machine_safety",
        "electrical",
        "ppe",
        "management",
    ]
    assert areas["electrical"] == Tally(applicable=1, answered=1, good=1, not_applicable=1)
    assert areas["machine_safety"] == Tally(
        applicable=1, answered=1, bad=1, needs_action=1, not_applicable=1
    )
    assert areas["management"] == Tally(applicable=3, answered=3, bad=1, needs_action=1)
    assert areas["ppe"].percent == 0.0


def test_photo_rules(checklist: Checklist) -> None:
    on_action, always, none = (checklist.item(i) for i in ("pa-01", "pa-02", "co-01"))
    assert photo_required(on_action, "yes") and photo_required(on_action, "priority")
    assert not photo_required(on_action, "no")
    assert not photo_required(on_action, None)
    assert not photo_required(on_action, "maybe")
    assert photo_required(always, "no") and photo_required(always, None)
    assert not photo_required(none, "not_compliant")
    assert not photo_required(checklist.item("co-02"), "not_compliant")  # optional
    assert photo_required(checklist.item("ch-01"), "steel")
    assert not photo_required(checklist.item("ch-01"), "wood")
    assert not photo_allowed(none) and photo_allowed(on_action)


def test_adding_tallies_adds_every_count():
    """Tally.__add__ names its fields one by one (it runs on every autosave): a count added to
    Tally later and forgotten there fails here instead of silently staying 0."""
    from dataclasses import fields

    from inspect_app.checklists.scoring import Tally

    names = [f.name for f in fields(Tally)]
    one = Tally(**{name: n + 1 for n, name in enumerate(names)})
    ten = Tally(**{name: 10 * (n + 1) for n, name in enumerate(names)})
    assert one + ten == Tally(**{name: 11 * (n + 1) for n, name in enumerate(names)})
