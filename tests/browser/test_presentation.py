"""Presentation mode in Chromium: a trainer opens two cases as a presentation on a projector,
walks it with the arrow keys, taps and swipes, and the slide counter follows; the blur tool
works by dragging on the photo."""

from __future__ import annotations

import pytest
from support import REPO, sign_in
from test_cases import CLEAN_STORY, make_source, promote, publish_clean

from inspect_app.cases.models import Case
from inspect_app.extensions import db

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "test-artifacts"
PROJECTOR = {"width": 1280, "height": 720}


@pytest.fixture
def two_cases(app, client, login_as, world, make_inspection):
    login_as("inspector")
    ids = [promote(client, make_source(app, world, make_inspection)["finding_id"]) for _ in "ab"]
    client.post("/logout")
    login_as("trainer")
    publish_clean(client, ids[0])
    version = client.get(f"/api/v1/cases/{ids[1]}").json["version"]
    response = client.patch(
        f"/api/v1/cases/{ids[1]}",
        json={
            "version": version,
            "title_en": "A mesh guard over an open belt drive",
            "problem_en": "The belt ran open.",
            "status": "published",
        },
    )
    assert response.status_code == 200
    return ids


def _visible_title(page) -> str:
    return page.locator("[data-slide].is-current h1").inner_text()


def test_trainer_walks_a_presentation_by_keyboard_tap_and_swipe(
    two_cases, live_server, browser, world
):
    context = browser.new_context(viewport=PROJECTOR, locale="en-US")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, world.users["trainer"].username)
    page.goto(f"{live_server}/cases/present?ids={two_cases[0]},{two_cases[1]}&lang=en")

    counter = page.locator("[data-deck-current]")
    assert counter.inner_text() == "1"
    assert _visible_title(page) == CLEAN_STORY["title_en"]
    assert page.locator("[data-slide]:visible").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "presentation-1280x720.png"))

    page.keyboard.press("ArrowRight")
    assert counter.inner_text() == "2"
    assert _visible_title(page) == "A mesh guard over an open belt drive"
    assert page.locator("#slide-1").is_hidden() and page.locator("#slide-2").is_visible()
    assert page.url.endswith("#slide-2")
    page.keyboard.press("ArrowRight")  # the last slide stays
    assert counter.inner_text() == "2"
    page.keyboard.press("ArrowLeft")
    assert counter.inner_text() == "1"
    assert _visible_title(page) == CLEAN_STORY["title_en"]

    # Tap the right edge; swipe back from left to right.
    page.locator(".deck-zone-next").click()
    assert counter.inner_text() == "2"
    page.mouse.move(900, 400)
    page.mouse.down()
    page.mouse.move(1100, 410, steps=5)
    page.mouse.up()
    assert counter.inner_text() == "1"
    assert page.locator("[data-deck-fullscreen]").is_visible()
    assert not errors, errors
    context.close()


def test_trainer_blurs_a_region_by_dragging_on_the_photo(
    two_cases, live_server, browser, app, world
):
    with app.app_context():
        case = db.session.get(Case, two_cases[0])
        photo = case.photos[0]
        photo_id, old_key = photo.id, photo.web_key
    context = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server, world.users["trainer"].username)
    page.goto(f"{live_server}/cases/{two_cases[0]}/edit#photo-{photo_id}")
    stage = page.locator(f"#photo-{photo_id} [data-blur-stage]")
    stage.scroll_into_view_if_needed()
    box = stage.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5, steps=6)
    page.mouse.up()
    apply = page.locator(f"#photo-{photo_id} [data-blur-apply]")
    assert apply.is_enabled()
    with page.expect_response(lambda r: "/blur" in r.url) as response:
        apply.click()
    assert response.value.status == 200
    page.wait_for_function(
        "id => document.querySelector(`#photo-${id} [data-blur-status]`).textContent === '✓'",
        arg=photo_id,
    )
    with app.app_context():
        assert db.session.get(Case, two_cases[0]).photos[0].web_key != old_key
    page.screenshot(path=str(ARTIFACTS / "case-blur-768x1024.png"))
    context.close()
