"""Every checklist shipped in checklists/*.yaml validates and is fully bilingual."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from inspect_app.checklists.kinds import ChoiceOption, Text
from inspect_app.checklists.loader import load_checklist, parse_checklist, validate_paths

CHECKLISTS = Path(__file__).parents[2] / "checklists"
SHIPPED = sorted(CHECKLISTS.glob("*.yaml"))


def bilingual(node: Any, where: str = "") -> Iterator[tuple[str, str, str]]:
    """Yield (where, zh, en) for every Text and choice option in a model tree."""
    if isinstance(node, Text | ChoiceOption):
        yield where, node.zh, node.en
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from bilingual(getattr(node, name), f"{where}.{name}" if where else name)
    elif isinstance(node, tuple):
        for index, child in enumerate(node):
            yield from bilingual(child, f"{where}[{index}]")


@pytest.mark.parametrize("path", SHIPPED or [None], ids=lambda p: p.name if p else "none")
def test_shipped_checklist_is_valid_and_bilingual(path: Path | None) -> None:
    if path is None:
        pytest.skip("no checklists/*.yaml yet")
    problems = validate_paths([path])
    assert not problems, "\n".join(map(str, problems))
    checklist = load_checklist(path)
    texts = list(bilingual(checklist))
    assert len(texts) >= 5
    for where, zh, en in texts:
        assert zh.strip() and en.strip(), where


def test_shipped_checklist_ids_are_unique() -> None:
    if not SHIPPED:
        pytest.skip("no checklists/*.yaml yet")
    assert validate_paths([CHECKLISTS]) == []


def test_the_annotated_example_in_the_docs_is_valid() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "checklists.md").read_text(encoding="utf-8")
    example = re.search(r"## An annotated example\n\n```yaml\n(.*?)```", docs, re.DOTALL)
    assert example, "docs/checklists.md lost its annotated example"
    checklist = parse_checklist(example.group(1), "docs/checklists.md")
    assert [item.id for item in checklist.items()] == ["storage-01", "storage-02"]


def test_the_major_hazard_criteria_cite_their_own_article() -> None:
    """Each criterion of MEM Order No. 10 is decisive, phrased as the hazard (present is the
    problem), numbered as in the Order and cited by that same article and item."""
    checklist = load_checklist(CHECKLISTS / "major-accident-hazards.yaml")
    criteria = [item for item in checklist.items() if item.number]
    assert len(criteria) == 19  # the criteria found in the published text (see the file)
    for item in criteria:
        assert item.decisive and item.risk_floor == "high", item.id
        assert item.answers.kind == "yes_no" and item.answers.problem == "yes", item.id
        article, point = re.fullmatch(r"(第.+条)（(.+)）", item.number).groups()
        assert item.references[0].zh == f"《工贸企业重大事故隐患判定标准》{article}第（{point}）项"
        assert item.text.zh.endswith("的"), item.id  # the Order's wording, not a question
    assert checklist.verdict.fail_label.zh == "存在重大事故隐患"
    # The industry parts are asked only of their industries.
    scopes = {s.id: s.applies_to.sectors for s in checklist.sections if s.applies_to}
    assert scopes == {
        "metallurgy": ("metallurgy",),
        "building-materials": ("building_materials",),
        "machinery": ("machinery", "metal_products", "auto_parts", "electronics"),
    }


def test_a_foundry_with_one_criterion_present_fails_whatever_the_score() -> None:
    from inspect_app.checklists.schema import FactoryProfile
    from inspect_app.checklists.scoring import score

    checklist = load_checklist(CHECKLISTS / "major-accident-hazards.yaml")
    foundry = FactoryProfile(sector="machinery", workers=120)
    answers = {"mah-3-1": "no", "mah-3-2": "no", "mah-7-1": "no", "mah-7-2": "yes"}
    answers |= {"mah-12-0": "none", "mah-13-0": "none"}
    scores = score(checklist, answers, foundry)
    assert scores.percent == 75.0
    assert scores.verdict.result == "fail"
    assert scores.verdict.decisive_problems == ("mah-7-2",)
    # Metallurgy, building materials and the smelting-only general item are not asked.
    assert scores.left_out == {"sector": 12}


def test_the_enforcement_checklist_answers_yes_no_with_references() -> None:
    checklist = load_checklist(CHECKLISTS / "workplace-inspection.yaml")
    kinds = {item.answers.kind for item in checklist.items()}
    assert kinds == {"yes_no", "choice"}
    decisive = [item for item in checklist.items() if item.decisive]
    assert [item.id for item in decisive] == ["resp-05", "train-03", "hazard-04"]
    for item in decisive:
        assert any("工贸企业重大事故隐患判定标准" in ref.zh for ref in item.references), item.id


def test_the_annotated_regulation_example_in_the_docs_is_valid() -> None:
    from inspect_app.checklists.schema import FactoryProfile
    from inspect_app.checklists.scoring import score

    docs = (Path(__file__).parents[2] / "docs" / "checklists.md").read_text(encoding="utf-8")
    example = re.search(r"## A regulation, annotated\n\n.*?```yaml\n(.*?)```", docs, re.DOTALL)
    assert example, "docs/checklists.md lost its annotated regulation example"
    checklist = parse_checklist(example.group(1), "docs/checklists.md")
    foundry = FactoryProfile(sector="machinery", workers=40)
    answers = {"gen-01": "no", "guard-01": "none"}
    result = score(checklist, answers, foundry)
    assert result.verdict.decisive_problems == ("guard-01",)
    assert result.left_out == {"sector": 1, "workers": 1}
