"""What the witnesses' tests share: a log's signed checkpoints over synthetic trees and the `add-checkpoint` bodies
that carry them, and `registry witness serve` in a subprocess of its own, its verifier key read from its first line,
killed with SIGKILL or stopped on leaving."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.checkpoint_notes import log_verifiers, signed_checkpoint
from api.keys import raw_public
from api.signing import CurrentKey, key_id
from api.witness import AddCheckpoint
from projections.log import sign_checkpoint
from registry.merkle import Tree, consistency_path, leaf_hash
from tests.live import answers, free_port

ORIGIN = "registry.example.cn/log"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
LOG, _ = log_verifiers(ORIGIN, LOG_KEY.public_key())


class Fixed:
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key

    def current(self) -> CurrentKey:
        return CurrentKey(self.key, key_id(self.key.public_key()))


def tree(size: int, salt: bytes = b"") -> Tree:
    t = Tree()
    t.extend([leaf_hash(salt + i.to_bytes(8, "big")) for i in range(size)])
    return t


def note(size: int, salt: bytes = b"", key: Ed25519PrivateKey = LOG_KEY) -> str:
    checkpoint = sign_checkpoint(Fixed(key), ORIGIN, size, tree(size, salt).root(), datetime(2026, 12, 1, tzinfo=UTC))
    return str(signed_checkpoint(checkpoint, {checkpoint.key_id: raw_public(key.public_key())}))


def body(old: int, size: int, salt: bytes = b"", key: Ed25519PrivateKey = LOG_KEY,
         proof: list[bytes] | None = None) -> bytes:
    if proof is None:
        t = tree(size, salt)
        proof = consistency_path(t.subtree, old, size) if 0 < old < size else []
    return AddCheckpoint(old, tuple(proof), note(size, salt, key)).encode()


@dataclass
class LiveWitness:
    process: subprocess.Popen[str]
    url: str
    vkey: str

    def kill(self) -> None:
        """SIGKILL: no handler, no flush, no atexit runs."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def witness_process(directory: Path, name: str, logs: list[str], port: int | None = None) -> Iterator[LiveWitness]:
    """A witness named ``name`` keeping its key and state in ``directory``, trusting ``logs`` (ORIGIN=VKEY)."""
    port = port or free_port()
    command = [sys.executable, "-m", "api.cli", "witness", "serve", "--name", name, "--key",
               str(directory / "witness.key"), "--state", str(directory / "state.db"), "--port", str(port)]
    for spec in logs:
        command += ["--log", spec]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        vkey = process.stdout.readline().strip()
        url = f"http://127.0.0.1:{port}"
        if not vkey or not answers(url + "/"):
            pytest.fail(f"the witness {name} did not start", pytrace=False)
        yield LiveWitness(process, url, vkey)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
