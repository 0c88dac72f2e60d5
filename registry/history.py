"""The history of a certificate or an organisation, event by event, as plain data (R-REC-1, R-REC-2).

Also the state of a record as it stood at the end of a past day: its events are folded in log order, leaving out
those whose effective date (or, for an undated event, whose recorded date in Asia/Shanghai) is after that day.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from registry.base import RegistryAggregate
from registry.clock import SHANGHAI

_COMMON = {"originator_id", "originator_version", "timestamp", "actor", "effective_on", "originator_topic"}


def plain(value: Any) -> Any:
    """JSON-ready data: dates ISO, enums their value, value objects dicts, UUIDs and decimals strings."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k.value if isinstance(k, Enum) else k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return value


@dataclasses.dataclass(frozen=True)
class HistoryEntry:
    position: int
    type: str
    record: str  # the kind of record: certificate, case, organization, …
    record_id: UUID
    version: int
    effective_on: date | None
    recorded_at: datetime
    actor: dict[str, Any]
    data: dict[str, Any]
    leaf_hash: str  # hex: the event's leaf in the log's Merkle tree (registry/entries.py), for inclusion proofs
    # R-REC-6: the later corrections of this event's fields, oldest first, each {field, value, was, position,
    # reason, on}; ``data`` stays as recorded (its leaf hash proves it), ``shown`` is what a view shows.
    corrections: tuple[dict[str, Any], ...] = ()

    @property
    def shown(self) -> dict[str, Any]:
        """The event's data with each corrected field at its latest corrected value."""
        if not self.corrections:
            return self.data
        return {**self.data, **{c["field"]: c["value"] for c in self.corrections}}


def entry(position: int, event: RegistryAggregate.Event, leaf_hash: bytes) -> HistoryEntry:
    qualname = type(event).__qualname__
    record, _, name = qualname.rpartition(".")
    data = {k: plain(v) for k, v in vars(event).items() if k not in _COMMON}
    return HistoryEntry(position=position, type=name, record=record.lower(), record_id=event.originator_id,
                        version=event.originator_version, effective_on=event.effective_on,
                        recorded_at=event.timestamp,
                        actor={"person": plain(event.actor.person), "role": event.actor.role.value}, data=data,
                        leaf_hash=leaf_hash.hex())


def corrected(entries: list[HistoryEntry]) -> list[HistoryEntry]:
    """``entries`` with each correction's new values (R-REC-6) on the entry of the event it corrects, when both are
    in the list; the correction's own entry stays as it is, so the history shows both."""
    found: dict[tuple[UUID, int], list[dict[str, Any]]] = {}
    shown: dict[tuple[UUID, int], dict[str, Any]] = {}
    for e in entries:
        shown[e.record_id, e.version] = dict(e.data)
        if e.type != "CorrectionRecorded" or not e.data.get("changes"):
            continue
        target = (e.record_id, int(e.data["corrects_version"]))
        for field_name, value in e.data["changes"].items():
            before = shown.get(target, {})
            found.setdefault(target, []).append({
                "field": field_name, "value": value, "was": before.get(field_name), "position": e.position,
                "reason": e.data.get("detail", ""), "on": e.effective_on.isoformat() if e.effective_on else None})
            before[field_name] = value
    if not found:
        return entries
    return [dataclasses.replace(e, corrections=tuple(found[e.record_id, e.version]))
            if (e.record_id, e.version) in found else e for e in entries]


def day_of(event: RegistryAggregate.Event) -> date:
    return event.effective_on or event.timestamp.astimezone(SHANGHAI).date()


def fold_as_of(events: list[RegistryAggregate.Event], as_of: date) -> Any | None:
    """The aggregate as it stood at the end of ``as_of``, or None if it did not exist yet."""
    if not events or day_of(events[0]) > as_of:
        return None
    aggregate = events[0].mutate(None)
    for event in events[1:]:
        if day_of(event) <= as_of:
            event.apply(aggregate)
    return aggregate
