"""The file store, on both backends: a local folder and an S3-compatible server (moto's server
mode on loopback, or INSPECT_TEST_S3_ENDPOINT_URL). Random sharded keys in namespaces, whole
writes, streams, listing for backups, no way out of the root, signed URLs only from S3."""

from __future__ import annotations

import io
import re
import urllib.request
from pathlib import Path

import pytest

from inspect_app import storage
from inspect_app.storage import StorageConfigError, StorageError, from_config
from inspect_app.storage import local as local_module
from inspect_app.storage.local import LocalStorage
from inspect_app.storage.s3 import S3Storage


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path: Path) -> storage.Storage:
    if request.param == "s3":
        return from_config(request.getfixturevalue("s3_bucket"))
    return LocalStorage(tmp_path / "uploads")


def test_a_stored_file_reads_back_byte_for_byte(store) -> None:
    key = store.add(b"\xff\xd8 photo bytes", namespace="photos", suffix=".jpg")
    assert store.exists(key)
    assert store.size(key) == 14
    assert store.read(key) == b"\xff\xd8 photo bytes"
    with store.open(key) as handle:
        assert handle.read(4) == b"\xff\xd8 p"
        assert handle.read() == b"hoto bytes"


def test_a_stream_is_stored_whole_and_read_back_in_chunks(store) -> None:
    data = bytes(range(256)) * 12_289  # a little over 3 MB, not a multiple of any chunk size
    key = storage.new_key("documents", ".pdf")
    store.put(key, io.BytesIO(data))
    assert store.size(key) == len(data)
    with store.open(key) as handle:
        chunks = iter(lambda: handle.read(1 << 16), b"")
        assert b"".join(chunks) == data


def test_putting_under_an_existing_key_replaces_the_file(store) -> None:
    key = storage.new_key("documents", ".pdf")
    store.put(key, b"first")
    store.put(key, b"second version")
    assert store.read(key) == b"second version"


def test_keys_are_random_sharded_namespaced_and_keep_the_suffix(store) -> None:
    keys = {store.add(b"x", namespace="photos", suffix=".jpg") for _ in range(20)}
    assert len(keys) == 20
    for key in keys:
        assert re.fullmatch(r"photos/[\w-]{2}/[\w-]{2}/[\w-]{32}\.jpg", key, re.ASCII), key
        _namespace, shard1, shard2, name = key.split("/")
        assert name.startswith(shard1 + shard2)
    assert store.add(b"x", namespace="documents", suffix=".PDF").endswith(".pdf")


@pytest.mark.parametrize(
    "suffix", ["jpg", ".", "/x.jpg", ".j/pg", "..", ".jpg\n", ".toolongsuffix"]
)
def test_bad_suffixes_are_refused(store, suffix: str) -> None:
    with pytest.raises(ValueError, match="suffix"):
        store.add(b"x", namespace="photos", suffix=suffix)


@pytest.mark.parametrize("namespace", ["", "ab", "../x", "Photos", "a/b", "photos/"])
def test_bad_namespaces_are_refused(store, namespace: str) -> None:
    """A namespace is a word of three or more letters: never taken for a two-letter shard."""
    with pytest.raises(ValueError, match="namespace"):
        store.add(b"x", namespace=namespace, suffix=".jpg")


@pytest.mark.parametrize(
    "key",
    [
        "../secret.jpg",
        "ab/../../etc/passwd",
        "ab/cd/..",
        "/etc/passwd",
        "//server/share.jpg",
        "ab\\cd\\x.jpg",
        "..\\x.jpg",
        "C:/x.jpg",
        "ab/./x.jpg",
        "ab//x.jpg",
        "x.jpg\x00.png",
        "x.jpg\n",
        "",
        ".hidden",
        "ab/cd/.tmp-x.part",
        "photos/" + "a" * 200 + ".jpg",
    ],
)
def test_keys_that_could_escape_are_refused(store, key: str) -> None:
    calls = [store.open, store.exists, store.delete, store.size, store.read]
    calls.append(lambda k: store.put(k, b"x"))
    if isinstance(store, LocalStorage):
        calls.append(store.path)
    for call in calls:
        with pytest.raises(ValueError, match="storage key"):
            call(key)


