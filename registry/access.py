"""Users and their tokens (API.md, Conventions): adding a user, rotating and revoking its token, and telling who
holds a token. A token is answered once, when issued; the registry keeps only its digest, outside the log, in the
command's own transaction (``Registry._commit``). A section of ``Registry`` (registry.section).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from registry.errors import NotFound
from registry.idempotency import Idempotency
from registry.person import Person
from registry.ports import RegistryRecorder
from registry.section import SYSTEM, Section
from registry.user import Unauthenticated, User, parse_token, user_id
from registry.values import Actor, Role, Written, parse_enum
from registry.views import UserView

DIGESTS_KEPT = 10_000  # token digests kept in memory (Access._digest)


class Access(Section):
    if TYPE_CHECKING:
        # Token digests by token id, as the credentials table holds them (made by Registry.__init__, added to by
        # Registry._commit): a row never changes once written, so what was read once is never read again
        # (authentication is on every write's path).
        _digests: dict[UUID, str]

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
