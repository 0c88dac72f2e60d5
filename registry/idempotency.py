"""Idempotent commands: a client's key, the digest of its request, and what the command wrote.

The record is saved in the same transaction as the command's own events, so a command and its key are stored
together or not at all, and survive a restart. Two requests racing with one key both try to create the record;
the store lets one commit, and the other answers with the winner's result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from registry.base import RegistryAggregate
from registry.errors import RegistryError
from registry.identifiers import NAMESPACE
from registry.values import Actor


class IdempotencyKeyReused(RegistryError):
    """The same key came with another request: a client error, answered 409."""


def idempotency_id(scope: str, key: str) -> UUID:
    return uuid5(NAMESPACE, f"idempotency:{scope}:{key}")


@dataclass(frozen=True)
class Idempotency:
    """A command's idempotency key, handed to the command that saves it: the scope keys are unique in (each user's
    own), the client's key, the digest of the request it came with, and who acts."""

    scope: str
    key: str
    request_digest: str
    actor: Actor

    @property
    def id(self) -> UUID:
        return idempotency_id(self.scope, self.key)

    def record(self, ids: dict[str, Any], *, now: datetime) -> IdempotencyRecord:
        """The record of this key, to be saved with the command's own events; ``ids`` is what the command answers."""
        return IdempotencyRecord.record(self.scope, self.key, self.request_digest, dict(ids), actor=self.actor,
                                        now=now)


class IdempotencyRecord(RegistryAggregate):
    class Recorded(RegistryAggregate.Created):
        scope: str
        key: str
        request_digest: str
        ids: dict[str, Any]

        def apply(self, record: IdempotencyRecord) -> None:
            record.request_digest = self.request_digest
            record.ids = dict(self.ids)

    if TYPE_CHECKING:  # the library would make annotated aggregates dataclasses with these as __init__ fields
        request_digest: str
        ids: dict[str, Any]

    @classmethod
    def record(cls, scope: str, key: str, request_digest: str, ids: dict[str, Any], *, actor: Actor,
               now: datetime) -> IdempotencyRecord:
        return cls._create(cls.Recorded, id=idempotency_id(scope, key), scope=scope, key=key,
                           request_digest=request_digest, ids=ids, actor=actor, effective_on=None, timestamp=now)
