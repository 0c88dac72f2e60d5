"""R-REC-4 for verifiers nobody here wrote, issue 26: the log's C2SP tiles (``GET /log/tile/…``, ``registry log
mirror``) read by Go's ``golang.org/x/mod/sumdb/tlog`` as Debian ships it (``tests/third_party.py``): a mirror's
every leaf proven against the signed checkpoint and every entry hashed to its leaf, and refused when one byte of a
tile or an entry changes; the served tiles are the mirror's bytes; entry bundles are for regulators only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from api import keys
from api.app import create_app
from api.cli import main
from api.cli.common import open_parts
from api.log_mirror import mirror
from api.settings import Settings
from api.signed_note import verifier
from api.tiles import Tile, tiles_of
from registry.application import Registry
from registry.values import Actor, Role
from tests.third_party import GoVerifier

SYSTEM = Actor(None, Role.SYSTEM)
PEOPLE = 300  # past one full tile of leaves: full and partial tiles at level 0, a partial one at level 1


@pytest.fixture
def client(registry: Registry, tmp_path: Path) -> Iterator[TestClient]:
    checkpoint_key = tmp_path / "keys" / "checkpoint.key"
    keys.make(checkpoint_key, keys.parse_stamp("2026-01-01T00:00:00Z"))
    settings = Settings(signing_key=str(tmp_path / "keys" / "signing.key"), checkpoint_key=str(checkpoint_key),
                        public_base_url="https://registry.example.cn", checkpoint_interval=0.1, run_scheduler=False)
    with TestClient(create_app(settings, registry=registry), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def tokens(registry: Registry) -> dict[str, dict[str, str]]:
    return {role: {"Authorization": f"Bearer {registry.add_user(f'tiles-{role}', [role], None)[1]}"}
            for role in ("regulator", "intake")}


@pytest.fixture
def mirrored(client: TestClient, registry: Registry, tokens: dict[str, dict[str, str]],
             tmp_path: Path) -> tuple[Path, int, str]:
    """A mirror (with its entry bundles) of a checkpoint over some 300 events, and the checkpoint key's vkey."""
    for i in range(PEOPLE):
        registry.enrol_person(f"瓦片 {i}", actor=SYSTEM)
    covering = client.get("/api/v1/log/checkpoint", params={"after": registry.recorder.max_notification_id()},
                          headers=tokens["regulator"])
    assert covering.status_code == 200, covering.text
    size = covering.json()["size"]
    assert size > PEOPLE
    folder = tmp_path / "mirror"
    mirror(client.app.state.views.log, registry.recorder, folder, covering.json()["signed_note"], size, True)  # type: ignore[attr-defined]
    (key,) = [k for k in client.get("/api/v1/public/keys").json()["keys"] if k["use"] == "checkpoint"]
    return folder, size, key["note_verifier_key"]


def test_r_rec_4_gos_sumdb_tlog_proves_every_leaf_of_a_mirror_and_every_entry_against_the_checkpoint(
        mirrored: tuple[Path, int, str], go_verifier: GoVerifier) -> None:
    folder, size, vkey = mirrored
    verdict = go_verifier.tiles(folder, vkey)
    assert verdict.holds, verdict.err
    assert verdict.out.startswith(f"verified tree {size} ") and verdict.out.endswith(f" {size} {size}\n")


@pytest.mark.parametrize(("tile", "offset"), [("tile/0/000", 0), ("tile/0/000", 8191), ("tile/0/001.p/", 40),
                                              ("tile/1/000.p/1", 31), ("tile/entries/000", 9),
                                              ("tile/entries/001.p/", 3)])
def test_r_rec_4_one_byte_changed_in_a_tile_or_an_entry_is_refused(
        mirrored: tuple[Path, int, str], go_verifier: GoVerifier, tile: str, offset: int) -> None:
    folder, size, vkey = mirrored
    path = folder / (f"{tile}{size % 256}" if tile.endswith(".p/") else tile)
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))

    verdict = go_verifier.tiles(folder, vkey)

    assert not verdict.holds
    assert "checkpoint refused" not in verdict.err


