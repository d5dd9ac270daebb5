"""An inspector drafts, rewords and issues an order to rectify on a tablet, in Chinese, with
touch targets a gloved finger hits; the committee reads the issued order on a phone."""

from __future__ import annotations

import re

import pytest
from browser.test_touch_targets import _TOO_SMALL, MIN, VIEWPORTS
from support import sign_in
from test_documents import PREFIX, authority, submitted  # noqa: F401  (fixtures)

from inspect_app.extensions import local_today

pytestmark = pytest.mark.browser


def test_an_inspector_issues_an_order_on_a_tablet(
    live_server,
    browser,
    world,
    submitted,  # noqa: F811
    authority,  # noqa: F811
):
    inspection_id = submitted()
    context = browser.new_context(viewport=VIEWPORTS["tablet"], locale="zh-CN", has_touch=True)
    page = context.new_page()
    sign_in(page, live_server, world.users["inspector"].username)
    page.goto(f"{live_server}/inspections/{inspection_id}/report")
    section = page.locator("#documents")
    assert page.evaluate(_TOO_SMALL, MIN) == []

    section.get_by_role("button", name="起草：责令限期整改指令书").tap()
    page.locator("#document-edit").wait_for()
    assert page.evaluate(_TOO_SMALL, MIN) == []
    page.fill("#hazards-0-title", "二号冲床皮带轮外露")
    page.locator("#document-edit button[type=submit]").tap()
    page.locator(".flash-success").wait_for()
    assert "二号冲床皮带轮外露" in page.locator("#document").inner_text()

    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("#document-issue input[name=confirm]").check()
    page.locator("#document-issue button[type=submit]").tap()
    number = page.locator("#document-number")
    number.wait_for()
    assert number.inner_text() == f"{PREFIX}责改〔{local_today().year}〕第0001号"
    assert page.locator("#document-edit").count() == 0
    assert re.search(r"第0001号", page.locator("#document").inner_text())
    document_url = page.url
    context.close()

    phone = browser.new_context(viewport=VIEWPORTS["phone"], locale="zh-CN", has_touch=True)
    page = phone.new_page()
    sign_in(page, live_server, world.users["committee"].username)
    page.goto(document_url)
    page.locator("#document-number").wait_for()
    assert page.locator("#document-edit").count() == 0
    assert page.locator("#document-correct").count() == 0
    assert page.evaluate(_TOO_SMALL, MIN) == []
    phone.close()
