"""Users of the back office and regulators: a name, roles, the person they act as, and a token kept as a hash.

A token is ``reg_<user id hex>_<secret>``: the id finds the user without an index, the secret is compared with
its SHA-256 in constant time. Tokens are never stored. Every staff role reads the log (``/api/v1/log/entries``), and
the log cannot be redacted, so a token's digest is kept outside it: ``CredentialIssued`` names the token by a
random id, and the digest is written under that id to the credentials table beside the log, in the event's own
transaction (``Credential``, the store's recorder). Tokens issued before carry their digest in ``TokenIssued``; they
keep working until rotated. Issuing, revoking and reactivating are events, so who could act, as what, and since
when, is part of the record (R-REC-1).

An office password is kept the same way: its memory-hard hash (``registry.ports.PasswordHasher``) is a
``Credential`` under a fresh id, and ``PasswordSet`` records only that id. Each sign-in, and each failed one, is an
event of the user; revoking the user ends its password with its token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid5

from registry import labels, text
from registry.base import RegistryAggregate
from registry.errors import AlreadyExists, InvalidInput, RegistryError
from registry.identifiers import NAMESPACE
from registry.values import Actor, Role

# One answer for every token that does not let its bearer in, whatever failed: a caller learns nothing about which
# names exist, nor which part of a token was wrong.
INVALID_TOKEN = "令牌无效或已撤销 / the token is invalid or revoked"
NO_TOKEN = "缺少令牌 / this endpoint needs a bearer token"
# One answer for every sign-in refused, whether the name is unknown, revoked, has no password, or the password is
# wrong.
INVALID_SIGN_IN = "用户名或口令不正确 / the user name or the password is not right"
# An office session whose user was revoked, or given a new password, since it began.
SESSION_ENDED = "会话已结束，请重新登录 / the session has ended: sign in again"


class Unauthenticated(RegistryError):
    """No token, a malformed or unknown token, or a revoked one."""

    def __init__(self, detail: str = INVALID_TOKEN) -> None:
        super().__init__(detail)


class SignInPaused(Unauthenticated):
    """Too many failed sign-ins for a name of late (``registry.sign_ins``): it may try again in ``retry_after``
    seconds. Said of any name, known or not, so it tells nothing either."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(f"登录失败次数过多，请 {self.retry_after} 秒后再试 / too many failed sign-ins: try again in "
                         f"{self.retry_after} seconds")


STAFF_ROLES = (Role.INTAKE, Role.AUDITOR, Role.DECISION, Role.ADMIN, Role.REGULATOR)


def user_id(name: str) -> UUID:
    """The user's id, from its name: a name no user can have (a lone surrogate cannot even be hashed) is refused."""
    return uuid5(NAMESPACE, f"user:{text.check('name', name, text.NAME).strip().casefold()}")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Credential:
    """What checks a token, kept outside the log: the digest of its secret, under the token's id."""

    token_id: UUID
    digest: str


def _check_roles(roles: tuple[Role, ...]) -> tuple[Role, ...]:
    if not roles:
        raise InvalidInput("role", "用户至少有一个角色 / a user holds at least one role")
    if any(r not in STAFF_ROLES for r in roles):
        named = "、".join(f"{r.value}（{labels.zh(labels.ROLES, r.value)}）" for r in STAFF_ROLES)
        raise InvalidInput("role", f"角色为：{named} / "
                                   f"roles are: {', '.join(r.value for r in STAFF_ROLES)}")
    return tuple(dict.fromkeys(roles))


