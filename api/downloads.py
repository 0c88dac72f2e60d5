"""A stored document sent back as a download: always an attachment, never something a browser runs.

The content type and file name are what the uploader sent (made fit since, by ``registry.text``; documents
received before, as sent), so neither is trusted: only a type of ``text.DOCUMENT_TYPES`` (PDF, an image, plain text,
an office document) is served as itself, anything else (HTML, SVG, XML, scripts, unknown) as
``application/octet-stream``; the file name goes out as RFC 6266 ``filename`` (an ASCII stand-in) and RFC 5987
``filename*`` (UTF-8), with no path, quote or control character left in it.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from fastapi.responses import Response

from registry import text
from registry.documents import CaseDocument

_UNSAFE_ASCII = re.compile(r'[^A-Za-z0-9._ ()+-]')


def file_name(doc: CaseDocument) -> str:
    """The name as received, made fit as an upload's is (``text.document_file_name``); ``{kind}{extension}`` when
    none is left."""
    return (text.document_file_name(doc.filename)
            or f"{doc.kind}{text.DOCUMENT_EXTENSIONS.get(text.document_content_type(doc.content_type), '')}")


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII ``filename`` for old clients and the exact name as ``filename*`` (RFC 5987)."""
    ascii_name = _UNSAFE_ASCII.sub("_", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode())
    _, dot, ext = name.rpartition(".")
    if not ascii_name.strip("._ ") and dot and ext.isascii():
        ascii_name = f"document.{_UNSAFE_ASCII.sub('_', ext)}"
    return f"attachment; filename=\"{ascii_name or 'document'}\"; filename*=UTF-8''{quote(name, safe='')}"


def attachment(doc: CaseDocument) -> Response:
    return Response(doc.content, media_type=text.document_content_type(doc.content_type), headers={
        "Content-Disposition": content_disposition(file_name(doc)),
        "X-Content-Type-Options": "nosniff",
        # Should a browser open it anyway, nothing in it may run or load.
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "ETag": f'"{doc.sha256}"',
    })
