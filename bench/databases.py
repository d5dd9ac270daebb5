"""The benchmark databases: built once per code version, copied fresh for every run.

1x is `demo load`; 100x is `demo load` plus `demo generate --factories 600 --months 18`
(see README.md for what that amounts to). A built database is kept in bench/data/ (SQLite) or
as a PostgreSQL database `bench_<scale>_base`, with a fingerprint of the code and data that
made it; each run works on a copy (a file copy, or CREATE DATABASE … TEMPLATE), so the drafts
and answers a run writes never leak into the next one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "bench" / "data"
FLASK = [sys.executable, "-m", "flask", "--app", "inspect_app"]
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")

#: scale name → `demo generate` arguments added on top of `demo load` (None: demo load only)
SCALES = {
    "1x": None,
    "100x": ("--factories", "600", "--months", "18", "--seed", "2026"),
}


@dataclass
class Database:
    """A database ready for one run: its URL, upload folder and how it was built."""

    kind: str  # sqlite | postgresql
    scale: str
    url: str
    upload_dir: Path
    build: dict

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.scale}"


#: What shapes the built data (other code changes do not need a rebuild; --rebuild forces one).
SHAPING = (
    "migrations/versions/*.py",
    "checklists/*.yaml",
    "inspect_app/*/models.py",
    "inspect_app/demo*.py",
    "inspect_app/factories/regions_data.py",
)


def fingerprint(scale: str) -> str:
    """A hash of the schema, checklists, demo and generator code, and the scale's arguments."""
    digest = hashlib.sha256(repr(SCALES[scale]).encode())
    for pattern in SHAPING:
        for path in sorted(REPO.glob(pattern)):
            digest.update(str(path.relative_to(REPO)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _flask(env: dict, *args: str, log) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [*FLASK, *args], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        log(result.stdout[-2000:] + result.stderr[-4000:])
        raise RuntimeError(f"flask {' '.join(args)} failed")
    return time.perf_counter() - started


def _environment(url: str, upload_dir: Path) -> dict:
    env = dict(os.environ)
    env.update(
        INSPECT_DATABASE_URL=url,
        INSPECT_UPLOAD_DIR=str(upload_dir),
        INSPECT_COOKIE_SECURE="0",
        SECRET_KEY="bench-secret-key",  # noqa: S106 - loopback benchmark only
    )
    env.pop("INSPECT_COUNT_SQL", None)
    return env


def _build(url: str, upload_dir: Path, scale: str, log) -> dict:
    """Migrate, load the demo, and generate the scale's extra data; return timings."""
    env = _environment(url, upload_dir)
    timings = {"migrate_s": round(_flask(env, "db", "upgrade", log=log), 1)}
    timings["demo_load_s"] = round(_flask(env, "demo", "load", log=log), 1)
    if SCALES[scale]:
        timings["generate_s"] = round(_flask(env, "demo", "generate", *SCALES[scale], log=log), 1)
        timings["generate_args"] = " ".join(SCALES[scale])
    return timings


def counts(url: str) -> dict[str, int]:
    """Rows in the tables that grow with the data."""
    tables = (
        "factories",
        "users",
        "inspections",
        "answers",
        "findings",
        "actions",
        "action_events",
        "photos",
        "kpi_records",
    )
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t: conn.scalar(sa.text(f"SELECT count(*) FROM {t}"))  # noqa: S608 - constants
                for t in tables
            }
    finally:
        engine.dispose()


# ---------------------------------------------------------------- SQLite


def sqlite_database(scale: str, *, rebuild: bool, log) -> Database:
    DATA.mkdir(parents=True, exist_ok=True)
    base = DATA / f"sqlite-{scale}.db"
    meta = DATA / f"sqlite-{scale}.json"
    uploads = DATA / f"uploads-sqlite-{scale}"
    stamp = fingerprint(scale)
    info = json.loads(meta.read_text()) if meta.exists() else {}
    if rebuild or info.get("fingerprint") != stamp or not base.exists():
        log(f"building SQLite {scale} (fingerprint {stamp}) …")
        for path in (base, Path(f"{base}-wal"), Path(f"{base}-shm"), meta):
            path.unlink(missing_ok=True)
        shutil.rmtree(uploads, ignore_errors=True)
        timings = _build(f"sqlite:///{base}", uploads, scale, log)
        info = {"fingerprint": stamp, **timings, "rows": counts(f"sqlite:///{base}")}
        meta.write_text(json.dumps(info, indent=2))
    else:
        log(f"reusing SQLite {scale} (fingerprint {stamp})")
    run = DATA / f"run-sqlite-{scale}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{run}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(base, run)
    return Database("sqlite", scale, f"sqlite:///{run}", uploads, info)


# ---------------------------------------------------------------- PostgreSQL


def _admin_engine() -> sa.Engine:
    return sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")


def postgres_available() -> bool:
    try:
        engine = _admin_engine()
        with engine.connect() as conn:
            conn.scalar(sa.text("SELECT 1"))
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


def _exists(conn: sa.Connection, name: str) -> bool:
    return bool(conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}))


def _drop(conn: sa.Connection, name: str) -> None:
    assert name.startswith("bench_"), name  # never anything but our own databases
    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def postgres_database(scale: str, *, rebuild: bool, log) -> Database:
    DATA.mkdir(parents=True, exist_ok=True)
    base = f"bench_{scale}_base"
    run = f"bench_{scale}_run"
    meta = DATA / f"postgresql-{scale}.json"
    uploads = DATA / f"uploads-postgresql-{scale}"
    stamp = fingerprint(scale)
    info = json.loads(meta.read_text()) if meta.exists() else {}
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            if rebuild or info.get("fingerprint") != stamp or not _exists(conn, base):
                log(f"building PostgreSQL {scale} (fingerprint {stamp}) …")
                meta.unlink(missing_ok=True)
                _drop(conn, base)
                conn.execute(sa.text(f'CREATE DATABASE "{base}"'))
                shutil.rmtree(uploads, ignore_errors=True)
                url = f"{PG_SERVER}/{base}"
                timings = _build(url, uploads, scale, log)
                info = {"fingerprint": stamp, **timings, "rows": counts(url)}
                meta.write_text(json.dumps(info, indent=2))
            else:
                log(f"reusing PostgreSQL {scale} (fingerprint {stamp})")
            _drop(conn, run)
            conn.execute(sa.text(f'CREATE DATABASE "{run}" TEMPLATE "{base}"'))
    finally:
        engine.dispose()
    return Database("postgresql", scale, f"{PG_SERVER}/{run}", uploads, info)


def drop_run_database(db: Database) -> None:
    if db.kind != "postgresql":
        return
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            _drop(conn, db.url.rsplit("/", 1)[1])
    finally:
        engine.dispose()


def server_environment(db: Database) -> dict:
    """The environment gunicorn runs the app with: counting statements, plain HTTP."""
    env = _environment(db.url, db.upload_dir)
    env["INSPECT_COUNT_SQL"] = "1"
    return env
