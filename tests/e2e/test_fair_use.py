"""Fair use without a CAPTCHA (R-PUB-1; ``api.fair_use``): a client that asks too fast gets 429 problem+json with
``Retry-After`` on the public paths, recovers when its bucket refills, and never slows anyone else or the office."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.fair_use import Buckets
from api.settings import Settings
from registry.application import Registry

CLIENT, OTHER = ("203.0.113.7", 40000), ("198.51.100.9", 40000)  # documentation addresses (RFC 5737)
Clients = Callable[..., TestClient]


@pytest.fixture
def tight(registry: Registry, tmp_path: Path) -> Iterator[Clients]:
    """Clients of one app limited to a burst of 3 and 2 requests a second, each as the address it is given. The
    app starts (its lifespan) once, with the first; the others share its state."""
    settings = Settings(signing_key=str(tmp_path / "signing.key"), rate_limit_per_second=2, rate_limit_burst=3)
    app = create_app(settings, registry=registry)
    with TestClient(app, raise_server_exceptions=False, client=CLIENT) as first:
        yield lambda client=CLIENT: first if client == CLIENT else TestClient(
            app, raise_server_exceptions=False, client=client)


def test_r_pub_1_a_client_asking_too_fast_gets_429_with_retry_after_and_then_recovers(tight: Clients) -> None:
    client = tight()
    answers = [client.get("/api/v1/public/certificates/CB-CEMS-2026-00001").status_code for _ in range(3)]
    refused = client.get("/api/v1/public/certificates/CB-CEMS-2026-00001")

    assert answers == [404, 404, 404]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "1"
    body = refused.json()
    assert body["status"] == 429 and body["title"] == "请求过于频繁 / Too many requests"
    assert body["detail"].index("秒后重试") < body["detail"].index("try again")
    assert client.get("/search", params={"q": "x"}).status_code == 429  # the pages are limited too

    time.sleep(1.1)  # two tokens back

    assert client.get("/api/v1/public/certificates/CB-CEMS-2026-00001").status_code == 404
    assert client.get("/verify/CB-CEMS-2026-00001").status_code == 404


def test_r_pub_1_the_limit_is_per_client_and_leaves_the_office_and_staff_api_alone(tight: Clients) -> None:
    client, other = tight(CLIENT), tight(OTHER)
    for _ in range(4):
        client.get("/api/v1/public/keys")
    assert client.get("/api/v1/public/keys").status_code == 429

    assert other.get("/api/v1/public/keys").status_code == 200
    assert client.get("/office/login").status_code == 200
    assert client.get("/api/v1/certificates/CB-CEMS-2026-00001").status_code == 401  # a token route: no 429
    assert client.get("/api/v1/ping").status_code == 200


def test_r_pub_1_loopback_and_in_process_clients_are_not_limited_by_default(tight: Clients) -> None:
    for address in (("127.0.0.1", 5000), ("::1", 5000), ("testclient", 50000)):
        client = tight(address)
        assert {client.get("/api/v1/public/keys").status_code for _ in range(10)} == {200}


def test_r_pub_1_loopback_is_limited_when_the_settings_say_so(registry: Registry, tmp_path: Path) -> None:
    settings = Settings(signing_key=str(tmp_path / "signing.key"), rate_limit_per_second=1, rate_limit_burst=2,
                        rate_limit_loopback=True)
    with TestClient(create_app(settings, registry=registry), client=("127.0.0.1", 5000)) as client:
        assert [client.get("/api/v1/public/keys").status_code for _ in range(3)] == [200, 200, 429]


def test_r_pub_1_no_limit_when_the_rate_is_zero(registry: Registry, tmp_path: Path) -> None:
    settings = Settings(signing_key=str(tmp_path / "signing.key"), rate_limit_per_second=0, rate_limit_burst=1)
    with TestClient(create_app(settings, registry=registry), client=CLIENT) as client:
        assert {client.get("/api/v1/public/keys").status_code for _ in range(5)} == {200}


def test_r_pub_1_a_bucket_refills_at_its_rate_and_a_bulk_request_costs_more() -> None:
    now = [0.0]
    buckets = Buckets(per_second=2, burst=10, clock=lambda: now[0])

    assert buckets.take("a", 10) == 0  # a bulk lookup empties a full bucket
    assert buckets.take("a") == pytest.approx(0.5)  # one token comes back in half a second
    assert buckets.take("b") == 0  # another client has its own
    now[0] = 0.5
    assert buckets.take("a") == 0
    assert buckets.take("a", 100) == pytest.approx(5.0)  # dearer than the bucket: waits for a full one
