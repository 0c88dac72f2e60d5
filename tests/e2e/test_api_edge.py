"""The HTTP edge (api/edge.py, issue 20 items 4 and 6): every body capped, a back-office write's caller judged
before its body is read, and the headers every answer carries."""

from __future__ import annotations

import json
import select
import socket
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import UploadFile

from api import edge
from api.app import create_app
from api.lookup import CACHE_CONTROL
from api.settings import Settings
from demo.scenario import Walk, enrol_staff
from registry.application import Registry
from tests.conftest import STAFF_SINCE
from tests.e2e.conftest import Callers
from tests.e2e.http_walk import API, START, HttpWalk, bearer, iso, problem, written
from tests.live import free_port, in_thread

GIB = 1 << 30
UPLOAD_LIMIT = 256 * 1024
UNKNOWN = "reg_00000000000000000000000000000000_secret"
BOUNDARY = "edge-test-boundary"


def log_size(registry: Registry) -> int:
    return registry.recorder.max_notification_id() or 0


def settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(signing_key=str(tmp_path / "signing.key"), checkpoint_key=str(tmp_path / "checkpoint.key"),
                    run_scheduler=False, **overrides)


@pytest.fixture
def client(registry: Registry, tmp_path: Path) -> Iterator[TestClient]:
    """A client whose server takes JSON bodies up to 4 KiB and documents up to 256 KiB."""
    app = create_app(settings(tmp_path, max_body_bytes=4096, max_upload_bytes=UPLOAD_LIMIT), registry=registry)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@dataclass
class Live:
    port: int
    http: httpx.Client


@pytest.fixture
def live(registry: Registry, tmp_path: Path) -> Iterator[Live]:
    """The app served by uvicorn (httptools, as ``registry serve``) in a thread, on a free port."""
    port = free_port()
    app = create_app(settings(tmp_path, max_upload_bytes=UPLOAD_LIMIT), registry=registry)
    with in_thread(app, port, "edge-test-server", http="httptools"), \
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        yield Live(port, http)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]
    sent: int  # body bytes the client had sent when the answer came


