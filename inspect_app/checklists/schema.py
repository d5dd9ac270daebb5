"""Checklist models: the validated, frozen form of a checklist YAML file.

Only the loader reads YAML; the rest of the app sees these objects. `semantic_problems` holds
the cross-field rules (unique ids, `applies_if`, photo rules, labels, areas, decisive items …)
so that the loader can report them with line numbers and the models can enforce them when
built from stored JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..factories.schemas import Sector
from .areas import AREAS, Area
from .kinds import (
    ANSWER_KINDS,
    LOADER_CONTEXT_KEY,
    AnswerError,
    AnswerKind,
    KindParams,
    Model,
    NonEmpty,
    Number,
    Text,
    answer_kind,
    answers_type,
    choice_option_problems,
    describe,
    number_range_problem,
)

__all__ = [
    "AppliesIf",
    "AppliesTo",
    "Checklist",
    "ChecklistKind",
    "DeclaredArea",
    "FactoryProfile",
    "Item",
    "Path",
    "PhotoRule",
    "RiskFloor",
    "Section",
    "SubItem",
    "Text",
    "Verdict",
    "format_path",
    "semantic_problems",
]

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
AREA_ID_PATTERN = r"^[a-z0-9]+(_[a-z0-9]+)*$"
NUMBER_MAX = 40

Path = tuple[str | int, ...]

#: Kinds whose answers a checklist may word its own way (`labels:`), with every value a label
#: may name. (Choice options carry their own labels.)
LABELLED_KINDS = {
    "yes_no": ("yes", "no", "na"),
    "compliance": ("compliant", "not_compliant", "not_applicable"),
    "propose_action": ("no", "yes", "priority", "na"),
    "number": ("na",),
    "text": ("na",),
}


class ChecklistKind(StrEnum):
    """The kind of inspection a checklist is written for."""

    SCORE_VISIT = "score_visit"
    ENFORCEMENT = "enforcement"
    SELF_INSPECTION = "self_inspection"


class PhotoRule(StrEnum):
    """When an item takes a photo."""

    NONE = "none"
    OPTIONAL = "optional"
    ON_ACTION = "on_action"
    ALWAYS = "always"


RiskFloor = Literal["low", "medium", "high", "critical"]


def _check_scalar(value: Any) -> Any:
    if value is None or isinstance(value, list | tuple | dict):
        raise PydanticCustomError(
            "condition_value", "expected an answer value, got {got}", {"got": describe(value)}
        )
    return value


def _check_sector(sector: str) -> str:
    if sector not in Sector.__members__.values():
        raise PydanticCustomError(
            "unknown_sector",
            "unknown sector `{sector}`; expected one of {expected}",
            {"sector": sector, "expected": ", ".join(sorted(s.value for s in Sector))},
        )
    return sector


Slug = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, pattern=SLUG_PATTERN)]
AreaId = Annotated[
    str, StringConstraints(strict=True, strip_whitespace=True, pattern=AREA_ID_PATTERN)
]
SectorId = Annotated[str, StringConstraints(strict=True), AfterValidator(_check_sector)]
ConditionValue = Annotated[Any, AfterValidator(_check_scalar)]
SourceNumber = Annotated[NonEmpty, StringConstraints(max_length=NUMBER_MAX)]
Workers = Annotated[StrictInt, Field(ge=0)]


@dataclass(frozen=True, slots=True)
class FactoryProfile:
    """What `applies_to` looks at in a factory: its sector and its headcount."""

    sector: str | None = None
    workers: int | None = None


class AppliesIf(Model):
    """`applies_if: {item: storage-02, in: [yes, priority]}`: ask only after those answers."""

    item: Slug
    values: tuple[ConditionValue, ...] = Field(alias="in", min_length=1)

    def matches(self, answer: Any) -> bool:
        """Whether the controlling item's answer (a list for multiple choice) switches on."""
        if answer is None:
            return False
        if isinstance(answer, list | tuple):
            return any(a in self.values for a in answer)
        return answer in self.values


