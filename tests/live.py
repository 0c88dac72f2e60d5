"""What the tests that start real processes share: a free port, and waiting for a server to answer."""

from __future__ import annotations

import socket
import time

import httpx2 as httpx


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
