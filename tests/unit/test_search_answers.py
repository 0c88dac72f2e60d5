"""The public search's kept answers (``api/search_answers.py``, issue 25): served only while the view's position is
the one they were read at and they are young, within a budget, the position read once for the requests that wait
together and afresh for those that come after a read began."""

from __future__ import annotations

import asyncio
import threading

import pytest

from api.search_answers import Answer, Answers


def test_an_answer_is_served_only_at_the_position_it_was_read_at() -> None:
    answers = Answers(lambda: 0)
    answers.keep("q", Answer(7, b"page"))
    assert answers.get("q", 7) is not None and answers.get("q", 7).body == b"page"  # type: ignore[union-attr]
    assert answers.get("q", 8) is None and answers.get("other", 7) is None


def test_an_answer_older_than_its_ttl_is_not_served(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr("api.search_answers.time.monotonic", lambda: now[0])
    answers = Answers(lambda: 0, ttl=60)
    answers.keep("q", Answer(7, b"page"))
    now[0] += 59
    assert answers.get("q", 7) is not None
    now[0] += 2
    assert answers.get("q", 7) is None


def test_the_answers_stay_within_their_budget_the_most_recently_served_kept() -> None:
    answers = Answers(lambda: 0, budget=3 * (100 + 256))
    for key in "abc":
        answers.keep(key, Answer(1, b"x" * 100))
    assert answers.get("a", 1) is not None  # a served: b is now the oldest
    answers.keep("d", Answer(1, b"x" * 100))
    assert [k for k in "abcd" if answers.get(k, 1) is not None] == ["a", "c", "d"]
    answers.keep("huge", Answer(1, b"x" * 10_000))  # larger than the budget: not kept, nothing dropped
    assert answers.get("huge", 1) is None and answers.get("a", 1) is not None


def test_requests_waiting_together_share_one_read_and_a_later_one_gets_a_read_begun_after_it() -> None:
    reads: list[int] = []
    release = threading.Event()

    def position() -> int:
        reads.append(len(reads) + 1)
        release.wait(5)
        return len(reads)

    async def scenario() -> tuple[list[int], int]:
        answers = Answers(position)
        first = asyncio.ensure_future(answers.position())
        await asyncio.sleep(0.05)  # the first read is under way
        waiting = [asyncio.ensure_future(answers.position()) for _ in range(5)]
        await asyncio.sleep(0.05)
        release.set()
        together = await asyncio.gather(*waiting)
        return [await first, *together], len(reads)

    got, count = asyncio.run(scenario())
    assert got == [1, 2, 2, 2, 2, 2] and count == 2  # the five came during read 1: all of them share read 2


def test_a_failed_read_is_each_waiting_request_s_failure_and_the_next_read_tries_again() -> None:
    calls = [0]

    def position() -> int:
        calls[0] += 1
        if calls[0] == 1:
            raise ConnectionError("the database is away")
        return 42

    async def scenario() -> int:
        answers = Answers(position)
        with pytest.raises(ConnectionError):
            await answers.position()
        return await answers.position()

    assert asyncio.run(scenario()) == 42
