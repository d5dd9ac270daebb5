"""Migrations build the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import base_config
from support import PG_URL

from inspect_app import create_app
from inspect_app.extensions import db


@pytest.fixture
def empty_database_url(tmp_path):
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"migr_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_builds_the_models_schema_without_drift(empty_database_url, tmp_path):
    app = create_app(base_config(empty_database_url, tmp_path))
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            drift = compare_metadata(context, db.metadata)
        assert drift == [], f"models and migrations differ: {drift}"
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"users", "factories", "regions", "audit_events"} <= tables
        # No built-in default admin: a migrated database has no users.
        assert db.session.scalar(sa.text("SELECT count(*) FROM users")) == 0
        db.session.remove()  # end the read transaction before Alembic takes its own connection
        flask_migrate.downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.session.remove()
        db.engine.dispose()


def test_every_migration_is_described():
    from support import REPO

    for path in (REPO / "migrations" / "versions").glob("*.py"):
        text = path.read_text()
        docstring = text.split('"""')[1]
        first_line, _, body = docstring.strip().partition("\n")
        assert first_line and body.strip(), f"{path.name} needs a title and a description"
