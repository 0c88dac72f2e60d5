"""What text the registry records: the characters it refuses and the length of each kind of field, in one place.

Every text field of every command is checked here before its event exists, so the log never holds a string that
some store or reader cannot take: PostgreSQL refuses a NUL in ``text``, no encoder writes a lone surrogate as UTF-8,
and a control character or a noncharacter has no place in a record people read. A name, a code or an address is
one line; prose (descriptions, reasons, findings, evidence) may break lines and hold tabs. What is refused is
refused, with the field and the character named, Chinese first; nothing is normalised, but for what an upload says
of its file (``document_file_name``, ``document_content_type``), which the sender's software chose, not a person.

``check_storable`` is the last guard, run on the fields of every new event (``registry.base``): whatever a command
forgot to check, an event that could stop a projection is never recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sized
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from registry.errors import InvalidInput


@dataclass(frozen=True)
class Kind:
    """A kind of text field: how long it may be, and whether it may break lines."""

    name: str
    max_length: int
    multiline: bool = False


CODE = Kind("code", 64)  # registration numbers, refs, versions, units, document kinds
NUMBER = Kind("number", 100)  # a certificate number (a configured pattern may make it longer than a code)
NAME = Kind("name", 200)  # people, organisations, bodies, systems, sectors, standards, indicators, file names
LINE = Kind("line", 500)  # addresses, the standard or methodology a level names, where an original is held
SCOPE = Kind("scope", 2_000, multiline=True)  # the certified scope, printed on the certificate
PROSE = Kind("prose", 10_000, multiline=True)  # descriptions, notes, reasons, justifications, findings, evidence

ITEMS = 100  # entries of a list or a mapping: levels, sectors, certifications, team members, indicators, …
FINDINGS = 1_000  # nonconformities of one audit

# Refused in every field: C0 controls but tab and line feed and carriage return, DEL, C1 controls (U+0085 NEL
# among them), lone surrogates, and the 66 noncharacters.
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(chr(plane << 16 | low) for plane in range(17) for low in (0xFFFE, 0xFFFF))
_UNSTORABLE = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\ud800-\\udfff{_NONCHARACTERS}]")
# Refused besides in a one-line field: line breaks and tab, and the bidirectional embeddings, overrides and
# isolates, which can make a published name read as another.
_OFF_LINE = re.compile("[\t\n\r\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_BREAKS = "\n\r\u2028\u2029"

# The content types a document is stored with: what a certification body is sent (PDF, China's OFD, scans, office
# files, plain text, archives), none that a browser would run or render as a page (HTML, SVG, XML, scripts).
# Anything else is stored, and served, as application/octet-stream. (R-REC-5, non-editable formats only, is
# issue 24's: it narrows this list.)
DOCUMENT_EXTENSIONS = {  # each with the extension a document of that type is given when it comes without a name
    "application/pdf": ".pdf", "application/ofd": ".ofd", "application/zip": ".zip",
    "application/x-7z-compressed": ".7z",
    "image/png": ".png", "image/jpeg": ".jpg", "image/tiff": ".tif", "image/gif": ".gif", "image/webp": ".webp",
    "image/bmp": ".bmp",
    "application/msword": ".doc", "application/vnd.ms-excel": ".xls", "application/vnd.ms-powerpoint": ".ppt",
    "application/rtf": ".rtf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt", "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp", "text/plain": ".txt", "text/csv": ".csv",
}
DOCUMENT_TYPES = frozenset({*DOCUMENT_EXTENSIONS, "application/octet-stream"})
_TYPE_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "application/x-pdf": "application/pdf",
                 "application/x-zip-compressed": "application/zip"}
_EXTENSION = 16  # characters of a file name's extension kept when a long name is shortened


@dataclass(frozen=True)
class Fault:
    """Why a text is refused, in Chinese and in English, to be said of a field or of "it"."""

    zh: str
    en: str

    def of(self, field: str) -> str:
        return f"{field} {self.zh} / {field} {self.en}"

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"


def _character_fault(char: str) -> Fault:
    code = f"U+{ord(char):04X}"
    if char == "\x00":
        return Fault(f"含有空字符 {code}", f"holds a NUL character ({code})")
    if "\ud800" <= char <= "\udfff":
        return Fault(f"含有不成对的代理码元 {code}", f"holds a lone surrogate ({code})")
    if char in _BREAKS:
        return Fault(f"不能换行（含有 {code}）", f"is one line and may not hold a line break ({code})")
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        return Fault(f"含有双向文本控制符 {code}", f"holds a bidirectional text control ({code})")
    if char <= "\x9f":
        return Fault(f"含有控制字符 {code}", f"holds a control character ({code})")
    return Fault(f"含有非字符 {code}", f"holds a Unicode noncharacter ({code})")


def fault(value: object, kind: Kind) -> Fault | None:
    """Why ``value`` cannot be recorded as a field of ``kind``, or None when it can."""
    if not isinstance(value, str):
        return Fault("应为文本", f"is text, not {type(value).__name__}")
    if len(value) > kind.max_length:
        return Fault(f"最多 {kind.max_length} 个字符，此处有 {len(value)} 个",
                     f"has at most {kind.max_length} characters, not {len(value)}")
    if value.isprintable():  # the usual case, answered in C: no control, format, separator or unassigned character
        return None
    found = _UNSTORABLE.search(value)
    if found is None and not kind.multiline:
        found = _OFF_LINE.search(value)
    return None if found is None else _character_fault(found.group())


def count_fault(values: Sized, most: int) -> Fault | None:
    """Why a list or mapping of ``len(values)`` entries is too long, or None."""
    if len(values) > most:
        return Fault(f"最多 {most} 项，此处有 {len(values)} 项", f"has at most {most} entries, not {len(values)}")
    return None


def check(field: str, value: str, kind: Kind) -> str:
    """``value`` as it is, when it may be recorded as ``field``; otherwise an ``InvalidInput`` naming the field."""
    found = fault(value, kind)
    if found is not None:
        raise InvalidInput(field, found.of(field))
    return value


def check_optional(field: str, value: str | None, kind: Kind) -> str | None:
    return None if value is None else check(field, value, kind)


def check_count(field: str, values: Sized, most: int = ITEMS) -> None:
    found = count_fault(values, most)
    if found is not None:
        raise InvalidInput(field, found.of(field))


def check_each(field: str, values: Iterable[str], kind: Kind, most: int = ITEMS) -> None:
    """At most ``most`` texts, each one of ``kind``."""
    listed = values if isinstance(values, Sized) else list(values)
    check_count(field, listed, most)
    for i, value in enumerate(listed):
        check(f"{field}.{i}", value, kind)


def check_record(field: str, record: object, **kinds: Kind) -> None:
    """The named text attributes of a value object (``None`` where the record leaves one out)."""
    if record is None:
        return
    for name, kind in kinds.items():
        check_optional(f"{field}.{name}", getattr(record, name), kind)


def check_records(field: str, records: Iterable[object], most: int = ITEMS, **kinds: Kind) -> None:
    """At most ``most`` value objects, with their named text attributes checked."""
    listed = records if isinstance(records, Sized) else list(records)
    check_count(field, listed, most)
    for i, record in enumerate(listed):
        check_record(f"{field}.{i}", record, **kinds)


def check_mapping(field: str, mapping: Mapping[str, object], key: Kind, value: Kind | None,
                  most: int = ITEMS) -> None:
    """A mapping's keys (and, when ``value`` is given, its text values)."""
    check_count(field, mapping, most)
    for k, v in mapping.items():
        check(f"{field} key", k, key)
        if value is not None and v is not None:
            check(f"{field}.{k}", v, value)  # type: ignore[arg-type]


