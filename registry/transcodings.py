"""Transcodings for what the library cannot store by itself: dates, enums and value objects (NOTES.md)."""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from registry import data_review, values


class DateAsISO(Transcoding):
    type = date
    name = "date"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EnumAsValue(Transcoding):
    def __init__(self, enum: type[Enum]) -> None:
        self.type = enum
        self.name = f"enum:{enum.__name__}"

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        member: Enum = self.type(data)
        return member


class DataclassAsDict(Transcoding):
    """A frozen value object as a dict of its fields; lists come back as the tuples they were."""

    def __init__(self, cls: type[Any]) -> None:
        self.type = cls
        self.name = f"value:{cls.__name__}"
        self._fields = [f.name for f in dataclasses.fields(cls)]

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self._fields}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


ENUMS: tuple[type[Enum], ...] = tuple(
    obj for obj in vars(values).values() if isinstance(obj, type) and issubclass(obj, Enum) and obj is not Enum
)
VALUE_OBJECTS: tuple[type[Any], ...] = (
    values.Actor,
    values.ScopeLevel,
    values.Basis,
    values.EmissionControl,
    values.OtherCertification,
    values.TransferInfo,
    values.TransferVerification,
    values.Review,
    values.IntegratedSystem,
    values.Nonconformity,
    values.PerformanceIndicator,
    values.Organization,
    values.Issuer,
    values.Changes,
    values.Team,
    values.ProgrammeBasis,
    values.PlannedAudit,
    values.VerifiedYear,
)


def register(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    for enum in ENUMS:
        transcoder.register(EnumAsValue(enum))
    for cls in VALUE_OBJECTS:
        transcoder.register(DataclassAsDict(cls))
    # The data review (R-GHG-2..4)
    for enum in data_review.ENUMS:
        transcoder.register(EnumAsValue(enum))
    for cls in data_review.VALUE_OBJECTS:
        transcoder.register(DataclassAsDict(cls))