class AppliesTo(Model):
    """`applies_to: {sectors: [machinery], min_workers: 100}`: which factories are asked.

    A section or item that does not apply to the inspected factory is neither asked nor
    scored; the result counts it as left out, with the reason (`sector`, `workers`).
    """

    sectors: tuple[SectorId, ...] | None = Field(default=None, min_length=1)
    min_workers: Workers | None = None
    max_workers: Workers | None = None

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> AppliesTo:
        if info.context and info.context.get(LOADER_CONTEXT_KEY):
            return self
        problem = applies_to_problem(self.model_dump())
        if problem:
            raise PydanticCustomError("applies_to", problem[1])
        return self

    def reason_left_out(self, profile: FactoryProfile | None) -> str | None:
        """None when the factory is asked; else why not (`sector` or `workers`)."""
        if profile is None:
            return None
        if self.sectors is not None and profile.sector not in self.sectors:
            return "sector"
        if profile.workers is not None:
            if self.min_workers is not None and profile.workers < self.min_workers:
                return "workers"
            if self.max_workers is not None and profile.workers > self.max_workers:
                return "workers"
        return None


def applies_to_problem(data: Any) -> tuple[str, str] | None:
    """(key, message) when `applies_to` says nothing or its headcount range is upside down."""
    if not isinstance(data, dict):
        return None
    if all(data.get(key) is None for key in ("sectors", "min_workers", "max_workers")):
        return ("sectors", "say which factories: `sectors`, `min_workers` or `max_workers`")
    low, high = data.get("min_workers"), data.get("max_workers")
    if isinstance(low, int) and isinstance(high, int) and high < low:
        return ("max_workers", f"`max_workers` ({high}) is less than `min_workers` ({low})")
    return None


class SubItem(Model):
    """A sub-question of an item, answered on its own with the item's answer kind; the
    answers of all sub-items roll up into the item's answer (see `AnswerKind.roll_up`)."""

    id: Slug
    number: SourceNumber | None = None
    text: Text
    references: tuple[Text, ...] = ()


class Item(Model):
    """One checklist item: a question with guidance, an answer kind and hazard areas."""

    id: Slug
    number: SourceNumber | None = None
    text: Text
    why: Text | None = None
    how: Text | None = None
    answers: answers_type()  # type: ignore[valid-type]
    areas: tuple[AreaId, ...] = Field(min_length=1)
    references: tuple[Text, ...] = ()
    applies_if: AppliesIf | None = None
    applies_to: AppliesTo | None = None
    decisive: StrictBool = False
    risk_floor: RiskFloor | None = None
    subitems: tuple[SubItem, ...] = Field(default=(), min_length=1)
    photo: PhotoRule = PhotoRule.OPTIONAL

    LATER_FIELDS = frozenset(
        {"number", "why", "how", "applies_to", "decisive", "risk_floor", "subitems"}
    )

    @cached_property
    def answer_kind(self) -> AnswerKind:
        """The answer kind instance (validate, options, needs_action, score …).

        A checklist sets it with its own answer labels (`Checklist.labels`).
        """
        return answer_kind(self.answers)

    def applies(self, answers: Mapping[str, Any]) -> bool:
        """Whether `applies_if` (if any) is met by `answers` (item id → value).

        This checks only this item's own condition; `Checklist.applicability` also follows
        chains (an item whose controlling item is itself switched off is off too).
        """
        if self.applies_if is None:
            return True
        return self.applies_if.matches(answers.get(self.applies_if.item))

    @property
    def questions(self) -> tuple[Item | SubItem, ...]:
        """What is answered: the sub-items when there are any, else the item itself."""
        return self.subitems or (self,)

    def is_decisive_problem(self, value: Any) -> bool:
        """Whether this (valid, rolled-up) answer is a decisive problem."""
        if value is None:
            return False
        kind = self.answer_kind
        return kind.is_decisive(value) or (self.decisive and kind.needs_action(value))


class Section(Model):
    """A titled group of items."""

    id: Slug
    number: SourceNumber | None = None
    title: Text
    applies_to: AppliesTo | None = None
    items: tuple[Item, ...] = Field(min_length=1)

    LATER_FIELDS = frozenset({"number", "applies_to"})


class Verdict(Model):
    """How an inspection's verdict is reached (`verdict:` at the top of a checklist).

    It fails when an item marked `decisive` (or an option marked `decisive`) gets a problem
    answer (unless `fail_on_decisive: false`), or when `pass_mark` is set and the percentage
    is below it once every asked item is answered; it passes once every asked item is
    answered and neither happened; until then it is pending.
    """

    fail_on_decisive: StrictBool = True
    pass_mark: Annotated[Number, Field(ge=0, le=100)] | None = None
    fail_label: Text | None = None
    pass_label: Text | None = None


