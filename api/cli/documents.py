"""`registry certificate pdf` and `registry document get`: documents written to a file, a certificate's as rendered
(A4 PDF/A-3b) and a case's as received."""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from api.cli.common import loaded_signers, open_parts
from api.settings import get_settings
from registry import labels


def certificate_pdf(args: argparse.Namespace) -> int:
    """Writes a certificate's document (A4 PDF/A-3b) to FILE."""
    from api.certificate_pdf import CJKFontMissing, render

    settings = get_settings()
    with open_parts() as parts:
        view = parts.registry.get_certificate(args.number)
    try:
        pdf = render(view, loaded_signers(settings)[0])
    except CJKFontMissing as e:
        print(f"registry: {e}", file=sys.stderr)
        return 2
    Path(args.file).write_bytes(pdf)
    print(f"已将证书 {view.number}（第 {view.version} 版，{labels.zh(labels.STATUSES, view.status)}）写入 {args.file}："
          f"{len(pdf):,} 字节，PDF/A-3b / "
          f"wrote certificate {view.number} (version {view.version}, {view.status}) to {args.file}: "
          f"{len(pdf):,} bytes, PDF/A-3b")
    return 0


def document_get(args: argparse.Namespace) -> int:
    """Writes a document a case received (R-APP-4) to FILE, its bytes as stored, after checking their SHA-256."""
    with open_parts() as parts:
        doc = parts.registry.case_document(args.case, args.sha256.lower())
    if hashlib.sha256(doc.content).hexdigest() != doc.sha256:
        print(f"registry: 所存文件 {doc.sha256} 的内容与其哈希不符，存储已损坏 / "
              f"the stored bytes of {doc.sha256} do not hash to it: the store is damaged", file=sys.stderr)
        return 1
    Path(args.file).write_bytes(doc.content)
    print(f"已将认证案例 {args.case} 的{labels.zh(labels.DOCUMENT_KINDS, doc.kind)}（{doc.content_type}，"
          f"收到时名为 {doc.filename!r}）写入 {args.file}：{len(doc.content):,} 字节 / "
          f"wrote the {doc.kind} of case {args.case} ({doc.content_type}, received as {doc.filename!r}) to "
          f"{args.file}: {len(doc.content):,} bytes")
    return 0
