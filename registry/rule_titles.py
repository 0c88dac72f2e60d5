"""Each rule's title, Chinese first and English second, by its id in SPEC.md: what a refusal shown to a person names
beside the rule id and clause (the office, R-REC-5). Titles only; the rules themselves are in ``registry.rules`` and
the aggregates."""

from __future__ import annotations

TITLES: dict[str, tuple[str, str]] = {
    "R-FLOW-1": ("认证流程按顺序进行", "Certification steps happen in order"),
    "R-SOD-1": ("职责分离", "Separation of duties"),
}


def rule_title(rule: str) -> tuple[str, str]:
    """The rule's title, Chinese and English; a rule without one is named by its id alone."""
    return TITLES.get(rule, (rule, rule))