#: Verdict labels when a checklist does not word its own.
DEFAULT_FAIL = Text(zh="不合格", en="Fail")
DEFAULT_PASS = Text(zh="合格", en="Pass")


class DeclaredArea(Model):
    """A hazard area a checklist declares beside the shipped registry (`areas:` at the top)."""

    id: AreaId
    zh: NonEmpty
    en: NonEmpty

    def as_area(self) -> Area:
        """The area in the registry's shape."""
        return Area(self.id, self.zh, self.en)


class Checklist(Model):
    """A whole checklist; build it with `loader.load_checklist` or `Checklist.model_validate`."""

    id: Slug
    title: Text
    description: Text
    kind: ChecklistKind
    source: Text
    labels: dict[str, dict[str, Text]] = Field(default_factory=dict)
    verdict: Verdict | None = None
    areas: tuple[DeclaredArea, ...] = ()
    sections: tuple[Section, ...] = Field(min_length=1)

    LATER_FIELDS = frozenset({"labels", "verdict", "areas"})

    _index: dict[str, Item] = PrivateAttr(default_factory=dict)
    _parents: dict[str, Item] = PrivateAttr(default_factory=dict)
    _sections: dict[str, Section] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        """Index the items and sub-items by id; give each item the checklist's answer labels."""
        for section in self.sections:
            for item in section.items:
                self._index.setdefault(item.id, item)
                self._sections.setdefault(item.id, section)
                for sub in item.subitems:
                    self._parents.setdefault(sub.id, item)
                labels = self.labels.get(item.answers.kind)
                if labels:
                    # Primes the cached property: the kind's options carry these labels.
                    item.__dict__["answer_kind"] = answer_kind(
                        item.answers, {value: (t.zh, t.en) for value, t in labels.items()}
                    )

    @model_validator(mode="after")
    def _check_semantics(self, info: ValidationInfo) -> Checklist:
        if info.context and info.context.get(LOADER_CONTEXT_KEY):
            return self
        data = self.model_dump(mode="json", by_alias=True)
        problems = [f"{format_path(path)}: {message}" for path, message in semantic_problems(data)]
        if problems:
            raise PydanticCustomError("checklist", "{problems}", {"problems": "; ".join(problems)})
        return self

    # --- items and sub-items

    def items(self) -> Iterator[Item]:
        """Iterate over all items, in order."""
        for section in self.sections:
            yield from section.items

    def item(self, item_id: str) -> Item:
        """Return the item with this id; raise KeyError if there is none."""
        return self._index[item_id]

    def has_item(self, item_id: str) -> bool:
        """Whether an item with this id exists."""
        return item_id in self._index

    def section_of(self, item_id: str) -> Section:
        """Return the section holding the item with this id; raise KeyError if there is none."""
        return self._sections[item_id]

    def has_question(self, question_id: str) -> bool:
        """Whether this id names something answered: an item without sub-items, or a sub-item."""
        if question_id in self._parents:
            return True
        return question_id in self._index and not self._index[question_id].subitems

    def item_of(self, item_or_sub_id: str) -> Item:
        """The item with this id, or the item holding the sub-item with this id (KeyError)."""
        return self._parents.get(item_or_sub_id) or self._index[item_or_sub_id]

    def sub_item(self, sub_id: str) -> SubItem | None:
        """The sub-item with this id, or None."""
        parent = self._parents.get(sub_id)
        if parent is None:
            return None
        return next(sub for sub in parent.subitems if sub.id == sub_id)

    def knows(self, item_or_sub_id: str) -> bool:
        """Whether an item or a sub-item has this id."""
        return item_or_sub_id in self._index or item_or_sub_id in self._parents

    def references_of(self, item_or_sub_id: str) -> tuple[Text, ...]:
        """The legal references of a sub-item (its own, then its item's) or of an item."""
        item = self.item_of(item_or_sub_id)
        sub = self.sub_item(item_or_sub_id)
        return (*(sub.references if sub else ()), *item.references)

    def number_of(self, item_or_sub_id: str) -> str | None:
        """The source's own number of an item, or of a sub-item within its item."""
        item = self.item_of(item_or_sub_id)
        sub = self.sub_item(item_or_sub_id)
        if sub is None:
            return item.number
        if sub.number and item.number:
            return f"{item.number}{sub.number}"
        return sub.number or item.number

    # --- answers, applicability, verdict

    def effective_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The answers with each item that has sub-items answered by their roll-up.

        Sub-item answers that are not valid count as unanswered.
        """
        result = dict(answers)
        for item in self.items():
            if item.subitems:
                kind = item.answer_kind
                result[item.id] = kind.roll_up(
                    [kind.valid_or_none(answers.get(sub.id)) for sub in item.subitems]
                )
        return result

    def left_out(self, profile: FactoryProfile | None) -> dict[str, str]:
        """Items not asked of this factory (`applies_to`), with the reason, in order."""
        result: dict[str, str] = {}
        if profile is None:
            return result
        for section in self.sections:
            section_reason = (
                section.applies_to.reason_left_out(profile) if section.applies_to else None
            )
            for item in section.items:
                reason = section_reason or (
                    item.applies_to.reason_left_out(profile) if item.applies_to else None
                )
                if reason:
                    result[item.id] = reason
        return result

    def applicability(
        self, answers: Mapping[str, Any], profile: FactoryProfile | None = None
    ) -> dict[str, bool]:
        """Map each item id (and sub-item id) to whether it is asked, following `applies_if`
        chains in order and leaving out what `applies_to` excludes for this factory."""
        effective = self.effective_answers(answers)
        left_out = self.left_out(profile)
        result: dict[str, bool] = {}
        for item in self.items():
            condition = item.applies_if
            on = item.id not in left_out and (
                condition is None or (result.get(condition.item, False) and item.applies(effective))
            )
            result[item.id] = on
            for sub in item.subitems:
                result[sub.id] = on
        return result

    @cached_property
    def verdict_rule(self) -> Verdict | None:
        """The verdict rule: as declared, or "any decisive problem fails" when items are
        decisive and none is declared; None when the checklist gives no verdict."""
        if self.verdict is not None:
            return self.verdict
        if any(_can_be_decisive(item) for item in self.items()):
            return Verdict()
        return None

    # --- hazard areas

    @cached_property
    def area_catalogue(self) -> dict[str, Area]:
        """Every area this checklist may name: the registry, then its own declared areas."""
        return {**AREAS, **{area.id: area.as_area() for area in self.areas}}


def _can_be_decisive(item: Item) -> bool:
    if item.decisive:
        return True
    options = getattr(item.answers, "options", ())
    return any(getattr(option, "decisive", False) for option in options)


def format_path(path: Path) -> str:
    """Format a path as the checklist author sees it: `sections[2].items[4].text`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _default_where(path: Path) -> str:
    return format_path(path)


