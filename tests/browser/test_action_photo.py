"""The committee adds the "after" photo on a phone: big camera / gallery buttons, a preview
of the chosen photo, then the upload (Playwright in Debian's chromium)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from photo_files import jpeg_with_gps
from support import REPO

from inspect_app.extensions import db
from inspect_app.photos.models import Photo, PhotoKind

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "test-artifacts"


def test_committee_picks_previews_and_uploads_the_after_photo(app, open_action):
    _context, page, action_id = open_action("en-US")

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
