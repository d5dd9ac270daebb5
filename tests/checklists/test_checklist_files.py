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