@dataclass
class _Seen:
    """What the semantic checks have seen so far in a file."""

    section_ids: dict[str, Path]
    item_ids: dict[str, Path]
    kinds: dict[str, AnswerKind | None]
    parents: set[str]
    areas: set[str]


def semantic_problems(
    data: Any, where: Callable[[Path], str] = _default_where
) -> list[tuple[Path, str]]:
    """Check cross-field rules on raw checklist data; return (path, message) pairs.

    Tolerates any shape of data (the loader runs it even when the schema check failed), and
    `where(path)` says where something was first seen ("line 40").
    """
    problems: list[tuple[Path, str]] = []
    if not isinstance(data, dict):
        return problems
    problems.extend(_labels_problems(data.get("labels")))
    areas = _declared_area_problems(data.get("areas"), problems, where)
    if not isinstance(data.get("sections"), list):
        return problems
    seen = _Seen({}, {}, {}, set(), areas)
    for s, section in enumerate(data["sections"]):
        if not isinstance(section, dict):
            continue
        spath: Path = ("sections", s)
        sid = section.get("id")
        if isinstance(sid, str):
            if sid in seen.section_ids:
                first = where((*seen.section_ids[sid], "id"))
                problems.append(
                    ((*spath, "id"), f"duplicate section id `{sid}` (first at {first})")
                )
            else:
                seen.section_ids[sid] = spath
        problems.extend(_applies_to_problems(section.get("applies_to"), (*spath, "applies_to")))
        items = section.get("items")
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if isinstance(item, dict):
                ipath: Path = (*spath, "items", i)
                problems.extend(_item_problems(item, ipath, seen, where))
    problems.extend(_verdict_problems(data))
    return problems


