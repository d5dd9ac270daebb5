"""Working without network from the start (issue 12): the app installs to the home screen,
and while online the device keeps what the coming visits need, so that with the network gone
the inspector still opens the start page, the factories, the start form, their drafts, the
checklists and recent reports; a page not kept says so and lists what is."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from photo_files import jpeg_with_gps
from support import sign_in

from inspect_app.extensions import db, utcnow
from inspect_app.inspections.models import Answer, Finding, Inspection, InspectionStatus
from inspect_app.photos.models import Photo

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}


def _submit(app, inspection_id: int) -> None:
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        inspection.status = InspectionStatus.SUBMITTED  # its checks are tested elsewhere
        inspection.submitted_at = utcnow()
        db.session.commit()


def _tablet(browser):
    return browser.new_context(viewport=TABLET, locale="zh-CN", has_touch=True)


def test_with_the_network_gone_the_inspector_still_opens_what_the_visits_need(
    app, live_server, browser, world, make_inspection
):
    draft_id = make_inspection(checklist="machine-guarding", kind="self_inspection")
    report_id = make_inspection(checklist="machine-guarding", kind="self_inspection")
    _submit(app, report_id)
    context = _tablet(browser)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, world.users["inspector"].username)

    # The app can be installed: the page names a manifest with a start URL and icons.
    manifest_url = page.locator("link[rel=manifest]").get_attribute("href")
    manifest = json.loads(page.request.get(live_server + manifest_url).text())
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}
    for icon in manifest["icons"]:
        assert page.request.get(live_server + icon["src"]).ok, icon["src"]

    # Opening the app once with network keeps the kit on the device.
    page.wait_for_selector("html[data-offline-kit=ready]", timeout=30000)

    context.set_offline(True)
    a, b = world.a, world.b
    for path, text in (
        ("/", "渝北橡胶厂"),
        ("/factories", "渝北橡胶厂"),
        (f"/factories/{a.id}", "渝北橡胶厂"),
        (f"/inspections/new?factory={a.id}", "开始检查"),
        (f"/inspections/{draft_id}", "渝北橡胶厂"),
        (f"/inspections/{report_id}/report", "渝北橡胶厂"),
        ("/checklists", "机械"),
    ):
        page.goto(live_server + path)
        assert text in page.locator("main").inner_text(), path
    # The draft's form works from the kept copy: an answer waits on the device.
    page.goto(f"{live_server}/inspections/{draft_id}")
    page.locator(".fsec article .ans button").first.click()
    page.wait_for_selector("#save-state[data-state=offline]")

    # Another factory's page was never in this inspector's scope: the offline page says what
    # is available instead of the browser's error page.
    page.goto(f"{live_server}/factories/{b.id}")
    assert "离线" in page.locator("h1").inner_text()
    kept = page.locator("#kept a")
    assert kept.count() >= 6
    assert "东莞制衣厂" not in page.content()
    kept.filter(has_text="渝北橡胶厂").first.click()
    page.wait_for_selector("main h1")

    # "Available offline" lists what is kept and when it was refreshed; the home page lists
    # this device's draft with its unsent change.
    page.goto(f"{live_server}/offline")
    page.wait_for_selector("#kit-state[data-state=offline]")
    assert "上次更新" in page.locator("#kit-state").inner_text()
    assert page.locator("#kit-pages a", has_text="渝北橡胶厂").count() >= 2
    page.goto(live_server + "/")
    row = page.locator(f"#device-work li[data-inspection='{draft_id}']")
    row.wait_for()
    assert row.get_attribute("data-unsent") == "1"
    assert "渝北橡胶厂" in row.inner_text() and "1" in row.inner_text()
    assert not errors, errors
    context.close()


def test_unsent_work_blocks_sign_out_and_travels_as_a_file_imported_once(
    app, live_server, browser, world, make_inspection, tmp_path
):
    """The escape hatch: a tablet that cannot send keeps its user signed in, says why, and
    exports its work as one file that an inspector imports on the server — twice, harmlessly."""
    inspection_id = make_inspection(checklist="machine-guarding", kind="self_inspection")
    context = _tablet(browser)
    # The device's storage is nearly full (the browser's own estimate, as it would report it).
    context.add_init_script(
        "navigator.storage.estimate = () => Promise.resolve({usage: 95e6, quota: 100e6});"
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, world.users["inspector"].username)
    assert "95%" in page.locator("#device-alert-storage").inner_text()
    page.goto(f"{live_server}/inspections/{inspection_id}")
    page.wait_for_selector("html[data-offline-ready='1']", timeout=15000)

    context.set_offline(True)
    page.locator("#item-guard-01 .ans button[value=yes]").click()
    photo = tmp_path / "belt.jpg"
    photo.write_bytes(jpeg_with_gps(size=(1200, 900)))
    page.locator("#item-guard-01 .addf").click()
    page.fill("#fd-title-in", "Open belt drive")
    page.locator("#fd-form input[name=grade][value=general] + span").click()
    page.locator("#fd-form input[name=likelihood][value='3'] + span").click()
    page.locator("#fd-form input[name=severity][value='4'] + span").click()
    page.set_input_files("#fd-gallery", str(photo))
    page.wait_for_selector("#fd-photos img")  # shrunk on the device, ready to queue
    page.click("#fd-save")
    page.wait_for_selector("#save-state[data-state=offline]")

    # Signing out would strand the work: refused, with what to do instead.
    page.locator("details.usermenu summary").click()
    page.locator("form[action$='/logout'] button").click()
    refusal = page.locator("#device-alert-signout")
    refusal.wait_for()
    assert "不能退出" in refusal.inner_text() and "导出未发送的工作" in refusal.inner_text()
    page.goto(live_server + "/")
    page.wait_for_selector("#device-work li[data-unsent='3']")

    with page.expect_download() as download:
        page.locator("#device-work .device-export").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.startswith("unsent-work-") and path.suffix == ".json"

    # Another inspector's laptop with network: the file is imported twice.
    admin = context.browser.new_context(viewport=TABLET, locale="zh-CN")
    desk = admin.new_page()
    sign_in(desk, live_server, world.users["admin"].username)
    for outcome in ("applied", "unchanged"):
        desk.goto(f"{live_server}/offline/import")
        desk.set_input_files("input[name=file]", str(path))
        desk.locator("form[enctype] button[type=submit]").click()
        desk.wait_for_selector("#import-result")
        assert desk.locator(f"tr[data-outcome={outcome}]").count() == 3, outcome
    with app.app_context():
        answers = db.session.scalars(
            sa.select(Answer).where(Answer.inspection_id == inspection_id)
        ).all()
        findings = db.session.scalars(
            sa.select(Finding).where(Finding.inspection_id == inspection_id)
        ).all()
        assert [(a.item_id, a.value) for a in answers] == [("guard-01", "yes")]
        assert [f.title for f in findings] == ["Open belt drive"]
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Photo.id)).where(Photo.finding_id == findings[0].id)
            )
            == 1
        )

    # Back online, the tablet's own queue finds everything there already: nothing twice.
    context.set_offline(False)
    page.goto(f"{live_server}/inspections/{inspection_id}")
    page.wait_for_selector("#save-state[data-state=saved]", timeout=40000)
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Finding.id)).where(Finding.inspection_id == inspection_id)
            )
            == 1
        )
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Photo.id)).where(Photo.finding_id == findings[0].id)
            )
            == 1
        )
    # With nothing unsent, signing out works.
    page.locator("details.usermenu summary").click()
    page.locator("form[action$='/logout'] button").click()
    page.wait_for_url("**/login")
    assert not errors, errors
    admin.close()
    context.close()
