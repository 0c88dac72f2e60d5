"""The registry application: the only way in for the API, the scheduler and the command line.

Each command loads what it needs, lets the aggregates check their rules, and saves every changed aggregate in one
transaction, so a refused command writes nothing and an accepted one is all-or-nothing. Each returns ``Written``
(the ids it created and the log position of its last event) or plain frozen views.

``Registry`` is the one class callers use. It is composed of sections, a module each (registry.section lists them);
this module keeps what they share: its construction on a store, the event store library's plumbing
(registry.repository), and the one transaction every command commits in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast
from uuid import UUID

from eventsourcing.application import Application, Repository
from eventsourcing.persistence import IntegrityError, JSONTranscoder, PersistenceError
from eventsourcing.utils import resolve_topic

from registry import handling, labels, transcodings
from registry.access import Access
from registry.base import RegistryAggregate
from registry.calendar_steps import CalendarSteps
from registry.case_steps import CaseSteps
from registry.certificate_steps import CertificateSteps
from registry.clock import Clock, SystemClock
from registry.commands import Command
from registry.deciding import Deciding
from registry.errors import ConcurrentChange
from registry.following import LogFollower
from registry.handling import Caller, Handled
from registry.idempotency import Idempotency
from registry.numbering import DEFAULT_PATTERN, NumberSequence, check_pattern
from registry.parties import Parties
from registry.passwords import ScryptHasher
from registry.ports import STORE, Documents, PasswordHasher, RecordStore
from registry.reads import Reads
from registry.records import Records
from registry.reference_steps import ReferenceSteps
from registry.replay import Replay
from registry.reporting_steps import ReportingSteps
from registry.repository import Collected, RegistryRepository
from registry.review_steps import ReviewSteps
from registry.section import SYSTEM
from registry.sign_ins import SignInThrottle
from registry.surveillance_steps import SurveillanceSection
from registry.user import Credential
from registry.values import Issuer, Role, Written
from registry.views import UserView

__all__ = ["SYSTEM", "Registry", "RegistryConfig"]

# Aggregates kept in each process's memory, most recently used first, so other processes' writes are seen: a
# command over HTTP reads the log's tail once and applies it (registry.following); any other load brings its cached
# aggregate up to date with a query of its own (the library's fast-forward). Commands work on a copy.
AGGREGATE_CACHE_SIZE = 2000


@dataclass(frozen=True)
class RegistryConfig:
    database_url: str = ""  # where the registry is kept; empty: the store's default (the embedded one)
    issuer: Issuer = field(default_factory=lambda: Issuer(name="示例认证有限公司 Example Certification Co., Ltd.",
                                                          address="北京市朝阳区示例路1号", code="CB"))
    number_pattern: str = DEFAULT_PATTERN
    read_only: bool = False  # a read replica's: nothing is created in the database (commands fail there)


class Registry(Parties, CaseSteps, Deciding, CertificateSteps, SurveillanceSection, ReviewSteps, CalendarSteps,
               ReferenceSteps, ReportingSteps, Access, Replay, Reads, Records, Application[UUID]):
    """The certificate registry. ``config`` chooses the store and the issuer; ``clock`` gives today."""

    name = "Registry"
    # A year's number sequence gains an event per certificate issued, and every grant loads it: a snapshot every
    # 100 numbers keeps that load short. Snapshots are a cache beside the log, never part of it: the log and its
    # Merkle tree hold events only.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {NumberSequence: 100}

    def __init__(self, config: RegistryConfig | None = None, clock: Clock | None = None,
                 store: RecordStore | None = None, passwords: PasswordHasher | None = None) -> None:
        """``store`` is where the registry keeps everything (``store.open_store``); given none, the store
        ``config.database_url`` names. ``passwords`` hashes office passwords (the standard library's scrypt when
        none is given: ``registry.passwords``)."""
        self.config = config or RegistryConfig()
        check_pattern(self.config.number_pattern)
        self.clock: Clock = clock or SystemClock()
        self.store: RecordStore = store or resolve_topic(STORE)(self.config.database_url, self.config.read_only)
        self._write_listeners: list[Callable[[], None]] = []
        self._digests: dict[UUID, str] = {}  # token digests read or written (registry.access)
        self.passwords: PasswordHasher = passwords or ScryptHasher()
        self._sign_ins, self._decoy = SignInThrottle(), None  # failed sign-ins of late (registry.access)
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

    def following(self, reading: bool = False) -> AbstractContextManager[None]:
        """Runs a command with the cached records it loads brought up to date from the log in one read at its start
        (``registry.following``); elsewhere each load asks the log for what its record gained. ``reading``: a
        block that writes nothing, which takes a record known as often as it loads it."""
        follower = cast(RegistryRepository, self.repository).follower
        return follower.following(reading) if follower is not None else nullcontext()

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
            raise ConcurrentChange("另一操作已先修改同一记录，未作任何记录 / "
                                   "another command changed the same record first; nothing was written") from None
        for credential in credentials:
            self._digests[credential.token_id] = credential.digest
        position = recordings[-1].notification.id if recordings else self.recorder.max_notification_id() or 0
        return Written(position=position, ids=ids)

    def _commit_with_bytes(self, content: bytes, *aggregates: RegistryAggregate,
                           idempotency: Idempotency | None = None, **ids: Any) -> Written:
        """``_commit``, keeping ``content`` (a document's bytes, which an event refers to by SHA-256) too."""
        if self.store.documents_with_events:  # in the events' own transaction
            return self._commit(*aggregates, documents=(content,), **ids, idempotency=idempotency)
        # Elsewhere the bytes go in first, in a transaction of their own: bytes nobody refers to are harmless, an
        # event without its bytes is not. (The command was checked already.)
        self.documents.put(content)
        return self._commit(*aggregates, **ids, idempotency=idempotency)

    # Commands sent by a caller (the HTTP API): registry.handling

    def handle(self, command: Command, caller: Caller) -> Handled:
        """Runs ``command`` for ``caller``: authorized, once per idempotency key (``handling.handle``)."""
        return handling.handle(self, command, caller)

    def authorize(self, token: str | None, role: Role | None = None,
                  signed_in: handling.SignedIn | None = None) -> UserView:
        """The user a token (or the office's session, ``signed_in``) lets in, holding ``role``: the one decision on
        who may act (``handling.authorize``)."""
        return handling.authorize(self, token, role, signed_in)

    def authorize_reporter(self, token: str | None, signed_in: handling.SignedIn | None = None) -> UserView:
        """The user a token (or the office's session) lets in, when an admin or a regulator: who reads the reports
        (R-RPT-1, R-RPT-2)."""
        user = handling.authorize(self, token, None, signed_in)
        if not {Role.ADMIN.value, Role.REGULATOR.value} & set(user.roles):
            raise handling.RoleNotAllowed(f"报送与导出须具有管理员或监管人员角色，{user.name} 的角色为"
                                          f"{labels.zh_list(labels.ROLES, user.roles)} / the reports need the admin "
                                          f"or regulator role; {user.name} holds {', '.join(user.roles)}")
        return user
