"""What every section of the registry application shares: its records loaded by their keys, and the names the
application gives it.

``Registry`` (registry.application) is composed of sections, one module each: people and organisations
(registry.parties), the case's steps (registry.case_steps), the decision (registry.deciding), the certificate's steps
(registry.certificate_steps), users and tokens (registry.access), idempotency keys (registry.replay), history and past
states (registry.past) and reads (registry.reads). Each is a mixin on this base. What the event store library and
``Registry`` itself give the sections (the log, the store, the clock, the commit) is declared here for the type
checker alone: ``Registry`` defines it, once, for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from registry import labels, text
from registry.base import RegistryAggregate
from registry.calendar import Workdays
from registry.case import Case
from registry.certificate import Certificate
from registry.errors import ConcurrentChange, InvalidInput, NotFound
from registry.identifiers import certificate_id, organization_id, validate_uscc
from registry.organization import Organization
from registry.person import Person, person_id
from registry.reference import APPROVAL_LIST_ID, BASIS_LIST_ID, AcceptedBasis, Approval, ApprovalList, BasisList
from registry.reference import accepted_bases as _accepted_bases
from registry.sectors import SECTOR_LIST_ID, SectorList
from registry.values import Actor, Functions, Role
from registry.working_calendar import WORKING_CALENDAR_ID, WorkingCalendar

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eventsourcing.application import Repository
    from eventsourcing.persistence import ApplicationRecorder, EventStore, Mapper

    from registry.application import RegistryConfig
    from registry.clock import Clock
    from registry.idempotency import Idempotency
    from registry.ports import Documents, RecordStore
    from registry.user import Credential
    from registry.values import Written

A = TypeVar("A", bound=RegistryAggregate)
T = TypeVar("T")

# Who acts when no person does: the scheduler's duties, and the command line's user administration.
SYSTEM = Actor(person=None, role=Role.SYSTEM)


class Section:
    if TYPE_CHECKING:
        # Given by Registry.__init__.
        config: RegistryConfig
        clock: Clock
        store: RecordStore
        documents: Documents

        # Given by the event store library's Application.
        recorder: ApplicationRecorder
        events: EventStore[UUID]
        mapper: Mapper[UUID]
        snapshotting_intervals: ClassVar[dict[type[Any], int]]

        @property
        def repository(self) -> Repository[UUID]: ...

        # Defined by Registry: every command's one transaction.
        def _commit(self, *aggregates: RegistryAggregate | None, documents: Sequence[bytes] = (),
                    credentials: Sequence[Credential] = (), idempotency: Idempotency | None = None,
                    **ids: Any) -> Written: ...

        def _commit_with_bytes(self, content: bytes, *aggregates: RegistryAggregate,
                               idempotency: Idempotency | None = None, **ids: Any) -> Written: ...

    def _raise_once(self, load: Callable[[datetime], A], raise_due: Callable[[A, datetime], list[T]],
                    kept_changing: str) -> list[T]:
        """A scheduler duty on one of the body's own records (its working calendar, its national reporting): the
        record as ``load`` finds it (or starts it) now, what ``raise_due`` raises on it, committed; looked at again
        when another scheduler wrote first, and left to the next tick (``kept_changing``) after three tries."""
        for _attempt in range(3):
            now = self.clock.now()
            record = load(now)
            raised = raise_due(record, now)
            if not raised:
                return []
            try:
                self._commit(record)
                return raised
            except ConcurrentChange:
                continue  # another scheduler wrote first: look again, and find nothing left, or what it left
        raise ConcurrentChange(kept_changing)

    def _get(self, cls: type[A], aggregate_id: UUID, what: str) -> A:
        try:
            aggregate: Any = self.repository.get(aggregate_id,  # type: ignore[call-arg]
                                                 snapshotted=cls in self.snapshotting_intervals)
        except AggregateNotFoundError:
            raise NotFound(f"未找到{labels.record(what)} / no {what}") from None
        if not isinstance(aggregate, cls):
            raise NotFound(f"未找到{labels.record(what)} / no {what}")
        return aggregate

    def _found(self, cls: type[A], aggregate_id: UUID, what: str) -> A | None:
        """The record, or None where there is none (a list of reference data before its first entry)."""
        try:
            return self._get(cls, aggregate_id, what)
        except NotFound:
            return None

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def _today(self) -> date:
        return self.clock.today()

    def person(self, pid: UUID | str) -> Person:
        return self._get(Person, person_id(pid), f"person {pid}")

    def organization_by_uscc(self, uscc: str) -> Organization:
        code = validate_uscc(uscc)
        return self._get(Organization, organization_id(code), f"organisation with USCC {code}")

    def case_by_id(self, case_id: UUID | str) -> Case:
        try:
            cid = case_id if isinstance(case_id, UUID) else UUID(str(case_id))
        except ValueError:
            raise NotFound(f"未找到认证案例 {case_id} / no case {case_id}") from None
        return self._get(Case, cid, f"case {case_id}")

    def certificate_by_number(self, number: str) -> Certificate:
        text.check("number", number, text.NUMBER)
        return self._get(Certificate, certificate_id(number), f"certificate {number}")

    def sector_list(self) -> SectorList | None:
        """The body's sector list (R-TEAM-3), None before its first sector."""
        try:
            return self._get(SectorList, SECTOR_LIST_ID, "sector list")
        except NotFound:
            return None

    def sectors(self) -> dict[str, str]:
        """The body's sectors, name → code, in the order added (R-TEAM-3)."""
        found = self.sector_list()
        return dict(found.codes) if found is not None else {}

    def working_calendar(self) -> WorkingCalendar | None:
        """The body's working calendar (R-CAL-1), None before anything was recorded on it."""
        try:
            return self._get(WorkingCalendar, WORKING_CALENDAR_ID, "working calendar")
        except NotFound:
            return None

    def workdays(self) -> Workdays:
        """China's working days as the registry knows them today: the years recorded, else the package's (R-CAL-1)."""
        found = self.working_calendar()
        return found.workdays if found is not None else Workdays()

    def basis_list(self) -> BasisList | None:
        """The bases the body has recorded (R-BASIS-1), None before the first."""
        return self._found(BasisList, BASIS_LIST_ID, "basis list")

    def accepted_bases(self) -> tuple[AcceptedBasis, ...]:
        """Every certification basis the body accepts, each with its validity (R-BASIS-1): CCAI-S-C06:2023 from the
        start, and those recorded."""
        return _accepted_bases(self.basis_list())

    def approval_list(self) -> ApprovalList | None:
        """The body's CNCA approvals as recorded (R-BODY-1), None before the first."""
        return self._found(ApprovalList, APPROVAL_LIST_ID, "approval list")

    def approvals(self) -> tuple[Approval, ...]:
        """The body's CNCA approvals (R-BODY-1), each as last recorded, in the order first recorded."""
        found = self.approval_list()
        return tuple(found.recorded.values()) if found is not None else ()

    def cycle_functions(self, cert: Certificate) -> Functions:
        """R-SOD-1: who performed each function for the client in the certificate's cycle: the intake reviews,
        audits and decisions of the cases behind it, and its surveillance teams."""
        intake: set[UUID] = set()
        audit: set[UUID] = set(cert.surveillance_auditors)
        decision: set[UUID] = set()
        for case_id in cert.case_ids:
            case = self.case_by_id(case_id)
            intake |= {p for p in case.intake if p is not None}
            audit |= case.auditors_ever
            if case.decision_maker is not None:
                decision.add(case.decision_maker)
        return Functions(frozenset(intake), frozenset(audit), frozenset(decision))

    def _people(self, ids: Iterable[UUID]) -> list[Person]:
        return [self.person(i) for i in ids]

    def _acting_person(self, actor: Actor) -> Person:
        """The person taking a step that only a person may take (a review, a decision)."""
        if actor.person is None:
            raise InvalidInput("actor", f"{labels.zh(labels.ROLES, actor.role.value)}的步骤须由人员执行 / "
                                        f"a {actor.role.value} step is performed by a person")
        return self.person(actor.person)
