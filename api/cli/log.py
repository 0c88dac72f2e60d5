"""`registry log export|verify`: the tamper-evident log (R-REC-4) written to one file with its checkpoints, and such
a file verified offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from api.cli.common import CannotCheck, keys_file, loaded_signers, open_parts
from api.settings import get_settings
from api.signing import VerifyingKey, key_id, public_key_from_base64


def log_export(args: argparse.Namespace) -> int:
    """Writes the whole log, its kept checkpoints and the checkpoint key to one file (a checkpoint of the whole
    log is signed first if the latest does not cover it)."""
    from api.log_export import export
    from api.log_format import Flaw

    settings = get_settings()
    with open_parts() as parts:
        views = parts.views
        keys = loaded_signers(settings)[1].published()
        try:
            done = export(views, Path(args.file), keys)
        except Flaw as e:
            print(f"registry: {e}", file=sys.stderr)
            return 1
    print(f"exported {done.entries} entries and {done.checkpoints} checkpoints to {done.path}")
    print(f"root     {done.root_hash}")
    if not done.reproduced:
        print("registry: R-REC-4: the log as stored does not reproduce its latest signed checkpoint; "
              f"`registry log verify {done.path}` names the first flaw", file=sys.stderr)
        return 1
    return 0


def log_verify(args: argparse.Namespace) -> int:
    """Verifies an export offline. Exit status: 0 it holds; 1 a flaw (named, with its line); 2 it cannot be
    checked (no such file, an unreadable kept checkpoint or key)."""
    from api.log_format import Flaw
    from api.log_verify import read_kept, verify

    try:
        data = Path(args.file).read_bytes()
        kept = read_kept(Path(args.checkpoint)) if args.checkpoint else None
        trusted: dict[str, Ed25519PublicKey | VerifyingKey] | None = None
        if args.key or args.keys:
            trusted = {key_id(k): k for k in (public_key_from_base64(text) for text in args.key or ())}
            for path in args.keys or ():
                trusted.update(keys_file(path, "checkpoint"))
    except (OSError, ValueError, CannotCheck) as e:
        print(f"registry: cannot check: {e}", file=sys.stderr)
        return 2
    try:
        verified = verify(data, kept, trusted)
    except Flaw as e:
        print(f"FLAW {args.file}: {e}", file=sys.stderr)
        return 1
    latest = verified.latest
    print(f"OK {args.file}: {verified.entries} entries; every leaf and root recomputed; {verified.checkpoints} "
          f"checkpoints, every signature holds")
    print(f"latest   {latest['size']} leaves, root {latest['root_hash']}, signed {latest['timestamp']} by key "
          f"{latest['key_id']} ({latest['origin']})")
    if verified.kept is not None:
        print(f"kept     consistent with the checkpoint of {verified.kept['size']} leaves signed "
              f"{verified.kept['timestamp']}: nothing in it was altered since")
    return 0