def test_r_rec_4_a_mirror_checked_with_another_key_is_refused(mirrored: tuple[Path, int, str],
                                                               go_verifier: GoVerifier) -> None:
    folder, _, vkey = mirrored
    other = verifier(vkey.split("+")[0], Ed25519PrivateKey.generate().public_key()).vkey
    assert "checkpoint refused" in go_verifier.tiles(folder, other).err


def test_r_rec_4_the_served_tiles_are_the_mirrors_bytes_and_cacheable_for_good(
        client: TestClient, mirrored: tuple[Path, int, str], tokens: dict[str, dict[str, str]]) -> None:
    folder, size, _ = mirrored
    for tile in tiles_of(size, entries=True):
        headers = tokens["regulator"] if tile.level is None else {}
        answer = client.get(f"/log/{tile.path}", headers=headers)
        assert answer.status_code == 200, (tile.path, answer.text)
        assert answer.content == (folder / tile.path).read_bytes()
        assert answer.headers["content-type"] == "application/octet-stream"
        assert "immutable" in answer.headers["cache-control"]
    again = client.get("/log/tile/0/000")  # served now from the worker's memory, before the framework
    assert again.content == (folder / "tile/0/000").read_bytes()
    assert client.app.state.tiles.get(Tile(0, 0)) == again.content  # type: ignore[attr-defined]
    assert again.headers["cache-control"].startswith("public") and again.headers["x-content-type-options"] == "nosniff"


def test_r_rec_4_entry_bundles_are_for_regulators_and_a_tile_the_tree_lacks_or_misnamed_is_refused(
        client: TestClient, mirrored: tuple[Path, int, str], tokens: dict[str, dict[str, str]]) -> None:
    _, size, _ = mirrored
    assert client.get("/log/tile/entries/000").status_code == 401
    assert client.get("/log/tile/entries/000", headers=tokens["intake"]).status_code == 403
    assert client.get("/log/tile/entries/000", headers=tokens["regulator"]).status_code == 200
    assert client.get("/log/tile/0/999").status_code == 404
    assert client.get(f"/log/tile/0/000.p/{size % 256 or 1}").status_code == 200
    for bad in ("/log/tile/0/0001", "/log/tile/0/001.p/256", "/log/tile/64/000", "/log/tile/0/x000/001"):
        answer = client.get(bad)
        assert answer.status_code == 422, (bad, answer.text)
        assert "R-REC-4" in answer.json()["detail"]


def test_r_rec_4_registry_log_mirror_writes_a_checkpoint_of_the_whole_log_that_go_verifies(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        go_verifier: GoVerifier) -> None:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", f"sqlite:///{tmp_path / 'registry.db'}")
    monkeypatch.setenv("REGISTRY_SIGNING_KEY", str(tmp_path / "signing.key"))
    monkeypatch.setenv("REGISTRY_CHECKPOINT_KEY", str(tmp_path / "checkpoint.key"))
    with open_parts() as parts:
        for i in range(40):
            parts.registry.enrol_person(f"镜像 {i}", actor=SYSTEM)
    folder = tmp_path / "mirror"

    assert main(["log", "mirror", str(folder)]) == 0
    assert "写入" in capsys.readouterr().out
    assert main(["keys", "list"]) == 0
    (vkey,) = [k["note_verifier_key"] for k in json.loads(capsys.readouterr().out)["keys"] if k["use"] == "checkpoint"]

    verdict = go_verifier.tiles(folder, vkey)
    assert verdict.holds, verdict.err
    assert not (folder / "tile" / "entries").exists()  # the entries only when asked for
    assert main(["log", "mirror", str(folder)]) == 0
    assert "写入 0 个瓦片" in capsys.readouterr().out  # the same checkpoint: every tile kept
