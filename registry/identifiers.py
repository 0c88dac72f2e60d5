"""Identifiers (SPEC.md, Identifiers): the Unified Social Credit Code, and stable ids derived from keys."""

from __future__ import annotations

from uuid import UUID, uuid5

from registry.errors import RuleViolation

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 3^(i-1) mod 31 for i = 1..17

# Ids derived from a natural key are stable and need no index: the same key always gives the same id.
NAMESPACE = UUID("6f1c1d8e-6a43-4a3e-9a8e-3c5b0c7e2a51")


def shaped_like_uscc(text: str) -> bool:
    """Whether ``text`` (any case) has a USCC's shape, 18 characters of its set: what a search box or a pasted list
    takes for a USCC rather than a name or a certificate number (``validate_uscc`` checks one)."""
    return len(text) == 18 and all(c in _VALUE for c in text.upper())


def uscc_check_character(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    check = 31 - total % 31
    return USCC_CHARSET[0 if check == 31 else check]


def validate_uscc(code: str) -> str:
    """R-ID-1: an 18-character USCC (GB 32100-2015) with a correct check character; returns it normalised.

    python-stdnum's validator is not used: it rejects valid codes whose first eight characters are not all
    digits (NOTES.md).
    """
    normalised = code.strip().upper() if isinstance(code, str) else ""
    if len(normalised) != 18:
        raise RuleViolation(
            "R-ID-1", "GB 32100-2015", f"统一社会信用代码为 18 位，{code!r} 为 {len(normalised)} 位 / "
                                       f"a USCC has 18 characters; {code!r} has {len(normalised)}"
        )
    bad = sorted({c for c in normalised if c not in _VALUE})
    if bad:
        raise RuleViolation(
            "R-ID-1", "GB 32100-2015", f"统一社会信用代码 {code!r} 含有代码字符集以外的字符：{''.join(bad)} / "
                                       f"USCC {code!r} has characters outside the code's set: {''.join(bad)}"
        )
    expected = uscc_check_character(normalised[:17])
    if normalised[17] != expected:
        raise RuleViolation(
            "R-ID-1",
            "GB 32100-2015",
            f"统一社会信用代码 {code!r} 的校验码不正确：应为 {expected!r}，实为 {normalised[17]!r} / "
            f"USCC {code!r} fails its check character: expected {expected!r}, found {normalised[17]!r}",
        )
    return normalised


def organization_id(uscc: str) -> UUID:
    return uuid5(NAMESPACE, f"organization:{uscc}")


def certificate_id(number: str) -> UUID:
    return uuid5(NAMESPACE, f"certificate:{number}")


def number_sequence_id(key: str) -> UUID:
    return uuid5(NAMESPACE, f"number-sequence:{key}")
