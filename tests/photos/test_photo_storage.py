"""Local photo storage: random sharded keys, atomic writes, no way out of the root."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from inspect_app.photos import storage
from inspect_app.photos.storage import LocalStorage, Storage


@pytest.fixture
def store(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "uploads")


def test_put_then_open_returns_the_same_bytes(store: LocalStorage) -> None:
    key = store.put(b"\xff\xd8 photo bytes")
    assert store.exists(key)
    with store.open(key) as fh:
        assert fh.read() == b"\xff\xd8 photo bytes"
    assert store.path(key).read_bytes() == b"\xff\xd8 photo bytes"


def test_keys_are_random_sharded_and_keep_the_suffix(store: LocalStorage) -> None:
    keys = {store.put(b"x") for _ in range(20)}
    assert len(keys) == 20
    for key in keys:
        assert re.fullmatch(r"[\w-]{2}/[\w-]{2}/[\w-]{32}\.jpg", key, re.ASCII), key
        shard1, shard2, name = key.split("/")
        assert name.startswith(shard1 + shard2)
    assert store.put(b"x", suffix=".PNG").endswith(".png")


@pytest.mark.parametrize(
    "suffix", ["jpg", ".", "/x.jpg", ".j/pg", "..", ".jpg\n", ".toolongsuffix"]
)
def test_bad_suffixes_are_refused(store: LocalStorage, suffix: str) -> None:
    with pytest.raises(ValueError, match="suffix"):
        store.put(b"x", suffix=suffix)


def test_files_live_under_the_root_in_their_shard(store: LocalStorage) -> None:
    key = store.put(b"x")
    assert store.path(key) == store.root.joinpath(*key.split("/"))
    assert store.path(key).is_relative_to(store.root)


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
    ],
)
def test_keys_that_could_escape_are_refused(store: LocalStorage, key: str) -> None:
    for call in (store.path, store.open, store.exists, store.delete):
        with pytest.raises(ValueError, match="storage key"):
            call(key)


def test_write_is_atomic_and_leaves_no_temp_files(store: LocalStorage) -> None:
    keys = [store.put(b"a" * 1000) for _ in range(5)]
    files = [p for p in store.root.rglob("*") if p.is_file()]
    assert sorted(files) == sorted(store.path(k) for k in keys)
    assert not [p for p in files if p.name.startswith(".tmp-")]


def test_failed_write_leaves_nothing_behind(
    store: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(storage.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store.put(b"data")
    assert not [p for p in store.root.rglob("*") if p.is_file()]


def test_stored_files_are_readable_by_a_front_end_server(store: LocalStorage) -> None:
    key = store.put(b"x")
    assert store.path(key).stat().st_mode & 0o777 == 0o644


def test_delete_is_idempotent(store: LocalStorage) -> None:
    key = store.put(b"x")
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)
    with pytest.raises(FileNotFoundError):
        store.open(key)


def test_missing_key_does_not_exist(store: LocalStorage) -> None:
    assert not store.exists("ab/cd/abcdefgh.jpg")


def test_local_storage_satisfies_the_protocol(store: LocalStorage) -> None:
    assert isinstance(store, Storage)
