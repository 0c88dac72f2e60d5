"""`registry proof verify FILE (--key VKEY | --keys FILE) [--witness VKEY …] [--quorum N]`: a certificate's offline
proof (``api/proof_bundle.py``, what ``GET /api/v1/certificates/{number}/proof`` answers) checked on a regulator's
machine, with the log's verifier key (or the saved list of published keys) and the regulator's witnesses' keys, and
nothing else: no server, no database."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from api.cli.common import CannotCheck, add_witness_options, note_keys_file, witness_keys
from api.signed_note import MalformedNote, parse_verifier_key
from registry.entries import Entry


def proof_verify(args: argparse.Namespace) -> int:
    """Verifies a proof offline. Exit status: 0 it holds; 1 a flaw (named); 2 it cannot be checked (no such file,
    a verifier key that is not one)."""
    from api.log_format import Flaw
    from api.proof_bundle import verify

    try:
        data = Path(args.file).read_bytes()
        keys = [parse_verifier_key(vkey) for vkey in args.key]
        retired = {}
        for path in args.keys:
            for note_key, published in note_keys_file(path).items():
                keys.append(note_key)
                if published.valid_until is not None:
                    retired[note_key] = published.valid_until
        witnesses, quorum = witness_keys(args)
        if not keys:
            raise CannotCheck("给出日志的密钥 / give the log's key: --key VKEY or --keys FILE")
    except (OSError, MalformedNote, CannotCheck) as e:
        print(f"registry: 无法检查 / cannot check: {e}", file=sys.stderr)
        return 2
    try:
        verified = verify(data, keys, retired, witnesses, quorum)
    except Flaw as e:
        print(f"发现缺陷 FLAW {args.file}: {e}", file=sys.stderr)
        return 1
    checkpoint, events = verified.checkpoint, verified.events
    at = datetime.fromtimestamp(checkpoint.unix_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"验证通过：证书 {verified.certificate} 的 {len(events)} 个事件均在检查点所签署的日志之中，每个叶哈希和包含"
          f"证明均已重新计算 / OK {args.file}: the {len(events)} events of certificate {verified.certificate} are all "
          "in the log the checkpoint signs; every leaf hash and inclusion path recomputed")
    print(f"检查点：{checkpoint.origin}，{checkpoint.size} 个叶，根 {checkpoint.root.hex()}，{at} 由密钥 "
          f"{checkpoint.key.key_id.hex()} 签署 / checkpoint: {checkpoint.origin}, {checkpoint.size} leaves, "
          f"root {checkpoint.root.hex()}, signed {at} by key {checkpoint.key.key_id.hex()}")
    if verified.cosigners:
        names = ", ".join(verified.cosigners)
        print(f"见证：所给 {len(witnesses)} 位见证人中 {len(verified.cosigners)} 位副署了该检查点（{names}）/ "
              f"witnessed: {len(verified.cosigners)} of the {len(witnesses)} witnesses given cosigned the checkpoint "
              f"({names})")
    others = len(checkpoint.opened.unverified) - len(verified.cosigners)
    if others:
        print(f"另有 {others} 个签名行（见证人的）未核验：未给出其密钥 / {others} further signature lines (witnesses') "
              "not checked: their keys were not given")
    for number, proved in enumerate(events, 1):
        print(f"{number:>4}. {described(proved.entry)}（叶 leaf {proved.proof.index}）")
    return 0


def described(entry: Entry) -> str:
    """What an entry records, from its bytes alone: the kind of record and event (in words where the office has
    them), the record's id and the event's version, its log position."""
    from api.office.names import EVENTS, RECORDS, name

    _, _, qualname = entry.topic.partition(":")
    record, _, event = qualname.rpartition(".")
    what, kind = name(EVENTS, event), name(RECORDS, record.lower())
    return (f"{what[0]} {what[1]} · {kind[0]} {kind[1]} {entry.originator_id} v{entry.version} · "
            f"日志位置 position {entry.position} · {entry.topic}")


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    proof = commands.add_parser("proof", help="offline proofs of certificates (R-REC-4)").add_subparsers(
        dest="proof_command", required=True)
    verify = proof.add_parser(
        "verify", help="verify a certificate's offline proof",
        description="Checks a file GET /api/v1/certificates/{number}/proof answered (format cems-certificate-proof/1) "
        "with the log's verifier key alone: the checkpoint's signature and signed time, then every event's leaf "
        "hash and inclusion path to the checkpoint's root, and with --witness the witnesses' cosignatures of the "
        "checkpoint. Exit status: 0 it holds; 1 a flaw, named; 2 it cannot be checked.")
    verify.add_argument("file", metavar="FILE")
    given = verify.add_argument_group("the log's keys (one at least)")
    given.add_argument("--key", metavar="VKEY", action="append", default=[],
                       help="the log's verifier key, as /api/v1/public/keys lists it in note_verifier_key "
                       "(<origin>+<key id>+<key>); may be given more than once (the keys before a rotation)")
    given.add_argument("--keys", metavar="FILE", action="append", default=[],
                       help="the log's keys in a file of what /api/v1/public/keys answered (or `registry keys list`): "
                       "each note_verifier_key, and a retired key only for what it signed while current")
    add_witness_options(verify)
    verify.set_defaults(run=proof_verify)
