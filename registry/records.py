"""Records (§13): corrections as new events (R-REC-2) and scans of signed paper originals (R-REC-3).

A mixin of the application: it works on any record the registry keeps, named by kind and key.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from registry import rules
from registry.documents import content_address
from registry.errors import InvalidInput
from registry.values import Actor, Written

if TYPE_CHECKING:
    from registry.base import RegistryAggregate


class Records:
    def _subject(self, kind: str, key: str) -> RegistryAggregate:
        app: Any = self
        finders = {
            "case": app.case_by_id,
            "certificate": app.certificate_by_number,
            "person": app.person,
            "organization": app.organization_by_uscc,
        }
        if kind not in finders:
            raise InvalidInput("subject", f"{kind!r} is not one of: {', '.join(finders)}")
        subject: RegistryAggregate = finders[kind](key)
        return subject

    def record_correction(self, kind: str, key: str, corrects_version: int, detail: str, on: date, *,
                          actor: Actor) -> Written:
        """R-REC-2: a correction refers to the event (the record's version) it corrects; nothing is edited."""
        app: Any = self
        subject = self._subject(kind, key)
        rules.check_not_future("on", on, app.clock.today())
        subject.record_correction(corrects_version, detail, on=on, actor=actor, now=app.clock.now())
        written: Written = app._commit(subject)
        return written

    def file_paper_original(self, kind: str, key: str, scan: bytes, description: str, held_at: str, on: date, *,
                            actor: Actor) -> Written:
        """R-REC-3: stores the scan of a signed original by hash and records where the original is held."""
        app: Any = self
        subject = self._subject(kind, key)
        rules.check_not_future("on", on, app.clock.today())
        sha256 = content_address(scan)
        subject.file_paper_original(sha256, description, held_at, on=on, actor=actor, now=app.clock.now())
        written: Written = app._commit_with_bytes(scan, subject, sha256=sha256)
        return written
