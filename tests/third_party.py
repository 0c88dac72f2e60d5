"""Verifiers nobody here wrote, for R-REC-4: Go's ``golang.org/x/mod/sumdb/note`` and ``sumdb/tlog`` as
Debian's golang-golang-x-mod-dev installs them, unmodified, behind the glue in ``tests/golden/c2sp_verify``.

The glue is built once per test session, offline: GOPATH mode on Debian's source tree (``/usr/share/gocode``), no
module proxy, the installed toolchain only, the build cache in the session's temporary directory. ``make test``
installs the packages (its ``go`` prerequisite); without them the tests fail saying so, never skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

GOPATH = Path("/usr/share/gocode")
SOURCE = Path(__file__).parent / "golden" / "c2sp_verify"
PACKAGES = "golang-go golang-golang-x-mod-dev"


@dataclass(frozen=True)
class Verdict:
    holds: bool
    out: str
    err: str


@dataclass(frozen=True)
class GoVerifier:
    """The built glue: ``note(signed_note, vkeys)`` answers what Go's ``note.Open`` says of the note, ``proof(file,
    vkeys)`` what ``note.Open`` and ``tlog.CheckRecord`` say of each event of a certificate's offline proof,
    ``tiles(folder, vkeys)`` what ``sumdb/tlog`` says of a mirror's tiles."""

    binary: Path

    def note(self, signed_note: bytes, *vkeys: str) -> Verdict:
        return self._run("note", signed_note, vkeys)

    def proof(self, certificate_proof: bytes, *vkeys: str) -> Verdict:
        return self._run("proof", certificate_proof, vkeys)

    def _run(self, command: str, given: bytes, vkeys: tuple[str, ...]) -> Verdict:
        done = subprocess.run([str(self.binary), command, *vkeys], input=given, capture_output=True, timeout=60,
                              check=False)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"c2sp_verify could not check the {command}: {done.stderr.decode(errors='replace')}")
        return Verdict(done.returncode == 0, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace"))

    def tiles(self, folder: Path, *vkeys: str) -> Verdict:
        """What Go's ``sumdb/tlog`` says of a mirror: its checkpoint opened with ``vkeys``, every leaf hash read from
        its tiles and proven against the signed root, every entry of its bundles (if any) hashed to its leaf."""
        done = subprocess.run([str(self.binary), "tiles", str(folder), *vkeys], capture_output=True, timeout=300,
                              check=False, text=True)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"c2sp_verify could not check the tiles: {done.stderr}")
        return Verdict(done.returncode == 0, done.stdout, done.stderr)


def build_go_verifier(directory: Path) -> GoVerifier:
    go = shutil.which("go")
    if go is None or not (GOPATH / "src" / "golang.org" / "x" / "mod" / "sumdb" / "note").is_dir():
        pytest.fail(f"R-REC-4 is checked with Go's golang.org/x/mod/sumdb/note, which is not installed: `make test` "
                    f"installs it (apt-get install -y {PACKAGES})", pytrace=False)
    binary = directory / "c2sp_verify"
    env = {**os.environ, "GOPATH": str(GOPATH), "GO111MODULE": "off", "GOPROXY": "off", "GOTOOLCHAIN": "local",
           "GOFLAGS": "", "CGO_ENABLED": "0", "GOCACHE": str(directory / "go-build")}
    done = subprocess.run([go, "build", "-o", str(binary), "."], cwd=SOURCE, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    if done.returncode != 0:
        pytest.fail(f"building tests/golden/c2sp_verify offline failed:\n{done.stderr}", pytrace=False)
    return GoVerifier(binary)


@pytest.fixture(scope="session")
def go_verifier(tmp_path_factory: pytest.TempPathFactory) -> GoVerifier:
    """Go's sumdb/note behind ``tests/golden/c2sp_verify``, built once per session."""
    return build_go_verifier(tmp_path_factory.mktemp("go"))