def _labels_problems(labels: Any) -> list[tuple[Path, str]]:
    problems: list[tuple[Path, str]] = []
    if not isinstance(labels, dict):
        return problems
    for kind, values in labels.items():
        if kind not in LABELLED_KINDS:
            expected = ", ".join(LABELLED_KINDS)
            message = f"answers of kind `{kind}` have no labels to set; expected one of {expected}"
            if kind == "choice":
                message += " (choice options carry their own labels)"
            problems.append((("labels", kind), message))
            continue
        if not isinstance(values, dict):
            continue
        for value in values:
            if value not in LABELLED_KINDS[kind]:
                expected = ", ".join(LABELLED_KINDS[kind])
                problems.append(
                    (
                        ("labels", kind, value),
                        f"`{kind}` answers have no value `{value}`; expected one of {expected}",
                    )
                )
    return problems


def _declared_area_problems(
    areas: Any, problems: list[tuple[Path, str]], where: Callable[[Path], str]
) -> set[str]:
    declared: dict[str, int] = {}
    if not isinstance(areas, list):
        return set()
    for a, area in enumerate(areas):
        aid = area.get("id") if isinstance(area, dict) else None
        if not isinstance(aid, str) or not _is_area_id(aid):
            continue  # the schema check reports it
        if aid in AREAS:
            problems.append(
                (
                    ("areas", a, "id"),
                    f"`{aid}` is already a shipped hazard area; use it without declaring it",
                )
            )
        elif aid in declared:
            first = where(("areas", declared[aid], "id"))
            problems.append((("areas", a, "id"), f"duplicate area id `{aid}` (first at {first})"))
        else:
            declared[aid] = a
    return set(declared)


def _applies_to_problems(applies_to: Any, path: Path) -> list[tuple[Path, str]]:
    problem = applies_to_problem(applies_to)
    if problem is None:
        return []
    key, message = problem
    return [((*path, key) if key == "max_workers" else path, message)]


def _item_problems(
    item: dict[str, Any], path: Path, seen: _Seen, where: Callable[[Path], str]
) -> list[tuple[Path, str]]:
    problems: list[tuple[Path, str]] = []
    kind = _kind_of(item.get("answers"))
    problems.extend(_answers_problems(item.get("answers"), (*path, "answers")))

    areas = item.get("areas")
    if isinstance(areas, list):
        known = {*AREAS, *seen.areas}
        repeated: set[Any] = set()
        for a, area in enumerate(areas):
            if not isinstance(area, str):
                continue
            if area in repeated:
                problems.append(((*path, "areas", a), f"duplicate area `{area}`"))
            elif area not in known and _is_area_id(area):
                expected = ", ".join(sorted(known))
                problems.append(
                    ((*path, "areas", a), f"unknown area `{area}`; expected one of {expected}")
                )
            repeated.add(area)

    condition = item.get("applies_if")
    if isinstance(condition, dict):
        problems.extend(_condition_problems(condition, (*path, "applies_if"), seen))
    problems.extend(_applies_to_problems(item.get("applies_to"), (*path, "applies_to")))

    photo = item.get("photo")
    if photo == PhotoRule.ON_ACTION and kind is not None and not kind.can_need_action():
        problems.append(
            (
                (*path, "photo"),
                f"`on_action` needs answers that can need action; `{kind.name}` answers never do"
                + (" (flag an option with `action: true`)" if kind.name == "choice" else ""),
            )
        )
    if item.get("decisive") is True and kind is not None and not kind.can_need_action():
        problems.append(
            (
                (*path, "decisive"),
                f"a decisive item needs answers that can be a problem; `{kind.name}` answers "
                "never are"
                + (" (flag an option with `action: true`)" if kind.name == "choice" else ""),
            )
        )

    subitems = item.get("subitems")
    if isinstance(subitems, list) and subitems and kind is not None and not kind.ROLLS_UP:
        rolling = ", ".join(name for name, cls in sorted(ANSWER_KINDS.items()) if cls.ROLLS_UP)
        problems.append(
            (
                (*path, "subitems"),
                f"`{kind.name}` answers cannot roll sub-items up into one answer; use one of "
                f"{rolling}",
            )
        )

    iid = item.get("id")
    if isinstance(iid, str):
        problems.extend(_new_id(iid, path, seen, where, "item"))
        if isinstance(subitems, list) and subitems:
            seen.parents.add(iid)
    if isinstance(subitems, list):
        for n, sub in enumerate(subitems):
            sid = sub.get("id") if isinstance(sub, dict) else None
            if isinstance(sid, str):
                problems.extend(_new_id(sid, (*path, "subitems", n), seen, where, "item"))
                seen.kinds[sid] = kind
    if isinstance(iid, str) and iid not in seen.kinds:
        seen.kinds[iid] = kind
    return problems


