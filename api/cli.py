"""The ``registry`` command line (API.md, Command line)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from api.settings import get_settings
from registry.application import Registry
from registry.demo import load_demo
from registry.errors import RegistryError


def _open() -> Registry:
    return Registry(get_settings().registry_config())


def demo(_: argparse.Namespace) -> int:
    """Loads the demo data set into the configured store (once) and shows what it holds."""
    settings = get_settings()
    app = _open()
    try:
        entries = load_demo(app)
        print(f"Registry at {settings.database_url}: {app.recorder.max_notification_id() or 0} events in the log")
        print(f"{'certificate':<22} {'status':<14} organisation (USCC)")
        for e in entries:
            print(f"{e.number or '—':<22} {e.status:<14} {e.name} ({e.uscc})")
    finally:
        app.close()
    return 0


def serve(args: argparse.Namespace) -> int:
    """Serves the API with uvicorn (uvloop, httptools); loads the demo set first with --demo."""
    import uvicorn

    from api.app import create_app

    settings = get_settings()
    if args.demo:
        demo(args)
    uvicorn.run(create_app(settings), host=args.host or settings.host, port=args.port or settings.port,
                loop="uvloop", http="httptools", log_level="info")
    return 0


def user_add(args: argparse.Namespace) -> int:
    """Creates a user; the token is printed alone on the last line and cannot be shown again."""
    app = _open()
    try:
        written, token = app.add_user(args.name, args.role, args.person)
        print(f"user {args.name} ({', '.join(args.role)}), person {written.ids['person']}")
        print(token)
    finally:
        app.close()
    return 0


def user_revoke(args: argparse.Namespace) -> int:
    app = _open()
    try:
        app.revoke_user(args.name)
        print(f"the token of {args.name} is revoked")
    finally:
        app.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="registry", description="CEMS certificate registry (CCAI-S-C07:2024)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="load a demo data set (organisations, certificates in every status)").set_defaults(
        run=demo)
    serve_cmd = commands.add_parser("serve", help="serve the HTTP API")
    serve_cmd.add_argument("--host")
    serve_cmd.add_argument("--port", type=int)
    serve_cmd.add_argument("--demo", action="store_true", help="load the demo data set first (once)")
    serve_cmd.set_defaults(run=serve)
    user = commands.add_parser("user", help="users and their tokens").add_subparsers(dest="user_command",
                                                                                    required=True)
    add = user.add_parser("add", help="create a user; prints the token alone on the last line")
    add.add_argument("name")
    add.add_argument("--role", action="append", required=True,
                     choices=["intake", "auditor", "decision", "admin", "regulator"])
    add.add_argument("--person", help="the id of an existing person; a new person is recorded otherwise")
    add.set_defaults(run=user_add)
    revoke = user.add_parser("revoke", help="revoke a user's token")
    revoke.add_argument("name")
    revoke.set_defaults(run=user_revoke)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except RegistryError as e:
        print(f"registry: {e}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