def exchange(port: int, head: str, parts: Iterable[bytes], wait: float = 10.0) -> Answer:
    """Sends ``head``, then ``parts`` for as long as the server has not answered; reads the answer. A server that
    waits for more body before answering makes this fail after ``wait`` seconds."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(head.encode("latin-1"))
        sent = 0
        for part in parts:
            readable, writable, _ = select.select([s], [s], [], wait)
            if readable or not writable:
                break
            try:
                s.sendall(part)
            except (TimeoutError, ConnectionError):
                break  # the server stopped reading
            sent += len(part)
        received = b""
        try:
            while b"\r\n\r\n" not in received:
                chunk = s.recv(65536)
                if not chunk:
                    break
                received += chunk
            raw_head, _, body = received.partition(b"\r\n\r\n")
            lines = raw_head.decode("latin-1").split("\r\n")
            headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            while len(body) < int(headers.get("content-length", 0)):
                chunk = s.recv(65536)
                if not chunk:
                    break
                body += chunk
        except TimeoutError:
            pytest.fail(f"no answer within {wait} s: the server is waiting for the body ({sent} bytes sent)")
    return Answer(int(lines[0].split()[1]), headers, json.loads(body), sent)


def post_head(path: str, length: int | None, token: str | None = None,
              content_type: str = "application/json") -> str:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Type: {content_type}"]
    lines.append(f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked")
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    return "\r\n".join(lines) + "\r\n\r\n"


def multipart_preamble(received_on: str) -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\napplication_form\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"received_on\"\r\n\r\n{received_on}\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n%PDF-1.7 ").encode()


def chunked(parts: Iterable[bytes]) -> Iterator[bytes]:
    for part in parts:
        yield f"{len(part):x}\r\n".encode() + part + b"\r\n"
    yield b"0\r\n\r\n"


# Bodies: capped, and judged on their caller first


def test_an_oversized_body_is_refused_for_its_caller_before_a_byte_of_it_is_read(
        live: Live, callers: Callers, registry: Registry) -> None:
    """A 1 GiB body is declared and 4 KiB of it sent: the answer comes at once, for the caller first (401, 403),
    then for the size (413). The old edge read the whole body before judging anything."""
    before = log_size(registry)
    upload = f"multipart/form-data; boundary={BOUNDARY}"
    for path, token, content_type, status in (
            (f"{API}/people", None, "application/json", 401),
            (f"{API}/people", "", "application/json", 401),
            (f"{API}/people", UNKNOWN, "application/json", 401),
            (f"{API}/cases/{uuid.uuid4()}/documents", UNKNOWN, upload, 401),
            (f"{API}/cases/{uuid.uuid4()}/documents", callers.decision.token, upload, 403),
            (f"{API}/people", callers.decision.token, "application/json", 403),
            (f"{API}/people", callers.admin.token, "application/json", 413),
            (f"{API}/cases/{uuid.uuid4()}/documents", callers.intake.token, upload, 413)):
        answer = exchange(live.port, post_head(path, GIB, token, content_type), [b"x" * 4096])
        assert answer.status == status, (path, token, answer)
        assert answer.headers["content-type"] == "application/problem+json"
        if status == 413:
            assert answer.body["type"] == "urn:cems-registry:problem:too-large", answer.body
            assert answer.body["detail"].startswith(("请求体过大", "文件过大")), answer.body
    assert log_size(registry) == before


def test_a_chunked_upload_over_the_cap_is_cut_with_a_413_and_never_spooled_past_it(
        live: Live, callers: Callers, registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    walk = HttpWalk(live.http, callers).organization().apply()  # type: ignore[arg-type]
    spooled = 0
    write = UploadFile.write

    async def counted(self: UploadFile, data: bytes) -> None:
        nonlocal spooled
        spooled += len(data)
        await write(self, data)

    monkeypatch.setattr(UploadFile, "write", counted)
    before = log_size(registry)
    sixteen_mib = (b"x" * 65536 for _ in range(256))
    answer = exchange(live.port, post_head(f"{API}/cases/{walk.case}/documents", None, callers.intake.token,
                                           f"multipart/form-data; boundary={BOUNDARY}"),
                      chunked([multipart_preamble(iso(walk.day(1))), *sixteen_mib]))

    assert answer.status == 413, answer
    assert answer.body["type"] == "urn:cems-registry:problem:too-large"
    assert answer.body["max_bytes"] == UPLOAD_LIMIT
    assert spooled <= UPLOAD_LIMIT + edge.FORM_OVERHEAD, spooled
    assert log_size(registry) == before
    written(walk.upload("application_form"), 201, "sha256")  # the connection's fate aside, uploads go on


def test_a_chunked_json_body_is_cut_at_its_cap_while_it_is_still_being_sent(live: Live, callers: Callers,
                                                                            registry: Registry) -> None:
    before = log_size(registry)
    total = 64 * 1024 * 1024
    answer = exchange(live.port, post_head(f"{API}/people", None, callers.admin.token),
                      chunked([b'{"name": "' + b"x" * 65536, *(b"x" * 65536 for _ in range(total // 65536))]))

    assert answer.status == 413, answer
    assert answer.body["max_bytes"] == 1024 * 1024
    assert answer.sent < total, answer.sent  # answered long before the end: the server had stopped reading
    assert log_size(registry) == before


def test_a_json_body_over_its_cap_is_a_413_for_an_authenticated_caller_and_writes_nothing(
        client: TestClient, callers: Callers, registry: Registry) -> None:
    before = log_size(registry)
    body = {"name": "张" * 4096}
    response = client.post(f"{API}/people", json=body, headers=callers.admin.headers)

    refusal = problem(response, 413)
    assert refusal["type"] == "urn:cems-registry:problem:too-large"
    assert refusal["max_bytes"] == 4096
    # Who before what: the caller is judged first, whatever the size.
    problem(client.post(f"{API}/people", json=body, headers=callers.decision.headers), 403)
    problem(client.post(f"{API}/people", json=body, headers=bearer(UNKNOWN)), 401)
    problem(client.post(f"{API}/people", json=body), 401)
    assert log_size(registry) == before


def test_a_small_write_goes_through_unjudged_and_a_large_one_is_judged_once(
        client: TestClient, callers: Callers, registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    """A command's own thread judges its caller; the edge adds no hop of its own to a small write."""
    judged: list[str] = []
    judge = edge._judge

    def spy(registry: Registry, token: str, role: Any) -> None:
        judged.append(token)
        judge(registry, token, role)

    monkeypatch.setattr(edge, "_judge", spy)
    written(client.post(f"{API}/people", json={"name": "新审核员"}, headers=callers.admin.headers), 201, "id")
    assert judged == []

    large = {"name": "x" * (edge.JUDGE_FIRST + 1)}
    problem(client.post(f"{API}/people", json=large, headers=callers.admin.headers), 413)
    assert judged == [callers.admin.token]


def test_a_document_within_the_cap_is_uploaded_as_before(client: TestClient, callers: Callers) -> None:
    walk = HttpWalk(client, callers).organization().apply()
    written(walk.upload("application_form", content=b"%PDF" + b"x" * (UPLOAD_LIMIT - 4)), 201, "sha256")
    problem(walk.upload("application_form", content=b"%PDF" + b"x" * UPLOAD_LIMIT), 413)


