"""Fair use of the public site without a CAPTCHA (R-PUB-1): a token bucket per client address on the public paths,
answering 429 problem+json with ``Retry-After`` when a client's bucket is empty.

Each client's bucket holds up to ``burst`` tokens and refills at ``per_second``; a request takes ``cost`` tokens
(most one; a bulk lookup and a directory download more, as they cost the server more). The settings are
``REGISTRY_RATE_LIMIT_PER_SECOND`` (0: off), ``REGISTRY_RATE_LIMIT_BURST`` and ``REGISTRY_RATE_LIMIT_LOOPBACK``.

Who is limited: a client with an IP address, on ``PUBLIC_PREFIXES`` only (never the office, the staff and
regulator API, nor the log's API under /api/v1/log; the public /log/ of C2SP's formats is limited, as a witness
or a monitor polls it well within the rate). Loopback clients (127.0.0.0/8, ::1) are not limited unless
``REGISTRY_RATE_LIMIT_LOOPBACK`` says so: the benchmarks and a reverse proxy on the same host come from there (behind
a proxy, let uvicorn take the client's address from ``X-Forwarded-For``: ``FORWARDED_ALLOW_IPS``). Nor is a client
with no IP address at all (an in-process ASGI client, a Unix socket without a proxy's headers): it is not on a
network. The buckets are per worker process: with N workers a client may get up to N times the rate.

A plain ASGI middleware, as the fast lane (``api.lookup``): a request off the public paths costs one ``startswith``
test; one on them a dictionary look-up and a little arithmetic, never a lock (one event loop per worker).
"""

from __future__ import annotations

import functools
import ipaddress
import math
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from api import problems

PUBLIC_PREFIXES = ("/api/v1/public/", "/verify", "/search", "/lookup", "/log/")
COSTS = {"/api/v1/public/certificates/lookup": 10, "/api/v1/public/directory.csv": 100,
         "/api/v1/public/directory.jsonl": 100}
PRUNE_EVERY = 10_000  # requests between sweeps of the buckets that have refilled (they are forgotten)


@functools.lru_cache(maxsize=4096)  # the addresses seen last: parsed once, not on every request
def _loopback(host: str) -> bool | None:
    """Whether ``host`` is a loopback address; None when it is no IP address."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return None


class Buckets:
    """Token buckets by key: ``take`` answers 0 when the request may go on, else the seconds to wait."""

    def __init__(self, per_second: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second, self.burst, self.clock = per_second, float(burst), clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key: (tokens, when counted)
        self._since_prune = 0

    def take(self, key: str, cost: float = 1.0) -> float:
        now = self.clock()
        tokens, then = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.per_second)
        cost = min(cost, self.burst)  # a request dearer than a full bucket waits for a full bucket
        self._since_prune += 1
        if self._since_prune >= PRUNE_EVERY:
            self._prune(now)
        if tokens >= cost:
            self._buckets[key] = (tokens - cost, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (cost - tokens) / self.per_second

    def _prune(self, now: float) -> None:
        self._since_prune = 0
        full = [k for k, (tokens, then) in self._buckets.items()
                if tokens + (now - then) * self.per_second >= self.burst]
        for key in full:
            del self._buckets[key]


class FairUse:
    """The middleware: ``per_second`` 0 turns it off (the app then does not add it)."""

    def __init__(self, app: ASGIApp, per_second: float, burst: int, loopback: bool = False) -> None:
        self.app = app
        self.buckets = Buckets(per_second, burst)
        self.loopback = loopback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        host = client[0] if client else ""
        loopback = _loopback(host)
        if loopback is None or (loopback and not self.loopback):
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(host, COSTS.get(scope["path"], 1))
        if not wait:
            await self.app(scope, receive, send)
            return
        seconds = max(1, math.ceil(wait))
        response = problems.problem(
            429, "too-many-requests", problems.title("too-many-requests"),
            f"来自此地址的请求过于频繁，请在 {seconds} 秒后重试 / too many requests from this address; try again "
            f"in {seconds} s", retry_after=seconds)
        response.headers["Retry-After"] = str(seconds)
        response.headers["X-Content-Type-Options"] = "nosniff"
        await response(scope, receive, send)
