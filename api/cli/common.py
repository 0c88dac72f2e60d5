"""What several commands share: the registry opened through the composition root, the signers with their keys read,
and the published-keys files that `registry keys list` writes and `qr verify --keys` / `log verify --keys` read."""

from __future__ import annotations

import json
from pathlib import Path

from api.bootstrap import Parts, bootstrap
from api.settings import Settings, get_settings
from api.signing import Keys, Signer, published_keys, signers
from registry.clock import Clock


def open_parts(clock: Clock | None = None) -> Parts:
    """The registry the settings describe, and its read models when asked for (``api.bootstrap``); a context
    manager that closes what it opened."""
    return bootstrap(get_settings(), clock)


def loaded_signers(settings: Settings) -> tuple[Signer, Signer]:
    """The QR and checkpoint signers, their keys read now: a missing key (in production) or an unreadable one
    stops the command before it does anything."""
    qr, checkpoints = signers(settings.signing_key, settings.checkpoint_key, settings.public_base_url,
                              settings.missing_key)
    return qr.load(), checkpoints.load()


class CannotCheck(Exception):
    """The check could not be made: no key, no image, no QR code in it."""


def keys_file(path: str, use: str) -> Keys:
    """The keys for ``use`` in a file holding what /api/v1/public/keys answered (or `registry keys list`)."""
    try:
        keys = published_keys(json.loads(Path(path).read_text(encoding="utf-8")), use)
    except (OSError, ValueError) as e:
        raise CannotCheck(f"无法读取 {path} 中的密钥 / cannot read the keys in {path}: {e}") from None
    if not keys:
        raise CannotCheck(f"{path} 没有用于 {use} 的 Ed25519 密钥 / {path} lists no Ed25519 key for use {use}")
    return keys
