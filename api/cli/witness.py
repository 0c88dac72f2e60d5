"""`registry witness serve|vkey`: a witness of the registry's log (c2sp.org/tlog-witness), run by a regulator on a
machine of their own (``api.witness``). Its key is made in KEYFILE at first use (``api.keys``); its verifier key,
printed at start, is what the log's operator puts in REGISTRY_WITNESSES. It needs no registry settings or database."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api import keys
from api.signed_note import COSIGNATURE_V1, check_name, verifier


def add_commands(commands: Any) -> None:
    witness = commands.add_parser("witness", help="a witness of the log (C2SP tlog-witness)").add_subparsers(
        dest="witness_command", required=True)
    serve_cmd = witness.add_parser(
        "serve", help="run a witness: cosigns each checkpoint consistent with the last it cosigned",
        description="Serves POST /add-checkpoint (c2sp.org/tlog-witness). Prints its verifier key (C2SP vkey) "
        "first: the log's operator names it in REGISTRY_WITNESSES.")
    serve_cmd.add_argument("--name", required=True, help="the witness's key name, e.g. regulator.example.cn/witness")
    serve_cmd.add_argument("--key", metavar="KEYFILE", required=True, help="its Ed25519 key (made when missing)")
    serve_cmd.add_argument("--log", metavar="ORIGIN=VKEY", action="append", required=True,
                           help="a log it witnesses: its origin and a checkpoint key's note_verifier_key (from "
                           "/api/v1/public/keys); once per key (a rotated key too); VKEY alone names its origin")
    serve_cmd.add_argument("--state", metavar="FILE", default="witness-state.db",
                           help="where it keeps the last checkpoint cosigned per log (default: %(default)s)")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8081)
    serve_cmd.set_defaults(run=witness_serve)
    vkey_cmd = witness.add_parser("vkey", help="print the witness's verifier key (making its key when missing)")
    vkey_cmd.add_argument("--name", required=True)
    vkey_cmd.add_argument("--key", metavar="KEYFILE", required=True)
    vkey_cmd.set_defaults(run=witness_vkey)


def _vkey(args: argparse.Namespace) -> tuple[str, Any]:
    key = keys.load_or_make(Path(args.key), datetime.now(UTC))
    return verifier(check_name(args.name), key.public_key(), COSIGNATURE_V1).vkey, key


def witness_vkey(args: argparse.Namespace) -> int:
    print(_vkey(args)[0])
    return 0


def witness_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.signed_note import MalformedNote, NoteVerifier
    from api.witness import State, Witness, app, parse_log

    logs: dict[str, list[NoteVerifier]] = {}
    try:
        for spec in args.log:
            origin, log_key = parse_log(spec)
            logs.setdefault(origin, []).append(log_key)
        vkey, key = _vkey(args)
    except MalformedNote as e:
        print(f"registry: {e}", file=sys.stderr)
        return 2
    state = State(Path(args.state)).open()
    try:
        witness = Witness(args.name, key, logs, state)
        print(vkey, flush=True)
        for origin, cosigned in sorted(state.logs.items()):
            print(f"{origin}: last cosigned size {cosigned.size}", flush=True)
        uvicorn.run(app(witness), host=args.host, port=args.port, loop="uvloop", http="httptools",
                    log_level="warning", access_log=False)
    finally:
        state.close()
    return 0
