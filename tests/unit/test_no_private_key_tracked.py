"""No private key is in the repository: whoever has a checkout must not be able to sign QR tokens or checkpoints.

Every file git tracks is read whole and searched for a private key in each usual spelling: a PEM block (PKCS #8,
PKCS #1, SEC 1, OpenSSH, encrypted or not), the DER of an Ed25519 PKCS #8 key, and that DER in base64 without its
PEM lines (as pasted into an environment file)."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[2]
PEM_PRIVATE = re.compile(rb"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----")
# The fixed start of every unencrypted Ed25519 PKCS #8 key (RFC 8410 §7): SEQUENCE, version 0, id-Ed25519, the key.
ED25519_PKCS8 = bytes.fromhex("302e020100300506032b657004220420")
ED25519_PKCS8_B64 = base64.b64encode(ED25519_PKCS8)[:20]  # the characters fixed by the prefix's 15 whole bytes


def private_key_spellings(data: bytes) -> list[str]:
    """The kinds of private key ``data`` holds, if any."""
    found = [f"a PEM {m.group(0).decode()} block" for m in PEM_PRIVATE.finditer(data)]
    if ED25519_PKCS8 in data:
        found.append("the DER of an Ed25519 PKCS #8 private key")
    if ED25519_PKCS8_B64 in data:
        found.append("an Ed25519 PKCS #8 private key in base64")
    return found


def tracked_files() -> dict[str, bytes]:
    """Each file git tracks, by path, as the index holds it (what the next commit holds)."""
    listed = subprocess.run(["git", "ls-files", "-s", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    entries = [line.split(maxsplit=3) for line in listed.decode().split("\0") if line]
    blobs = [(path, sha) for mode, sha, _, path in entries if mode != "160000"]  # submodules are not files here
    batch = subprocess.run(["git", "cat-file", "--batch"], cwd=ROOT, check=True, capture_output=True,
                           input="".join(f"{sha}\n" for _, sha in blobs).encode()).stdout
    files, at = {}, 0
    for path, _ in blobs:
        header_end = batch.index(b"\n", at)
        size = int(batch[at:header_end].split()[2])
        files[path] = batch[header_end + 1:header_end + 1 + size]
        at = header_end + 1 + size + 1  # the blob, then a newline
    return files


def test_the_search_finds_a_private_key_in_each_spelling() -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    openssh = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption())
    body = b"".join(line for line in pem.splitlines() if not line.startswith(b"-----"))

    for spelling in (pem, der, openssh, b"REGISTRY_KEY=" + body + b"\n"):
        assert private_key_spellings(spelling), spelling
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert private_key_spellings(public) == []  # a public key may be published, and committed


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_no_tracked_file_holds_a_private_key() -> None:
    tracked = tracked_files()
    holding = {path: found for path, data in tracked.items() if (found := private_key_spellings(data))}

    assert "api/signing.py" in tracked  # the listing works: the search has something to search

    assert holding == {}, "private keys are tracked by git; remove them (git rm) and replace every key made from " \
                          f"them (README, Signing keys): {holding}"
