"""The storage interface, its keys and its errors (no Flask, no backend library here).

A key is an opaque, "/"-separated string of URL-safe segments with at most one extension at the
end: ``photos/ab/cd/abcd….jpg``. Its first segment is the **namespace** saying which feature
owns the file (``photos``, ``documents``); the next two segments shard the random name so no
folder holds millions of entries. Keys made before namespaces existed (``ab/cd/abcd….jpg``,
photos) stay valid: a namespace is at least three characters, a shard exactly two.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import BinaryIO, Protocol, runtime_checkable

#: Photo files (web size and thumbnail of every photo row).
PHOTOS = "photos"
#: Generated files a feature keeps (rendered PDFs, exports): derived from the database.
DOCUMENTS = "documents"

# "." and "..", absolute paths, backslashes, NUL, drive letters and hidden names can never
# appear: every segment is URL-safe characters, the last one may carry one short extension.
_KEY = re.compile(r"(?:[A-Za-z0-9_-]+/)*[A-Za-z0-9_-]+(?:\.[A-Za-z0-9]{1,8})?")
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}")
_NAMESPACE = re.compile(r"[a-z][a-z0-9-]{2,31}")
_TOKEN_BYTES = 24  # 192 random bits → 32 characters
MAX_KEY_LENGTH = 200


class StorageError(OSError):
    """The store could not be reached or refused an operation (not a missing file: that is
    FileNotFoundError). The message names the store and says what failed."""


class StorageConfigError(ValueError):
    """A storage setting is missing or wrong; the message names the environment variable."""


@runtime_checkable
class Storage(Protocol):
    """A place to keep files by key. Every method takes a key checked by ``check_key``
    (ValueError otherwise); a missing file is FileNotFoundError, an unreachable store
    StorageError."""

    #: "local" or "s3".
    kind: str

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        """Store ``data`` (bytes or a binary stream read to its end) under ``key``, replacing
        what was there. Readers never see a half-written file."""
        ...

    def add(self, data: bytes | BinaryIO, *, namespace: str, suffix: str) -> str:
        """Store ``data`` under a new random key in ``namespace`` and return the key."""
        ...

    def open(self, key: str) -> BinaryIO:
        """Open the stored file for reading (a stream: read it in chunks, then close it)."""
        ...

    def read(self, key: str) -> bytes:
        """The whole stored file (for small files only: photos, not exports)."""
        ...

    def delete(self, key: str) -> None:
        """Remove the stored file; a missing file is not an error. Features do not call this
        for files that rows reference: ``storage.delete_after_commit`` does, safely."""
        ...

    def exists(self, key: str) -> bool:
        """Tell whether a file is stored under ``key``."""
        ...

    def size(self, key: str) -> int:
        """The stored file's length in bytes."""
        ...

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every stored key starting with ``prefix`` (e.g. ``"photos/"``), in key order."""
        ...

    def url(self, key: str, *, expires: int, mimetype: str, filename: str) -> str | None:
        """A URL a browser can fetch the file from for ``expires`` seconds without signing in,
        or None when the backend cannot make one (then the app streams the file itself).
        Issue it only after the access check."""
        ...

    def describe(self) -> str:
        """Where the files are, for messages and logs (never a secret)."""
        ...


def new_key(namespace: str, suffix: str) -> str:
    """Return a fresh random key like ``photos/ab/cd/abcd…xyz.jpg``."""
    if not _NAMESPACE.fullmatch(namespace):
        raise ValueError(f"Invalid storage namespace: {namespace!r}")
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"Invalid file suffix: {suffix!r}")
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    return f"{namespace}/{token[:2]}/{token[2:4]}/{token}{suffix.lower()}"


def check_key(key: str) -> str:
    """Return ``key`` if it is a well-formed storage key, else raise ValueError."""
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise ValueError(f"Invalid storage key: {key!r}")
    return key


def check_prefix(prefix: str) -> str:
    """A key prefix for listing: empty, or whole segments ending in "/" (``photos/``)."""
    if prefix and not (prefix.endswith("/") and _KEY.fullmatch(prefix[:-1])):
        raise ValueError(f"Invalid storage key prefix: {prefix!r}")
    return prefix


def mimetype_of(key: str) -> str:
    """The content type stored files of this key's extension are served as."""
    extension = key.rpartition(".")[2].lower() if "." in key.rpartition("/")[2] else ""
    return _MIMETYPES.get(extension, "application/octet-stream")


_MIMETYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "svg": "image/svg+xml",
    "json": "application/json",
}


class Base:
    """What every backend does the same way on top of put/open."""

    def add(self, data: bytes | BinaryIO, *, namespace: str, suffix: str) -> str:
        key = new_key(namespace, suffix)
        self.put(key, data)  # type: ignore[attr-defined]
        return key

    def read(self, key: str) -> bytes:
        with self.open(key) as handle:  # type: ignore[attr-defined]
            return handle.read()
