"""The committee on a phone where the signal drops: an "after" photo and a move made with no
network are kept on the phone and arrive — exactly once — when the network is back; one whose
answer was lost on the way is not stored twice (Playwright in Debian's chromium, zh-CN)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from photo_files import jpeg_with_gps

from inspect_app.actions.models import Action
from inspect_app.actions.models import ActionStatus as S
from inspect_app.extensions import db
from inspect_app.photos.models import Photo, PhotoKind

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(open_action):
    return open_action("zh-CN")


def after_photos(app, action_id: int) -> list[Photo]:
    with app.app_context():
        return db.session.scalars(
            sa.select(Photo).where(Photo.action_id == action_id, Photo.kind == PhotoKind.AFTER)
        ).all()


def upload_after_photo(page, name: str) -> None:
    photo = {"name": name, "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}
    page.set_input_files("#photo-after", photo)
    page.locator("#photo-after").locator("xpath=ancestor::form").locator("[type=submit]").click()


def test_a_photo_and_a_move_made_offline_arrive_once_the_network_is_back(app, phone):
    context, page, action_id = phone
    context.set_offline(True)

    upload_after_photo(page, "guard-fitted.jpg")
    outbox = page.locator("#outbox")
    outbox.locator("li").first.wait_for()
    assert outbox.get_attribute("data-waiting") == "1"
    assert "无网络" in outbox.inner_text()  # the phone says it has the change and why it waits
    assert outbox.locator(".outbox-thumb").count() == 1
    page.locator("form.move-form:has(input[name=to][value=done]) [type=submit]").click()
    page.wait_for_selector("#outbox[data-waiting='2']")
    assert after_photos(app, action_id) == []  # nothing reached the server

    context.set_offline(False)  # the `online` event sends both, in order, then shows the result
    page.wait_for_selector("#outbox[hidden]", state="attached")
    page.wait_for_load_state()
    with app.app_context():
        action = db.session.get(Action, action_id)
        assert action.status is S.DONE  # the photo came first, so "done" was allowed
    assert len(after_photos(app, action_id)) == 1
    assert page.locator("#photos img").count() >= 1


def test_a_photo_whose_answer_was_lost_is_stored_once(app, phone):
    context, page, action_id = phone
    lost = []

    def lose_the_answer(route):
        route.fetch()  # the server receives and stores the photo…
        lost.append(route.request.url)
        route.abort("connectionreset")  # …but the phone never hears back

    page.route("**/actions/*/photos", lose_the_answer)
    upload_after_photo(page, "guard-fitted.jpg")
    page.wait_for_selector("#outbox[data-waiting='1']")
    assert len(lost) == 1 and len(after_photos(app, action_id)) == 1
    page.unroute("**/actions/*/photos")

    page.locator("#outbox [data-send]").click()  # "Send now": the same change, the same id

    page.wait_for_selector("#outbox[hidden]", state="attached")
    page.wait_for_load_state()
    assert len(after_photos(app, action_id)) == 1
