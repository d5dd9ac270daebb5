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
    SerializerFunctionWrapHandler,
    StrictBool,
    StringConstraints,
    Tag,
    ValidationInfo,
    model_serializer,
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


def N_(message: str) -> str:  # noqa: N802  (Babel's default keyword for "mark, translate later")
    """Mark a message for the translation catalogue; it is translated where it is shown."""
    return message


class AnswerError(ValueError):
    """An answer value that its item's kind does not accept.

    `message` says why in English, for checklist authors and logs (the validator words its own
    problems with it). `user` is the same in words for the person answering: a template marked
    with `N_` that the app translates and fills with `params`; `options` lists the answers that
    would be accepted, for the app to name in the reader's language.
    """

    def __init__(
        self,
        message: str,
        *,
        user: str | None = None,
        options: Sequence[Option] = (),
        **params: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.user = user or message
        self.options = tuple(options)
        self.params = params


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

#: The value of a "not applicable" answer in kinds that offer one (compliance keeps its own
#: `not_applicable`, choice its option flagged `not_applicable: true`).
NA = "na"
NA_LABEL = ("不适用", "Not applicable")


class Model(BaseModel):
    """Base for checklist models: frozen, strict about unknown keys, whitespace stripped."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    #: Fields added after checklists were first stored. While they hold their default they are
    #: left out of every dump, so that a file that does not use them keeps its version hash
    #: (`loader.content_hash`) and stored versions read back exactly as they were written.
    LATER_FIELDS: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _leave_out_later_defaults(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if self.LATER_FIELDS and isinstance(data, dict):
            fields = type(self).model_fields
            for name in self.LATER_FIELDS:
                if getattr(self, name) == fields[name].get_default(call_default_factory=True):
                    data.pop(name, None)
        return data


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

    def can_be_not_applicable(self) -> bool:
        """Whether some answer of these parameters says "not applicable"."""
        return bool(getattr(self, "not_applicable", False))

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
    """Base class of answer kinds. Subclasses set `name` and `Params` and are `@register`ed.

    `labels` (value → (zh, en)) replace the kind's own option labels: a checklist may word its
    answers its own way (`labels:` at the top of the file).
    """

    name: ClassVar[str]
    Params: ClassVar[type[KindParams]]

    def __init__(
        self, params: KindParams | None = None, labels: dict[str, tuple[str, str]] | None = None
    ) -> None:
        self.params = params if params is not None else self.Params(kind=self.name)
        self.labels = labels or {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params!r})"

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and other.params == self.params  # type: ignore[attr-defined]
            and other.labels == self.labels  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        return hash((type(self), self.params))

    def options(self) -> list[Option]:
        """Return the (value, zh, en) choices for answer buttons; empty for free input."""
        return []

    def label_of(self, value: str, zh: str, en: str) -> Option:
        """An option with the checklist's own label for `value`, if it gives one."""
        zh, en = self.labels.get(value, (zh, en))
        return (value, zh, en)

    def validate(self, value: Any) -> Any:
        """Return the normalized value, or raise AnswerError saying what is wrong."""
        raise NotImplementedError

    def valid_or_none(self, value: Any) -> Any:
        """The normalized value, or None when there is none or it is not valid here."""
        if value is None:
            return None
        try:
            return self.validate(value)
        except AnswerError:
            return None

    def validate_condition(self, value: Any) -> Any:
        """Validate one value of an `applies_if.in` list that refers to an item of this kind."""
        return self.validate(value)

    def needs_action(self, value: Any) -> bool:
        """Whether this (valid) answer calls for an improvement action: a problem answer."""
        return False

    def is_priority(self, value: Any) -> bool:
        """Whether this (valid) answer marks a priority."""
        return False

    def is_not_applicable(self, value: Any) -> bool:
        """Whether this (valid) answer says the item does not apply here."""
        return False

    def is_decisive(self, value: Any) -> bool:
        """Whether this (valid) answer is decisive by itself (an option flagged `decisive`)."""
        return False

    def score(self, value: Any) -> bool | None:
        """True for a good answer, False for a bad one, None when it is not scored."""
        return None

    def can_need_action(self) -> bool:
        """Whether some answer of this kind can need action (for the `on_action` photo rule)."""
        return False

    def ok_value(self) -> str | None:
        """The one answer meaning "all is well here" ("All OK in this section" gives it): the
        only option that scores good. None when there is none (numbers, text, an unscored
        choice) or more than one (a choice with several good options): no answer is implied."""
        good = [option[0] for option in self.options() if self.score(option[0]) is True]
        return good[0] if len(good) == 1 else None

    def not_applicable_value(self) -> str | None:
        """The answer "not applicable" of this item ("This section does not apply" gives it),
        or None when the item has none."""
        values = [option[0] for option in self.options() if self.is_not_applicable(option[0])]
        return values[0] if values else None

    def values(self) -> list[str]:
        """Every value this kind's labels may name (options, including "not applicable")."""
        return [option[0] for option in self.options()]

    def roll_up(self, values: Sequence[Any]) -> Any:
        """The answer of an item from its sub-items' answers (None: not answered yet).

        Only kinds with `ROLLS_UP` take sub-items: see `_OptionKind.roll_up`.
        """
        raise NotImplementedError

    ROLLS_UP: ClassVar[bool] = False


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


def answer_kind(params: KindParams, labels: dict[str, tuple[str, str]] | None = None) -> AnswerKind:
    """Return the kind instance for validated `answers` params (with the checklist's labels)."""
    return ANSWER_KINDS[params.kind](params, labels)


def _one_of(values: Sequence[str]) -> str:
    return "expected one of " + ", ".join(values)


def _choose(options: Sequence[Option]) -> AnswerError:
    return AnswerError(
        _one_of([option[0] for option in options]),
        user=N_("Choose one of: %(options)s."),
        options=options,
    )


class _OptionKind(AnswerKind):
    """A kind whose answers are a fixed list of options (no, yes, priority …).

    Its items may hold sub-items (answered one by one, rolled up into the item's answer).
    """

    OPTIONS: ClassVar[tuple[Option, ...]]
    ROLLS_UP = True

    def _options(self) -> tuple[Option, ...]:
        return self.OPTIONS

    def options(self) -> list[Option]:
        """Return the (value, zh, en) choices for answer buttons (with the checklist's labels)."""
        return [self.label_of(*option) for option in self._options()]

    def validate(self, value: Any) -> str:
        """Return the option value, or raise AnswerError."""
        values = [option[0] for option in self._options()]
        if isinstance(value, str) and value.strip() in values:
            return value.strip()
        raise _choose(self.options())

    def roll_up(self, values: Sequence[Any]) -> Any:
        """Roll sub-items' answers up into the item's answer.

        Any problem answer makes the item a problem (a priority wins over a plain one); else
        any unanswered sub-item leaves the item unanswered; else the item is not applicable if
        every sub-item is, and good otherwise (sub-items answered "not applicable" are left
        out).
        """
        problems = [v for v in values if v is not None and self.needs_action(v)]
        if problems:
            return max(problems, key=self.is_priority)
        if any(v is None for v in values):
            return None
        relevant = [v for v in values if not self.is_not_applicable(v)]
        return relevant[0] if relevant else values[0]


class ProposeActionParams(KindParams):
    """`answers: propose_action`; `not_applicable: true` adds a "not applicable" answer."""

    kind: Literal["propose_action"] = "propose_action"
    not_applicable: StrictBool = False

    LATER_FIELDS = frozenset({"not_applicable"})


@register
class ProposeAction(_OptionKind):
    """The ILO participatory style: "Do you propose action?" No / Yes / Priority."""

    name = "propose_action"
    Params = ProposeActionParams
    params: ProposeActionParams
    # Labels that answer the question on their own ("Do you propose action?"): a bare
    # "否 / No" on a tablet reads as "not done", though it means "no action needed".
    OPTIONS = (
        ("no", "无需改进", "No action needed"),
        ("yes", "需要改进", "Action needed"),
        ("priority", "优先改进", "Priority action"),
    )

    def _options(self) -> tuple[Option, ...]:
        if self.params.not_applicable:
            return (*self.OPTIONS, (NA, *NA_LABEL))
        return self.OPTIONS

    def needs_action(self, value: Any) -> bool:
        """Yes and Priority need action."""
        return value in ("yes", "priority")

    def is_priority(self, value: Any) -> bool:
        """Priority is a priority."""
        return value == "priority"

    def is_not_applicable(self, value: Any) -> bool:
        """`na` (offered with `not_applicable: true`) takes the item out of the score."""
        return value == NA

    def score(self, value: Any) -> bool | None:
        """No action proposed is good; yes or priority is bad; not applicable unscored."""
        if value == NA:
            return None
        return value == "no"

    def can_need_action(self) -> bool:
        """Yes and Priority need action."""
        return True


class ComplianceParams(KindParams):
    """`answers: compliance` takes no parameters."""

    kind: Literal["compliance"] = "compliance"

    def can_be_not_applicable(self) -> bool:
        """Compliance always offers "not applicable"."""
        return True


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


class YesNoParams(KindParams):
    """`answers: {kind: yes_no, problem: "yes", not_applicable: true}`; all but kind optional.

    `problem` is the answer that is a problem: "no" (the default) for items phrased as a
    requirement ("Are exits kept clear?"), "yes" for items phrased as a hazard ("Is a guard
    missing?"). `not_applicable: false` takes the "not applicable" answer away.
    """

    kind: Literal["yes_no"] = "yes_no"
    problem: Literal["yes", "no"] = "no"
    not_applicable: StrictBool = True


@register
class YesNo(_OptionKind):
    """Yes / No / Not applicable, with the problem answer set per item."""

    name = "yes_no"
    Params = YesNoParams
    params: YesNoParams
    OPTIONS = (("yes", "是", "Yes"), ("no", "否", "No"), (NA, *NA_LABEL))

    def _options(self) -> tuple[Option, ...]:
        return self.OPTIONS if self.params.not_applicable else self.OPTIONS[:2]

    def needs_action(self, value: Any) -> bool:
        """The problem answer (`problem:`) needs action."""
        return value == self.params.problem

    def is_not_applicable(self, value: Any) -> bool:
        """`na` takes the item out of the score."""
        return value == NA

    def score(self, value: Any) -> bool | None:
        """The problem answer is bad, the other good, not applicable unscored."""
        if value not in ("yes", "no"):
            return None
        return value != self.params.problem

    def can_need_action(self) -> bool:
        """The problem answer needs action."""
        return True


class NumberParams(KindParams):
    """`answers: {kind: number, unit: {zh, en}, min: 0, max: 1000}`; all but kind optional.

    `not_applicable: true` also accepts the answer `na` ("not applicable").
    """

    kind: Literal["number"] = "number"
    unit: Text | None = None
    min: Number | None = None
    max: Number | None = None
    not_applicable: StrictBool = False

    LATER_FIELDS = frozenset({"not_applicable"})

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


class _FreeKind(AnswerKind):
    """A kind answered by typing; `not_applicable: true` adds a "not applicable" answer."""

    def options(self) -> list[Option]:
        """Only the "not applicable" button, when the item offers one."""
        return [self.label_of(NA, *NA_LABEL)] if self.params.can_be_not_applicable() else []

    def is_not_applicable(self, value: Any) -> bool:
        """`na` takes the item out (it is never scored anyway)."""
        return value == NA and self.params.can_be_not_applicable()

    def _not_applicable(self, value: Any) -> bool:
        return (
            self.params.can_be_not_applicable() and isinstance(value, str) and value.strip() == NA
        )


def _not_a_number(value: Any) -> AnswerError:
    return AnswerError(f"expected a number, got {describe(value)}", user=N_("Enter a number."))


@register
class NumberKind(_FreeKind):
    """A number, optionally with a unit and a range; never scored."""

    name = "number"
    Params = NumberParams
    params: NumberParams

    def validate(self, value: Any) -> int | float | str:
        """Return the number (numeric text is accepted), or raise AnswerError."""
        if self._not_applicable(value):
            return NA
        number = value
        if isinstance(value, str):
            try:
                number = int(value.strip())
            except ValueError:
                try:
                    number = float(value.strip())
                except ValueError:
                    raise _not_a_number(value) from None
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise _not_a_number(value)
        if not math.isfinite(number):
            raise AnswerError(
                f"expected a finite number, got {describe(value)}", user=N_("Enter a number.")
            )
        if self.params.min is not None and number < self.params.min:
            raise AnswerError(
                f"must be at least {self.params.min}",
                user=N_("Enter at least %(min)s."),
                min=self.params.min,
            )
        if self.params.max is not None and number > self.params.max:
            raise AnswerError(
                f"must be at most {self.params.max}",
                user=N_("Enter at most %(max)s."),
                max=self.params.max,
            )
        return number


class ChoiceOption(Model):
    """One option of a choice item.

    Choosing an option flagged `action` needs action; one flagged `decisive` is a problem that
    decides the verdict (so it needs action too); one flagged `not_applicable` takes the item
    out of the score.
    """

    id: Annotated[str, StringConstraints(strict=True, pattern=OPTION_ID_PATTERN)]
    zh: NonEmpty
    en: NonEmpty
    action: StrictBool = False
    decisive: StrictBool = False
    not_applicable: StrictBool = False

    LATER_FIELDS = frozenset({"decisive", "not_applicable"})


class ChoiceParams(KindParams):
    """`answers: {kind: choice, multiple: false, options: [{id, zh, en, action}, ...]}`."""

    kind: Literal["choice"] = "choice"
    multiple: StrictBool = False
    options: tuple[ChoiceOption, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _check_unique(self, info: ValidationInfo) -> ChoiceParams:
        if not _loader_is_checking(info):
            problems = choice_option_problems(
                [option.model_dump() for option in self.options], self.multiple
            )
            if problems:
                raise PydanticCustomError("choice_options", problems[0][2])
        return self

    def can_be_not_applicable(self) -> bool:
        """When some option is flagged `not_applicable`."""
        return any(option.not_applicable for option in self.options)


def choice_option_problems(options: Sequence[Any], multiple: Any) -> list[tuple[int, str, str]]:
    """Cross-field rules of choice options: (option index, key, message) for each problem."""
    problems: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for o, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        oid = option.get("id")
        if isinstance(oid, str) and oid in seen:
            problems.append((o, "id", f"duplicate option id `{oid}`"))
        if isinstance(oid, str):
            seen.add(oid)
        if option.get("not_applicable") is True and (
            option.get("action") is True or option.get("decisive") is True
        ):
            problems.append(
                (
                    o,
                    "not_applicable",
                    "an option cannot be both not applicable and a problem "
                    "(`action` or `decisive`)",
                )
            )
    return problems


@register
class Choice(AnswerKind):
    """One option (or several with `multiple: true`) from a list; scored only if some option
    is flagged `action` (or `decisive`)."""

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
        raise _choose(self.options())

    def validate(self, value: Any) -> str | list[str]:
        """Return the option id (a list of ids, in option order, when multiple)."""
        if not self.params.multiple:
            return self._one(value)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not value:
            raise AnswerError(
                "expected a list of one or more of " + ", ".join(self._ids()),
                user=N_("Choose one or more of: %(options)s."),
                options=self.options(),
            )
        chosen = [self._one(v) for v in value]
        if len(set(chosen)) != len(chosen):
            raise AnswerError("an option is chosen twice", user=N_("An option is chosen twice."))
        if len(chosen) > 1 and any(c in self._na_ids() for c in chosen):
            raise AnswerError(
                "“not applicable” cannot be chosen with other options",
                user=N_("“Not applicable” cannot be chosen with other options."),
            )
        return [i for i in self._ids() if i in chosen]

    def validate_condition(self, value: Any) -> str:
        """`applies_if.in` lists single option ids, also for multiple choice."""
        return self._one(value)

    def _action_ids(self) -> set[str]:
        return {o.id for o in self.params.options if o.action or o.decisive}

    def _na_ids(self) -> set[str]:
        return {o.id for o in self.params.options if o.not_applicable}

    def _chosen(self, value: Any) -> list[Any]:
        return value if isinstance(value, list) else [value]

    def needs_action(self, value: Any) -> bool:
        """Choosing an option flagged `action` (or `decisive`) needs action."""
        return any(v in self._action_ids() for v in self._chosen(value))

    def is_not_applicable(self, value: Any) -> bool:
        """Choosing the option flagged `not_applicable` takes the item out of the score."""
        chosen = self._chosen(value)
        return bool(chosen) and all(v in self._na_ids() for v in chosen)

    def is_decisive(self, value: Any) -> bool:
        """Choosing an option flagged `decisive` decides the verdict."""
        decisive = {o.id for o in self.params.options if o.decisive}
        return any(v in decisive for v in self._chosen(value))

    def score(self, value: Any) -> bool | None:
        """None unless an option is flagged `action`; then bad when one such is chosen.

        A not-applicable answer is never scored.
        """
        if not self._action_ids() or self.is_not_applicable(value):
            return None
        return not self.needs_action(value)

    def can_need_action(self) -> bool:
        """Only when some option is flagged `action` (or `decisive`)."""
        return bool(self._action_ids())


class TextParams(KindParams):
    """`answers: text`; `not_applicable: true` also accepts the answer `na`."""

    kind: Literal["text"] = "text"
    not_applicable: StrictBool = False

    LATER_FIELDS = frozenset({"not_applicable"})


@register
class TextKind(_FreeKind):
    """Free text up to 2000 characters; never scored."""

    name = "text"
    Params = TextParams
    params: TextParams

    def validate(self, value: Any) -> str:
        """Return the stripped text, or raise AnswerError."""
        if self._not_applicable(value):
            return NA
        if not isinstance(value, str):
            raise AnswerError(f"expected text, got {describe(value)}", user=N_("Enter text."))
        text = value.strip()
        if not text:
            raise AnswerError("text is empty", user=N_("Enter text."))
        if len(text) > TEXT_ANSWER_MAX:
            raise AnswerError(
                f"text is too long ({len(text)} characters, at most {TEXT_ANSWER_MAX})",
                user=N_("The text is too long (%(length)d characters, at most %(max)d)."),
                length=len(text),
                max=TEXT_ANSWER_MAX,
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
