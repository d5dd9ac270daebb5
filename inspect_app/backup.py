"""Backups: one archive holding a consistent database snapshot, every photo file and a manifest.

``flask --app inspect_app backup create PATH`` works while the app keeps serving: SQLite through
its online backup API (one step, so the copy is one moment of the database), PostgreSQL through
``pg_dump --format=custom`` on a snapshot exported from a REPEATABLE READ transaction, so the
row counts and file keys in the manifest describe exactly the dumped data. The files archived
are exactly those the snapshot's rows name (photos, and any table registered with
``storage.register_file_columns``), read from the configured store (local folder or S3) under a
deletion hold taken before the snapshot: a file whose row is deleted meanwhile stays until the
backup has read it. A row whose file is missing anyway (lost outside the app) is listed in the
manifest; ``verify`` fails on such an archive and ``restore`` refuses it unless
``--allow-damaged``.

``backup restore PATH`` brings an archive back into an empty instance: it checks the archive
against its manifest before touching anything, replaces the database (SQLite: the snapshot file
moved into place; PostgreSQL: ``pg_restore --clean --if-exists --no-owner`` in one
transaction), puts the files into the configured store (either backend, whichever made the
archive), then counts rows and re-hashes files and reports.
``backup verify PATH`` checks an archive without restoring it.

Archive layout (tar.gz, format 2): ``database/inspect.sqlite3`` or ``database/inspect.pgdump``,
``files/<storage key>`` for every stored file, and ``manifest.json`` (written last). Format 1
archives (``photos/<key>``, made before object storage) are still read.
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
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
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
from .storage import Storage, StorageError, check_key, deletions_held, get_storage
from .storage.models import StorageHold
from .storage.references import referenced_keys_sql

FORMAT = "inspect-backup"
FORMAT_VERSION = 2
#: Archive member prefix of stored files, by format version (format 1 held photos only).
FILES_PREFIX = {1: "photos/", 2: "files/"}
MANIFEST = "manifest.json"
DB_MEMBERS = {"sqlite": "database/inspect.sqlite3", "postgresql": "database/inspect.pgdump"}
#: Tables whose rows make a database "in use": restore refuses to overwrite them without --force.
GUARDED_TABLES = ("users", "factories")
_CHUNK = 1024 * 1024
_MAX_MANIFEST_BYTES = 64 * 1024 * 1024
_SPOOL_BYTES = 4 * 1024 * 1024  # a file read ahead stays in memory up to this size

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
    files: int = 0


# ---------------------------------------------------------------- small helpers


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


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
    for sql in referenced_keys_sql(set(counts)):
        keys.update(row[0] for row in conn.execute(sql))
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
    for sql in referenced_keys_sql(set(counts)):
        keys.update(conn.execute(sa.text(sql)).scalars())
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


def _fetch(store: Storage, key: str) -> tuple[BinaryIO, int, str] | None:
    """Read one stored file into a spooled temporary file: (file, size, sha256), or None when
    the store has no such file."""
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 - returned
    digest = hashlib.sha256()
    try:
        with store.open(key) as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                spool.write(chunk)
    except FileNotFoundError:
        spool.close()
        return None
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)
    return spool, size, digest.hexdigest()  # type: ignore[return-value]


def _workers(store: Storage) -> int:
    """Files read or written at once: an object store answers each request with latency."""
    return 8 if store.kind == "s3" else 2


def _read_ahead(store: Storage, keys: Iterable[str]) -> Iterator[tuple[str, tuple | None]]:
    """(key, _fetch result) in key order, a bounded number of files read ahead in threads."""
    workers = _workers(store)
    with ThreadPoolExecutor(workers, thread_name_prefix="backup-read") as pool:
        window: deque = deque()
        try:
            for key in keys:
                window.append((key, pool.submit(_fetch, store, key)))
                if len(window) >= workers * 2:
                    key, future = window.popleft()
                    yield key, future.result()
            while window:
                key, future = window.popleft()
                yield key, future.result()
        finally:
            for _key, future in window:  # a failure: close what was read ahead
                future.cancel()
                with contextlib.suppress(BaseException):
                    if (result := future.result()) is not None:
                        result[0].close()


def create_backup(path: Path | str, *, track: Tracker | None = None) -> dict:
    """Write the archive to ``path`` and return its manifest.

    ``track(keys)`` wraps the list of file keys to archive in a context manager that yields
    them (the CLI's progress bar); by default they are just iterated. No stored file is deleted
    from before the snapshot until the last file is read.
    """
    path = Path(path)
    kind = _kind()
    store = get_storage()
    member = DB_MEMBERS[kind]
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as tmp,
        deletions_held(f"backup {path.name}") as hold,
    ):
        snapshot = Path(tmp) / PurePosixPath(member).name
        if kind == "sqlite":
            counts, referenced, revision = _snapshot_sqlite(snapshot)
        else:
            counts, referenced, revision = _snapshot_postgresql(snapshot)
        keys = sorted(referenced)
        partial = Path(tmp) / "archive.tar.gz"
        files: dict[str, str] = {}
        missing: list[str] = []
        prefix = FILES_PREFIX[FORMAT_VERSION]
        # JPEGs do not compress: level 1 keeps a large photo store quick to back up.
        with (
            tarfile.open(partial, "w:gz", compresslevel=1) as tar,
            (track or contextlib.nullcontext)(keys) as tracked,
        ):
            tar.add(snapshot, arcname=member, recursive=False, filter=_anonymous)
            try:
                for key, fetched in _read_ahead(store, tracked):
                    hold.renew()
                    if fetched is None:
                        missing.append(key)
                        continue
                    spool, size, digest = fetched
                    with spool:
                        info = tarfile.TarInfo(prefix + key)
                        info.size = size
                        info.mode = 0o644
                        info.mtime = int(datetime.now(UTC).timestamp())
                        tar.addfile(info, spool)
                    files[key] = digest
            except StorageError as error:
                raise BackupError(f"{error}\nNo archive was written.") from error
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
                "storage": store.kind,
                "row_counts": counts,
                "files": files,
                "files_missing": sorted(missing),
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


def _member_kind(member: tarfile.TarInfo) -> tuple[str, str, int | None]:
    """Classify an archive member: ("manifest"|"database"|"file", name or key, the format
    version its prefix belongs to) or raise."""
    name = member.name
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or "\\" in name:
        raise BackupError(f"The archive holds an unsafe path: {name!r}")
    if not member.isfile():
        raise BackupError(f"The archive holds something other than a file: {name!r}")
    if name == MANIFEST:
        return "manifest", name, None
    if name in DB_MEMBERS.values():
        return "database", name, None
    for version, prefix in FILES_PREFIX.items():
        if name.startswith(prefix):
            with contextlib.suppress(ValueError):
                return "file", check_key(name.removeprefix(prefix)), version
    raise BackupError(f"The archive holds an unexpected file: {name!r}")


def _normalised(manifest: dict) -> dict:
    """A format 1 manifest in format 2's words (``photos`` → ``files``)."""
    if manifest.get("format_version") == 1:
        manifest = dict(manifest)
        manifest["files"] = manifest.pop("photos", {})
        manifest["files_missing"] = manifest.pop("photos_missing", [])
        manifest.pop("files_skipped", None)
    return manifest


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
    """One pass over the archive: the manifest, the sha256 of each stored file (staged under
    ``staging/files`` when given) and of the database file (staged as ``staging/database``)."""
    manifest: dict | None = None
    files: dict[str, str] = {}
    versions: set[int] = set()
    database: str | None = None
    try:
        tar = tarfile.open(path, "r:*")  # noqa: SIM115 - closed below
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{path} is not a readable backup archive: {error}") from error
    with tar:
        for member in tar:
            if member.isdir():
                continue
            kind, name, version = _member_kind(member)
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
                    versions.add(version)  # type: ignore[arg-type]
                    target = None
                    if staging:
                        target = staging.joinpath("files", *name.split("/"))
                        target.parent.mkdir(parents=True, exist_ok=True)
                    files[name] = _copy(handle, target)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a backup made by `backup create` (no manifest).")
    version = manifest.get("format_version")
    if version not in FILES_PREFIX:
        raise BackupError(
            f"This app reads backup formats {', '.join(map(str, FILES_PREFIX))}; the archive "
            f"has format {version}: it was made by a newer version of the app."
        )
    if versions - {version}:
        raise BackupError(
            f"The archive mixes file folders of several formats; a format {version} archive "
            f"keeps its files under {FILES_PREFIX[version]}."
        )
    return _normalised(manifest), files, database


def _archive_problems(manifest: dict, files: dict[str, str], database: str | None) -> list[str]:
    """Differences between what the archive holds and what its manifest promises, and files
    the database names that the backup could not find."""
    problems = []
    expected = manifest.get("database", {})
    if database is None:
        problems.append("the database file is missing from the archive")
    elif database != expected.get("sha256"):
        problems.append("the database file does not match its sha256 in the manifest")
    listed = manifest.get("files", {})
    for key in sorted(listed.keys() - files.keys()):
        problems.append(f"file {key} is missing from the archive")
    for key in sorted(files.keys() - listed.keys()):
        problems.append(f"file {key} is in the archive but not in the manifest")
    for key in sorted(listed.keys() & files.keys()):
        if listed[key] != files[key]:
            problems.append(f"file {key} does not match its sha256 in the manifest")
    for key in manifest.get("files_missing", []):
        problems.append(
            f"file {key} is named by a row in the database but was not in the store when the "
            "backup was made"
        )
    return problems


def verify_backup(path: Path | str) -> RestoreReport:
    """Check an archive against its manifest without restoring anything."""
    manifest, files, database = _read_archive(Path(path), None)
    report = RestoreReport(manifest=manifest, files=len(files))
    report.problems = _archive_problems(manifest, files, database)
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


def _sha256_stored(store: Storage, key: str) -> str | None:
    """The sha256 of a stored file, or None if there is none."""
    try:
        with store.open(key) as handle:
            return _copy(handle, None)
    except FileNotFoundError:
        return None


def _put_files(staging: Path, store: Storage, keys: list[str], force: bool) -> list[str]:
    """Put staged files into the store (a few at once); return keys that clashed: an existing
    file with other content, kept unless ``force``."""

    def put(key: str) -> str | None:
        source = staging.joinpath("files", *key.split("/"))
        if not force and store.exists(key):
            if _sha256_stored(store, key) == _sha256_file(source):
                return None  # already there, the same bytes
            return key
        with source.open("rb") as handle:
            store.put(key, handle)
        return None

    with ThreadPoolExecutor(_workers(store), thread_name_prefix="restore-put") as pool:
        return [key for key in pool.map(put, keys) if key is not None]


def _staging_dir(store: Storage) -> tempfile.TemporaryDirectory:
    """A scratch folder for the archive's files: beside a local store's folder (the same
    file system, so its free space is what counts), else in the system's temporary folder."""
    root = getattr(store, "root", None)
    if root is not None:
        try:
            root.parent.mkdir(parents=True, exist_ok=True)
            return tempfile.TemporaryDirectory(dir=root.parent, prefix=".restore-")
        except OSError:
            pass
    return tempfile.TemporaryDirectory(prefix="inspect-restore-")


def restore_backup(
    path: Path | str, *, force: bool = False, allow_damaged: bool = False
) -> RestoreReport:
    """Restore an archive into this (empty) instance and its store, and verify the result."""
    path = Path(path)
    kind = _kind()
    store = get_storage()
    if not force:
        in_use = {t: n for t, n in _target_rows().items() if n}
        if in_use:
            rows = ", ".join(f"{n} {t}" for t, n in sorted(in_use.items()))
            raise BackupError(
                f"The target database is not empty ({rows}). Restore into an empty instance, "
                "or pass --force to replace its data."
            )
    with _staging_dir(store) as tmp:
        staging = Path(tmp)
        manifest, files, database = _read_archive(path, staging)
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
        damage = _archive_problems(manifest, files, database)
        if damage and not allow_damaged:
            raise BackupError(
                "The archive is damaged; nothing was restored:\n  "
                + "\n  ".join(damage)
                + "\nPass --allow-damaged to restore what it holds anyway."
            )
        report.problems += damage
        if database is None:
            raise BackupError("The archive holds no database file; nothing was restored.")
        try:
            clashes = _put_files(staging, store, sorted(files), force)
        except StorageError as error:
            raise BackupError(f"{error}\nThe database was not restored.") from error
        if kind == "sqlite":
            _restore_sqlite(staging / "database")
        else:
            _restore_postgresql(staging / "database")
        report.problems += [
            f"file {key} already exists with different content; kept the existing file "
            "(--force replaces it)"
            for key in clashes
        ]
    report.files = len(files) - len(clashes)
    report.notes.append(f"files restored into the {store.describe()}")
    _verify_restored(report, store)
    _release_holds()
    if revision and heads and revision not in heads:
        report.notes.append(
            "The restored database is at an older migration: run "
            "`flask --app inspect_app db upgrade`."
        )
    if revision is None:
        report.notes.append("The archive records no migration revision (database not stamped).")
    return report


def _release_holds() -> None:
    """The backup's own deletion hold is in its snapshot; the restored instance must not wait
    for a backup that is not running there."""
    with db.engine.begin() as conn:
        if StorageHold.__tablename__ in sa.inspect(conn).get_table_names():
            conn.execute(sa.delete(StorageHold))
    db.engine.dispose()


def _verify_restored(report: RestoreReport, store: Storage) -> None:
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
    listed = sorted(manifest.get("files", {}).items())
    with ThreadPoolExecutor(_workers(store), thread_name_prefix="restore-check") as pool:
        digests = pool.map(lambda item: _sha256_stored(store, item[0]), listed)
        for (key, expected), digest in zip(listed, digests, strict=True):
            if digest is None:
                report.problems.append(f"file {key} is missing after the restore")
            elif digest != expected:
                report.problems.append(f"file {key} does not match its sha256 in the manifest")
    already_missing = set(manifest.get("files_missing", []))
    for key in sorted(referenced - manifest.get("files", {}).keys() - already_missing):
        report.problems.append(f"file {key} is referenced by the database but not restored")


# ---------------------------------------------------------------- CLI

backup_cli = AppGroup("backup", help="Back up and restore the database and stored files.")


def _echo_report(report: RestoreReport, what: str) -> None:
    manifest = report.manifest
    click.echo(
        f"{what}: backup of {manifest.get('created_at')} "
        f"({manifest['database']['kind']}, migration {manifest.get('alembic_revision')})"
    )
    if report.rows:
        click.echo(f"  {sum(report.rows.values())} rows in {len(report.rows)} tables")
    click.echo(f"  {report.files} stored files (photos)")
    for note in report.notes:
        click.echo(f"  note: {note}")
    if report.problems:
        click.echo(f"{len(report.problems)} problem(s):", err=True)
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1)
    if report.rows:
        click.echo("  verified: row counts and file hashes match the manifest")
    else:
        click.echo("  verified: the database file and file hashes match the manifest")


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def create_command(path: Path) -> None:
    """Write one archive: a consistent database snapshot, the files its rows name, a manifest.
    Exits 1 (the archive is still written) when rows name files the store does not have."""
    store = get_storage()
    manifest = create_backup(
        path, track=lambda keys: click.progressbar(keys, label="Files", file=sys.stderr)
    )
    rows = sum(manifest["row_counts"].values())
    click.echo(
        f"Wrote {path}: {manifest['database']['kind']} database "
        f"({rows} rows in {len(manifest['row_counts'])} tables, migration "
        f"{manifest['alembic_revision']}), {len(manifest['files'])} stored files from the "
        f"{store.describe()}"
    )
    missing = manifest["files_missing"]
    if missing:
        for key in missing:
            click.echo(f"error: file {key} is named by a row but is not in the store", err=True)
        click.echo(
            f"error: the archive is incomplete ({len(missing)} file(s) missing from the store): "
            "`backup verify` fails on it and `backup restore` needs --allow-damaged. Find out "
            "what removed the files (`storage check --files`).",
            err=True,
        )
        raise SystemExit(1)


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace data in a database that is not empty.")
@click.option(
    "--allow-damaged",
    is_flag=True,
    help="Restore even when the archive is damaged or incomplete (rows without their files).",
)
def restore_command(path: Path, force: bool, allow_damaged: bool) -> None:
    """Restore an archive into an empty instance and its file store (local folder or S3,
    whichever made the archive), then verify rows and file hashes."""
    report = restore_backup(path, force=force, allow_damaged=allow_damaged)
    _echo_report(report, f"Restored {path}")


@backup_cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_command(path: Path) -> None:
    """Check an archive against its manifest without restoring it; fails when the archive is
    damaged or rows in it name files it does not hold."""
    _echo_report(verify_backup(path), f"Checked {path}")
