"""Answer kinds: a registry of small classes, one per kind of answer an item takes.

A kind has a pydantic `Params` model (what the checklist YAML may say after `answers:`) and
methods that validate, classify and score one answer value. Adding a kind is one class here,
decorated with `@register`; the schema's `answers` field is built from this registry.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Any, ClassVar, Literal, TypeVar, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StringConstraints,
    Tag,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

TEXT_ANSWER_MAX = 2000
OPTION_ID_PATTERN = r"^[a-z0-9]+([-_][a-z0-9]+)*$"

# Validation context key: the loader runs the cross-field checks itself (to point at the exact
# line), so models skip them when it is set.
LOADER_CONTEXT_KEY = "checklist_loader"

# An answer value once validated: an option id, a number, text, or option ids (multiple choice).
AnswerValue = str | int | float | list[str]
Option = tuple[str, str, str]


class AnswerError(ValueError):
    """An answer value that its item's kind does not accept; `message` says why, in English."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def describe(value: Any) -> str:
    """Describe a value for an error message: `the text \\`abc\\``, `a list`, `nothing`…"""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, int | float):
        return f"the number `{value}`"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text `{shown}`" if shown else "empty text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def _loader_is_checking(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get(LOADER_CONTEXT_KEY))


def _strict_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError(
            "number_type", "expected a number, got {got}", {"got": describe(value)}
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError(
            "number_finite", "expected a finite number, got {got}", {"got": describe(value)}
        )
    return value


Number = Annotated[int | float, BeforeValidator(_strict_number)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, strict=True)]


