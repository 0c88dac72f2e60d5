"""api.transport: a response's writes go out as one when the event loop next turns, in order; nothing is held
past a close, a large body is not held back, and a stream's chunks go out as their sender waits."""

from __future__ import annotations

import asyncio
from typing import Any

from api.transport import FLUSH_AT, GatheringTransport


class Recording(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 8000) if name == "sockname" else default


def gathered(scenario: Any) -> tuple[Recording, Any]:
    async def run() -> tuple[Recording, Any]:
        real = Recording()
        result = await scenario(GatheringTransport(real, asyncio.get_running_loop()), real)
        await asyncio.sleep(0)  # one more turn of the loop
        return real, result

    return asyncio.run(run())


def test_a_response_sent_in_one_go_is_one_write() -> None:
    async def respond(transport: GatheringTransport, real: Recording) -> list[bytes]:
        transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        transport.write(b"{}")
        return list(real.writes)  # nothing written yet: the app has not yielded

    real, before = gathered(respond)
    assert before == []
    assert real.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]


def test_a_streamed_response_is_written_chunk_by_chunk_as_its_sender_waits() -> None:
    async def stream(transport: GatheringTransport, real: Recording) -> None:
        transport.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        await asyncio.sleep(0)
        transport.write(b"5\r\nfirst\r\n")
        await asyncio.sleep(0)
        transport.write(b"0\r\n\r\n")

    real, _ = gathered(stream)
    assert real.writes == [b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", b"5\r\nfirst\r\n", b"0\r\n\r\n"]


def test_a_large_body_is_written_at_once_and_in_order() -> None:
    body = b"x" * FLUSH_AT

    async def respond(transport: GatheringTransport, real: Recording) -> int:
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(body)
        written = len(real.writes)
        transport.write(b"tail")
        return written

    real, written_before_yielding = gathered(respond)
    assert written_before_yielding == 1
    assert real.writes == [b"HTTP/1.1 200 OK\r\n\r\n" + body, b"tail"]


def test_a_close_writes_what_is_held_first_and_nothing_goes_to_a_closed_transport() -> None:
    async def close(transport: GatheringTransport, real: Recording) -> None:
        transport.write(b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n")
        transport.close()
        transport.write(b"late")

    real, _ = gathered(close)
    assert real.writes == [b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n"]
    assert real.closed


def test_everything_else_is_the_transports_own() -> None:
    async def ask(transport: GatheringTransport, real: Recording) -> Any:
        transport.write(b"held")
        return transport.get_extra_info("sockname"), transport.get_write_buffer_size()

    _, (sockname, buffered) = gathered(ask)
    assert sockname == ("127.0.0.1", 8000)
    assert buffered == 4
