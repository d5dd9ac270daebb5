"""Scoring: tallies of a checklist's answers, overall, per section and per hazard area.

Pure functions over a `Checklist` and its answers (item id → value). An item switched off by
`applies_if` and an item answered "not applicable" both count as not applicable and are left
out of the percentage; so are answers of kinds that are not scored (number, text, and choice
without an option flagged `action`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from .areas import AREAS
from .kinds import AnswerError
from .schema import Checklist, Item, PhotoRule

__all__ = [
    "Scores",
    "Tally",
    "missing_answers",
    "photo_allowed",
    "photo_required",
    "score",
    "score_by_area",
]


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts for a group of items.

    `applicable` = `answered` + `unanswered`; `not_applicable` counts items switched off by
    `applies_if` and items answered "not applicable"; `good` and `bad` count scored answers.
    """

    applicable: int = 0
    answered: int = 0
    good: int = 0
    bad: int = 0
    needs_action: int = 0
    priority: int = 0
    not_applicable: int = 0
    unanswered: int = 0

    @property
    def total(self) -> int:
        """All items in the group."""
        return self.applicable + self.not_applicable

    @property
    def percent(self) -> float | None:
        """good / (good + bad) × 100, rounded to 1 decimal; None when nothing was scored."""
        scored = self.good + self.bad
        return round(self.good / scored * 100, 1) if scored else None

    def __add__(self, other: Tally) -> Tally:
        # Spelled out: this runs for every item on every autosave (the live scores).
        return Tally(
            self.applicable + other.applicable,
            self.answered + other.answered,
            self.good + other.good,
            self.bad + other.bad,
            self.needs_action + other.needs_action,
            self.priority + other.priority,
            self.not_applicable + other.not_applicable,
            self.unanswered + other.unanswered,
        )

    def to_dict(self) -> dict[str, Any]:
        """The counts and `percent`, for JSON."""
        return {**asdict(self), "percent": self.percent}


@dataclass(frozen=True, slots=True)
class Scores:
    """The tally of a whole checklist and of each section (by section id, in order)."""

    overall: Tally
    sections: dict[str, Tally]

    @property
    def percent(self) -> float | None:
        """The overall percentage."""
        return self.overall.percent

    def to_dict(self) -> dict[str, Any]:
        """Overall and per-section tallies, for JSON."""
        return {
            "overall": self.overall.to_dict(),
            "sections": {sid: tally.to_dict() for sid, tally in self.sections.items()},
        }


_NOT_APPLICABLE = Tally(not_applicable=1)
_UNANSWERED = Tally(applicable=1, unanswered=1)


def _valid_answer(item: Item, answers: Mapping[str, Any]) -> Any:
    """The item's answer, normalized; None when missing or not valid for its kind."""
    value = answers.get(item.id)
    if value is None:
        return None
    try:
        return item.answer_kind.validate(value)
    except AnswerError:
        return None


def _tally_item(item: Item, applies: bool, answers: Mapping[str, Any]) -> Tally:
    if not applies:
        return _NOT_APPLICABLE
    value = _valid_answer(item, answers)
    if value is None:
        return _UNANSWERED
    kind = item.answer_kind
    if kind.is_not_applicable(value):
        return _NOT_APPLICABLE
    result = kind.score(value)
    return Tally(
        applicable=1,
        answered=1,
        good=int(result is True),
        bad=int(result is False),
        needs_action=int(kind.needs_action(value)),
        priority=int(kind.is_priority(value)),
    )


def _sum(tallies: Iterable[Tally]) -> Tally:
    total = Tally()
    for tally in tallies:
        total += tally
    return total


def _item_tallies(checklist: Checklist, answers: Mapping[str, Any]) -> dict[str, Tally]:
    applicable = checklist.applicability(answers)
    return {item.id: _tally_item(item, applicable[item.id], answers) for item in checklist.items()}


def score(checklist: Checklist, answers: Mapping[str, Any]) -> Scores:
    """Tally the answers (item id → value) overall and per section.

    Answers that are not valid for their item (say, from another version) count as missing.
    """
    tallies = _item_tallies(checklist, answers)
    sections = {
        section.id: _sum(tallies[item.id] for item in section.items)
        for section in checklist.sections
    }
    return Scores(overall=_sum(sections.values()), sections=sections)


def score_by_area(checklist: Checklist, answers: Mapping[str, Any]) -> dict[str, Tally]:
    """Tally the answers per hazard area (an item counts in each of its areas).

    Keys are the areas the checklist uses, in the registry's order, so that charts line up
    across checklist versions.
    """
    tallies = _item_tallies(checklist, answers)
    by_area: dict[str, Tally] = {area: Tally() for area in AREAS}
    used: set[str] = set()
    for item in checklist.items():
        for area in item.areas:
            by_area[area] += tallies[item.id]
            used.add(area)
    return {area: tally for area, tally in by_area.items() if area in used}


def missing_answers(checklist: Checklist, answers: Mapping[str, Any]) -> list[str]:
    """Ids of the applicable items that have no (valid) answer yet, in checklist order."""
    applicable = checklist.applicability(answers)
    return [
        item.id
        for item in checklist.items()
        if applicable[item.id] and _valid_answer(item, answers) is None
    ]


def photo_allowed(item: Item) -> bool:
    """Whether the item takes photos at all."""
    return item.photo != PhotoRule.NONE


def photo_required(item: Item, value: Any) -> bool:
    """Whether a photo is required for this answer (`always`, or `on_action` when it needs
    action)."""
    if item.photo == PhotoRule.ALWAYS:
        return True
    if item.photo != PhotoRule.ON_ACTION or value is None:
        return False
    try:
        return item.answer_kind.needs_action(item.answer_kind.validate(value))
    except AnswerError:
        return False
