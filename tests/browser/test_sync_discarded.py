"""The discarded-draft scenario of issue 12 in Chromium: answers queued on a tablet for a draft
that was discarded meanwhile are refused and shown as a problem, kept on the device, never
"Saved" and never stored in the inspection that came next."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support import sign_in

from inspect_app.extensions import db
from inspect_app.inspections.models import Answer, Inspection

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}


def test_answers_queued_for_a_discarded_draft_are_shown_as_refused_and_land_nowhere(
    app, live_server, browser, world, make_inspection
):
    from inspect_app.inspections import services

    draft_id = make_inspection(checklist="workplace-inspection", kind="enforcement")
    context = browser.new_context(viewport=TABLET, locale="en-US", has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, world.users["inspector"].username)
    page.goto(f"{live_server}/inspections/{draft_id}")
    page.wait_for_selector("html[data-offline-ready='1']", timeout=15000)

    # No signal: a note about this factory is answered on the tablet.
    context.set_offline(True)
    page.locator("#item-resp-01 .ans button[value='no']").click()
    page.wait_for_selector("#save-state[data-state=offline]")
    # Meanwhile the draft is discarded, and another inspector starts the next inspection in
    # another factory (on SQLite it used to get the discarded draft's id).
    with app.app_context():
        services.discard(db.session.get(Inspection, draft_id))
        db.session.commit()
    next_id = make_inspection(factory=world.b, by="inspector_b")

    context.set_offline(False)
    page.wait_for_selector("#save-state[data-state=attention]", timeout=30000)

    attention = page.locator("#attention-list")
    assert "was discarded" in attention.inner_text()
    assert "Saved" not in page.locator("#save-state").inner_text()
    answer = page.locator("#item-resp-01 .ans button[value='no']")
    assert answer.get_attribute("aria-pressed") == "true", "the answer stays on the device"
    assert next_id != draft_id
    with app.app_context():
        assert db.session.scalars(sa.select(Answer)).all() == []
    assert not errors, errors
    context.close()
