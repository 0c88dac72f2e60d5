"""Public keys and QR images (API.md, Public): the QR code holds the signed verify_url, and only it."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from api import qr
from api.app import create_app
from api.settings import Settings
from api.signing import check_verify_url, public_key_from_base64
from demo.scenario import Walk, enrol_staff
from registry.application import Registry

BASE = "https://registry.example.cn"
QR = "/api/v1/public/certificates/{}/qr.{}"


@pytest.fixture
def client(registry: Registry, tmp_path: Path) -> Iterator[TestClient]:
    """The conftest's client, with a signing key of its own in a temporary directory."""
    settings = Settings(signing_key=str(tmp_path / "signing.key"), public_base_url=BASE)
    with TestClient(create_app(settings, registry=registry), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def number(registry: Registry, client: TestClient) -> str:
    staff = enrol_staff(registry, date(2020, 1, 1))
    walk = Walk(registry, staff, date(2026, 3, 2)).to_certificate()
    assert walk.number
    assert client.app.state.views.wait(registry.recorder.max_notification_id(), 10)  # type: ignore[attr-defined]
    return walk.number


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    qr.images.clear()


def expected_url(client: TestClient, registry: Registry, number: str) -> str:
    cert = registry.get_certificate(number)
    url: str = client.app.state.signer.verify_url(  # type: ignore[attr-defined]
        number, cert.organization["uscc"], cert.issued_on, cert.valid_until)
    return url


# QR codes only, as the registry's own reader asks (api.qr): with every format, zxing-cpp once also found a
# spurious code of another format in a QR image.
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def decode_png(content: bytes) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(content)), formats=QR_ONLY)]


def decode_svg(content: bytes) -> list[str]:
    """Rasterises the SVG's rectangles (``M x y h w v h h-w Z``, one per run of dark modules) and decodes it."""
    svg = content.decode()
    size = int(re.search(r'<svg width="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    pixels = Image.new("L", (size, size), 255)
    for x, y, w, h in re.findall(r"M(\d+) (\d+)h(\d+)v(\d+)h-\d+Z", svg):
        pixels.paste(0, (int(x), int(y), int(x) + int(w), int(y) + int(h)))
    return [b.text for b in zxingcpp.read_barcodes(pixels, formats=QR_ONLY)]


def test_the_published_keys_name_each_key_by_its_id(client: TestClient) -> None:
    response = client.get("/api/v1/public/keys")

    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert [k["use"] for k in body["keys"]] == ["qr", "checkpoint"]
    for key in body["keys"]:
        # note_verifier_key added by #26: the checkpoint key as Go's sumdb/note takes it (tests/e2e/test_log_c2sp.py)
        assert set(key) == {"key_id", "algorithm", "public_key", "use", "valid_from", "valid_until",
                            "note_verifier_key"}
        assert key["valid_until"] is None  # no key has been rotated: each is current
        raw = base64.b64decode(key["public_key"], validate=True)
        assert len(raw) == 32 and key["algorithm"] == "Ed25519"
        assert key["key_id"] == hashlib.sha256(raw).hexdigest()[:16]
    qr_key, checkpoint_key = body["keys"]
    assert qr_key["key_id"] != checkpoint_key["key_id"]  # a key of its own for each use
    assert qr_key["note_verifier_key"] is None
    name, _, key = checkpoint_key["note_verifier_key"].split("+", 2)
    assert name.endswith("/log")  # the origin: the key name of the checkpoints' signature lines
    assert base64.b64decode(key) == b"\x01" + base64.b64decode(checkpoint_key["public_key"])


def test_the_png_decodes_to_exactly_the_verify_url(client: TestClient, registry: Registry, number: str) -> None:
    response = client.get(QR.format(number, "png"))

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert decode_png(response.content) == [expected_url(client, registry, number)]


def test_the_svg_encodes_the_same_verify_url(client: TestClient, registry: Registry, number: str) -> None:
    response = client.get(QR.format(number, "svg"))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in response.text
    assert decode_svg(response.content) == [expected_url(client, registry, number)]


def test_the_scanned_url_verifies_offline_against_the_published_key(client: TestClient, registry: Registry,
                                                                    number: str) -> None:
    [key] = [k for k in client.get("/api/v1/public/keys").json()["keys"] if k["use"] == "qr"]
    [url] = decode_png(client.get(QR.format(number, "png")).content)

    payload = check_verify_url(url, {key["key_id"]: public_key_from_base64(key["public_key"])})

    cert = registry.get_certificate(number)
    assert url.startswith(f"{BASE}/verify/{number}?t=")
    assert (payload.number, payload.uscc, payload.issued_on, payload.valid_until) == (
        number, cert.organization["uscc"], cert.issued_on, cert.valid_until)


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_a_repeat_request_is_answered_from_the_cache_without_rendering(client: TestClient, number: str, fmt: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    renders: list[str] = []
    render = qr.render

    def counted(text: str, f: str) -> bytes:
        renders.append(text)
        return render(text, f)

    monkeypatch.setattr(qr, "render", counted)

    first = client.get(QR.format(number, fmt))
    second = client.get(QR.format(number, fmt))

    assert len(renders) == 1
    assert second.content == first.content
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["etag"].startswith('"')
    assert "max-age" in first.headers["cache-control"] and "public" in first.headers["cache-control"]
    assert qr.images.hits == 1


def test_a_request_with_the_current_etag_is_answered_not_modified(client: TestClient, number: str) -> None:
    etag = client.get(QR.format(number, "png")).headers["etag"]

    again = client.get(QR.format(number, "png"), headers={"If-None-Match": etag})

    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag


def test_the_cache_is_bounded_and_forgets_the_least_recently_used() -> None:
    cache = qr.QrCache(max_entries=2)

    for url in ("https://a/verify/1?t=x", "https://a/verify/2?t=x", "https://a/verify/1?t=x",
                "https://a/verify/3?t=x"):
        cache.image(url, "png")

    assert len(cache) == 2
    cache.image("https://a/verify/1?t=x", "png")
    assert (cache.hits, cache.misses) == (2, 3)  # 2 was forgotten, 1 was kept as recently used


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_an_unknown_number_is_a_404_problem(client: TestClient, fmt: str) -> None:
    response = client.get(QR.format("CB-CEMS-2026-99999", fmt))

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_a_suspension_does_not_change_the_qr(client: TestClient, registry: Registry, number: str) -> None:
    before = {fmt: client.get(QR.format(number, fmt)).content for fmt in ("png", "svg")}
    decision = enrol_staff(registry, date(2020, 1, 1)).decision

    registry.suspend(number, date(2026, 10, 1), date(2026, 9, 28), "major_defect", "体系重大缺陷", actor=decision)
    qr.images.clear()  # rendered afresh, not merely served from the cache
    after = {fmt: client.get(QR.format(number, fmt)).content for fmt in ("png", "svg")}

    assert registry.get_certificate(number).status == "suspended"
    assert after == before
