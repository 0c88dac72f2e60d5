"""`registry user add|token|password|list|revoke`: the back office's users, their tokens (a token is printed alone on
the last line, once, and never shown again) and their office passwords (read from standard input, never an
argument: arguments are visible to every user of the machine)."""

from __future__ import annotations

import argparse
import getpass
import sys

from api.cli.common import open_parts
from registry import labels
from registry.passwords import check_password


def read_password() -> str:
    """The password on standard input: its first line, or typed at a prompt that does not echo it."""
    if sys.stdin.isatty():
        return getpass.getpass("口令 / password: ")
    return sys.stdin.readline().rstrip("\r\n")


def user_add(args: argparse.Namespace) -> int:
    """Creates a user, or gives a revoked user's name access again with the roles given; the token is printed
    alone on the last line and cannot be shown again."""
    password = check_password(read_password()) if args.password_stdin else None  # refused before anything is added
    with open_parts() as parts:
        written, token = parts.registry.add_user(args.name, args.role, args.person)
        if password is not None:
            parts.registry.set_password(args.name, password)
        print(f"已添加用户 {args.name}（{labels.zh_list(labels.ROLES, args.role)}），人员 {written.ids['person']}"
              + ("，已设置办公室口令" if password is not None else "")
              + f" / user {args.name} ({', '.join(args.role)}), person {written.ids['person']}"
              + (", office password set" if password is not None else ""))
        print(token)
    return 0


def user_password(args: argparse.Namespace) -> int:
    """Sets the user's office password from standard input; the previous one stops working at once."""
    password = read_password()
    with open_parts() as parts:
        parts.registry.set_password(args.name, password)
        print(f"已为 {args.name} 设置新的办公室口令，原口令即时失效 / "
              f"a new office password for {args.name}; the old one no longer works")
    return 0


def user_token(args: argparse.Namespace) -> int:
    """A new token for the user, printed alone on the last line; the old one stops working at once."""
    with open_parts() as parts:
        _, token = parts.registry.rotate_token(args.name)
        print(f"已为 {args.name} 签发新令牌，原令牌即时失效 / a new token for {args.name}; the old one no longer works")
        print(token)
    return 0


def user_list(_: argparse.Namespace) -> int:
    """Every user: roles, person, active or revoked, whether it has an office password, and when its token was
    issued (never a token, nor a password)."""
    with open_parts() as parts:
        users = parts.registry.list_users()
    print(f"{'name':<20} {'state':<8} {'password':<8} {'token issued (UTC)':<20} {'person':<36} roles")
    for u in users:
        issued = u.token_issued_at.strftime("%Y-%m-%d %H:%M:%S") if u.token_issued_at else "—"
        print(f"{u.name:<20} {'active' if u.active else 'revoked':<8} {'set' if u.has_password else '—':<8} "
              f"{issued:<20} {u.person!s:<36} {', '.join(u.roles)}")
    return 0


def user_revoke(args: argparse.Namespace) -> int:
    """Revokes the user's token: it stops working at once (`user add` gives the name access again)."""
    with open_parts() as parts:
        parts.registry.revoke_user(args.name)
        print(f"{args.name} 的令牌已撤销 / the token of {args.name} is revoked")
    return 0
