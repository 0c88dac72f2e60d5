"""The dependencies: floors past the published advisories, and one set of exact versions every install gets.

A fresh clone's `make setup` installs with constraints.txt, so what CI and a newcomer run is what the tests last
passed with; pyproject.toml's floors keep an install without the constraints off the releases with advisories.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]

# The last release with a published advisory, per package: no floor may admit it (the commit that raised the
# floors names each advisory).
LAST_ADVISED = {
    "fastapi": "0.109.0",  # CVE-2024-24762, through its python-multipart
    "starlette": "1.5.0",  # CVE-2026-48710, CVE-2026-48817/48818, CVE-2026-54282/54283, the ranges of 1.5.1
    "python-multipart": "0.0.30",  # CVE-2026-40347, -53537, -53538, -53539, -53540
    "jinja2": "3.1.5",  # CVE-2025-27516
    "cryptography": "49.0.0",  # CVE-2026-69247 (and -69248, -69249 before 49)
    "pillow": "12.2.0",  # PYSEC-2026-2253..2257, -3451..3453 (CVE-2026-55379)
    "pydantic-settings": "2.14.1",  # GHSA-4xgf-cpjx-pc3j
    "pytest": "9.0.2",  # CVE-2025-71176
    "playwright": "1.55.0",  # CVE-2025-59288
}


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]]]


def pins() -> dict[str, Version]:
    out = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not an exact pin"
            out[canonicalize_name(name)] = Version(version)
    return out


def test_no_floor_admits_a_release_with_a_published_advisory() -> None:
    by_name = {canonicalize_name(r.name): r for r in requirements()}

    admitted = {name: str(by_name[name].specifier) for name, last in LAST_ADVISED.items()
                if by_name[name].specifier.contains(last, prereleases=True)}

    assert admitted == {}


def test_every_dependency_is_pinned_in_the_constraints_at_a_version_its_floor_accepts() -> None:
    pinned = pins()

    missing = [r.name for r in requirements() if canonicalize_name(r.name) not in pinned]
    refused = {r.name: str(pinned[canonicalize_name(r.name)]) for r in requirements()
               if canonicalize_name(r.name) in pinned and not r.specifier.contains(pinned[canonicalize_name(r.name)])}

    assert (missing, refused) == ([], {})


def test_make_setup_installs_with_the_constraints_and_runs_again_when_either_file_changes() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = re.search(r"^\$\(BIN\)/registry:(?P<prerequisites>.*)\n(?P<recipe>(?:\t.*\n)+)", makefile, re.M)

    assert target is not None
    assert set(target["prerequisites"].split()) >= {"pyproject.toml", "constraints.txt"}
    assert "-c constraints.txt -e '.[dev]'" in target["recipe"]
