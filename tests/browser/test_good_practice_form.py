"""Good practice at hand (issue 17), in Chromium at tablet and phone sizes in zh-CN: an item
answered "needs improvement" shows published cases about it, cheapest first, with before and
after thumbnails; one tap opens a new action on the item's finding with the case's idea as its
description; and what was seen once still shows with the network gone."""

from __future__ import annotations

import pytest
from support import sign_in
from test_good_practice import make_case  # noqa: F401 - the builder fixture

pytestmark = pytest.mark.browser

SIZES = {"tablet": {"width": 768, "height": 1024}, "phone": {"width": 390, "height": 844}}
CARDS = "#item-guard-01 .gp-list li"
THUMBS_SHOWN = """() => {
  const imgs = [...document.querySelectorAll('#item-guard-01 .gp img')];
  return imgs.length === 6 && imgs.every((img) => img.complete && img.naturalWidth > 0);
}"""


@pytest.mark.parametrize("size", SIZES)
def test_a_problem_answer_offers_good_practice_and_one_tap_takes_its_idea_to_an_action(
    size,
    live_server,
    browser,
    world,
    make_inspection,
    make_case,  # noqa: F811
):
    inspection_id = make_inspection(checklist="machine-guarding", kind="score_visit")
    make_case("贵的办法", cost="800", photos=True)
    make_case("便宜的办法", cost="120", photos=True)
    make_case("同领域的办法", item=None, cost="5", photos=True)  # same area: after the item's
    make_case("草稿", cost="1", published=False)
    make_case("化学品", item="machine-guarding/other", areas=("chemicals",), cost="1")
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN", has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, world.users["inspector"].username)
    form = f"{live_server}/inspections/{inspection_id}"
    page.goto(form)
    page.wait_for_selector("html[data-offline-ready='1']", timeout=15000)
    # The service worker answers for the page from its next load on (what it fetches, it keeps).
    page.reload()
    page.wait_for_function("() => !!navigator.serviceWorker.controller")

    # "Needs improvement": the cases about this item, cheapest first, then the area's.
    page.locator("#item-guard-01 .ans button[value=yes]").click()
    page.locator(CARDS).nth(2).wait_for()
    box = page.locator("#item-guard-01 .gp")
    assert "其他企业的好做法" in box.locator("h4").inner_text()
    titles = [t.strip() for t in page.locator(f"{CARDS} b").all_inner_texts()]
    assert titles == ["便宜的办法", "贵的办法", "同领域的办法"]
    hints = page.locator(f"{CARDS} .hint").all_inner_texts()
    assert "同一检查项" in hints[0] and "¥120" in hints[0] and "同一危害领域" in hints[2]
    page.wait_for_function(THUMBS_SHOWN)
    assert page.locator(f"{CARDS} figcaption").all_inner_texts()[:2] == ["整改前", "整改后"]
    use = page.locator(f"{CARDS} .gp-use").first
    assert use.inner_text() == "用这个做法建整改措施"
    tap = use.bounding_box()
    assert tap["height"] >= 44 and tap["width"] >= 44, tap
    assert tap["x"] >= 0 and tap["x"] + tap["width"] <= SIZES[size]["width"], tap

    # Answered otherwise, the suggestions go; a problem again, they are back.
    page.locator("#item-guard-01 .ans button[value=no]").click()
    page.locator("#item-guard-01 .gp").wait_for(state="detached")
    page.locator("#item-guard-01 .ans button[value=yes]").click()
    page.locator(CARDS).nth(2).wait_for()

    # One tap: the item's finding is made from the item, and its new action holds the idea.
    page.locator(f"{CARDS} .gp-use").first.click()
    page.wait_for_url("**/actions/new?description=*")
    assert page.locator("#description").input_value() == "便宜的办法：工人自己想出的办法。"
    assert page.locator("#title").input_value().startswith("为所有外露的皮带轮")

    # Seen once, the suggestions and their thumbnails show again without network.
    page.goto(form)
    page.wait_for_selector("html[data-offline-ready='1']", timeout=15000)
    context.set_offline(True)
    page.reload()
    page.locator("#item-guard-01 .addf").wait_for()  # the form's script has run
    page.locator("#item-guard-01 .ans button[value=no]").click()
    page.locator("#item-guard-01 .ans button[value=yes]").click()
    page.locator(CARDS).nth(2).wait_for()
    page.wait_for_function(THUMBS_SHOWN)
    page.wait_for_selector("#save-state[data-state=offline]")
    assert not errors, errors
    context.close()


def test_no_case_to_show_leaves_the_answer_as_it_was(
    live_server,
    browser,
    world,
    make_inspection,
    make_case,  # noqa: F811
):
    inspection_id = make_inspection(checklist="machine-guarding", kind="score_visit")
    make_case("别人的办法", by="inspector_b", cost="1")  # not in this inspector's library
    context = browser.new_context(viewport=SIZES["tablet"], locale="zh-CN", has_touch=True)
    page = context.new_page()
    sign_in(page, live_server, world.users["inspector"].username)
    page.goto(f"{live_server}/inspections/{inspection_id}")
    with page.expect_response(lambda r: "/practice/guard-01" in r.url) as answer:
        page.locator("#item-guard-01 .ans button[value=yes]").click()
    assert answer.value.json()["cases"] == []
    page.wait_for_function("() => !document.querySelector('#item-guard-01 .gp')")
    context.close()
