"""Backups: one archive holding a consistent database snapshot, every photo file and a manifest.

``flask --app inspect_app backup create PATH`` works while the app keeps serving: SQLite through
its online backup API (one step, so the copy is one moment of the database), PostgreSQL through
``pg_dump --format=custom`` on a snapshot exported from a REPEATABLE READ transaction, so the
row counts and photo keys in the manifest describe exactly the dumped data. Photos are copied
after the snapshot: a photo uploaded meanwhile is an extra file, never a row without its file.

``backup restore PATH`` brings an archive back into an empty instance: it checks the archive
against its manifest before touching anything, replaces the database (SQLite: the snapshot file
moved into place; PostgreSQL: ``pg_restore --clean --if-exists --no-owner`` in one
transaction), puts the photos back, then counts rows and re-hashes files and reports.
``backup verify PATH`` checks an archive without restoring it.

Archive layout (tar.gz): ``database/inspect.sqlite3`` or ``database/inspect.pgdump``,
``photos/<storage key>`` for every photo file, and ``manifest.json`` (written last).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404  # runs pg_dump/pg_restore with fixed argument lists, no shell
import sys
import tarfile
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from .extensions import db
from .photos.storage import check_key

FORMAT = "inspect-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_MEMBERS = {"sqlite": "database/inspect.sqlite3", "postgresql": "database/inspect.pgdump"}
PHOTOS_PREFIX = "photos/"
#: Tables whose rows make a database "in use": restore refuses to overwrite them without --force.
GUARDED_TABLES = ("users", "factories")
_CHUNK = 1024 * 1024
_MAX_MANIFEST_BYTES = 64 * 1024 * 1024

Tracker = Callable[[list], AbstractContextManager]


class BackupError(click.ClickException):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class RestoreReport:
    """What a restore (or a verification) found: problems are empty when everything matched."""

    manifest: dict
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    photos: int = 0


# ---------------------------------------------------------------- small helpers


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader(io.RawIOBase):
    """Reads through to a file and hashes every byte on the way."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.digest.update(data)
        return data


def _count_sql(table: str) -> str:
    """SELECT count(*) for a table name taken from the database's own catalogue (quoted)."""
    quoted = '"' + table.replace('"', '""') + '"'
    return f"SELECT count(*) FROM {quoted}"  # noqa: S608  # nosec B608  # a quoted catalogue name


def _kind() -> str:
    name = db.engine.dialect.name
    if name not in DB_MEMBERS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _code_revisions() -> tuple[set[str], tuple[str, ...]]:
    """Every migration revision this code knows, and the heads."""
    from alembic.script import ScriptDirectory

    directory = current_app.extensions["migrate"].directory
    script = ScriptDirectory(directory)
    return {s.revision for s in script.walk_revisions()}, tuple(script.get_heads())


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and an environment carrying it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed; install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client) in the server's major version or newer."
        )
    return path


def _run_tool(args: list[str], env: dict[str, str], what: str) -> None:
    """Run a PostgreSQL client tool: a fixed argument list, no shell, values from the config."""
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    if result.returncode != 0:
        raise BackupError(f"{what} failed:\n{result.stderr.strip()}")


# ---------------------------------------------------------------- reading a database


def _sqlite_facts(conn: sqlite3.Connection) -> tuple[dict[str, int], set[str], str | None]:
    """Row counts per table, the photo keys referenced, and the Alembic revision."""
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    counts = {t: conn.execute(_count_sql(t)).fetchone()[0] for t in sorted(tables)}
    keys: set[str] = set()
    if "photos" in counts:
        for web, thumb in conn.execute("SELECT web_key, thumb_key FROM photos"):
            keys.update((web, thumb))
    revision = None
    if "alembic_version" in counts:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    return counts, keys, revision


