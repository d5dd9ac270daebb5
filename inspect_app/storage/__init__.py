"""Where files live: one small interface (``Storage``), two backends, one per deployment.

- ``LocalStorage`` — a local folder (``INSPECT_UPLOAD_DIR``), the default for one machine.
- ``S3Storage`` — an S3-compatible object store (MinIO, Ceph RGW, Alibaba Cloud OSS, Tencent
  COS, AWS S3) through boto3, for several app servers (``INSPECT_STORAGE=s3``).

How a feature keeps a file::

    from inspect_app import storage
    key = storage.get_storage().add(pdf_bytes, namespace=storage.DOCUMENTS, suffix=".pdf")
    row.pdf_key = key                       # the row remembers the key, never a path or URL
    ...
    storage.delete_after_commit([row.pdf_key])   # with the row's deletion, in its transaction
    ...
    return storage.send_stored(row.pdf_key, filename="report.pdf")   # after the access check

Namespaces (the key's first segment): ``photos/`` (photo files), ``documents/`` (generated
files: PDFs, exports). A table whose rows reference stored files registers its key columns with
``register_file_columns`` so backups archive those files under the same snapshot as the rows.
Files are deleted only through ``delete_after_commit``: after the row's deletion commits, and
never while a backup holds deletions (``deletions.deletions_held``).
"""

from __future__ import annotations

from flask import Flask, current_app

from .base import (
    DOCUMENTS,
    PHOTOS,
    Storage,
    StorageConfigError,
    StorageError,
    check_key,
    mimetype_of,
    new_key,
)
from .deletions import delete_after_commit, deletions_held, purge
from .local import LocalStorage
from .references import register_file_columns
from .serving import send_stored

__all__ = [
    "DOCUMENTS",
    "PHOTOS",
    "LocalStorage",
    "Storage",
    "StorageConfigError",
    "StorageError",
    "check_key",
    "delete_after_commit",
    "deletions_held",
    "from_config",
    "get_storage",
    "init_app",
    "mimetype_of",
    "new_key",
    "purge",
    "register_file_columns",
    "send_stored",
]

BACKENDS = ("local", "s3")
SERVE_MODES = ("stream", "redirect")


def from_config(config) -> Storage:
    """Build the store a config mapping describes; StorageConfigError names a bad setting."""
    backend = config.get("STORAGE_BACKEND") or "local"
    if backend not in BACKENDS:
        raise StorageConfigError(
            f"INSPECT_STORAGE must be one of {', '.join(BACKENDS)}, not {backend!r}."
        )
    if backend == "local":
        if not config.get("UPLOAD_DIR"):
            raise StorageConfigError("INSPECT_UPLOAD_DIR is empty: name the photo folder.")
        return LocalStorage(config["UPLOAD_DIR"])
    from .s3 import ADDRESSING_STYLES, S3Storage

    if not config.get("S3_BUCKET"):
        raise StorageConfigError(
            "INSPECT_STORAGE=s3 needs INSPECT_S3_BUCKET (the bucket must already exist)."
        )
    style = config.get("S3_ADDRESSING_STYLE") or "auto"
    if style not in ADDRESSING_STYLES:
        raise StorageConfigError(
            f"INSPECT_S3_ADDRESSING_STYLE must be one of {', '.join(ADDRESSING_STYLES)}, "
            f"not {style!r}."
        )
    keys = (config.get("S3_ACCESS_KEY_ID"), config.get("S3_SECRET_ACCESS_KEY"))
    if bool(keys[0]) != bool(keys[1]):
        raise StorageConfigError(
            "Set both INSPECT_S3_ACCESS_KEY_ID and INSPECT_S3_SECRET_ACCESS_KEY, or neither "
            "(then boto3's own credential chain is used)."
        )
    try:
        return S3Storage(
            bucket=config["S3_BUCKET"],
            prefix=config.get("S3_PREFIX") or "",
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            region=config.get("S3_REGION"),
            access_key_id=keys[0],
            secret_access_key=keys[1],
            addressing_style=style,
            public_endpoint_url=config.get("S3_PUBLIC_ENDPOINT_URL"),
        )
    except ValueError as error:
        raise StorageConfigError(f"INSPECT_S3_PREFIX: {error}") from error


def init_app(app: Flask) -> None:
    """Check the storage settings and make the store (the local folder is created)."""
    serve = app.config.get("STORAGE_SERVE") or "stream"
    if serve not in SERVE_MODES:
        raise StorageConfigError(
            f"INSPECT_STORAGE_SERVE must be one of {', '.join(SERVE_MODES)}, not {serve!r}."
        )
    expires = app.config.get("STORAGE_URL_EXPIRES", 300)
    if not isinstance(expires, int) or not 10 <= expires <= 86400:
        raise StorageConfigError("INSPECT_STORAGE_URL_EXPIRES must be 10 to 86400 seconds.")
    store = from_config(app.config)
    if isinstance(store, LocalStorage):
        store.root.mkdir(parents=True, exist_ok=True)
    app.extensions["storage"] = store
    origin = None
    if serve == "redirect" and store.kind == "s3":
        origin = store.url_origin()  # type: ignore[attr-defined]  # signed locally, no request
    app.config["STORAGE_URL_ORIGIN"] = origin


def get_storage() -> Storage:
    """The current app's store."""
    return current_app.extensions["storage"]
