"""The public site over HTTP (R-PUB-1; API.md, Public site and directory): the search page, the status history and
its grounds on the verify page, no green tick on a certificate that is not valid, the bulk lookup (API and page) and
the directory, against the public view."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import lookup, public_site
from api.app import create_app
from api.pages import history_entries
from api.settings import Settings
from demo.scenario import Walk
from registry.application import Registry
from registry.values import Changes
from tests.e2e.test_verify_page import attribute, certified, page, token_of

CERTIFIED_ON, VALID_UNTIL = "2026-03-31", "2029-03-30"


def caught_up(client: TestClient) -> dict[str, int]:
    return {"after": client.app.state.registry.recorder.max_notification_id()}  # type: ignore[attr-defined]


def numbers(*walks: Walk) -> list[str]:
    out = [w.number for w in walks]
    assert all(out)
    return [n for n in out if n]


# The search page


def test_r_pub_1_a_name_s_beginning_finds_its_certificates_each_linking_to_its_page(
        client: TestClient, registry: Registry) -> None:
    one, two = certified(registry, "京西示范电力有限公司"), certified(registry, "京西示范热力有限公司")
    certified(registry, "宝山清洁能源有限公司")
    client.get("/api/v1/public/certificates", params=caught_up(client))

    response = client.get("/search", params={"q": "京西示范"})

    assert response.status_code == 200
    assert attribute(response.text, "data-total") == "2"
    for number in numbers(one, two):
        assert f'href="/verify/{number}"' in response.text
    assert "宝山" not in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert "<script" not in response.text


def test_r_pub_1_a_fragment_from_the_middle_of_a_name_finds_it_on_either_store(
        any_store_client: TestClient, store_registry: Registry) -> None:
    client, registry = any_store_client, store_registry
    power, heat = certified(registry, "京西示范电力有限公司"), certified(registry, "南方示范热力股份公司")
    certified(registry, "宝山清洁能源有限公司")
    client.get("/api/v1/public/certificates", params=caught_up(client))

    both = client.get("/search", params={"q": "示范"}).text
    one = client.get("/search", params={"q": "热力股份"}).text
    none = client.get("/search", params={"q": "示范能源"}).text

    assert attribute(both, "data-total") == "2"
    assert both.index("南方示范热力") < both.index("京西示范电力")  # by what follows the fragment: 热 (U+70ED) < 电
    assert f'href="/verify/{heat.number}"' in one and f'href="/verify/{power.number}"' not in one
    assert attribute(none, "data-total") == "0"


def test_r_pub_1_a_changed_name_is_found_by_its_new_words_only(client: TestClient, registry: Registry) -> None:
    walk = certified(registry, "京西示范电力有限公司")
    [number] = numbers(walk)
    request = registry.request_change(number, date(2026, 9, 6), date(2026, 9, 5), Changes(name="燕山绿能电力有限公司"),
                                      actor=walk.staff.intake)
    registry.change_certificate(number, request.ids["request"], date(2026, 9, 10), actor=walk.staff.admin)
    client.get("/api/v1/public/certificates", params=caught_up(client))

    assert f'href="/verify/{number}"' in client.get("/search", params={"q": "绿能"}).text
    assert attribute(client.get("/search", params={"q": "西示范"}).text, "data-total") == "0"


def test_r_pub_1_a_number_typed_in_any_case_goes_straight_to_its_page(client: TestClient,
                                                                       registry: Registry) -> None:
    [number] = numbers(certified(registry))
    client.get("/api/v1/public/certificates", params=caught_up(client))

    response = client.get("/search", params={"q": f"  {number.lower()} "}, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == f"/verify/{number}"
    assert client.get(f"/verify/{number.lower()}").status_code == 200  # the page too, ignoring case


def test_r_pub_1_a_uscc_finds_its_organisation_s_certificates(client: TestClient, registry: Registry) -> None:
    walk = certified(registry, "京西示范电力有限公司")
    client.get("/api/v1/public/certificates", params=caught_up(client))

    body = client.get("/search", params={"q": walk.uscc.lower()}).text

    assert f'href="/verify/{walk.number}"' in body and attribute(body, "data-total") == "1"


def test_r_pub_1_the_results_come_a_page_at_a_time(client: TestClient, registry: Registry) -> None:
    walks = [certified(registry, f"分页示范{i:02d}有限公司") for i in range(26)]  # a page is 25
    client.get("/api/v1/public/certificates", params=caught_up(client))

    first = client.get("/search", params={"q": "分页示范"}).text
    second = client.get("/search", params={"q": "分页示范", "page": 2}).text

    assert attribute(first, "data-total") == "26"
    assert first.count('href="/verify/') == 25 and second.count('href="/verify/') == 1
    assert "/search?q=%E5%88%86%E9%A1%B5%E7%A4%BA%E8%8C%83&amp;page=2" in first
    shown = {n for n in numbers(*walks) if f'href="/verify/{n}"' in first + second}
    assert shown == set(numbers(*walks))


def test_r_pub_1_a_search_answered_again_is_what_a_fresh_read_gives_once_the_view_has_moved(
        client: TestClient, registry: Registry) -> None:
    walk = certified(registry, "京西示范电力有限公司")
    [number] = numbers(walk)
    client.get("/api/v1/public/certificates", params=caught_up(client))
    first = client.get("/search", params={"q": "示范"}).text
    assert client.get("/search", params={"q": "示范"}).text == first  # kept: the view has not moved
    assert attribute(first, "data-total") == "1"

    other = certified(registry, "南方示范热力股份公司")  # the view moves
    registry.suspend(number, date(2026, 6, 1), date(2026, 6, 1), "enforcement_penalty", "受到行政处罚",
                     actor=walk.staff.decision)
    client.get("/api/v1/public/certificates", params=caught_up(client))
    again = client.get("/search", params={"q": "示范"}).text

    assert attribute(again, "data-total") == "2" and f'href="/verify/{other.number}"' in again
    assert "pill--suspended" in again.split(f'href="/verify/{number}"')[1].split("</li>")[0]


def test_r_pub_1_a_kept_answer_is_given_before_the_routes_with_the_route_s_bytes_and_headers(
        client: TestClient, registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    walk = certified(registry, "京西示范电力有限公司")
    client.get("/api/v1/public/certificates", params=caught_up(client))
    routed: list[str] = []
    route = public_site._answer
    monkeypatch.setattr(public_site, "_answer", lambda *a: routed.append(a[1]) or route(*a))

    def same(response: Any) -> tuple[int, bytes, dict[str, str]]:
        headers = {k: v for k, v in response.headers.items() if k not in ("x-request-id", "date")}
        return response.status_code, response.content, headers

    for params in ({"q": "示范"}, {"q": walk.number, "page": "1"}):
        first = client.get("/search", params=params, follow_redirects=False)
        again = client.get("/search", params=params, follow_redirects=False)
        assert same(again) == same(first) and first.status_code in (200, 303)
    assert routed == ["示范", walk.number]  # each read once: the second answer was the kept one


@pytest.mark.parametrize(("method", "query", "headers", "taken"), [
    ("GET", "q=%E7%A4%BA%E8%8C%83", [], ("示范", 1)),
    ("GET", "q=+%E7%A4%BA%E8%8C%83+&page=2", [], ("示范", 2)),
    ("GET", "page=3&q=abc", [(b"accept", b"text/html")], ("abc", 3)),
    ("HEAD", "q=abc", [], None),
    ("GET", "q=abc", [(b"authorization", b"Bearer x")], None),  # private: the edge marks it no-store
    ("GET", "q=abc&x=1", [], None),
    ("GET", "q=abc&q=def", [], None),
    ("GET", "q=abc&page=0", [], None),  # the route refuses it
    ("GET", "q=abc&page=%2B2", [], None),
    ("GET", "q=abc&page=1000001", [], None),
    ("GET", "q=+", [], None),  # empty: the form
    ("GET", "q=a%00b", [], None),  # refused by the route, in words
    ("GET", "", [], None),
])
def test_r_pub_1_the_fast_lane_takes_only_a_plain_search(method: str, query: str,
                                                         headers: list[tuple[bytes, bytes]], taken: Any) -> None:
    scope = {"type": "http", "method": method, "path": "/search", "query_string": query.encode(), "headers": headers}
    assert lookup.plain_search(scope) == taken


def test_r_pub_1_nothing_found_is_said_in_words(client: TestClient, registry: Registry) -> None:
    body = client.get("/search", params={"q": "没有这个组织"}).text

    assert attribute(body, "data-total") == "0" and "未找到" in body


# The verify page: status history and the token


def test_r_pub_1_the_verify_page_shows_each_status_change_with_its_date_and_ground_oldest_first(
        client: TestClient, registry: Registry) -> None:
    walk = certified(registry)
    [number] = numbers(walk)
    registry.suspend(number, date(2026, 6, 1), date(2026, 6, 1), "major_defect", "体系重大缺陷（内部细节）",
                     actor=walk.staff.decision)
    registry.reinstate(number, date(2026, 7, 1), "已纠正", actor=walk.staff.decision)
    registry.withdraw(number, date(2026, 9, 1), date(2026, 9, 1), "enforcement_penalty", "处罚决定书",
                      actor=walk.staff.decision)

    body = page(client, number).text
    history = body[body.index('id="history"'):]

    events = [e for e in history.split('data-event="')[1:]]
    assert [e.split('"')[0] for e in events] == ["issued", "suspended", "reinstated", "withdrawn"]
    assert history.index(CERTIFIED_ON) < history.index("2026-06-01") < history.index("2026-07-01") \
        < history.index("2026-09-01")
    assert "证书变化历史轨迹" in body
    assert "管理体系存在重大缺陷" in history and "有效期内受到执法监管部门处罚" in history  # the grounds
    assert "内部细节" not in body and "处罚决定书" not in body  # never the free-text detail


def test_r_pub_1_a_change_and_a_cancellation_are_in_the_history_with_the_cancellation_s_ground(
        client: TestClient, registry: Registry) -> None:
    walk = certified(registry)
    [number] = numbers(walk)
    request = registry.request_change(number, date(2026, 9, 6), date(2026, 9, 5), Changes(address="新地址1号"),
                                      actor=walk.staff.intake)
    registry.change_certificate(number, request.ids["request"], date(2026, 9, 10), actor=walk.staff.admin)
    registry.cancel(number, date(2026, 10, 1), "client_request", "客户申请", date(2026, 9, 28),
                    actor=walk.staff.decision)

    body = page(client, number).text
    history = body[body.index('id="history"'):]

    assert [e.split('"')[0] for e in history.split('data-event="')[1:]] == ["issued", "changed", "cancelled"]
    assert history.index("2026-09-10") < history.index("2026-10-01")
    assert "证书变更" in history and "获证组织申请注销" in history and "客户申请" not in history


def test_r_pub_1_a_suspended_certificate_with_a_genuine_token_shows_no_green_tick(
        client: TestClient, registry: Registry) -> None:
    walk = certified(registry)
    [number] = numbers(walk)
    token = token_of(client, number)
    registry.suspend(number, date(2026, 6, 1), date(2026, 6, 1), "major_defect", "缺陷", actor=walk.staff.decision)

    body = page(client, number, token).text

    assert attribute(body, "data-status") == "suspended" and attribute(body, "data-token") == "matches"
    assert "证书真实，但当前无效" in body and "The certificate is genuine but not valid" in body
    assert "✔" not in body and "证书签名相符" not in body
    assert "token token--matches" not in body and "token token--genuine-suspended" in body
    assert "flag flag--no" not in body  # the surveillance flag is not green either


def test_r_pub_1_a_valid_certificate_with_its_token_still_shows_the_tick(client: TestClient,
                                                                          registry: Registry) -> None:
    [number] = numbers(certified(registry))

    body = page(client, number, token_of(client, number)).text

    assert "✔ 证书签名相符" in body and "token token--matches" in body


# Bulk lookup


def test_r_pub_1_bulk_lookup_answers_each_entry_in_the_order_asked(client: TestClient, registry: Registry) -> None:
    one, two = certified(registry, "京西示范电力有限公司"), certified(registry, "宝山清洁能源有限公司")
    [n1, n2] = numbers(one, two)
    registry.suspend(n2, date(2026, 6, 1), date(2026, 6, 1), "major_defect", "缺陷", actor=two.staff.decision)
    client.get("/api/v1/public/certificates", params=caught_up(client))

    response = client.post("/api/v1/public/certificates/lookup",
                           json={"numbers": [n2, "CB-CEMS-1999-99999", n1.lower()],
                                 "usccs": ["91350100M000100Y43", one.uscc]})

    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["query"], i["found"], i["number"], i["status"]) for i in items] == [
        (n2, True, n2, "suspended"), ("CB-CEMS-1999-99999", False, None, None), (n1.lower(), True, n1, "valid"),
        ("91350100M000100Y43", False, None, None), (one.uscc, True, n1, "valid")]
    assert items[0]["organization"] == {"name": "宝山清洁能源有限公司", "uscc": two.uscc}
    assert items[0]["valid_until"] == VALID_UNTIL and items[1]["organization"] is None


def test_r_pub_1_bulk_lookup_takes_1000_entries_and_refuses_1001_naming_the_limit(client: TestClient) -> None:
    asked = [f"CB-CEMS-2026-{i:05d}" for i in range(1000)]

    ok = client.post("/api/v1/public/certificates/lookup", json={"numbers": asked})
    refused = client.post("/api/v1/public/certificates/lookup",
                          json={"numbers": asked, "usccs": ["91350100M000100Y43"]})

    assert ok.status_code == 200 and len(ok.json()["items"]) == 1000
    assert [i["query"] for i in ok.json()["items"]] == asked
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    detail = refused.json()["detail"]
    assert detail.index("1000") < detail.index("1,000")  # the limit named, Chinese first


def test_r_pub_1_bulk_lookup_costs_two_statements_whatever_the_count(client: TestClient,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    public = client.app.state.views.public  # type: ignore[attr-defined]
    calls: list[int] = []
    for name in ("by_numbers", "by_usccs"):
        original = getattr(public, name)
        monkeypatch.setattr(public, name, lambda values, original=original: calls.append(len(values))
                            or original(values))

    client.post("/api/v1/public/certificates/lookup",
                json={"numbers": [f"N-{i}" for i in range(500)], "usccs": ["91350100M000100Y43"] * 3})

    assert calls == [500, 1]


def test_r_pub_1_the_lookup_page_takes_a_pasted_list_and_a_csv_and_answers_a_table_or_a_csv(
        client: TestClient, registry: Registry) -> None:
    one = certified(registry, "京西示范电力有限公司")
    [n1] = numbers(one)
    client.get("/api/v1/public/certificates", params=caught_up(client))
    uploaded = f"证书编号,供应商\n{one.uscc},京西\nCB-CEMS-1999-99999,某某\n".encode("gb18030")

    form = client.get("/lookup").text
    table = client.post("/lookup", data={"entries": f"{n1}\n", "format": "html"},
                        files={"file": ("suppliers.csv", uploaded, "text/csv")})
    download = client.post("/lookup", data={"entries": f"{n1.lower()}, nobody", "format": "csv"})

    assert 'method="post" action="/lookup"' in form and "<script" not in form
    assert table.status_code == 200
    rows = table.text.split("<tbody>")[1]
    assert [r.split('"')[0] for r in rows.split('data-found="')[1:]] == ["yes", "yes", "no"]
    assert rows.index(n1) < rows.index("CB-CEMS-1999-99999")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    got = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
    assert got[0][:4] == ["query", "found", "number", "status"]
    assert [r[:4] for r in got[1:]] == [[n1.lower(), "yes", n1, "valid"], ["nobody", "no", "", ""]]


def test_r_pub_1_the_lookup_page_refuses_more_than_1000_in_words(client: TestClient) -> None:
    response = client.post("/lookup", data={"entries": "\n".join(f"N{i}" for i in range(1001))})

    assert response.status_code == 422
    assert "一次最多查询 1000 个" in response.text


# The directory


@pytest.fixture
def any_store_client(store_registry: Registry, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(signing_key=str(tmp_path / "signing.key"))
    with TestClient(create_app(settings, registry=store_registry), raise_server_exceptions=False) as c:
        yield c


def test_r_pub_1_the_directory_lists_every_certificate_as_the_public_view_has_it(
        any_store_client: TestClient, store_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    client, registry = any_store_client, store_registry
    walks = [certified(registry, f"名录示范{i}有限公司") for i in range(5)]
    registry.suspend(walks[1].number or "", date(2026, 6, 1), date(2026, 6, 1), "major_defect", "缺陷",
                     actor=walks[1].staff.decision)
    client.get("/api/v1/public/certificates", params=caught_up(client))
    monkeypatch.setattr("api.directory.PAGE", 2)  # several pages, read by keyset

    lines = client.get("/api/v1/public/directory.jsonl")
    table = client.get("/api/v1/public/directory.csv")
    lookup = client.post("/api/v1/public/certificates/lookup", json={"numbers": numbers(*walks)}).json()["items"]

    assert lines.status_code == 200 and lines.headers["content-type"].startswith("application/jsonl")
    rows = [json.loads(line) for line in lines.text.splitlines()]
    assert [r["number"] for r in rows] == sorted(numbers(*walks))
    for row in rows:
        served = client.get(f"/api/v1/public/certificates/{row['number']}").json()
        assert row == {"number": served["number"], "status": served["status"],
                       "status_since": served["status_since"],
                       "organization": {"name": served["organization"]["name"],
                                        "uscc": served["organization"]["uscc"]},
                       "scope": served["scope"],
                       "basis": f"{served['basis']['standard']} {served['basis']['version']}",
                       "issued_on": served["issued_on"], "valid_until": served["valid_until"],
                       "issuer": served["issuer"]["name"]}
    assert {i["number"]: i["status"] for i in lookup} == {r["number"]: r["status"] for r in rows}
    got = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert got[0] == ["number", "status", "status_since", "organization_name", "organization_uscc", "scope",
                      "basis", "issued_on", "valid_until", "issuer"]
    assert [(r[0], r[1], r[3]) for r in got[1:]] == [(r["number"], r["status"], r["organization"]["name"])
                                                      for r in rows]


def test_r_pub_1_a_view_made_before_the_directory_kept_its_fields_gains_the_column_and_lists_the_same(
        any_store_client: TestClient, store_registry: Registry) -> None:
    client, registry = any_store_client, store_registry
    for i in range(3):
        certified(registry, f"旧表示范{i}有限公司")
    client.get("/api/v1/public/certificates", params=caught_up(client))
    before = client.get("/api/v1/public/directory.jsonl").text
    public = client.app.state.views.public  # type: ignore[attr-defined]
    table = public.table("public_certificates")
    with public.cursor(commit=True) as curs:  # as the table was made before issue 25's directory
        curs.execute(f"ALTER TABLE {table} DROP COLUMN summary")

    public.create_view_tables()  # what every start does

    with public.cursor() as curs:
        curs.execute(f"SELECT COUNT(*) AS all_rows, COUNT(summary) AS kept FROM {table}")
        counted = curs.fetchone()
    assert counted == (3, 0), counted  # the column is back, empty until the rows are written again
    assert client.get("/api/v1/public/directory.jsonl").text == before and before.count("\n") == 3


def test_r_pub_1_a_certificate_projected_before_the_history_table_shows_its_status_timeline() -> None:
    doc = {"status": "suspended", "status_since": "2026-06-01", "suspension_ground": "major_defect",
           "status_history": [{"since": "2026-03-31", "status": "valid"}, {"since": "2026-06-01",
                                                                           "status": "suspended"}]}

    shown = history_entries([], doc)

    assert [(e["on"], e["status"], e["event_words"]) for e in shown] == [
        ("2026-03-31", "valid", None), ("2026-06-01", "suspended", None)]


def test_r_pub_1_a_lapse_the_scheduler_has_not_recorded_yet_ends_the_history() -> None:
    doc = {"status": "suspended", "status_since": "2027-04-01", "suspension_ground": "surveillance_overdue"}
    recorded = [{"on": "2026-03-31", "event": "issued", "status": "valid", "ground": None}]

    shown = history_entries(recorded, doc)

    assert [(e["on"], e["event"], e["status"]) for e in shown] == [
        ("2026-03-31", "issued", "valid"), ("2027-04-01", "suspended", "suspended")]
    assert shown[-1]["ground_words"] == ("监督审核逾期", "Surveillance audit overdue")
