"""Layout in Chromium at the sizes the product is used at: a case slide on a training-room
projector shows its whole story, however long, and the region overview fits a tablet in
portrait and a phone without sideways page scrolling, its sort links still at hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import REPO, sign_in
from test_cases import CLEAN_STORY, make_source, promote, publish_clean
from test_progress import _action, _any_version, _tally

from inspect_app.actions.models import ActionStatus as S
from inspect_app.extensions import db, local_today
from inspect_app.inspections.models import Inspection, InspectionStatus

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "test-artifacts"

LAST_SENTENCE = "Nobody has been hurt at the press since the day the curtain went in."
LONG_STORY = {
    "title_en": "A light curtain and a sliding feed tray keep hands out of the press die",
    "problem_en": (
        "Operators on the 80-tonne mechanical press fed blanks by hand between strokes, with "
        "their fingers inside the die area for about a second each time. The fixed guard had "
        "been taken off years ago because it slowed down changeovers, and a worn foot pedal "
        "let the ram come down at any moment, sometimes twice. The line leader reported two "
        "near misses in a single month, and new operators were put on the press after one day."
    ),
    "idea_en": (
        "The workers on the line suggested a light curtain across the front of the die and a "
        "two-hand start, so that the ram only moves when both hands are on the buttons and "
        "nobody reaches through the beam. They also asked for a sliding feed tray so that "
        "blanks can be pushed in from outside the danger zone instead of being placed by hand, "
        "and for a stop at the end of the tray so that the blank always lands in the same spot."
    ),
    "change_en": (
        "Maintenance fitted a type 4 light curtain and a two-hand control unit, wired through "
        "a safety relay that the supplier checked and signed off. A sliding tray now carries "
        "the blank under the die, and the foot pedal was removed from the press for good. The "
        "operators were trained on the new start sequence and on the daily test of the curtain "
        "with the test rod, and the test is recorded on a card that hangs beside the press."
    ),
    "result_safety_en": (
        "No hand can reach the die while the ram moves: breaking the beam stops the press "
        "within the measured stopping distance. Since the change there have been no near "
        "misses at this press, and the line leader checks the curtain at the start of every "
        "shift, and writes the result of the test rod on the card beside the press. The other "
        "two presses of the workshop are being fitted with the same curtain this spring."
    ),
    "result_productivity_en": (
        "Output rose by about eight per cent because the operators no longer hesitate before "
        "each stroke, and the tray makes feeding steadier, so fewer blanks are scrapped for a "
        "crooked hit. Changeovers take no longer than before: the curtain is mounted on hinges "
        "and swings aside when the die is changed, with the press locked out. "
        f"{LAST_SENTENCE}"
    ),
}


# ---------------------------------------------------------------- presentation


@pytest.fixture
def long_and_short_case(app, client, login_as, world, make_inspection):
    """Two published cases: one with a long English story, then the short CLEAN_STORY."""
    login_as("inspector")
    ids = [promote(client, make_source(app, world, make_inspection)["finding_id"]) for _ in "ab"]
    client.post("/logout")
    login_as("trainer")
    version = client.get(f"/api/v1/cases/{ids[0]}").json["version"]
    response = client.patch(
        f"/api/v1/cases/{ids[0]}", json={**LONG_STORY, "version": version, "status": "published"}
    )
    assert response.status_code == 200, response.json
    publish_clean(client, ids[1])
    return ids


# Where the last paragraph of the current slide's story is, against its story box and the
# window; and whether the story box still has more to show below or to the right.
_WHERE = """() => {
  const story = document.querySelector("[data-slide].is-current .slide-story");
  const paras = story.querySelectorAll("p");
  const last = paras[paras.length - 1].getBoundingClientRect();
  const box = story.getBoundingClientRect();
  return {
    last: {top: last.top, bottom: last.bottom, left: last.left, right: last.right},
    box: {top: box.top, bottom: box.bottom, left: box.left, right: box.right},
    width: window.innerWidth, height: window.innerHeight,
    below: story.scrollHeight - story.clientHeight - story.scrollTop,
    sideways: story.scrollWidth - story.clientWidth,
    size: parseFloat(getComputedStyle(story).fontSize),
  };
}"""


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 720}, {"width": 1024, "height": 768}],
    ids=["1280x720", "1024x768"],
)
def test_a_long_story_can_be_read_to_its_last_sentence_on_a_projector(
    long_and_short_case, live_server, browser, world, viewport
):
    """The story fits, or (too long for legible type) scrolls down within its column, by
    the arrow keys too; it never runs off the slide or into columns out of sight."""
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, world.users["trainer"].username)
    ids = long_and_short_case
    page.goto(f"{live_server}/cases/present?ids={ids[0]},{ids[1]}&lang=en")
    page.wait_for_load_state("networkidle")
    slide = page.locator("[data-slide].is-current")
    assert slide.locator("h1").inner_text() == LONG_STORY["title_en"]
    assert slide.locator("p", has_text=LAST_SENTENCE).count() == 1

    where = page.evaluate(_WHERE)
    assert where["sideways"] <= 1, "the story runs on in columns to the right, out of sight"
    assert where["box"]["bottom"] <= where["height"]
    assert where["box"]["right"] <= where["width"]
    assert where["size"] >= 15, "the type became too small to read on a projector"
    # Read on with ↓ (the projector's remote) until the story has nothing more below.
    for _ in range(20):
        if where["below"] <= 1:
            break
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(100)
        where = page.evaluate(_WHERE)
    last, box = where["last"], where["box"]
    assert where["below"] <= 1, "the end of the story cannot be reached"
    assert box["top"] - 1 <= last["top"] and last["bottom"] <= box["bottom"] + 1, where
    assert box["left"] - 1 <= last["left"] and last["right"] <= box["right"] + 1, where
    assert last["bottom"] <= where["height"] and last["right"] <= where["width"], where

    # The photos stay on the slide, whole and of a useful size.
    for shot in slide.locator(".slide-shot").all():
        photo = shot.bounding_box()
        assert photo["height"] >= 150 and photo["width"] >= 150
        assert photo["y"] >= 0 and photo["y"] + photo["height"] <= viewport["height"]
        assert photo["x"] >= 0 and photo["x"] + photo["width"] <= viewport["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    size = f"{viewport['width']}x{viewport['height']}"
    page.screenshot(path=str(ARTIFACTS / f"presentation-long-story-{size}.png"))

    # The keys still turn the slides.
    page.keyboard.press("ArrowRight")
    assert page.locator("[data-deck-current]").inner_text() == "2"
    assert page.locator("[data-slide].is-current h1").inner_text() == CLEAN_STORY["title_en"]
    page.keyboard.press("ArrowLeft")
    assert page.locator("[data-deck-current]").inner_text() == "1"
    assert errors == []
    context.close()


# ---------------------------------------------------------------- region overview

SORTS = ("name", "open", "overdue", "awaiting", "completed", "score", "inspected")


@pytest.fixture
def region_factories(app, world, make_factory):
    """The world's inspector (Chongqing) with three factories, one of them with a long name,
    double-digit action counts in every column, and a scored inspection."""
    long_name = make_factory(
        name_zh="重庆市渝北区精密注塑制品有限公司第二分厂",
        name_en="Chongqing Yubei Precision Injection Moulding Products Co., Ltd. Plant No. 2",
    )
    make_factory(name_zh="巴南塑胶厂", name_en="Banan Plastics", region_code="500113")
    with app.app_context():
        today = local_today()
        for n in range(12):
            day = today - timedelta(days=40 + n)
            _action(world.a.id, day, [], due=day + timedelta(days=7))  # overdue
            _action(long_name.id, day, [(day + timedelta(days=2), S.OPEN, S.IN_PROGRESS)])
            _action(world.a.id, day, [(day + timedelta(days=3), S.OPEN, S.DONE)])
            _action(world.a.id, day, [(day + timedelta(days=3), S.DONE, S.VERIFIED)])
        db.session.add(
            Inspection(
                factory_id=world.a.id,
                checklist_version_id=_any_version(),
                kind="score_visit",
                status=InspectionStatus.SUBMITTED,
                inspected_on=today - timedelta(days=20),
                scores={"overall": _tally(62.0), "areas": {}},
            )
        )
        db.session.commit()


@pytest.mark.parametrize(
    ("viewport", "locale"),
    [
        ({"width": 768, "height": 1024}, "en-US"),
        ({"width": 768, "height": 1024}, "zh-CN"),
        ({"width": 390, "height": 844}, "en-US"),
        ({"width": 390, "height": 844}, "zh-CN"),
    ],
    ids=["768x1024-en", "768x1024-zh", "390x844-en", "390x844-zh"],
)
def test_region_overview_fits_a_tablet_and_a_phone_with_its_sort_links(
    region_factories, live_server, browser, world, viewport, locale
):
    context = browser.new_context(viewport=viewport, locale=locale)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, world.users["inspector"].username)
    page.goto(f"{live_server}/regions/overview")
    assert page.locator(".overview-table tbody tr").count() == 3
    assert page.locator(".overview-table .badge").first.is_visible()  # "⚠ 12 overdue"

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the page scrolls sideways"
    ARTIFACTS.mkdir(exist_ok=True)
    size = f"{viewport['width']}x{viewport['height']}"
    page.screenshot(path=str(ARTIFACTS / f"region-overview-{size}-{locale}.png"), full_page=True)

    # Every column's sort link can be seen and tapped, inside the window.
    for key in SORTS:
        link = page.locator(f".overview-table thead a[href*='sort={key}&']")
        assert link.count() == 1, key
        assert link.is_visible(), key
        link.scroll_into_view_if_needed()
        assert link.inner_text().strip(), key
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], key
        assert box["height"] >= 40, key  # a finger-sized target
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

    page.locator(".overview-table thead a[href*='sort=name&']").click()
    page.wait_for_url(lambda url: "sort=name" in url)
    assert page.locator(".overview-table th[aria-sort='ascending'] a[href*='sort=name&']").count()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert errors == []
    context.close()
