"""What a URL carries into the public reads, over HTTP: a number no certificate can have is refused on its own and
never fails anyone else's lookup; search terms, statuses, pages and ``as_of`` are read strictly; certificate
numbers are matched ignoring case, everywhere a number is looked up (issue #20, items 3, 6 and 7)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from demo.scenario import Walk, enrol_staff
from registry.application import Registry
from tests.conftest import STAFF_SINCE, TODAY
from tests.e2e.conftest import Callers
from tests.e2e.http_walk import problem

PUBLIC = "/api/v1/public/certificates"


def certified(registry: Registry, name: str | None = None) -> Walk:
    walk = Walk(registry, enrol_staff(registry, STAFF_SINCE), date(2026, 3, 2))
    walk.organization(name).apply().documents().accept().agree().programme().team().stage1().stage2().report()
    return walk.decide(decided_on=date(2026, 3, 31))


def published(client: TestClient) -> None:
    client.app.state.views.bring_up_to_date()  # type: ignore[attr-defined]


async def asgi_get(app: Any, path: str, query: bytes = b"") -> tuple[int, bytes]:
    """A GET handed to the app as a server hands it over: ``path`` already decoded, whatever it holds."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode("utf-8", "surrogatepass"), "query_string": query, "root_path": "",
             "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return answer["status"], answer["body"]


async def gathered(app: Any, paths: list[str]) -> list[tuple[int, bytes]]:
    """The GETs at once, on the app's own event loop, as concurrent clients' lookups arrive."""
    return list(await asyncio.gather(*(asgi_get(app, path) for path in paths)))


