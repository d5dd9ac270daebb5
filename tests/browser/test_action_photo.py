"""The committee adds the "after" photo on a phone: big camera / gallery buttons, a preview
of the chosen photo, then the upload (Playwright in Debian's chromium)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from photo_files import jpeg_with_gps
from support import REPO, sign_in
from test_progress import _action

from inspect_app.actions.models import ActionStatus as S
from inspect_app.extensions import db, local_today
from inspect_app.photos.models import Photo, PhotoKind

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "test-artifacts"


def test_committee_picks_previews_and_uploads_the_after_photo(app, live_server, browser, world):
    with app.app_context():
        today = local_today()
        action = _action(world.a.id, today, [(today, S.OPEN, S.IN_PROGRESS)])
        db.session.commit()
        action_id = action.id
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, world.users["committee"].username)
    page.goto(f"{live_server}/actions/{action_id}")

    field = page.locator("#photo-after").locator("xpath=..")
    camera = field.locator("[data-pick=camera]")
    gallery = field.locator("[data-pick=gallery]")
    assert camera.is_visible() and gallery.is_visible()
    assert camera.bounding_box()["height"] >= 48, "a thumb-sized target"
    small = page.locator("#photo-after").bounding_box()
    assert small["width"] <= 1 and small["height"] <= 1, "the small file input is replaced"
    preview = field.locator(".pick-preview")
    assert preview.is_hidden()

    photo = {"name": "guard-fitted.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}
    page.set_input_files("#photo-after", photo)
    assert preview.is_visible()
    assert preview.get_attribute("src").startswith("blob:")
    assert field.locator(".pick-name").inner_text() == "guard-fitted.jpg"
    ARTIFACTS.mkdir(exist_ok=True)
    field.screenshot(path=str(ARTIFACTS / "action-after-photo-390x844.png"))

    field.locator("xpath=ancestor::form").locator("button[type=submit]").click()
    page.locator(".flash", has_text="Photo added.").wait_for()  # the page, loaded again
    assert page.url.endswith("#photos")
    with app.app_context():
        [saved] = db.session.scalars(sa.select(Photo).where(Photo.action_id == action_id)).all()
        assert saved.kind is PhotoKind.AFTER
    assert not errors, errors
    context.close()
