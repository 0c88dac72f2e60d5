"""The ``registry`` command line (API.md, Command line)."""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import time
import urllib.request
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from api.bootstrap import Parts, bootstrap
from api.settings import Settings, get_settings
from api.signing import (
    ALGORITHM,
    InvalidToken,
    KeyFileError,
    Keys,
    PublishedKey,
    Signer,
    VerifyingKey,
    check_verify_url,
    key_id,
    public_key_from_base64,
    published_keys,
    signers,
)
from demo.dataset import load_demo
from registry.clock import Clock
from registry.errors import InvalidInput, RegistryError


def _signers(settings: Settings) -> tuple[Signer, Signer]:
    """The QR and checkpoint signers, their keys read now: a missing key (in production) or an unreadable one
    stops the command before it does anything."""
    qr, checkpoints = signers(settings.signing_key, settings.checkpoint_key, settings.public_base_url,
                              settings.missing_key)
    return qr.load(), checkpoints.load()


def _open(clock: Clock | None = None) -> Parts:
    """The registry the settings describe, and its read models when asked for (``api.bootstrap``)."""
    return bootstrap(get_settings(), clock)


def demo(_: argparse.Namespace) -> int:
    """Loads the demo data set into the configured store (once) and shows what it holds."""
    settings = get_settings()
    parts = _open()
    app = parts.registry
    try:
        entries = load_demo(app)
        print(f"Registry at {settings.database_url}: {app.recorder.max_notification_id() or 0} events in the log")
        print(f"{'certificate':<22} {'status':<14} organisation (USCC)")
        for e in entries:
            print(f"{e.number or '—':<22} {e.status:<14} {e.name} ({e.uscc})")
    finally:
        parts.close()
    return 0


def serve(args: argparse.Namespace) -> int:
    """Serves the API with uvicorn (uvloop, httptools); loads the demo set first with --demo."""
    import uvicorn

    from api.app import check_read_only, create_app

    settings = get_settings()
    if settings.read_only and args.demo:
        raise InvalidInput("--demo", "a read-only replica (REGISTRY_READ_ONLY) cannot load the demo set: load it on "
                                     "the primary")
    check_read_only(settings)
    if args.demo:
        demo(args)
    app = create_app(settings)
    for signer in (app.state.signer, app.state.checkpoint_signer):
        signer.load()  # made on the first run outside production; missing or unreadable, it stops the start here
    options: dict[str, Any] = dict(host=args.host or settings.host, port=args.port or settings.port, loop="uvloop",
                                   http="httptools", log_level="info", access_log=settings.access_log)
    workers = args.workers or settings.workers
    if workers > 1:  # each worker process builds its own app from the same REGISTRY_* variables
        uvicorn.run("api.app:create_app", factory=True, workers=workers, **options)
    else:
        uvicorn.run(app, **options)
    return 0


def user_add(args: argparse.Namespace) -> int:
    """Creates a user, or gives a revoked user's name access again with the roles given; the token is printed
    alone on the last line and cannot be shown again."""
    parts = _open()
    app = parts.registry
    try:
        written, token = app.add_user(args.name, args.role, args.person)
        print(f"user {args.name} ({', '.join(args.role)}), person {written.ids['person']}")
        print(token)
    finally:
        parts.close()
    return 0


def user_token(args: argparse.Namespace) -> int:
    """A new token for the user, printed alone on the last line; the old one stops working at once."""
    parts = _open()
    app = parts.registry
    try:
        _, token = app.rotate_token(args.name)
        print(f"a new token for {args.name}; the old one no longer works")
        print(token)
    finally:
        parts.close()
    return 0


def user_list(_: argparse.Namespace) -> int:
    """Every user: roles, person, active or revoked, and when its token was issued (never a token)."""
    parts = _open()
    app = parts.registry
    try:
        users = app.list_users()
    finally:
        parts.close()
    print(f"{'name':<20} {'state':<8} {'token issued (UTC)':<20} {'person':<36} roles")
    for u in users:
        issued = u.token_issued_at.strftime("%Y-%m-%d %H:%M:%S") if u.token_issued_at else "—"
        print(f"{u.name:<20} {'active' if u.active else 'revoked':<8} {issued:<20} {u.person!s:<36} "
              f"{', '.join(u.roles)}")
    return 0


def user_revoke(args: argparse.Namespace) -> int:
    parts = _open()
    app = parts.registry
    try:
        app.revoke_user(args.name)
        print(f"the token of {args.name} is revoked")
    finally:
        parts.close()
    return 0


KEYS_PATH = "/api/v1/public/keys"


