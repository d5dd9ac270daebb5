"""Constants and small helpers shared by test modules (import as `from support import …`)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
SHARED_PHOTOS = REPO.parent / "shared" / "photos"


def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist each worker gets a database of its own (`test_gw0`, `test_gw1` …),
    created on first use next to the one INSPECT_TEST_DATABASE_URL names."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base = sa.engine.make_url(url)
    name = f"{base.database}_{worker}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


PG_URL = _worker_database(os.environ.get("INSPECT_TEST_DATABASE_URL"))
#: An S3-compatible server to test against; unset: the tests start moto's server themselves.
S3_ENDPOINT = os.environ.get("INSPECT_TEST_S3_ENDPOINT_URL")
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


def stored_files(app, prefix: str = "") -> dict[str, bytes]:
    """Every file in the app's store (either backend): key → bytes."""
    from inspect_app.storage import get_storage

    with app.app_context():
        store = get_storage()
        return {key: store.read(key) for key in store.keys(prefix)}


class UnreadBody(io.RawIOBase):
    """A request body of `size` filler bytes that is never held in memory; counts what the server
    reads (seeking is only there for the test client to measure its length)."""

    def __init__(self, size: int, filler: bytes = b" ") -> None:
        self.size, self.filler = size, filler
        self.position = self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, min(self.size, base + offset))
        return self.position

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.position)
        buffer[:n] = self.filler * n
        self.position += n
        self.read_bytes += n
        return n
