"""The validator on the keys added for real regulations (issue 14): every mistake reported at
its exact `line:column` with the cause, one file per key."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspect_app.checklists.loader import ChecklistError, load_checklist, parse_checklist

HERE = Path(__file__).parent
BROKEN = HERE / "broken_keys"
ITEM = "sections[0].items[0]"
ITEM2 = "sections[0].items[1]"
SECTORS = (
    "expected one of auto_parts, building_materials, chemicals, electronics, food, "
    "furniture_wood, garments, machinery, metal_products, metallurgy, nonferrous_metals, other, "
    "rubber_plastics, textiles"
)
AREAS = (
    "expected one of chemicals, dust, electrical, fire_emergency, lighting, machine_safety, "
    "management, materials_handling, molten_metal, physical_environment, ppe, "
    "special_equipment, welfare, workstation"
)

EXPECTED = {
    "applies_to": [
        f"10:28: sections[0].applies_to.sectors[0]: unknown sector `steel`; {SECTORS}",
        "16:53: sections[0].items[0].applies_to.max_workers: `max_workers` (100) is less than "
        "`min_workers` (300)",
        "21:21: sections[0].items[1].applies_to: say which factories: `sectors`, "
        "`min_workers` or `max_workers`",
        "26:22: sections[0].items[2].applies_to: unknown field `sector`",
        "26:56: sections[0].items[2].applies_to.min_workers: a headcount is 0 or more, got "
        "the number `-5`",
    ],
    "areas": [
        "9:10: areas[1].id: duplicate area id `molten_metal` (first at line 8)",
        "10:10: areas[2].id: `electrical` is already a shipped hazard area; use it without "
        "declaring it",
        "11:10: areas[3].id: `Confined-Spaces` is not a valid area id; use lowercase letters, "
        "digits and single underscores, e.g. `confined_spaces`",
        "12:5: areas[4]: missing `en` text",
        f"20:31: sections[0].items[0].areas[1]: unknown area `ammonia`; {AREAS}",
    ],
    "choice_not_applicable": [
        "17:73: sections[0].items[0].answers.options[1].not_applicable: an option cannot be "
        "both not applicable and a problem (`action` or `decisive`)",
        "18:57: sections[0].items[0].answers.options[2].decisive: expected `true` or `false`, "
        "got the text `maybe`",
    ],
    "decisive": [
        "15:19: sections[0].items[0].decisive: a decisive item needs answers that can be a "
        "problem; `number` answers never are",
        "20:19: sections[0].items[1].decisive: expected `true` or `false`, got the text `yes`",
        "21:21: sections[0].items[1].risk_floor: unknown risk level `severe`; expected one of "
        "low, medium, high, critical",
    ],
    "labels": [
        "9:12: labels.yes_no.yes: missing `en` text",
        "10:12: labels.yes_no.maybe: `yes_no` answers have no value `maybe`; expected one of "
        "yes, no, na",
        "12:5: labels.choice: answers of kind `choice` have no labels to set; expected one of "
        "yes_no, compliance, propose_action, number, text (choice options carry their own "
        "labels)",
    ],
    "number": [
        '9:13: sections[0].number: expected text, got the number `3`; quote it: `number: "3"`',
        "13:17: sections[0].items[0].number: must not be empty",
        "18:17: sections[0].items[1].number: a number is at most 40 characters, got 44",
    ],
    "subitems": [
        "16:11: sections[0].items[0].subitems: `number` answers cannot roll sub-items up into "
        "one answer; use one of compliance, propose_action, yes_no",
        "22:18: sections[0].items[1].subitems[0].id: duplicate item id `storage-01` (first at "
        "line 11)",
        "23:38: sections[0].items[1].subitems[1].text: missing `en` text",
        "23:47: sections[0].items[1].subitems[1]: unknown field `why`",
        "28:19: sections[0].items[2].subitems: needs at least one sub-item",
        "33:28: sections[0].items[3].applies_if.item: `storage-02` is answered through its "
        "sub-items; name one of its sub-items",
    ],
    "verdict_never_fails": [
        "8:3: verdict: this verdict can never fail: no item or option is `decisive` and there "
        "is no `pass_mark`",
    ],
    "verdict_pass_mark": [
        "8:14: verdict.pass_mark: `pass_mark` is a percentage from 0 to 100, got the number `120`",
        "9:15: verdict.pass_label: expected bilingual text `{zh: ..., en: ...}`, "
        "got the text `合格`",
        "10:21: verdict.fail_on_decisive: expected `true` or `false`, got the text `yes`",
    ],
    "yes_no_problem": [
        "13:42: sections[0].items[0].answers.problem: `problem` is the answer that is a "
        "problem: `yes` or `no`, got the text `blocked`",
        "17:49: sections[0].items[1].answers.not_applicable: expected `true` or `false`, got "
        "the text `no`",
    ],
}


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    return [f"{p.line}:{p.column}: {p.message}" for p in caught.value.problems]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_new_key_reports_its_mistakes_exactly(name: str) -> None:
    assert problems_of(BROKEN / f"{name}.yaml") == EXPECTED[name]


def test_every_file_has_an_expectation() -> None:
    assert sorted(p.stem for p in BROKEN.glob("*.yaml")) == sorted(EXPECTED)


def test_why_and_how_are_optional() -> None:
    text = (HERE / "minimal.yaml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if "why:" not in line and "how:" not in line]
    checklist = parse_checklist("\n".join(lines))
    item = checklist.item("storage-01")
    assert (item.why, item.how) == (None, None)


def test_the_regulation_example_is_valid() -> None:
    checklist = load_checklist(HERE / "regulation.yaml")
    assert checklist.verdict_rule is checklist.verdict
    assert [area.id for area in checklist.areas] == ["molten_metal"]
