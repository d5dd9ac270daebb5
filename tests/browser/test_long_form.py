"""A 150-item checklist in 21 sections on a portrait tablet (768×1024) and a phone (390×844) in
Chromium (issue 14): the "answered" counter stays in view however far the inspector scrolls,
"All sections" shows every section at once and jumps to a far one, a whole section is answered
"not applicable" or "all OK" in one tap and one confirmation (cancel changes nothing; the
answers are saved once each, offline too, and a reload shows them), and a decisive problem
shows the verdict at the top at once."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from long_checklist import FAIL_LABEL, SLUG, long_checklist
from support import sign_in

from inspect_app.checklists import services as checklist_services
from inspect_app.extensions import db
from inspect_app.inspections.models import Answer

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def inspection_id(app, world):
    from inspect_app.accounts.models import User
    from inspect_app.factories.models import Factory
    from inspect_app.inspections import services

    with app.app_context():
        checklist_services.store(long_checklist(), source_file=f"{SLUG}.yaml")
        inspection = services.start_inspection(
            by=db.session.get(User, world.users["inspector"].id),
            factory=db.session.get(Factory, world.a.id),
            checklist=SLUG,
            kind="self_inspection",
        )
        db.session.commit()
        return inspection.id


def _open_form(browser, live_server, world, inspection_id, viewport):
    context = browser.new_context(viewport=viewport, locale="en-US", has_touch=True)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    sign_in(page, live_server, world.users["inspector"].username)
    page.goto(f"{live_server}/inspections/{inspection_id}")
    page.wait_for_selector("#save-state[data-state=saved]")
    return context, page


def _stored(app, inspection_id) -> dict:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Answer.item_id, Answer.value).where(Answer.inspection_id == inspection_id)
        ).all()
        return dict(rows)


def _wait_stored(app, page, inspection_id, expected: dict) -> dict:
    """Wait until the server holds these answers (the state under test), then for the page's
    badge to say so; the answers the server holds."""
    for _ in range(300):
        stored = _stored(app, inspection_id)
        if all(stored.get(item) == value for item, value in expected.items()):
            break
        page.wait_for_timeout(100)
    page.wait_for_selector("#save-state[data-state=saved]")
    return stored


def _pressed(page, item: str) -> list[str]:
    return page.locator(f"#item-{item} .ans button[aria-pressed=true]").evaluate_all(
        "buttons => buttons.map(b => b.value)"
    )


def _counter_in_view(page, viewport) -> None:
    counter = page.locator("#progress-all")
    assert counter.is_visible()
    box = counter.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box
    # nothing covers it: the element at its centre is the counter itself
    assert counter.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === el; }"
    )


def _jump_to(page, section: str) -> None:
    """Open "All sections", tap a section: it lands just below the sticky bar."""
    page.click("#secnav-menu")
    page.wait_for_selector("#secnav-menu[aria-expanded=true]")
    page.click(f".secnav a[data-section={section}]")
    page.wait_for_selector("#secnav-menu[aria-expanded=false]")
    page.wait_for_function(
        """(id) => {
          const bar = document.querySelector(".fill-side").getBoundingClientRect();
          const head = document.querySelector("#section-" + id + " h2").getBoundingClientRect();
          return head.top >= bar.bottom - 1 && head.bottom <= window.innerHeight;
        }""",
        arg=section,
    )


def _answer_with_dialog(page, button: str, accept: bool) -> str:
    """Tap a section's button and answer its confirmation; the confirmation's text."""
    messages = []

    def answer(dialog):
        messages.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", answer)
    page.click(button)
    assert messages, "no confirmation was asked"
    return messages[0]


def test_a_long_checklist_on_a_portrait_tablet(app, live_server, browser, world, inspection_id):
    context, page = _open_form(browser, live_server, world, inspection_id, TABLET)
    total = page.locator(".fsec article").count()
    assert total == 152  # 150 items, one of them asked through 3 sub-items
    assert page.locator("#progress-all").inner_text() == f"0 of {total} answered"
    # No verdict yet: it takes no room while pending.
    assert page.locator("#verdict").is_hidden()

    # The counter stays in view at the far end of the form, uncovered.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("window.scrollY > 20000")
    _counter_in_view(page, TABLET)

    # "All sections" shows many sections at once, none of their chips over two lines.
    page.click("#secnav-menu")
    page.wait_for_selector("#secnav-menu[aria-expanded=true]")
    chips = page.locator(".secnav a").evaluate_all(
        """links => links.map(a => {
          const r = a.getBoundingClientRect();
          return {top: r.top, bottom: r.bottom, height: r.height};
        })"""
    )
    shown = page.locator("#secnav-list").bounding_box()  # the list scrolls inside this box
    bottom = min(shown["y"] + shown["height"], TABLET["height"])
    in_view = [c for c in chips if c["top"] >= shown["y"] and c["bottom"] <= bottom]
    assert len(in_view) >= 12, chips
    assert max(c["height"] for c in chips) <= 64, chips
    page.keyboard.press("Escape")
    page.wait_for_selector("#secnav-menu[aria-expanded=false]")
    _jump_to(page, "s02")
    _jump_to(page, "s20")
    _counter_in_view(page, TABLET)

    # Offline: a decisive problem shows the verdict at once, and "All OK" for a section is
    # kept on the device, then sent once each when the network is back.
    arrived = []  # the answers the server took, one entry per reply

    def took(response):
        if response.request.method == "PUT" and "/answers/" in response.url and response.ok:
            arrived.append(response.url.rsplit("/", 1)[1])

    page.on("response", took)
    context.set_offline(True)
    page.click("#item-s09-2 .ans button[value=yes]")
    verdict = page.locator("#verdict")
    verdict.wait_for(state="visible")
    assert "verdict-fail" in verdict.get_attribute("class")
    assert FAIL_LABEL["en"] in verdict.inner_text()
    message = _answer_with_dialog(page, "#section-s08 [data-fill=ok]", accept=True)
    assert message.splitlines()[0] == (
        "All OK in “8. Part 8: equipment, workplaces and dangerous work under control”?"
    )
    # requirement items get "Yes", the hazard-phrased one its own OK: "No"
    assert "Unanswered items to be answered “Yes”: 6" in message
    assert "Unanswered items to be answered “No”: 1" in message
    page.wait_for_selector("#save-state[data-state=offline]")
    assert _pressed(page, "s08-1") == ["yes"] and _pressed(page, "s08-2") == ["no"]
    context.set_offline(False)
    offline_answers = {f"s08-{n}": "yes" for n in (1, 3, 4, 5, 6, 7)}
    offline_answers |= {"s08-2": "no", "s09-2": "yes"}
    stored = _wait_stored(app, page, inspection_id, offline_answers)
    assert stored == offline_answers
    assert sorted(arrived) == sorted(offline_answers), arrived  # each answer arrived once
    assert verdict.get_attribute("data-result") == "fail" and verdict.is_visible()

    # "Does not apply", cancelled: nothing changes.
    page.click("#item-s05-1 .ans button[value=yes]")
    _wait_stored(app, page, inspection_id, {"s05-1": "yes"})
    answered = page.locator("#progress-all").inner_text()
    message = _answer_with_dialog(page, "#section-s05 [data-fill=na]", accept=False)
    assert "Unanswered items to be answered “Not applicable”: 5" in message
    assert "Items answered already, left as they are: 1" in message
    assert "Items without a “not applicable” answer, left unanswered: 1" in message
    assert page.locator("#section-s05 .ans button[aria-pressed=true]").count() == 1
    assert page.locator("#progress-all").inner_text() == answered
    assert page.locator("#save-state").get_attribute("data-state") == "saved"

    # Confirmed: every unanswered item that has "not applicable" gets it (the number too);
    # the answered one and the one without N/A stay as they were.
    _answer_with_dialog(page, "#section-s05 [data-fill=na]", accept=True)
    not_applicable = {f"s05-{n}": "na" for n in (2, 4, 5, 6, 7)}
    _wait_stored(app, page, inspection_id, not_applicable)
    assert _pressed(page, "s05-1") == ["yes"] and _pressed(page, "s05-3") == []

    # "All OK" in a section with a compliance item and in one with sub-items.
    message = _answer_with_dialog(page, "#section-s06 [data-fill=ok]", accept=True)
    assert "Unanswered items to be answered “Compliant”: 1" in message
    message = _answer_with_dialog(page, "#section-s07 [data-fill=ok]", accept=True)
    assert "Unanswered items to be answered “Yes”: 8" in message  # 5 items + 3 sub-items
    all_ok = {f"s06-{n}": "yes" for n in (1, 3, 4, 5, 6)} | {"s06-2": "no", "s06-7": "compliant"}
    all_ok |= {f"s07-{n}": "yes" for n in (1, 3, 4, 5, 6)} | {"s07-2": "no"}
    all_ok |= {f"s07-7-{letter}": "yes" for letter in "abc"}
    stored = _wait_stored(app, page, inspection_id, all_ok)
    assert "s07-7" not in stored  # the item itself is rolled up from its sub-items
    # A section answered in full offers nothing more to do, and says so.
    message = _answer_with_dialog(page, "#section-s06 [data-fill=ok]", accept=True)
    assert message.startswith("Nothing to answer in this section.")

    # A reload shows what was saved, the counter and the verdict.
    expected = offline_answers | {"s05-1": "yes"} | not_applicable | all_ok
    assert _stored(app, inspection_id) == expected
    page.reload()
    page.wait_for_selector("#save-state[data-state=saved]")
    for item, value in expected.items():
        assert _pressed(page, item) == [value], item
    assert page.locator("#progress-all").inner_text() == f"{len(expected)} of {total} answered"
    assert page.locator("#verdict").is_visible()
    assert not page.errors, page.errors
    context.close()


def test_the_counter_and_the_sections_on_a_phone(app, live_server, browser, world, inspection_id):
    context, page = _open_form(browser, live_server, world, inspection_id, PHONE)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    page.wait_for_function("window.scrollY > 10000")
    _counter_in_view(page, PHONE)
    _jump_to(page, "s21")
    _counter_in_view(page, PHONE)
    # The sticky bar leaves most of the screen to the form.
    bar = page.locator(".fill-side").bounding_box()
    assert bar["height"] < PHONE["height"] / 3, bar
    # A decisive problem on the phone: the verdict joins the bar at once.
    page.click("#item-s21-1 .ans button[value=no]")
    _jump_to(page, "s03")
    page.click("#item-s03-2 .ans button[value=yes]")
    page.locator("#verdict").wait_for(state="visible")
    assert re.search(FAIL_LABEL["en"], page.locator("#verdict").inner_text())
    _wait_stored(app, page, inspection_id, {"s21-1": "no", "s03-2": "yes"})
    assert not page.errors, page.errors
    context.close()