def test_delete_is_idempotent_and_a_deleted_file_is_missing(store) -> None:
    key = store.add(b"x", namespace="photos", suffix=".jpg")
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)
    with pytest.raises(FileNotFoundError):
        store.open(key)
    with pytest.raises(FileNotFoundError):
        store.size(key)


def test_a_key_never_stored_does_not_exist(store) -> None:
    assert not store.exists("photos/ab/cd/abcdefgh.jpg")
    with pytest.raises(FileNotFoundError):
        store.read("ab/cd/abcdefgh.jpg")


def test_keys_lists_every_file_of_a_namespace_in_order(store) -> None:
    photos = sorted(store.add(b"p", namespace="photos", suffix=".jpg") for _ in range(5))
    documents = [store.add(b"d", namespace="documents", suffix=".pdf") for _ in range(2)]
    legacy = "Ab/cd/Abcd-made-before-namespaces.jpg"  # photos stored before namespaces
    store.put(legacy, b"old")
    assert list(store.keys("photos/")) == photos
    assert sorted(store.keys("documents/")) == sorted(documents)
    assert list(store.keys()) == sorted([*photos, *documents, legacy])
    assert list(store.keys("nothing/")) == []
    for prefix in ("photos", "../", "/photos/"):
        with pytest.raises(ValueError, match="prefix"):
            list(store.keys(prefix))


def test_both_backends_satisfy_the_interface(store) -> None:
    assert isinstance(store, storage.Storage)
    assert store.kind in {"local", "s3"}
    assert "secret" not in store.describe()


# ---------------------------------------------------------------- local folder


@pytest.fixture
def local(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "uploads")


def test_local_files_live_under_the_root_by_key(local: LocalStorage) -> None:
    """Today's layout: the key is the path under INSPECT_UPLOAD_DIR."""
    key = local.add(b"x", namespace="photos", suffix=".jpg")
    assert local.path(key) == local.root.joinpath(*key.split("/"))
    assert local.path(key).read_bytes() == b"x"
    assert local.url(key, expires=60, mimetype="image/jpeg", filename="x.jpg") is None


def test_local_write_is_atomic_and_leaves_no_temp_files(local: LocalStorage) -> None:
    keys = [local.add(b"a" * 1000, namespace="photos", suffix=".jpg") for _ in range(5)]
    files = [p for p in local.root.rglob("*") if p.is_file()]
    assert sorted(files) == sorted(local.path(k) for k in keys)


def test_a_half_written_file_is_never_listed(local: LocalStorage) -> None:
    key = local.add(b"a", namespace="photos", suffix=".jpg")
    (local.path(key).parent / ".tmp-abc.part").write_bytes(b"half")
    assert list(local.keys()) == [key]


