"""The tablet form in Chromium: an inspector answers, photographs, loses the network, carries on,
reloads without network, and when the network is back everything reaches the server once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from photo_files import jpeg_with_gps
from support import REPO, SHARED_PHOTOS, sign_in

from inspect_app.extensions import db
from inspect_app.inspections.models import Answer, Finding
from inspect_app.photos.models import Photo

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "test-artifacts"
TABLET = {"width": 768, "height": 1024}


def _photo(name: str, tmp_path) -> str:
    """A real camera file from ../shared/photos, or a generated JPEG when the folder is absent."""
    path = SHARED_PHOTOS / name
    if path.exists():
        return str(path)
    fallback = tmp_path / f"generated-{name}"
    fallback.write_bytes(jpeg_with_gps(size=(3000, 2000), orientation=6))
    return str(fallback)


def _answer(page, item: str, value: str) -> None:
    page.locator(f"#item-{item} .ans button[value='{value}']").click()


def _pressed(page, item: str, value: str) -> bool:
    button = page.locator(f"#item-{item} .ans button[value='{value}']")
    return button.get_attribute("aria-pressed") == "true"


def _add_finding(page, item: str | None, title: str, photo: str, likelihood=3, severity=4):
    if item:
        page.locator(f"#item-{item} .addf").click()
    else:
        page.click("#add-free")
    page.fill("#fd-title-in", title)
    page.locator("#fd-form input[name=grade][value=general] + span").click()
    page.locator(f"#fd-form input[name=likelihood][value='{likelihood}'] + span").click()
    page.locator(f"#fd-form input[name=severity][value='{severity}'] + span").click()
    page.set_input_files("#fd-gallery", photo)
    page.wait_for_selector("#fd-photos img")  # shrunk on the device, ready to queue
    page.click("#fd-save")


def _wait_saved(page, timeout=20000):
    page.wait_for_selector("#save-state[data-state=saved]", timeout=timeout)


def _rows(app, model, inspection_id):
    with app.app_context():
        if model is Photo:
            stmt = sa.select(Photo).join(Finding, Photo.finding_id == Finding.id)
            stmt = stmt.where(Finding.inspection_id == inspection_id)
        else:
            stmt = sa.select(model).where(model.inspection_id == inspection_id)
        rows = db.session.scalars(stmt).all()
        db.session.expunge_all()
        return rows


def test_inspector_keeps_working_offline_and_everything_arrives_once(
    app, live_server, browser, world, make_inspection, tmp_path
):
    # The enforcement checklist answers yes / no / not applicable (issue 14).
    inspection_id = make_inspection(checklist="workplace-inspection", kind="enforcement")
    context = browser.new_context(viewport=TABLET, locale="en-US", has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, world.users["inspector"].username)
    form_url = f"{live_server}/inspections/{inspection_id}"
    page.goto(form_url)
    # The service worker has kept the page: it will open without network.
    page.wait_for_selector("html[data-offline-ready='1']", timeout=15000)

    # Online: three answers and a finding with a 12 MP phone photo.
    _answer(page, "resp-01", "yes")
    _answer(page, "resp-02", "no")
    _answer(page, "resp-03", "na")
    _add_finding(
        page, "resp-02", "No safety officer appointed", _photo("hdr_iphone_hdr_YES.jpg", tmp_path)
    )
    _wait_saved(page)
    assert len(_rows(app, Answer, inspection_id)) == 3
    [online_photo] = _rows(app, Photo, inspection_id)
    assert max(online_photo.width, online_photo.height) <= 2560, "shrunk on the device"

    # The network goes. The inspector carries on: more answers, an applies_if item, a finding.
    context.set_offline(True)
    _answer(page, "resp-04", "yes")
    _answer(page, "train-01", "no")
    assert page.locator("#item-dust-02").is_hidden()
    _answer(page, "dust-01", "yes")
    assert page.locator("#item-dust-02").is_visible(), "applies_if item appears"
    _answer(page, "dust-02", "no")
    page.fill("#good-text", "Aisles marked and clear in the press shop.")
    page.locator("#good-text").blur()
    _add_finding(page, "dust-02", "Dust on the beams", _photo("gps_DSCN0010.jpg", tmp_path), 4, 4)
    page.wait_for_selector("#save-state[data-state=offline]")
    assert "unsent" in page.locator("#save-state").inner_text()

    # A reload without network keeps everything: the page comes from the service worker, the
    # unsent changes from IndexedDB.
    page.reload()
    page.wait_for_selector("#save-state[data-state=offline]", timeout=15000)
    for item, value in (
        ("resp-01", "yes"),
        ("resp-04", "yes"),
        ("train-01", "no"),
        ("dust-01", "yes"),
        ("dust-02", "no"),
    ):
        assert _pressed(page, item, value), f"{item} still answered after the reload"
    assert page.locator("#item-dust-02").is_visible()
    assert page.locator("#good-text").input_value() == "Aisles marked and clear in the press shop."
    offline_card = page.locator(".fcard", has_text="Dust on the beams")
    assert offline_card.locator(".badge-warn").count() == 1  # "Not sent yet"
    assert offline_card.locator("img").count() == 1  # the queued photo, from IndexedDB
    assert len(_rows(app, Answer, inspection_id)) == 3, "nothing reached the server yet"

    # Back online, the first finding POST and the first photo upload reach the server but
    # their answers are lost on the way back: the retries must not create duplicates.
    lost = {"findings": 0, "photos": 0}

    def lose_first_answer(route):
        kind = "photos" if route.request.url.endswith("/photos") else "findings"
        response = route.fetch()
        if lost[kind] == 0 and response.status in (200, 201):
            lost[kind] += 1
            route.abort("connectionreset")
        else:
            route.fulfill(response=response)

    context.route("**/api/v1/inspections/*/findings", lose_first_answer)
    context.route("**/api/v1/findings/*/photos", lose_first_answer)
    context.set_offline(False)
    _wait_saved(page, timeout=40000)

    answers = {a.item_id: a.value for a in _rows(app, Answer, inspection_id)}
    assert answers == {
        "resp-01": "yes",
        "resp-02": "no",
        "resp-03": "na",
        "resp-04": "yes",
        "train-01": "no",
        "dust-01": "yes",
        "dust-02": "no",
    }
    findings = _rows(app, Finding, inspection_id)
    assert sorted(f.title for f in findings) == ["Dust on the beams", "No safety officer appointed"]
    dust = next(f for f in findings if f.title == "Dust on the beams")
    assert (dust.item_id, dust.risk_score, dust.risk_level.value) == ("dust-02", 16, "high")
    photos = _rows(app, Photo, inspection_id)
    assert len(photos) == 2 and {p.finding_id for p in photos} == {f.id for f in findings}
    assert lost == {"findings": 1, "photos": 1}, "the lost responses were retried"
    with app.app_context():
        from inspect_app.inspections.models import Inspection

        assert db.session.get(Inspection, inspection_id).good_points.startswith("Aisles marked")
    assert page.locator(".fcard .badge-warn").count() == 0
    assert not errors, errors
    context.close()


def test_answer_buttons_are_big_enough_and_the_form_fits_three_screens(
    app, live_server, browser, world, make_inspection
):
    inspection_id = make_inspection(checklist="score-module5", kind="score_visit")
    context = browser.new_context(viewport=TABLET, locale="en-US", has_touch=True)
    page = context.new_page()
    sign_in(page, live_server, world.users["inspector"].username)
    page.goto(f"{live_server}/inspections/{inspection_id}")
    page.wait_for_selector("#save-state[data-state=saved]")
    _answer(page, "storage-01", "priority")

    targets = page.locator(
        ".fsec .ans button, .tools summary, .addf, .secnav a, #good-text, .review"
    )
    checked = 0
    for index in range(0, targets.count(), 7):  # a sample across the page
        target = targets.nth(index)
        target.scroll_into_view_if_needed()
        box = target.bounding_box()
        assert box["height"] >= 48 and box["width"] >= 48, (index, box)
        checked += 1
    assert checked > 40

    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((768, 1024), (1024, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / f"tablet-form-{width}x{height}.png"))
        # Nothing sticks out sideways, and the save state stays in view while scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.locator("#item-storage-05").scroll_into_view_if_needed()
        assert page.locator("#save-state").is_visible()
        box = page.locator("#save-state").bounding_box()
        assert 0 <= box["y"] < height
    page.set_viewport_size(TABLET)
    page.locator("#item-storage-01 .addf").click()
    page.screenshot(path=str(ARTIFACTS / "tablet-form-finding-768x1024.png"))
    context.close()


def test_an_expired_session_keeps_the_queue_and_two_edits_of_one_finding_are_both_shown(
    app, live_server, browser, world, make_inspection
):
    from inspect_app.accounts.models import User
    from inspect_app.inspections import services

    inspection_id = make_inspection(checklist="workplace-inspection", kind="enforcement")
    with app.app_context():
        inspector = db.session.get(User, world.users["inspector"].id)
        inspection = db.session.get(services.Inspection, inspection_id)
        finding, _ = services.add_finding(
            inspection, by=inspector, title="Blocked fire exit", location="Line 1"
        )
        db.session.commit()
        finding_id, finding_ref = finding.id, finding.client_id  # the form names it by its uuid
    context = browser.new_context(viewport=TABLET, locale="en-US", has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, world.users["inspector"].username)
    page.goto(f"{live_server}/inspections/{inspection_id}")
    _wait_saved(page)

    # Signed out in another tab (the session is gone): the answer waits on the device.
    other = context.new_page()
    other.goto(f"{live_server}/")
    other.locator("details.usermenu summary").click()
    other.locator(".usermenu-panel button").click()
    _answer(page, "resp-01", "yes")
    page.wait_for_selector("#save-state[data-state=auth]")
    assert "Sign in again to send 1" in page.locator("#save-state").inner_text()
    assert page.locator("#save-alert a[target=_blank]").count() == 1
    assert _rows(app, Answer, inspection_id) == []
    # Signed in again over there; "Send now" fetches the new session's token and sends.
    sign_in(other, live_server, world.users["inspector"].username)
    page.click("#send-now")
    _wait_saved(page)
    assert [(a.item_id, a.value) for a in _rows(app, Answer, inspection_id)] == [("resp-01", "yes")]

    # Meanwhile a colleague moved the finding to line 2; this tablet still shows line 1.
    with app.app_context():
        colleague = db.session.get(User, world.users["admin"].id)
        services.update_finding(
            db.session.get(Finding, finding_id), by=colleague, expected_version=1, location="Line 2"
        )
        db.session.commit()
    page.locator(f"[data-edit='{finding_ref}']").click()
    page.fill("#fd-loc", "Line 3")
    page.locator("#fd-form input[name=severity][value='5'] + span").click()
    page.click("#fd-save")
    # Nothing is overwritten: both versions are shown, field by field.
    page.wait_for_selector("#conflict-dialog[open]")
    rows = page.locator("#cd-rows tr")
    assert rows.count() == 2
    location = page.locator("#cd-rows tr", has_text="Location")
    assert "Line 3" in location.inner_text() and "Line 2" in location.inner_text()
    location.locator("input[value=theirs]").check()
    page.screenshot(path=str(ARTIFACTS / "tablet-form-conflict-768x1024.png"))
    # The merged edit (their location, my severity) is sent as one new save.
    with page.expect_response(
        lambda r: r.request.method == "PATCH" and "/findings/" in r.url and r.status == 200
    ):
        page.click("#cd-save")
    _wait_saved(page)
    [saved] = _rows(app, Finding, inspection_id)
    assert (saved.location, saved.severity, saved.version) == ("Line 2", 5, 3)
    assert not errors, errors
    context.close()


def test_numbers_several_choices_text_and_notes_are_saved_as_typed(
    app, live_server, browser, world, make_inspection
):
    from test_inspection_form import store_all_kinds

    store_all_kinds(app)
    inspection_id = make_inspection(checklist="all-kinds")
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    sign_in(page, live_server, world.users["inspector"].username)
    page.goto(f"{live_server}/inspections/{inspection_id}")
    page.fill("#item-aisle-width .num", "2.5")
    page.locator("#item-aisle-width .num").blur()
    assert page.locator("#item-remarks").is_hidden()
    _answer(page, "hazards-seen", "noise")
    _answer(page, "hazards-seen", "dust")
    assert _pressed(page, "hazards-seen", "noise") and _pressed(page, "hazards-seen", "dust")
    page.locator("#item-remarks .txt").fill("Dust on the mezzanine floor")
    page.locator("#item-aisle-width .note summary").click()
    page.locator("#item-aisle-width .note textarea").fill("Narrowed by pallets")
    page.locator("#item-aisle-width .note textarea").blur()
    page.locator("#item-remarks .txt").blur()
    _wait_saved(page)
    answers = {a.item_id: (a.value, a.note) for a in _rows(app, Answer, inspection_id)}
    assert answers == {
        "aisle-width": (2.5, "Narrowed by pallets"),
        "hazards-seen": (["noise", "dust"], ""),
        "remarks": ("Dust on the mezzanine floor", ""),
    }
    _answer(page, "hazards-seen", "dust")  # unticked: the text item goes away again
    assert page.locator("#item-remarks").is_hidden()
    _wait_saved(page)
    assert {a.item_id: a.value for a in _rows(app, Answer, inspection_id)}["hazards-seen"] == [
        "noise"
    ]
    context.close()


def test_text_over_its_limit_shows_as_a_problem_to_fix_never_as_saved(
    app, live_server, browser, world, make_inspection
):
    inspection_id = make_inspection()
    with app.app_context():
        from inspect_app.inspections import services
        from inspect_app.inspections.models import Inspection

        item = next(services.checklist_of(db.session.get(Inspection, inspection_id)).items()).id
    context = browser.new_context(viewport=TABLET, locale="en-US", has_touch=True)
    page = context.new_page()
    sign_in(page, live_server, world.users["inspector"].username)
    page.goto(f"{live_server}/inspections/{inspection_id}")
    page.locator(f"#item-{item} .ans button").first.click()
    _wait_saved(page)
    # A note pasted past its limit: the server refuses it, the form names the field and the limit.
    page.locator(f"#item-{item} .note summary").click()
    note = page.locator(f"#item-{item} .note textarea")
    note.fill("注" * 2001)
    note.blur()
    problem = page.locator("#attention-list li[data-field=note]")
    problem.wait_for()
    assert problem.inner_text() == "Note: At most 2000 characters."
    assert page.locator("#save-state").get_attribute("data-state") == "attention"
    # Shortening the note is the fix: the refused change is replaced and the form says Saved.
    note.fill("注" * 2000)
    note.blur()
    _wait_saved(page)
    assert page.locator("#attention").is_hidden()
    assert [a.note for a in _rows(app, Answer, inspection_id)] == ["注" * 2000]
    # A finding's title past its limit is refused in the dialog, before anything is queued.
    page.click("#add-free")
    page.fill("#fd-title-in", "题" * 201)
    page.locator("#fd-form input[name=grade][value=general] + span").click()
    page.locator("#fd-form input[name=likelihood][value='2'] + span").click()
    page.locator("#fd-form input[name=severity][value='2'] + span").click()
    page.click("#fd-save")
    refusal = page.locator("#fd-form .error[data-long=title]")
    refusal.wait_for()
    assert refusal.inner_text() == "At most 200 characters."
    assert page.locator("#finding-dialog").is_visible()
    page.fill("#fd-title-in", "题" * 200)
    page.click("#fd-save")
    _wait_saved(page)
    assert [f.title for f in _rows(app, Finding, inspection_id)] == ["题" * 200]
    context.close()
