"""Constants and small helpers shared by test modules (import as `from support import …`)."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
SHARED_PHOTOS = REPO.parent / "shared" / "photos"
PG_URL = os.environ.get("INSPECT_TEST_DATABASE_URL")
PASSWORD = "correct-horse-battery"


def region(code: str):
    """The Region with a GB/T 2260 code (inside an app context)."""
    from inspect_app.extensions import db
    from inspect_app.factories.models import Region

    return db.session.scalar(sa.select(Region).where(Region.code == code))


def sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form in a Playwright page, as a person does."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form:not(.langswitch) button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
