"""The public search's answers kept while the public view has not moved (R-PUB-1, issue 25).

A search page is a function of what was typed, the page, the day (a certificate's validity lapses by date) and the
public view's rows, which change only as the view processes the log. So an answer is kept with the view's position
when its read began, and served again while the position is the same: an answer kept at position P was read from a
view at P or later, and is given only to a request that finds the view still at P, so it is what a fresh read would
give. Nothing kept is older than the view a request could have read.

A request learns the position from a read that begins after it arrives: the requests that come while one read is
under way share the next one (``position``), so under load the check costs one small query per batch, not one per
request. A kept answer also expires after ``ttl`` seconds, in case the rows changed without the position moving (a
parked event retried by hand, ``registry projections retry``; a rebuild by another process, which ends at the
position it started from). The answers kept are bounded by ``budget`` bytes, the
most recently served kept.

A plain search (``q`` and ``page`` alone) whose answer is kept is given in the fast lane (``api.lookup``), before
the framework's routing and parameter parsing, which were most of a kept answer's time; the route
(``api.public_site.search``) reads and keeps the others.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from api.edge import NOSNIFF_HEADERS
from api.front import PAGE_HEADERS
from api.inputs import MAX_TEXT

MAX_QUERY = 4 * MAX_TEXT  # characters of ``q`` taken at all (a longer one is refused before it is read)


def search_problem(q: str) -> tuple[str, str] | None:
    """Why what was typed cannot be searched for (Chinese, English), or None."""
    if len(q) > MAX_TEXT:
        return (f"查询内容过长（最多 {MAX_TEXT} 个字符）", f"the search is too long (at most {MAX_TEXT} characters)")
    if not q.isprintable():
        return ("查询内容含有不可打印的字符", "the search holds characters that cannot be printed")
    return None


def search_key(app: Any, typed: str, page: int) -> Hashable:
    """What a search's answer is kept by: what was typed, the page, and the day (a validity lapses by date)."""
    return typed, page, app.state.registry.clock.today()


@dataclass(frozen=True)
class Answer:
    """A search's answer: a page (``body``) or, for a number found exactly, where to go (``location``)."""

    position: int  # the public view's position when the read behind it began
    body: bytes = b""
    location: str | None = None
    kept_at: float = 0.0  # time.monotonic()

    def response(self) -> Response:
        if self.location is not None:
            return RedirectResponse(self.location, status_code=303, headers=NOSNIFF_HEADERS)
        return Response(self.body, media_type="text/html", headers={**PAGE_HEADERS, **NOSNIFF_HEADERS})


class Answers:
    """Search answers by (what was typed, page, day), each served while the view's position is the one it was read
    at. Used by one event loop: no lock."""

    def __init__(self, position_of: Callable[[], int], budget: int = 16 * 1024 * 1024, ttl: float = 60.0) -> None:
        self._position_of = position_of
        self.budget, self.ttl = budget, ttl
        self._kept: OrderedDict[Hashable, Answer] = OrderedDict()
        self._size = 0
        self._next: asyncio.Future[int] | None = None  # the read that begins once the one under way ends
        self._reading: asyncio.Task[None] | None = None

    async def position(self) -> int:
        """The view's position, from a read begun after this call (shared with the calls made meanwhile)."""
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            if self._reading is None:
                self._reading = asyncio.get_running_loop().create_task(self._read())
        return await asyncio.shield(self._next)

    async def _read(self) -> None:
        try:
            while self._next is not None:
                future, self._next = self._next, None
                try:
                    future.set_result(await run_in_threadpool(self._position_of))
                except Exception as e:  # the database away: each waiting request answers it (503)
                    future.set_exception(e)
                    future.exception()  # retrieved here: a request that left before it does not warn
        finally:
            self._reading = None

    async def kept(self, key: Hashable) -> tuple[int, Answer | None]:
        """The view's position now (``position``), and the answer kept for ``key`` at that position, if any."""
        position = await self.position()
        return position, self.get(key, position)

    def get(self, key: Hashable, position: int) -> Answer | None:
        """The answer kept for ``key`` when it was read at ``position`` and is younger than ``ttl``."""
        answer = self._kept.get(key)
        if answer is None or answer.position != position or time.monotonic() - answer.kept_at > self.ttl:
            return None
        self._kept.move_to_end(key)
        return answer

    def keep(self, key: Hashable, answer: Answer) -> None:
        size = len(answer.body) + 256  # the key and the answer's own bookkeeping, roughly
        if size > self.budget:
            return
        old = self._kept.pop(key, None)
        if old is not None:
            self._size -= len(old.body) + 256
        self._kept[key] = Answer(answer.position, answer.body, answer.location, time.monotonic())
        self._size += size
        while self._size > self.budget:
            _, dropped = self._kept.popitem(last=False)
            self._size -= len(dropped.body) + 256
