"""Signed QR tokens (API.md, Public: ``verify_url``): what a token vouches for, and that nothing else passes."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import logging
import stat
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.signing import (
    InvalidToken,
    KeyFileError,
    Signer,
    TokenPayload,
    b64url,
    check_verify_url,
    parse_verify_url,
    read_token,
    verify_token,
)

NUMBER, USCC = "CB-CEMS-2026-00001", "91350100M000100Y43"
ISSUED, VALID = date(2026, 4, 1), date(2029, 3, 31)
BASE = "https://registry.example.cn"
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.fixture
def signer(tmp_path: Path) -> Signer:
    return Signer(tmp_path / "k", BASE)


def keys_of(signer: Signer) -> dict[str, object]:
    return {signer.key_id: signer.public_key}


def resign(token: str, payload: TokenPayload) -> str:
    """The token with ``payload`` in place of its own, keeping the original signature."""
    return f"{b64url(payload.encode())}.{token.split('.')[1]}"


def test_a_token_round_trips_the_number_uscc_and_dates_with_the_key_id(signer: Signer) -> None:
    token = signer.token(NUMBER, USCC, ISSUED, VALID)

    payload = verify_token(token, {signer.key_id: signer.public_key})

    assert payload == TokenPayload(signer.key_id, NUMBER, USCC, ISSUED, VALID)
    assert signer.verify(token) == payload
    assert signer.token(NUMBER, USCC, ISSUED, VALID) == token  # deterministic: one certificate, one token


def test_the_token_is_url_safe_and_its_payload_is_the_documented_lines(signer: Signer) -> None:
    token = signer.token(NUMBER, USCC, ISSUED, VALID)

    _, data, signature = read_token(token)

    assert set(token) <= set(B64URL + ".")
    assert data == f"cems-qr/1\n{signer.key_id}\n{NUMBER}\n{USCC}\n2026-04-01\n2029-03-31".encode()
    assert len(signature) == 64


@pytest.mark.parametrize("altered", [{"number": "CB-CEMS-2026-00002"}, {"uscc": "91110000600037341L"},
                                     {"issued_on": date(2026, 4, 2)}, {"valid_until": date(2030, 3, 31)}],
                         ids=["number", "uscc", "issued_on", "valid_until"])
def test_altering_any_signed_field_breaks_the_signature(signer: Signer, altered: dict[str, object]) -> None:
    token = signer.token(NUMBER, USCC, ISSUED, VALID)
    payload, _, _ = read_token(token)

    with pytest.raises(InvalidToken, match="forged or was altered") as refused:
        signer.verify(resign(token, dataclasses.replace(payload, **altered)))  # type: ignore[arg-type]
    assert refused.value.payload is not None  # what it claimed, for the message; never trusted


def test_altering_any_byte_of_the_signature_breaks_it(signer: Signer) -> None:
    token = signer.token(NUMBER, USCC, ISSUED, VALID)
    head, sig = token.split(".")
    signature = base64.urlsafe_b64decode(sig + "==")

    for i in range(len(signature)):
        flipped = signature[:i] + bytes([signature[i] ^ 0x01]) + signature[i + 1:]
        with pytest.raises(InvalidToken):
            signer.verify(f"{head}.{b64url(flipped)}")


@pytest.mark.parametrize("mangle", [
    lambda t: t.replace(".", ""), lambda t: t + ".x", lambda t: t + "=", lambda t: "!" + t,
    lambda t: t[:-1] + B64URL[B64URL.index(t[-1]) ^ 1],  # flips a bit the last character does not use
    lambda t: t.split(".")[0] + "." + t.split(".")[1][:-4],
], ids=["no dot", "three parts", "padding", "outside the alphabet", "unused bit", "short signature"])
def test_a_mangled_token_is_refused(signer: Signer, mangle: object) -> None:
    token = signer.token(NUMBER, USCC, ISSUED, VALID)

    with pytest.raises(InvalidToken):
        signer.verify(mangle(token))  # type: ignore[operator]


def test_a_token_signed_by_another_key_is_refused(signer: Signer, tmp_path: Path) -> None:
    other = Signer(tmp_path / "other", BASE)
    forged = other.token(NUMBER, USCC, ISSUED, VALID)

    with pytest.raises(InvalidToken, match="not among the keys"):
        signer.verify(forged)


def test_a_token_that_names_our_key_but_was_signed_by_another_is_refused(signer: Signer) -> None:
    payload = TokenPayload(signer.key_id, NUMBER, USCC, ISSUED, VALID).encode()
    forged = f"{b64url(payload)}.{b64url(Ed25519PrivateKey.generate().sign(payload))}"

    with pytest.raises(InvalidToken, match="forged or was altered"):
        signer.verify(forged)


def test_the_key_file_is_generated_once_with_mode_0600_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "signing.key"

    first = Signer(path, BASE).load()
    mode = stat.S_IMODE(path.stat().st_mode)
    again = Signer(path, BASE)

    assert mode == 0o600
    assert again.key_id == first.key_id
    assert again.token(NUMBER, USCC, ISSUED, VALID) == first.token(NUMBER, USCC, ISSUED, VALID)
    # The key and its keyring (the public half, with its validity), and no temporary file left behind.
    assert sorted(p.name for p in path.parent.iterdir()) == ["signing.key", "signing.key.keyring.json"]


def test_building_a_signer_reads_no_file_until_the_key_is_needed(tmp_path: Path) -> None:
    path = tmp_path / "k"

    signer = Signer(path, BASE)
    assert not path.exists()
    signer.verify_url(NUMBER, USCC, ISSUED, VALID)

    assert path.exists()


def test_a_key_file_that_holds_no_ed25519_key_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "k"
    path.write_text("not a key")

    with pytest.raises(KeyFileError, match="does not hold an unencrypted PEM private key"):
        Signer(path, BASE).load()


def test_the_key_id_is_the_first_16_hex_of_sha256_of_the_raw_public_key(signer: Signer) -> None:
    [published] = signer.published()
    raw = base64.b64decode(published.public_key)

    assert len(raw) == 32
    assert published.key_id == hashlib.sha256(raw).hexdigest()[:16] == signer.key_id
    assert (published.algorithm, published.use) == ("Ed25519", "qr")


def test_a_key_may_serve_both_uses(tmp_path: Path) -> None:
    signer = Signer(tmp_path / "k", BASE, uses=("qr", "checkpoint"))

    assert [k.use for k in signer.published()] == ["qr", "checkpoint"]
    assert len({k.key_id for k in signer.published()}) == 1
    with pytest.raises(ValueError, match="key uses"):
        Signer(tmp_path / "k", BASE, uses=("tls",))


def test_the_verify_url_carries_the_number_and_the_token(signer: Signer) -> None:
    url = signer.verify_url(NUMBER, USCC, ISSUED, VALID)

    assert url == f"{BASE}/verify/{NUMBER}?t={signer.token(NUMBER, USCC, ISSUED, VALID)}"
    assert parse_verify_url(url) == (NUMBER, signer.token(NUMBER, USCC, ISSUED, VALID))
    assert check_verify_url(url, keys_of(signer)).number == NUMBER  # type: ignore[arg-type]


def test_a_verify_url_whose_path_names_another_certificate_is_refused(signer: Signer) -> None:
    url = signer.verify_url(NUMBER, USCC, ISSUED, VALID).replace(NUMBER, "CB-CEMS-2026-00009", 1)

    with pytest.raises(InvalidToken, match="names certificate CB-CEMS-2026-00009 but its token was signed for"):
        check_verify_url(url, keys_of(signer))  # type: ignore[arg-type]


def test_a_verify_url_without_a_token_is_refused(signer: Signer) -> None:
    with pytest.raises(InvalidToken, match="no token"):
        check_verify_url(f"{BASE}/verify/{NUMBER}", keys_of(signer))  # type: ignore[arg-type]


def private_spellings(path: Path) -> list[str]:
    """Every usual spelling of the private key in ``path``: its PEM body lines, raw bytes as hex and base64."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    pem_lines = [line for line in path.read_text().splitlines() if not line.startswith("-----")]
    return [*pem_lines, raw.hex(), base64.b64encode(raw).decode(), b64url(raw)]


def test_the_private_key_never_appears_in_logs_or_output(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "k"
    signer = Signer(path, BASE)

    said = [repr(signer), signer.verify_url(NUMBER, USCC, ISSUED, VALID), repr(signer.published()),
            repr(signer.verify(signer.token(NUMBER, USCC, ISSUED, VALID)))]
    Signer(path, BASE).load()
    out = capsys.readouterr()
    text = "\n".join([*said, caplog.text, out.out, out.err])

    assert "generated a new Ed25519 signing key" in caplog.text  # the path and key id are logged, nothing more
    for secret in private_spellings(path):
        assert secret not in text
