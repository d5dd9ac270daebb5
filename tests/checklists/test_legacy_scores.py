"""Old inspections keep their scores: the checklists as shipped before issue 14 ("checklists
that carry real regulations"), with answers drawn at random, score exactly as they did then.

`legacy/scores.json` was written by the scoring code of that time; the files next to it are the
checklist files of that time (stored versions of them stay in every database).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspect_app.checklists.loader import content_hash, load_checklist
from inspect_app.checklists.scoring import missing_answers, score, score_by_area

LEGACY = Path(__file__).parent / "legacy"
PINNED = json.loads((LEGACY / "scores.json").read_text(encoding="utf-8"))


def _subset(expected: dict, got: dict) -> None:
    """Every count pinned then is the same now (new keys may have been added beside them)."""
    for key, value in expected.items():
        assert key in got, key
        if isinstance(value, dict):
            _subset(value, got[key])
        else:
            assert got[key] == value, key


@pytest.mark.parametrize("name", sorted(PINNED))
def test_old_checklist_files_keep_their_version_hash(name: str) -> None:
    assert content_hash(load_checklist(LEGACY / name)) == PINNED[name]["content_hash"]


@pytest.mark.parametrize("name", sorted(PINNED))
def test_old_inspections_score_exactly_as_before(name: str) -> None:
    checklist = load_checklist(LEGACY / name)
    for case in PINNED[name]["cases"]:
        answers = case["answers"]
        _subset(case["scores"], score(checklist, answers).to_dict())
        areas = {area: tally.to_dict() for area, tally in score_by_area(checklist, answers).items()}
        assert list(areas) == list(case["areas"])
        _subset(case["areas"], areas)
        assert missing_answers(checklist, answers) == case["missing"]
