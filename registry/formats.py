"""R-REC-5 (§13): a record kept as an electronic document is in a non-editable format, read from its bytes.

What the sender's software declared says nothing of what a file is: a Word file sent as ``application/pdf`` is a
Word file. The format is read from the first bytes (``filetype``: the magic numbers of some eighty formats, Office
and OpenDocument among them); an OFD (GB/T 33190, China's fixed-layout format, a zip package whose root holds
``OFD.xml``) is recognised here, as ``filetype`` knows only that it is a zip. Accepted are PDF (PDF/A among them),
OFD and the raster images that scanners and cameras write; anything else, an editable file, an archive, text or a
file nobody recognises, is refused with the formats that are.

The check is the command's, not the event's: documents recorded before it keep their types, and are served as the
edge decides (``registry.text.document_content_type``).
"""

from __future__ import annotations

import io
import zipfile

import filetype

from registry.errors import RuleViolation

ACCEPTED = {  # the content type a document is recorded with, and its name for people
    "application/pdf": "PDF",
    "application/ofd": "OFD",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/tiff": "TIFF",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "image/bmp": "BMP",
}
ACCEPTED_NAMES = "、".join(ACCEPTED.values())

_EDITABLE = {  # what a refused file was recognised as, for the refusal
    "doc": "Word", "docx": "Word", "rtf": "RTF", "odt": "OpenDocument 文本 / text", "xls": "Excel", "xlsx": "Excel",
    "ods": "OpenDocument 表格 / spreadsheet", "ppt": "PowerPoint", "pptx": "PowerPoint",
    "odp": "OpenDocument 演示文稿 / presentation",
}


def _is_ofd(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            return "OFD.xml" in package.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False


def record_format(content: bytes) -> str:
    """The content type ``content`` is recorded with, one of ``ACCEPTED``; a ``RuleViolation`` of R-REC-5 when its
    bytes are of any other format."""
    kind = filetype.guess(content)
    if kind is not None and kind.mime in ACCEPTED:
        return str(kind.mime)
    if kind is not None and kind.mime == "application/zip" and _is_ofd(content):
        return "application/ofd"
    if kind is None:
        seen_zh, seen_en = "无法识别的格式", "a format not recognised"
    else:
        name = _EDITABLE.get(kind.extension, kind.extension.upper())
        seen_zh, seen_en = f"{name} 文件", f"a {name} file"
    raise RuleViolation("R-REC-5", "§13",
                        f"记录文件须为不可编辑的格式（{ACCEPTED_NAMES}），此文件为{seen_zh} / a record is kept in a "
                        f"non-editable format ({ACCEPTED_NAMES.replace('、', ', ')}); this file is {seen_en}")
