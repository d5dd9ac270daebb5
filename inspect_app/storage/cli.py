"""`flask --app inspect_app storage check|purge`: is the store reachable, are the files there."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..extensions import db
from . import get_storage, purge
from .base import StorageError
from .references import referenced_keys_sql

storage_cli = AppGroup("storage", help="Check the file store and delete what is pending.")


def referenced_keys(conn) -> set[str]:
    """Every storage key the database's rows name (registered file columns)."""
    tables = set(sa.inspect(conn).get_table_names())
    keys: set[str] = set()
    for sql in referenced_keys_sql(tables):
        keys.update(conn.execute(sa.text(sql)).scalars())
    return keys


_PROBE = b"inspect storage probe"


def _expect(condition: bool, problem: str) -> None:
    if not condition:
        raise StorageError(problem)


@storage_cli.command("check")
@click.option("--files", is_flag=True, help="Also check that every file the rows name exists.")
def check_command(files: bool) -> None:
    """Write, read, list and delete a probe file; with --files, look for missing files."""
    store = get_storage()
    click.echo(f"Store: {store.describe()}")
    probe = None
    try:
        probe = store.add(_PROBE, namespace="probes", suffix=".txt")
        _expect(store.read(probe) == _PROBE, "it read back different bytes")
        _expect(store.size(probe) == len(_PROBE), "it gave the wrong size")
        _expect(probe in set(store.keys("probes/")), "it does not list the probe")
        store.delete(probe)
        _expect(not store.exists(probe), "it did not delete the probe")
    except (StorageError, OSError) as error:
        click.echo(f"error: the store does not work: {error}", err=True)
        if probe:
            store.delete(probe)
        raise SystemExit(1) from None
    click.echo("  write, read, list and delete: ok")
    if not files:
        return
    with db.engine.connect() as conn:
        wanted = referenced_keys(conn)
    stored = set(store.keys())
    missing = sorted(wanted - stored)
    orphans = len(stored - wanted)
    click.echo(f"  {len(wanted)} files named by rows, {len(stored)} stored, {orphans} unreferenced")
    for key in missing:
        click.echo(f"missing: {key}", err=True)
    if missing:
        click.echo(f"error: {len(missing)} file(s) named by rows are missing", err=True)
        raise SystemExit(1)


@storage_cli.command("purge")
def purge_command() -> None:
    """Delete the files whose rows were deleted (waits for no hold: skips while one is live)."""
    result = purge()
    click.echo(f"Deleted {result.deleted} file(s).")
    if result.held:
        click.echo(f"{result.held} file(s) wait: a backup is reading files.", err=True)
    if result.failed:
        click.echo(f"error: {result.failed} file(s) could not be deleted", err=True)
        sys.exit(1)
