"""docs/RULES.md: the rules text the code and tests cite, kept in the repository (a copy of shared/SPEC.md), so that
`grep -rn R-TEAM-2` leads from a rule to its code and tests without the folder beside the checkout."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULE_ID = re.compile(r"(?<![\w-])R-[A-Z]+-[0-9]+\b")  # not inside a longer code (an approval's CNCA-R-…)


def test_every_rule_id_the_code_and_the_docs_name_is_in_docs_rules() -> None:
    rules = set(RULE_ID.findall((ROOT / "docs" / "RULES.md").read_text(encoding="utf-8")))
    named = {rule: path.relative_to(ROOT).as_posix()
             for folder in ("registry", "projections", "api", "scheduler", "tests")
             for path in sorted((ROOT / folder).rglob("*.py"))
             for rule in RULE_ID.findall(path.read_text(encoding="utf-8"))}
    named |= {rule: name for name in ("README.md", "docs/API-NOTES.md")
              for rule in RULE_ID.findall((ROOT / name).read_text(encoding="utf-8"))}

    assert {rule: where for rule, where in named.items() if rule not in rules} == {}


def test_the_readme_points_at_the_rules_in_the_repository_and_says_where_they_come_from() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_line = (ROOT / "docs" / "RULES.md").read_text(encoding="utf-8").splitlines()[0]

    assert "](docs/RULES.md)" in readme
    assert "shared/SPEC.md" in first_line
