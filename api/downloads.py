"""A stored document sent back as a download: always an attachment, never something a browser runs.

The content type and file name are what the uploader sent, so neither is trusted: only a passive type (PDF, an
image, plain text, an office document) is served as itself, anything else (HTML, SVG, XML, scripts, unknown) as
``application/octet-stream``; the file name goes out as RFC 6266 ``filename`` (an ASCII stand-in) and RFC 5987
``filename*`` (UTF-8), with no path, quote or control character left in it.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from fastapi.responses import Response

from registry.documents import CaseDocument

OCTET_STREAM = "application/octet-stream"
# Types a browser shows or saves without running anything, each with the extension a nameless document gets.
PASSIVE = {
    "application/pdf": ".pdf", "application/ofd": ".ofd",
    "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/tiff": ".tif", "image/bmp": ".bmp",
    "image/webp": ".webp",
    "text/plain": ".txt", "text/csv": ".csv", "application/rtf": ".rtf",
    "application/zip": ".zip", "application/x-7z-compressed": ".7z",
    "application/msword": ".doc", "application/vnd.ms-excel": ".xls", "application/vnd.ms-powerpoint": ".ppt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
}
NAME_MAX = 200
_UNSAFE_ASCII = re.compile(r'[^A-Za-z0-9._ ()+-]')


def served_type(stored: str) -> str:
    """The media type a stored content type is served as: itself when passive, else octet-stream."""
    media = stored.split(";", 1)[0].strip().lower()
    return media if media in PASSIVE else OCTET_STREAM


def file_name(doc: CaseDocument) -> str:
    """The name as received, without any path or control character; ``{kind}{extension}`` when none is left."""
    base = re.split(r"[/\\]", doc.filename)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip().strip(".")
    return base[:NAME_MAX] or f"{doc.kind}{PASSIVE.get(served_type(doc.content_type), '')}"


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII ``filename`` for old clients and the exact name as ``filename*`` (RFC 5987)."""
    ascii_name = _UNSAFE_ASCII.sub("_", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode())
    _, dot, ext = name.rpartition(".")
    if not ascii_name.strip("._ ") and dot and ext.isascii():
        ascii_name = f"document.{_UNSAFE_ASCII.sub('_', ext)}"
    return f"attachment; filename=\"{ascii_name or 'document'}\"; filename*=UTF-8''{quote(name, safe='')}"


def attachment(doc: CaseDocument) -> Response:
    return Response(doc.content, media_type=served_type(doc.content_type), headers={
        "Content-Disposition": content_disposition(file_name(doc)),
        "X-Content-Type-Options": "nosniff",
        # Should a browser open it anyway, nothing in it may run or load.
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "ETag": f'"{doc.sha256}"',
    })
