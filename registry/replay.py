"""Idempotency keys, as the registry answers them: a command sent again with its key answers what it answered the
first time, and writes nothing (registry.idempotency holds the key and its record; registry.handling decides when
to replay). A section of ``Registry`` (registry.section).
"""

from __future__ import annotations

from registry.errors import NotFound
from registry.idempotency import Idempotency, IdempotencyKeyReused, IdempotencyRecord
from registry.section import Section
from registry.values import Written


class Replay(Section):
    def _replay(self, key: Idempotency) -> Written | None:
        """What the command first sent with ``key`` answered, if one was; ``IdempotencyKeyReused`` when it was
        sent with another request."""
        rid = key.id
        try:
            record = self._get(IdempotencyRecord, rid, "idempotency record")
        except NotFound:
            return None
        if record.request_digest != key.request_digest:
            raise IdempotencyKeyReused(f"幂等键 Idempotency-Key {key.key!r} 已用于另一请求 / "
                                       f"Idempotency-Key {key.key!r} was used for another request")
        position = self.store.positioned_events(self.recorder, [rid])[0].id
        return Written(position=position, ids=record.ids)
