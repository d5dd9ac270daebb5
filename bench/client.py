"""The load client: aiohttp's asyncio client, a signed-in session per role, and a load loop.

Every request (the app's and the "hello" floor's) goes through the same aiohttp code path, so
the client's own cost is in the floor too and the ratios compare like with like. aiohttp,
not httpx: on this 2-core machine the client shares the CPUs with the server it measures, and
httpx spent about three times aiohttp's CPU per request, which capped the hello floor at a
third of what gunicorn serves (654 vs 2,158 requests/s with 50 clients; bench/README.md).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import time
from dataclasses import dataclass, field

import aiohttp
from yarl import URL

_CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_TIMEOUT = aiohttp.ClientTimeout(total=120)


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    seconds: float

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Sample:
    """One timed request of a load run."""

    seconds: float
    status: int
    size: int
    sql: int | None
    headers: dict[str, str] = field(repr=False, default_factory=dict)


class HttpError(RuntimeError):
    pass


class Session:
    """A browser on 127.0.0.1:<port>: its cookies, its language and, once signed in, the CSRF
    token for API writes. Create it inside the running event loop; close it when done."""

    def __init__(self, port: int, locale: str = "zh_CN") -> None:
        self.port = port
        self.base = URL(f"http://127.0.0.1:{port}")
        self.csrf = ""
        self.locale = locale
        self.http = aiohttp.ClientSession(
            base_url=self.base,
            headers={"Accept-Language": "zh-CN,zh;q=0.9" if locale == "zh_CN" else "en"},
            # unsafe: keep cookies of an IP address host (the server is 127.0.0.1)
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            # gunicorn's sync workers close every connection after the response
            connector=aiohttp.TCPConnector(force_close=True, limit=200),
            timeout=_TIMEOUT,
        )

    def sharing(self, locale: str) -> Session:
        """The same signed-in user in another language."""
        twin = Session(self.port, locale)
        twin.http.cookie_jar.update_cookies(self.http.cookie_jar.filter_cookies(self.base))
        twin.csrf = self.csrf
        return twin

    async def _send(self, method: str, path: str, **kw) -> Response:
        started = time.perf_counter()
        async with self.http.request(method, path, allow_redirects=False, **kw) as response:
            body = await response.read()
        headers = {name.lower(): value for name, value in response.headers.items()}
        return Response(response.status, headers, body, time.perf_counter() - started)

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return await self._send("GET", path, headers=headers)

    async def send(self, method: str, path: str, payload=None) -> Response:
        """A JSON API call with the session cookie and the CSRF header."""
        headers = {"Accept": "application/json", "X-CSRFToken": self.csrf}
        return await self._send(method, path, json=payload, headers=headers)

    async def login(self, username: str, password: str) -> None:
        """Sign in through the login form, as a browser does, then fetch an API CSRF token."""
        page = await self.get("/login")
        form = {"username": username, "password": password}
        token = _CSRF_INPUT.search(page.text)
        if token:
            form["csrf_token"] = token.group(1)
        response = await self._send("POST", "/login", data=form)
        if response.status != 302:
            raise HttpError(f"login as {username}: HTTP {response.status}")
        api = await self.get("/api/v1/csrf-token", {"Accept": "application/json"})
        if api.status == 200:
            data = api.json()
            self.csrf = data.get("csrf_token") or data.get("token") or ""
        if not self.csrf:
            home = await self.get("/")
            match = _CSRF_META.search(home.text) or _CSRF_INPUT.search(home.text)
            self.csrf = match.group(1) if match else ""

    async def close(self) -> None:
        await self.http.close()


async def load(
    make,
    *,
    concurrency: int,
    seconds: float,
    max_requests: int,
    min_requests: int = 0,
    think: tuple[float, float] | None = None,
) -> tuple[list[Sample], float]:
    """Run `concurrency` clients for `seconds` (or `max_requests`); return samples and the
    elapsed time. `make(client, n)` is an async callable returning a Response.

    Without `think` every client sends its next request as soon as the last is answered (the
    server's capacity); with `think=(low, high)` each waits a random time in that range first,
    as a person tapping answers does (an open, human-paced load)."""
    samples: list[Sample] = []
    counter = itertools.count()
    started = time.perf_counter()
    deadline = started + seconds
    pace = random.Random(2026)  # noqa: S311 - think times, not secrets

    async def client(k: int) -> None:
        if think:  # spread the first requests over one think time
            await asyncio.sleep(pace.uniform(0, think[1]))
        while True:
            if think and n_done[k]:
                await asyncio.sleep(pace.uniform(*think))
            n = next(counter)
            if n >= max_requests or (time.perf_counter() > deadline and n >= min_requests):
                return
            response = await make(k, n)
            sql = response.headers.get("x-sql-count")
            samples.append(
                Sample(
                    response.seconds,
                    response.status,
                    len(response.body),
                    int(sql) if sql is not None else None,
                    response.headers,
                )
            )
            n_done[k] += 1

    n_done = [0] * concurrency
    await asyncio.gather(*(client(k) for k in range(concurrency)))
    return samples, time.perf_counter() - started
