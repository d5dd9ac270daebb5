"""A photo's files through the app on both backends (local folder, S3-compatible server): stored
on upload, served only after the access check and only to the user's own browser, deleted only
once the row's deletion has committed and no backup is reading."""

from __future__ import annotations

import io
import socket
import urllib.request

import pytest
import sqlalchemy as sa
from photo_files import jpeg_with_gps
from support import stored_files

from inspect_app import storage
from inspect_app.extensions import db, utcnow
from inspect_app.photos import services as photo_services
from inspect_app.photos.models import Photo
from inspect_app.storage.models import StorageDeletion, StorageHold

both_backends = pytest.mark.parametrize("storage_backend", ["local", "s3"])


@pytest.fixture
def finding(client, login_as, make_inspection):
    inspection_id = make_inspection()
    login_as("inspector")
    response = client.post(
        f"/api/v1/inspections/{inspection_id}/findings", json={"title": "Unguarded belt"}
    )
    assert response.status_code == 201, response.json
    return response.json


def upload(client, finding_id: int, client_id: str = "") -> dict:
    response = client.post(
        f"/api/v1/findings/{finding_id}/photos",
        data={"photo": (io.BytesIO(jpeg_with_gps()), "IMG_0001.JPG"), "client_id": client_id},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    return response.json


def keys_of(app, photo_id: int) -> tuple[str, str]:
    with app.app_context():
        photo = db.session.get(Photo, photo_id)
        return photo.web_key, photo.thumb_key


@both_backends
def test_an_uploaded_photo_is_stored_and_served_privately(app, client, finding, world, login):
    photo = upload(client, finding["id"])
    web_key, thumb_key = keys_of(app, photo["id"])
    assert web_key.startswith("photos/") and thumb_key.startswith("photos/")
    files = stored_files(app)
    assert set(files) == {web_key, thumb_key}
    assert b"GPS" not in files[web_key]

    served = client.get(photo["url"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.data == files[web_key]
    assert served.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert served.headers["Content-Length"] == str(len(files[web_key]))
    assert served.headers["Content-Disposition"].startswith("inline")
    etag = served.headers["ETag"]
    assert client.get(photo["thumb_url"]).data == files[thumb_key]

    # A revalidation is answered from the key alone: not a byte is read from the store.
    with app.app_context():
        store = storage.get_storage()
    opened = []
    original_open = store.open
    store.open = lambda key: opened.append(key) or original_open(key)
    again = client.get(photo["url"], headers={"If-None-Match": etag})
    assert again.status_code == 304 and opened == []
    assert again.headers["Cache-Control"].startswith("private")

    outsider = login(world.users["committee_b"].username, c=app.test_client())
    assert outsider.get(photo["url"]).status_code == 404
    assert outsider.get(photo["url"], headers={"If-None-Match": etag}).status_code == 404
    assert app.test_client().get(photo["url"]).status_code in {302, 401}


@both_backends
def test_a_deleted_photos_files_go_once_the_deletion_commits(app, client, finding):
    photo = upload(client, finding["id"])
    kept = upload(client, finding["id"])
    keys = keys_of(app, photo["id"])

    assert client.delete(f"/api/v1/photos/{photo['id']}").status_code == 204

    assert set(stored_files(app)) == set(keys_of(app, kept["id"]))
    assert client.get(photo["url"]).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StorageDeletion)) == 0
        assert not any(storage.get_storage().exists(key) for key in keys)


@both_backends
def test_a_deletion_that_rolls_back_keeps_the_files(app, client, finding):
    photo = upload(client, finding["id"])
    keys = keys_of(app, photo["id"])
    with app.app_context():
        photo_services.remove_photo(db.session.get(Photo, photo["id"]))
        db.session.rollback()
        # Later work in the same session commits: the rolled-back deletion must stay undone.
        db.session.get(Photo, photo["id"]).caption = "kept"
        db.session.commit()
    assert set(keys) <= set(stored_files(app))
    assert client.get(photo["url"]).status_code == 200


@both_backends
def test_a_hold_defers_deletion_until_it_ends(app, client, finding, runner):
    photo = upload(client, finding["id"])
    keys = keys_of(app, photo["id"])
    with app.app_context(), storage.deletions_held("a backup reading files"):
        assert client.delete(f"/api/v1/photos/{photo['id']}").status_code == 204
        assert client.get(photo["url"]).status_code == 404  # the row is gone at once
        assert set(keys) <= set(stored_files(app))  # its files wait for the hold
        result = runner.invoke(args=["storage", "purge"])
        assert "2 file(s) wait: a backup is reading files" in result.output
        assert set(keys) <= set(stored_files(app))
    assert not set(keys) & set(stored_files(app))  # released: deleted
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StorageHold)) == 0


