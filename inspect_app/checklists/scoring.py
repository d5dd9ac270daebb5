"""Scoring: tallies of a checklist's answers, overall, per section and per hazard area, and the
inspection's verdict.

Pure functions over a `Checklist`, its answers (item or sub-item id → value) and, when known,
the inspected factory (`FactoryProfile`). An item switched off by `applies_if` and an item
answered "not applicable" both count as not applicable and are left out of the percentage; so
are answers of kinds that are not scored (number, text, and choice without an option flagged
`action`). An item that `applies_to` excludes for the factory is left out altogether: it is
neither asked nor scored, and counted apart with the reason. An item with sub-items counts
once, with the answer rolled up from its sub-items.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .kinds import AnswerError
from .schema import DEFAULT_FAIL, DEFAULT_PASS, Checklist, FactoryProfile, Item, PhotoRule, Text

__all__ = [
    "LEFT_OUT_REASONS",
    "Scores",
    "Tally",
    "VerdictResult",
    "missing_answers",
    "photo_allowed",
    "photo_required",
    "score",
    "score_by_area",
    "score_with_areas",
    "verdict",
]

#: Why an item was left out for a factory (`applies_to`).
LEFT_OUT_REASONS = ("sector", "workers")


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts for a group of items.

    `applicable` = `answered` + `unanswered`; `not_applicable` counts items switched off by
    `applies_if` and items answered "not applicable"; `good` and `bad` count scored answers;
    `left_out` counts items not asked of this factory at all (`applies_to`).
    """

    applicable: int = 0
    answered: int = 0
    good: int = 0
    bad: int = 0
    needs_action: int = 0
    priority: int = 0
    not_applicable: int = 0
    unanswered: int = 0
    left_out: int = 0

    @property
    def total(self) -> int:
        """All items asked in the group."""
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
            self.left_out + other.left_out,
        )

    def to_dict(self) -> dict[str, Any]:
        """The counts and `percent`, for JSON."""
        return {**asdict(self), "percent": self.percent}


@dataclass(frozen=True, slots=True)
class VerdictResult:
    """An inspection's verdict: `fail`, `pass` or `pending` (not every asked item answered).

    `decisive_problems` lists the decisive items (by id, in checklist order) answered as a
    problem; `label` is the checklist's wording of the result (none while pending).
    """

    result: str
    label: Text | None
    decisive_problems: tuple[str, ...] = ()
    pass_mark: float | None = None
    below_pass_mark: bool = False

    @property
    def failed(self) -> bool:
        """Whether the verdict is a fail."""
        return self.result == "fail"

    def to_dict(self) -> dict[str, Any]:
        """For JSON (and the frozen scores of a submitted inspection)."""
        return {
            "result": self.result,
            "label": self.label.model_dump() if self.label else None,
            "decisive_problems": list(self.decisive_problems),
            "pass_mark": self.pass_mark,
            "below_pass_mark": self.below_pass_mark,
        }


@dataclass(frozen=True, slots=True)
class Scores:
    """The tally of a whole checklist and of each section (by section id, in order), the
    verdict (None when the checklist gives none) and why items were left out."""

    overall: Tally
    sections: dict[str, Tally]
    verdict: VerdictResult | None = None
    left_out: dict[str, int] = field(default_factory=dict)

    @property
    def percent(self) -> float | None:
        """The overall percentage."""
        return self.overall.percent

    def to_dict(self) -> dict[str, Any]:
        """Overall and per-section tallies, the verdict and the left-out counts, for JSON."""
        return {
            "overall": self.overall.to_dict(),
            "sections": {sid: tally.to_dict() for sid, tally in self.sections.items()},
            "verdict": self.verdict.to_dict() if self.verdict else None,
            "left_out": {"total": sum(self.left_out.values()), "reasons": dict(self.left_out)},
        }


_NOT_APPLICABLE = Tally(not_applicable=1)
_UNANSWERED = Tally(applicable=1, unanswered=1)
_LEFT_OUT = Tally(left_out=1)


def _valid_answer(item: Item, answers: Mapping[str, Any]) -> Any:
    """The item's answer, normalized (rolled up from its sub-items when it has any); None when
    missing or not valid for its kind."""
    kind = item.answer_kind
    if item.subitems:
        return kind.roll_up([kind.valid_or_none(answers.get(sub.id)) for sub in item.subitems])
    return kind.valid_or_none(answers.get(item.id))


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


@dataclass(frozen=True, slots=True)
class _Evaluation:
    """What every tally needs, worked out once per call: items left out for the factory,
    applicability, and each item's tally."""

    left_out: dict[str, str]
    applicable: dict[str, bool]
    tallies: dict[str, Tally]


