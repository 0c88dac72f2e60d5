"""``registry qr verify`` through the installed console script: a printed QR checked offline against the key."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from api.app import create_app
from api.settings import Settings
from api.signing import Signer, b64url, read_token
from demo.scenario import Walk, enrol_staff
from registry.application import Registry
from tests.unit.test_signing import private_spellings

BASE = "https://registry.example.cn"


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return tmp_path / "signing.key"


@pytest.fixture
def client(registry: Registry, key_path: Path) -> Iterator[TestClient]:
    """The conftest's client, with a signing key of its own in a temporary directory."""
    settings = Settings(signing_key=str(key_path), public_base_url=BASE)
    with TestClient(create_app(settings, registry=registry), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def number(registry: Registry, client: TestClient) -> str:
    walk = Walk(registry, enrol_staff(registry, date(2020, 1, 1)), date(2026, 3, 2)).to_certificate()
    assert client.app.state.views.wait(registry.recorder.max_notification_id(), 10)  # type: ignore[attr-defined]
    assert walk.number
    return walk.number


@pytest.fixture
def url(client: TestClient, registry: Registry, number: str) -> str:
    cert = registry.get_certificate(number)
    signer: Signer = client.app.state.signer  # type: ignore[attr-defined]
    return signer.verify_url(number, cert.organization["uscc"], cert.issued_on, cert.valid_until)


def qr_verify(*args: str, cwd: Path, key: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("registry", path=str(Path(sys.executable).parent)) or "registry"
    env = {**os.environ, "REGISTRY_SIGNING_KEY": str(key)}
    return subprocess.run([exe, "qr", "verify", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60, check=False)


def test_a_verify_url_with_a_valid_token_passes_and_shows_what_was_checked(
        url: str, number: str, registry: Registry, client: TestClient, tmp_path: Path, key_path: Path) -> None:
    result = qr_verify(url, cwd=tmp_path, key=key_path)

    assert result.returncode == 0, result.stderr
    cert = registry.get_certificate(number)
    key_id = client.get("/api/v1/public/keys").json()["keys"][0]["key_id"]
    for shown in (number, cert.organization["uscc"], cert.issued_on.isoformat(), cert.valid_until.isoformat(), key_id):
        assert shown in result.stdout
    assert "valid" in result.stdout
    for secret in private_spellings(key_path):
        assert secret not in result.stdout + result.stderr


def test_a_token_forged_with_another_key_fails(url: str, registry: Registry, number: str, tmp_path: Path,
                                               key_path: Path) -> None:
    cert = registry.get_certificate(number)
    forged = Signer(tmp_path / "forger.key", BASE).verify_url(number, cert.organization["uscc"], cert.issued_on,
                                                              cert.valid_until)

    result = qr_verify(forged, cwd=tmp_path, key=key_path)

    assert result.returncode == 1
    assert "NOT VALID" in result.stderr and "not among the keys" in result.stderr


def test_a_token_whose_validity_was_altered_fails(url: str, tmp_path: Path, key_path: Path) -> None:
    head, token = url.split("?t=")
    payload, _, _ = read_token(token)
    longer = dataclasses.replace(payload, valid_until=date(2035, 1, 1))
    altered = f"{head}?t={b64url(longer.encode())}.{token.split('.')[1]}"

    result = qr_verify(altered, cwd=tmp_path, key=key_path)

    assert result.returncode == 1
    assert "forged or was altered" in result.stderr
    assert "not trusted" in result.stdout  # the claimed dates are shown only as claims


def test_a_url_without_a_token_fails(url: str, tmp_path: Path, key_path: Path) -> None:
    result = qr_verify(url.split("?")[0], cwd=tmp_path, key=key_path)

    assert result.returncode == 1
    assert "no token" in result.stderr


def test_a_png_saved_from_the_qr_endpoint_passes(client: TestClient, number: str, tmp_path: Path,
                                                 key_path: Path) -> None:
    image = tmp_path / "qr.png"
    image.write_bytes(client.get(f"/api/v1/public/certificates/{number}/qr.png").content)

    result = qr_verify(str(image), cwd=tmp_path, key=key_path)

    assert result.returncode == 0, result.stderr
    assert number in result.stdout


def test_a_jpeg_of_the_qr_passes(client: TestClient, number: str, tmp_path: Path, key_path: Path) -> None:
    png = tmp_path / "qr.png"
    png.write_bytes(client.get(f"/api/v1/public/certificates/{number}/qr.png").content)
    with Image.open(png) as picture:
        picture.convert("RGB").resize((picture.width * 2, picture.height * 2)).save(tmp_path / "qr.jpg", quality=80)

    result = qr_verify(str(tmp_path / "qr.jpg"), cwd=tmp_path, key=key_path)

    assert result.returncode == 0, result.stderr
    assert number in result.stdout


def test_an_image_with_no_qr_code_fails_with_a_message(client: TestClient, tmp_path: Path, key_path: Path) -> None:
    Image.new("L", (300, 300), 255).save(tmp_path / "blank.png")

    result = qr_verify(str(tmp_path / "blank.png"), cwd=tmp_path, key=key_path)

    assert result.returncode == 2
    assert "no QR code could be read" in result.stderr


def test_a_file_that_is_not_an_image_fails_with_a_message(client: TestClient, tmp_path: Path, key_path: Path) -> None:
    (tmp_path / "notes.png").write_text("not an image")

    result = qr_verify(str(tmp_path / "notes.png"), cwd=tmp_path, key=key_path)

    assert result.returncode == 2
    assert "cannot read the image" in result.stderr


@pytest.fixture
def keys_server(client: TestClient) -> Iterator[str]:
    """The keys endpoint's answer, served on a loopback port, as a registry elsewhere would publish it."""
    body = client.get("/api/v1/public/keys").content

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            found = self.path == "/api/v1/public/keys"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body if found else b"{}")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_key_may_be_given_in_base64_or_fetched_from_the_keys_url(
        url: str, client: TestClient, keys_server: str, tmp_path: Path) -> None:
    public_key = client.get("/api/v1/public/keys").json()["keys"][0]["public_key"]
    no_key_file = tmp_path / "elsewhere" / "none.key"

    given = qr_verify(url, "--key", public_key, cwd=tmp_path, key=no_key_file)
    fetched = qr_verify(url, "--keys-url", keys_server, cwd=tmp_path, key=no_key_file)
    neither = qr_verify(url, cwd=tmp_path, key=no_key_file)

    assert given.returncode == 0, given.stderr
    assert fetched.returncode == 0, fetched.stderr
    assert neither.returncode == 2
    assert "no signing key file" in neither.stderr and "--key" in neither.stderr
    assert not no_key_file.exists()  # checking never generates a key
