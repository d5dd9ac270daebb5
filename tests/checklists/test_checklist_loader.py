"""The loader: YAML in, validated checklists or precise `file:line:column: message` out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from inspect_app.checklists.loader import (
    MAX_BYTES,
    ChecklistError,
    Problem,
    canonical_json,
    content_hash,
    load_checklist,
    load_checklists,
    parse_checklist,
    validate_paths,
)
from inspect_app.checklists.schema import Checklist, ChecklistKind, PhotoRule

HERE = Path(__file__).parent
MINIMAL = HERE / "minimal.yaml"
BROKEN = HERE / "broken"
ROOT = HERE.parents[1]

ITEM = "sections[0].items[0]"
AREAS = (
    "expected one of chemicals, electrical, fire_emergency, lighting, machine_safety, "
    "management, materials_handling, physical_environment, ppe, special_equipment, welfare, "
    "workstation"
)
KINDS = "expected one of choice, compliance, number, propose_action, text, yes_no"

# One file per kind of problem, and exactly what the author is told (line:column: message).
EXPECTED = {
    "alias": [
        "3:8: aliases and anchors are not allowed",
        "12:15: aliases and anchors are not allowed",
    ],
    "applies_if_bad_value": [
        "23:50: sections[0].items[1].applies_if.in[1]: `maybe` is not a valid answer for "
        "`storage-01` (expected one of no, yes, priority)",
    ],
    "applies_if_later": [
        f"17:28: {ITEM}.applies_if.item: `storage-02` is not an earlier item",
    ],
    "bad_id": [
        f"11:13: {ITEM}.id: `Storage_01` is not a valid id; use lowercase letters, digits and "
        "single hyphens, e.g. `storage-01`",
    ],
    "choice_duplicate_option": [
        f"19:20: {ITEM}.answers.options[1].id: duplicate option id `wood`",
    ],
    "choice_shorthand": [
        f"15:18: {ITEM}.answers: `choice` answers need the mapping form "
        "`{kind: choice, options: ...}`",
    ],
    "comma_in_text": [
        "6:45: source: unknown field `Art. 41`; bilingual text has only `zh` and `en` "
        "(a comma ends the text in `{zh: ..., en: ...}`; quote the text)",
    ],
    "control_character": [
        f"12:32: {ITEM}.text.en: non-printable character U+0007 is not allowed",
    ],
    "duplicate_item_id": [
        "17:13: sections[0].items[1].id: duplicate item id `storage-01` (first at line 11)",
    ],
    "duplicate_key": [
        f"16:9: {ITEM}: duplicate key `answers` (first at line 15)",
    ],
    "duplicate_section_id": [
        "17:9: sections[1].id: duplicate section id `storage` (first at line 8)",
    ],
    "empty": [
        "1:1: the file is empty; expected a checklist (`id: ...`)",
    ],
    "empty_text": [
        f"14:14: {ITEM}.how: `zh` text is empty",
    ],
    "missing_field": [
        f"11:9: {ITEM}: missing required field `answers`",
    ],
    "missing_zh": [
        f"13:14: {ITEM}.why: missing `zh` text",
    ],
    "nesting": [
        "17:27: nesting is too deep (more than 20 levels)",
    ],
    "no_items": [
        "10:12: sections[0].items: needs at least one item",
    ],
    "non_string_key": [
        "6:1: keys must be text, got `1`",
    ],
    "non_utf8": [
        "12:49: not valid UTF-8 text (byte 0xff)",
    ],
    "not_mapping": [
        "2:1: expected a checklist mapping (`id: ...`), got a list",
    ],
    "number_range": [
        f"15:47: {ITEM}.answers.max: `max` (1) is less than `min` (10)",
    ],
    "photo_on_action": [
        f"16:16: {ITEM}.photo: `on_action` needs answers that can need action; "
        "`text` answers never do",
    ],
    "syntax_error": [
        "10:10: invalid YAML: expected ',' or '}', but got ':' "
        "(while parsing a flow mapping at line 9)",
    ],
    "tab_indent": [
        "16:1: invalid YAML: a tab is not allowed here; indent with spaces",
    ],
    "text_not_mapping": [
        f"12:15: {ITEM}.text: expected bilingual text `{{zh: ..., en: ...}}`, "
        "got the text `Keep passageways clear`",
    ],
    "three_problems": [
        f"13:14: {ITEM}.why: missing `zh` text",
        "17:13: sections[0].items[1].id: duplicate item id `storage-01` (first at line 11)",
        f"22:17: sections[0].items[1].areas[0]: unknown area `noise`; {AREAS}",
    ],
    "two_documents": [
        "17:1: invalid YAML: found another document "
        "(expected a single document in the stream at line 2)",
    ],
    "unknown_area": [
        f"16:37: {ITEM}.areas[1]: unknown area `noise`; {AREAS}",
    ],
    "unknown_field": [
        "6:1: unknown field `colour`",
    ],
    "unknown_item_field": [
        f"17:9: {ITEM}: unknown field `hint`",
    ],
    "unknown_kind": [
        f"15:18: {ITEM}.answers: unknown answers kind `yesno`; {KINDS}",
    ],
    "wrong_type": [
        f"16:16: {ITEM}.areas: expected a list, got the text `materials_handling`",
    ],
    "yaml_tag": [
        f"15:18: {ITEM}.answers: YAML tag `!kind` is not allowed",
    ],
}


def problems_of(path: Path) -> list[str]:
    """Load a file that must fail; return its problems as `line:column: message`."""
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    assert all(p.file == str(path) for p in caught.value.problems)
    return [f"{p.line}:{p.column}: {p.message}" for p in caught.value.problems]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_reports_exact_positions_and_messages(name: str) -> None:
    assert problems_of(BROKEN / f"{name}.yaml") == EXPECTED[name]


def test_every_broken_file_has_an_expectation() -> None:
    assert sorted(p.stem for p in BROKEN.glob("*.yaml")) == sorted(EXPECTED)


def test_all_problems_in_a_file_are_reported_at_once_sorted_by_line() -> None:
    problems = problems_of(BROKEN / "three_problems.yaml")
    assert len(problems) == 3
    lines = [int(p.split(":")[0]) for p in problems]
    assert lines == sorted(lines)


def test_minimal_file_loads() -> None:
    checklist = load_checklist(MINIMAL)
    assert checklist.id == "minimal"
    assert checklist.kind is ChecklistKind.SCORE_VISIT
    assert checklist.title.get("zh_CN") == "最小检查表"
    assert checklist.title.get("en") == "Minimal checklist"
    assert checklist.title.get("fr") == "Minimal checklist"
    item = checklist.item("storage-01")
    assert [i.id for i in checklist.items()] == ["storage-01"]
    assert item.answer_kind.name == "propose_action"
    assert item.areas == ("materials_handling",)
    assert item.photo is PhotoRule.OPTIONAL
    assert item.references == ()
    assert item.applies_if is None
    with pytest.raises(KeyError):
        checklist.item("storage-99")


def test_checklist_is_frozen() -> None:
    checklist = load_checklist(MINIMAL)
    with pytest.raises(ValidationError):
        checklist.id = "other"  # type: ignore[misc]


def test_parse_accepts_bytes_and_text_alike() -> None:
    text = MINIMAL.read_text(encoding="utf-8")
    assert parse_checklist(text, "a.yaml") == parse_checklist(text.encode(), "a.yaml")
    assert parse_checklist("\ufeff".encode() + text.encode(), "bom.yaml").id == "minimal"


def test_yaml_1_1_booleans_and_dates_stay_text() -> None:
    text = MINIMAL.read_text(encoding="utf-8")
    text = text.replace("en: Minimal checklist", "en: no")
    text = text.replace("zh: 最小检查表", "zh: 2024-01-01")
    checklist = parse_checklist(text, "t.yaml")
    assert (checklist.title.zh, checklist.title.en) == ("2024-01-01", "no")


def test_file_larger_than_limit_is_refused_at_1_1(tmp_path: Path) -> None:
    text = MINIMAL.read_text(encoding="utf-8") + "# " + "x" * MAX_BYTES + "\n"
    with pytest.raises(ChecklistError) as caught:
        parse_checklist(text, "big.yaml")
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (1, 1)
    assert problem.message.startswith("file is too large (")
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    assert [p.message for p in validate_paths([path])] == [problem.message]


def test_missing_file_is_a_problem_not_an_oserror(tmp_path: Path) -> None:
    [problem] = validate_paths([tmp_path / "nope.yaml"])
    assert (problem.line, problem.column) == (1, 1)
    assert problem.message.startswith("cannot read the file: ")


def test_problem_formats_like_a_compiler() -> None:
    problem = Problem("checklists/a.yaml", 3, 7, "unknown field `colour`")
    assert str(problem) == "checklists/a.yaml:3:7: unknown field `colour`"
    error = ChecklistError([problem, problem])
    assert str(error) == f"{problem}\n{problem}"


def test_alias_bomb_is_not_expanded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 12)]
    with pytest.raises(ChecklistError) as caught:
        parse_checklist("\n".join(lines), "bomb.yaml")
    messages = {p.message for p in caught.value.problems}
    assert "aliases and anchors are not allowed" in messages


# --- content hash ----------------------------------------------------------------------------

RESTYLED = """\
# Same checklist, other comments, block style, other key order, defaults spelled out.
sections:
- items:
  - areas:
    - materials_handling
    answers: {kind: propose_action}   # the mapping form of the shorthand
    how:
      en: Mark the aisles with paint
      zh: 划线标出通道
    why: {en: Prevents trips and falls, zh: 防止绊倒}
    text: {en: '  Keep passageways clear  ', zh: 保持通道畅通}
    id: storage-01
    photo: optional
    references: []
  title: {en: Materials storage and handling, zh: 物料存放与搬运}
  id: storage
