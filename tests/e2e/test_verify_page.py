"""The verify page a QR scan opens (API.md, Public: ``GET /verify/{number}``), as HTML over HTTP, no browser:
status in words, the §10.1 contents, the token check (matches / does not match / absent), 404, no script, escaping."""

from __future__ import annotations

import html
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from httpx2 import Response

from api.signing import sign_token
from demo.scenario import Walk, enrol_staff
from registry.application import Registry
from registry.clock import FixedClock
from tests.conftest import STAFF_SINCE

MISMATCH = "证书签名不符：可能是伪造或被篡改的证书"


def certified(registry: Registry, name: str | None = None) -> Walk:
    """An organisation certified on 2026-03-31 (valid until 2029-03-30, surveillance due by 2027-03-31)."""
    walk = Walk(registry, enrol_staff(registry, STAFF_SINCE), date(2026, 3, 2))
    walk.organization(name).apply().documents().accept().agree().programme().team().stage1().stage2().report()
    return walk.decide(decided_on=date(2026, 3, 31))


def token_of(client: TestClient, number: str) -> str:
    """The token of the certificate's verify_url, as its QR code carries it."""
    after = client.app.state.registry.recorder.max_notification_id()  # type: ignore[attr-defined]
    url: str = client.get(f"/api/v1/public/certificates/{number}", params={"after": after}).json()["verify_url"]
    return parse_qs(urlsplit(url).query)["t"][0]


def page(client: TestClient, number: str, token: str | None = None) -> Response:
    after = client.app.state.registry.recorder.max_notification_id()  # type: ignore[attr-defined]
    params: dict[str, str | int] = {"after": after}
    if token is not None:
        params["t"] = token
    return client.get(f"/verify/{number}", params=params)


