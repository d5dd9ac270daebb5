"""Checklists that carry real regulations: yes/no/N/A with polarity, not applicable in every
kind, decisive items and the verdict, scope by the factory, sub-items and their roll-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspect_app.checklists.kinds import NA, AnswerError, YesNo, YesNoParams
from inspect_app.checklists.loader import load_checklist, parse_checklist
from inspect_app.checklists.schema import Checklist, FactoryProfile
from inspect_app.checklists.scoring import Tally, missing_answers, score, score_by_area

HERE = Path(__file__).parent
MACHINERY_SMALL = FactoryProfile(sector="machinery", workers=50)
STEELWORKS = FactoryProfile(sector="metallurgy", workers=800)

#: Every asked item answered, nothing a problem.
CLEAN = {
    "gen-01": "no",
    "gen-02": "yes",
    "gen-03-a": "no",
    "gen-03-b": "no",
    "pa-01": "no",
    "ch-01": "fixed",
    "nu-01": 12,
    "tx-01": "fine",
}


@pytest.fixture(scope="module")
def checklist() -> Checklist:
    return load_checklist(HERE / "regulation.yaml")


# ------------------------------------------------------------------ yes/no and its polarity


@pytest.mark.parametrize(
    ("problem", "value", "needs_action", "score_"),
    [
        ("no", "yes", False, True),
        ("no", "no", True, False),
        ("yes", "yes", True, False),
        ("yes", "no", False, True),
        ("yes", "na", False, None),
        ("no", "na", False, None),
    ],
)
def test_yes_no_problem_answer_is_set_per_item(problem, value, needs_action, score_) -> None:
    kind = YesNo(YesNoParams(problem=problem))
    assert kind.validate(value) == value
    assert kind.needs_action(value) is needs_action
    assert kind.score(value) is score_
    assert kind.is_not_applicable(value) is (value == NA)


def test_yes_no_without_not_applicable() -> None:
    kind = YesNo(YesNoParams(not_applicable=False))
    assert [o[0] for o in kind.options()] == ["yes", "no"]
    with pytest.raises(AnswerError) as caught:
        kind.validate("na")
    assert caught.value.message == "expected one of yes, no"
    assert caught.value.user == "Choose one of: %(options)s."
    assert [o[0] for o in caught.value.options] == ["yes", "no"]


def test_a_hazard_phrased_item_counts_yes_as_the_problem(checklist: Checklist) -> None:
    present = score(checklist, {**CLEAN, "gen-01": "yes"}, MACHINERY_SMALL)
    assert present.sections["general"] == Tally(
        applicable=3, answered=3, good=2, bad=1, needs_action=1
    )
    # gen-02 is phrased as a requirement: there "no" is the problem.
    missing_exit = score(checklist, {**CLEAN, "gen-02": "no"}, MACHINERY_SMALL)
    assert missing_exit.sections["general"].bad == 1


def test_checklist_labels_word_the_answers(checklist: Checklist) -> None:
    assert checklist.item("gen-01").answer_kind.options() == [
        ("yes", "存在", "Present"),
        ("no", "不存在", "Absent"),
        ("na", "不适用", "Not applicable"),
    ]
    # Kinds the labels do not name keep their own words.
    assert checklist.item("big-01").answer_kind.options()[0] == ("compliant", "符合", "Compliant")


# ------------------------------------------------------------------ not applicable, every kind


@pytest.mark.parametrize(
    ("item_id", "value"),
    [
        ("gen-02", "na"),
        ("pa-01", "na"),
        ("ch-01", "no-machine"),
        ("nu-01", "na"),
        ("tx-01", "na"),
    ],
)
def test_not_applicable_never_counts_toward_the_score(checklist, item_id, value) -> None:
    answers = {**CLEAN, "gen-01": "yes", item_id: value}
    tallies = score(checklist, answers, MACHINERY_SMALL)
    base = score(checklist, {**CLEAN, "gen-01": "yes"}, MACHINERY_SMALL)
    assert tallies.overall.not_applicable == base.overall.not_applicable + 1
    assert tallies.overall.unanswered == 0
    scored = tallies.overall.good + tallies.overall.bad
    base_scored = base.overall.good + base.overall.bad
    kind = checklist.item(item_id).answer_kind
    # A scored kind loses the item from the percentage; an unscored one never had it.
    assert scored == base_scored - (1 if kind.score(kind.validate(CLEAN[item_id])) else 0)
    assert item_id not in missing_answers(checklist, answers, MACHINERY_SMALL)


def test_choice_not_applicable_is_not_a_good_answer(checklist: Checklist) -> None:
    """The trap of the old files: an N/A option of a choice counted as good. Flagged
    `not_applicable`, it leaves the item out of the percentage instead."""
    kind = checklist.item("ch-01").answer_kind
    assert kind.score("no-machine") is None
    assert kind.score("fixed") is True
    assert kind.score("none") is False
    with_na = score(checklist, {**CLEAN, "gen-01": "yes", "ch-01": "no-machine"}, MACHINERY_SMALL)
    assert with_na.percent == 75.0  # 3 good of 4 scored: the guard item is out
    assert score(checklist, {**CLEAN, "gen-01": "yes"}, MACHINERY_SMALL).percent == 80.0


def test_multiple_choice_not_applicable_stands_alone() -> None:
    checklist = parse_checklist(
        (HERE / "minimal.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "answers: propose_action",
            "answers: {kind: choice, multiple: true, options: [{id: a, zh: 甲, en: A, "
            "action: true}, {id: b, zh: 乙, en: B}, {id: n, zh: 无, en: None, "
            "not_applicable: true}]}",
        )
    )
    kind = checklist.item("storage-01").answer_kind
    with pytest.raises(AnswerError, match="cannot be chosen with other options"):
        kind.validate(["a", "n"])
    assert kind.is_not_applicable(["n"]) and kind.score(["n"]) is None
    assert kind.score(["b"]) is True and kind.score(["a", "b"]) is False


# ------------------------------------------------------------------ decisive items, verdict


def test_verdict_is_pending_until_everything_asked_is_answered(checklist: Checklist) -> None:
    result = score(checklist, {"gen-02": "yes"}, MACHINERY_SMALL).verdict
    assert (result.result, result.label, result.decisive_problems) == ("pending", None, ())


def test_one_decisive_problem_fails_whatever_the_percentage(checklist: Checklist) -> None:
    answers = {**CLEAN, "gen-01": "yes"}
    scores = score(checklist, answers, MACHINERY_SMALL)
    assert scores.percent == 80.0
    assert scores.verdict.result == "fail"
    assert scores.verdict.label.zh == "存在重大事故隐患"
    assert scores.verdict.decisive_problems == ("gen-01",)
    # A draft with the hazard already fails: the rest cannot undo it.
    assert score(checklist, {"gen-01": "yes"}, MACHINERY_SMALL).verdict.result == "fail"


def test_clean_answers_pass(checklist: Checklist) -> None:
    result = score(checklist, CLEAN, MACHINERY_SMALL).verdict
    assert (result.result, result.label.en) == ("pass", "No major accident hazard found")


def test_a_non_decisive_problem_does_not_fail(checklist: Checklist) -> None:
    result = score(checklist, {**CLEAN, "gen-02": "no"}, MACHINERY_SMALL).verdict
    assert result.result == "pass"


def test_a_decisive_option_fails(checklist: Checklist) -> None:
    result = score(checklist, {**CLEAN, "ch-01": "none"}, MACHINERY_SMALL).verdict
    assert (result.result, result.decisive_problems) == ("fail", ("ch-01",))


def test_a_decisive_item_left_out_for_the_factory_cannot_fail_it(checklist: Checklist) -> None:
    answers = {**CLEAN, "met-01": "yes"}
    assert score(checklist, answers, MACHINERY_SMALL).verdict.result == "pass"
    steel = score(checklist, {**answers, "big-01": "compliant"}, STEELWORKS).verdict
    assert steel.decisive_problems == ("met-01",)


def test_pass_mark_fails_a_complete_inspection_below_it() -> None:
    text = (
        (HERE / "minimal.yaml")
        .read_text(encoding="utf-8")
        .replace("sections:", "verdict: {pass_mark: 80}\nsections:")
    )
    checklist = parse_checklist(text)
    failing = score(checklist, {"storage-01": "yes"}).verdict
    assert (failing.result, failing.below_pass_mark, failing.label.en) == ("fail", True, "Fail")
    assert score(checklist, {"storage-01": "no"}).verdict.result == "pass"
    assert score(checklist, {}).verdict.result == "pending"


def test_checklists_without_a_rule_have_no_verdict() -> None:
    checklist = load_checklist(HERE / "minimal.yaml")
    assert score(checklist, {"storage-01": "yes"}).verdict is None
    assert score(checklist, {}).to_dict()["verdict"] is None


# ------------------------------------------------------------------ scope by the factory


def test_items_for_other_sectors_are_neither_asked_nor_scored(checklist: Checklist) -> None:
    scores = score(checklist, CLEAN, MACHINERY_SMALL)
    assert scores.sections["metallurgy"] == Tally(left_out=1)
    assert scores.left_out == {"sector": 1, "workers": 1}
    assert scores.to_dict()["left_out"] == {"total": 2, "reasons": {"sector": 1, "workers": 1}}
    assert "met-01" not in missing_answers(checklist, {}, MACHINERY_SMALL)
    assert checklist.applicability({}, MACHINERY_SMALL)["met-01"] is False
    # A steelworks of 800 is asked both.
    asked = missing_answers(checklist, {}, STEELWORKS)
    assert {"met-01", "big-01"} <= set(asked)
    assert score(checklist, {}, STEELWORKS).left_out == {}


def test_a_left_out_item_does_not_raise_the_score(checklist: Checklist) -> None:
    """The foundry that had to answer tobacco items: they counted as good. Left out, they are
    not in the percentage at all."""
    answers = {**CLEAN, "gen-01": "yes", "met-01": "no"}
    assert score(checklist, answers, MACHINERY_SMALL).percent == 80.0
    assert score(checklist, answers).percent == 83.3  # without a factory everything is asked


def test_headcount_limits() -> None:
    text = (HERE / "regulation.yaml").read_text(encoding="utf-8")
    checklist = parse_checklist(text)
    assert checklist.left_out(FactoryProfile("machinery", 99)) == {
        "met-01": "sector",
        "big-01": "workers",
    }
    assert "big-01" not in checklist.left_out(FactoryProfile("machinery", 100))
    assert checklist.left_out(None) == {}


# ------------------------------------------------------------------ sub-items


@pytest.mark.parametrize(
    ("a", "b", "rolled"),
    [
        ("no", "no", "no"),
        ("no", "yes", "yes"),  # any problem makes the item a problem
        ("yes", None, "yes"),  # even with a sub-item still open
        ("no", None, None),  # otherwise an open sub-item leaves the item open
        ("na", "no", "no"),  # not applicable sub-items are left out
        ("na", "na", "na"),  # all not applicable: the item is
        ("no", "maybe", None),  # an invalid answer counts as none
    ],
)
def test_sub_items_roll_up_into_the_item(checklist: Checklist, a, b, rolled) -> None:
    answers = {"gen-03-a": a, "gen-03-b": b}
    assert checklist.effective_answers(answers)["gen-03"] == rolled


def test_an_item_with_sub_items_counts_once(checklist: Checklist) -> None:
    general = score(checklist, {**CLEAN, "gen-03-b": "yes"}, MACHINERY_SMALL).sections["general"]
    assert (general.applicable, general.bad) == (3, 1)
    assert score(checklist, {**CLEAN, "gen-03-b": "yes"}, MACHINERY_SMALL).verdict.result == "fail"
    missing = missing_answers(checklist, {"gen-03-a": "no"}, MACHINERY_SMALL)
    assert "gen-03-b" in missing and "gen-03" not in missing and "gen-03-a" not in missing


def test_propose_action_roll_up_keeps_a_priority() -> None:
    from inspect_app.checklists.kinds import ProposeAction, ProposeActionParams

    kind = ProposeAction(ProposeActionParams(not_applicable=True))
    assert kind.roll_up(["yes", "priority", "no"]) == "priority"
    assert kind.roll_up(["no", "na"]) == "no"


def test_sub_item_lookups(checklist: Checklist) -> None:
    assert checklist.has_question("gen-03-a") and not checklist.has_question("gen-03")
    assert checklist.item_of("gen-03-b").id == "gen-03"
    assert [r.en for r in checklist.references_of("gen-03-b")] == ["B rule"]
    assert checklist.number_of("gen-01") == "第三条（一）"
    assert checklist.number_of("gen-03-b") == "2"


# ------------------------------------------------------------------ declared hazard areas


def test_areas_declared_by_the_checklist_are_scored_after_the_shipped_ones(checklist) -> None:
    areas = score_by_area(checklist, {**CLEAN, "met-01": "yes"}, STEELWORKS)
    assert list(areas)[-1] == "molten_metal"
    assert areas["molten_metal"] == Tally(applicable=1, answered=1, bad=1, needs_action=1)
    assert checklist.area_catalogue["molten_metal"].label("zh_CN") == "熔融金属"
    assert "molten_metal" not in score_by_area(checklist, CLEAN, MACHINERY_SMALL) or (
        score_by_area(checklist, CLEAN, MACHINERY_SMALL)["molten_metal"] == Tally(left_out=1)
    )


# ------------------------------------------------------- one tap for a section (issue 14)


@pytest.mark.parametrize(
    ("item_id", "ok", "not_applicable"),
    [
        ("gen-01", "no", "na"),  # phrased as a hazard: "no" is its OK answer
        ("gen-02", "yes", "na"),  # phrased as a requirement
        ("big-01", "compliant", "not_applicable"),
        ("pa-01", "no", "na"),
        ("ch-01", "fixed", "no-machine"),  # the only option that scores good
        ("nu-01", None, "na"),  # a number has no OK answer
        ("tx-01", None, "na"),
    ],
)
def test_each_item_knows_its_ok_and_its_not_applicable_answer(
    checklist: Checklist, item_id, ok, not_applicable
) -> None:
    kind = checklist.item(item_id).answer_kind
    assert kind.ok_value() == ok
    assert kind.not_applicable_value() == not_applicable


def test_no_ok_answer_is_implied_where_there_is_none_or_several() -> None:
    def choice(*options: str) -> dict:
        return {"kind": "choice", "options": [{"id": o, "zh": o, "en": o} for o in options]}

    unscored = choice("red", "green")
    several = choice("a", "b", "c")
    several["options"][2]["action"] = True
    without_na = {"kind": "yes_no", "not_applicable": False}
    checklist = parse_checklist(_one_section(unscored, several, without_na, "propose_action"))
    kinds = [item.answer_kind for item in checklist.items()]
    assert [kind.ok_value() for kind in kinds] == [None, None, "yes", "no"]
    assert [kind.not_applicable_value() for kind in kinds] == [None, None, None, None]


def _one_section(*answers) -> str:
    import json

    items = [
        {"id": f"q-{n}", "text": {"zh": "问", "en": "Q"}, "answers": a, "areas": ["management"]}
        for n, a in enumerate(answers, 1)
    ]
    return json.dumps(
        {
            "id": "one",
            "title": {"zh": "一", "en": "One"},
            "description": {"zh": "一", "en": "One"},
            "kind": "self_inspection",
            "source": {"zh": "测试", "en": "Tests"},
            "sections": [{"id": "s", "title": {"zh": "节", "en": "S"}, "items": items}],
        }
    )


# ------------------------------------------------------------------------------ text


def test_the_forms_lean_text_drops_only_a_lone_paragraphs_tags() -> None:
    from inspect_app.checklists.text import render, render_lean

    assert render_lean("Keep *aisles* clear") == "Keep <em>aisles</em> clear"
    assert render_lean("a <b>b</b>") == "a &lt;b&gt;b&lt;/b&gt;"  # still escaped
    listed = "Check:\n- exits\n- doors"
    assert render_lean(listed) == render(listed) and "<li>exits</li>" in render(listed)
    assert not render("one").endswith("\n")
