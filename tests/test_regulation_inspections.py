"""Inspecting with a checklist that carries a regulation, end to end through the API: the
verdict and the left-out items in the scores, sub-items, answers refused in the reader's
language, and findings raised on decisive items (major, with the legal reference, never rated
below the item's risk floor)."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspect_app.checklists import services as checklist_services
from inspect_app.checklists.loader import load_checklist
from inspect_app.extensions import db
from inspect_app.inspections import services
from inspect_app.inspections.models import Inspection

REGULATION = Path(__file__).parent / "checklists" / "regulation.yaml"


@pytest.fixture
def inspection_id(app, world, client, login_as):
    """A draft on the test regulation checklist, for factory A (rubber and plastics, 30
    workers): the metallurgy section and the item for 100+ workers are left out."""
    with app.app_context():
        checklist_services.store(load_checklist(REGULATION), source_file="regulation.yaml")
        db.session.commit()
    login_as("inspector")
    response = client.post(
        "/api/v1/inspections",
        json={"factory_id": world.a.id, "checklist": "regulation", "kind": "self_inspection"},
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def put(client, inspection_id, item_id, value):
    return client.put(
        f"/api/v1/inspections/{inspection_id}/answers/{item_id}", json={"value": value}
    )


def test_scores_carry_the_verdict_and_what_was_left_out(client, inspection_id):
    body = client.get(f"/api/v1/inspections/{inspection_id}").json
    assert body["scores"]["verdict"]["result"] == "pending"
    assert body["scores"]["left_out"] == {"total": 2, "reasons": {"sector": 1, "workers": 1}}

    reply = put(client, inspection_id, "gen-01", "yes")
    assert reply.status_code == 200
    verdict = reply.json["scores"]["verdict"]
    assert verdict["result"] == "fail"
    assert verdict["decisive_problems"] == ["gen-01"]
    assert verdict["label"] == {"zh": "存在重大事故隐患", "en": "Major accident hazard present"}


def test_items_left_out_for_the_factory_are_not_asked(client, inspection_id):
    refused = put(client, inspection_id, "met-01", "yes")
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "not_asked"


def test_sub_items_are_answered_one_by_one(client, inspection_id):
    refused = put(client, inspection_id, "gen-03", "no")
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "answer_sub_items"
    assert put(client, inspection_id, "gen-03-a", "no").status_code == 200
    reply = put(client, inspection_id, "gen-03-b", "yes")
    assert reply.json["scores"]["verdict"]["decisive_problems"] == ["gen-03"]
    assert reply.json["scores"]["sections"]["general"]["bad"] == 1


def test_a_refused_answer_is_explained_in_chinese(client, inspection_id):
    client.post("/language", data={"locale": "zh_CN"})
    refused = put(client, inspection_id, "gen-02", "maybe")
    assert refused.status_code == 422
    reason = refused.json["error"]["fields"]["value"]
    assert reason == "请从以下选项中选择：存在、不存在、不适用。"
    assert "expected" not in refused.json["error"]["message"]
    too_low = put(client, inspection_id, "nu-01", "-3")
    assert too_low.status_code == 200  # no minimum on this item
    text = put(client, inspection_id, "tx-01", "x" * 2001)
    assert text.json["error"]["fields"]["value"] == "文字太长（2001 个字符，最多 2000 个）。"


def test_a_refused_answer_in_english_names_the_checklist_labels(client, inspection_id):
    client.post("/language", data={"locale": "en"})
    refused = put(client, inspection_id, "gen-01", "maybe")
    assert refused.json["error"]["fields"]["value"] == (
        "Choose one of: Present, Absent, Not applicable."
    )


def test_a_finding_on_a_decisive_item_is_major_with_its_legal_basis(client, inspection_id):
    client.post("/language", data={"locale": "zh_CN"})
    created = client.post(
        f"/api/v1/inspections/{inspection_id}/findings",
        json={"item_id": "gen-01", "title": "承包单位未纳入管理"},
    )
    assert created.status_code == 201, created.json
    finding = created.json
    assert finding["grade"] == "major"
    assert finding["reference"] == "判定标准第三条第（一）项"
    # Risk floor `high`: the lowest rating in that band, severity first.
    assert (finding["likelihood"], finding["severity"], finding["risk_level"]) == (2, 5, "high")


def test_a_finding_on_a_decisive_item_cannot_be_rated_below_its_floor(client, inspection_id):
    too_low = client.post(
        f"/api/v1/inspections/{inspection_id}/findings",
        json={"item_id": "gen-01", "title": "x", "likelihood": 1, "severity": 3},
    )
    assert too_low.status_code == 422
    assert set(too_low.json["error"]["fields"]) == {"likelihood", "severity"}
    created = client.post(
        f"/api/v1/inspections/{inspection_id}/findings",
        json={
            "item_id": "gen-01",
            "title": "x",
            "likelihood": 3,
            "severity": 4,
            "grade": "general",
        },
    ).json
    assert created["grade"] == "general"  # told otherwise, the grade is the inspector's call
    lowered = client.patch(
        f"/api/v1/findings/{created['id']}", json={"severity": 1, "version": created["version"]}
    )
    assert lowered.status_code == 422
    raised = client.patch(
        f"/api/v1/findings/{created['id']}", json={"severity": 5, "version": created["version"]}
    )
    assert raised.status_code == 200 and raised.json["risk_score"] == 15


def test_a_finding_on_a_sub_item_cites_the_sub_item(client, inspection_id):
    client.post("/language", data={"locale": "en"})
    finding = client.post(
        f"/api/v1/inspections/{inspection_id}/findings",
        json={"item_id": "gen-03-b", "title": "B missing"},
    ).json
    assert (finding["grade"], finding["reference"], finding["area"]) == (
        "major",
        "B rule",
        "electrical",
    )


def test_findings_may_name_the_checklists_own_areas(client, inspection_id):
    created = client.post(
        f"/api/v1/inspections/{inspection_id}/findings",
        json={"title": "Water under the ladle path", "area": "molten_metal"},
    )
    assert created.status_code == 201
    unknown = client.post(
        f"/api/v1/inspections/{inspection_id}/findings",
        json={"title": "x", "area": "ammonia"},
    )
    assert unknown.status_code == 422


def test_submission_freezes_the_verdict(app, client, inspection_id):
    answers = {
        "gen-01": "yes",
        "gen-02": "yes",
        "gen-03-a": "no",
        "gen-03-b": "no",
        "pa-01": "na",
        "ch-01": "fixed",
        "nu-01": "na",
        "tx-01": "na",
    }
    for item_id, value in answers.items():
        assert put(client, inspection_id, item_id, value).status_code == 200
    submitted = client.post(f"/api/v1/inspections/{inspection_id}/submit")
    assert submitted.status_code == 200, submitted.json
    with app.app_context():
        frozen = db.session.get(Inspection, inspection_id).scores
    assert frozen["verdict"]["result"] == "fail"
    assert frozen["left_out"]["total"] == 2
    assert frozen["overall"]["percent"] == 75.0


def test_inspections_frozen_before_verdicts_keep_their_figures(app, make_inspection):
    inspection_id = make_inspection()
    old = {"overall": {"good": 3, "bad": 1, "percent": 75.0}, "sections": {}, "areas": {}}
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        inspection.scores = old
        db.session.commit()
        scores = services.scores_of(inspection)
    assert scores["overall"] == old["overall"]
    assert scores["verdict"] is None and scores["left_out"]["total"] == 0


# ------------------------------------------------------------------ what people see


ALL_ASKED = {
    "gen-01": "yes",
    "gen-02": "yes",
    "gen-03-a": "no",
    "gen-03-b": "yes",
    "pa-01": "na",
    "ch-01": "fixed",
    "nu-01": "na",
    "tx-01": "na",
}


def _answer_all(client, inspection_id, answers=ALL_ASKED):
    for item_id, value in answers.items():
        assert put(client, inspection_id, item_id, value).status_code == 200


def test_the_form_asks_only_what_applies_and_shows_problems_as_problems(client, inspection_id):
    client.post("/language", data={"locale": "zh_CN"})
    put(client, inspection_id, "gen-01", "yes")
    html = client.get(f"/inspections/{inspection_id}").get_data(as_text=True)
    assert 'id="item-met-01"' not in html and 'id="item-big-01"' not in html  # left out
    assert "本检查表有 2 个检查项不适用于本企业" in html
    # The chosen problem answer carries the problem class (red, a cross instead of a tick),
    # and, on a decisive item, the class of an answer that fails the verdict; the good answer
    # is the OK one ("All OK in this section" gives it).
    assert '<button value="yes" class="p d" aria-pressed="true">存在</button>' in html
    assert '<button value="no" class="g">不存在</button>' in html
    # The verdict is at the top of the form at once.
    assert 'id="verdict" role="status" data-result="fail"' in html
    assert "<strong>存在重大事故隐患</strong>" in html
    # Sub-items are answered on their own cards under their item's heading.
    assert 'id="item-gen-03"' in html and 'id="item-gen-03-a"' in html
    # N/A beside a number input; line breaks and lists kept, raw HTML escaped.
    assert 'class="num"' in html and '<button value="na" class="n">不适用</button>' in html
    assert "<li>疏散通道</li>" in html and "&lt;b&gt;门&lt;/b&gt;" in html
    assert "<b>门</b>" not in html
    # The number from the source, and the legal basis one tap away.
    assert "<b>第三条（一）</b>" in html and "判定标准第三条第（一）项" in html
    # A finding raised there starts major, at the risk floor.
    assert 'data-grade="major" data-l="2" data-s="5"' in html


def test_the_report_puts_the_verdict_first_and_cites_each_problem(client, inspection_id):
    client.post("/language", data={"locale": "en"})
    _answer_all(client, inspection_id)
    html = client.get(f"/inspections/{inspection_id}/report").get_data(as_text=True)
    head = html[: html.index('id="scores"')]
    assert "verdict-fail" in head and "Major accident hazard present" in head
    assert "Contractors not coordinated" in head  # the decisive item named in the verdict
    assert "Criteria, Art. 3 (1)" in html  # legal basis beside the problem item
    assert "B rule" in html  # a sub-item's own reference beside it
    assert html.count('class="answer-flag">Problem</span>') == 2  # gen-01 and gen-03-b
    assert "2 items were left out for this factory" in html
    assert "not for this factory&#39;s sector" in html or "not for this factory's sector" in html


def test_the_pdf_prints_the_verdict_and_the_references(client, inspection_id, tmp_path):
    from test_inspection_report import _pdftotext

    client.post("/language", data={"locale": "zh_CN"})
    _answer_all(client, inspection_id)
    assert client.post(f"/api/v1/inspections/{inspection_id}/submit").status_code == 200
    response = client.get(f"/inspections/{inspection_id}/report.pdf")
    assert response.status_code == 200
    text = _pdftotext(response.data, tmp_path)
    assert "存在重大事故隐患" in text
    assert "第三条（一）" in text  # the item's own number
    assert "判定标准第三条第（一）项" in text  # its legal basis, on paper
    assert "乙条" in text
    assert text.index("存在重大事故隐患") < text.index("疏散通道")  # the verdict comes first
    english = _pdftotext(
        client.get(f"/inspections/{inspection_id}/report.pdf?lang=en").data, tmp_path
    )
    assert "Majoraccidenthazardpresent" in english and "Criteria,Art.3(1)" in english


def test_the_factory_page_shows_the_latest_verdict(client, inspection_id, world):
    client.post("/language", data={"locale": "zh_CN"})
    _answer_all(client, inspection_id, {**ALL_ASKED, "gen-01": "no", "gen-03-b": "no"})
    assert client.post(f"/api/v1/inspections/{inspection_id}/submit").status_code == 200
    html = client.get(f"/factories/{world.a.id}").get_data(as_text=True)
    banner = html[: html.index('id="inspections"')]
    assert "verdict-pass" in banner and "未发现重大事故隐患" in banner


def test_answer_buttons_say_which_is_ok_a_problem_not_applicable_or_decisive():
    """The form's script reads these classes: "All OK" gives the `g` answer, "does not apply"
    the `n` one, and a chosen `d` answer fails the verdict at once."""
    from inspect_app.inspections.views import answer_marks

    checklist = load_checklist(REGULATION)
    marks = {item.id: answer_marks(item) for item in checklist.items()}
    assert marks["gen-01"] == {"yes": "p d", "no": "g", "na": "n"}  # a hazard, decisive
    assert marks["gen-02"] == {"yes": "g", "no": "p", "na": "n"}
    assert marks["pa-01"] == {"no": "g", "na": "n"}  # propose-action keeps its own colours
    assert marks["ch-01"] == {"fixed": "g", "none": "p d", "no-machine": "n"}
    assert marks["nu-01"] == {"na": "n"} and marks["tx-01"] == {"na": "n"}


def test_the_form_gives_the_verdict_words_and_no_verdict_line_without_a_rule(
    app, client, inspection_id, make_inspection
):
    html = client.get(f"/inspections/{inspection_id}").get_data(as_text=True)
    assert 'data-result="pending"' in html and " hidden>" in html.split('id="verdict"')[1][:400]
    assert 'data-fail="Major accident hazard present"' in html and "data-decisive" in html
    other = make_inspection(checklist="score-module5", kind="score_visit")
    assert 'id="verdict"' not in client.get(f"/inspections/{other}").get_data(as_text=True)


def test_each_answers_reply_carries_the_verdict_the_form_shows(client, inspection_id):
    """The form sends a section's answers one by one as single taps (the OK answer of each
    item: for a hazard, "no"); each reply brings the verdict, which the form shows at once."""
    replies = [put(client, inspection_id, item_id, "no") for item_id in ("gen-01", "gen-03-a")]
    replies += [put(client, inspection_id, item_id, "yes") for item_id in ("gen-02",)]
    assert all(reply.status_code == 200 for reply in replies)
    assert replies[-1].json["scores"]["verdict"]["result"] == "pending"
    decisive = put(client, inspection_id, "gen-03-b", "yes")
    assert decisive.json["scores"]["verdict"]["result"] == "fail"
    assert decisive.json["scores"]["verdict"]["decisive_problems"] == ["gen-03"]
