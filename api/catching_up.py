"""Reads that wait for a write (``?after=POSITION`` or ``X-Registry-After``), on the event loop, holding no thread.

Each waiting read is a future; one poller reads the views' position (and the log's head) for all of them at once,
backing off while nothing arrives, so a hundred waiting reads cost what one does and the server's threads stay
with everyone else. A position beyond the log's head is refused at once on a writable primary: no write has it,
and none will until the log grows that far. A replica's head follows the primary's, so there it is waited for,
as long as any other. How many reads may wait at once is bounded: beyond it, a 503 at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.concurrency import run_in_threadpool

from api.problems import NotCaughtUp
from registry.errors import InvalidInput

MAX_WAITING = 1000  # reads waiting at once, per worker
FIRST_POLL = 0.005  # seconds between polls after a read arrives, doubling to LAST_POLL while none does
LAST_POLL = 0.05


class BeyondHead(InvalidInput):
    """A position the log has not reached, asked of a primary."""


class CatchingUp:
    """Where reads wait until the views have processed a log position (``Views.position``)."""

    def __init__(self, views: Any, timeout: float, writable: bool, limit: int = MAX_WAITING) -> None:
        self._views = views
        self.timeout = timeout
        self._writable = writable
        self._limit = limit
        self._reached = 0  # the views' position when last read: never more than it is now
        self._waiting: dict[asyncio.Future[None], tuple[int, str, int]] = {}  # position, field, polls before it
        self._polls = 0
        self._arrived = asyncio.Event()
        self._poller: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def wait(self, position: int, field: str = "after") -> None:
        """Returns once the views have processed ``position``; NotCaughtUp (503) after the timeout or when too many
        reads wait already; InvalidInput (422) for a position beyond a primary's log head."""
        if position <= self._reached:
            return
        if len(self._waiting) >= self._limit:
            raise NotCaughtUp(f"已有过多请求在等待 / {self._limit} reads are waiting for the views already; "
                              "try again shortly")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._waiting[future] = (position, field, self._polls)
        self._arrived.set()
        if self._poller is None:
            self._poller = loop.create_task(self._poll())
        try:
            await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            raise NotCaughtUp(f"公开视图在 {self.timeout:g} 秒内未更新到日志位置 {position} / "
                              f"the public views have not reached log position {position} within "
                              f"{self.timeout:g} s") from None
        finally:
            self._waiting.pop(future, None)

    def _positions(self) -> tuple[int, int]:
        return self._views.position(), self._views.head()

    async def _poll(self) -> None:
        delay = FIRST_POLL
        try:
            while self._waiting:
                self._arrived.clear()
                self._polls += 1
                try:
                    reached, head = await run_in_threadpool(self._positions)
                except Exception as e:  # the database away: each waiting read answers it (503), none hangs
                    for future in list(self._waiting):
                        if not future.done():
                            future.set_exception(e)
                    self._waiting.clear()
                    return
                self._reached = max(self._reached, reached)
                for future, (position, field, polls_before) in list(self._waiting.items()):
                    if future.done():
                        continue
                    if position <= reached:
                        future.set_result(None)
                    # Only of a read that came before this poll began: a later one may name a write newer than the
                    # head this poll read.
                    elif self._writable and position > head and polls_before < self._polls:
                        future.set_exception(BeyondHead(field, (
                            f"日志尚无此位置 / log position {position} is beyond the log's head ({head}): "
                            "no write has reached it")))
                    else:
                        continue
                    del self._waiting[future]
                try:  # until the next poll, or a read arrives; then a moment more, for others with it
                    await asyncio.wait_for(self._arrived.wait(), delay)
                    await asyncio.sleep(FIRST_POLL)
                    delay = FIRST_POLL
                except TimeoutError:
                    delay = min(delay * 2, LAST_POLL)
        finally:
            self._poller = None
