# ruff: noqa: F811  (the `answered` builder is a fixture shared with test_inspection_report.py)
"""Issue 17, the form at workshop speed (Chromium, zh-CN, tablet and phone): the photo rule is
shown before an item is answered, a photographed finding is three taps from a problem answer,
the free-standing finding works, and a new finding's rating is the inspector's choice."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from photo_files import jpeg_with_gps
from playwright.sync_api import expect
from support import sign_in
from test_inspection_report import answered  # noqa: F401  (a fixture)

from inspect_app.extensions import db
from inspect_app.inspections.models import Finding, Inspection
from inspect_app.photos.models import Photo

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}


def _findings(app, inspection_id):
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Finding).where(Finding.inspection_id == inspection_id).order_by(Finding.id)
        ).all()
        out = [
            {
                "item": f.item_id,
                "title": f.title,
                "area": f.area,
                "grade": f.grade.value,
                "risk": (f.likelihood, f.severity),
                "photos": db.session.scalar(
                    sa.select(sa.func.count()).select_from(Photo).where(Photo.finding_id == f.id)
                ),
            }
            for f in rows
        ]
        return out


def _open_form(browser, live_server, world, inspection_id, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN", has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, world.users["inspector"].username)
    page.goto(f"{live_server}/inspections/{inspection_id}")
    return context, page, errors


@pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=["768x1024", "390x844"])
def test_a_photographed_finding_is_three_taps_from_a_problem_answer(
    app, live_server, browser, world, make_inspection, tmp_path, viewport
):
    inspection_id = make_inspection(checklist="score-module5", kind="score_visit")
    context, page, errors = _open_form(browser, live_server, world, inspection_id, viewport)
    card = page.locator("#item-storage-01")
    # The rule is there before the item is answered.
    assert card.locator(".ph-rule").inner_text() == "需要整改时须拍照。"
    assert "is-due" not in (card.locator(".ph-row").get_attribute("class") or "")

    photo = tmp_path / "aisle.jpg"
    photo.write_bytes(jpeg_with_gps(size=(1600, 1200)))
    taps = 0
    card.locator(".ans button[value=yes]").tap()  # "needs improvement" (是)
    taps += 1
    page.wait_for_selector("#item-storage-01 .ph-row.is-due")
    with page.expect_file_chooser() as chooser:
        card.locator(".cam").tap()
        taps += 1
    chooser.value.set_files(str(photo))  # the shutter
    taps += 1
    page.wait_for_selector("#item-storage-01 .ph-row.is-done")
    page.wait_for_selector("#save-state[data-state=saved]", timeout=20000)
    assert taps == 3
    [finding] = _findings(app, inspection_id)
    assert finding["item"] == "storage-01"
    assert finding["title"].startswith("清理并划线标出运输通道和人行通道")
    assert finding["area"] == "materials_handling"
    assert finding["photos"] == 1
    # A second photo of the same item goes to the same finding.
    with page.expect_file_chooser() as chooser:
        card.locator(".cam").tap()
    chooser.value.set_files(str(photo))
    expect(page.locator("#findings-list .fcard img")).to_have_count(2)
    page.wait_for_selector("#save-state[data-state=saved]", timeout=20000)
    assert [f["photos"] for f in _findings(app, inspection_id)] == [2]
    assert not errors, errors
    context.close()


def test_new_findings_start_unrated_titled_from_the_item_and_free_ones_work(
    app, live_server, browser, world, make_inspection
):
    inspection_id = make_inspection(checklist="score-module5", kind="score_visit")
    context, page, errors = _open_form(browser, live_server, world, inspection_id, TABLET)
    page.locator("#item-storage-01 .addf").click()
    page.wait_for_selector("#finding-dialog[open]")
    assert page.locator("#fd-title-in").input_value().startswith("清理并划线标出运输通道")
    for name in ("source", "grade", "likelihood", "severity"):
        assert page.locator(f"#fd-form input[name={name}]:checked").count() == 0, name
    page.click("#fd-save")
    for name in ("grade", "likelihood", "severity"):
        assert page.locator(f"#fd-form .error[data-for={name}]").is_visible(), name
    assert page.locator("#finding-dialog").get_attribute("open") is not None
    page.locator("#fd-form input[name=grade][value=major] + span").click()
    page.locator("#fd-form input[name=likelihood][value='3'] + span").click()
    page.locator("#fd-form input[name=severity][value='4'] + span").click()
    page.click("#fd-save")
    page.wait_for_selector("#save-state[data-state=saved]", timeout=20000)

    # "+ Finding not tied to an item" opens an empty dialog and saves a free finding.
    page.click("#add-free")
    page.wait_for_selector("#finding-dialog[open]")
    assert page.locator("#fd-title-in").input_value() == ""
    page.fill("#fd-title-in", "消防通道上锁")
    page.locator("#fd-form input[name=grade][value=general] + span").click()
    page.locator("#fd-form input[name=likelihood][value='2'] + span").click()
    page.locator("#fd-form input[name=severity][value='2'] + span").click()
    page.click("#fd-save")
    expect(page.locator("#findings-list .fcard")).to_have_count(2)
    page.wait_for_selector("#save-state[data-state=saved]", timeout=20000)
    found = _findings(app, inspection_id)
    assert [(f["item"], f["grade"], f["risk"]) for f in found] == [
        ("storage-01", "major", (3, 4)),
        (None, "general", (2, 2)),
    ]
    assert found[1]["title"] == "消防通道上锁"
    assert not errors, errors
    context.close()


def test_submit_asks_once_more_and_says_what_will_happen(
    app, live_server, browser, world, answered
):
    inspection_id, _photos = answered()
    context = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True)
    page = context.new_page()
    sign_in(page, live_server, world.users["inspector"].username)
    page.goto(f"{live_server}/inspections/{inspection_id}/report")
    asked = []

    def refuse(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", refuse)
    page.locator(".submit-form button[type=submit]").click()
    expect(page.locator(".submit-form")).to_be_visible()
    assert asked and "不能再修改" in asked[0]
    with app.app_context():
        assert db.session.get(Inspection, inspection_id).status.value == "draft"
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".submit-form button[type=submit]").click()
    expect(page.locator(".submit-form")).to_have_count(0)
    with app.app_context():
        assert db.session.get(Inspection, inspection_id).status.value == "submitted"
    context.close()