source: {en: Written by the project for its tests, zh: 本项目为测试编写}
kind: score_visit
description: {en: The smallest valid checklist, zh: 测试用的最小检查表}
title: {en: Minimal checklist, zh: 最小检查表}
id: minimal
"""


def test_content_hash_ignores_comments_whitespace_key_order_and_spelled_out_defaults() -> None:
    original = load_checklist(MINIMAL)
    restyled = parse_checklist(RESTYLED, "restyled.yaml")
    assert restyled == original
    assert content_hash(restyled) == content_hash(original)
    assert len(content_hash(original)) == 64


def test_content_hash_changes_when_text_changes() -> None:
    changed = parse_checklist(RESTYLED.replace("Keep passageways clear", "Keep aisles clear"), "c")
    assert content_hash(changed) != content_hash(load_checklist(MINIMAL))


def test_canonical_json_round_trips_through_the_model() -> None:
    original = load_checklist(MINIMAL)
    again = Checklist.model_validate_json(canonical_json(original))
    assert again == original
    assert content_hash(again) == content_hash(original)


def test_model_enforces_semantic_rules_when_built_from_data() -> None:
    data = load_checklist(MINIMAL).model_dump(mode="json", by_alias=True)
    item = data["sections"][0]["items"][0]
    data["sections"][0]["items"].append(dict(item))
    with pytest.raises(ValidationError, match="duplicate item id `storage-01`"):
        Checklist.model_validate(data)


# --- several files ---------------------------------------------------------------------------


def test_validate_paths_expands_directories_and_finds_duplicate_ids(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(MINIMAL.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(MINIMAL.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a checklist", encoding="utf-8")
    [problem] = validate_paths([tmp_path])
    assert str(problem) == (
        f"{tmp_path / 'b.yaml'}:2:5: id: checklist id `minimal` is also used in "
        f"{tmp_path / 'a.yaml'}"
    )
    with pytest.raises(ChecklistError):
        load_checklists([tmp_path])
    (tmp_path / "b.yaml").unlink()
    assert [c.id for c in load_checklists([tmp_path])] == ["minimal"]


def run_validate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inspect_app.checklists.loader", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_main_exits_0_and_counts_valid_files() -> None:
    result = run_validate(str(MINIMAL))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "1 checklist valid\n"


def test_main_exits_1_with_one_problem_per_line() -> None:
    broken = BROKEN / "three_problems.yaml"
    result = run_validate(str(MINIMAL), str(broken))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{broken}:{p}" for p in EXPECTED["three_problems"]]


def test_main_without_paths_shows_usage() -> None:
    result = run_validate()
    assert result.returncode == 2
    assert "usage:" in result.stderr
