"""A cache every app server shares: Redis when INSPECT_REDIS_URL is set, else a small LRU in
this process (one machine, the embedded default).

It holds derived bytes only (rendered charts), under keys that already name the data they were
made from (progress.queries.data_stamp: read from the database on each request), so a write
through any server changes the key everywhere and nothing ever needs invalidating: a stale
entry is simply never asked for again and ages out (LRU, or Redis's TTL). If Redis is down the
cache is a miss — the chart is drawn again — never an error.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from flask import Flask, current_app

log = logging.getLogger(__name__)


class LocalCache:
    """An in-process LRU, thread-safe; `size` entries."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: bytes) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class RedisCache:
    """Entries in Redis under `prefix`, each kept `ttl` seconds after it was last written."""

    def __init__(self, url: str, *, prefix: str, ttl: int) -> None:
        from redis import Redis  # rq's own dependency; imported only when configured

        self.redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix, self.ttl = prefix, ttl

    def get(self, key: str) -> bytes | None:
        try:
            return self.redis.get(self.prefix + key)
        except Exception as error:  # noqa: BLE001 - a cache that is down is a miss
            log.warning("cache: Redis unavailable (%s): drawing again", error)
            return None

    def put(self, key: str, value: bytes) -> None:
        try:
            self.redis.set(self.prefix + key, value, ex=self.ttl)
        except Exception as error:  # noqa: BLE001
            log.warning("cache: Redis unavailable (%s): not kept", error)

    def clear(self) -> None:
        try:
            keys = list(self.redis.scan_iter(match=self.prefix + "*", count=500))
            if keys:
                self.redis.delete(*keys)
        except Exception as error:  # noqa: BLE001
            log.warning("cache: Redis unavailable (%s): not cleared", error)


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    if url:
        prefix = app.config.get("CACHE_PREFIX") or "inspect:cache:"
        cache = RedisCache(url, prefix=prefix, ttl=app.config.get("CACHE_TTL_SECONDS", 86400))
    else:
        cache = LocalCache(app.config.get("CACHE_LOCAL_ENTRIES", 256))
    app.extensions["cache"] = cache


def get_cache() -> LocalCache | RedisCache:
    return current_app.extensions["cache"]
