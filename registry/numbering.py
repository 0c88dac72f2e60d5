"""Certificate numbers: unique and never reused, even under concurrent decisions (SPEC.md, Identifiers).

Each number is an event of a sequence aggregate, one per pattern key (body and, when the pattern has one, year).
Two decisions allocating at once both write the same next version of the sequence; the store's optimistic
concurrency lets only one commit. As the log is append-only, an allocated number can never be handed out again.
"""

from __future__ import annotations

import string
from datetime import date, datetime
from typing import TYPE_CHECKING

from registry.base import RegistryAggregate
from registry.errors import InvalidInput
from registry.identifiers import number_sequence_id
from registry.values import Actor

DEFAULT_PATTERN = "{body_code}-CEMS-{year}-{seq:05d}"
_FIELDS = {"body_code", "year", "seq"}


def check_pattern(pattern: str) -> None:
    names = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    if "seq" not in names:
        raise InvalidInput("number_pattern", "证书编号规则须含有 {seq} / a certificate number pattern needs {seq}")
    unknown = names - _FIELDS
    if unknown:
        raise InvalidInput("number_pattern", f"编号规则含有未知字段：{', '.join(sorted(unknown))} / "
                                             f"unknown fields in the number pattern: {', '.join(sorted(unknown))}")


def sequence_key(pattern: str, body_code: str, year: int) -> str:
    """Numbers restart per year only when the pattern shows the year; otherwise they run on forever."""
    return f"{pattern}|{body_code}|{year if '{year' in pattern else ''}"


class NumberSequence(RegistryAggregate):
    class Started(RegistryAggregate.Created):
        key: str

        def apply(self, seq: NumberSequence) -> None:
            seq.key = self.key
            seq.last = 0

    class Allocated(RegistryAggregate.Event):
        seq: int
        number: str

        def apply(self, seq: NumberSequence) -> None:
            seq.last = self.seq

    if TYPE_CHECKING:  # the library would make annotated aggregates dataclasses with these as __init__ fields
        key: str
        last: int

    @classmethod
    def start(cls, key: str, *, actor: Actor, now: datetime) -> NumberSequence:
        return cls._create(cls.Started, id=number_sequence_id(key), key=key, actor=actor, effective_on=None,
                           timestamp=now)

    def allocate(self, pattern: str, body_code: str, on: date, *, actor: Actor, now: datetime) -> str:
        seq = self.last + 1
        number = pattern.format(body_code=body_code, year=on.year, seq=seq)
        self._record(self.Allocated, seq=seq, number=number, actor=actor, effective_on=on, now=now)
        return number
