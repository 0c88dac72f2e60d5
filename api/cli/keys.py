"""`registry keys init|rotate|list`: the signing keys of QR tokens and checkpoints, made, rotated and published.
These commands print paths and key ids, and public halves only; never a private key."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from api.published_keys import listing
from api.settings import Settings, get_settings
from api.signing import KeyFileError, PublishedKey, key_id, signers


def _no_replica(settings: Settings, what: str) -> None:
    if settings.read_only:
        raise KeyFileError(f"`registry keys {what}`：只读副本（REGISTRY_READ_ONLY）从不生成密钥，"
                           "请在保存主服务器密钥之处生成和轮换 / "
                           f"`registry keys {what}`: a read-only replica (REGISTRY_READ_ONLY) never makes a key; "
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
            print(f"registry: 拒绝：{path}（{use}）已有密钥，从不覆盖，原样保留"
                  "（`registry keys rotate` 可替换密钥并继续公布其公钥） / "
                  f"refused: {path} ({use}) already holds a key; it is never overwritten and was kept as "
                  "it is (`registry keys rotate` replaces a key and keeps its public half published)",
                  file=sys.stderr)
            continue
        made_id = key_id(made.public_key())
        print(f"已在 {path} 生成 {use} 密钥（权限 0600），密钥编号 {made_id}，公钥在 {keys.keyring_path(path)} / "
              f"made the {use} key in {path} (mode 0600), key id {made_id}; its public half is "
              f"in {keys.keyring_path(path)}")
    return 1 if kept else 0


def keys_rotate(args: argparse.Namespace) -> int:
    """Retires the current key of a use and makes a new one; prints key ids only."""
    from api import keys

    settings = get_settings()
    _no_replica(settings, "rotate")
    use, path = next((u, p) for u, p in _key_files(settings).items() if args.use in u.split(" and "))
    rotated = keys.rotate(path)
    current, retired = rotated.current, rotated.retired
    print(f"{path} 的 {use} 密钥现为 {current.key_id}（自 {current.valid_from} 起有效） / "
          f"the {use} key in {path} is now key {current.key_id} (valid from {current.valid_from})")
    print(f"密钥 {retired.key_id} 已停用（有效至 {retired.valid_until}），仍公布在 {keys.keyring_path(path)}，"
          f"用以核验其签署的内容 / key {retired.key_id} is retired (valid until {retired.valid_until}); it stays "
          f"published to check what it signed, in {keys.keyring_path(path)}")
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
    print(json.dumps(listing(listed, settings.origin), indent=2))
    return 0
