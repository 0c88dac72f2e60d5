"""The signing keys on disk (``api/keys.py``): made once, 0600, never overwritten, never made in production, and
rotated so that what a retired key signed while it was current still verifies, and nothing it signs later does."""

from __future__ import annotations

import json
import logging
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api import keys
from api.cli import main
from api.settings import Settings
from api.signing import InvalidToken, KeyFileError, Signer, sign_token, signers, verify_token

NUMBER, USCC = "CB-CEMS-2026-00001", "91350100M000100Y43"
ISSUED, VALID = date(2026, 4, 1), date(2029, 3, 31)
BASE = "https://registry.example.cn"
T0 = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)


class Ticking:
    """A clock that moves on a second each time it is read."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at


def key_env(monkeypatch: pytest.MonkeyPatch, directory: Path, **more: str) -> tuple[Path, Path]:
    qr, checkpoint = directory / "keys" / "signing.key", directory / "keys" / "checkpoint.key"
    monkeypatch.setenv("REGISTRY_SIGNING_KEY", str(qr))
    monkeypatch.setenv("REGISTRY_CHECKPOINT_KEY", str(checkpoint))
    for name, value in more.items():
        monkeypatch.setenv(name, value)
    return qr, checkpoint


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# Made once, by `registry keys init`


def test_keys_init_makes_both_keys_0600_with_public_keyrings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    qr, checkpoint = key_env(monkeypatch, tmp_path)

    assert main(["keys", "init"]) == 0

    out = capsys.readouterr().out
    for path in (qr, checkpoint):
        assert mode(path) == 0o600
        ring = json.loads(keys.keyring_path(path).read_text())
        [record] = ring["keys"]
        assert record["key_id"] == Signer(path, BASE).key_id and record["key_id"] in out
        assert record["valid_from"] is not None and record["valid_until"] is None
        assert "PRIVATE" not in keys.keyring_path(path).read_text()  # the keyring holds public halves only
    assert sorted(p.name for p in qr.parent.iterdir()) == sorted(
        ["signing.key", "signing.key.keyring.json", "checkpoint.key", "checkpoint.key.keyring.json"])


def test_keys_init_never_overwrites_a_key_and_makes_only_the_missing_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    qr, checkpoint = key_env(monkeypatch, tmp_path)
    qr.parent.mkdir()
    existing = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    qr.write_bytes(existing)

    assert main(["keys", "init"]) == 1

    assert qr.read_bytes() == existing
    assert mode(checkpoint) == 0o600
    assert "never overwritten" in capsys.readouterr().err
    assert main(["keys", "init"]) == 1
    with pytest.raises(keys.KeyExists):
        keys.make(qr, T0)
    assert qr.read_bytes() == existing


def test_keys_init_does_not_print_or_log_a_private_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str],
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    qr, checkpoint = key_env(monkeypatch, tmp_path)

    assert main(["keys", "init"]) == 0
    assert main(["keys", "rotate", "--use", "qr"]) == 0
    assert main(["keys", "list"]) == 0

    out = capsys.readouterr()
    said = "\n".join([out.out, out.err, caplog.text])
    for path in (qr, checkpoint):
        body = [line for line in path.read_text().splitlines() if not line.startswith("-----")]
        assert body and not any(line in said for line in body)


# Production: never made at start-up


def test_in_production_a_missing_key_file_is_an_error_and_none_is_made(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    qr, checkpoint = key_env(monkeypatch, tmp_path, REGISTRY_PRODUCTION="true")
    settings = Settings()
    signer, checkpoint_signer = signers(settings.signing_key, settings.checkpoint_key, BASE, settings.missing_key)

    for each in (signer, checkpoint_signer):
        with pytest.raises(KeyFileError, match="registry keys init"):
            each.load()
    assert not qr.exists() and not checkpoint.exists()


def test_outside_production_a_missing_key_is_made_at_first_use(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    qr, _ = key_env(monkeypatch, tmp_path)
    settings = Settings()

    signers(settings.signing_key, settings.checkpoint_key, BASE, settings.missing_key)[0].load()

    assert mode(qr) == 0o600


def test_a_read_only_replica_never_makes_a_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    qr, _ = key_env(monkeypatch, tmp_path, REGISTRY_READ_ONLY="true")
    settings = Settings()

    with pytest.raises(KeyFileError, match="read-only replica"):
        signers(settings.signing_key, settings.checkpoint_key, BASE, settings.missing_key)[0].load()
    assert main(["keys", "init"]) == 2
    assert not qr.exists()


def test_in_production_a_key_whose_private_half_was_published_is_refused(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "checkpoint.key"
    made = keys.make(path, T0)
    monkeypatch.setattr(keys, "LEAKED", frozenset({keys.key_id(made.public_key())}))

    with pytest.raises(KeyFileError, match="published in the registry's repository"):
        Signer(path, BASE, ("checkpoint",), missing="production").load()
    assert Signer(path, BASE, ("checkpoint",)).load().key_id == keys.key_id(made.public_key())  # warned, elsewhere


# Rotation


def test_rotation_keeps_an_old_token_verifiable_and_publishes_both_keys_with_their_validity(tmp_path: Path) -> None:
    path = tmp_path / "signing.key"
    keys.make(path, T0)
    signer = Signer(path, BASE)
    old_id = signer.key_id
    old_token = signer.token(NUMBER, USCC, ISSUED, VALID)

    rotated = keys.rotate(path, Ticking(T0 + timedelta(days=30)))

    new_token = signer.token("CB-CEMS-2026-00002", USCC, date(2026, 5, 8), VALID)
    assert signer.key_id == rotated.current.key_id != old_id
    assert signer.verify(old_token).key_id == old_id
    assert signer.verify(new_token).key_id == rotated.current.key_id
    published = {k.key_id: k for k in signer.published()}
    assert list(published) == [rotated.current.key_id, old_id]  # the current key first
    assert published[old_id].valid_from == "2026-04-01T02:00:00Z"
    assert published[old_id].valid_until == rotated.retired.valid_until == "2026-05-01T02:00:02Z"
    assert published[rotated.current.key_id].valid_from == "2026-05-01T02:00:01Z"
    assert published[rotated.current.key_id].valid_until is None
    assert mode(path) == 0o600 and mode(keys.keyring_path(path)) == 0o644


def test_a_retired_key_does_not_vouch_for_a_certificate_issued_after_its_retirement(tmp_path: Path) -> None:
    path = tmp_path / "signing.key"
    old = keys.make(path, T0)
    keys.rotate(path, Ticking(datetime(2026, 5, 1, 2, 0, tzinfo=UTC)))
    published = Signer(path, BASE).verifying_keys()

    # Whoever still holds the retired key can sign; the registry no longer does, so this is a forgery.
    on_the_day_after = sign_token(old, NUMBER, USCC, date(2026, 5, 2), VALID)
    later = sign_token(old, NUMBER, USCC, date(2026, 5, 3), VALID)

    assert verify_token(on_the_day_after, published).issued_on == date(2026, 5, 2)  # a day's grace
    with pytest.raises(InvalidToken, match="retired on 2026-05-01"):
        verify_token(later, published)


def test_a_signer_in_another_process_signs_with_the_new_key_at_its_next_signature(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.key"
    keys.make(path, T0)
    projections = Signer(path, BASE, ("checkpoint",)).load()  # as the projections process holds it
    api = Signer(path, BASE, ("checkpoint",)).load()  # as the API publishes it
    before = projections.current().key_id

    rotated = keys.rotate(path, Ticking(T0))

    assert projections.current().key_id == rotated.current.key_id != before
    assert [k.key_id for k in api.published()] == [rotated.current.key_id, before]


def test_a_key_made_before_keyrings_were_kept_is_published_and_rotated_with_an_unknown_start(
        tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.key"
    keys.make(path, T0)
    keys.keyring_path(path).unlink()  # as every key file made before this release
    signer = Signer(path, BASE, ("checkpoint",))
    [alone] = signer.published()
    assert (alone.valid_from, alone.valid_until) == (None, None)

    rotated = keys.rotate(path, Ticking(T0))

    assert (rotated.retired.key_id, rotated.retired.valid_from) == (alone.key_id, None)
    assert rotated.retired.valid_until is not None


def test_a_rotation_stopped_half_way_is_finished_by_the_next(tmp_path: Path) -> None:
    path = tmp_path / "signing.key"
    first = keys.make(path, T0)
    first_id = keys.key_id(first.public_key())
    # Stopped after the new key was announced and the key file replaced, before the old key was retired.
    second = Ed25519PrivateKey.generate()
    path.write_bytes(second.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    ring = keys.read_keyring(path)
    keys._write_keyring(path, [keys.KeyRecord.of(second, keys.stamp(T0)), *ring])

    rotated = keys.rotate(path, Ticking(T0 + timedelta(days=1)))

    records = {r.key_id: r for r in keys.read_keyring(path)}
    assert rotated.retired.key_id == keys.key_id(second.public_key())
    assert records[first_id].valid_until is not None  # it signed until the file was replaced, at the latest
    assert [r.key_id for r in records.values() if r.valid_until is None] == [rotated.current.key_id]


def test_keys_rotate_refuses_when_there_is_no_key_to_retire(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    qr, _ = key_env(monkeypatch, tmp_path)
    qr.parent.mkdir()

    assert main(["keys", "rotate", "--use", "qr"]) == 2
    assert "registry keys init" in capsys.readouterr().err
    assert not qr.exists()


def test_a_token_signed_by_a_key_whose_private_half_was_published_never_verifies(
        monkeypatch: pytest.MonkeyPatch) -> None:
    leaked = Ed25519PrivateKey.generate()
    token = sign_token(leaked, NUMBER, USCC, date(2026, 5, 1), VALID)
    published = {keys.key_id(leaked.public_key()): leaked.public_key()}
    assert verify_token(token, published).number == NUMBER

    monkeypatch.setattr(keys, "LEAKED", frozenset(published))
    with pytest.raises(InvalidToken, match="published in the registry's repository"):
        verify_token(token, published)