def _evaluate(
    checklist: Checklist, answers: Mapping[str, Any], profile: FactoryProfile | None
) -> _Evaluation:
    left_out = checklist.left_out(profile)
    applicable = checklist.applicability(answers, profile)
    tallies = {
        item.id: _LEFT_OUT
        if item.id in left_out
        else _tally_item(item, applicable[item.id], answers)
        for item in checklist.items()
    }
    return _Evaluation(left_out, applicable, tallies)


def _scores(checklist: Checklist, answers: Mapping[str, Any], found: _Evaluation) -> Scores:
    sections = {
        section.id: _sum(found.tallies[item.id] for item in section.items)
        for section in checklist.sections
    }
    overall = _sum(sections.values())
    reasons = Counter(found.left_out.values())
    return Scores(
        overall=overall,
        sections=sections,
        verdict=_verdict(checklist, answers, found, overall),
        left_out={reason: reasons[reason] for reason in LEFT_OUT_REASONS if reasons[reason]},
    )


def _areas(checklist: Checklist, found: _Evaluation) -> dict[str, Tally]:
    by_area: dict[str, Tally] = {area: Tally() for area in checklist.area_catalogue}
    used: set[str] = set()
    for item in checklist.items():
        for area in item.areas:
            by_area[area] += found.tallies[item.id]
            used.add(area)
    return {area: tally for area, tally in by_area.items() if area in used}


def score(
    checklist: Checklist, answers: Mapping[str, Any], profile: FactoryProfile | None = None
) -> Scores:
    """Tally the answers (item id → value) overall and per section, with the verdict.

    Answers that are not valid for their item (say, from another version) count as missing.
    Without a `profile` no item is left out (`applies_to` is not looked at).
    """
    return _scores(checklist, answers, _evaluate(checklist, answers, profile))


def score_with_areas(
    checklist: Checklist, answers: Mapping[str, Any], profile: FactoryProfile | None = None
) -> tuple[Scores, dict[str, Tally]]:
    """`score` and `score_by_area` at once (the live scores of every autosave)."""
    found = _evaluate(checklist, answers, profile)
    return _scores(checklist, answers, found), _areas(checklist, found)


def verdict(
    checklist: Checklist, answers: Mapping[str, Any], profile: FactoryProfile | None = None
) -> VerdictResult | None:
    """The verdict under the checklist's rule (see `schema.Verdict`); None without a rule.

    Fail as soon as an asked decisive item has a problem answer (drafts too: the hazard is
    there whatever else is answered); with a pass mark, fail when every asked item is answered
    and the percentage is below it; pass when every asked item is answered otherwise; pending
    until then.
    """
    return score(checklist, answers, profile).verdict


def _verdict(
    checklist: Checklist, answers: Mapping[str, Any], found: _Evaluation, overall: Tally
) -> VerdictResult | None:
    rule = checklist.verdict_rule
    if rule is None:
        return None
    problems: tuple[str, ...] = ()
    if rule.fail_on_decisive:
        problems = tuple(
            item.id
            for item in checklist.items()
            if found.applicable[item.id]
            and (item.decisive or item.answer_kind.name == "choice")
            and item.is_decisive_problem(_valid_answer(item, answers))
        )
    complete = overall.unanswered == 0
    percent = overall.percent
    below = (
        rule.pass_mark is not None and complete and percent is not None and percent < rule.pass_mark
    )
    if problems or below:
        result, label = "fail", rule.fail_label or DEFAULT_FAIL
    elif complete:
        result, label = "pass", rule.pass_label or DEFAULT_PASS
    else:
        result, label = "pending", None
    return VerdictResult(result, label, problems, rule.pass_mark, below)


def score_by_area(
    checklist: Checklist, answers: Mapping[str, Any], profile: FactoryProfile | None = None
) -> dict[str, Tally]:
    """Tally the answers per hazard area (an item counts in each of its areas).

    Keys are the areas the checklist uses: the shipped ones in the registry's order (so that
    charts line up across checklist versions), then the checklist's own in its order.
    """
    return _areas(checklist, _evaluate(checklist, answers, profile))


def missing_answers(
    checklist: Checklist, answers: Mapping[str, Any], profile: FactoryProfile | None = None
) -> list[str]:
    """Ids of the asked questions (items, or the sub-items of an item that has them) without a
    (valid) answer yet, in checklist order."""
    applicable = checklist.applicability(answers, profile)
    missing = []
    for item in checklist.items():
        if not applicable[item.id]:
            continue
        kind = item.answer_kind
        missing.extend(
            q.id for q in item.questions if kind.valid_or_none(answers.get(q.id)) is None
        )
    return missing


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
