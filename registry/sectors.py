"""The body's list of sectors (R-TEAM-3, §5.4, §8.3.2): reference data an admin keeps, each sector with its name and
code. An application names the sectors its scope falls in from this list, and the appointed team's competence
evaluations must cover every one of them.

One record holds the whole list (its id is fixed): the list is short and read whole by every application.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid5

from registry import text
from registry.base import RegistryAggregate
from registry.errors import AlreadyExists, InvalidInput, RuleViolation
from registry.identifiers import NAMESPACE
from registry.values import Actor

SECTOR_LIST_ID: UUID = uuid5(NAMESPACE, "sector-list")


class SectorList(RegistryAggregate):
    class Started(RegistryAggregate.Created):
        def apply(self, sectors: SectorList) -> None:
            sectors.codes = {}

    class SectorAdded(RegistryAggregate.Event):
        name: str
        code: str

        def apply(self, sectors: SectorList) -> None:
            sectors.codes[self.name] = self.code

    if TYPE_CHECKING:  # the library would make annotated aggregates dataclasses with these as __init__ fields
        codes: dict[str, str]  # name → code, in the order added

    @classmethod
    def start(cls, *, actor: Actor, now: datetime) -> SectorList:
        return cls._create(cls.Started, id=SECTOR_LIST_ID, actor=actor, effective_on=None, timestamp=now)

    def add(self, name: str, code: str, *, actor: Actor, now: datetime) -> None:
        """A sector named once; neither its name nor its code is taken already."""
        name = text.check("name", name, text.NAME).strip()
        code = text.check("code", code, text.CODE).strip()
        if not name:
            raise InvalidInput("name", "专业领域须有名称 / a sector has a name")
        if not code:
            raise InvalidInput("code", "专业领域须有代码 / a sector has a code")
        if name in self.codes:
            raise AlreadyExists(f"专业领域“{name}”已在清单中 / sector {name!r} is listed already")
        if code in self.codes.values():
            raise AlreadyExists(f"代码 {code} 已被使用 / code {code!r} is taken already")
        self._record(self.SectorAdded, name=name, code=code, actor=actor, effective_on=None, now=now)

    def check_listed(self, names: Sequence[str]) -> tuple[str, ...]:
        """R-TEAM-3: a scope names at least one sector, each from the body's list, each once."""
        return check_scope_sectors(names, self.codes)


def check_scope_sectors(names: Sequence[str], listed: dict[str, str]) -> tuple[str, ...]:
    """R-TEAM-3 (strict reading): every scope falls in at least one sector of the body's list, so an application
    names its scope's sectors, each one listed; the names are answered stripped, each once, in order."""
    chosen = tuple(dict.fromkeys(n.strip() for n in names if n.strip()))
    if not chosen:
        raise RuleViolation("R-TEAM-3", "§5.4, §8.3.2",
                            "申请未指明认证范围所属的专业领域 / the application names no sector for its scope: the "
                            "team's competence is matched against the scope's sectors")
    unknown = [n for n in chosen if n not in listed]
    if unknown:
        known = "、".join(listed) or "（清单为空 / the list is empty）"
        raise RuleViolation("R-TEAM-3", "§5.4, §8.3.2",
                            f"专业领域 {'、'.join(unknown)} 不在机构的专业领域清单中（清单：{known}） / sector(s) "
                            f"{', '.join(unknown)} are not in the body's sector list")
    return chosen