def _sa_facts(conn: sa.Connection) -> tuple[dict[str, int], set[str], str | None]:
    """The same facts through SQLAlchemy (PostgreSQL, and any database after a restore)."""
    tables = sa.inspect(conn).get_table_names()
    counts = {t: conn.execute(sa.text(_count_sql(t))).scalar_one() for t in sorted(tables)}
    keys: set[str] = set()
    if "photos" in counts:
        for web, thumb in conn.execute(sa.text("SELECT web_key, thumb_key FROM photos")):
            keys.update((web, thumb))
    revision = None
    if "alembic_version" in counts:
        revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    return counts, keys, revision


# ---------------------------------------------------------------- create


def _snapshot_sqlite(target: Path) -> tuple[dict[str, int], set[str], str | None]:
    """Copy the live database into ``target`` with SQLite's online backup, in one step."""
    path = _sqlite_path()
    if not path.is_file():  # connecting would create an empty database and back that up
        raise BackupError(f"There is no database at {path}; check INSPECT_DATABASE_URL.")
    source = sqlite3.connect(path, timeout=30)
    try:
        source.execute("PRAGMA busy_timeout=30000")
        copy = sqlite3.connect(target)
        try:
            # pages=-1 (the default) copies everything under one read transaction: with WAL the
            # app keeps writing meanwhile, and the copy is the database at one moment.
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            check = copy.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"The database snapshot failed its integrity check: {check}")
            return _sqlite_facts(copy)
        finally:
            copy.close()
    finally:
        source.close()


def _snapshot_postgresql(target: Path) -> tuple[dict[str, int], set[str], str | None]:
    """pg_dump the configured database into ``target`` from one exported snapshot."""
    pg_dump = _pg_tool("pg_dump")
    uri, env = _libpq(db.engine.url)
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            facts = _sa_facts(conn)
            _run_tool(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    f"--dbname={uri}",
                ],
                env,
                "pg_dump",
            )
    return facts


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """Archive members carry no local user or group names."""
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _photo_files(root: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """(key, path) of every stored photo file under ``root``, and names that are not photos."""
    files, skipped = [], []
    if not root.is_dir():
        return files, skipped
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        key = path.relative_to(root).as_posix()
        if path.name.startswith(".tmp-"):
            continue  # a write in progress (LocalStorage renames it into place when complete)
        try:
            files.append((check_key(key), path))
        except ValueError:
            skipped.append(key)
    return files, skipped


def create_backup(path: Path | str, *, track: Tracker | None = None) -> dict:
    """Write the archive to ``path`` and return its manifest.

    ``track(files)`` wraps the list of photo files in a context manager that yields them (the
    CLI's progress bar); by default they are just iterated.
    """
    path = Path(path)
    kind = _kind()
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    member = DB_MEMBERS[kind]
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as tmp:
        snapshot = Path(tmp) / PurePosixPath(member).name
        if kind == "sqlite":
            counts, referenced, revision = _snapshot_sqlite(snapshot)
        else:
            counts, referenced, revision = _snapshot_postgresql(snapshot)
        files, skipped = _photo_files(upload_dir)
        partial = Path(tmp) / "archive.tar.gz"
        photos: dict[str, str] = {}
        # JPEGs do not compress: level 1 keeps a large photo store quick to back up.
        with (
            tarfile.open(partial, "w:gz", compresslevel=1) as tar,
            (track or contextlib.nullcontext)(files) as tracked,
        ):
            tar.add(snapshot, arcname=member, recursive=False, filter=_anonymous)
            for key, file_path in tracked:
                try:
                    with file_path.open("rb") as handle:
                        info = tar.gettarinfo(arcname=PHOTOS_PREFIX + key, fileobj=handle)
                        reader = _HashingReader(handle)
                        tar.addfile(_anonymous(info), reader)
                    photos[key] = reader.digest.hexdigest()
                except FileNotFoundError:
                    pass  # deleted since the listing: its row was deleted before the snapshot
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": _now(),
                "alembic_revision": revision,
                "database": {
                    "kind": kind,
                    "file": member,
                    "sha256": _sha256_file(snapshot),
                    "bytes": snapshot.stat().st_size,
                },
                "row_counts": counts,
                "photos": photos,
                "photos_missing": sorted(referenced - photos.keys()),
                "files_skipped": skipped,
            }
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(datetime.now(UTC).timestamp())
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        with partial.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, path)
    return manifest


