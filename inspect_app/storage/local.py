"""Files in a local folder (``INSPECT_UPLOAD_DIR``): the default backend, for one machine.

A key is a relative path under the root (``photos/ab/cd/abcd….jpg``), so a front-end server can
serve the files with X-Accel-Redirect if ever wanted. Writes go to a temporary file beside the
target and are renamed into place.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .base import Base, check_key, check_prefix

_CHUNK = 1024 * 1024


class LocalStorage(Base):
    """Files in a local directory, written atomically."""

    kind = "local"

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def describe(self) -> str:
        return f"local folder {self.root}"

    def path(self, key: str) -> Path:
        """Return the file path for ``key``; ValueError for keys that could escape the root."""
        path = self.root.joinpath(*check_key(key).split("/"))
        # The key pattern already rules out escapes; this guards against future edits to it.
        if not path.is_relative_to(self.root):
            raise ValueError(f"Invalid storage key: {key!r}")
        return path

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file beside the target, then rename: readers never see a
        # half-written file, and a crash leaves at most a stray ".tmp-" file.
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as tmp:
                if isinstance(data, bytes | bytearray | memoryview):
                    tmp.write(data)
                else:
                    shutil.copyfileobj(data, tmp, _CHUNK)
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

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def keys(self, prefix: str = "") -> Iterator[str]:
        folder = self.root.joinpath(*check_prefix(prefix).split("/")[:-1])
        if not folder.is_dir():
            return
        found = []
        for directory, _dirs, files in os.walk(folder):
            base = Path(directory).relative_to(self.root).as_posix()
            for name in files:
                key = name if base == "." else f"{base}/{name}"
                with contextlib.suppress(ValueError):  # ".tmp-" writes in progress, strays
                    found.append(check_key(key))
        yield from sorted(found)

    def url(self, key: str, *, expires: int, mimetype: str, filename: str) -> str | None:
        return None  # the app streams local files itself