def check_document_type(field: str, value: str) -> str:
    """A document's content type: one of ``DOCUMENT_TYPES``, lowercase, without parameters."""
    if value not in DOCUMENT_TYPES:
        shown = repr(value[:80]) if isinstance(value, str) else type(value).__name__
        raise InvalidInput(field, f"{field} 应为文件类型之一，如 application/pdf，其他文件记作 "
                                  f"application/octet-stream / {field} is a document type such as application/pdf "
                                  f"(any other file is application/octet-stream), not {shown}")
    return value


def check_file_name(field: str, value: str) -> str:
    """A document's file name: one line of ``NAME`` length, no folder in it."""
    check(field, value, NAME)
    if "/" in value or "\\" in value:
        raise InvalidInput(field, f"{field} 不能含有路径 / {field} is a file name, without a folder")
    return value


# What an upload says of its file, made fit to record.


def document_file_name(sent: str | None) -> str:
    """The file name an upload gives, as ``check_file_name`` takes it: its last path component, without the
    characters a name refuses, trimmed, and shortened to ``NAME`` length keeping its extension."""
    name = re.split(r"[/\\]", sent or "")[-1]
    name = _OFF_LINE.sub("", _UNSTORABLE.sub("", name)).strip().lstrip(".").strip()
    if len(name) <= NAME.max_length:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > _EXTENSION:
        return name[:NAME.max_length].rstrip()
    return name[:NAME.max_length - len(extension) - 1].rstrip() + "." + extension


