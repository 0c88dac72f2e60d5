"""Records (§13): corrections as new events (R-REC-2) and scans of signed paper originals (R-REC-3).

A mixin of the application: it works on any record the registry keeps, named by kind and key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from registry import rules
from registry.base import RegistryAggregate
from registry.documents import CaseDocument, content_address
from registry.errors import InvalidInput, NotFound, NotPermitted
from registry.formats import record_format
from registry.idempotency import Idempotency
from registry.values import Actor, Written


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
            raise InvalidInput("subject", f"记录类别 {kind!r} 不在 {'、'.join(finders)} 之中 / {kind!r} is not one of: "
                                          f"{', '.join(finders)}")
        subject: RegistryAggregate = finders[kind](key)
        return subject

    def corrected_event(self, kind: str, key: str, corrects: int) -> RegistryAggregate.Event:
        """The event at log position ``corrects``, one of the record ``kind`` ``key`` names (R-REC-6)."""
        app: Any = self
        subject = self._subject(kind, key)
        found = app.recorder.select_notifications(start=corrects, limit=1) if corrects >= 1 else []
        if not found or found[0].id != corrects or found[0].originator_id != subject.id:
            raise InvalidInput("corrects", f"位置 {corrects} 上没有本记录的事件 / no event of this record is at "
                                           f"position {corrects}")
        event: RegistryAggregate.Event = app.mapper.to_domain_event(found[0])
        return event

    def event_position(self, kind: str, key: str, version: int) -> int:
        """The log position of the record's event ``version`` (a form names the event so; R-REC-6 by position)."""
        app: Any = self
        subject = self._subject(kind, key)
        for stored in app.store.positioned_events(app.recorder, [subject.id]):
            if stored.originator_version == version:
                return int(stored.id)
        raise InvalidInput("corrects", f"本记录没有第 {version} 版 / this record has no version {version}")

    def record_correction(self, kind: str, key: str, corrects: int, detail: str, on: date, *,
                          changes: Mapping[str, str] | None = None, actor: Actor,
                          idempotency: Idempotency | None = None) -> Written:
        """R-REC-2 and R-REC-6: a correction names the event it corrects by its position in the log, says why
        (``detail``) and gives the right value of the fields named in ``changes``; nothing is edited. It is made
        in the role of the step it corrects."""
        app: Any = self
        subject = self._subject(kind, key)
        corrected = self.corrected_event(kind, key, corrects)
        if changes and actor.role is not corrected.actor.role:
            role = corrected.actor.role.value
            raise NotPermitted(f"更正须以被更正步骤的角色（{role}）进行 / a correction is made in the role of the "
                               f"step it corrects ({role})")
        rules.check_not_future("on", on, app.clock.today())
        subject.record_correction(corrected, detail, changes or {}, on=on, actor=actor, now=app.clock.now())
        written: Written = app._commit(subject, idempotency=idempotency)
        return written

    def file_paper_original(self, kind: str, key: str, scan: bytes, description: str, held_at: str, on: date, *,
                            actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-REC-3: stores the scan of a signed original by hash and records where the original is held; the scan is
        a PDF or an image (R-REC-5)."""
        app: Any = self
        subject = self._subject(kind, key)
        rules.check_not_future("on", on, app.clock.today())
        sha256 = content_address(scan)
        content_type = record_format(scan)
        subject.file_paper_original(sha256, description, held_at, content_type, on=on, actor=actor,
                                    now=app.clock.now())
        written: Written = app._commit_with_bytes(scan, subject, sha256=sha256, idempotency=idempotency)
        return written

    def paper_original(self, kind: str, key: str, sha256: str) -> CaseDocument:
        """The scan of a signed original filed on the record (R-REC-3), with its description as its kind; one filed
        on another record is not found on this one."""
        app: Any = self
        subject = self._subject(kind, key)
        filed = None
        for event in app.events.get(subject.id):
            if isinstance(event, RegistryAggregate.PaperOriginalFiled) and event.sha256 == sha256:
                filed = event
        if filed is None:
            raise NotFound(f"{kind} {key} 没有此纸质原件扫描件 / holds no paper original {sha256}")
        return CaseDocument(sha256, "paper_original", filed.content_type, "", app.document(sha256))