class Model(BaseModel):
    """Base for checklist models: frozen, strict about unknown keys, whitespace stripped."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Text(Model):
    """Bilingual text: both Chinese and English, neither empty."""

    zh: NonEmpty
    en: NonEmpty

    def get(self, lang: str) -> str:
        """Return the text in `lang` (any `zh*` locale → Chinese), falling back to English."""
        return self.zh if lang.lower().startswith("zh") else self.en

    def __str__(self) -> str:
        return self.en


class KindParams(Model):
    """What a checklist may say after `answers:`; a subclass per kind narrows `kind`."""

    kind: str

    @model_validator(mode="before")
    @classmethod
    def _expand_shorthand(cls, data: Any) -> Any:
        # `answers: compliance` is short for `answers: {kind: compliance}`.
        if not isinstance(data, str):
            return data
        required = [
            name
            for name, field in cls.model_fields.items()
            if name != "kind" and field.is_required()
        ]
        if required:
            fields = ", ".join(f"{name}: ..." for name in required)
            raise PydanticCustomError(
                "shorthand_needs_params",
                f"`{data}` answers need the mapping form `{{kind: {data}, {fields}}}`",
            )
        return {"kind": data}


class AnswerKind:
    """Base class of answer kinds. Subclasses set `name` and `Params` and are `@register`ed."""

    name: ClassVar[str]
    Params: ClassVar[type[KindParams]]

    def __init__(self, params: KindParams | None = None) -> None:
        self.params = params if params is not None else self.Params(kind=self.name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.params == self.params  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.params))

    def options(self) -> list[Option]:
        """Return the (value, zh, en) choices for answer buttons; empty for free input."""
        return []

    def validate(self, value: Any) -> Any:
        """Return the normalized value, or raise AnswerError saying what is wrong."""
        raise NotImplementedError

    def validate_condition(self, value: Any) -> Any:
        """Validate one value of an `applies_if.in` list that refers to an item of this kind."""
        return self.validate(value)

    def needs_action(self, value: Any) -> bool:
        """Whether this (valid) answer calls for an improvement action."""
        return False

    def is_priority(self, value: Any) -> bool:
        """Whether this (valid) answer marks a priority."""
        return False

    def is_not_applicable(self, value: Any) -> bool:
        """Whether this (valid) answer says the item does not apply here."""
        return False

    def score(self, value: Any) -> bool | None:
        """True for a good answer, False for a bad one, None when it is not scored."""
        return None

    def can_need_action(self) -> bool:
        """Whether some answer of this kind can need action (for the `on_action` photo rule)."""
        return False


ANSWER_KINDS: dict[str, type[AnswerKind]] = {}

K = TypeVar("K", bound=type[AnswerKind])


def register(cls: K) -> K:
    """Class decorator: add an answer kind to the registry under its `name`."""
    if cls.name in ANSWER_KINDS:
        raise ValueError(f"answer kind {cls.name!r} is already registered")
    ANSWER_KINDS[cls.name] = cls
    return cls


def kind_names() -> list[str]:
    """Return the registered kind names, sorted."""
    return sorted(ANSWER_KINDS)


def answer_kind(params: KindParams) -> AnswerKind:
    """Return the kind instance for validated `answers` params."""
    return ANSWER_KINDS[params.kind](params)


def _one_of(values: Sequence[str]) -> str:
    return "expected one of " + ", ".join(values)


class _OptionKind(AnswerKind):
    """A kind whose answers are a fixed list of options (no, yes, priority …)."""

    OPTIONS: ClassVar[tuple[Option, ...]]

    def options(self) -> list[Option]:
        """Return the (value, zh, en) choices for answer buttons."""
        return list(self.OPTIONS)

    def validate(self, value: Any) -> str:
        """Return the option value, or raise AnswerError."""
        values = [option[0] for option in self.OPTIONS]
        if isinstance(value, str) and value.strip() in values:
            return value.strip()
        raise AnswerError(_one_of(values))


class ProposeActionParams(KindParams):
    """`answers: propose_action` takes no parameters."""

    kind: Literal["propose_action"] = "propose_action"


@register
class ProposeAction(_OptionKind):
    """The ILO participatory style: "Do you propose action?" No / Yes / Priority."""

    name = "propose_action"
    Params = ProposeActionParams
    # Labels that answer the question on their own ("Do you propose action?"): a bare
    # "否 / No" on a tablet reads as "not done", though it means "no action needed".
    OPTIONS = (
        ("no", "无需改进", "No action needed"),
        ("yes", "需要改进", "Action needed"),
        ("priority", "优先改进", "Priority action"),
    )

    def needs_action(self, value: Any) -> bool:
        """Yes and Priority need action."""
        return value in ("yes", "priority")

    def is_priority(self, value: Any) -> bool:
        """Priority is a priority."""
        return value == "priority"

    def score(self, value: Any) -> bool | None:
        """No action proposed is good; yes or priority is bad."""
        return value == "no"

    def can_need_action(self) -> bool:
        """Yes and Priority need action."""
        return True


class ComplianceParams(KindParams):
    """`answers: compliance` takes no parameters."""

    kind: Literal["compliance"] = "compliance"


@register
class Compliance(_OptionKind):
    """The enforcement style: Compliant / Not compliant / Not applicable."""

    name = "compliance"
    Params = ComplianceParams
    OPTIONS = (
        ("compliant", "符合", "Compliant"),
        ("not_compliant", "不符合", "Not compliant"),
        ("not_applicable", "不适用", "Not applicable"),
    )

    def needs_action(self, value: Any) -> bool:
        """Not compliant needs action."""
        return value == "not_compliant"

    def is_not_applicable(self, value: Any) -> bool:
        """Not applicable takes the item out of the score."""
        return value == "not_applicable"

    def score(self, value: Any) -> bool | None:
        """Compliant is good, not compliant bad, not applicable unscored."""
        return {"compliant": True, "not_compliant": False}.get(value)

    def can_need_action(self) -> bool:
        """Not compliant needs action."""
        return True


class NumberParams(KindParams):
    """`answers: {kind: number, unit: {zh, en}, min: 0, max: 1000}`; all but kind optional."""

    kind: Literal["number"] = "number"
    unit: Text | None = None
    min: Number | None = None
    max: Number | None = None

    @model_validator(mode="after")
    def _check_range(self, info: ValidationInfo) -> NumberParams:
        if not _loader_is_checking(info):
            problem = number_range_problem(self.min, self.max)
            if problem:
                raise PydanticCustomError("number_range", problem)
        return self


def number_range_problem(low: Any, high: Any) -> str | None:
    """Return a message when `max` is below `min`, else None."""
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high))
    if numbers and high < low:
        return f"`max` ({high}) is less than `min` ({low})"
    return None


@register
class NumberKind(AnswerKind):
    """A number, optionally with a unit and a range; never scored."""

    name = "number"
    Params = NumberParams
    params: NumberParams

    def validate(self, value: Any) -> int | float:
        """Return the number (numeric text is accepted), or raise AnswerError."""
        number = value
        if isinstance(value, str):
            try:
                number = int(value.strip())
            except ValueError:
                try:
                    number = float(value.strip())
                except ValueError:
                    raise AnswerError(f"expected a number, got {describe(value)}") from None
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise AnswerError(f"expected a number, got {describe(value)}")
        if not math.isfinite(number):
            raise AnswerError(f"expected a finite number, got {describe(value)}")
        if self.params.min is not None and number < self.params.min:
            raise AnswerError(f"must be at least {self.params.min}")
        if self.params.max is not None and number > self.params.max:
            raise AnswerError(f"must be at most {self.params.max}")
        return number


class ChoiceOption(Model):
    """One option of a choice item; choosing an option flagged `action` needs action."""

    id: Annotated[str, StringConstraints(strict=True, pattern=OPTION_ID_PATTERN)]
    zh: NonEmpty
    en: NonEmpty
    action: StrictBool = False


class ChoiceParams(KindParams):
    """`answers: {kind: choice, multiple: false, options: [{id, zh, en, action}, ...]}`."""

    kind: Literal["choice"] = "choice"
    multiple: StrictBool = False
    options: tuple[ChoiceOption, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _check_unique(self, info: ValidationInfo) -> ChoiceParams:
        if not _loader_is_checking(info):
            seen: set[str] = set()
            for option in self.options:
                if option.id in seen:
                    raise PydanticCustomError(
                        "duplicate_option", "duplicate option id `{id}`", {"id": option.id}
                    )
                seen.add(option.id)
        return self


@register
class Choice(AnswerKind):
    """One option (or several with `multiple: true`) from a list; scored only if some option
    is flagged `action`."""

    name = "choice"
    Params = ChoiceParams
    params: ChoiceParams

    def options(self) -> list[Option]:
        """Return the (id, zh, en) options."""
        return [(o.id, o.zh, o.en) for o in self.params.options]

    def _ids(self) -> list[str]:
        return [o.id for o in self.params.options]

    def _one(self, value: Any) -> str:
        if isinstance(value, str) and value.strip() in self._ids():
            return value.strip()
        raise AnswerError(_one_of(self._ids()))

    def validate(self, value: Any) -> str | list[str]:
        """Return the option id (a list of ids, in option order, when multiple)."""
        if not self.params.multiple:
            return self._one(value)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not value:
            raise AnswerError("expected a list of one or more of " + ", ".join(self._ids()))
        chosen = [self._one(v) for v in value]
        if len(set(chosen)) != len(chosen):
            raise AnswerError("an option is chosen twice")
        return [i for i in self._ids() if i in chosen]

    def validate_condition(self, value: Any) -> str:
        """`applies_if.in` lists single option ids, also for multiple choice."""
        return self._one(value)

    def _action_ids(self) -> set[str]:
        return {o.id for o in self.params.options if o.action}

    def needs_action(self, value: Any) -> bool:
        """Choosing an option flagged `action` needs action."""
        chosen = value if isinstance(value, list) else [value]
        return any(v in self._action_ids() for v in chosen)

    def score(self, value: Any) -> bool | None:
        """None unless an option is flagged `action`; then bad when one such is chosen."""
        if not self._action_ids():
            return None
        return not self.needs_action(value)

    def can_need_action(self) -> bool:
        """Only when some option is flagged `action`."""
        return bool(self._action_ids())


class TextParams(KindParams):
    """`answers: text` takes no parameters."""

    kind: Literal["text"] = "text"


@register
class TextKind(AnswerKind):
    """Free text up to 2000 characters; never scored."""

    name = "text"
    Params = TextParams

    def validate(self, value: Any) -> str:
        """Return the stripped text, or raise AnswerError."""
        if not isinstance(value, str):
            raise AnswerError(f"expected text, got {describe(value)}")
        text = value.strip()
        if not text:
            raise AnswerError("text is empty")
        if len(text) > TEXT_ANSWER_MAX:
            raise AnswerError(
                f"text is too long ({len(text)} characters, at most {TEXT_ANSWER_MAX})"
            )
        return text


def _kind_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        kind = value.get("kind")
        return kind.strip() if isinstance(kind, str) else None
    if isinstance(value, KindParams):
        return value.kind
    return None


def answers_type() -> Any:
    """Build the `answers` field type: a union of the registered kinds' params, by `kind`."""
    members = tuple(Annotated[ANSWER_KINDS[name].Params, Tag(name)] for name in kind_names())
    return Annotated[Union[members], Discriminator(_kind_tag)]  # noqa: UP007
