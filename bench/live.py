"""What the HTTP benchmarks share: ``registry serve`` in a subprocess, and wrk's figures."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx


@contextmanager
def served(env: dict[str, str], port: int, workers: int = 1,
           projections_apart: bool = False) -> Iterator[subprocess.Popen[bytes]]:
    """``registry serve`` on ``port`` with ``env``, once it answers; stopped on leaving. ``projections_apart``:
    the production layout of the README, the read models kept by one ``registry projections run`` of their own
    and the API's ``workers`` without them."""
    exe = str(Path(sys.executable).parent / "registry")
    apart = None
    if projections_apart:
        env = {**env, "REGISTRY_RUN_PROJECTIONS": "false"}
        apart = subprocess.Popen([exe, "projections", "run"], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
    server = subprocess.Popen([exe, "serve", "--port", str(port), "--workers", str(workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/v1/ping", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield server
    finally:
        server.terminate()
        server.wait()
        if apart is not None:
            apart.terminate()
            apart.wait()


def wrk(url: str, seconds: int, env: dict[str, str], script: Path | None = None,
        connections: int = 32) -> dict[str, float]:
    """wrk with 2 threads and ``connections`` (32): requests/s, p50 and p99 in ms, and the non-2xx count."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *(["-s", str(script)] if script else []),
           url]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rps, "p50": pct("50"), "p99": pct("99"), "errors": float(errors.group(1)) if errors else 0.0}
