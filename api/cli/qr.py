"""`registry qr verify`: checks a QR's signed token offline, against a key given, fetched, read from a file, or the
registry's own (its public halves only)."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path

from api.cli.common import CannotCheck, keys_file
from api.settings import get_settings
from api.signing import (
    ALGORITHM,
    InvalidToken,
    KeyFileError,
    Keys,
    Signer,
    check_verify_url,
    key_id,
    public_key_from_base64,
    published_keys,
)

KEYS_PATH = "/api/v1/public/keys"


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
        raise CannotCheck(f"无法读取 {url} 公布的密钥 / cannot read the published keys at {url}: {e}") from None
    if not keys:
        raise CannotCheck(f"{url} 未公布用于二维码令牌的 Ed25519 密钥 / {url} publishes no Ed25519 key for QR tokens")
    return keys


def _qr_keys(args: argparse.Namespace) -> Keys:
    """The keys to trust: --key, --keys-url or --keys, else the public halves of the configured signing key."""
    if args.key:
        try:
            public_key = public_key_from_base64(args.key)
        except ValueError as e:
            raise CannotCheck(f"--key 无效 / --key: {e}") from None
        return {key_id(public_key): public_key}
    if args.keys_url:
        return _keys_from_url(args.keys_url)
    if args.keys:
        return keys_file(args.keys, "qr")
    settings = get_settings()
    if not Path(settings.signing_key).exists():
        raise CannotCheck(f"{settings.signing_key}（REGISTRY_SIGNING_KEY）没有签名密钥文件，"
                          "请提供 --key、--keys-url 或 --keys / "
                          f"there is no signing key file at {settings.signing_key} (REGISTRY_SIGNING_KEY); pass "
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
        raise CannotCheck(f"{target} 既不是核验网址也不是图片文件 / {target} is neither a verify URL nor an image file")
    from api.qr import read_image

    try:
        texts = read_image(target)
    except (OSError, ValueError) as e:
        raise CannotCheck(f"无法读取图片 {target} / cannot read the image {target}: {e}") from None
    if not texts:
        raise CannotCheck(f"{target} 中读不出二维码 / no QR code could be read in {target}")
    return next((t for t in texts if "/verify/" in t), texts[0])


def qr_verify(args: argparse.Namespace) -> int:
    """Checks a QR's signed token offline: 0 when it holds, 1 when it does not, 2 when it cannot be checked."""
    try:
        url = _qr_text(args.target)
        keys = _qr_keys(args)
    except CannotCheck as e:
        print(f"registry qr verify: 无法检查 / cannot check: {e}", file=sys.stderr)
        return 2
    print(f"核验网址 verify URL     {url}")
    try:
        payload = check_verify_url(url, keys)
    except InvalidToken as e:
        if e.payload is not None:
            claimed = e.payload
            print(f"声称（不可信）：证书 {claimed.number}，统一社会信用代码 {claimed.uscc}，"
                  f"颁证日期 {claimed.issued_on}，"
                  f"有效期至 {claimed.valid_until}，密钥编号 {claimed.key_id} / "
                  f"claimed: certificate {claimed.number}, USCC {claimed.uscc}, issued on {claimed.issued_on}, "
                  f"valid until {claimed.valid_until}, key id {claimed.key_id} (not trusted)")
        print(f"registry qr verify: 令牌无效 / NOT VALID: {e.reason}", file=sys.stderr)
        return 1
    print(f"证书编号 certificate    {payload.number}")
    print(f"统一社会信用代码 USCC   {payload.uscc}")
    print(f"颁证日期 issued on      {payload.issued_on.isoformat()}")
    print(f"有效期至 valid until    {payload.valid_until.isoformat()}")
    print(f"密钥编号 key id         {payload.key_id}")
    print(f"签名有效（{ALGORITHM}）：以上为证书颁发时的信息，其当前状态见上述网址 / "
          f"signature valid ({ALGORITHM}): these are the certificate's details as issued; its status today is "
          f"at the URL above")
    return 0
