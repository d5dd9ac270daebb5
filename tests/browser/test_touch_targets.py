"""Every touch target is big enough for a gloved finger in a workshop: 44 × 44 CSS pixels at
the least (WCAG 2.5.5), on every page each role uses, at tablet and phone size, in Chinese.
Links inside running text are exempt (WCAG's inline exception): they are words in a sentence."""

from __future__ import annotations

import pytest
from support import sign_in
from test_cases import make_source, promote

from inspect_app.extensions import db
from inspect_app.inspections.models import Inspection

pytestmark = pytest.mark.browser

MIN = 44

# Every visible control that is not a word inside a sentence, and its box; a control whose
# label grows its tap area (a checkbox inside its <label>) counts by the label's box.
_TOO_SMALL = """(min) => {
  const inline = (el) => {
    if (el.tagName !== "A") return false;
    const block = el.closest("p, dd, td, li, figcaption, .hint, .muted");
    if (!block || block.closest("nav, .actions, .toolbar, .linklist, .chips")) return false;
    const text = block.textContent.replace(el.textContent, "").trim();
    return text.length > 12;  // the link is part of a sentence, not the whole line
  };
  const out = [];
  const seen = new Set();
  for (const el of document.querySelectorAll(
      "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]")) {
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    let box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not rendered (collapsed, closed)
    if (el.labels && el.labels.length && ["checkbox", "radio", "file"].includes(el.type)) {
      // A tap on its label works too: the target is the input and its labels together.
      const boxes = [box, ...Array.from(el.labels, (l) => l.getBoundingClientRect())];
      const low = (key) => Math.min(...boxes.map((b) => b[key]));
      const high = (key) => Math.max(...boxes.map((b) => b[key]));
      box = {width: high("right") - low("left"), height: high("bottom") - low("top")};
    }
    if (el.type === "file" && style.opacity === "0") continue;  // its label is the target
    if (inline(el)) continue;
    if (box.width + 0.5 < min || box.height + 0.5 < min) {
      const name = (el.getAttribute("aria-label") || el.textContent || el.name || el.type || "")
        .trim().replace(/\\s+/g, " ").slice(0, 40);
      const key = el.tagName + name;
      if (seen.has(key)) continue;
      seen.add(key);
      const size = `${Math.round(box.width)}×${Math.round(box.height)}`;
      out.push(`${el.tagName.toLowerCase()} "${name}" ${size}`);
    }
  }
  return out;
}"""

VIEWPORTS = {"tablet": {"width": 768, "height": 1024}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def pages(app, client, login_as, world, make_inspection) -> dict[str, list[str]]:
    """The pages each role uses, on a world with a submitted-style inspection, a finding with
    photos and actions, a case, and a draft inspection."""
    source = make_source(app, world, make_inspection)
    login_as("inspector")
    case_id = promote(client, source["finding_id"])
    client.post("/logout")
    draft = make_inspection()
    with app.app_context():
        inspection_id = db.session.get(Inspection, draft).id
    factory = world.a.id
    action = source["action_ids"][0]
    common = ["/", "/factories", f"/factories/{factory}"]
    return {
        "inspector": [
            *common,
            "/inspections",
            f"/inspections/new?factory_id={factory}",
            f"/inspections/{inspection_id}",
            f"/inspections/{inspection_id}/report",
            f"/inspections/{source['inspection_id']}/report",
            f"/factories/{factory}/progress",
            "/checklists",
            "/checklists/machine-guarding",
            f"/actions/{action}",
            "/actions/queue",
        ],
        "committee": [
            "/",
            f"/factories/{factory}/actions",
            f"/factories/{factory}/kpis",
            "/actions/board",
        ],
        "trainer": ["/", "/cases", f"/cases/{case_id}", f"/cases/{case_id}/edit"],
        "admin": ["/", "/admin/users", "/admin/audit", "/regions/overview", "/account/password"],
    }


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_every_touch_target_is_at_least_44_px(pages, live_server, browser, world, size):
    problems = []
    for role, paths in pages.items():
        context = browser.new_context(viewport=VIEWPORTS[size], locale="zh-CN")
        page = context.new_page()
        sign_in(page, live_server, world.users[role].username)
        for path in paths:
            response = page.goto(f"{live_server}{path}")
            assert response.status == 200, (role, path, response.status)
            page.wait_for_load_state("networkidle")
            problems += [f"{role} {path}: {p}" for p in page.evaluate(_TOO_SMALL, MIN)]
        context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_the_action_board_shows_actions_on_the_first_screen_of_a_phone(
    app, world, make_inspection, live_server, browser, size
):
    """On a phone the board's filters fold behind one button, so the first screen shows the
    first action; a tablet shows the filters open; a filter in use keeps them open."""
    make_source(app, world, make_inspection)
    context = browser.new_context(viewport=VIEWPORTS[size], locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, world.users["inspector"].username)
    page.goto(f"{live_server}/factories/{world.a.id}/actions")
    first_card = page.locator("li.card").first
    first_card.wait_for()
    area = page.locator("select[name=area]")
    if size == "phone":
        assert first_card.bounding_box()["y"] < VIEWPORTS[size]["height"]
        assert not area.is_visible()
        page.locator(".filter-box > summary").click()
        area.wait_for(state="visible")
    else:
        area.wait_for(state="visible")
    page.goto(f"{live_server}/factories/{world.a.id}/actions?overdue=1")
    page.locator("select[name=area]").wait_for(state="visible")
    assert "1" in page.locator(".filter-box > summary").inner_text()
    context.close()
