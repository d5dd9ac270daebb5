"""Fixtures: a fresh database and upload folder per test, clients, builders and login_as.

The same suite runs on SQLite (default) and on PostgreSQL when INSPECT_TEST_DATABASE_URL is
set. SQLite tests copy a template database file built once per session; PostgreSQL tests
truncate every table before each test.
"""

from __future__ import annotations

import itertools
import shutil
import socket
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from support import PASSWORD, PG_URL, REPO, S3_ENDPOINT, region

from inspect_app import create_app
from inspect_app.accounts import services as account_services
from inspect_app.accounts.models import Role, User
from inspect_app.extensions import db
from inspect_app.factories import uscc
from inspect_app.factories.cli import load_regions
from inspect_app.factories.models import Factory, Sector


def pytest_sessionstart(session):
    """Compile the message catalogues so the suite always sees the current translations."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (REPO / "inspect_app" / "translations").glob("*/LC_MESSAGES/messages.po"):
        with open(po, "rb") as fh:
            catalog = read_po(fh)
        with open(po.with_suffix(".mo"), "wb") as fh:
            write_mo(fh, catalog)


def base_config(database_url: str, tmp_path: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "STORAGE_BACKEND": "local",  # whatever INSPECT_STORAGE says; s3 only where asked
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "SERVER_NAME": None,
        # Cheaper scrypt parameters: the same scheme, fast enough for hundreds of test users.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        # Jobs run on the embedded thread pool (tests/test_jobs.py also drives Redis). The
        # report PDFs kept at submit are rendered only where a test asks for them (CPU).
        "REDIS_URL": None,
        "JOBS_AT_SUBMIT": False,
        "PDF_WAIT_SECONDS": 120,
    }


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory):
    """Build the schema once: a template SQLite file, or the PostgreSQL test database."""
    tmp = tmp_path_factory.mktemp("template")
    url = PG_URL or f"sqlite:///{tmp / 'template.db'}"
    app = create_app(base_config(url, tmp))
    with app.app_context():
        if PG_URL:
            db.session.execute(sa.text("DROP SCHEMA public CASCADE"))
            db.session.execute(sa.text("CREATE SCHEMA public"))
            db.session.commit()
        db.create_all()
        db.session.commit()
        db.engine.dispose()
    return None if PG_URL else tmp / "template.db"


def _truncate_all() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture(scope="session")
def s3_server():
    """The endpoint URL of an S3-compatible server on loopback: INSPECT_TEST_S3_ENDPOINT_URL
    (`.ci/run` starts `moto_server` for the PostgreSQL run), else moto's server mode started
    here in a thread (a real HTTP server: nothing in boto3 is patched)."""
    if S3_ENDPOINT:
        host, port = S3_ENDPOINT.split("//", 1)[1].split("/")[0].rsplit(":", 1)
        try:
            socket.create_connection((host, int(port)), timeout=5).close()
        except OSError as error:
            pytest.fail(f"INSPECT_TEST_S3_ENDPOINT_URL={S3_ENDPOINT} does not answer: {error}")
        yield S3_ENDPOINT
        return
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as error:
        pytest.skip(f"no S3-compatible server: moto[server] is not installed ({error})")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    try:
        server.start()
    except OSError as error:
        pytest.skip(f"moto's S3 server could not start on loopback: {error}")
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_buckets(s3_server):
    """Builder: a new, empty bucket on the S3 server; returns its app settings (as the
    INSPECT_S3_* variables would give them). Emptied and removed after the test."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )
    made = []

    def make() -> dict:
        name = f"inspect-test-{uuid.uuid4().hex[:16]}"
        client.create_bucket(Bucket=name)
        made.append(name)
        return {
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT_URL": s3_server,
            "S3_BUCKET": name,
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "test-key",
            "S3_SECRET_ACCESS_KEY": "test-secret",
            "S3_PREFIX": "inspect/",
            "S3_ADDRESSING_STYLE": "path",
        }

    yield make
    for name in made:
        for page in client.get_paginator("list_objects").paginate(Bucket=name):
            for item in page.get("Contents", ()):
                client.delete_object(Bucket=name, Key=item["Key"])
        client.delete_bucket(Bucket=name)


@pytest.fixture
def s3_bucket(s3_buckets) -> dict:
    """The app settings of one new, empty bucket."""
    return s3_buckets()


@pytest.fixture
def storage_backend() -> str:
    """Where the app keeps files: "local" unless a test parametrizes it (also "s3")."""
    return "local"


@pytest.fixture
def storage_config(request, storage_backend) -> dict:
    if storage_backend == "s3":
        return request.getfixturevalue("s3_bucket")
    return {}