def document_content_type(sent: str | None) -> str:
    """The content type an upload gives, as ``check_document_type`` takes it: its ``type/subtype`` lowercased,
    without parameters; one of ``DOCUMENT_TYPES``, or application/octet-stream."""
    media = (sent or "").split(";", 1)[0].strip().lower()
    media = _TYPE_ALIASES.get(media, media)
    return media if media in DOCUMENT_TYPES else "application/octet-stream"


# The last guard, on every new event.

CEILING = max(k.max_length for k in (CODE, NUMBER, NAME, LINE, SCOPE, PROSE))
COUNT_CEILING = max(ITEMS, FINDINGS)


def check_storable(event_fields: Mapping[str, Any]) -> None:
    """Every text in an event's fields (and in the lists, mappings and value objects among them) can be stored and
    read back on every store, and no text or list is beyond every bound: the guard of ``registry.base``."""
    for value in event_fields.values():
        if not _storable(value):
            break
    else:
        return
    for name, value in event_fields.items():  # the refused value's path, for the field the refusal names
        _locate(value, (name,))


_TEXT, _ITEMS, _MAP = "text", "items", "map"
_SHAPES: dict[type, str | tuple[str, ...]] = {}  # by class: text, items, a map, or a value object's field names


def _shape(value: Any) -> str | tuple[str, ...]:
    cls = type(value)
    shape = _SHAPES.get(cls)
    if shape is None:
        if isinstance(value, str):
            shape = _TEXT
        elif isinstance(value, list | tuple | set | frozenset):
            shape = _ITEMS
        elif isinstance(value, dict):
            shape = _MAP
        elif is_dataclass(value) and not isinstance(value, type):
            shape = tuple(f.name for f in fields(value))
        else:
            shape = ()  # dates, numbers, UUIDs, enumerations: nothing to check
        _SHAPES[cls] = shape
    return shape


def _storable(value: Any) -> bool:
    # Every command pays for this walk, so it looks each class up once and builds no path: that is left to _locate.
    shape = _shape(value)
    if shape is _TEXT:
        return len(value) <= CEILING and (value.isprintable() or _UNSTORABLE.search(value) is None)
    if shape is _ITEMS:
        return len(value) <= COUNT_CEILING and all(_storable(item) for item in value)
    if shape is _MAP:
        return len(value) <= COUNT_CEILING and all(_storable(k) and _storable(v) for k, v in value.items())
    return all(_storable(getattr(value, name)) for name in shape)


def _locate(value: Any, path: tuple[str, ...]) -> None:
    if isinstance(value, str):
        found = fault(value, _ANY)
        if found is not None:
            raise InvalidInput(".".join(path), found.of(".".join(path)))
    elif isinstance(value, list | tuple | set | frozenset):
        _counted(value, path)
        for i, item in enumerate(value):
            _locate(item, (*path, str(i)))
    elif isinstance(value, dict):
        _counted(value, path)
        for key, item in value.items():
            _locate(key, (*path, "key"))
            _locate(item, (*path, str(key)))
    else:
        for name in _shape(value):
            _locate(getattr(value, name), (*path, name))


def _counted(values: Sized, path: tuple[str, ...]) -> None:
    found = count_fault(values, COUNT_CEILING)
    if found is not None:
        raise InvalidInput(".".join(path), found.of(".".join(path)))


_ANY = Kind("any", CEILING, multiline=True)
