"""`registry user add|token|list|revoke`: the back office's users and their tokens (a token is printed alone on the
last line, once, and never shown again)."""

from __future__ import annotations

import argparse

from api.cli.common import open_parts


def user_add(args: argparse.Namespace) -> int:
    """Creates a user, or gives a revoked user's name access again with the roles given; the token is printed
    alone on the last line and cannot be shown again."""
    with open_parts() as parts:
        written, token = parts.registry.add_user(args.name, args.role, args.person)
        print(f"user {args.name} ({', '.join(args.role)}), person {written.ids['person']}")
        print(token)
    return 0


def user_token(args: argparse.Namespace) -> int:
    """A new token for the user, printed alone on the last line; the old one stops working at once."""
    with open_parts() as parts:
        _, token = parts.registry.rotate_token(args.name)
        print(f"a new token for {args.name}; the old one no longer works")
        print(token)
    return 0


def user_list(_: argparse.Namespace) -> int:
    """Every user: roles, person, active or revoked, and when its token was issued (never a token)."""
    with open_parts() as parts:
        users = parts.registry.list_users()
    print(f"{'name':<20} {'state':<8} {'token issued (UTC)':<20} {'person':<36} roles")
    for u in users:
        issued = u.token_issued_at.strftime("%Y-%m-%d %H:%M:%S") if u.token_issued_at else "—"
        print(f"{u.name:<20} {'active' if u.active else 'revoked':<8} {issued:<20} {u.person!s:<36} "
              f"{', '.join(u.roles)}")
    return 0


def user_revoke(args: argparse.Namespace) -> int:
    """Revokes the user's token: it stops working at once (`user add` gives the name access again)."""
    with open_parts() as parts:
        parts.registry.revoke_user(args.name)
        print(f"the token of {args.name} is revoked")
    return 0