# ---------------------------------------------------------------- reading an archive


def _member_kind(member: tarfile.TarInfo) -> tuple[str, str]:
    """Classify an archive member as ("manifest"|"database"|"photo", name) or raise."""
    name = member.name
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or "\\" in name:
        raise BackupError(f"The archive holds an unsafe path: {name!r}")
    if not member.isfile():
        raise BackupError(f"The archive holds something other than a file: {name!r}")
    if name == MANIFEST:
        return "manifest", name
    if name in DB_MEMBERS.values():
        return "database", name
    if name.startswith(PHOTOS_PREFIX):
        key = name.removeprefix(PHOTOS_PREFIX)
        try:
            return "photo", check_key(key)
        except ValueError:
            pass
    raise BackupError(f"The archive holds an unexpected file: {name!r}")


def _copy(source: BinaryIO, target: Path | None) -> str:
    """Stream ``source`` into ``target`` (or nowhere) and return its sha256."""
    digest = hashlib.sha256()
    out = target.open("wb") if target is not None else None
    try:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            if out is not None:
                out.write(chunk)
    finally:
        if out is not None:
            out.close()
    return digest.hexdigest()


def _read_archive(path: Path, staging: Path | None) -> tuple[dict, dict[str, str], str | None]:
    """One pass over the archive: the manifest, the sha256 of each photo (staged under
    ``staging/photos`` when given) and of the database file (staged as ``staging/database``)."""
    manifest: dict | None = None
    photos: dict[str, str] = {}
    database: str | None = None
    try:
        tar = tarfile.open(path, "r:*")  # noqa: SIM115 - closed below
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{path} is not a readable backup archive: {error}") from error
    with tar:
        for member in tar:
            if member.isdir():
                continue
            kind, name = _member_kind(member)
            handle = tar.extractfile(member)
            if handle is None:  # pragma: no cover - isfile() members always have data
                continue
            with handle:
                if kind == "manifest":
                    if member.size > _MAX_MANIFEST_BYTES:
                        raise BackupError("The archive's manifest is implausibly large.")
                    try:
                        manifest = json.loads(handle.read())
                    except ValueError as error:
                        raise BackupError(f"The manifest is not valid JSON: {error}") from error
                elif kind == "database":
                    target = staging / "database" if staging else None
                    database = _copy(handle, target)
                else:
                    target = None
                    if staging:
                        target = staging.joinpath("photos", *name.split("/"))
                        target.parent.mkdir(parents=True, exist_ok=True)
                    photos[name] = _copy(handle, target)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a backup made by `backup create` (no manifest).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"This app reads backup format {FORMAT_VERSION}; the archive has format "
            f"{manifest.get('format_version')}."
        )
    return manifest, photos, database


def _archive_problems(manifest: dict, photos: dict[str, str], database: str | None) -> list[str]:
    """Differences between what the archive holds and what its manifest promises."""
    problems = []
    expected = manifest.get("database", {})
    if database is None:
        problems.append("the database file is missing from the archive")
    elif database != expected.get("sha256"):
        problems.append("the database file does not match its sha256 in the manifest")
    listed = manifest.get("photos", {})
    for key in sorted(listed.keys() - photos.keys()):
        problems.append(f"photo {key} is missing from the archive")
    for key in sorted(photos.keys() - listed.keys()):
        problems.append(f"photo {key} is in the archive but not in the manifest")
    for key in sorted(listed.keys() & photos.keys()):
        if listed[key] != photos[key]:
            problems.append(f"photo {key} does not match its sha256 in the manifest")
    return problems


