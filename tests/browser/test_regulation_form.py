"""A checklist that carries a regulation, on a portrait tablet (768×1024) in Chromium: only the
items that apply to the factory are asked, a chosen problem answer looks like a problem (red,
a cross), sub-items and "not applicable" beside a number are answered and saved, and a finding
raised on a decisive item starts major at the item's risk floor, showing the item's number and
legal basis."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from support import sign_in

from inspect_app.checklists import services as checklist_services
from inspect_app.checklists.loader import load_checklist
from inspect_app.extensions import db
from inspect_app.inspections.models import Answer, Finding

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
REGULATION = Path(__file__).parents[1] / "checklists" / "regulation.yaml"


def _click(page, item: str, value: str) -> None:
    page.locator(f"#item-{item} .ans button[value='{value}']").click()


def test_a_regulation_checklist_on_a_portrait_tablet(app, live_server, browser, world):
    from inspect_app.accounts.models import User
    from inspect_app.factories.models import Factory
    from inspect_app.inspections import services

    with app.app_context():
        checklist_services.store(load_checklist(REGULATION), source_file="regulation.yaml")
        inspection = services.start_inspection(
            by=db.session.get(User, world.users["inspector"].id),
            factory=db.session.get(Factory, world.a.id),
            checklist="regulation",
            kind="self_inspection",
        )
        db.session.commit()
        inspection_id = inspection.id
    context = browser.new_context(viewport=TABLET, locale="en-US", has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, world.users["inspector"].username)
    page.goto(f"{live_server}/inspections/{inspection_id}")
    page.wait_for_selector("#save-state[data-state=saved]")

    # A rubber factory of 30 is not asked the metallurgy part nor the item for 100 workers.
    assert page.locator("#item-met-01").count() == 0
    assert page.locator("#item-big-01").count() == 0
    assert page.locator("#progress-all").inner_text() == "0 of 8 answered"
    # On a portrait tablet the overall counter stays in view, and no section chip takes more
    # than two lines.
    page.mouse.wheel(0, 3000)
    assert page.locator("#progress-all").is_visible()
    assert page.locator("#progress-all").evaluate("el => el.getBoundingClientRect().top") < 200
    heights = page.locator(".secnav a").evaluate_all("els => els.map(e => e.offsetHeight)")
    assert heights and max(heights) <= 64, heights

    # "Present" is the problem answer of a hazard-phrased item: chosen, it turns red with a
    # cross; "Yes" to a requirement-phrased one is good: green with a tick.
    _click(page, "gen-01", "yes")
    _click(page, "gen-02", "yes")
    problem = page.locator("#item-gen-01 .ans button[value='yes']")
    good = page.locator("#item-gen-02 .ans button[value='yes']")
    sign = "el => getComputedStyle(el, '::before').content"
    colour = "el => getComputedStyle(el).backgroundColor"
    assert problem.evaluate(sign) == '"✗ "' and good.evaluate(sign) == '"✓ "'
    assert problem.evaluate(colour) != good.evaluate(colour)

    # Sub-items one by one; "not applicable" beside a number input.
    _click(page, "gen-03-a", "no")
    _click(page, "gen-03-b", "na")
    _click(page, "nu-01", "na")
    page.wait_for_selector("#item-nu-01 .ans button[value='na'][aria-pressed='true']")

    def stored() -> dict:
        with app.app_context():
            return dict(
                db.session.execute(
                    sa.select(Answer.item_id, Answer.value).where(
                        Answer.inspection_id == inspection_id
                    )
                ).all()
            )

    # "Saved" can show for the previous answer's round trip before the last click's answer is
    # queued: wait for the server to hold all five (the state the test is about), then for the
    # badge to agree.
    for _ in range(300):
        answers = stored()
        if len(answers) == 5:
            break
        page.wait_for_timeout(100)
    page.wait_for_selector("#save-state[data-state=saved]")
    assert answers == {
        "gen-01": "yes",
        "gen-02": "yes",
        "gen-03-a": "no",
        "gen-03-b": "na",
        "nu-01": "na",
    }
    assert page.locator("#progress-all").inner_text() == "5 of 8 answered"
    # Typing a number replaces "not applicable".
    page.fill("#item-nu-01 .num", "12")
    page.locator("#item-nu-01 .num").blur()
    page.wait_for_selector("#item-nu-01 .ans button[value='na'][aria-pressed='false']")

    # A finding on the decisive item: the dialog starts at major, likelihood 2 × severity 5.
    page.locator("#item-gen-01 .addf").click()
    assert page.locator("#fd-form input[name=grade][value=major]").is_checked()
    assert page.locator("#fd-form input[name=likelihood][value='2']").is_checked()
    assert page.locator("#fd-form input[name=severity][value='5']").is_checked()
    # It names the item by its own number and shows its legal basis, read-only.
    assert "第三条（一）" in page.locator("#fd-item").inner_text()
    assert page.locator("#fd-refs").is_visible()
    assert page.locator("#fd-refs li").all_inner_texts() == ["Criteria, Art. 3 (1)"]
    page.fill("#fd-title-in", "Contractor's crew not briefed")
    page.click("#fd-save")
    page.wait_for_selector("#save-state[data-state=saved]")
    with app.app_context():
        finding = db.session.scalars(
            sa.select(Finding).where(Finding.inspection_id == inspection_id)
        ).one()
        assert (finding.grade.value, finding.risk_score) == ("major", 10)
        assert finding.reference == "Criteria, Art. 3 (1)"
    # A sub-item's finding shows the sub-item's own references; a free finding none.
    page.locator("#item-gen-03-b .addf").click()
    assert page.locator("#fd-refs li").all_inner_texts() == ["B rule"]
    page.click("#fd-cancel")
    page.click("#add-free")
    assert page.locator("#fd-refs").is_hidden()
    page.click("#fd-cancel")
    # The decisive problem answered above shows the verdict at the top, without a reload.
    assert "Major accident hazard present" in page.locator("#verdict").inner_text()
    assert not errors, errors
    context.close()