def _new_id(
    new: str, path: Path, seen: _Seen, where: Callable[[Path], str], what: str
) -> list[tuple[Path, str]]:
    if new in seen.item_ids:
        first = where((*seen.item_ids[new], "id"))
        return [((*path, "id"), f"duplicate {what} id `{new}` (first at {first})")]
    seen.item_ids[new] = path
    return []


def _is_area_id(value: str) -> bool:
    import re

    return re.fullmatch(AREA_ID_PATTERN, value) is not None


def _kind_of(answers: Any) -> AnswerKind | None:
    """Build the answer kind from raw `answers`, or None if they are invalid."""
    name = answers if isinstance(answers, str) else None
    if isinstance(answers, dict) and isinstance(answers.get("kind"), str):
        name = answers["kind"]
    if name is None or name.strip() not in ANSWER_KINDS:
        return None
    params_model: type[KindParams] = ANSWER_KINDS[name.strip()].Params
    try:
        params = params_model.model_validate(answers, context={LOADER_CONTEXT_KEY: True})
    except ValueError:
        return None
    return answer_kind(params)


def _answers_problems(answers: Any, path: Path) -> list[tuple[Path, str]]:
    problems: list[tuple[Path, str]] = []
    if not isinstance(answers, dict):
        return problems
    problem = number_range_problem(answers.get("min"), answers.get("max"))
    if answers.get("kind") == "number" and problem:
        problems.append(((*path, "max"), problem))
    options = answers.get("options")
    if answers.get("kind") == "choice" and isinstance(options, list):
        for o, key, message in choice_option_problems(options, answers.get("multiple")):
            problems.append(((*path, "options", o, key), message))
    return problems


def _condition_problems(
    condition: dict[str, Any], path: Path, seen: _Seen
) -> list[tuple[Path, str]]:
    target = condition.get("item")
    if not isinstance(target, str):
        return []
    if target not in seen.kinds:
        return [((*path, "item"), f"`{target}` is not an earlier item")]
    if target in seen.parents:
        return [
            (
                (*path, "item"),
                f"`{target}` is answered through its sub-items; name one of its sub-items",
            )
        ]
    kind = seen.kinds[target]
    values = condition.get("in")
    if kind is None or not isinstance(values, list):
        return []
    problems: list[tuple[Path, str]] = []
    for v, value in enumerate(values):
        if value is None or isinstance(value, list | dict):
            continue  # the schema check reports these
        try:
            kind.validate_condition(value)
        except AnswerError as exc:
            shown = str(value).lower() if isinstance(value, bool) else value
            problems.append(
                (
                    (*path, "in", v),
                    f"`{shown}` is not a valid answer for `{target}` ({exc.message})",
                )
            )
    return problems


def _verdict_problems(data: dict[str, Any]) -> list[tuple[Path, str]]:
    verdict = data.get("verdict")
    if not isinstance(verdict, dict):
        return []
    if verdict.get("pass_mark") is not None or verdict.get("fail_on_decisive") is False:
        if verdict.get("pass_mark") is None:
            return [
                (
                    ("verdict",),
                    "this verdict can never fail: set `pass_mark`, or leave "
                    "`fail_on_decisive` on and mark items `decisive`",
                )
            ]
        return []
    decisive = False
    for section in data.get("sections") or []:
        for item in (section.get("items") if isinstance(section, dict) else None) or []:
            if not isinstance(item, dict):
                continue
            answers = item.get("answers")
            options = answers.get("options") if isinstance(answers, dict) else None
            decisive = decisive or item.get("decisive") is True
            decisive = decisive or any(
                isinstance(o, dict) and o.get("decisive") is True for o in options or []
            )
    if decisive:
        return []
    return [
        (
            ("verdict",),
            "this verdict can never fail: no item or option is `decisive` and there is no "
            "`pass_mark`",
        )
    ]
