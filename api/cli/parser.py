"""The ``registry`` command line's arguments, and ``main``: it refuses on a read-only replica what writes, and turns
a registry's or a key file's error into one line and exit status 2."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from api.cli.calendar import add_commands as calendar_commands
from api.cli.calendar import calendar_record
from api.cli.common import add_witness_options
from api.cli.documents import certificate_pdf, document_get
from api.cli.keys import keys_init, keys_list, keys_rotate
from api.cli.log import log_export, log_mirror, log_verify
from api.cli.projections import projections_rebuild, projections_retry, projections_run
from api.cli.proof import add_commands as proof_commands
from api.cli.qr import qr_verify
from api.cli.reports import add_commands as report_commands
from api.cli.serve import demo, scheduler_service, serve, tick
from api.cli.users import user_add, user_list, user_password, user_revoke, user_token
from api.cli.witness import add_commands as witness_commands
from api.settings import get_settings
from api.signing import KeyFileError
from registry.errors import InvalidInput, RegistryError


def build_parser() -> argparse.ArgumentParser:
    """Every command, its arguments and help (API.md, Command line); each sets ``run``, the function it calls."""
    parser = argparse.ArgumentParser(prog="registry", description="CEMS certificate registry (CCAI-S-C07:2024)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="load a demo data set (organisations, certificates in every status)").set_defaults(
        run=demo)
    serve_cmd = commands.add_parser("serve", help="serve the HTTP API")
    serve_cmd.add_argument("--host")
    serve_cmd.add_argument("--port", type=int)
    serve_cmd.add_argument("--demo", action="store_true", help="load the demo data set first (once)")
    serve_cmd.add_argument("--workers", type=int, help="worker processes (REGISTRY_WORKERS, default 1)")
    serve_cmd.set_defaults(run=serve)
    user = commands.add_parser("user", help="users and their tokens").add_subparsers(dest="user_command",
                                                                                    required=True)
    add = user.add_parser("add", help="create a user, or give a revoked name access again with these roles; prints "
                                      "the token alone on the last line")
    add.add_argument("name")
    add.add_argument("--role", action="append", required=True,
                     choices=["intake", "auditor", "decision", "admin", "regulator"])
    add.add_argument("--person", help="the id of an existing person; a new person is recorded otherwise")
    add.add_argument("--password-stdin", action="store_true",
                     help="set the user's office password from the first line of standard input")
    add.set_defaults(run=user_add)
    password = user.add_parser("password", help="set a user's office password from standard input (its first "
                                                "line); the old one stops working at once")
    password.add_argument("name")
    password.set_defaults(run=user_password)
    revoke = user.add_parser("revoke", help="revoke a user's token")
    revoke.add_argument("name")
    revoke.set_defaults(run=user_revoke)
    token = user.add_parser("token", help="rotate a user's token: prints the new one alone on the last line; the "
                                          "old one stops working at once")
    token.add_argument("name")
    token.set_defaults(run=user_token)
    user.add_parser("list", help="every user: roles, person, active or revoked, when its token was issued"
                    ).set_defaults(run=user_list)
    qr = commands.add_parser("qr", help="QR codes of certificates").add_subparsers(dest="qr_command", required=True)
    verify = qr.add_parser("verify", help="check a QR's signed token offline against the published key",
                           description="Checks the signed token of a verify URL, or of the QR code in a PNG or JPEG "
                           "image, against an Ed25519 public key. Exit status: 0 the signature holds; 1 it does "
                           "not (forged, altered, no token, another key); 2 it cannot be checked (unreadable image, "
                           "no QR code, no key).")
    verify.add_argument("target", metavar="URL_OR_IMAGE", help="a verify URL, or the path of a PNG or JPEG image")
    source = verify.add_mutually_exclusive_group()
    source.add_argument("--key", metavar="BASE64_PUBLIC_KEY",
                        help="the public key (base64 of its raw 32 bytes), as /api/v1/public/keys publishes it")
    source.add_argument("--keys-url", metavar="URL",
                        help="fetch the keys from this URL (/api/v1/public/keys, or the registry's base URL)")
    source.add_argument("--keys", metavar="FILE",
                        help="the keys in a file: what /api/v1/public/keys answered (or `registry keys list`)")
    verify.set_defaults(run=qr_verify)
    tick_cmd = commands.add_parser("tick", help="run every scheduler duty once")
    tick_cmd.add_argument("--as-of", help="the business date to run as (YYYY-MM-DD); today by default")
    tick_cmd.set_defaults(run=tick)
    commands.add_parser("scheduler", help="run the scheduler alone").set_defaults(run=scheduler_service)
    projections = commands.add_parser("projections", help="the read models").add_subparsers(
        dest="projections_command", required=True)
    projections.add_parser("rebuild", help="rebuild every read model from the log").set_defaults(
        run=projections_rebuild)
    projections.add_parser("run", help="keep the read models current until interrupted").set_defaults(
        run=projections_run)
    projections.add_parser("retry", help="try the parked events again, once their cause is removed").set_defaults(
        run=projections_retry)
    certificate = commands.add_parser("certificate", help="certificate documents").add_subparsers(
        dest="certificate_command", required=True)
    pdf_cmd = certificate.add_parser("pdf", help="write a certificate as an A4 PDF/A document")
    pdf_cmd.add_argument("number", metavar="NUMBER")
    pdf_cmd.add_argument("file", metavar="FILE")
    pdf_cmd.set_defaults(run=certificate_pdf)
    document = commands.add_parser("document", help="a case's documents").add_subparsers(
        dest="document_command", required=True)
    get_cmd = document.add_parser("get", help="write a document a case received to FILE")
    get_cmd.add_argument("case", metavar="CASE", help="the case's id")
    get_cmd.add_argument("sha256", metavar="SHA256", help="the document's SHA-256, as its upload answered")
    get_cmd.add_argument("file", metavar="FILE")
    get_cmd.set_defaults(run=document_get)
    log_cmd = commands.add_parser("log", help="the tamper-evident log (R-REC-4)").add_subparsers(
        dest="log_command", required=True)
    export_cmd = log_cmd.add_parser("export", help="export the log with its checkpoints to one file")
    export_cmd.add_argument("file", metavar="FILE")
    export_cmd.set_defaults(run=log_export)
    verify_cmd = log_cmd.add_parser(
        "verify", help="verify an export offline",
        description="Recomputes every leaf and root of an export, checks every checkpoint's signatures, and, with "
        "--checkpoint, that the export is consistent with a checkpoint kept from before, and with --witness, the "
        "witnesses' cosignatures (--quorum of them on one checkpoint at least). Exit status: 0 it holds; "
        "1 a flaw, named with its line; 2 it cannot be checked.")
    verify_cmd.add_argument("file", metavar="FILE")
    verify_cmd.add_argument("--checkpoint", metavar="C",
                            help="a checkpoint kept from before: the JSON GET /api/v1/log/checkpoint answered")
    verify_cmd.add_argument("--key", metavar="BASE64_PUBLIC_KEY", action="append",
                            help="trust only this checkpoint key (as /api/v1/public/keys publishes it), not the "
                            "file's own; may be given more than once")
    verify_cmd.add_argument("--keys", metavar="FILE", action="append",
                            help="trust only the checkpoint keys in this file (what /api/v1/public/keys answered, "
                            "or `registry keys list`), each for what it signed while current; with --key, both")
    add_witness_options(verify_cmd)
    verify_cmd.set_defaults(run=log_verify)
    mirror_cmd = log_cmd.add_parser(
        "mirror", help="write the latest checkpoint and its C2SP tiles as static files",
        description="Writes DIR/checkpoint (the C2SP signed note) and DIR/tile/<L>/<N>[.p/<W>], every hash tile of "
        "its tree (c2sp.org/tlog-tiles), for any web server or object store to serve as they are. Tiles already in "
        "DIR are kept (a tile never changes); the checkpoint is written last.")
    mirror_cmd.add_argument("dir", metavar="DIR")
    mirror_cmd.add_argument("--entries", action="store_true",
                            help="also the entry bundles (tile/entries/…): private facts, for a regulator's mirror")
    mirror_cmd.set_defaults(run=log_mirror)
    keys_cmd = commands.add_parser("keys", help="the signing keys (QR tokens, checkpoints)").add_subparsers(
        dest="keys_command", required=True)
    keys_cmd.add_parser("init", help="make the keys REGISTRY_SIGNING_KEY and REGISTRY_CHECKPOINT_KEY name (mode "
                        "0600); never overwrites one (exit 1 when one was there)").set_defaults(run=keys_init)
    rotate_cmd = keys_cmd.add_parser(
        "rotate", help="retire the current key of a use and make a new one",
        description="Makes a new key for USE and retires the current one: its public half stays published with "
        "its validity, so what it signed still verifies. The processes that sign with it take the new key at their "
        "next signature; nothing needs restarting.")
    rotate_cmd.add_argument("--use", choices=["qr", "checkpoint"], required=True)
    rotate_cmd.set_defaults(run=keys_rotate)
    keys_cmd.add_parser("list", help="print the published keys, as /api/v1/public/keys answers them (JSON)"
                        ).set_defaults(run=keys_list)
    calendar_commands(commands)
    report_commands(commands)
    proof_commands(commands)
    witness_commands(commands)
    return parser


# What writes to the registry's database, and so has no place on a read replica (REGISTRY_READ_ONLY).
WRITERS = (demo, user_add, user_token, user_password, user_revoke, tick, scheduler_service, projections_rebuild,
           projections_run, projections_retry, calendar_record)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command ``argv`` names and returns its exit status (the console script ``registry``)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        if args.run in WRITERS and get_settings().read_only:
            name = " ".join(v for k, v in vars(args).items() if k.endswith("command") and isinstance(v, str))
            raise InvalidInput("REGISTRY_READ_ONLY", f"`registry {name}` 写入登记系统的数据库，只读副本不接受写入，"
                               "请在主服务器上运行 / "
                               f"`registry {name}` writes to the registry's database, and a "
                               "read-only replica takes no writes: run it against the primary")
        code: int = args.run(args)
    except (RegistryError, KeyFileError) as e:
        print(f"registry: {e}", file=sys.stderr)
        return 2
    return code
