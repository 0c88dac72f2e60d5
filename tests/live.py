"""What the tests that start real servers share: a free port, waiting for a server to answer, and the app served in
a thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx2 as httpx
import pytest
import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def answers(url: str, seconds: float = 15.0) -> bool:
    """Whether ``url`` answers (any status) within ``seconds``, asking every 0.1 s."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return True
        except httpx.TransportError:
            time.sleep(0.1)
    return False


@contextmanager
def in_thread(app: Any, port: int, name: str, **config: Any) -> Iterator[uvicorn.Server]:
    """``app`` served by uvicorn (as ``registry serve`` serves it) in a thread of this process on ``port``, once it
    has started; stopped on leaving."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, ws="none",
                                           **{"log_level": "warning", **config}))
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the live server did not start", pytrace=False)
            time.sleep(0.05)
        yield server
    finally:
        server.should_exit = True
        thread.join(timeout=30)
