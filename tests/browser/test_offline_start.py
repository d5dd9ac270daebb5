"""Starting an inspection with no network (issue 12), as an inspector does in a factory without
signal: the kept start form starts it on the tablet, the checklist's blank form (kept by the
offline kit) takes the answers and a finding, a reload without network keeps them, and once
the network is back the start goes first, exactly once — even when its reply is lost — and the
answers follow on the server's inspection. A submitted inspection's kept form opens read-only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support import sign_in

from inspect_app.extensions import db, utcnow
from inspect_app.inspections.models import Answer, Finding, Inspection, InspectionStatus

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
ANSWERS = {"guard-01": "yes", "guard-02": "no", "ctrl-01": "no", "prac-01": "priority"}


def _tablet(browser):
    return browser.new_context(viewport=TABLET, locale="zh-CN", has_touch=True)


def _answer(page, item_id: str, value: str) -> None:
    button = page.locator(f"#item-{item_id} .ans button[value='{value}']")
    button.click()
    page.wait_for_selector(f"#item-{item_id} .ans button[value='{value}'][aria-pressed=true]")


def test_an_inspection_started_offline_arrives_once_with_exactly_its_answers(
    app, live_server, browser, world, checklists_loaded
):
    context = _tablet(browser)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, world.users["inspector"].username)
    page.wait_for_selector("html[data-offline-kit=ready]", timeout=30000)

    # The first start reaches the server, but its reply is lost on the way back.
    starts = []

    def lose_the_first_reply(route):
        if route.request.method != "POST":
            return route.continue_()
        response = route.fetch()
        starts.append(response.status)
        if len(starts) == 1:
            return route.abort("connectionreset")
        return route.fulfill(response=response)

    context.route("**/api/v1/inspections", lose_the_first_reply)

    # No signal in the workshop: the factory's kept start form starts the inspection here.
    context.set_offline(True)
    page.goto(f"{live_server}/inspections/new?factory={world.a.id}")
    page.select_option("select[name=checklist]", "machine-guarding")
    page.select_option("select[name=kind]", "self_inspection")
    page.locator("#start-form button[type=submit]").click()
    page.wait_for_url("**/inspections/start/machine-guarding/*?draft=*")
    client_id = page.url.rsplit("draft=", 1)[1]
    page.wait_for_selector("#save-state[data-state=offline]")
    assert page.locator(".fill-head h1").inner_text() == "渝北橡胶厂"
    assert "网络" in page.locator("#draft-note").inner_text()

    for item_id, value in ANSWERS.items():
        _answer(page, item_id, value)
    page.locator("#item-guard-01 .note summary").click()
    page.locator("#item-guard-01 .note textarea").fill("皮带轮无防护罩")
    page.locator("#item-guard-01 .note textarea").blur()
    page.locator("#item-guard-02 .addf").click()
    page.fill("#fd-title-in", "联锁开关被短接")
    page.fill("#fd-desc", "二号冲床的防护门联锁用胶带短接")
    page.locator("#fd-form input[name=grade][value=general] + span").click()
    page.locator("#fd-form input[name=likelihood][value='3'] + span").click()
    page.locator("#fd-form input[name=severity][value='4'] + span").click()
    page.click("#fd-save")
    page.wait_for_selector("#findings-list .fcard.is-pending")
    # 1 start + 4 answers (the note rides with its answer) + 1 finding, all on the device.
    page.wait_for_function(
        "document.querySelector('#save-state .save-text').textContent.includes('6')"
    )

    # A reload without network: the blank form comes back with everything given.
    page.reload()
    page.wait_for_selector("#save-state[data-state=offline]")
    for item_id, value in ANSWERS.items():
        page.wait_for_selector(f"#item-{item_id} .ans button[value='{value}'][aria-pressed=true]")
    assert page.locator("#item-guard-01 .note textarea").input_value() == "皮带轮无防护罩"
    assert "联锁开关被短接" in page.locator("#findings-list").inner_text()

    # The home page lists the inspection started on this device, not yet on the server.
    page.goto(live_server + "/")
    row = page.locator(f"#device-work li[data-inspection='{client_id}']")
    row.wait_for()
    assert row.get_attribute("data-unsent") == "6"
    assert "渝北橡胶厂" in row.inner_text()
    row.locator("a").click()
    page.wait_for_url("**?draft=*")
    page.wait_for_selector("#save-state[data-state=offline]")

    # Back online: the start is sent (twice: its first reply was lost), then the answers and
    # the finding, and the server's own form of the inspection opens.
    context.set_offline(False)
    page.wait_for_url(lambda url: "/inspections/start/" not in url, timeout=40000)
    page.wait_for_selector("#save-state[data-state=saved]", timeout=20000)
    assert starts == [201, 200]
    with app.app_context():
        inspections = db.session.scalars(
            sa.select(Inspection).where(Inspection.factory_id == world.a.id)
        ).all()
        assert [i.client_id for i in inspections] == [client_id]
        inspection = inspections[0]
        assert inspection.checklist_version.slug == "machine-guarding"
        assert page.url.endswith(f"/inspections/{inspection.id}")
        answers = db.session.scalars(
            sa.select(Answer).where(Answer.inspection_id == inspection.id)
        ).all()
        assert {a.item_id: a.value for a in answers} == ANSWERS
        assert {a.item_id: a.note for a in answers}["guard-01"] == "皮带轮无防护罩"
        findings = db.session.scalars(
            sa.select(Finding).where(Finding.inspection_id == inspection.id)
        ).all()
        assert [(f.title, f.description, f.item_id) for f in findings] == [
            ("联锁开关被短接", "二号冲床的防护门联锁用胶带短接", "guard-02")
        ]
    # The server's form shows the same work, and the home page no longer lists the start.
    for item_id, value in ANSWERS.items():
        assert (
            page.locator(f"#item-{item_id} .ans button[value='{value}']").get_attribute(
                "aria-pressed"
            )
            == "true"
        )
    page.goto(live_server + "/")
    page.wait_for_selector(f"#device-work li[data-inspection='{inspection.id}']")
    assert page.locator(f"#device-work li[data-inspection='{client_id}']").count() == 0
    assert not errors, errors
    context.close()


def test_a_submitted_inspections_kept_form_opens_read_only_offline(
    app, live_server, browser, world, make_inspection
):
    inspection_id = make_inspection(checklist="machine-guarding", kind="self_inspection")
    context = _tablet(browser)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, world.users["inspector"].username)
    page.goto(f"{live_server}/inspections/{inspection_id}")
    page.wait_for_selector("html[data-offline-ready='1']", timeout=15000)
    _answer(page, "guard-01", "yes")
    page.wait_for_selector("#save-state[data-state=saved]")

    # Submitted (on another device); this tablet sees its report while online.
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        inspection.status = InspectionStatus.SUBMITTED  # its checks are tested elsewhere
        inspection.submitted_at = utcnow()
        db.session.commit()
    page.goto(f"{live_server}/inspections/{inspection_id}")
    page.wait_for_url(f"**/inspections/{inspection_id}/report")

    # Offline, the kept form opens read-only: it says so, and nothing can be changed.
    context.set_offline(True)
    page.goto(f"{live_server}/inspections/{inspection_id}")
    note = page.locator("#submitted-note")
    note.wait_for()
    assert "已提交" in note.inner_text()
    assert page.locator("#item-guard-01 .ans button[value=yes]").is_visible()
    assert not page.locator("#item-guard-01 .ans button[value=no]").is_visible()
    assert page.locator(".addf:visible, #add-free:visible, .review:visible").count() == 0
    assert page.evaluate("document.querySelector('.fill-main').inert")
    page.wait_for_selector("#save-state[data-state=saved]")
    assert not errors, errors
    context.close()