class CannotCheck(Exception):
    """The check could not be made: no key, no image, no QR code in it."""


def _keys_from_url(url: str) -> Keys:
    """The Ed25519 keys published for QR tokens at ``url`` (the keys endpoint, or the registry's base URL), with
    their validity."""
    url = url.rstrip("/")
    if not url.endswith("/keys"):
        url += KEYS_PATH
    try:
        with urllib.request.urlopen(url, timeout=15) as answer:
            keys = published_keys(json.load(answer), "qr")
    except (OSError, ValueError) as e:
        raise CannotCheck(f"cannot read the published keys at {url}: {e}") from None
    if not keys:
        raise CannotCheck(f"{url} publishes no Ed25519 key for QR tokens")
    return keys


def _keys_file(path: str, use: str) -> Keys:
    """The keys for ``use`` in a file holding what /api/v1/public/keys answered (or `registry keys list`)."""
    try:
        keys = published_keys(json.loads(Path(path).read_text(encoding="utf-8")), use)
    except (OSError, ValueError) as e:
        raise CannotCheck(f"cannot read the keys in {path}: {e}") from None
    if not keys:
        raise CannotCheck(f"{path} lists no Ed25519 key for use {use}")
    return keys


def _qr_keys(args: argparse.Namespace) -> Keys:
    if args.key:
        try:
            public_key = public_key_from_base64(args.key)
        except ValueError as e:
            raise CannotCheck(f"--key: {e}") from None
        return {key_id(public_key): public_key}
    if args.keys_url:
        return _keys_from_url(args.keys_url)
    if args.keys:
        return _keys_file(args.keys, "qr")
    settings = get_settings()
    if not Path(settings.signing_key).exists():
        raise CannotCheck(f"there is no signing key file at {settings.signing_key} (REGISTRY_SIGNING_KEY); pass "
                          "--key BASE64_PUBLIC_KEY, --keys-url URL or --keys FILE")
    signer = Signer(settings.signing_key, settings.public_base_url, missing="it was removed")
    try:
        return dict(signer.verifying_keys())  # public halves only, the retired keys' included; never shown
    except KeyFileError as e:
        raise CannotCheck(str(e)) from None


def _qr_text(target: str) -> str:
    """The verify URL to check: the argument itself, or what the QR code in the image at that path holds."""
    if "://" in target or "/verify/" in target:
        return target
    if not Path(target).is_file():
        raise CannotCheck(f"{target} is neither a verify URL nor an image file")
    from api.qr import read_image

    try:
        texts = read_image(target)
    except (OSError, ValueError) as e:
        raise CannotCheck(f"cannot read the image {target}: {e}") from None
    if not texts:
        raise CannotCheck(f"no QR code could be read in {target}")
    return next((t for t in texts if "/verify/" in t), texts[0])


def qr_verify(args: argparse.Namespace) -> int:
    """Checks a QR's signed token offline: 0 when it holds, 1 when it does not, 2 when it cannot be checked."""
    try:
        url = _qr_text(args.target)
        keys = _qr_keys(args)
    except CannotCheck as e:
        print(f"registry qr verify: cannot check: {e}", file=sys.stderr)
        return 2
    print(f"verify URL   {url}")
    try:
        payload = check_verify_url(url, keys)
    except InvalidToken as e:
        if e.payload is not None:
            claimed = e.payload
            print(f"claimed      certificate {claimed.number}, USCC {claimed.uscc}, issued on {claimed.issued_on}, "
                  f"valid until {claimed.valid_until}, key id {claimed.key_id} (not trusted)")
        print(f"registry qr verify: NOT VALID: {e.reason}", file=sys.stderr)
        return 1
    print(f"certificate  {payload.number}")
    print(f"USCC         {payload.uscc}")
    print(f"issued on    {payload.issued_on.isoformat()}")
    print(f"valid until  {payload.valid_until.isoformat()}")
    print(f"key id       {payload.key_id}")
    print(f"signature    valid ({ALGORITHM}): these are the certificate's details as issued; its status today is "
          f"at the URL above")
    return 0


def projections_rebuild(_: argparse.Namespace) -> int:
    """Empties every read model and rebuilds it from the whole log."""
    from projections.log import LogMismatch

    parts = _open()

    try:
        views = parts.views
        started = time.monotonic()
        try:
            count = views.rebuild()
        except LogMismatch as e:
            print(f"registry: {e}", file=sys.stderr)
            return 1
        kept = len(views.log.checkpoints())
        print(f"rebuilt {views.projection.name} and {views.log.name} from {count} events in "
              f"{time.monotonic() - started:.2f} s; position {views.position()} of {views.head()}; the tree "
              f"reproduces all {kept} signed checkpoints")
        held, parked = views.public.parked_count()
        if held:
            print(f"registry: {parked} events of {held} records could not be taken and are parked (the log says "
                  "which, as critical; so does /api/v1/health to staff)", file=sys.stderr)
    finally:
        parts.close()
    return 0