def test_failed_local_write_leaves_nothing_behind(
    local: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(local_module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        local.add(b"data", namespace="photos", suffix=".jpg")
    assert not [p for p in local.root.rglob("*") if p.is_file()]


def test_local_files_are_readable_by_a_front_end_server(local: LocalStorage) -> None:
    key = local.add(b"x", namespace="photos", suffix=".jpg")
    assert local.path(key).stat().st_mode & 0o777 == 0o644


# ---------------------------------------------------------------- S3-compatible store


def test_s3_objects_live_under_the_prefix_in_the_bucket(s3_bucket) -> None:
    import boto3

    store = from_config(s3_bucket)
    key = store.add(b"x", namespace="photos", suffix=".jpg")
    client = boto3.client(
        "s3",
        endpoint_url=s3_bucket["S3_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="k",
        aws_secret_access_key="s",
    )
    listed = client.list_objects(Bucket=s3_bucket["S3_BUCKET"])["Contents"]
    assert [item["Key"] for item in listed] == [f"inspect/{key}"]
    head = client.head_object(Bucket=s3_bucket["S3_BUCKET"], Key=f"inspect/{key}")
    assert head["ContentType"] == "image/jpeg"


def test_s3_writes_use_only_what_every_compatible_store_accepts(s3_bucket) -> None:
    """OSS, COS and older MinIO/Ceph refuse boto3's newer default checksum trailers: a write
    carries Content-MD5 (checked by the store) and a plain body, signed with SigV4."""
    store = from_config(s3_bucket)
    sent = []
    store._client().meta.events.register(
        "before-send.s3.*", lambda request, **_: sent.append(request)
    )
    store.put(storage.new_key("photos", ".jpg"), b"photo")
    store.put(storage.new_key("documents", ".pdf"), io.BytesIO(b"%PDF-1.7 stream"))
    assert len(sent) == 2
    for request in sent:
        headers = {name.lower(): value for name, value in request.headers.items()}
        assert not [name for name in headers if name.startswith("x-amz-checksum")], headers
        assert "x-amz-sdk-checksum-algorithm" not in headers
        assert b"aws-chunked" not in (headers.get("content-encoding") or b"")
        authorization = headers["authorization"]
        assert (
            authorization.decode() if isinstance(authorization, bytes) else authorization
        ).startswith("AWS4-HMAC-SHA256 ")
    first = {name.lower() for name in sent[0].headers}
    assert "content-md5" in first


def test_s3_signed_url_serves_the_file_without_credentials(s3_bucket) -> None:
    store = from_config(s3_bucket)
    key = store.add(b"\xff\xd8 signed", namespace="photos", suffix=".jpg")
    url = store.url(key, expires=60, mimetype="image/jpeg", filename="照片-1.jpg")
    assert url.startswith(f"{s3_bucket['S3_ENDPOINT_URL']}/{s3_bucket['S3_BUCKET']}/inspect/")
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url and "X-Amz-Expires=60" in url
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        assert response.read() == b"\xff\xd8 signed"
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Cache-Control"].startswith("private")


@pytest.mark.parametrize(
    ("vendor", "endpoint", "region", "style", "expected"),
    [
        (
            "Alibaba Cloud OSS",
            "https://s3.oss-cn-hangzhou.aliyuncs.com",
            "cn-hangzhou",
            "virtual",
            "https://inspect-photos.s3.oss-cn-hangzhou.aliyuncs.com/site/photos/",
        ),
        (
            "Tencent COS",
            "https://cos.ap-guangzhou.myqcloud.com",
            "ap-guangzhou",
            "virtual",
            "https://inspect-photos.cos.ap-guangzhou.myqcloud.com/site/photos/",
        ),
        (
            "MinIO",
            "http://minio.internal:9000",
            "us-east-1",
            "auto",
            "http://minio.internal:9000/inspect-photos/site/photos/",
        ),
        (
            "Ceph RGW",
            "https://rgw.example.cn",
            "default",
            "path",
            "https://rgw.example.cn/inspect-photos/site/photos/",
        ),
    ],
)
def test_signed_urls_follow_each_vendors_addressing(vendor, endpoint, region, style, expected):
    """Signing needs no network: the URL shows the addressing style and the SigV4 scope."""
    store = S3Storage(
        bucket="inspect-photos",
        prefix="/site/",
        endpoint_url=endpoint,
        region=region,
        access_key_id="AKIDEXAMPLE",
        secret_access_key="secret",
        addressing_style=style,
    )
    key = storage.new_key("photos", ".jpg")
    url = store.url(key, expires=300, mimetype="image/jpeg", filename="p.jpg")
    assert url.startswith(expected + key.removeprefix("photos/")), (vendor, url)
    assert "AKIDEXAMPLE%2F" in url and f"%2F{region}%2Fs3%2Faws4_request" in url, url
    assert store.url_origin() == expected.split("/", 3)[0] + "//" + expected.split("/")[2]


def test_signed_urls_can_name_the_address_browsers_use(s3_bucket) -> None:
    store = from_config({**s3_bucket, "S3_PUBLIC_ENDPOINT_URL": "https://files.example.cn"})
    key = store.add(b"x", namespace="photos", suffix=".jpg")
    url = store.url(key, expires=60, mimetype="image/jpeg", filename="x.jpg")
    assert url.startswith(f"https://files.example.cn/{s3_bucket['S3_BUCKET']}/inspect/{key}?")
    assert store.read(key) == b"x"  # the app itself still talks to the internal endpoint


def test_an_unreachable_store_is_a_storage_error_naming_it() -> None:
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = S3Storage(
        bucket="inspect",
        endpoint_url=f"http://127.0.0.1:{port}",
        access_key_id="k",
        secret_access_key="s",
        connect_timeout=1,
        max_attempts=1,
    )
    for call in (
        lambda: store.put("photos/ab/cd/x.jpg", b"x"),
        lambda: store.read("photos/ab/cd/x.jpg"),
        lambda: store.exists("photos/ab/cd/x.jpg"),
        lambda: list(store.keys()),
    ):
        with pytest.raises(StorageError, match=f"bucket 'inspect'.*127.0.0.1:{port}"):
            call()


def test_a_missing_bucket_is_a_storage_error_that_says_so(s3_bucket) -> None:
    store = from_config({**s3_bucket, "S3_BUCKET": "no-such-bucket-here"})
    with pytest.raises(StorageError, match="NoSuchBucket"):
        store.put("photos/ab/cd/x.jpg", b"x")


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("settings", "variable"),
    [
        ({"STORAGE_BACKEND": "ftp"}, "INSPECT_STORAGE"),
        ({"STORAGE_BACKEND": "s3"}, "INSPECT_S3_BUCKET"),
        ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "b", "S3_ADDRESSING_STYLE": "dns"}, "STYLE"),
        ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "b", "S3_ACCESS_KEY_ID": "k"}, "SECRET"),
        ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "b", "S3_PREFIX": "a/../b"}, "INSPECT_S3_PREFIX"),
        ({"STORAGE_BACKEND": "local", "UPLOAD_DIR": ""}, "INSPECT_UPLOAD_DIR"),
    ],
)
def test_a_wrong_storage_setting_names_its_variable(settings, variable) -> None:
    with pytest.raises(StorageConfigError, match=variable):
        from_config(settings)


