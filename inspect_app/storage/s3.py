"""Files in an S3-compatible object store through boto3: MinIO, Ceph RGW, Alibaba Cloud OSS,
Tencent COS (and AWS S3 itself).

Only what all of them speak: signature version 4, path-style or virtual-host addressing (OSS and
COS want virtual-host, MinIO and Ceph accept path style), PutObject with Content-MD5 for
integrity, GetObject/HeadObject/DeleteObject, ListObjects (version 1: COS and older Ceph lack
some V2 options) and presigned GETs. No AWS-only features: no CRC32 checksum trailers (boto3 ≥
1.36 sends them by default and several of these stores refuse them), no server-side encryption
headers, no accelerate or dual-stack endpoints. boto3 is imported only when this backend is
configured.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import threading
from collections.abc import Iterator
from typing import Any, BinaryIO
from urllib.parse import quote, urlsplit

from .base import Base, StorageError, check_key, check_prefix, mimetype_of

ADDRESSING_STYLES = ("auto", "path", "virtual")
_MULTIPART_THRESHOLD = 64 * 1024 * 1024


class _Body(io.RawIOBase):
    """An object's bytes as a readable stream; ``size`` is its length. Read errors mid-stream
    become StorageError."""

    def __init__(self, body: Any, size: int, where: str) -> None:
        self._body = body
        self.size = size
        self._where = where

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        from botocore.exceptions import BotoCoreError

        try:
            data = self._body.read(len(buffer))
        except BotoCoreError as error:
            raise StorageError(f"Reading from {self._where} failed: {error}") from error
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class S3Storage(Base):
    """Objects under ``prefix`` in one bucket. The boto3 client is made on first use in each
    process (a forked web worker never shares its parent's connections)."""

    kind = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        addressing_style: str = "auto",
        public_endpoint_url: str | None = None,
        connect_timeout: float = 5,
        read_timeout: float = 30,
        max_attempts: int = 3,
    ) -> None:
        if addressing_style not in ADDRESSING_STYLES:
            raise ValueError(f"addressing_style must be one of {', '.join(ADDRESSING_STYLES)}")
        self.bucket = bucket
        self.prefix = check_prefix(prefix.strip("/") + "/" if prefix.strip("/") else "")
        self.endpoint_url = endpoint_url or None
        self.public_endpoint_url = public_endpoint_url or self.endpoint_url
        self.region = region or "us-east-1"
        self.addressing_style = addressing_style
        self._credentials = (access_key_id or None, secret_access_key or None)
        self._timeouts = (connect_timeout, read_timeout, max_attempts)
        self._clients: dict[tuple[int, str], Any] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def describe(self) -> str:
        where = self.endpoint_url or "AWS S3"
        return f"bucket {self.bucket!r} (prefix {self.prefix or '(none)'!r}) at {where}"

    # ------------------------------------------------------------ the client

    def _client(self, public: bool = False) -> Any:
        """The boto3 client of this process (``public``: the one that signs browser URLs)."""
        slot = (os.getpid(), "public" if public else "api")
        client = self._clients.get(slot)
        if client is None:
            with self._lock:
                client = self._clients.get(slot)
                if client is None:
                    client = self._clients[slot] = self._make_client(public)
        return client

    def _make_client(self, public: bool) -> Any:
        import boto3
        from botocore.config import Config

        connect_timeout, read_timeout, max_attempts = self._timeouts
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": self.addressing_style},
            retries={"max_attempts": max_attempts, "mode": "standard"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            # AWS's newer default checksums (CRC32 trailers, aws-chunked bodies) are refused by
            # OSS, COS and older MinIO/Ceph: send checksums only where the API requires them.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            max_pool_connections=20,
        )
        access_key, secret_key = self._credentials
        session = boto3.session.Session()
        return session.client(
            "s3",
            endpoint_url=self.public_endpoint_url if public else self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=config,
        )

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _fail(self, what: str, key: str, error: Exception) -> StorageError:
        detail = error
        response = getattr(error, "response", None)
        if response:
            code = response.get("Error", {}).get("Code", "?")
            message = response.get("Error", {}).get("Message", "")
            detail = f"{code} {message}".strip()
        return StorageError(f"{what} {key!r} in {self.describe()} failed: {detail}")

    @staticmethod
    def _missing(error: Exception) -> bool:
        response = getattr(error, "response", None) or {}
        code = response.get("Error", {}).get("Code")
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return code in {"NoSuchKey", "404", "NotFound"} or status == 404

    # ------------------------------------------------------------ the interface

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        name = self._name(key)
        content_type = mimetype_of(key)
        try:
            if isinstance(data, bytes | bytearray | memoryview):
                data = bytes(data)
                md5 = hashlib.md5(data, usedforsecurity=False).digest()  # S3's integrity check
                self._client().put_object(
                    Bucket=self.bucket,
                    Key=name,
                    Body=data,
                    ContentType=content_type,
                    ContentMD5=base64.b64encode(md5).decode("ascii"),
                )
            else:
                from boto3.s3.transfer import TransferConfig

                self._client().upload_fileobj(
                    data,
                    self.bucket,
                    name,
                    ExtraArgs={"ContentType": content_type},
                    Config=TransferConfig(
                        multipart_threshold=_MULTIPART_THRESHOLD, use_threads=False
                    ),
                )
        except (BotoCoreError, ClientError) as error:
            raise self._fail("Storing", key, error) from error

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import BotoCoreError, ClientError

        name = self._name(key)
        try:
            response = self._client().get_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            if self._missing(error):
                raise FileNotFoundError(f"No stored file {key!r}") from error
            raise self._fail("Reading", key, error) from error
        except BotoCoreError as error:
            raise self._fail("Reading", key, error) from error
        return _Body(response["Body"], response["ContentLength"], self.describe())  # type: ignore[return-value]

    def _head(self, key: str) -> dict | None:
        from botocore.exceptions import BotoCoreError, ClientError

        name = self._name(key)
        try:
            return self._client().head_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            if self._missing(error):
                return None
            raise self._fail("Looking up", key, error) from error
        except BotoCoreError as error:
            raise self._fail("Looking up", key, error) from error

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(f"No stored file {key!r}")
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        name = self._name(key)
        try:  # S3 answers 204 whether or not the object existed
            self._client().delete_object(Bucket=self.bucket, Key=name)
        except (BotoCoreError, ClientError) as error:
            raise self._fail("Deleting", key, error) from error

    def keys(self, prefix: str = "") -> Iterator[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        full = self.prefix + check_prefix(prefix)
        paginator = self._client().get_paginator("list_objects")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full):
                for item in page.get("Contents", ()):
                    key = item["Key"].removeprefix(self.prefix)
                    try:
                        yield check_key(key)
                    except ValueError:
                        continue  # an object this app did not write (a folder marker, …)
        except (BotoCoreError, ClientError) as error:
            raise self._fail("Listing", prefix or "(all)", error) from error

    def url(self, key: str, *, expires: int, mimetype: str, filename: str) -> str | None:
        ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
        disposition = f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
        return self._client(public=True).generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self._name(key),
                "ResponseContentType": mimetype,
                "ResponseContentDisposition": disposition,
                "ResponseCacheControl": f"private, max-age={expires}",
            },
            ExpiresIn=expires,
        )

    def url_origin(self) -> str:
        """The scheme and host browsers fetch signed URLs from (for the page's CSP)."""
        parts = urlsplit(self.url("probe.jpg", expires=60, mimetype="image/jpeg", filename="x"))
        return f"{parts.scheme}://{parts.netloc}"
