"""Take the README's screenshots of the tablet form from the demo data, at 768x1024 in zh-CN.

    .venv/bin/python docs/take_screenshots.py [WORK_DIR]

WORK_DIR (default: inspect-screenshots in the temporary folder) holds a demo database and its
uploads, built with `flask db upgrade` and `flask demo load` the first time. The app is served
on a free port of 127.0.0.1; Debian's chromium (Playwright) signs in as the demo inspector,
starts a SCORE visit and takes:

- docs/screenshots/tablet-form.png: an item answered "needs improvement", with its photo rule
  and camera button, and the good practice shown beside it (published cases, before/after);
- docs/screenshots/finding.png: the finding the camera button made from that item (title and
  hazard area from the item, the photo), opened to rate it.

Every step waits for what it shows (the suggestions, the thumbnails, the uploaded photo).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHOTS = REPO / "docs" / "screenshots"
TABLET = {"width": 768, "height": 1024}
CHROMIUM = "/usr/bin/chromium"


def build(work: Path) -> None:
    """The demo database and uploads, once."""
    if (work / "demo.db").exists():
        return
    flask = [str(REPO / ".venv" / "bin" / "flask"), "--app", "inspect_app"]
    for command in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([*flask, *command], check=True, cwd=REPO)  # noqa: S603 - our own CLI


def prepare(app) -> tuple[int, str, bytes]:
    """A new SCORE visit by the demo inspector at a factory of theirs, a few items answered;
    returns its id, the item of the cheapest published case they see, and a demo photo."""
    import sqlalchemy as sa

    from inspect_app.accounts.models import User
    from inspect_app.cases.models import Case, CaseStatus
    from inspect_app.cases.services import good_practice, visible_clause
    from inspect_app.extensions import db
    from inspect_app.factories.models import Factory
    from inspect_app.factories.services import scope_clause
    from inspect_app.inspections import services
    from inspect_app.photos.models import Photo
    from inspect_app.photos.services import storage

    with app.app_context():
        inspector = db.session.scalar(sa.select(User).where(User.username == "inspector"))
        factory = db.session.scalar(
            sa.select(Factory).where(scope_clause(inspector)).order_by(Factory.id).limit(1)
        )
        inspection = services.start_inspection(
            by=inspector, factory=factory, checklist="score-module5", kind="score_visit"
        )
        checklist = services.checklist_of(inspection)
        # The item with the most good practice to show (then the cheapest).
        refs = db.session.scalars(
            sa.select(Case.checklist_item)
            .where(
                visible_clause(inspector),
                Case.status == CaseStatus.PUBLISHED,
                Case.checklist_item.like("score-module5/%"),
            )
            .order_by(Case.cost)
        ).all()
        item_id = max(
            (ref.split("/", 1)[1] for ref in refs),
            key=lambda item: len(
                good_practice(
                    inspector,
                    checklist_slug="score-module5",
                    item_id=item,
                    areas=list(checklist.item_of(item).areas),
                )
            ),
        )
        for item in list(checklist.items())[:5]:
            if item.id != item_id:
                services.set_answer(inspection, item_id=item.id, value="no", by=inspector)
        photo = db.session.scalar(
            sa.select(Photo).where(Photo.finding_id.is_not(None)).order_by(Photo.id).limit(1)
        )
        data = storage().read(photo.web_key)
        db.session.commit()
        return inspection.id, item_id, data


def serve(app) -> tuple[str, object]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def shoot(base: str, inspection_id: int, item_id: str, photo: bytes) -> None:
    from playwright.sync_api import sync_playwright

    from inspect_app.demo import DEMO_PASSWORD

    item = f"#item-{item_id}"
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as tmp:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport=TABLET, locale="zh-CN", has_touch=True)
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "inspector")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("form:not(.langswitch) button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(f"{base}/inspections/{inspection_id}")
        page.locator(f"{item} .addf").wait_for()

        page.locator(f"{item} .ans button[value=yes]").click()
        page.locator(f"{item} .gp-list li").first.wait_for()
        page.wait_for_function(
            """(sel) => [...document.querySelectorAll(sel + ' .gp img')]
                .every((img) => img.complete && img.naturalWidth > 0)""",
            arg=item,
        )
        page.wait_for_selector("#save-state[data-state=saved]")
        # The item just under the sticky bar of a portrait tablet.
        page.evaluate(
            """(sel) => {
              const bar = document.querySelector('.fill-side').getBoundingClientRect().height;
              const top = document.querySelector(sel).getBoundingClientRect().top;
              window.scrollBy(0, top - bar - 12);
            }""",
            item,
        )
        page.screenshot(path=str(SHOTS / "tablet-form.png"))

        picture = Path(tmp) / "before.jpg"
        picture.write_bytes(photo)
        page.set_input_files(f"{item} .cam-in", str(picture))
        page.locator("#findings-list .fcard img[src*='/thumb']").first.wait_for()
        page.wait_for_selector("#save-state[data-state=saved]")
        page.locator("#findings-list .fcard [data-edit]").first.click()
        form = page.locator("#fd-form")
        form.locator("input[name=source] + span").first.click()
        form.locator("input[name=grade][value=general] + span").click()
        form.locator("input[name=likelihood][value='3'] + span").click()
        form.locator("input[name=severity][value='4'] + span").click()
        form.locator("#fd-loc").fill("二车间东侧")
        page.locator("#fd-photos img").first.wait_for()
        page.evaluate("document.querySelector('#fd-photos').scrollIntoView({block: 'center'})")
        page.screenshot(path=str(SHOTS / "finding.png"))
        browser.close()


def main() -> None:
    default = Path(tempfile.gettempdir()) / "inspect-screenshots"
    work = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    work.mkdir(parents=True, exist_ok=True)
    os.environ["INSPECT_DATABASE_URL"] = f"sqlite:///{work / 'demo.db'}"
    os.environ["INSPECT_UPLOAD_DIR"] = str(work / "uploads")
    os.environ["INSPECT_COOKIE_SECURE"] = "0"
    build(work)
    from inspect_app import create_app

    app = create_app()
    inspection_id, item_id, photo = prepare(app)
    base, server = serve(app)
    try:
        shoot(base, inspection_id, item_id, photo)
    finally:
        server.shutdown()
    print(f"docs/screenshots/tablet-form.png and finding.png from inspection {inspection_id}")


if __name__ == "__main__":
    main()
