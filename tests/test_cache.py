"""The shared cache behind charts: an LRU in the process by default, Redis when configured; a
cache that is down is a miss (the chart is drawn again), never an error page."""

from __future__ import annotations

import logging

from inspect_app.cache import LocalCache, RedisCache
from inspect_app.serve import free_port


def test_the_local_cache_keeps_the_most_recently_used_entries():
    cache = LocalCache(size=2)
    cache.put("a", b"1")
    cache.put("b", b"2")
    assert cache.get("a") == b"1"  # "a" is now the most recent
    cache.put("c", b"3")
    assert cache.get("b") is None and cache.get("a") == b"1" and cache.get("c") == b"3"


def test_a_redis_that_does_not_answer_is_a_miss_with_a_warning(caplog):
    cache = RedisCache(f"redis://127.0.0.1:{free_port()}/0", prefix="t:", ttl=60)
    with caplog.at_level(logging.WARNING, logger="inspect_app.cache"):
        cache.put("chart:x", b"<svg/>")
        assert cache.get("chart:x") is None
    assert "Redis unavailable" in caplog.text


def test_charts_are_drawn_once_then_served_from_the_cache(client, world, login_as):
    login_as("inspector")
    url = f"/factories/{world.a.id}/charts/actions.svg"
    first = client.get(url)
    second = client.get(url)
    assert first.headers["X-Chart-Cache"] == "miss" and second.headers["X-Chart-Cache"] == "hit"
    assert first.data == second.data
