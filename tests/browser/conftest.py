"""A live server and Debian's chromium for the browser tests (Playwright's sync API)."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from support import REPO, sign_in
from test_progress import _action

from inspect_app.actions.models import ActionStatus as S
from inspect_app.extensions import db, local_today

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS = REPO / "test-artifacts"


class ReadWholeFiles:
    """Static files read whole, and closed, before the first byte is sent. Werkzeug's dev server
    streams a file from disk; when a test ends, the browser drops connections mid-file (the
    service worker's precache), and a file left open is a ResourceWarning — an error in this
    suite, at whatever test the garbage collector happens to run in."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        body = self.app(environ, start_response)
        if not environ.get("PATH_INFO", "").startswith("/static/"):
            return body
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()


@pytest.fixture
def live_server(app):
    """The test app served on a free port of 127.0.0.1 in a background thread, with CSRF
    protection on (the tests' default turns it off) so that the pages use their tokens."""
    from werkzeug.serving import make_server

    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, ReadWholeFiles(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (make system-deps installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_action(app, live_server, browser, world):
    """Builder: an action in progress of factory A, open on the committee member's phone
    (390x844) in `locale`; returns (context, page, action_id). Fails on any page error."""
    opened = []

    def open_it(locale: str = "zh-CN"):
        with app.app_context():
            today = local_today()
            action = _action(world.a.id, today, [(today, S.OPEN, S.IN_PROGRESS)])
            db.session.commit()
            action_id = action.id
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale=locale)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, live_server, world.users["committee"].username)
        page.goto(f"{live_server}/actions/{action_id}")
        opened.append((context, errors))
        return context, page, action_id

    yield open_it
    for context, errors in opened:
        assert not errors, errors
        context.close()