def attribute(body: str, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', body)
    assert found, f"no {name} attribute in the page"
    return found.group(1)


def test_a_valid_certificate_with_its_own_token_shows_valid_and_matches(client: TestClient,
                                                                        registry: Registry) -> None:
    walk = certified(registry, "宝山清洁能源有限公司")
    assert walk.number

    response = page(client, walk.number, token_of(client, walk.number))

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    body = response.text
    assert '<html lang="zh-CN">' in body and 'name="viewport"' in body
    assert attribute(body, "data-status") == "valid"
    assert "有效" in body and "Valid" in body
    assert attribute(body, "data-token") == "matches"
    assert "证书签名相符" in body and "The certificate's signature matches" in html.unescape(body)
    assert walk.number in body and walk.uscc in body and "宝山清洁能源有限公司" in body
    assert "上海市浦东新区示例路88号" in body and "电力生产的碳排放管理活动" in body
    assert "CCAI-S-C06" in body and "2023" in body and "ISO 14064-1" in body
    assert "2026-03-31" in body and "2029-03-30" in body and "2027-03-31" in body  # issued, valid until, due by
    assert "/api/v1/public/keys" in body
    assert body.index("证书编号") < body.index("Certificate number")  # Chinese first, English beneath


def test_the_page_has_no_script_and_loads_nothing_from_elsewhere(client: TestClient, registry: Registry) -> None:
    walk = certified(registry)
    assert walk.number

    response = page(client, walk.number, token_of(client, walk.number))
    body = response.text.lower()

    assert "<script" not in body and "javascript:" not in body and " on" + "click" not in body
    assert "<link" not in body and "@import" not in body and "url(" not in body and "<img" not in body
    assert "script-src" not in response.headers["content-security-policy"]


def test_a_suspended_certificate_shows_suspended_with_its_ground(client: TestClient, registry: Registry) -> None:
    walk = certified(registry)
    assert walk.number
    registry.suspend(walk.number, date(2026, 6, 1), date(2026, 6, 1), "major_defect", "体系重大缺陷",
                     actor=walk.staff.decision)

    body = page(client, walk.number, token_of(client, walk.number)).text

    assert attribute(body, "data-status") == "suspended"
    assert "暂停" in body and "Suspended" in body and "2026-06-01" in body
    assert "管理体系存在重大缺陷" in body and "Major defects in the management system" in body
    assert attribute(body, "data-token") == "matches"  # the certificate is genuine; its status is what it is


def test_a_lapsed_surveillance_shows_suspended_for_surveillance_overdue(client: TestClient, registry: Registry,
                                                                       clock: FixedClock) -> None:
    walk = certified(registry)
    assert walk.number
    clock.set(date(2027, 4, 1))  # due by 2027-03-31, not held

    body = page(client, walk.number).text

    assert attribute(body, "data-status") == "suspended"
    assert "监督审核逾期" in body and "Surveillance audit overdue" in body
    assert attribute(body, "data-overdue") == "yes"


def test_withdrawn_cancelled_and_expired_certificates_say_so(client: TestClient, registry: Registry,
                                                              clock: FixedClock) -> None:
    withdrawn, cancelled, expired = certified(registry), certified(registry), certified(registry)
    assert withdrawn.number and cancelled.number and expired.number
    registry.withdraw(withdrawn.number, date(2026, 6, 1), date(2026, 6, 1), "enforcement_penalty", "处罚",
                      actor=withdrawn.staff.decision)
    registry.cancel(cancelled.number, date(2026, 7, 1), "client_request", "客户申请", date(2026, 6, 28),
                    actor=cancelled.staff.decision)

    shown = {n: page(client, n).text for n in (withdrawn.number, cancelled.number)}
    clock.set(date(2029, 3, 31))  # the day after the last day of validity
    shown[expired.number] = page(client, expired.number).text

    for number, status, words in ((withdrawn.number, "withdrawn", ("撤销", "Withdrawn")),
                                  (cancelled.number, "cancelled", ("注销", "Cancelled")),
                                  (expired.number, "expired", ("过期", "Expired"))):
        body = shown[number]
        assert attribute(body, "data-status") == status
        banner = body[body.index("data-status="):body.index("</section>", body.index("data-status="))]
        assert all(word in banner for word in words), status


def test_a_token_with_an_altered_signature_does_not_match(client: TestClient, registry: Registry) -> None:
    walk = certified(registry)
    assert walk.number
    payload, signature = token_of(client, walk.number).split(".")
    middle = len(signature) // 2
    altered = signature[:middle] + ("A" if signature[middle] != "A" else "B") + signature[middle + 1:]

    body = page(client, walk.number, f"{payload}.{altered}").text

    assert attribute(body, "data-token") == "mismatch"
    assert MISMATCH in body and "Signature does not match: possibly forged or" in body
    assert attribute(body, "data-status") == "valid"  # the live record is still shown, as it stands
    assert body.index("data-token=") < body.index("data-status=")  # but the warning comes before any green


def test_the_token_of_another_certificate_does_not_match(client: TestClient, registry: Registry) -> None:
    mine, other = certified(registry), certified(registry)
    assert mine.number and other.number

    body = page(client, mine.number, token_of(client, other.number)).text

    assert attribute(body, "data-token") == "mismatch"
    assert MISMATCH in body
    assert "统一社会信用代码" in body and "证书编号" in body  # names what differs from the record


def test_a_token_signed_with_a_key_the_registry_never_published_does_not_match(client: TestClient,
                                                                               registry: Registry) -> None:
    walk = certified(registry)
    assert walk.number
    forged = sign_token(Ed25519PrivateKey.generate(), walk.number, walk.uscc, date(2026, 3, 31), date(2029, 3, 30))

    body = page(client, walk.number, forged).text

    assert attribute(body, "data-token") == "mismatch"
    assert "签名所用的密钥不是本登记系统公布的密钥" in body


def test_a_token_with_altered_dates_does_not_match(client: TestClient, registry: Registry) -> None:
    walk = certified(registry)
    assert walk.number
    signer = client.app.state.signer  # type: ignore[attr-defined]
    longer = signer.token(walk.number, walk.uscc, date(2026, 3, 31), date(2030, 3, 30))  # genuine key, wrong validity

    body = page(client, walk.number, longer).text

    assert attribute(body, "data-token") == "mismatch"
    assert "有效期" in body and "validity" in body


def test_garbage_in_the_token_does_not_match(client: TestClient, registry: Registry) -> None:
    walk = certified(registry)
    assert walk.number

    body = page(client, walk.number, "not-a-token<script>").text

    assert attribute(body, "data-token") == "mismatch"
    assert "<script>" not in body


def test_no_token_in_the_link_is_absent_not_a_forgery(client: TestClient, registry: Registry) -> None:
    walk = certified(registry)
    assert walk.number

    body = page(client, walk.number).text
    empty = page(client, walk.number, "").text

    assert attribute(body, "data-token") == "absent" and attribute(empty, "data-token") == "absent"
    assert "未附签名" in body and "No signature in the link" in body
    assert MISMATCH not in body


def test_an_unknown_number_is_a_404_html_page(client: TestClient) -> None:
    response = client.get("/verify/CB-CEMS-1999-99999", params={"t": "x.y"})

    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert "未找到证书" in response.text and "Certificate not found" in response.text
    assert "CB-CEMS-1999-99999" in response.text
    assert "<script" not in response.text.lower()


def test_an_unknown_number_with_markup_is_escaped(client: TestClient) -> None:
    response = client.get("/verify/<i>x<i>")

    assert response.status_code == 404
    assert "<i>x<i>" not in response.text and "&lt;i&gt;x&lt;i&gt;" in response.text


def test_an_organisation_name_with_markup_appears_escaped(client: TestClient, registry: Registry) -> None:
    walk = certified(registry, "<b>x</b>有限公司")
    assert walk.number

    body = page(client, walk.number).text

    assert "<b>x</b>" not in body
    assert "&lt;b&gt;x&lt;/b&gt;有限公司" in body
    assert html.unescape("&lt;b&gt;x&lt;/b&gt;有限公司") == "<b>x</b>有限公司"


def test_the_status_history_lists_each_change(client: TestClient, registry: Registry) -> None:
    walk = certified(registry)
    assert walk.number
    registry.suspend(walk.number, date(2026, 6, 1), date(2026, 6, 1), "major_defect", "缺陷",
                     actor=walk.staff.decision)
    registry.reinstate(walk.number, date(2026, 7, 1), "已纠正", actor=walk.staff.decision)

    body = page(client, walk.number).text
    history = body[body.index("证书变化历史轨迹"):]

    assert history.index("2026-03-31") < history.index("2026-06-01") < history.index("2026-07-01")
    assert "暂停 Suspended" in history and "有效 Valid" in history