@pytest.fixture
def app(_template_db, tmp_path, storage_config):
    if PG_URL:
        url = PG_URL
    else:
        target = tmp_path / "test.db"
        shutil.copyfile(_template_db, target)
        url = f"sqlite:///{target}"
    app = create_app({**base_config(url, tmp_path), **storage_config})
    with app.app_context():
        if PG_URL:
            _truncate_all()
        load_regions()
        db.session.commit()
    yield app
    app.extensions["jobs"].shutdown(wait=True)  # no job of this test outlives its database
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context for tests that call services directly."""
    with app.app_context():
        yield


_serial = itertools.count(1)


@pytest.fixture
def make_factory(app):
    """Builder: a factory (Chongqing Yubei unless overridden), committed."""

    def make(**overrides) -> Factory:
        n = next(_serial)
        region_code = overrides.pop("region_code", "500112")
        with app.app_context():
            data = {
                "name_zh": f"测试工厂{n}号",
                "name_en": f"Test Factory No. {n}",
                "uscc": uscc.complete(f"91{region_code}MA{n:07d}"[:17]),
                "region_id": region(region_code).id,
                "sector": Sector.RUBBER_PLASTICS,
                "headcount_women": 10,
                "headcount_men": 20,
            }
            data.update(overrides)
            factory = Factory(**data)
            db.session.add(factory)
            db.session.commit()
            db.session.refresh(factory)
            db.session.expunge(factory)
            return factory

    return make


@pytest.fixture
def make_user(app):
    """Builder: a user of a role; inspectors default to Chongqing, committees need factory."""

    def make(role: Role | str = Role.ADMIN, **overrides) -> User:
        role = Role(role)
        n = next(_serial)
        with app.app_context():
            factory_id = overrides.pop("factory_id", None)
            region_codes = overrides.pop("regions", ["500000"] if role is Role.INSPECTOR else [])
            user = account_services.create_user(
                username=overrides.pop("username", f"{role.value}{n}"),
                role=role,
                password=overrides.pop("password", PASSWORD),
                display_name=overrides.pop("display_name", f"{role.value.title()} {n}"),
                factory=db.session.get(Factory, factory_id) if factory_id else None,
                region_names=region_codes,
                **overrides,
            )
            db.session.commit()
            user_id, username = user.id, user.username
        return type("UserRef", (), {"id": user_id, "username": username, "role": role})()

    return make


@pytest.fixture
def login(client):
    """Sign a client in with username and password."""

    def do_login(username: str, password: str = PASSWORD, c=None):
        c = c or client
        response = c.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.data[:500]
        return c

    return do_login


@pytest.fixture
def world(make_factory, make_user):
    """Two factories in two provinces, and a user of each role scoped to factory A."""
    factory_a = make_factory(name_zh="渝北橡胶厂", name_en="Yubei Rubber Works")
    factory_b = make_factory(
        name_zh="东莞制衣厂",
        name_en="Dongguan Garments",
        region_code="441900",
        sector=Sector.GARMENTS,
    )
    users = {
        "admin": make_user(Role.ADMIN),
        "inspector": make_user(Role.INSPECTOR, regions=["500000"]),
        "committee": make_user(Role.COMMITTEE, factory_id=factory_a.id),
        "trainer": make_user(Role.TRAINER),
        "inspector_b": make_user(Role.INSPECTOR, regions=["440000"]),
        "committee_b": make_user(Role.COMMITTEE, factory_id=factory_b.id),
    }
    return type("World", (), {"a": factory_a, "b": factory_b, "users": users})()


@pytest.fixture
def login_as(world, client, login):
    """Sign the client in as one of the world's users by role name ("inspector", …)."""

    def do(role_name: str, c=None):
        return login(world.users[role_name].username, c=c)

    return do


@pytest.fixture
def checklists_loaded(app):
    """The shipped checklists stored as versions (what `checklists load` does)."""
    from inspect_app.checklists import services as checklist_services

    with app.app_context():
        checklist_services.load_files()
        db.session.commit()


@pytest.fixture
def make_inspection(app, checklists_loaded, world):
    """Builder: a draft inspection of factory A by the world's inspector, via the service."""
    from inspect_app.inspections import services as inspection_services

    def make(
        checklist: str = "machine-guarding",
        kind: str = "self_inspection",
        factory=None,
        by: str = "inspector",
        **extra,
    ) -> int:
        with app.app_context():
            user = db.session.get(User, world.users[by].id)
            target = db.session.get(Factory, (factory or world.a).id)
            inspection = inspection_services.start_inspection(
                by=user, factory=target, checklist=checklist, kind=kind, **extra
            )
            db.session.commit()
            return inspection.id

    return make