def test_setting_a_bucket_chooses_the_object_store(monkeypatch, tmp_path) -> None:
    from inspect_app import config

    monkeypatch.setenv("INSPECT_S3_BUCKET", "inspect-photos")
    monkeypatch.setenv("INSPECT_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.delenv("INSPECT_STORAGE", raising=False)
    settings = config.from_environment(tmp_path)
    assert settings["STORAGE_BACKEND"] == "s3"
    assert from_config(settings).describe() == (
        "bucket 'inspect-photos' (prefix '(none)') at http://127.0.0.1:9000"
    )
    monkeypatch.setenv("INSPECT_STORAGE", "local")
    assert config.from_environment(tmp_path)["STORAGE_BACKEND"] == "local"
    monkeypatch.setenv("INSPECT_STORAGE_URL_EXPIRES", "soon")
    with pytest.raises(ValueError, match="INSPECT_STORAGE_URL_EXPIRES"):
        config.from_environment(tmp_path)


def test_the_app_refuses_to_start_on_a_wrong_storage_setting(tmp_path) -> None:
    from conftest import base_config

    from inspect_app import create_app

    settings = base_config(f"sqlite:///{tmp_path / 'x.db'}", tmp_path)
    with pytest.raises(StorageConfigError, match="INSPECT_S3_BUCKET"):
        create_app({**settings, "STORAGE_BACKEND": "s3"})
    with pytest.raises(StorageConfigError, match="INSPECT_STORAGE_SERVE"):
        create_app({**settings, "STORAGE_SERVE": "cdn"})


def test_pages_allow_images_from_the_store_only_when_photos_are_redirected(
    s3_bucket, tmp_path
) -> None:
    from conftest import base_config

    from inspect_app import create_app

    settings = {**base_config(f"sqlite:///{tmp_path / 'x.db'}", tmp_path), **s3_bucket}
    streamed = create_app(settings).test_client().get("/no-such-page")
    assert "img-src 'self' data: blob:;" in streamed.headers["Content-Security-Policy"]
    redirected = create_app({**settings, "STORAGE_SERVE": "redirect"})
    policy = redirected.test_client().get("/no-such-page").headers["Content-Security-Policy"]
    assert f"img-src 'self' {s3_bucket['S3_ENDPOINT_URL']} data: blob:;" in policy
    assert policy.count(s3_bucket["S3_ENDPOINT_URL"]) == 1  # images only, nothing else


def test_a_local_store_never_loads_boto3(tmp_path) -> None:
    """Web workers stay lean: boto3 (tens of MB) is imported only when the object store is
    configured."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from inspect_app import create_app\n"
        "app = create_app()\n"
        "assert app.extensions['storage'].kind == 'local'\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in {'boto3', 'botocore'})\n"
        "assert not loaded, loaded\n"
    )
    env = {
        **os.environ,
        "INSPECT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "INSPECT_UPLOAD_DIR": str(tmp_path / "uploads"),
        "INSPECT_STORAGE": "local",
        "SECRET_KEY": "x",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
