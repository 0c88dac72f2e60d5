"""The log's entries and checkpoints as bytes (R-REC-4): what the Merkle tree hashes and what a checkpoint signs.

Entry, format 1: every stored event is one entry, its leaf index the event's rank in the log (0-based; log
positions may have gaps, leaf indexes have none). All integers are unsigned big-endian::

    entry = 0x01                          the format
            position        8 bytes       the event's log position (the store's notification id)
            originator_id  16 bytes       the record's UUID, its raw bytes
            version         8 bytes       the event's version within that record
            topic_length    2 bytes       then the topic, UTF-8 (the event's class, as the store keeps it)
            state_length    4 bytes       then the state, the stored bytes exactly as in the log's table

    leaf_hash = SHA-256(0x00 ‖ entry)     (RFC 9162 §2.1.1)

Every field has a fixed size or a length before it, so one entry has one encoding and no two events share one.

Checkpoint note (the C2SP checkpoint body; https://c2sp.org/tlog-checkpoint): three lines, each ending in "\\n":
the log's origin, the tree size in decimal, and the standard base64 of the 32-byte root hash. Its ``signature``
is Ed25519 over the note's UTF-8 bytes. The time of the checkpoint is signed as a C2SP cosignature does it
(https://c2sp.org/tlog-cosignature): Ed25519 over ``"cosignature/v1\\ntime " + decimal Unix seconds + "\\n"``
followed by the note, so a checkpoint's size, root and time are all vouched for by the key.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from registry.merkle import leaf_hash

ENTRY_FORMAT = 1
_HEAD = struct.Struct(">BQ16sQH")
_STATE_LENGTH = struct.Struct(">I")
_ORIGIN = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no spaces (C2SP: a schema-less URL)


class MalformedEntry(ValueError):
    """Bytes that are not an entry in format 1."""


@dataclass(frozen=True)
class Entry:
    position: int
    originator_id: UUID
    version: int
    topic: str
    state: bytes

    def encode(self) -> bytes:
        topic = self.topic.encode("utf-8")
        if len(topic) > 0xFFFF or len(self.state) > 0xFFFFFFFF:
            raise ValueError("a topic is at most 65535 bytes and a state at most 4 GiB")
        if not (0 <= self.position < 1 << 64 and 0 <= self.version < 1 << 64):
            raise ValueError("a position and a version are whole numbers from 0 to 2**64 - 1")
        return (_HEAD.pack(ENTRY_FORMAT, self.position, self.originator_id.bytes, self.version, len(topic)) + topic
                + _STATE_LENGTH.pack(len(self.state)) + self.state)

    @property
    def leaf_hash(self) -> bytes:
        return leaf_hash(self.encode())

    @classmethod
    def decode(cls, data: bytes) -> Entry:
        """The entry in ``data``, which must be exactly one entry in format 1."""
        if len(data) < _HEAD.size + _STATE_LENGTH.size:
            raise MalformedEntry(f"an entry is at least {_HEAD.size + _STATE_LENGTH.size} bytes, this is {len(data)}")
        fmt, position, originator, version, topic_length = _HEAD.unpack_from(data)
        if fmt != ENTRY_FORMAT:
            raise MalformedEntry(f"the entry is in format {fmt}, not {ENTRY_FORMAT}")
        at = _HEAD.size + topic_length
        if len(data) < at + _STATE_LENGTH.size:
            raise MalformedEntry("the entry ends inside its topic")
        try:
            topic = data[_HEAD.size:at].decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedEntry("the entry's topic is not UTF-8") from None
        (state_length,) = _STATE_LENGTH.unpack_from(data, at)
        state = data[at + _STATE_LENGTH.size:]
        if len(state) != state_length:
            raise MalformedEntry(f"the entry's state is {len(state)} bytes but its length says {state_length}")
        return cls(position, UUID(bytes=originator), version, topic, bytes(state))


def entry_of(notification: Any) -> Entry:
    """The entry of a stored event as the event store reads it (a ``Notification``: id, originator id, version,
    topic, state)."""
    return Entry(notification.id, notification.originator_id, notification.originator_version, notification.topic,
                 bytes(notification.state))


def checkpoint_note(origin: str, size: int, root: bytes) -> str:
    if not _ORIGIN.fullmatch(origin):
        raise ValueError(f"a log origin is printable ASCII without spaces: {origin!r}")
    if size < 0 or len(root) != 32:
        raise ValueError("a checkpoint has a size of 0 or more and a 32-byte root hash")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode('ascii')}\n"


@dataclass(frozen=True)
class Note:
    origin: str
    size: int
    root: bytes


def parse_note(note: str) -> Note:
    """The origin, size and root of a checkpoint note, which must be in its one canonical spelling."""
    lines = note.split("\n")
    if len(lines) != 4 or lines[3] != "":
        raise ValueError("a checkpoint note is three lines, each ending in a newline")
    origin, size_text, root_text = lines[:3]
    if not size_text.isdigit() or not size_text.isascii() or (size_text != "0" and size_text.startswith("0")):
        raise ValueError(f"the checkpoint's size is not a decimal number: {size_text!r}")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error:
        raise ValueError("the checkpoint's root hash is not base64") from None
    parsed = Note(origin, int(size_text), root)
    try:
        canonical = checkpoint_note(parsed.origin, parsed.size, parsed.root)
    except ValueError as e:
        raise ValueError(f"the checkpoint note is malformed: {e}") from None
    if canonical != note:
        raise ValueError("the checkpoint note is not in its canonical form")
    return parsed


def timestamp_message(note: str, unix_seconds: int) -> bytes:
    """What the checkpoint's time signature covers (C2SP tlog-cosignature/v1)."""
    if unix_seconds < 0:
        raise ValueError("a checkpoint's time is after 1970")
    return f"cosignature/v1\ntime {unix_seconds}\n{note}".encode()
