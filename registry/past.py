"""History (R-REC-1) and past states: a record's events, oldest first, each with its log position and Merkle leaf;
and a record as it stood at the end of a past day (by effective dates). The pure parts, an event as plain data and
the fold by day, are registry.history. A section of ``Registry`` (registry.section).
"""

from __future__ import annotations

from datetime import date
from typing import cast
from uuid import UUID

from registry import labels
from registry.base import RegistryAggregate
from registry.entries import Entry, entry_of
from registry.errors import NotFound
from registry.history import HistoryEntry, corrected, entry, fold_as_of
from registry.identifiers import certificate_id
from registry.repository import RegistryRepository
from registry.section import A, Section


class Past(Section):
    def certificate_history(self, number: str) -> list[HistoryEntry]:
        """Every event of the certificate and of the cases behind it, oldest first; for a renewed certificate, the
        whole earlier cycle too, the certificate it renews and its cases, and so on back (R-RECERT-2)."""
        return self._history(self._certificate_records(number))

    def certificate_entries(self, number: str) -> list[Entry]:
        """The log entries of the events ``certificate_history`` answers, oldest first: what the certificate's
        offline proof proves in the log (R-REC-4)."""
        return [entry_of(n) for n in self.store.positioned_events(self.recorder, self._certificate_records(number))]

    def _certificate_records(self, number: str) -> list[UUID]:
        cert = self.certificate_by_number(number)
        ids = [cert.id, *cert.case_ids]
        while cert.renews is not None:
            cert = self.certificate_by_number(cert.renews)
            ids.extend(i for i in (cert.id, *cert.case_ids) if i not in ids)
        return ids

    def organization_history(self, uscc: str) -> list[HistoryEntry]:
        """Every event of the organisation, its cases and its certificates, oldest first."""
        org = self.organization_by_uscc(uscc)
        return self._history([org.id, *org.cases, *(certificate_id(n) for n in org.certificates)])

    def _history(self, ids: list[UUID]) -> list[HistoryEntry]:
        stored = self.store.positioned_events(self.recorder, ids)
        events = [cast(RegistryAggregate.Event, self.mapper.to_domain_event(n)) for n in stored]
        # A page showing the history and the records (the certificate page: each case's data review) folds them
        # from these events, not from a second read of them.
        cast(RegistryRepository, self.repository).remember(events)
        return corrected([entry(n.id, event, entry_of(n).leaf_hash)
                          for n, event in zip(stored, events, strict=True)])

    def record_events(self, aggregate_id: UUID) -> list[RegistryAggregate.Event]:
        """A record's events, oldest first (none when there is no such record). In a page's block, a later load of
        the record folds these, not a second read of them."""
        events = [cast(RegistryAggregate.Event, e) for e in self.events.get(aggregate_id)]
        cast(RegistryRepository, self.repository).remember(events)
        return events

    def _as_of(self, cls: type[A], aggregate_id: UUID, as_of: date, what: str) -> A:
        """The record as it stood at the end of ``as_of``; ``NotFound`` when it did not exist yet."""
        self._get(cls, aggregate_id, what)
        events = [cast(RegistryAggregate.Event, e) for e in self.events.get(aggregate_id)]
        folded = fold_as_of(events, as_of)
        if folded is None:
            raise NotFound(f"{as_of.isoformat()} 时{labels.record(what)}尚不存在 / "
                           f"{what} did not exist yet on {as_of.isoformat()}")
        aggregate: A = folded
        return aggregate