class User(RegistryAggregate):
    class Added(RegistryAggregate.Created):
        name: str
        roles: tuple[Role, ...]
        person: UUID

        def apply(self, user: User) -> None:
            user.name = self.name
            user.roles = tuple(self.roles)
            user.person = self.person
            user.token_digest = None
            user.token_id = None
            user.token_issued_at = None
            user.password_id = None

    class TokenIssued(RegistryAggregate.Event):
        """A token issued before its digest was kept outside the log: replayed, never recorded any more."""

        token_digest: str

        def apply(self, user: User) -> None:
            user.token_digest = self.token_digest
            user.token_id = None
            user.token_issued_at = self.timestamp

    class CredentialIssued(RegistryAggregate.Event):
        """A new token (the previous one stops working); its digest is kept outside the log under ``token_id``."""

        token_id: UUID

        def apply(self, user: User) -> None:
            user.token_digest = None
            user.token_id = self.token_id
            user.token_issued_at = self.timestamp

    class TokenRevoked(RegistryAggregate.Event):
        """The user's token stops working, and so does its office password."""

        def apply(self, user: User) -> None:
            user.token_digest = None
            user.token_id = None
            user.token_issued_at = None
            user.password_id = None

    class PasswordSet(RegistryAggregate.Event):
        """A new office password (the previous one stops working); its hash is kept outside the log under
        ``credential_id``."""

        credential_id: UUID

        def apply(self, user: User) -> None:
            user.password_id = self.credential_id

    class SignedIn(RegistryAggregate.Event):
        """The user signed in to the office with its password."""

    class SignInFailed(RegistryAggregate.Event):
        """A sign-in under the user's name was refused; ``reason`` is for the record (``revoked``,
        ``no_password``, ``wrong_password``), never said to whoever tried."""

        reason: str

    class Reactivated(RegistryAggregate.Event):
        """A revoked user given access again, with the roles (and the person) it has from now on."""

        roles: tuple[Role, ...]
        person: UUID

        def apply(self, user: User) -> None:
            user.roles = tuple(self.roles)
            user.person = self.person

    class RolesChanged(RegistryAggregate.Event):
        """An active user's roles from now on (its token, password and person are unchanged)."""

        roles: tuple[Role, ...]

        def apply(self, user: User) -> None:
            user.roles = tuple(self.roles)

    if TYPE_CHECKING:  # the library would make annotated aggregates dataclasses with these as __init__ fields
        name: str
        roles: tuple[Role, ...]
        person: UUID
        token_digest: str | None
        token_id: UUID | None
        token_issued_at: datetime | None
        password_id: UUID | None

    @property
    def active(self) -> bool:
        """Whether the user holds a token (one not revoked)."""
        return self.token_digest is not None or self.token_id is not None

    @classmethod
    def add(cls, name: str, roles: tuple[Role, ...], person: UUID, *, actor: Actor, now: datetime) -> User:
        if not text.check("name", name, text.NAME).strip():
            raise InvalidInput("name", "须填写用户名 / a user has a name")
        return cls._create(cls.Added, id=user_id(name), name=name.strip(), roles=_check_roles(roles),
                           person=person, actor=actor, effective_on=None, timestamp=now)

    def reactivate(self, roles: tuple[Role, ...], person: UUID, *, actor: Actor, now: datetime) -> None:
        """A revoked user's name taken again: the same user, with these roles and this person from now on."""
        if self.active:
            raise AlreadyExists(f"用户 {self.name} 已存在 / user {self.name} exists already")
        self._record(self.Reactivated, roles=_check_roles(roles), person=person, actor=actor, effective_on=None,
                     now=now)

    def change_roles(self, roles: tuple[Role, ...], *, actor: Actor, now: datetime) -> None:
        """The roles an active user holds from now on: at least one, each a staff role (as when it was added)."""
        if not self.active:
            raise InvalidInput("name", f"用户 {self.name} 已撤销，请重新添加并指定角色 / {self.name} is revoked: add "
                                       "the user again, with its roles")
        self._record(self.RolesChanged, roles=_check_roles(roles), actor=actor, effective_on=None, now=now)

    def issue_token(self, *, actor: Actor, now: datetime) -> tuple[str, Credential]:
        """A new random token (the previous one stops working), and the credential that checks it, which is to
        be stored outside the log: only the token's id is recorded."""
        secret = secrets.token_urlsafe(32)
        credential = Credential(uuid.uuid4(), _digest(secret))
        self._record(self.CredentialIssued, token_id=credential.token_id, actor=actor, effective_on=None, now=now)
        return f"reg_{self.id.hex}_{secret}", credential

    def rotate_token(self, *, actor: Actor, now: datetime) -> tuple[str, Credential]:
        """A new token for a user who holds one; a revoked user is given one by being added again, with roles."""
        if not self.active:
            raise InvalidInput("name", f"用户 {self.name} 已撤销，请重新添加并指定角色 / {self.name} is revoked: add "
                                       "the user again, with its roles, to give it a token")
        return self.issue_token(actor=actor, now=now)

    def revoke_token(self, *, actor: Actor, now: datetime) -> None:
        if not self.active:
            raise InvalidInput("token", f"{self.name} 没有令牌 / {self.name} holds no token")
        self._record(self.TokenRevoked, actor=actor, effective_on=None, now=now)

    def set_password(self, credential: Credential, *, actor: Actor, now: datetime) -> None:
        """A new office password, checked by ``credential`` (kept outside the log: only its id is recorded)."""
        if not self.active:
            raise InvalidInput("name", f"用户 {self.name} 已撤销，请重新添加并指定角色 / {self.name} is revoked: add "
                                       "the user again, with its roles, to give it a password")
        self._record(self.PasswordSet, credential_id=credential.token_id, actor=actor, effective_on=None, now=now)

    def signed_in(self, *, actor: Actor, now: datetime) -> None:
        self._record(self.SignedIn, actor=actor, effective_on=None, now=now)

    def sign_in_failed(self, reason: str, *, actor: Actor, now: datetime) -> None:
        self._record(self.SignInFailed, reason=reason, actor=actor, effective_on=None, now=now)

    def holds(self, secret: str, credential: Callable[[UUID], str | None]) -> bool:
        """Whether ``secret`` is the secret of the user's token; ``credential`` answers the digest kept outside
        the log for a token id (None when there is none)."""
        digest = self.token_digest if self.token_id is None else credential(self.token_id)
        return digest is not None and hmac.compare_digest(digest, _digest(secret))


def parse_token(token: str) -> tuple[UUID, str]:
    prefix, _, rest = token.partition("_")
    hex_id, _, secret = rest.partition("_")
    try:
        if prefix != "reg" or not secret:
            raise ValueError
        return UUID(hex=hex_id), secret
    except ValueError:
        raise Unauthenticated() from None