def verify_backup(path: Path | str) -> RestoreReport:
    """Check an archive against its manifest without restoring anything."""
    manifest, photos, database = _read_archive(Path(path), None)
    report = RestoreReport(manifest=manifest, photos=len(photos))
    report.problems = _archive_problems(manifest, photos, database)
    return report


# ---------------------------------------------------------------- restore


def _target_rows() -> dict[str, int]:
    """Rows in the target's guarded tables (tables that do not exist count as empty)."""
    with db.engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        return {
            t: conn.execute(sa.text(_count_sql(t))).scalar_one()
            for t in GUARDED_TABLES
            if t in tables
        }


def _restore_sqlite(staged: Path) -> None:
    target = _sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Nothing of this process may hold the old file open while it is replaced.
    db.session.remove()
    db.engine.dispose()
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    try:
        shutil.copyfile(staged, tmp_name)
        with open(tmp_name, "rb+") as handle:
            os.fsync(handle.fileno())
        # The old write-ahead log belongs to the old file: left beside the new one it would be
        # replayed into it.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _restore_postgresql(staged: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    uri, env = _libpq(db.engine.url)
    db.session.remove()
    db.engine.dispose()  # our own idle connections must not hold locks on the tables dropped
    _run_tool(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={uri}",
            str(staged),
        ],
        env,
        "pg_restore",
    )


def _put_photos(staging: Path, upload_dir: Path, keys: list[str], force: bool) -> list[str]:
    """Move staged photo files into the upload folder; return keys that clashed."""
    clashes = []
    for key in keys:
        source = staging.joinpath("photos", *key.split("/"))
        target = upload_dir.joinpath(*key.split("/"))
        if target.exists() and not force and _sha256_file(target) != _sha256_file(source):
            clashes.append(key)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target)
        os.chmod(target, 0o644)
    return clashes


def _staging_dir(upload_dir: Path) -> tempfile.TemporaryDirectory:
    """A scratch folder beside the uploads (same file system: photos are renamed into place)."""
    try:
        upload_dir.parent.mkdir(parents=True, exist_ok=True)
        return tempfile.TemporaryDirectory(dir=upload_dir.parent, prefix=".restore-")
    except OSError:
        return tempfile.TemporaryDirectory(prefix="inspect-restore-")


def restore_backup(
    path: Path | str, *, force: bool = False, allow_damaged: bool = False
) -> RestoreReport:
    """Restore an archive into this (empty) instance and verify the result."""
    path = Path(path)
    kind = _kind()
    if not force:
        in_use = {t: n for t, n in _target_rows().items() if n}
        if in_use:
            rows = ", ".join(f"{n} {t}" for t, n in sorted(in_use.items()))
            raise BackupError(
                f"The target database is not empty ({rows}). Restore into an empty instance, "
                "or pass --force to replace its data."
            )
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    with _staging_dir(upload_dir) as tmp:
        staging = Path(tmp)
        manifest, photos, database = _read_archive(path, staging)
        report = RestoreReport(manifest=manifest)
        archive_kind = manifest.get("database", {}).get("kind")
        if archive_kind != kind:
            raise BackupError(
                f"The archive holds a {archive_kind} database; this instance uses {kind}."
            )
        known, heads = _code_revisions()
        revision = manifest.get("alembic_revision")
        if revision and revision not in known:
            raise BackupError(
                f"The archive's database is at migration {revision}, which this code does not "
                f"know (it is at {', '.join(heads)}): the backup was made by a newer version. "
                "Install that version, then restore."
            )
        damage = _archive_problems(manifest, photos, database)
        if damage and not allow_damaged:
            raise BackupError(
                "The archive does not match its manifest; nothing was restored:\n  "
                + "\n  ".join(damage)
                + "\nPass --allow-damaged to restore what it holds anyway."
            )
        report.problems += damage
        if database is None:
            raise BackupError("The archive holds no database file; nothing was restored.")
        if kind == "sqlite":
            _restore_sqlite(staging / "database")
        else:
            _restore_postgresql(staging / "database")
        clashes = _put_photos(staging, upload_dir, sorted(photos), force)
        report.problems += [
            f"photo {key} already exists with different content; kept the existing file "
            "(--force replaces it)"
            for key in clashes
        ]
    report.photos = len(photos) - len(clashes)
    _verify_restored(report, upload_dir)
    if revision and heads and revision not in heads:
        report.notes.append(
            "The restored database is at an older migration: run "
            "`flask --app inspect_app db upgrade`."
        )
    if revision is None:
        report.notes.append("The archive records no migration revision (database not stamped).")
    return report


