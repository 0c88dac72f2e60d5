"""One error hierarchy for the registry (STYLE.md, convention 2).

``RegistryError`` is the root. ``RuleViolation`` carries the id of the rule in SPEC.md and the clause of the
rules text (CCAI-S-C07:2024) it enforces; every refusal writes nothing.
"""

from __future__ import annotations


class RegistryError(Exception):
    """Anything the registry refuses or cannot find."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class RuleViolation(RegistryError):
    """A command refused by a rule of SPEC.md."""

    def __init__(self, rule: str, clause: str, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule
        self.clause = clause

    def __str__(self) -> str:
        return f"{self.rule} ({self.clause}): {self.detail}"


class OutOfOrder(RuleViolation):
    """A step that comes before its predecessor, or after a terminal state (R-FLOW-1)."""

    def __init__(self, detail: str) -> None:
        super().__init__("R-FLOW-1", "§2", detail)


class SeparationOfDuties(RuleViolation):
    """One person performing two of: acceptance, training/consulting, audit, decision (R-SOD-1)."""

    def __init__(self, detail: str, clause: str = "§4.2") -> None:
        super().__init__("R-SOD-1", clause, detail)


class InvalidInput(RegistryError):
    """A field that is malformed or impossible, independent of any rule (e.g. a date in the future)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.detail}"


class NotPermitted(RegistryError):
    """The acting person may not perform this step (e.g. an auditor not on the case's team)."""


class NotFound(RegistryError):
    """No such case, certificate, person or organisation."""


class AlreadyExists(RegistryError):
    """An organisation, certificate or other keyed record that exists already."""


class ConcurrentChange(RegistryError):
    """Another command changed the same record first; nothing of this command was written."""
