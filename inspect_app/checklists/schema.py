"""Checklist models: the validated, frozen form of a checklist YAML file.

Only the loader reads YAML; the rest of the app sees these objects. `semantic_problems` holds
the cross-field rules (unique ids, `applies_if`, photo rules) so that the loader can report them
with line numbers and the models can enforce them when built from stored JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .areas import AREAS
from .kinds import (
    ANSWER_KINDS,
    LOADER_CONTEXT_KEY,
    AnswerError,
    AnswerKind,
    KindParams,
    Model,
    Text,
    answer_kind,
    answers_type,
    describe,
    number_range_problem,
)

__all__ = [
    "AppliesIf",
    "Checklist",
    "ChecklistKind",
    "Item",
    "Path",
    "PhotoRule",
    "Section",
    "Text",
    "format_path",
    "semantic_problems",
]

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

Path = tuple[str | int, ...]


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


def _check_area(area: str) -> str:
    if area not in AREAS:
        raise PydanticCustomError(
            "unknown_area",
            "unknown area `{area}`; expected one of {expected}",
            {"area": area, "expected": ", ".join(sorted(AREAS))},
        )
    return area


def _check_scalar(value: Any) -> Any:
    if value is None or isinstance(value, list | tuple | dict):
        raise PydanticCustomError(
            "condition_value", "expected an answer value, got {got}", {"got": describe(value)}
        )
    return value


Slug = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, pattern=SLUG_PATTERN)]
AreaId = Annotated[str, StringConstraints(strict=True), AfterValidator(_check_area)]
ConditionValue = Annotated[Any, AfterValidator(_check_scalar)]


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


class Item(Model):
    """One checklist item: a question with guidance, an answer kind and hazard areas."""

    id: Slug
    text: Text
    why: Text
    how: Text
    answers: answers_type()  # type: ignore[valid-type]
    areas: tuple[AreaId, ...] = Field(min_length=1)
    references: tuple[Text, ...] = ()
    applies_if: AppliesIf | None = None
    photo: PhotoRule = PhotoRule.OPTIONAL

    @cached_property
    def answer_kind(self) -> AnswerKind:
        """The answer kind instance (validate, options, needs_action, score …)."""
        return answer_kind(self.answers)

    def applies(self, answers: Mapping[str, Any]) -> bool:
        """Whether `applies_if` (if any) is met by `answers` (item id → value).

        This checks only this item's own condition; `Checklist.applicability` also follows
        chains (an item whose controlling item is itself switched off is off too).
        """
        if self.applies_if is None:
            return True
        return self.applies_if.matches(answers.get(self.applies_if.item))


class Section(Model):
    """A titled group of items."""

    id: Slug
    title: Text
    items: tuple[Item, ...] = Field(min_length=1)


class Checklist(Model):
    """A whole checklist; build it with `loader.load_checklist` or `Checklist.model_validate`."""

    id: Slug
    title: Text
    description: Text
    kind: ChecklistKind
    source: Text
    sections: tuple[Section, ...] = Field(min_length=1)

    _index: dict[str, Item] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        """Index the items by id."""
        for item in self.items():
            self._index.setdefault(item.id, item)

    @model_validator(mode="after")
    def _check_semantics(self, info: ValidationInfo) -> Checklist:
        if info.context and info.context.get(LOADER_CONTEXT_KEY):
            return self
        data = self.model_dump(mode="json", by_alias=True)
        problems = [f"{format_path(path)}: {message}" for path, message in semantic_problems(data)]
        if problems:
            raise PydanticCustomError("checklist", "{problems}", {"problems": "; ".join(problems)})
        return self

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
        for section in self.sections:
            if any(item.id == item_id for item in section.items):
                return section
        raise KeyError(item_id)

    def applicability(self, answers: Mapping[str, Any]) -> dict[str, bool]:
        """Map each item id to whether it applies, following `applies_if` chains in order."""
        result: dict[str, bool] = {}
        for item in self.items():
            condition = item.applies_if
            result[item.id] = condition is None or (
                result.get(condition.item, False) and item.applies(answers)
            )
        return result


def format_path(path: Path) -> str:
    """Format a path as the checklist author sees it: `sections[2].items[4].text`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _default_where(path: Path) -> str:
    return format_path(path)


def semantic_problems(
    data: Any, where: Callable[[Path], str] = _default_where
) -> list[tuple[Path, str]]:
    """Check cross-field rules on raw checklist data; return (path, message) pairs.

    Tolerates any shape of data (the loader runs it even when the schema check failed), and
    `where(path)` says where something was first seen ("line 40").
    """
    problems: list[tuple[Path, str]] = []
    if not isinstance(data, dict) or not isinstance(data.get("sections"), list):
        return problems
    section_ids: dict[str, Path] = {}
    item_ids: dict[str, Path] = {}
    kinds: dict[str, AnswerKind | None] = {}
    for s, section in enumerate(data["sections"]):
        if not isinstance(section, dict):
            continue
        spath: Path = ("sections", s)
        sid = section.get("id")
        if isinstance(sid, str):
            if sid in section_ids:
                first = where((*section_ids[sid], "id"))
                problems.append(
                    ((*spath, "id"), f"duplicate section id `{sid}` (first at {first})")
                )
            else:
                section_ids[sid] = spath
        items = section.get("items")
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if isinstance(item, dict):
                ipath: Path = (*spath, "items", i)
                problems.extend(_item_problems(item, ipath, item_ids, kinds, where))
    return problems


def _item_problems(
    item: dict[str, Any],
    path: Path,
    item_ids: dict[str, Path],
    kinds: dict[str, AnswerKind | None],
    where: Callable[[Path], str],
) -> list[tuple[Path, str]]:
    problems: list[tuple[Path, str]] = []
    kind = _kind_of(item.get("answers"))
    problems.extend(_answers_problems(item.get("answers"), (*path, "answers")))

    areas = item.get("areas")
    if isinstance(areas, list):
        seen: set[Any] = set()
        for a, area in enumerate(areas):
            if isinstance(area, str) and area in seen:
                problems.append(((*path, "areas", a), f"duplicate area `{area}`"))
            if isinstance(area, str):
                seen.add(area)

    condition = item.get("applies_if")
    if isinstance(condition, dict):
        problems.extend(_condition_problems(condition, (*path, "applies_if"), kinds))

    photo = item.get("photo")
    if photo == PhotoRule.ON_ACTION and kind is not None and not kind.can_need_action():
        problems.append(
            (
                (*path, "photo"),
                f"`on_action` needs answers that can need action; `{kind.name}` answers never do"
                + (" (flag an option with `action: true`)" if kind.name == "choice" else ""),
            )
        )

    iid = item.get("id")
    if isinstance(iid, str):
        if iid in item_ids:
            first = where((*item_ids[iid], "id"))
            problems.append(((*path, "id"), f"duplicate item id `{iid}` (first at {first})"))
        else:
            item_ids[iid] = path
            kinds[iid] = kind
    return problems


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
        seen: set[str] = set()
        for o, option in enumerate(options):
            oid = option.get("id") if isinstance(option, dict) else None
            if isinstance(oid, str) and oid in seen:
                problems.append(((*path, "options", o, "id"), f"duplicate option id `{oid}`"))
            if isinstance(oid, str):
                seen.add(oid)
    return problems


def _condition_problems(
    condition: dict[str, Any], path: Path, kinds: dict[str, AnswerKind | None]
) -> list[tuple[Path, str]]:
    target = condition.get("item")
    if not isinstance(target, str):
        return []
    if target not in kinds:
        return [((*path, "item"), f"`{target}` is not an earlier item")]
    kind = kinds[target]
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
