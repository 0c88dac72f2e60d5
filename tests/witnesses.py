"""What the tests that run real witnesses share: `registry witness serve` in a subprocess of its own, its verifier
key read from its first line, killed with SIGKILL or stopped on leaving."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live import answers, free_port


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
