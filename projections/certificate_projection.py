"""The certificate projection: folds each certificate's events with the domain's own code into the read models of
``projections.certificate_views`` (the public documents, the scheduler's schedule, the deadlines, the office's
directory), and takes the case and working-calendar events that open or settle a deadline or move a case on, and
the events that name an organisation or a person (``projections.office_changes``). Every other event only moves its
position.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from functools import partial, singledispatchmethod
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import Notification, Tracking
from eventsourcing.projection import Projection

from projections.certificate_views import CertificateViews
from projections.deadlines import (
    DEADLINE_CALENDAR_EVENTS,
    DEADLINE_CASE_EVENTS,
    DEADLINE_REPORTING_EVENTS,
    calendar_changes,
    case_changes,
    certificate_changes,
    reporting_changes,
)
from projections.office_changes import EVENTS as DIRECTORY_EVENTS
from projections.office_changes import NEEDS_APPROVAL, STEPS, organization_changes, person_changes, step_changes
from projections.office_changes import case_changes as case_directory
from projections.public_certificates import HistoryRow, public_document
from registry.application import Registry
from registry.case import Case
from registry.certificate import Certificate
from registry.national_reporting import NationalReporting
from registry.organization import Organization
from registry.person import Person
from registry.views import CertificateView
from registry.working_calendar import WorkingCalendar
from store import Store

# A dated event's effective date as its state is stored (the transcoder's date): what a case step is read by.
STORED_EFFECTIVE_ON = re.compile(rb'"effective_on":\{"_type_":"date","_data_":"([0-9]{4}-[0-9]{2}-[0-9]{2})"\}')

# The events that give a certificate a new status: each is an entry of its status timeline.
STATUS_EVENTS = (Certificate.Issued, Certificate.Suspended, Certificate.Reinstated, Certificate.Withdrawn,
                 Certificate.Expired, Certificate.Cancelled)
# R-PUB-1: the events of a certificate's public change history (证书变化历史轨迹): its statuses and its changes.
HISTORY_EVENTS = (*STATUS_EVENTS, Certificate.Changed)


def history_row(event: Certificate.Event, number: str, position: int, status: str) -> HistoryRow | None:
    """The change-history entry of ``event``, if it is one of ``HISTORY_EVENTS``: its date, its name, the status
    after it and its ground where the ground is public (a suspension's, withdrawal's or cancellation's code; never
    the free-text detail, which may name people)."""
    if not isinstance(event, HISTORY_EVENTS):
        return None
    ground = getattr(event, "ground", None)
    code = None if ground is None else str(getattr(ground, "value", ground))
    return (number, position, event.dated.isoformat(), type(event).__name__.lower(), status, code)


class CertificateProjection(Projection[Any]):
    """Folds each certificate's events with the domain's own code, so the public view can never disagree with
    the record. Aggregates are kept in a small cache between events; a miss loads the certificate as it stood
    just before the event."""

    # Its tracking records and /api/v1/health name it so, as they did when the public view was its only table.
    name = "public_certificates"

    def __init__(self, view: CertificateViews, registry: Registry,
                 extras: Callable[[dict[str, Any]], dict[str, Any]] | None = None, cache_size: int = 10_000) -> None:
        super().__init__(view=view)
        self.registry = registry
        self.extras = extras  # e.g. the signed verify_url, which only the edge can sign
        self._cache: OrderedDict[UUID, Certificate] = OrderedDict()
        self._cache_size = cache_size

    def wants(self, topic: str, state: bytes = b"") -> bool:
        """Whether an event of this topic (``module:Class.Event``) with this stored state can change the views: the
        others are passed over without being decoded, which is most of a rebuild's work otherwise. A document
        received that says, as stored, that it does not complete the checklist changes no deadline (R-ACC-2): a
        case receives a dozen, one of which completes it. (Stored otherwise, it is decoded: never wrongly passed.)
        The directory takes a case's steps and the events that name an organisation or a person."""
        cls, _, name = topic.rpartition(":")[2].rpartition(".")
        if cls == Certificate.__name__:
            return True
        if name in DIRECTORY_EVENTS.get(cls, ()):
            return True
        if cls == WorkingCalendar.__name__:
            return name in DEADLINE_CALENDAR_EVENTS
        if cls == NationalReporting.__name__:
            return name in DEADLINE_REPORTING_EVENTS
        if cls != Case.__name__ or name not in DEADLINE_CASE_EVENTS:
            return False
        return not (name == "DocumentReceived" and b'"completes_checklist":false' in state)

    def select_wanted(self, store: Store, recorder: Any, start: int, stop: int) -> list[Notification]:
        """The stored events at positions ``start`` to ``stop`` that ``wants`` may take, chosen by the database
        where it can (``Store.server``), so the four in five a rebuild would pass over are never sent or made
        into objects. The condition is ``wants``, a superset of it at worst: every event it answers is still
        asked."""
        topics = [f"%:{Certificate.__name__}.%",
                  *(f"%:{Case.__name__}.{name}" for name in sorted(DEADLINE_CASE_EVENTS)),
                  *(f"%:{WorkingCalendar.__name__}.{name}" for name in sorted(DEADLINE_CALENDAR_EVENTS)),
                  *(f"%:{NationalReporting.__name__}.{name}" for name in sorted(DEADLINE_REPORTING_EVENTS)),
                  *(f"%:{cls}.{name}" for cls, names in sorted(DIRECTORY_EVENTS.items())
                    for name in sorted(names - (DEADLINE_CASE_EVENTS if cls == Case.__name__ else set())))]
        unless = (f"%:{Case.__name__}.DocumentReceived", b'"completes_checklist":false')
        return cast(list[Notification], store.select_wanted(recorder, start, stop, topics, unless))

    def forget(self) -> None:
        """Drops the cached certificates (after a transaction they were recorded in was undone)."""
        self._cache.clear()

    def number_of(self, notification: Notification) -> str | None:
        """The number of the certificate a stored event is of, if it is of one and the number can be known: from
        the certificate as it stood before the event, or from the event that issued it. (For an event the views
        could not take, which may not even decode: what cannot be read raises.)"""
        if notification.originator_version > 1:
            before: Any = self.registry.repository.get(UUID(str(notification.originator_id)),
                                                       version=notification.originator_version - 1)
            return before.number if isinstance(before, Certificate) else None
        event = self.registry.mapper.to_domain_event(notification)
        return event.number if isinstance(event, Certificate.Issued) else None

    def took_step(self, notification: Notification, tracking: Tracking) -> bool:
        """A case step that changes no more than the case's stage (``office_changes.STEPS``), taken into the
        directory from the stored event as it is: the step from its topic, its date from its state, the rest of it
        not decoded (a rebuild decodes a certification's steps by the million). False for any other event, for
        a step whose state does not hold exactly one date where expected, and for a programme that may need a
        decision maker's approval (R-PREP-2): those are decoded as any other."""
        cls, _, name = notification.topic.rpartition(":")[2].rpartition(".")
        if cls != Case.__name__ or name not in STEPS or NEEDS_APPROVAL in notification.state:
            return False
        found = STORED_EFFECTIVE_ON.findall(notification.state)
        if len(found) != 1:
            return False
        on = date.fromisoformat(found[0].decode())
        self.view.save_deadlines([], tracking, step_changes(str(notification.originator_id), name, on))
        return True

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        match domain_event:
            case Certificate.Event():
                self._certificate_event(domain_event, tracking)
            case Case.Event():
                deadlines, directory = case_changes(domain_event), case_directory(domain_event)
                if deadlines or directory:
                    self.view.save_deadlines(deadlines, tracking, directory)
                else:
                    self.view.skip(tracking)
            case WorkingCalendar.Event():
                self.view.save_deadlines(calendar_changes(domain_event), tracking)
            case NationalReporting.Event():
                self.view.save_deadlines(reporting_changes(domain_event), tracking)
            case Organization.Registered():
                self.view.save_deadlines([], tracking, organization_changes(domain_event, domain_event.uscc))
            case Organization.DetailsChanged():
                before: Organization = self.registry.repository.get(domain_event.originator_id,
                                                      version=domain_event.originator_version - 1)
                self.view.save_deadlines([], tracking, organization_changes(domain_event, before.uscc))
            case Person.Enrolled():
                self.view.save_deadlines([], tracking, person_changes(domain_event))
            case _:
                self.view.skip(tracking)

    def _certificate_event(self, event: Certificate.Event, tracking: Tracking) -> None:
        cert = self._before(event)
        try:
            cert = cast(Certificate, event.mutate(cert))
            changed = event.effective_on if isinstance(event, STATUS_EVENTS) else None
            schedule = (cert.noticed_due_by.isoformat() if cert.noticed_due_by else None,
                        cert.renewal_window_opened or cert.renewed_by is not None)
            self.view.save(cert.number, cert.status.value, partial(self._render, cert), tracking.notification_id,
                           changed, tracking, schedule, certificate_changes(event, cert),
                           history_row(event, cert.number, tracking.notification_id, cert.status.value))
        except BaseException:
            self._cache.pop(event.originator_id, None)  # never keep state the views did not record
            raise
        self._cache[cert.id] = cert
        self._cache.move_to_end(cert.id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _render(self, cert: Certificate) -> dict[str, Any]:
        document = public_document(CertificateView.of(cert))
        if self.extras is not None:
            document.update(self.extras(document))
        return document

    def _before(self, event: Certificate.Event) -> Certificate | None:
        if event.originator_version == 1:
            return None
        cached = self._cache.get(event.originator_id)
        if cached is not None and cached.version == event.originator_version - 1:
            return cached
        before: Certificate = self.registry.repository.get(event.originator_id, version=event.originator_version - 1)
        return before
