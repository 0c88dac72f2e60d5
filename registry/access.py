"""Users and their tokens (API.md, Conventions): adding a user, rotating and revoking its token, and telling who
holds a token. A token is answered once, when issued; the registry keeps only its digest, outside the log, in the
command's own transaction (``Registry._commit``). Office passwords are kept the same way, as hashes
(``registry.passwords``); a sign-in answers the user, or one refusal whatever was wrong, and slows a name down after
repeated failures (``registry.sign_ins``). A section of ``Registry`` (registry.section).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from registry.errors import ConcurrentChange, NotFound, RegistryError
from registry.idempotency import Idempotency
from registry.passwords import check_password
from registry.person import Person
from registry.ports import PasswordHasher, RegistryRecorder
from registry.section import SYSTEM, Section
from registry.sign_ins import SignInThrottle
from registry.user import (
    INVALID_SIGN_IN,
    SESSION_ENDED,
    Credential,
    SignInPaused,
    Unauthenticated,
    User,
    parse_token,
    user_id,
)
from registry.values import Actor, Role, Written, parse_enum
from registry.views import UserView

DIGESTS_KEPT = 10_000  # token digests kept in memory (Access._digest)
SIGN_IN_TRIES = 3  # a sign-in's record is written again when another command changed the user first

log = logging.getLogger("registry.access")


class Access(Section):
    if TYPE_CHECKING:
        # Token digests by token id, as the credentials table holds them (made by Registry.__init__, added to by
        # Registry._commit): a row never changes once written, so what was read once is never read again
        # (authentication is on every write's path).
        _digests: dict[UUID, str]
        # Given by Registry.__init__: the hasher of office passwords, and the failed sign-ins of late.
        passwords: PasswordHasher
        _sign_ins: SignInThrottle
        _decoy: str | None  # a hash checked when there is none to check, so every refusal costs the same

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

    def change_roles(self, name: str, roles: Sequence[Role | str], *, actor: Actor = SYSTEM,
                     idempotency: Idempotency | None = None) -> Written:
        """The roles an active user holds from now on (``User.RolesChanged``); its token and password stay."""
        parsed = tuple(parse_enum(Role, r, "role") for r in roles)
        user = self._get(User, user_id(name), f"user {name}")
        user.change_roles(parsed, actor=actor, now=self.clock.now())
        return self._commit(user, user=user.id, idempotency=idempotency)

    def set_password(self, name: str, password: str, *, actor: Actor = SYSTEM,
                     idempotency: Idempotency | None = None) -> Written:
        """A new office password for the user (the previous one stops working). Its hash is kept outside the log,
        like a token's digest; the log records only that a password was set, by whom."""
        digest = self.passwords.hash(check_password(password))
        user = self._get(User, user_id(name), f"user {name}")
        credential = Credential(uuid.uuid4(), digest)
        user.set_password(credential, actor=actor, now=self.clock.now())
        return self._commit(user, credentials=(credential,), user=user.id, idempotency=idempotency)

    def sign_in(self, name: str, password: str) -> UserView:
        """The user whose office password this is, recording the sign-in (``User.SignedIn``); otherwise
        ``Unauthenticated`` with one answer whether the name is unknown, revoked, has no password, or the password
        is wrong, recording the failure (``User.SignInFailed``, or a log line for a name no user has). After
        repeated failures the name must wait (``SignInPaused``), and its password is not checked meanwhile."""
        now = self.clock.now()
        wait = self._sign_ins.wait(name, now)
        if wait:
            log.warning("a sign-in refused while its name waits after repeated failures (%d s left)", wait)
            raise SignInPaused(wait)
        try:
            user: User | None = self._get(User, user_id(name), "user")
        except RegistryError:  # no such user, or a name no user can have
            user = None
        digest = self._digest(user.password_id) if user is not None and user.password_id is not None else None
        matches = self.passwords.verify(digest or self._decoy_digest(), password)
        if user is not None and user.active and digest is not None and matches:
            self._sign_ins.succeeded(name)
            self._record_sign_in(user.id, None)
            return UserView.of(user)
        self._sign_ins.failed(name, now)
        if user is None:
            log.warning("a sign-in refused: no user has the name given")
        else:
            reason = "revoked" if not user.active else "no_password" if digest is None else "wrong_password"
            self._record_sign_in(user.id, reason)
        raise Unauthenticated(INVALID_SIGN_IN)

    def _record_sign_in(self, uid: UUID, failure: str | None) -> None:
        """Records a sign-in (``failure`` None) or a failed one on the user, trying again when another command
        changed the user in between."""
        for attempt in range(SIGN_IN_TRIES):
            user = self._get(User, uid, "user")
            if failure is None:
                user.signed_in(actor=SYSTEM, now=self.clock.now())
            else:
                user.sign_in_failed(failure, actor=SYSTEM, now=self.clock.now())
            try:
                self._commit(user)
                return
            except ConcurrentChange:
                if attempt == SIGN_IN_TRIES - 1:
                    raise

    def _decoy_digest(self) -> str:
        if self._decoy is None:
            self._decoy = self.passwords.hash(uuid.uuid4().hex)
        return self._decoy

    def user_named(self, name: str) -> UserView:
        """The user of this name, active or revoked (``NotFound`` when there is none)."""
        return UserView.of(self._get(User, user_id(name), f"user {name}"))

    def signed_in_user(self, name: str, password_id: UUID | str | None = None) -> UserView:
        """The user of an office session signed in as ``name`` with the password ``password_id``: still active and
        still holding that password (a new password, or a revocation, ends every session signed in before it);
        ``Unauthenticated`` otherwise. Without ``password_id``, any active user of that name."""
        try:
            user = self.user_named(name)
        except RegistryError:
            raise Unauthenticated(SESSION_ENDED) from None
        if not user.active or (password_id is not None and str(user.password_id) != str(password_id)):
            raise Unauthenticated(SESSION_ENDED)
        return user

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
