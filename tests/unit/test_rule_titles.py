"""Every rule has a title, Chinese first and English second, for a refusal shown in the office (R-REC-5)."""

from __future__ import annotations

import re
from pathlib import Path

from registry.rule_titles import TITLES, rule_title

ROOT = Path(__file__).resolve().parents[2]
RULE = re.compile(r"R-[A-Z0-9]+-[0-9]+")
CJK = re.compile(r"[\u4e00-\u9fff]")


def spec_rules() -> set[str]:
    """The rules of SPEC.md, from its copy in the repository (docs/RULES.md)."""
    return set(RULE.findall((ROOT / "docs" / "RULES.md").read_text(encoding="utf-8")))


def raised_rules() -> set[str]:
    """Every rule id the domain names in quotes: those it raises (``RuleViolation("R-…``, ``Gap("R-…``) and more."""
    found: set[str] = set()
    for path in (ROOT / "registry").rglob("*.py"):
        if path.name != "rule_titles.py":
            found |= set(re.findall(r'"(R-[A-Z0-9]+-[0-9]+)"', path.read_text(encoding="utf-8")))
    return found


def test_every_rule_of_the_spec_and_the_domain_has_a_title() -> None:
    rules = spec_rules() | raised_rules()

    assert len(raised_rules()) > 20
    assert sorted(rules - TITLES.keys()) == []


def test_the_spec_names_about_sixty_rules() -> None:
    rules = spec_rules()

    assert len(rules) >= 60
    assert rules <= TITLES.keys()


def test_a_title_is_chinese_first_and_english_second() -> None:
    for rule, (zh, en) in TITLES.items():
        assert RULE.fullmatch(rule)
        assert CJK.search(zh), rule
        assert en and not CJK.search(en), rule


def test_a_rule_without_a_title_is_named_by_its_id() -> None:
    assert rule_title("R-UNKNOWN") == ("R-UNKNOWN", "R-UNKNOWN")
    assert rule_title("R-SOD-1")[0].startswith("受理")