# Headers


def test_every_answer_says_nosniff(client: TestClient, callers: Callers) -> None:
    answers = [
        client.get(f"{API}/ping"),
        client.get(f"{API}/public/certificates/CB-NO-SUCH"),  # the lookup's fast lane
        client.get(f"{API}/public/certificates", params={"uscc": "91310000MA1FL8XQ3X"}),
        client.get("/openapi.json"),
        client.get("/verify/CB-NO-SUCH"),
        client.get(f"{API}/cases/{uuid.uuid4()}", headers=callers.intake.headers),
        client.post(f"{API}/people", json={}),
        client.get(f"{API}/people"),
        client.post(f"{API}/people", json={"name": 3}, headers=callers.admin.headers),
    ]
    for response in answers:
        assert response.headers.get("x-content-type-options") == "nosniff", (response.request.url, response.headers)
        assert response.headers.get_list("x-content-type-options") == ["nosniff"]


def test_an_unexpected_error_says_nosniff(client: TestClient, callers: Callers, registry: Registry,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(registry, "get_case", broken)
    response = client.get(f"{API}/cases/{uuid.uuid4()}", headers=callers.intake.headers)
    problem(response, 500)
    assert response.headers["x-content-type-options"] == "nosniff"


def test_authenticated_and_back_office_answers_are_never_stored(client: TestClient, callers: Callers) -> None:
    for response in (client.get(f"{API}/cases/{uuid.uuid4()}", headers=callers.intake.headers),
                     client.get(f"{API}/cases/{uuid.uuid4()}"),
                     client.post(f"{API}/people", json={"name": "未登录"}),
                     client.get(f"{API}/public/certificates/CB-NO-SUCH", headers=callers.regulator.headers)):
        assert response.headers.get_list("cache-control") == ["no-store"], (response.request.url, response.headers)
    assert "cache-control" not in client.get(f"{API}/public/certificates/CB-NO-SUCH").headers


def test_the_public_qr_image_keeps_its_own_caching_for_an_authenticated_caller(client: TestClient,
                                                                               registry: Registry) -> None:
    number = Walk(registry, enrol_staff(registry, STAFF_SINCE), START).to_certificate().number
    assert number
    assert client.app.state.views.wait(registry.recorder.max_notification_id(), 10)  # type: ignore[attr-defined]
    token = registry.add_user("监管员", ["regulator"], None)[1]
    response = client.get(f"{API}/public/certificates/{number}/qr.svg", headers=bearer(token))

    assert response.status_code == 200, response.text
    assert response.headers.get_list("cache-control") == [CACHE_CONTROL]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_405_names_every_method_the_path_takes(client: TestClient, callers: Callers) -> None:
    """Starlette names the methods of the first route at the path only: /api/v1/users is two routes."""
    for response, allowed in ((client.get(f"{API}/people", headers=callers.admin.headers), "POST"),
                              (client.delete(f"{API}/public/certificates"), "GET"),
                              (client.delete(f"{API}/users", headers=callers.admin.headers), "GET, POST")):
        problem(response, 405)
        assert response.headers["allow"] == allowed


def test_a_method_no_route_takes_is_a_405_with_or_without_a_token(client: TestClient) -> None:
    """The edge's 401 at once is for the back office's writes; a method the path does not take is the router's."""
    for method, path in (("TRACE", f"{API}/ping"), ("DELETE", f"{API}/people"), ("PUT", f"{API}/cases")):
        problem(client.request(method, path, content=b"{}"), 405)
    problem(client.post(f"{API}/cases", content=b"{}"), 401)


def test_the_openapi_document_lists_the_413_of_every_operation_that_takes_a_body(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert ("413" in operation["responses"]) == ("requestBody" in operation), (method, path)
    assert "413" in paths["/api/v1/cases/{case_id}/documents"]["post"]["responses"]


def test_a_found_certificate_from_the_lookups_fast_lane_says_nosniff_once(client: TestClient, callers: Callers) -> None:
    """The plain lookup is answered before the edge (its fast lane), so it says nosniff itself."""
    walk = HttpWalk(client, callers).to_certificate()
    position = walk.answers["decision"]["position"]
    waited = client.get(f"{API}/public/certificates/{walk.number}", params={"after": position})
    for response in (waited, client.get(f"{API}/public/certificates/{walk.number}")):
        assert response.status_code == 200
        assert response.headers.get_list("x-content-type-options") == ["nosniff"]
