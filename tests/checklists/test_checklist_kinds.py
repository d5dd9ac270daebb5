"""Answer kinds: what each accepts, how it classifies and scores an answer, and the registry."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from inspect_app.checklists.kinds import (
    ANSWER_KINDS,
    AnswerError,
    AnswerKind,
    Choice,
    ChoiceParams,
    Compliance,
    KindParams,
    NumberKind,
    NumberParams,
    ProposeAction,
    TextKind,
    answers_type,
    kind_names,
    register,
)


def test_registry_holds_the_six_kinds_by_name() -> None:
    assert kind_names() == ["choice", "compliance", "number", "propose_action", "text", "yes_no"]
    assert ANSWER_KINDS["propose_action"] is ProposeAction
    assert all(cls.name == name for name, cls in ANSWER_KINDS.items())


def test_a_new_kind_is_one_registered_class() -> None:
    class YesNoParams(KindParams):
        kind: str = "yes_no_test"

    class YesNo(AnswerKind):
        name = "yes_no_test"
        Params = YesNoParams

        def validate(self, value: object) -> object:
            if value in ("y", "n"):
                return value
            raise AnswerError("expected one of y, n")

    try:
        assert register(YesNo) is YesNo
        params = TypeAdapter(answers_type()).validate_python("yes_no_test")
        assert isinstance(params, YesNoParams)
        with pytest.raises(ValueError, match="already registered"):
            register(YesNo)
    finally:
        del ANSWER_KINDS["yes_no_test"]


@pytest.mark.parametrize(
    ("value", "needs_action", "priority", "score"),
    [("no", False, False, True), ("yes", True, False, False), ("priority", True, True, False)],
)
def test_propose_action(value: str, needs_action: bool, priority: bool, score: bool) -> None:
    kind = ProposeAction()
    assert kind.validate(f" {value} ") == value
    assert kind.needs_action(value) is needs_action
    assert kind.is_priority(value) is priority
    assert kind.score(value) is score


def test_propose_action_options_and_errors() -> None:
    kind = ProposeAction()
    assert kind.options() == [
        ("no", "无需改进", "No action needed"),
        ("yes", "需要改进", "Action needed"),
        ("priority", "优先改进", "Priority action"),
    ]
    for bad in ("maybe", "Yes", True, None, 1, ["no"]):
        with pytest.raises(AnswerError, match="^expected one of no, yes, priority$"):
            kind.validate(bad)
    assert kind.can_need_action()


@pytest.mark.parametrize(
    ("value", "needs_action", "not_applicable", "score"),
    [
        ("compliant", False, False, True),
        ("not_compliant", True, False, False),
        ("not_applicable", False, True, None),
    ],
)
def test_compliance(value: str, needs_action: bool, not_applicable: bool, score: bool) -> None:
    kind = Compliance()
    assert kind.validate(value) == value
    assert kind.needs_action(value) is needs_action
    assert kind.is_not_applicable(value) is not_applicable
    assert kind.is_priority(value) is False
    assert kind.score(value) is score


def test_compliance_error_message() -> None:
    with pytest.raises(AnswerError) as caught:
        Compliance().validate("ok")
    assert caught.value.message == "expected one of compliant, not_compliant, not_applicable"


def test_number_accepts_numbers_and_numeric_text_within_range() -> None:
    kind = NumberKind(NumberParams(min=0, max=1000))
    assert kind.validate(12) == 12
    assert kind.validate(1.5) == 1.5
    assert kind.validate(" 40 ") == 40
    assert isinstance(kind.validate("40"), int)
    assert kind.validate("2.5") == 2.5
    assert kind.options() == []
    assert (kind.score(12), kind.needs_action(12), kind.can_need_action()) == (None, False, False)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "must be at least 0"),
        (1001, "must be at most 1000"),
        (True, "expected a number, got `true`"),
        ("many", "expected a number, got the text `many`"),
        (None, "expected a number, got nothing"),
        (float("nan"), "expected a finite number, got the number `nan`"),
    ],
)
def test_number_rejects(value: object, message: str) -> None:
    with pytest.raises(AnswerError) as caught:
        NumberKind(NumberParams(min=0, max=1000)).validate(value)
    assert caught.value.message == message


def test_number_params_check_their_range() -> None:
    assert NumberParams(min=3, max=3).min == 3
    assert NumberParams().unit is None
    with pytest.raises(ValidationError, match=r"`max` \(1\) is less than `min` \(5\)"):
        NumberParams(min=5, max=1)
    with pytest.raises(ValidationError, match="expected a number"):
        NumberParams.model_validate({"kind": "number", "min": "5"})


def choice(multiple: bool = False, action: bool = False) -> Choice:
    options = [
        {"id": "wood", "zh": "木", "en": "Wood"},
        {"id": "steel", "zh": "钢", "en": "Steel", "action": action},
        {"id": "plastic", "zh": "塑料", "en": "Plastic"},
    ]
    return Choice(ChoiceParams.model_validate({"multiple": multiple, "options": options}))


def test_single_choice() -> None:
    kind = choice()
    assert kind.options()[0] == ("wood", "木", "Wood")
    assert kind.validate("steel") == "steel"
    with pytest.raises(AnswerError, match="^expected one of wood, steel, plastic$"):
        kind.validate(["steel"])
    assert kind.score("steel") is None
    assert not kind.can_need_action()


def test_multiple_choice_normalizes_to_option_order() -> None:
    kind = choice(multiple=True)
    assert kind.validate(["plastic", "wood"]) == ["wood", "plastic"]
    assert kind.validate("steel") == ["steel"]
    with pytest.raises(AnswerError, match="chosen twice"):
        kind.validate(["wood", "wood"])
    with pytest.raises(AnswerError, match="one or more"):
        kind.validate([])
    assert kind.validate_condition("wood") == "wood"
    with pytest.raises(AnswerError):
        kind.validate_condition(["wood"])


def test_choice_with_an_action_option_is_scored() -> None:
    single, multiple = choice(action=True), choice(multiple=True, action=True)
    assert single.can_need_action()
    assert (single.score("wood"), single.needs_action("wood")) == (True, False)
    assert (single.score("steel"), single.needs_action("steel")) == (False, True)
    assert multiple.score(["wood", "steel"]) is False
    assert multiple.score(["wood", "plastic"]) is True


def test_choice_params_need_two_unique_options() -> None:
    with pytest.raises(ValidationError, match="duplicate option id `a`"):
        ChoiceParams.model_validate(
            {"options": [{"id": "a", "zh": "甲", "en": "A"}, {"id": "a", "zh": "乙", "en": "B"}]}
        )
    with pytest.raises(ValidationError):
        ChoiceParams.model_validate({"options": [{"id": "a", "zh": "甲", "en": "A"}]})


def test_text() -> None:
    kind = TextKind()
    assert kind.validate("  two fire exits blocked ") == "two fire exits blocked"
    assert kind.validate("x" * 2000) == "x" * 2000
    for bad, message in [
        ("x" * 2001, "text is too long (2001 characters, at most 2000)"),
        ("   ", "text is empty"),
        (3, "expected text, got the number `3`"),
    ]:
        with pytest.raises(AnswerError) as caught:
            kind.validate(bad)
        assert caught.value.message == message
    assert (kind.score("x"), kind.needs_action("x"), kind.options()) == (None, False, [])


def test_shorthand_only_for_kinds_without_required_parameters() -> None:
    adapter = TypeAdapter(answers_type())
    for name in ("propose_action", "compliance", "number", "text"):
        assert adapter.validate_python(name).kind == name
        assert adapter.validate_python({"kind": name}) == adapter.validate_python(name)
    with pytest.raises(ValidationError, match="need the mapping form"):
        adapter.validate_python("choice")


def test_kinds_compare_by_parameters() -> None:
    assert ProposeAction() == ProposeAction()
    assert ProposeAction() != Compliance()
    assert hash(NumberKind(NumberParams(max=3))) == hash(NumberKind(NumberParams(max=3)))