def projections_retry(_: argparse.Namespace) -> int:
    """Tries the parked events again (once their cause is removed): at once when no process keeps the read models,
    else that process does, within seconds. Exits 1 while any record stays held."""
    from projections.runner import Runner

    parts = _open()

    try:
        views = parts.views
        with views.exclusive(wait=False) as mine:
            if mine:
                released, held = views.retry_parked()
                print(f"records released: {released}; still held: {held}")
                for parked in views.public.parked():
                    if parked.held_behind is None:
                        print(f"registry: log position {parked.position} ({parked.topic} of {parked.record} "
                              f"{parked.record_id}): {parked.error}: {parked.message}", file=sys.stderr)
                return 1 if held else 0
        held = views.public.request_retry()
        print(f"records held: {held}; the process keeping the read models tries them again within "
              f"{Runner.RETRY_CHECK:g} s (/api/v1/health says how many stay held)")
        return 0
    finally:
        parts.close()


def projections_run(_: argparse.Namespace) -> int:
    """Keeps the read models current until interrupted (for deployments that run them apart from the API)."""
    from projections.runner import Runner

    parts = _open()

    runner = Runner(parts.views).start()
    try:
        while runner.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop()
        parts.close()
    if runner.error is not None:
        print(f"registry: {runner.error}", file=sys.stderr)
        return 1
    return 0


def log_export(args: argparse.Namespace) -> int:
    """Writes the whole log, its kept checkpoints and the checkpoint key to one file (a checkpoint of the whole
    log is signed first if the latest does not cover it)."""
    from api.log_export import Flaw, export

    settings = get_settings()
    parts = _open()
    try:
        views = parts.views
        keys = _signers(settings)[1].published()
        try:
            done = export(views, Path(args.file), keys)
        except Flaw as e:
            print(f"registry: {e}", file=sys.stderr)
            return 1
    finally:
        parts.close()
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
    from api.log_export import Flaw, read_kept, verify

    try:
        data = Path(args.file).read_bytes()
        kept = read_kept(Path(args.checkpoint)) if args.checkpoint else None
        trusted: dict[str, Ed25519PublicKey | VerifyingKey] | None = None
        if args.key or args.keys:
            trusted = {key_id(k): k for k in (public_key_from_base64(text) for text in args.key or ())}
            for path in args.keys or ():
                trusted.update(_keys_file(path, "checkpoint"))
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


def certificate_pdf(args: argparse.Namespace) -> int:
    """Writes a certificate's document (A4 PDF/A-3b) to FILE."""
    from api.certificate_pdf import CJKFontMissing, render

    settings = get_settings()
    parts = _open()
    app = parts.registry
    try:
        view = app.get_certificate(args.number)
    finally:
        parts.close()
    try:
        pdf = render(view, _signers(settings)[0])
    except CJKFontMissing as e:
        print(f"registry: {e}", file=sys.stderr)
        return 2
    Path(args.file).write_bytes(pdf)
    print(f"wrote certificate {view.number} (version {view.version}, {view.status}) to {args.file}: "
          f"{len(pdf):,} bytes, PDF/A-3b")
    return 0


def document_get(args: argparse.Namespace) -> int:
    """Writes a document a case received (R-APP-4) to FILE, its bytes as stored, after checking their SHA-256."""
    parts = _open()
    app = parts.registry
    try:
        doc = app.case_document(args.case, args.sha256.lower())
    finally:
        parts.close()
    if hashlib.sha256(doc.content).hexdigest() != doc.sha256:
        print(f"registry: the stored bytes of {doc.sha256} do not hash to it: the store is damaged", file=sys.stderr)
        return 1
    Path(args.file).write_bytes(doc.content)
    print(f"wrote the {doc.kind} of case {args.case} ({doc.content_type}, received as {doc.filename!r}) to "
          f"{args.file}: {len(doc.content):,} bytes")
    return 0


def tick(args: argparse.Namespace) -> int:
    """Runs every scheduler duty once, as of a date (today by default); records go in date order."""
    from registry.clock import AsOfClock
    from scheduler.duties import tick as run_tick

    settings = get_settings()
    clock = AsOfClock(date.fromisoformat(args.as_of)) if args.as_of else None
    parts = _open(clock)
    app = parts.registry
    try:
        report = run_tick(app, parts.views, settings.notice_lead_days)
    finally:
        parts.close()
    print(f"duties as of {report.as_of}: {report.candidates} certificates looked at; recorded "
          + (", ".join(f"{n} {name}" for name, n in sorted(report.recorded.items())) or "nothing"))
    for number in report.certificates:
        print(f"  {number}")
    return 0


