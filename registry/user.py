"""Users of the back office and regulators: a name, roles, the person they act as, and a token kept as a hash.

A token is ``reg_<user id hex>_<secret>``: the id finds the user without an index, the secret is compared with
the stored SHA-256 in constant time. Tokens are never stored; revoking a user's token is an event like any other,
so who could act, as what, and since when, is part of the record (R-REC-1).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid5

from registry.base import RegistryAggregate
from registry.errors import InvalidInput, RegistryError
from registry.identifiers import NAMESPACE
from registry.values import Actor, Role


class Unauthenticated(RegistryError):
    """No token, a malformed or unknown token, or a revoked one."""


STAFF_ROLES = (Role.INTAKE, Role.AUDITOR, Role.DECISION, Role.ADMIN, Role.REGULATOR)


def user_id(name: str) -> UUID:
    return uuid5(NAMESPACE, f"user:{name.strip().casefold()}")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


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

    class TokenIssued(RegistryAggregate.Event):
        token_digest: str

        def apply(self, user: User) -> None:
            user.token_digest = self.token_digest

    class TokenRevoked(RegistryAggregate.Event):
        def apply(self, user: User) -> None:
            user.token_digest = None

    if TYPE_CHECKING:  # the library would make annotated aggregates dataclasses with these as __init__ fields
        name: str
        roles: tuple[Role, ...]
        person: UUID
        token_digest: str | None

    @classmethod
    def add(cls, name: str, roles: tuple[Role, ...], person: UUID, *, actor: Actor, now: datetime) -> User:
        if not name.strip():
            raise InvalidInput("name", "a user has a name")
        if not roles:
            raise InvalidInput("role", "a user holds at least one role")
        if any(r not in STAFF_ROLES for r in roles):
            raise InvalidInput("role", f"roles are: {', '.join(r.value for r in STAFF_ROLES)}")
        return cls._create(cls.Added, id=user_id(name), name=name.strip(), roles=tuple(dict.fromkeys(roles)),
                           person=person, actor=actor, effective_on=None, timestamp=now)

    def issue_token(self, *, actor: Actor, now: datetime) -> str:
        """A new random token (the previous one stops working); only its digest is recorded."""
        secret = secrets.token_urlsafe(32)
        self._record(self.TokenIssued, token_digest=_digest(secret), actor=actor, effective_on=None, now=now)
        return f"reg_{self.id.hex}_{secret}"

    def revoke_token(self, *, actor: Actor, now: datetime) -> None:
        if self.token_digest is None:
            raise InvalidInput("token", f"{self.name} holds no token")
        self._record(self.TokenRevoked, actor=actor, effective_on=None, now=now)

    def holds(self, secret: str) -> bool:
        return self.token_digest is not None and hmac.compare_digest(self.token_digest, _digest(secret))


def parse_token(token: str) -> tuple[UUID, str]:
    prefix, _, rest = token.partition("_")
    hex_id, _, secret = rest.partition("_")
    try:
        if prefix != "reg" or not secret:
            raise ValueError
        return UUID(hex=hex_id), secret
    except ValueError:
        raise Unauthenticated("malformed token") from None
