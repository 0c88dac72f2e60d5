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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="registry", description="CEMS certificate registry (CCAI-S-C07:2024)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="load a demo data set (organisations, certificates in every status)").set_defaults(
        run=demo)
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
