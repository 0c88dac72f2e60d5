"""The registry application: the only way in for the API, the scheduler and the command line.

Each command loads what it needs, lets the aggregates check their rules, and saves every changed aggregate in one
transaction, so a refused command writes nothing and an accepted one is all-or-nothing. Each returns ``Written``
(the ids it created and the log position of its last event) or plain frozen views.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent, Repository
from eventsourcing.persistence import IntegrityError, JSONTranscoder, PersistenceError
from eventsourcing.utils import resolve_topic

from registry import handling, rules, text, transcodings
from registry.base import RegistryAggregate
from registry.case import Case
from registry.certificate import Certificate
from registry.clock import Clock, SystemClock
from registry.commands import Command
from registry.documents import CaseDocument, content_address, receipt
from registry.entries import entry_of
from registry.errors import AlreadyExists, ConcurrentChange, InvalidInput, NotFound
from registry.following import LogFollower
from registry.handling import Caller, Handled
from registry.history import HistoryEntry, entry, fold_as_of
from registry.idempotency import Idempotency, IdempotencyKeyReused, IdempotencyRecord
from registry.identifiers import certificate_id, number_sequence_id, organization_id, validate_uscc
from registry.numbering import DEFAULT_PATTERN, NumberSequence, check_pattern, sequence_key
from registry.organization import Organization
from registry.person import Person, person_id
from registry.ports import STORE, Documents, RecordStore, RegistryRecorder
from registry.records import Records
from registry.user import Credential, Unauthenticated, User, parse_token, user_id
from registry.values import (
    Actor,
    Basis,
    CancellationGround,
    CaseKind,
    Changes,
    DocumentKind,
    EmissionControl,
    IntegratedSystem,
    Issuer,
    Nonconformity,
    OffSiteGround,
    OtherCertification,
    PerformanceIndicator,
    RegistrationKind,
    Review,
    Role,
    ScopeLevel,
    ServiceKind,
    SurveillanceOutcome,
    SuspensionGround,
    TransferInfo,
    Written,
    parse_enum,
)
from registry.values import (
    Organization as OrganizationDetails,
)
from registry.views import CaseView, CertificateView, OrganizationView, PersonView, UserView

A = TypeVar("A", bound=RegistryAggregate)
SYSTEM = Actor(person=None, role=Role.SYSTEM)
DECISION_ATTEMPTS = 20  # a grant's tries at the next certificate number while concurrent decisions take them

# Aggregates kept in each process's memory, most recently used first, so other processes' writes are seen: a
# command over HTTP reads the log's tail once and applies it (registry.following); any other load brings its cached
# aggregate up to date with a query of its own (the library's fast-forward). Commands work on a copy. A case is
# loaded from its 20-odd events in about 2 ms, from the cache in about 0.3 ms (bench/scale.py, HTTP commands).
AGGREGATE_CACHE_SIZE = 2000
DIGESTS_KEPT = 10_000  # token digests kept in memory (Registry._digest)

# Whether the load running in this context looks for a snapshot first (only number sequences have them).
_SNAPSHOTTED: ContextVar[bool] = ContextVar("snapshotted", default=True)


@dataclass(frozen=True)
class RegistryConfig:
    database_url: str = "sqlite:///registry.db"  # the embedded default
    issuer: Issuer = field(default_factory=lambda: Issuer(name="示例认证有限公司 Example Certification Co., Ltd.",
                                                          address="北京市朝阳区示例路1号", code="CB"))
    number_pattern: str = DEFAULT_PATTERN
    read_only: bool = False  # a read replica's: nothing is created in the database (commands fail there)


def fold(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's ``project_aggregate`` without its per-event ``isinstance`` against a runtime Protocol, which
    was a sixth of loading a case."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class RegistryRepository(Repository[UUID]):
    """The library's repository, folding with ``fold``, and asking the snapshot store only for the aggregates
    that have snapshots: otherwise every load of a case, a person or a user paid a query that finds nothing."""

    follower: LogFollower | None = None  # set by the registry: the cache kept up to date from the log's tail

    def get(self, aggregate_id: UUID, *, version: int | None = None, projector_func: Any = fold,
            fastforward_skipping: bool = False, deepcopy_from_cache: bool = True, snapshotted: bool = True) -> Any:
        def load() -> Any:
            token = _SNAPSHOTTED.set(snapshotted)
            try:
                return Repository.get(self, aggregate_id, version=version, projector_func=projector_func,
                                      fastforward_skipping=fastforward_skipping,
                                      deepcopy_from_cache=deepcopy_from_cache)
            finally:
                _SNAPSHOTTED.reset(token)

        if self.follower is None or version is not None or self.cache is None:
            return load()
        return self.follower.get(aggregate_id, load, copy=deepcopy_from_cache and self.deepcopy_from_cache)

    def _reconstruct_aggregate(self, aggregate_id: UUID, version: int | None, projector_func: Any) -> Any:
        if _SNAPSHOTTED.get():
            return super()._reconstruct_aggregate(aggregate_id, version, projector_func)
        aggregate = projector_func(None, self.event_store.get(originator_id=aggregate_id, lte=version))
        if aggregate is None:
            raise AggregateNotFoundError(f"Aggregate {aggregate_id!r} version {version!r} not found.")
        return aggregate


class Collected(ProcessingEvent[UUID]):
    """The library's processing event, collecting the events of the registry's own aggregates without its two
    isinstance checks against runtime Protocols (23 µs an aggregate, 2 % of a command's worker time); anything else
    is collected as the library does."""

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        if not all(obj is None or isinstance(obj, RegistryAggregate) for obj in objs):
            super().collect_events(*objs, **kwargs)
            return
        for obj in objs:
            if obj is not None:
                self.events.extend(obj.collect_events())
                self.aggregates[obj.id] = obj
        self.saved_kwargs.update(kwargs)


class Registry(Application[UUID], Records):
    """The certificate registry. ``config`` chooses the store and the issuer; ``clock`` gives today."""

    name = "Registry"
    # A year's number sequence gains an event per certificate issued, and every grant loads it: a snapshot every
    # 100 numbers keeps that load short (bench/scale.py: 33,000 numbers in a year took a decision from 10 ms to
    # seconds). Snapshots are a cache beside the log, never part of it: the log and its Merkle tree hold events only.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {NumberSequence: 100}

    def __init__(self, config: RegistryConfig | None = None, clock: Clock | None = None,
                 store: RecordStore | None = None) -> None:
        """``store`` is where the registry keeps everything (``store.open_store``); given none, the store
        ``config.database_url`` names."""
        self.config = config or RegistryConfig()
        check_pattern(self.config.number_pattern)
        self.clock: Clock = clock or SystemClock()
        self.store: RecordStore = store or resolve_topic(STORE)(self.config.database_url, self.config.read_only)
        self._write_listeners: list[Callable[[], None]] = []
        # Token digests by token id, as the credentials table holds them: a row never changes once written, so
        # what was read once is never read again (authentication is on every write's path).
        self._digests: dict[UUID, str] = {}
        for attempt in range(5):
            try:
                self.store.prepare()
                super().__init__(env={"AGGREGATE_CACHE_MAXSIZE": str(AGGREGATE_CACHE_SIZE), **self.store.env})
                self.documents: Documents = self.store.documents(self.recorder)
                self.store.protect(self.recorder)  # R-REC-2 at the database
                break
            except PersistenceError:
                # Processes starting together create the same schema and tables at once, and PostgreSQL's
                # IF NOT EXISTS is not safe against that race; the loser finds them made when it tries again.
                if attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def construct_repository(self) -> Repository[UUID]:
        """The library's settings (``AGGREGATE_CACHE_MAXSIZE`` and the rest) on a ``RegistryRepository``."""
        library = super().construct_repository()
        repository = RegistryRepository(event_store=self.events, snapshot_store=self.snapshots,
                                        fastforward=library.fastforward,
                                        fastforward_skipping=library.fastforward_skipping,
                                        deepcopy_from_cache=library.deepcopy_from_cache)
        repository.cache = library.cache
        if repository.cache is not None:
            repository.follower = LogFollower(repository, self.recorder, fresh_limit=2 * AGGREGATE_CACHE_SIZE)
        return repository

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcodings.register(transcoder)

    # Plumbing

    def on_write(self, listener: Callable[[], None]) -> None:
        """Calls ``listener`` after each write of this process (the projections wake on it)."""
        self._write_listeners.append(listener)

    def save(self, *objs: Any, **kwargs: Any) -> list[Any]:
        """The library's ``save``, step for step, collecting into ``Collected``."""
        processing_event = Collected()
        processing_event.collect_events(*objs, **kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # the library's deprecated hook, called as its own save calls it
        return recordings

    def _notify(self, recordings: list[Any]) -> None:
        super()._notify(recordings)
        for listener in self._write_listeners:
            listener()

    def one_connection(self) -> AbstractContextManager[None]:
        """Runs a block of commands and reads on one connection of the store's pool, where the store keeps one
        (PostgreSQL's recorder); elsewhere the block runs as it would."""
        one = getattr(self.recorder, "one_connection", None)
        return one() if one is not None else nullcontext()

    def following(self) -> AbstractContextManager[None]:
        """Runs a command with the cached records it loads brought up to date from the log in one read at its start
        (``registry.following``); elsewhere each load asks the log for what its record gained."""
        follower = cast(RegistryRepository, self.repository).follower
        return follower.following() if follower is not None else nullcontext()

    def _get(self, cls: type[A], aggregate_id: UUID, what: str) -> A:
        try:
            aggregate: Any = self.repository.get(aggregate_id,  # type: ignore[call-arg]
                                                 snapshotted=cls in self.snapshotting_intervals)
        except AggregateNotFoundError:
            raise NotFound(f"no {what}") from None
        if not isinstance(aggregate, cls):
            raise NotFound(f"no {what}")
        return aggregate

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def _commit(self, *aggregates: RegistryAggregate | None, documents: Sequence[bytes] = (),
                credentials: Sequence[Credential] = (), idempotency: Idempotency | None = None,
                **ids: Any) -> Written:
        """Saves the aggregates' new events (and ``documents``, where the store takes them with the events,
        ``credentials``, which every store takes with them, and the record of the command's ``idempotency`` key)
        in one transaction; answers ``ids`` and the log position of the last event."""
        if idempotency is not None:
            aggregates = (*aggregates, idempotency.record(ids, now=self.clock.now()))
        extra: dict[str, Any] = {}
        if documents:
            extra["documents"] = documents
        if credentials:
            extra["credentials"] = credentials
        try:
            recordings = self.save(*aggregates, **extra)
        except IntegrityError:
            raise ConcurrentChange("another command changed the same record first; nothing was written") from None
        for credential in credentials:
            self._digests[credential.token_id] = credential.digest
        position = recordings[-1].notification.id if recordings else self.recorder.max_notification_id() or 0
        return Written(position=position, ids=ids)

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
            raise NotFound(f"no case {case_id}") from None
        return self._get(Case, cid, f"case {case_id}")

    def certificate_by_number(self, number: str) -> Certificate:
        text.check("number", number, text.NUMBER)
        return self._get(Certificate, certificate_id(number), f"certificate {number}")

    def _people(self, ids: Iterable[UUID]) -> list[Person]:
        return [self.person(i) for i in ids]

    # People (R-TEAM-2, R-SOD-1 facts)

    def enrol_person(self, name: str, *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """Records a person; answers its id."""
        person = Person.enrol(name, actor=actor, now=self.clock.now())
        return self._commit(person, person=person.id, idempotency=idempotency)

    def record_registration(self, pid: UUID | str, kind: RegistrationKind | str, number: str, valid_from: date,
                            valid_until: date, *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        person = self.person(pid)
        person.record_registration(parse_enum(RegistrationKind, kind, "kind"), number, valid_from, valid_until,
                                   actor=actor, now=self.clock.now())
        return self._commit(person, idempotency=idempotency)

    def record_violation(self, pid: UUID | str, on: date, description: str, *, actor: Actor,
                         idempotency: Idempotency | None = None) -> Written:
        person = self.person(pid)
        rules.check_not_future("on", on, self._today())
        person.record_violation(on, description, actor=actor, now=self.clock.now())
        return self._commit(person, idempotency=idempotency)

    def record_evaluation(self, pid: UUID | str, on: date, sectors: Sequence[str], *, actor: Actor,
                          idempotency: Idempotency | None = None) -> Written:
        person = self.person(pid)
        rules.check_not_future("on", on, self._today())
        person.record_evaluation(on, tuple(sectors), actor=actor, now=self.clock.now())
        return self._commit(person, idempotency=idempotency)

    def record_service(self, pid: UUID | str, client_uscc: str, kind: ServiceKind | str, on: date, *,
                       actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """Training or consulting given to a client: a fact R-SOD-1 is decided from."""
        person = self.person(pid)
        rules.check_not_future("on", on, self._today())
        person.record_service(validate_uscc(client_uscc), parse_enum(ServiceKind, kind, "kind"), on, actor=actor,
                              now=self.clock.now())
        return self._commit(person, idempotency=idempotency)

    # Organisations (R-ID-1, R-APP-1, R-APP-5)

    def register_organization(self, uscc: str, name: str, address: str, *, actor: Actor,
                              idempotency: Idempotency | None = None) -> Written:
        org = Organization.register(uscc, name, address, actor=actor, now=self.clock.now())
        if self._exists(org.id):
            raise AlreadyExists(f"organisation {org.uscc} is registered already")
        return self._commit(org, organization=org.id, uscc=org.uscc, idempotency=idempotency)

    def record_rectification(self, uscc: str, on: date, evidence: str, *, actor: Actor,
                             idempotency: Idempotency | None = None) -> Written:
        """R-APP-5: the rectification that lets an organisation apply again after a withdrawal."""
        org = self.organization_by_uscc(uscc)
        rules.check_not_future("on", on, self._today())
        org.rectify(on, evidence, actor=actor, now=self.clock.now())
        return self._commit(org, idempotency=idempotency)

    # The case: application and acceptance (§8.1, §8.2)

    def apply(self, *, organization_uscc: str, kind: CaseKind | str, applied_on: date, scope: str,
              levels: Sequence[ScopeLevel], basis: Basis | None = None, cems_operating_since: date,
              emission_control: EmissionControl | None = None,
              other_certifications: Sequence[OtherCertification] = (), incident_report_commitment: bool,
              permits: str = "", compliance_information: str = "", renewal_of: str | None = None,
              transfer: TransferInfo | None = None, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """Records an application (R-APP-1..5, R-GHG-1, R-TRF-1, R-RECERT-1); answers the case id."""
        org = self.organization_by_uscc(organization_uscc)
        org.check_may_apply()
        case_kind = parse_enum(CaseKind, kind, "kind")
        renewal_valid_until, renewal_status_valid = None, True
        if case_kind is CaseKind.RENEWAL and renewal_of:
            old = self.certificate_by_number(renewal_of)
            if old.organization.uscc != org.uscc:
                raise InvalidInput("renewal_of", f"certificate {renewal_of} belongs to another organisation")
            renewal_valid_until = old.valid_until
            renewal_status_valid = old.status.value in ("valid", "suspended")
        now = self.clock.now()
        case = Case.open(
            organization_uscc=org.uscc, kind=case_kind, applied_on=applied_on, scope=scope, levels=levels,
            basis=basis or Basis(), cems_operating_since=cems_operating_since,
            emission_control=emission_control or EmissionControl(), other_certifications=other_certifications,
            incident_report_commitment=incident_report_commitment, permits=permits,
            compliance_information=compliance_information, renewal_of=renewal_of,
            renewal_valid_until=renewal_valid_until, renewal_status_valid=renewal_status_valid, transfer=transfer,
            today=self._today(), actor=actor, now=now)
        org.open_case(case.id, case_kind, applied_on, actor=actor, now=now)
        return self._commit(case, org, case=case.id, idempotency=idempotency)

    def receive_document(self, case_id: UUID | str, kind: DocumentKind | str, received_on: date, content: bytes,
                         *, content_type: str = "application/octet-stream", filename: str = "",
                         actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-APP-4: stores the document's bytes by SHA-256 and records it on the case's checklist."""
        case = self.case_by_id(case_id)
        doc_kind = parse_enum(DocumentKind, kind, "kind")
        sha256 = content_address(content)
        case.receive_document(doc_kind, received_on, sha256, len(content), content_type, filename,
                              today=self._today(), actor=actor, now=self.clock.now())
        return self._commit_with_bytes(content, case, sha256=sha256, idempotency=idempotency)

    def _commit_with_bytes(self, content: bytes, *aggregates: RegistryAggregate,
                           idempotency: Idempotency | None = None, **ids: Any) -> Written:
        if self.store.documents_with_events:  # in the events' own transaction
            return self._commit(*aggregates, documents=(content,), **ids, idempotency=idempotency)
        # Elsewhere the bytes go in first, in a transaction of their own: bytes nobody refers to are harmless, an
        # event without its bytes is not. (The command was checked already.)
        self.documents.put(content)
        return self._commit(*aggregates, **ids, idempotency=idempotency)

    def request_supplement(self, case_id: UUID | str, requested_on: date, missing: Sequence[DocumentKind | str],
                           note: str = "", *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        case = self.case_by_id(case_id)
        kinds = [parse_enum(DocumentKind, k, "missing") for k in missing]
        case.request_supplement(requested_on, kinds, note, today=self._today(), actor=actor, now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    def decide_acceptance(self, case_id: UUID | str, decided_on: date, accepted: bool, review: Review,
                          reasons: str = "", *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        case = self.case_by_id(case_id)
        reviewer = self._acting_person(actor)
        case.decide_acceptance(decided_on, accepted, review, reasons, reviewer, today=self._today(), actor=actor,
                               now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    def sign_agreement(self, case_id: UUID | str, signed_on: date, fee_paid_on: date, *, actor: Actor,
                       idempotency: Idempotency | None = None) -> Written:
        case = self.case_by_id(case_id)
        case.sign_agreement(signed_on, fee_paid_on, today=self._today(), actor=actor, now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    # Audit preparation and audit (§8.3, §8.4)

    def plan_programme(self, case_id: UUID | str, planned_on: date, person_days: Decimal | float | str,
                       integrated_with: Sequence[IntegratedSystem] = (),
                       cems_standalone_person_days: Decimal | float | str = rules.BASE_PERSON_DAYS, *,
                       actor: Actor, idempotency: Idempotency | None = None) -> Written:
        case = self.case_by_id(case_id)
        case.plan_programme(planned_on, _decimal(person_days, "person_days"), integrated_with,
                            _decimal(cems_standalone_person_days, "cems_standalone_person_days"),
                            today=self._today(), actor=actor, now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    def appoint_team(self, case_id: UUID | str, leader: UUID | str, members: Sequence[UUID | str] = (),
                     experts: Sequence[UUID | str] = (), *, on: date, actor: Actor,
                     idempotency: Idempotency | None = None) -> Written:
        case = self.case_by_id(case_id)
        case.appoint_team(self.person(leader), self._people(person_id(m) for m in members),
                          self._people(person_id(e) for e in experts), on, today=self._today(), actor=actor,
                          now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    def _case_team(self, case: Case) -> list[Person]:
        return self._people(case.team.everyone) if case.team else []

    def conduct_stage1(self, case_id: UUID | str, conducted_on: date, on_site: bool = True,
                       off_site_ground: OffSiteGround | str | None = None, justification: str = "",
                       findings: str = "", *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        case = self.case_by_id(case_id)
        ground = parse_enum(OffSiteGround, off_site_ground, "off_site_ground") if off_site_ground else None
        case.conduct_stage1(conducted_on, on_site, ground, justification, findings, self._case_team(case),
                            today=self._today(), actor=actor, now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    def conduct_stage2(self, case_id: UUID | str, conducted_on: date, nonconformities: Sequence[Nonconformity] = (),
                       on_site: bool = True, *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-S2-1; for a renewal, the recertification audit also counts as surveillance (R-SURV-1)."""
        case = self.case_by_id(case_id)
        now = self.clock.now()
        case.conduct_stage2(conducted_on, on_site, nonconformities, self._case_team(case), today=self._today(),
                            actor=actor, now=now)
        old = None
        if case.renewal_of:
            old = self.certificate_by_number(case.renewal_of)
            team = case.team
            if team and old.status.value in ("valid", "suspended") and conducted_on <= old.valid_until:
                old.record_surveillance_audit(
                    conducted_on, [], self.person(team.leader), self._people(team.members),
                    SurveillanceOutcome.NONCONFORMITIES if nonconformities else SurveillanceOutcome.MAINTAINED,
                    False, "recertification audit", today=self._today(), actor=actor, now=now,
                    recertification_case=case.id)
            else:
                old = None
        return self._commit(case, old, idempotency=idempotency)

    def close_nonconformity(self, case_id: UUID | str, ref: str, closed_on: date, evidence: str, *,
                            actor: Actor, idempotency: Idempotency | None = None) -> Written:
        case = self.case_by_id(case_id)
        case.close_nonconformity(ref, closed_on, evidence, today=self._today(), actor=actor, now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    def submit_report(self, case_id: UUID | str, submitted_on: date, focus_points: dict[str, str],
                      quantified_performance: Sequence[PerformanceIndicator], measurement_and_verification: str,
                      improvement_evaluation: str, cycle_effectiveness: str = "", actual_reductions: str = "", *,
                      actor: Actor, idempotency: Idempotency | None = None) -> Written:
        case = self.case_by_id(case_id)
        case.submit_report(submitted_on, focus_points, quantified_performance, measurement_and_verification,
                           improvement_evaluation, cycle_effectiveness, actual_reductions, today=self._today(),
                           actor=actor, now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    # The decision and the certificate (§8.5, §10)

    def decide(self, case_id: UUID | str, decided_on: date, grant: bool, conditions: dict[str, bool | None],
               reasons: str = "", *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-DEC-1, R-SOD-1; a grant issues the certificate with a number never used before (R-CERT-1..2)."""
        first = self.case_by_id(case_id)
        for attempt in range(DECISION_ATTEMPTS):
            case = self.case_by_id(case_id)
            if case.version != first.version:
                raise ConcurrentChange(f"case {case_id} was changed by another command; nothing was written")
            try:
                return self._decide(case, decided_on, grant, conditions, reasons, actor, idempotency=idempotency)
            except ConcurrentChange:
                # Only the number sequence can have moved if the case has not: take the next number and retry,
                # after a random pause, so that deciders who collided do not collide again in step (bench/scale.py
                # saw eight concurrent deciders exhaust five immediate retries).
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
                continue
        raise ConcurrentChange("no free certificate number after several attempts (concurrent decisions, or a number "
                               "pattern that repeats numbers already issued); nothing was written")

    def _decide(self, case: Case, decided_on: date, grant: bool, conditions: dict[str, bool | None], reasons: str,
                actor: Actor, idempotency: Idempotency | None) -> Written:
        now, today = self.clock.now(), self._today()
        unmet = case.check_decision(decided_on, grant, conditions, self._acting_person(actor), today=today)
        if not grant:
            case.refuse(decided_on, conditions, reasons, unmet, actor=actor, now=now)
            return self._commit(case, idempotency=idempotency)
        old = self.certificate_by_number(case.renewal_of) if case.renewal_of else None
        if old is not None:
            old.check_renewable(decided_on)
        org = self.organization_by_uscc(case.organization_uscc)
        sequence = self._number_sequence(decided_on, now)
        number = sequence.allocate(self.config.number_pattern, self.config.issuer.code, decided_on, actor=actor,
                                   now=now)
        if self._exists(certificate_id(number)):
            # Another decision took this number after we read the sequence: retry with the next one.
            raise ConcurrentChange(f"certificate number {number} was just issued to another decision")
        transfer = case.transfer
        cert = Certificate.issue(
            number=number, case_id=case.id,
            organization=OrganizationDetails(uscc=org.uscc, name=org.name, address=org.address),
            scope=case.scope, levels=case.levels, basis=case.basis,
            issuer=self.config.issuer, issued_on=decided_on,
            valid_until=transfer.valid_until if transfer else None, renews=case.renewal_of,
            transferred_from=f"{transfer.from_body} {transfer.certificate_number}" if transfer else None,
            actor=actor, now=now)
        case.grant(decided_on, conditions, reasons, cert.id, number, actor=actor, now=now)
        org.note_certificate(number, decided_on, actor=actor, now=now)
        if old is not None:
            old.note_renewal(number, case.id, decided_on, actor=actor, now=now)
        return self._commit(sequence, case, cert, org, old, certificate=cert.id, certificate_number=number,
                            idempotency=idempotency)

    def _number_sequence(self, on: date, now: Any) -> NumberSequence:
        key = sequence_key(self.config.number_pattern, self.config.issuer.code, on.year)
        try:
            return self._get(NumberSequence, number_sequence_id(key), "number sequence")
        except NotFound:
            return NumberSequence.start(key, actor=SYSTEM, now=now)

    def _acting_person(self, actor: Actor) -> Person:
        if actor.person is None:
            raise InvalidInput("actor", f"a {actor.role.value} step is performed by a person")
        return self.person(actor.person)

    # Surveillance and status changes (§9, §11)

    def record_surveillance_audit(self, number: str, conducted_on: date, leader: UUID | str,
                                  members: Sequence[UUID | str] = (),
                                  outcome: SurveillanceOutcome | str = SurveillanceOutcome.MAINTAINED,
                                  additional: bool = False, reason: str = "", *, actor: Actor,
                                  idempotency: Idempotency | None = None) -> Written:
        cert = self.certificate_by_number(number)
        lead = self.person(leader)
        team = self._people(person_id(m) for m in members if person_id(m) != lead.id)
        cert.record_surveillance_audit(conducted_on, [lead, *team], lead, team,
                                       parse_enum(SurveillanceOutcome, outcome, "outcome"), additional, reason,
                                       today=self._today(), actor=actor, now=self.clock.now())
        return self._commit(cert, idempotency=idempotency)

    def request_change(self, number: str, requested_on: date, changed_on: date, changes: Changes, *,
                       actor: Actor, idempotency: Idempotency | None = None) -> Written:
        cert = self.certificate_by_number(number)
        request_id = cert.request_change(requested_on, changed_on, changes, today=self._today(), actor=actor,
                                         now=self.clock.now())
        return self._commit(cert, request=request_id, idempotency=idempotency)

    def change_certificate(self, number: str, request_id: UUID | str, changed_on: date, *, actor: Actor,
                           idempotency: Idempotency | None = None) -> Written:
        """R-CHG-1: the certificate keeps its number; its version goes up; the organisation's record follows."""
        cert = self.certificate_by_number(number)
        try:
            rid = request_id if isinstance(request_id, UUID) else UUID(str(request_id))
        except ValueError:
            raise InvalidInput("request_id", f"{request_id!r} is not a change request id") from None
        now = self.clock.now()
        cert.change(rid, changed_on, today=self._today(), actor=actor, now=now)
        org = self.organization_by_uscc(cert.organization.uscc)
        org.change_details(cert.organization.name, cert.organization.address, number, changed_on, actor=actor,
                           now=now)
        return self._commit(cert, org, version=cert.certificate_version, idempotency=idempotency)

    def suspend(self, number: str, on: date, known_on: date, ground: SuspensionGround | str, detail: str = "", *,
                actor: Actor, idempotency: Idempotency | None = None) -> Written:
        cert = self.certificate_by_number(number)
        cert.suspend(on, known_on, parse_enum(SuspensionGround, ground, "ground"), detail, today=self._today(),
                     actor=actor, now=self.clock.now())
        return self._commit(cert, idempotency=idempotency)

    def reinstate(self, number: str, on: date, evidence: str, *, actor: Actor,
                  idempotency: Idempotency | None = None) -> Written:
        cert = self.certificate_by_number(number)
        cert.reinstate(on, evidence, today=self._today(), actor=actor, now=self.clock.now())
        return self._commit(cert, idempotency=idempotency)

    def withdraw(self, number: str, on: date, known_on: date, ground: SuspensionGround | str, detail: str = "", *,
                 actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-SUS-1; the organisation may not apply again until rectified (R-APP-5)."""
        cert = self.certificate_by_number(number)
        now = self.clock.now()
        cert.withdraw(on, known_on, parse_enum(SuspensionGround, ground, "ground"), detail, today=self._today(),
                      actor=actor, now=now)
        org = self.organization_by_uscc(cert.organization.uscc)
        org.note_withdrawal(number, on, actor=actor, now=now)
        return self._commit(cert, org, idempotency=idempotency)

    def cancel(self, number: str, on: date, ground: CancellationGround | str, detail: str = "",
               trigger_on: date | None = None, *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        cert = self.certificate_by_number(number)
        cert.cancel(on, parse_enum(CancellationGround, ground, "ground"), detail, today=self._today(), actor=actor,
                    now=self.clock.now(), trigger_on=trigger_on)
        return self._commit(cert, idempotency=idempotency)

    def run_duties(self, number: str, notice_lead_days: int = 30) -> Written | None:
        """The scheduler's duties for one certificate, as of today, in date order (SPEC.md, Scheduler duties).

        Idempotent: what is recorded already is not recorded again; when another scheduler records first, this
        one looks again and finds nothing left to do."""
        for _attempt in range(3):
            cert = self.certificate_by_number(number)
            done = cert.run_duties(self._today(), notice_lead_days, actor=SYSTEM, now=self.clock.now())
            if not done:
                return None
            try:
                return self._commit(cert, duties=done)
            except ConcurrentChange:
                continue
        raise ConcurrentChange(f"certificate {number} kept changing while its duties were run")

    def expire_if_due(self, number: str) -> Written | None:
        """R-EXP-1 alone: records the expiry on the day after the last day of validity, and no cancellation.
        The scheduler uses ``run_duties``, which also records the cancellation once its 30 days are up (R-CAN-1);
        this single step serves the tests."""
        return self._scheduled(number, lambda cert, now: cert.expire(self._today(), actor=SYSTEM, now=now))

    def suspend_if_surveillance_overdue(self, number: str) -> Written | None:
        """R-SURV-4 alone: suspends on the day after a missed surveillance due date (the scheduler uses
        ``run_duties``, which records every duty due, in date order)."""
        return self._scheduled(number, lambda cert, now: cert.suspend_for_overdue_surveillance(
            self._today(), actor=SYSTEM, now=now))

    def _scheduled(self, number: str, duty: Callable[[Certificate, Any], bool]) -> Written | None:
        cert = self.certificate_by_number(number)
        if not duty(cert, self.clock.now()):
            return None
        return self._commit(cert)

    # Users and tokens (API.md, Conventions)

    def add_user(self, name: str, roles: Sequence[Role | str], person: UUID | str | None = None, *,
                 actor: Actor = SYSTEM, idempotency: Idempotency | None = None) -> tuple[Written, str]:
        """Creates a user (and a person record when none is given), or gives a revoked user's name access again
        with these roles (and this person, when one is given; its own otherwise); answers ``user`` and ``person``
        and the token, which is kept only as a digest, outside the log, and cannot be shown again."""
        parsed = tuple(parse_enum(Role, r, "role") for r in roles)
        now = self.clock.now()
        try:
            known: User | None = self._get(User, user_id(name), f"user {name}")
        except NotFound:
            known = None
        if known is not None:
            pid = known.person if person is None else self.person(person).id
            known.reactivate(parsed, pid, actor=actor, now=now)
            token, credential = known.issue_token(actor=actor, now=now)
            return self._commit(known, credentials=(credential,), user=known.id, person=pid,
                                idempotency=idempotency), token
        new_person = None if person is not None else Person.enrol(name, actor=actor, now=now)
        pid = new_person.id if new_person is not None else self.person(person or "").id
        user = User.add(name, parsed, pid, actor=actor, now=now)
        token, credential = user.issue_token(actor=actor, now=now)
        return self._commit(new_person, user, credentials=(credential,), user=user.id, person=pid,
                            idempotency=idempotency), token

    def rotate_token(self, name: str, *, actor: Actor = SYSTEM,
                     idempotency: Idempotency | None = None) -> tuple[Written, str]:
        """A new token for the user, answered once; the old one stops working at once."""
        user = self._get(User, user_id(name), f"user {name}")
        token, credential = user.rotate_token(actor=actor, now=self.clock.now())
        return self._commit(user, credentials=(credential,), user=user.id, idempotency=idempotency), token

    def revoke_user(self, name: str, *, actor: Actor = SYSTEM, idempotency: Idempotency | None = None) -> Written:
        user = self._get(User, user_id(name), f"user {name}")
        user.revoke_token(actor=actor, now=self.clock.now())
        return self._commit(user, user=user.id, idempotency=idempotency)

    def list_users(self) -> list[UserView]:
        """Every user, active or revoked, in the order they were added (never a token nor its digest)."""
        recorder = cast(RegistryRecorder, self.recorder)
        return [UserView.of(self._get(User, uid, "user")) for uid in recorder.select_user_ids()]

    def authenticate(self, token: str) -> UserView:
        """The user holding this token, or ``Unauthenticated``, with one answer whatever was wrong with it."""
        uid, secret = parse_token(token)
        try:  # read, never changed here: the cached user itself, not a copy of it
            user: Any = self.repository.get(uid, snapshotted=False,  # type: ignore[call-arg]
                                            deepcopy_from_cache=False)
        except AggregateNotFoundError:
            raise Unauthenticated() from None
        if not isinstance(user, User) or not user.holds(secret, self._digest):
            raise Unauthenticated()
        return UserView.of(user)

    def _digest(self, token_id: UUID) -> str | None:
        digest = self._digests.get(token_id)
        if digest is None:
            digest = cast(RegistryRecorder, self.recorder).select_credential(token_id)
            if digest is not None:
                if len(self._digests) >= DIGESTS_KEPT:
                    self._digests.clear()  # mostly tokens rotated since; the rest are read again
                self._digests[token_id] = digest
        return digest

    # Commands sent by a caller (the HTTP API): registry.handling

    def handle(self, command: Command, caller: Caller) -> Handled:
        """Runs ``command`` for ``caller``: authorized, once per idempotency key (``handling.handle``)."""
        return handling.handle(self, command, caller)

    def authorize(self, token: str | None, role: Role | None = None) -> UserView:
        """The user a token lets in, holding ``role``: the one decision on who may act (``handling.authorize``)."""
        return handling.authorize(self, token, role)

    def _replay(self, key: Idempotency) -> Written | None:
        """What the command first sent with ``key`` answered, if one was; ``IdempotencyKeyReused`` when it was
        sent with another request."""
        rid = key.id
        try:
            record = self._get(IdempotencyRecord, rid, "idempotency record")
        except NotFound:
            return None
        if record.request_digest != key.request_digest:
            raise IdempotencyKeyReused(f"Idempotency-Key {key.key!r} was used for another request")
        position = self.store.positioned_events(self.recorder, [rid])[0].id
        return Written(position=position, ids=record.ids)

    # History (R-REC-1) and past states

    def certificate_history(self, number: str) -> list[HistoryEntry]:
        """Every event of the certificate and of the cases behind it, oldest first."""
        cert = self.certificate_by_number(number)
        return self._history([cert.id, *cert.case_ids])

    def organization_history(self, uscc: str) -> list[HistoryEntry]:
        """Every event of the organisation, its cases and its certificates, oldest first."""
        org = self.organization_by_uscc(uscc)
        return self._history([org.id, *org.cases, *(certificate_id(n) for n in org.certificates)])

    def _history(self, ids: list[UUID]) -> list[HistoryEntry]:
        return [entry(n.id, cast(RegistryAggregate.Event, self.mapper.to_domain_event(n)), entry_of(n).leaf_hash)
                for n in self.store.positioned_events(self.recorder, ids)]

    def _as_of(self, cls: type[A], aggregate_id: UUID, as_of: date, what: str) -> A:
        self._get(cls, aggregate_id, what)
        events = [cast(RegistryAggregate.Event, e) for e in self.events.get(aggregate_id)]
        folded = fold_as_of(events, as_of)
        if folded is None:
            raise NotFound(f"{what} did not exist yet on {as_of.isoformat()}")
        aggregate: A = folded
        return aggregate

    # Reads

    def get_person(self, pid: UUID | str) -> PersonView:
        return PersonView.of(self.person(pid))

    def get_organization(self, uscc: str) -> OrganizationView:
        return OrganizationView.of(self.organization_by_uscc(uscc))

    def get_case(self, case_id: UUID | str, as_of: date | None = None) -> CaseView:
        case = self.case_by_id(case_id)
        if as_of is not None:
            case = self._as_of(Case, case.id, as_of, f"case {case_id}")
        return CaseView.of(case)

    def get_certificate(self, number: str, as_of: date | None = None) -> CertificateView:
        """The certificate now, or as it stood at the end of ``as_of`` (by effective dates)."""
        cert = self.certificate_by_number(number)
        if as_of is not None:
            cert = self._as_of(Certificate, cert.id, as_of, f"certificate {number}")
        return CertificateView.of(cert).as_shown(as_of or self._today())

    def document(self, sha256: str) -> bytes:
        content = self.documents.get(sha256)
        if content is None:
            raise NotFound(f"no document {sha256}")
        return content

    def case_document(self, case_id: UUID | str, sha256: str) -> CaseDocument:
        """A document the case received (R-APP-4): its bytes, with the kind, content type and file name it was
        received with. A document the case never received is not found on it, whichever case holds it."""
        case = self.case_by_id(case_id)
        received = receipt(self.events.get(case.id), sha256)
        if received is None:
            raise NotFound(f"case {case.id} holds no document {sha256}")
        return CaseDocument(sha256, received.kind.value, received.content_type, received.filename,
                            self.document(sha256))


def _decimal(value: Decimal | float | str, field_name: str) -> Decimal:
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        raise InvalidInput(field_name, f"{value!r} is not a number") from None
    if not result.is_finite() or result < 0:
        raise InvalidInput(field_name, f"{value!r} is not a non-negative number")
    return result