@pytest.fixture
def store_client(store_registry: Registry, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(signing_key=str(tmp_path / "signing.key"))
    with TestClient(create_app(settings, registry=store_registry), raise_server_exceptions=False) as c:
        yield c


# Item 3: a lookup of a number no certificate can have fails alone


def test_a_nul_lookup_in_a_batch_of_good_ones_leaves_every_good_one_200(client: TestClient,
                                                                      registry: Registry) -> None:
    numbers = [certified(registry).number or "" for _ in range(3)]
    published(client)
    paths = [f"{PUBLIC}/{number}" for number in numbers] * 100 + [f"{PUBLIC}/X\x00", f"{PUBLIC}/{numbers[0]}\x00"] * 50
    paths = paths[::2] + paths[1::2]  # NUL lookups spread among the good ones

    answers = client.portal.call(gathered, client.app, paths)  # type: ignore[union-attr]

    good = [status for path, (status, _) in zip(paths, answers, strict=True) if "\x00" not in path]
    bad = [status for path, (status, _) in zip(paths, answers, strict=True) if "\x00" in path]
    assert good == [200] * 300
    assert bad == [422] * 100


def test_a_gathered_query_that_one_number_fails_answers_the_others_one_by_one(client: TestClient,
                                                                             registry: Registry) -> None:
    """Below the API's own check: the batch is retried number by number, so only the number that fails fails."""
    number = certified(registry).number or ""
    published(client)
    reader = client.app.state.reader  # type: ignore[attr-defined]

    async def lookups() -> list[Any]:
        return list(await asyncio.gather(reader.get(number), reader.get("X\x00"), reader.get(number.lower()),
                                         reader.get("CB-CEMS-1999-99999"), return_exceptions=True))

    exact, nul, lower, unknown = client.portal.call(lookups)  # type: ignore[union-attr]

    assert isinstance(nul, psycopg.DataError)
    assert exact is not None and not isinstance(exact, BaseException) and f'"number": "{number}"' in exact[0]
    assert lower == exact
    assert unknown is None


def test_a_nul_is_refused_with_a_422_by_every_public_route(client: TestClient, registry: Registry,
                                                           callers: Callers) -> None:
    number = certified(registry).number
    published(client)
    for url in (f"{PUBLIC}/X%00", f"{PUBLIC}/X%00?after=0", f"{PUBLIC}/X%00?as_of=2026-06-01",
                f"{PUBLIC}/{number}%00/qr.svg", f"{PUBLIC}/{number}%00/qr.png", "/verify/CB%00",
                f"{PUBLIC}?name=%00", f"{PUBLIC}?uscc=%00", f"{PUBLIC}?name=a%00b&after=0"):
        body = problem(client.get(url), 422)
        assert body["field"] in ("number", "name", "uscc"), (url, body)
        assert "U+0000" in body["detail"], (url, body)
    staff = client.get(f"/api/v1/certificates/{number}%00", headers=callers.regulator.headers)
    assert problem(staff, 422)["field"] == "number"
    assert client.get(f"{PUBLIC}/{number}").status_code == 200


def test_a_lone_surrogate_in_a_number_is_refused_with_a_422(client: TestClient, registry: Registry) -> None:
    """Servers decode a path with replacement characters, but another in front of the app might not."""
    number = certified(registry).number
    published(client)
    paths = [f"{PUBLIC}/X\ud800", f"{PUBLIC}/{number}\udfff/qr.svg", f"{PUBLIC}/{number}\udfff/qr.png",
             "/verify/CB\ud800", f"{PUBLIC}/{number}"]

    answers = client.portal.call(gathered, client.app, paths)  # type: ignore[union-attr]

    assert [status for status, _ in answers] == [422, 422, 422, 422, 200]
    assert all(json.loads(body)["field"].endswith("number") for _, body in answers[:4]), answers[:4]


def test_a_number_longer_than_any_pattern_makes_is_refused_before_any_query(client: TestClient) -> None:
    assert problem(client.get(f"{PUBLIC}/{'9' * 101}"), 422)["field"] == "number"
    assert client.get(f"{PUBLIC}/{'9' * 100}").status_code == 404


# Items 6 and 7: strict queries


def test_page_and_page_size_past_64_bits_are_a_422(client: TestClient, callers: Callers) -> None:
    staff = callers.regulator.headers
    for url in (PUBLIC, "/api/v1/deadlines"):
        for params in ({"page": 2**64}, {"page": 2**63}, {"page_size": 2**64}, {"page": -(2**64)}):
            body = problem(client.get(url, params=params, headers=staff), 422)
            assert body["field"].endswith(next(iter(params))), (url, body)
        assert client.get(url, params={"page": 1_000_000}, headers=staff).json()["items"] == []


def test_percent_and_underscore_in_a_name_match_only_themselves(store_client: TestClient,
                                                               store_registry: Registry) -> None:
    plain = certified(store_registry, "华能清洁电力有限公司")
    percent = certified(store_registry, "百分之百%绿色能源有限公司")
    underscore = certified(store_registry, "下划线_环保科技有限公司")
    published(store_client)

    def names(term: str) -> list[str]:
        return [i["number"] for i in store_client.get(PUBLIC, params={"name": term}).json()["items"]]

    assert names("%") == [percent.number]
    assert names("_") == [underscore.number]
    assert names("百%绿") == [percent.number]
    assert names("\\") == []
    assert plain.number in names("有限公司") and names("清洁电") == [plain.number]  # from the middle of a name


def test_an_unknown_status_is_a_422_listing_the_statuses(client: TestClient) -> None:
    body = problem(client.get(PUBLIC, params={"status": "bogus"}), 422)
    assert body["field"].endswith("status")
    for status in ("valid", "suspended", "withdrawn", "cancelled", "expired"):
        assert status in body["detail"]
    assert client.get(PUBLIC, params={"status": "expired"}).status_code == 200


def test_as_of_is_a_day_written_yyyy_mm_dd_no_later_than_today(client: TestClient, registry: Registry,
                                                              callers: Callers) -> None:
    walk = certified(registry)
    published(client)
    staff = callers.regulator.headers
    urls = [f"{PUBLIC}/{walk.number}", f"/api/v1/certificates/{walk.number}", f"/api/v1/cases/{walk.case_id}"]
    tomorrow = date.fromordinal(TODAY.toordinal() + 1).isoformat()
    for url in urls:
        for bad in ("1780000000", "2026-W23-1", "20260601", "2026-6-1", "2026-06-01T00:00:00", "2026-02-30",
                    tomorrow, "9999-12-31", ""):
            body = problem(client.get(url, params={"as_of": bad}, headers=staff), 422)
            assert body["field"] == "as_of", (url, bad, body)
        assert client.get(url, params={"as_of": TODAY.isoformat()}, headers=staff).status_code == 200, url
        assert client.get(url, params={"as_of": "2026-06-01"}, headers=staff).status_code == 200, url
    assert client.get(urls[1], params={"as_of": "2026-W23-1"}).status_code == 401  # who before what


# Item 7: numbers are matched ignoring case


def test_a_certificate_number_is_found_whatever_its_case(store_client: TestClient,
                                                         store_registry: Registry) -> None:
    walk = certified(store_registry)
    number = walk.number or ""
    _, token = store_registry.add_user("决定人员", ["decision"], walk.staff.decision.person)
    _, reader = store_registry.add_user("监管员", ["regulator"])
    published(store_client)
    client = store_client

    def get(url: str, **kwargs: Any) -> Any:
        response = client.get(url, **kwargs)
        assert response.status_code == 200, (url, response.text)
        return response

    exact = get(f"{PUBLIC}/{number}").content
    for typed in (number.lower(), number.swapcase(), number.lower().capitalize()):
        assert typed != number
        assert get(f"{PUBLIC}/{typed}").content == exact  # the plain lookup's fast lane
        assert get(f"{PUBLIC}/{typed}", params={"after": 0}).content == exact  # the route
        assert get(f"{PUBLIC}/{typed}", params={"as_of": "2026-06-01"}).json()["number"] == number
        assert get(f"{PUBLIC}/{typed}/qr.svg").content == get(f"{PUBLIC}/{number}/qr.svg").content
        assert get(f"{PUBLIC}/{typed}/qr.png").content == get(f"{PUBLIC}/{number}/qr.png").content
        assert f"/api/v1/public/certificates/{number}" in get(f"/verify/{typed}").text
        staff = {"Authorization": f"Bearer {reader}"}
        assert get(f"/api/v1/certificates/{typed}", headers=staff).json()["number"] == number
        assert get(f"/api/v1/certificates/{typed}", params={"as_of": "2026-06-01"},
                   headers=staff).json()["number"] == number
        assert get(f"/api/v1/certificates/{typed}/history", headers=staff).json()["events"]

    suspended = client.post(f"/api/v1/certificates/{number.lower()}/suspension",
                            headers={"Authorization": f"Bearer {token}"},
                            json={"on": "2026-06-01", "known_on": "2026-05-30", "ground": "major_defect",
                                  "detail": "体系重大缺陷"})
    assert suspended.status_code == 200, suspended.text
    after = {"after": suspended.json()["position"]}
    assert get(f"{PUBLIC}/{number.upper()}", params=after).json()["status"] == "suspended"
    assert problem(client.get(f"{PUBLIC}/{number.lower()}-1"), 404)


def test_numbers_are_matched_ignoring_case_inside_a_gathered_batch(client: TestClient, registry: Registry) -> None:
    numbers = [certified(registry).number or "" for _ in range(3)]
    published(client)
    paths = [f"{PUBLIC}/{spelt}" for n in numbers for spelt in (n, n.lower(), n.swapcase())] * 20

    answers = client.portal.call(gathered, client.app, paths)  # type: ignore[union-attr]

    assert [status for status, _ in answers] == [200] * len(paths)
    for path, (_, body) in zip(paths, answers, strict=True):
        number = next(n for n in numbers if n.lower() == path.rsplit("/", 1)[1].lower())
        assert f'"number": "{number}"'.encode() in body
