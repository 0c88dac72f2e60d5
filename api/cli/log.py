"""`registry log export|verify`: the tamper-evident log (R-REC-4) written to one file with its checkpoints, and such
a file verified offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from api.cli.common import CannotCheck, keys_file, loaded_signers, open_parts, witness_keys
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
    print(f"已导出 {done.entries} 条记录和 {done.checkpoints} 个检查点到 {done.path} / "
          f"exported {done.entries} entries and {done.checkpoints} checkpoints to {done.path}")
    print(f"根哈希 root  {done.root_hash}")
    if not done.reproduced:
        print("registry: R-REC-4: 所存日志不能重现最新签署的检查点，`registry log verify "
              f"{done.path}` 指出第一处缺陷 / the log as stored does not reproduce its latest signed checkpoint; "
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
        witnesses, quorum = witness_keys(args)
    except (OSError, ValueError, CannotCheck) as e:
        print(f"registry: 无法检查 / cannot check: {e}", file=sys.stderr)
        return 2
    try:
        verified = verify(data, kept, trusted, witnesses, quorum)
    except Flaw as e:
        print(f"发现缺陷 FLAW {args.file}: {e}", file=sys.stderr)
        return 1
    latest = verified.latest
    print(f"验证通过：{verified.entries} 条记录，每个叶和根均已重新计算；{verified.checkpoints} 个检查点，签名均有效 / "
          f"OK {args.file}: {verified.entries} entries; every leaf and root recomputed; {verified.checkpoints} "
          f"checkpoints, every signature holds")
    print(f"最新检查点：{latest['size']} 个叶，根 {latest['root_hash']}，{latest['timestamp']} 由密钥 "
          f"{latest['key_id']}（{latest['origin']}）签署 / latest: {latest['size']} leaves, root "
          f"{latest['root_hash']}, signed {latest['timestamp']} by key {latest['key_id']} ({latest['origin']})")
    if verified.kept is not None:
        print(f"所保留的检查点：与 {verified.kept['timestamp']} 签署的 {verified.kept['size']} 个叶的检查点一致，"
              "此后未被改动 / "
              f"kept: consistent with the checkpoint of {verified.kept['size']} leaves signed "
              f"{verified.kept['timestamp']}: nothing in it was altered since")
    if witnesses:
        said = witnessed(verified.witnessed, len(witnesses))
        print(said or f"见证：所给的 {len(witnesses)} 位见证人未副署任何检查点 / witnesses: none of the "
              f"{len(witnesses)} given cosigned any checkpoint")
    elif verified.cosignatures:
        print(f"另有 {verified.cosignatures} 条见证人副署未核验：用 --witness 给出其密钥 / {verified.cosignatures} "
              "witness cosignatures not checked: give their keys with --witness")
    return 0


def witnessed(cosigned: dict[int, list[str]], given: int) -> str | None:
    """What verify says of the witnesses' cosignatures: the largest checkpoint the most of them cosigned."""
    if not cosigned:
        return None
    most = max(map(len, cosigned.values()))
    size = max(s for s, names in cosigned.items() if len(names) == most)
    names = ", ".join(cosigned[size])
    return (f"见证：{size} 个叶的检查点由所给 {given} 位见证人中的 {most} 位副署（{names}），"
            "其前的全部记录均经其担保 / "
            f"witnessed: the checkpoint of {size} leaves is cosigned by {most} of the {given} witnesses given "
            f"({names}); every entry up to it is vouched for by them")


def log_mirror(args: argparse.Namespace) -> int:
    """Writes the latest checkpoint (a checkpoint of the whole log signed first if the latest does not cover it)
    and its tree's C2SP tiles into a folder, as static files (``api/log_mirror.py``)."""
    from api.checkpoint_notes import served_note
    from api.log_mirror import mirror

    settings = get_settings()
    with open_parts() as parts:
        views = parts.views
        views.bring_up_to_date()
        views.checkpoint()
        latest = views.log.checkpoint()
        if latest is None:
            print("registry: 日志为空，尚无检查点 / the log is empty: no checkpoint to mirror", file=sys.stderr)
            return 1
        note = served_note(views.log, loaded_signers(settings)[1], latest)  # as GET /log/checkpoint serves it
        done = mirror(views.log, parts.registry.recorder, Path(args.dir), str(note), latest.size, args.entries)
    print(f"已镜像 {done.size} 个叶的检查点：写入 {done.written} 个瓦片，保留已有的 {done.kept} 个，至 {args.dir} / "
          f"mirrored the checkpoint of {done.size} leaves: {done.written} tiles written, {done.kept} kept from "
          f"before, in {args.dir}")
    return 0
