"""Where photo files live: opaque random keys, never user-chosen names.

``Storage`` is the interface the rest of the app uses; ``LocalStorage`` keeps files under one
directory, sharded by the key's first characters. An S3-compatible backend can implement the
same protocol later.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

# Keys are "/"-separated segments of URL-safe characters with one optional extension at the
# end, so ".", "..", absolute paths, backslashes, NUL and drive letters can never appear.
_KEY = re.compile(r"(?:[A-Za-z0-9_-]+/)*[A-Za-z0-9_-]+(?:\.[A-Za-z0-9]{1,8})?")
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}")
_TOKEN_BYTES = 24  # 192 random bits → 32 characters


@runtime_checkable
class Storage(Protocol):
    """A place to keep photo files by opaque key."""

    def put(self, data: bytes, *, suffix: str = ".jpg") -> str:
        """Store ``data`` under a new random key and return the key."""
        ...

    def open(self, key: str) -> BinaryIO:
        """Open the stored file for reading; FileNotFoundError if it is missing."""
        ...

    def delete(self, key: str) -> None:
        """Remove the stored file; a missing file is not an error."""
        ...

    def exists(self, key: str) -> bool:
        """Tell whether a file is stored under ``key``."""
        ...


def new_key(suffix: str = ".jpg") -> str:
    """Return a fresh random key like ``ab/cd/abcd…xyz.jpg``."""
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"Invalid file suffix: {suffix!r}")
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    return f"{token[:2]}/{token[2:4]}/{token}{suffix.lower()}"


def check_key(key: str) -> str:
    """Return ``key`` if it is a well-formed storage key, else raise ValueError."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"Invalid storage key: {key!r}")
    return key


class LocalStorage:
    """Files in a local directory, written atomically."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def path(self, key: str) -> Path:
        """Return the file path for ``key``; ValueError for keys that could escape the root."""
        path = self.root.joinpath(*check_key(key).split("/"))
        # The key pattern already rules out escapes; this guards against future edits to it.
        if not path.is_relative_to(self.root):
            raise ValueError(f"Invalid storage key: {key!r}")
        return path

    def put(self, data: bytes, *, suffix: str = ".jpg") -> str:
        """Store ``data`` under a new random key and return the key."""
        key = new_key(suffix)
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file beside the target, then rename: readers never see a
        # half-written photo, and a crash leaves at most a stray ".tmp-" file.
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            # mkstemp creates 0600 files; make them readable like any other upload, so a
            # front-end server (X-Accel-Redirect / X-Sendfile) can serve them.
            os.chmod(tmp_name, 0o644)
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        return key

    def open(self, key: str) -> BinaryIO:
        """Open the stored file for reading; FileNotFoundError if it is missing."""
        return self.path(key).open("rb")

    def delete(self, key: str) -> None:
        """Remove the stored file; a missing file is not an error."""
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Tell whether a file is stored under ``key``."""
        return self.path(key).is_file()
