"""Property: whatever the YAML, the loader raises only ChecklistError, with real positions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspect_app.checklists.loader import ChecklistError, parse_checklist

MINIMAL_TEXT = (Path(__file__).parent / "minimal.yaml").read_text(encoding="utf-8")

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(["zh", "en", "yes", "priority", "compliance", "choice", "number", "*a", "&a"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a nested dict/list document."""
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found += paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += paths(child, (*prefix, index))
    return found


@st.composite
def mutated_documents(draw: st.DrawFn) -> str:
    """A valid checklist with some keys deleted or values swapped, then text spliced in."""
    document = yaml.safe_load(MINIMAL_TEXT)
    for _ in range(draw(st.integers(0, 3))):
        targets = paths(document)[1:]
        if not targets:
            break
        path = draw(st.sampled_from(targets))
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        if draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(VALUES)
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=draw(st.booleans()))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 5))
        insert = draw(st.text(alphabet=st.characters(codec="utf-8"), max_size=12))
        text = text[:at] + insert + text[at + cut :]
    return text


def check(source: str | bytes) -> None:
    try:
        parse_checklist(source, "fuzz.yaml")
    except ChecklistError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.line >= 1 and problem.column >= 1, problem
            assert "internal error" not in problem.message, problem


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_mutated_documents_raise_only_checklist_errors(text: str) -> None:
    check(text)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_checklist_errors(data: bytes) -> None:
    check(data)
    check(MINIMAL_TEXT.encode() + data)