def scheduler_service(_: argparse.Namespace) -> int:
    """Runs the scheduler alone (for deployments with several API workers): at start and daily after 00:05."""
    from scheduler.service import blocking

    settings = get_settings()
    parts = _open()
    app = parts.registry
    try:
        blocking(app, parts.views, settings.notice_lead_days)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        parts.close()
    return 0


def _no_replica(settings: Settings, what: str) -> None:
    if settings.read_only:
        raise KeyFileError(f"`registry keys {what}`: a read-only replica (REGISTRY_READ_ONLY) never makes a key; "
                           "make and rotate keys where the primary's are kept")


def _key_files(settings: Settings) -> dict[str, Path]:
    """Each key file, with the uses it signs for ("qr and checkpoint" when both variables name one file)."""
    qr, checkpoint = Path(settings.signing_key), Path(settings.checkpoint_key)
    if qr.resolve() == checkpoint.resolve():
        return {"qr and checkpoint": qr}
    return {"qr": qr, "checkpoint": checkpoint}


def keys_init(_: argparse.Namespace) -> int:
    """Makes each missing key file (mode 0600) and its keyring, and never overwrites one: exit 1 when a key was
    already there (it is kept as it is), 0 when every key was made. Prints paths and key ids only."""
    from api import keys

    settings = get_settings()
    _no_replica(settings, "init")
    kept = 0
    for use, path in _key_files(settings).items():
        try:
            made = keys.make(path, datetime.now(UTC))
        except keys.KeyExists:
            kept += 1
            print(f"registry: refused: {path} ({use}) already holds a key; it is never overwritten and was kept as "
                  "it is (`registry keys rotate` replaces a key and keeps its public half published)",
                  file=sys.stderr)
            continue
        print(f"made the {use} key in {path} (mode 0600), key id {key_id(made.public_key())}; its public half is "
              f"in {keys.keyring_path(path)}")
    return 1 if kept else 0


def keys_rotate(args: argparse.Namespace) -> int:
    """Retires the current key of a use and makes a new one; prints key ids only."""
    from api import keys

    settings = get_settings()
    _no_replica(settings, "rotate")
    use, path = next((u, p) for u, p in _key_files(settings).items() if args.use in u.split(" and "))
    rotated = keys.rotate(path)
    print(f"the {use} key in {path} is now key {rotated.current.key_id} (valid from {rotated.current.valid_from})")
    print(f"key {rotated.retired.key_id} is retired (valid until {rotated.retired.valid_until}); it stays published "
          f"to check what it signed, in {keys.keyring_path(path)}")
    return 0


def keys_list(_: argparse.Namespace) -> int:
    """Prints the published keys as /api/v1/public/keys answers them: the file `log verify --keys` and `qr verify
    --keys` read. Never makes a key."""
    settings = get_settings()
    missing = "`registry keys init` makes it"
    listed: list[PublishedKey] = []
    for signer in dict.fromkeys(signers(settings.signing_key, settings.checkpoint_key, settings.public_base_url,
                                        missing)):
        try:
            listed += signer.published()
        except KeyFileError as e:
            print(f"registry: {', '.join(signer.uses)}: {e}", file=sys.stderr)
    if not listed:
        return 2
    print(json.dumps({"keys": [k.as_dict() for k in dict.fromkeys(listed)]}, indent=2))
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
    add.set_defaults(run=user_add)
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
        "--checkpoint, that the export is consistent with a checkpoint kept from before. Exit status: 0 it holds; "
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
    verify_cmd.set_defaults(run=log_verify)
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
    return parser


# What writes to the registry's database, and so has no place on a read replica (REGISTRY_READ_ONLY).
WRITERS = (demo, user_add, user_token, user_revoke, tick, scheduler_service, projections_rebuild, projections_run,
           projections_retry)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        if args.run in WRITERS and get_settings().read_only:
            name = " ".join(v for k, v in vars(args).items() if k.endswith("command") and isinstance(v, str))
            raise InvalidInput("REGISTRY_READ_ONLY", f"`registry {name}` writes to the registry's database, and a "
                               "read-only replica takes no writes: run it against the primary")
        code: int = args.run(args)
    except (RegistryError, KeyFileError) as e:
        print(f"registry: {e}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
