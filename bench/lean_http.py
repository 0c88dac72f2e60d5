"""A lean HTTP/1.1 client for the commands benchmark: what wrk is to the lookup.

The benchmark's clients share the machine's two cores with the server they measure. httpx spent about a quarter
of a core on eight clients' requests (its URL model, h11's state machine, its stream layers), all of it taken from
the server. This keeps one socket per client and sends the same requests (JSON bodies, multipart uploads, the
same headers), reading each answer by its Content-Length, which is how uvicorn frames every answer of this API.
It offers what ``tests.e2e.http_walk.HttpWalk`` calls on its client: ``post`` and ``get``, answering objects
with ``status_code``, ``headers``, ``text`` and ``json()``.
"""

from __future__ import annotations

import json as jsonlib
import socket
from typing import Any
from urllib.parse import urlsplit

BOUNDARY = "lean-http-boundary-7d1f"


class LeanResponse:
    def __init__(self, status_code: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code, self.headers, self.content = status_code, headers, content

    @property
    def text(self) -> str:
        return self.content.decode()

    def json(self) -> Any:
        return jsonlib.loads(self.content)


class LeanClient:
    """One keep-alive connection to ``base_url`` (``http://host:port``)."""

    def __init__(self, base_url: str, timeout: float = 30) -> None:
        url = urlsplit(base_url)
        self.host, self.port, self.timeout = url.hostname or "127.0.0.1", url.port or 80, timeout
        self.sock: socket.socket | None = None
        self.buffer = b""

    def __enter__(self) -> LeanClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def get(self, path: str, headers: dict[str, str] | None = None) -> LeanResponse:
        return self.request("GET", path, b"", None, headers)

    def post(self, path: str, json: Any = None, data: dict[str, str] | None = None,
             files: dict[str, tuple[str, bytes, str]] | None = None,
             headers: dict[str, str] | None = None) -> LeanResponse:
        if files is not None:
            return self.request("POST", path, multipart(data or {}, files),
                                f"multipart/form-data; boundary={BOUNDARY}", headers)
        return self.request("POST", path, jsonlib.dumps(json).encode(), "application/json", headers)

    def request(self, method: str, path: str, body: bytes, content_type: str | None,
                headers: dict[str, str] | None) -> LeanResponse:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        if content_type is not None:
            lines.append(f"Content-Type: {content_type}")
        lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
        message = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        if self.sock is None:
            self.sock = socket.create_connection((self.host, self.port), self.timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(message)
        return self.response()

    def response(self) -> LeanResponse:
        while b"\r\n\r\n" not in self.buffer:
            self.receive()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" not in headers:
            raise RuntimeError(f"an answer without Content-Length: {status_line} {headers}")
        length = int(headers["content-length"])
        while len(self.buffer) < length:
            self.receive()
        content, self.buffer = self.buffer[:length], self.buffer[length:]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return LeanResponse(int(status_line.split(" ", 2)[1]), headers, content)

    def receive(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            self.close()
            raise ConnectionError("the server closed the connection mid-answer")
        self.buffer += chunk


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> bytes:
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    for name, (filename, content, content_type) in files.items():
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()