def _verify_restored(report: RestoreReport, upload_dir: Path) -> None:
    """Count rows and hash files of the restored instance against the manifest."""
    manifest = report.manifest
    with db.engine.connect() as conn:
        counts, referenced, _revision = _sa_facts(conn)
    db.engine.dispose()
    report.rows = counts
    for table, expected in sorted(manifest.get("row_counts", {}).items()):
        got = counts.get(table)
        if got != expected:
            report.problems.append(f"table {table}: {got} rows restored, {expected} in the backup")
    for key, expected in sorted(manifest.get("photos", {}).items()):
        target = upload_dir.joinpath(*key.split("/"))
        if not target.is_file():
            report.problems.append(f"photo {key} is missing after the restore")
        elif _sha256_file(target) != expected:
            report.problems.append(f"photo {key} does not match its sha256 in the manifest")
    already_missing = set(manifest.get("photos_missing", []))
    for key in sorted(referenced - manifest.get("photos", {}).keys() - already_missing):
        report.problems.append(f"photo {key} is referenced by the database but not restored")


# ---------------------------------------------------------------- CLI

backup_cli = AppGroup("backup", help="Back up and restore the database and photos.")


def _echo_report(report: RestoreReport, what: str) -> None:
    manifest = report.manifest
    click.echo(
        f"{what}: backup of {manifest.get('created_at')} "
        f"({manifest['database']['kind']}, migration {manifest.get('alembic_revision')})"
    )
    if report.rows:
        click.echo(f"  {sum(report.rows.values())} rows in {len(report.rows)} tables")
    click.echo(f"  {report.photos} photo files")
    for note in report.notes:
        click.echo(f"  note: {note}")
    if report.problems:
        click.echo(f"{len(report.problems)} problem(s):", err=True)
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1)
    if report.rows:
        click.echo("  verified: row counts and photo hashes match the manifest")
    else:
        click.echo("  verified: the database file and photo hashes match the manifest")


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def create_command(path: Path) -> None:
    """Write one archive: a consistent database snapshot, every photo file, a manifest."""
    manifest = create_backup(
        path, track=lambda files: click.progressbar(files, label="Photos", file=sys.stderr)
    )
    rows = sum(manifest["row_counts"].values())
    click.echo(
        f"Wrote {path}: {manifest['database']['kind']} database "
        f"({rows} rows in {len(manifest['row_counts'])} tables, migration "
        f"{manifest['alembic_revision']}), {len(manifest['photos'])} photo files"
    )
    for key in manifest["photos_missing"]:
        click.echo(f"warning: photo file {key} is referenced but was not found", err=True)
    for name in manifest["files_skipped"]:
        click.echo(f"warning: {name} in the upload folder is not a photo file; skipped", err=True)


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace data in a database that is not empty.")
@click.option(
    "--allow-damaged",
    is_flag=True,
    help="Restore even when files in the archive do not match the manifest.",
)
def restore_command(path: Path, force: bool, allow_damaged: bool) -> None:
    """Restore an archive into an empty instance, then verify rows and photo hashes."""
    report = restore_backup(path, force=force, allow_damaged=allow_damaged)
    _echo_report(report, f"Restored {path}")


@backup_cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_command(path: Path) -> None:
    """Check an archive against its manifest without restoring it."""
    _echo_report(verify_backup(path), f"Checked {path}")
