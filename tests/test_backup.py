"""Backup and restore: one archive brings back every record and every photo, byte for byte.

An inspector's evidence must survive a lost server: `backup create` writes one archive while
the app keeps serving, and `backup restore` into a fresh instance gives back the same rows and
the same photo files. It refuses to overwrite an instance in use, and it tells when an archive
was tampered with.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import tarfile
import threading
import time
import uuid
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from conftest import base_config
from photo_files import jpeg_with_gps
from support import PG_URL, stored_files

from inspect_app import backup, create_app, storage
from inspect_app.extensions import db

pytestmark = pytest.mark.slow

if PG_URL and shutil.which("pg_dump") is None:  # pragma: no cover - depends on the machine
    pytest.skip(
        "pg_dump/pg_restore are not installed (Debian: postgresql-client); PostgreSQL backups "
        "need them",
        allow_module_level=True,
    )


# ---------------------------------------------------------------- helpers


def table_digests(app) -> dict[str, tuple[int, str]]:
    """table → (row count, sha256 of its rows as canonical JSON ordered by primary key)."""
    out = {}
    with app.app_context(), db.engine.connect() as conn:
        inspector = sa.inspect(conn)
        for name in sorted(inspector.get_table_names()):
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(sa.select(table).order_by(*order)).mappings().all()
            canonical = json.dumps([dict(r) for r in rows], sort_keys=True, default=str)
            out[name] = (len(rows), hashlib.sha256(canonical.encode()).hexdigest())
    with app.app_context():
        db.engine.dispose()
    return out


def file_digests(folder: Path) -> dict[str, str]:
    """Relative path → sha256 of every file under ``folder``."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def rewrite_archive(source: Path, target: Path, change) -> None:
    """Copy an archive member by member; ``change(name, data)`` returns new bytes (or None)."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old:
            data = old.extractfile(member).read() if member.isfile() else b""
            changed = change(member.name, data)
            if changed is not None:
                data = changed
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))


@pytest.fixture
def fresh_instance(tmp_path):
    """Builder: an app on a brand-new, empty database and upload folder (the restore target)."""
    created: list[tuple[object, str | None]] = []
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT") if PG_URL else None

    def make(name: str = "restored", storage: dict | None = None):
        folder = tmp_path / name
        folder.mkdir()
        database = None
        if PG_URL:
            database = f"restore_{uuid.uuid4().hex[:12]}"
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
            url = sa.engine.make_url(PG_URL).set(database=database)
            url = url.render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{folder / 'inspect.db'}"
        app = create_app({**base_config(url, folder), **(storage or {})})
        created.append((app, database))
        return app

    yield make
    for app, database in created:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if database:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    if admin is not None:
        admin.dispose()


@pytest.fixture
def stamped(app):
    """The source database marked as at the newest migration (as `db upgrade` leaves it)."""
    with app.app_context():
        flask_migrate.stamp()
        db.session.remove()
    yield
    if PG_URL:  # the PostgreSQL test database is shared by the session: leave no trace
        with app.app_context():
            db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()


@pytest.fixture
def evidence(app, client, login_as, checklists_loaded, world, stamped):
    """An inspector's work through the API: an inspection, answers, a finding and two photos."""
    from inspect_app.actions.models import Action

    login_as("inspector")
    response = client.post(
        "/api/v1/inspections",
        json={"factory_id": world.a.id, "checklist": "machine-guarding", "kind": "score_visit"},
    )
    assert response.status_code == 201, response.json
    inspection = response.json
    items = [
        item["id"]
        for section in client.get("/api/v1/checklists/machine-guarding").json["sections"]
        for item in section["items"]
    ]
    answered = []
    for item_id in items[:6]:
        for value in ("yes", "compliant", "no"):
            put = client.put(
                f"/api/v1/inspections/{inspection['id']}/answers/{item_id}",
                json={"value": value, "note": f"备注 {item_id}"},
            )
            if put.status_code == 200:
                answered.append(item_id)
                break
    assert answered
    finding = client.post(
        f"/api/v1/inspections/{inspection['id']}/findings",
        json={"title": "皮带轮无防护罩", "likelihood": 4, "severity": 4, "client_id": "f-1"},
    ).json
    photos = []
    for n in range(2):
        response = client.post(
            f"/api/v1/findings/{finding['id']}/photos",
            data={"photo": (io.BytesIO(jpeg_with_gps()), f"p{n}.jpg"), "client_id": f"p-{n}"},
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, response.json
        photos.append(response.json)
    with app.app_context():
        db.session.add(Action(factory_id=world.a.id, finding_id=finding["id"], title="加装防护罩"))
        db.session.commit()
    return {"inspection": inspection, "finding": finding, "photos": photos, "items": answered}


# ---------------------------------------------------------------- the round trip


def test_restore_into_a_fresh_instance_brings_back_every_row_and_photo(
    app, evidence, fresh_instance, tmp_path, login
):
    archive = tmp_path / "backup.tar.gz"
    result = cli(app, "backup", "create", str(archive))
    assert result.exit_code == 0, result.output
    assert "2 stored files" not in result.output  # every photo has a web and a thumb file
    assert "4 stored files" in result.output

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["format_version"] == 2
    assert manifest["alembic_revision"]
    assert manifest["database"]["kind"] == ("postgresql" if PG_URL else "sqlite")
    assert manifest["row_counts"]["photos"] == 2
    assert manifest["files"] == file_digests(Path(app.config["UPLOAD_DIR"]))
    assert manifest["files_missing"] == []

    target = fresh_instance()
    result = cli(target, "backup", "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "verified" in result.output

    assert table_digests(target) == table_digests(app)
    assert file_digests(Path(target.config["UPLOAD_DIR"])) == file_digests(
        Path(app.config["UPLOAD_DIR"])
    )

    # The restored instance works: the inspector signs in, sees the photo, and can add more.
    client = target.test_client()
    from support import PASSWORD

    with app.app_context():
        from inspect_app.accounts.models import User

        username = db.session.scalar(
            sa.select(User.username).where(User.role == "inspector").order_by(User.id).limit(1)
        )
    login(username, PASSWORD, c=client)
    photo = evidence["photos"][0]
    served = client.get(photo["url"])
    assert served.status_code == 200
    original = app.test_client()
    login(username, PASSWORD, c=original)
    assert served.data == original.get(photo["url"]).data
    added = client.post(
        f"/api/v1/inspections/{evidence['inspection']['id']}/findings",
        json={"title": "Restored and still writable"},
    )
    assert added.status_code == 201, added.json  # sequences came back too


def test_backup_while_answers_are_being_saved_is_one_consistent_moment(
    app, evidence, fresh_instance, tmp_path
):
    """A writer keeps saving answers, each with the next number in its note, round-robin over
    the items. A consistent snapshot holds the last N saves: N consecutive numbers."""
    inspection_id = evidence["inspection"]["id"]
    items = evidence["items"]
    writer = app.test_client()
    writer.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with app.app_context():
        from inspect_app.accounts.models import User

        username = db.session.scalar(
            sa.select(User.username).where(User.role == "inspector").order_by(User.id).limit(1)
        )
    from support import PASSWORD

    assert writer.post("/login", data={"username": username, "password": PASSWORD}).status_code
    stop = threading.Event()
    statuses: list[int] = []
    errors: list[BaseException] = []
    saved = threading.Event()

    def keep_writing():
        seq = 0
        try:
            while not stop.is_set():
                seq += 1
                item_id = items[seq % len(items)]
                current = writer.get(f"/api/v1/inspections/{inspection_id}").json
                value = current["answers"][item_id]["value"]
                response = writer.put(
                    f"/api/v1/inspections/{inspection_id}/answers/{item_id}",
                    json={"value": value, "note": str(seq)},
                )
                statuses.append(response.status_code)
                if seq >= len(items):
                    saved.set()
        except BaseException as error:  # noqa: BLE001 - asserted below
            errors.append(error)
            saved.set()

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        assert saved.wait(60)
        archive = tmp_path / "during.tar.gz"
        progress = []

        @contextlib.contextmanager
        def meanwhile(files):
            # The snapshot is taken; the app must keep saving while the photos are archived.
            progress.append(len(statuses))
            deadline = time.monotonic() + 30
            while len(statuses) < progress[0] + 3 and time.monotonic() < deadline:
                time.sleep(0.01)
            progress.append(len(statuses))
            yield files

        with app.app_context():
            backup.create_backup(archive, track=meanwhile)
        writes_during = len(statuses)
    finally:
        stop.set()
        thread.join(60)
    assert progress[1] >= progress[0] + 3, "the writer stalled while the backup ran"
    assert not errors
    assert set(statuses) == {200}

    target = fresh_instance()
    assert cli(target, "backup", "restore", str(archive)).exit_code == 0
    with target.app_context():
        from inspect_app.inspections.models import Answer

        notes = sorted(
            int(a.note)
            for a in db.session.scalars(
                sa.select(Answer).where(Answer.inspection_id == inspection_id)
            )
        )
        db.session.remove()
    assert len(notes) == len(items)
    assert notes == list(range(notes[-1] - len(items) + 1, notes[-1] + 1)), notes
    assert notes[-1] <= writes_during + 1


# ---------------------------------------------------------------- refusals


def test_restore_refuses_an_instance_that_has_data(app, evidence, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    assert cli(app, "backup", "create", str(archive)).exit_code == 0
    before = table_digests(app)

    result = cli(app, "backup", "restore", str(archive))

    assert result.exit_code == 1
    assert "not empty" in result.output
    assert "--force" in result.output
    assert table_digests(app) == before


def test_a_tampered_photo_is_reported_and_nothing_is_restored(
    app, evidence, fresh_instance, tmp_path
):
    archive = tmp_path / "backup.tar.gz"
    assert cli(app, "backup", "create", str(archive)).exit_code == 0
    tampered = tmp_path / "tampered.tar.gz"
    changed = []

    def flip_one_photo(name, data):
        if name.startswith("files/") and not changed:
            changed.append(name.removeprefix("files/"))
            return data[:-10] + b"0123456789"
        return None

    rewrite_archive(archive, tampered, flip_one_photo)

    checked = cli(app, "backup", "verify", str(tampered))
    assert checked.exit_code == 1
    assert f"file {changed[0]} does not match its sha256" in checked.output
    assert cli(app, "backup", "verify", str(archive)).exit_code == 0

    target = fresh_instance()
    result = cli(target, "backup", "restore", str(tampered))
    assert result.exit_code == 1
    assert changed[0] in result.output
    assert "nothing was restored" in result.output
    assert file_digests(Path(target.config["UPLOAD_DIR"])) == {}
    with target.app_context():
        assert "users" not in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()

    # An operator who accepts the damage restores the rest; the report still names the file.
    result = cli(target, "backup", "restore", "--allow-damaged", str(tampered))
    assert result.exit_code == 1
    assert f"file {changed[0]} does not match its sha256" in result.output
    assert table_digests(target) == table_digests(app)


def test_an_archive_from_newer_code_is_refused(app, evidence, fresh_instance, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    assert cli(app, "backup", "create", str(archive)).exit_code == 0
    newer = tmp_path / "newer.tar.gz"

    def future_revision(name, data):
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["alembic_revision"] = "9999"
            return json.dumps(manifest).encode()
        return None

    rewrite_archive(archive, newer, future_revision)

    result = cli(fresh_instance(), "backup", "restore", str(newer))
    assert result.exit_code == 1
    assert "9999" in result.output
    assert "newer version" in result.output


@pytest.mark.parametrize(
    "name", ["../escaped.jpg", "/tmp/absolute.jpg", "photos/../../x.jpg", "files/../../x.jpg"]
)
def test_an_archive_with_a_path_outside_its_folders_is_refused(app, fresh_instance, tmp_path, name):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo(name)
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    target = fresh_instance()

    result = cli(target, "backup", "restore", str(archive))

    assert result.exit_code == 1
    assert "unsafe path" in result.output or "unexpected file" in result.output
    assert not (tmp_path / "escaped.jpg").exists()
    assert not list(tmp_path.rglob("x.jpg"))


def test_an_archive_with_a_link_is_refused(fresh_instance, tmp_path):
    archive = tmp_path / "link.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("files/photos/ab/cd/abcdefgh.jpg")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tar.addfile(info)

    result = cli(fresh_instance(), "backup", "restore", str(archive))

    assert result.exit_code == 1
    assert "something other than a file" in result.output


# ---------------------------------------------------------------- stored files and backends


def signed_in(app, role: str = "inspector"):
    """A client of ``app`` signed in as its first user of ``role``."""
    from support import PASSWORD

    from inspect_app.accounts.models import User

    with app.app_context():
        username = db.session.scalar(
            sa.select(User.username).where(User.role == role).order_by(User.id).limit(1)
        )
        db.session.remove()
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def add_photos(client, finding_id: int, count: int) -> list[dict]:
    photos = []
    for n in range(count):
        response = client.post(
            f"/api/v1/findings/{finding_id}/photos",
            data={"photo": (io.BytesIO(jpeg_with_gps(size=(64 + n, 48))), f"x{n}.jpg")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, response.json
        photos.append(response.json)
    return photos


@pytest.mark.parametrize(
    ("storage_backend", "target_backend"),
    [("local", "s3"), ("s3", "local")],
    ids=["local-to-s3", "s3-to-local"],
)
def test_a_backup_restores_into_the_other_backend(
    app, evidence, fresh_instance, tmp_path, storage_backend, target_backend, s3_buckets
):
    """Moving from one machine's folder to an object store (or back) is a backup and a
    restore: every photo arrives byte for byte and is served by the new instance."""
    archive = tmp_path / "backup.tar.gz"
    result = cli(app, "backup", "create", str(archive))
    assert result.exit_code == 0, result.output
    source_files = stored_files(app)
    assert len(source_files) == 4

    target = fresh_instance(storage=s3_buckets() if target_backend == "s3" else {})
    result = cli(target, "backup", "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "verified" in result.output
    with target.app_context():
        assert storage.get_storage().kind == target_backend
    assert stored_files(target) == source_files
    assert table_digests(target) == table_digests(app)
    restored = signed_in(target)
    for photo in evidence["photos"]:
        served = restored.get(photo["url"])
        assert served.status_code == 200
        key = next(k for k, v in source_files.items() if v == served.data)
        assert key.startswith("photos/")


@pytest.mark.parametrize("storage_backend", ["local", "s3"])
def test_photos_deleted_while_a_backup_reads_files_are_kept_until_it_is_done(
    app, evidence, fresh_instance, tmp_path
):
    """The backup's snapshot still has the rows, so the archive must hold their files: a
    deletion committed meanwhile waits for the backup, then deletes the files."""
    deleter = signed_in(app)
    extra = add_photos(deleter, evidence["finding"]["id"], 3)
    doomed = [*evidence["photos"], *extra]
    keys_before = set(stored_files(app))
    deleted: list[int] = []

    @contextlib.contextmanager
    def delete_meanwhile(keys):
        assert set(keys) == keys_before  # exactly the files the snapshot's rows name
        for photo in doomed:  # the snapshot is taken; every photo goes before a file is read
            assert deleter.delete(f"/api/v1/photos/{photo['id']}").status_code == 204
            deleted.append(photo["id"])
        assert set(stored_files(app)) == keys_before  # held: nothing deleted yet
        yield keys

    archive = tmp_path / "during.tar.gz"
    with app.app_context():
        manifest = backup.create_backup(archive, track=delete_meanwhile)
    assert len(deleted) == len(doomed)
    assert manifest["files_missing"] == []
    assert set(manifest["files"]) == keys_before
    assert stored_files(app) == {}  # the hold is released: the deletions caught up
    assert cli(app, "backup", "verify", str(archive)).exit_code == 0

    target = fresh_instance()
    result = cli(target, "backup", "restore", str(archive))
    assert result.exit_code == 0, result.output
    restored = signed_in(target)
    for photo in doomed:  # the moment the backup describes: every photo there, with its file
        assert restored.get(photo["url"]).status_code == 200


@pytest.mark.parametrize("storage_backend", ["local", "s3"])
def test_a_backup_taken_while_photos_are_being_deleted_is_always_whole(
    app, evidence, tmp_path, fresh_instance
):
    """No coordination with the test: a user deletes photos one by one while the backup runs.
    Whatever moment the snapshot catches, every row in it has its file in the archive."""
    deleter = signed_in(app)
    photos = [*evidence["photos"], *add_photos(deleter, evidence["finding"]["id"], 10)]
    started = threading.Event()
    statuses: list[int] = []

    def delete_all():
        started.wait(30)
        for photo in photos:
            statuses.append(deleter.delete(f"/api/v1/photos/{photo['id']}").status_code)

    @contextlib.contextmanager
    def reading(keys):
        started.set()
        yield keys

    thread = threading.Thread(target=delete_all)
    thread.start()
    archive = tmp_path / "racing.tar.gz"
    try:
        with app.app_context():
            manifest = backup.create_backup(archive, track=reading)
    finally:
        started.set()
        thread.join(60)
    assert statuses == [204] * len(photos)
    assert manifest["files_missing"] == []
    assert cli(app, "backup", "verify", str(archive)).exit_code == 0
    assert stored_files(app) == {}
    target = fresh_instance()
    assert cli(target, "backup", "restore", str(archive)).exit_code == 0
    with target.app_context():
        rows = db.session.scalar(sa.text("SELECT count(*) FROM photos"))
        db.session.remove()
    assert len(stored_files(target)) == 2 * rows


@pytest.mark.parametrize("storage_backend", ["local", "s3"])
def test_a_row_without_its_file_fails_verify_and_restore_needs_allow_damaged(
    app, evidence, fresh_instance, tmp_path
):
    photo = evidence["photos"][0]
    with app.app_context():
        from inspect_app.photos.models import Photo

        lost = db.session.get(Photo, photo["id"]).web_key
        storage.get_storage().delete(lost)  # lost outside the app (a disk, an operator)
        db.session.remove()
    archive = tmp_path / "backup.tar.gz"

    created = cli(app, "backup", "create", str(archive))
    assert created.exit_code == 1
    assert f"file {lost} is named by a row but is not in the store" in created.output
    assert "the archive is incomplete" in created.output
    assert archive.exists()  # still the best copy there is

    checked = cli(app, "backup", "verify", str(archive))
    assert checked.exit_code == 1
    assert f"file {lost} is named by a row in the database but was not in the store" in (
        checked.output
    )

    target = fresh_instance()
    refused = cli(target, "backup", "restore", str(archive))
    assert refused.exit_code == 1
    assert "nothing was restored" in refused.output and "--allow-damaged" in refused.output
    assert stored_files(target) == {}
    with target.app_context():
        assert "users" not in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()

    damaged = cli(target, "backup", "restore", "--allow-damaged", str(archive))
    assert damaged.exit_code == 1  # restored, and the report still names the lost file
    assert lost in damaged.output
    assert table_digests(target) == table_digests(app)
    restored = signed_in(target)
    assert restored.get(photo["url"]).status_code == 404
    assert restored.get(evidence["photos"][1]["url"]).status_code == 200


def test_an_archive_of_format_1_is_still_restored(app, evidence, fresh_instance, tmp_path):
    """Archives made before object storage kept photos under photos/ and said so in the
    manifest; they restore as they always did."""
    archive = tmp_path / "backup.tar.gz"
    assert cli(app, "backup", "create", str(archive)).exit_code == 0
    old = tmp_path / "format1.tar.gz"
    with tarfile.open(archive, "r:gz") as new, tarfile.open(old, "w:gz") as out:
        for member in new:
            data = new.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest.update(
                    format_version=1,
                    photos=manifest.pop("files"),
                    photos_missing=manifest.pop("files_missing"),
                    files_skipped=[],
                )
                data = json.dumps(manifest).encode()
            member.name = member.name.replace("files/", "photos/", 1)
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))

    assert cli(app, "backup", "verify", str(old)).exit_code == 0
    target = fresh_instance()
    result = cli(target, "backup", "restore", str(old))
    assert result.exit_code == 0, result.output
    assert stored_files(target) == stored_files(app)
