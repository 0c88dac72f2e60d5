"""The body's reference tables of the accounting guidelines' default emission factors, versioned (R-GHG-3).

Each version of a table is a record of its own, published once and never changed: a new edition of the guidelines
is a new version, so a factor checked against an earlier one stays checkable. Its id derives from the table's name
and version.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from registry import text
from registry.base import RegistryAggregate
from registry.data_review import FactorEntry
from registry.errors import InvalidInput
from registry.identifiers import NAMESPACE
from registry.values import Actor


def factor_table_id(table: str, version: str) -> UUID:
    return uuid5(NAMESPACE, f"emission-factor-table:{table}\n{version}")


class EmissionFactorTable(RegistryAggregate):
    class FactorTablePublished(RegistryAggregate.Created):
        table: str
        table_version: str  # "version" is the record's own number of events
        entries: tuple[FactorEntry, ...]

        def apply(self, table: EmissionFactorTable) -> None:
            table.table = self.table
            table.table_version = self.table_version
            table.entries = {e.key: e for e in self.entries}

    if TYPE_CHECKING:
        table: str
        table_version: str
        entries: dict[str, FactorEntry]

    @classmethod
    def publish(cls, table: str, version: str, entries: Sequence[FactorEntry], published_on: date, *,
                actor: Actor, now: datetime) -> EmissionFactorTable:
        if not text.check("table", table, text.NAME).strip():
            raise InvalidInput("table", "参考表须有名称 / a reference table has a name")
        if not text.check("version", version, text.CODE).strip():
            raise InvalidInput("version", "参考表须有版本 / a reference table has a version")
        text.check_records("entries", entries, 10_000, key=text.NAME, unit=text.CODE)
        if not entries:
            raise InvalidInput("entries", "参考表至少有一个条目 / a reference table has at least one entry")
        keys = [e.key for e in entries]
        if len(set(keys)) != len(keys) or any(not k.strip() for k in keys):
            raise InvalidInput("entries", "每个条目有各自的非空键 / each entry has its own, non-empty key")
        for i, e in enumerate(entries):
            if not e.value.is_finite() or e.value < 0:
                raise InvalidInput(f"entries.{i}.value", "缺省值须为非负数 / a default is a non-negative number")
            if not e.unit.strip():
                raise InvalidInput(f"entries.{i}.unit", "缺省值须有单位 / a default has a unit")
        return cls._create(cls.FactorTablePublished, id=factor_table_id(table, version), table=table,
                           table_version=version, entries=tuple(entries), actor=actor, effective_on=published_on,
                           timestamp=now)

    def default(self, key: str) -> tuple[Decimal, str] | None:
        entry = self.entries.get(key)
        return None if entry is None else (entry.value, entry.unit)

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "version": self.table_version,
                "entries": [{"key": e.key, "value": str(e.value), "unit": e.unit} for e in self.entries.values()]}