@both_backends
def test_an_expired_hold_no_longer_defers_and_purge_catches_up(app, client, finding, runner):
    """A backup that died lets go when its hold expires; `storage purge` deletes what waited."""
    from datetime import timedelta

    photo = upload(client, finding["id"])
    keys = keys_of(app, photo["id"])
    with app.app_context():
        db.session.add(
            StorageHold(reason="a crashed backup", expires_at=utcnow() + timedelta(hours=1))
        )
        db.session.commit()
    assert client.delete(f"/api/v1/photos/{photo['id']}").status_code == 204
    assert set(keys) <= set(stored_files(app))
    with app.app_context():
        db.session.execute(sa.update(StorageHold).values(expires_at=utcnow() - timedelta(1)))
        db.session.commit()
    result = runner.invoke(args=["storage", "purge"])
    assert result.exit_code == 0 and "Deleted 2 file(s)" in result.output
    assert not set(keys) & set(stored_files(app))


@both_backends
def test_storage_check_probes_the_store_and_finds_missing_files(app, client, finding, runner):
    photo = upload(client, finding["id"])
    result = runner.invoke(args=["storage", "check", "--files"])
    assert result.exit_code == 0, result.output
    assert "write, read, list and delete: ok" in result.output
    assert "2 files named by rows, 2 stored, 0 unreferenced" in result.output
    web_key, _thumb = keys_of(app, photo["id"])
    with app.app_context():
        storage.get_storage().delete(web_key)  # lost outside the app
    result = runner.invoke(args=["storage", "check", "--files"])
    assert result.exit_code == 1
    assert f"missing: {web_key}" in result.output


@both_backends
def test_signed_urls_are_issued_only_after_the_access_check(
    app, client, finding, world, login, storage_backend
):
    app.config["STORAGE_SERVE"] = "redirect"
    photo = upload(client, finding["id"])
    web_key, _thumb = keys_of(app, photo["id"])
    served = client.get(photo["url"])
    if storage_backend == "local":  # a folder has no URLs of its own: streamed as before
        assert served.status_code == 200 and served.data == stored_files(app)[web_key]
        return
    assert served.status_code == 302
    assert served.headers["Cache-Control"] == "private, max-age=150"
    location = served.headers["Location"]
    assert "X-Amz-Signature=" in location and "X-Amz-Expires=300" in location
    with urllib.request.urlopen(location, timeout=10) as response:  # noqa: S310 - loopback
        assert response.read() == stored_files(app)[web_key]
    outsider = login(world.users["committee_b"].username, c=app.test_client())
    assert outsider.get(photo["url"]).status_code == 404


@pytest.mark.parametrize("storage_backend", ["s3"])  # a local folder is not reached over a network
def test_an_unreachable_store_is_a_503_to_retry_and_nothing_is_kept(app, client, finding):
    photo = upload(client, finding["id"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = app.extensions["storage"]
    store.endpoint_url = f"http://127.0.0.1:{port}"
    store._timeouts = (1, 1, 1)
    store._clients.clear()

    served = client.get(photo["url"])
    assert served.status_code == 503 and served.headers["Retry-After"] == "30"
    response = client.post(
        f"/api/v1/findings/{finding['id']}/photos",
        data={"photo": (io.BytesIO(jpeg_with_gps()), "IMG_0002.JPG"), "client_id": "p-down"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 503
    assert response.json["error"]["code"] == "storage_unavailable"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 1
