"""R-REC-4: the bytes the Merkle tree hashes (a log entry, format 1) and the bytes a checkpoint signs (the C2SP
checkpoint note and the cosignature time message), against the layout documented in ``registry/entries.py``."""

from __future__ import annotations

import base64
import hashlib
import struct
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.entries import (
    ENTRY_FORMAT,
    Entry,
    MalformedEntry,
    Note,
    checkpoint_note,
    parse_note,
    timestamp_message,
)
from registry.merkle import leaf_hash

# The golden entry: every field chosen so a wrong size, order or byte order shows. The topic "a:É" is 3 characters
# but 4 bytes of UTF-8, so its length must count bytes.
GOLDEN = Entry(position=513, originator_id=UUID("00112233-4455-6677-8899-aabbccddeeff"), version=3, topic="a:É",
               state=b'{"n":1}')
GOLDEN_BYTES = bytes.fromhex(
    "01"                                  # the format
    "0000000000000201"                    # position 513, 8 bytes big-endian
    "00112233445566778899aabbccddeeff"    # originator_id, its 16 raw bytes
    "0000000000000003"                    # version 3, 8 bytes big-endian
    "0004" "613ac389"                     # topic length 4, then "a:É" in UTF-8
    "00000007" "7b226e223a317d"           # state length 7, then b'{"n":1}'
)
# SHA-256(0x00 ‖ GOLDEN_BYTES), computed once from the bytes above
GOLDEN_LEAF = "8fb7dd150f387f3108bec384e4d337db710599c517c7802498bd693b3a1109b9"

ROOT = bytes(range(0xE0, 0x100))  # its standard base64 holds both "+" and "/", which URL-safe base64 would not
ROOT_B64 = "4OHi4+Tl5ufo6err7O3u7/Dx8vP09fb3+Pn6+/z9/v8="
ORIGIN = "example.org/log"
NOTE = f"{ORIGIN}\n42\n{ROOT_B64}\n"

U64 = st.integers(min_value=0, max_value=2**64 - 1)
entries = st.builds(Entry, position=U64, originator_id=st.uuids(), version=U64, topic=st.text(max_size=40),
                    state=st.binary(max_size=200))


# The entry

def test_r_rec_4_golden_entry_is_the_documented_layout_byte_by_byte() -> None:
    data = GOLDEN.encode()

    assert data == GOLDEN_BYTES
    assert len(data) == 1 + 8 + 16 + 8 + 2 + 4 + 4 + 7
    assert data[0] == ENTRY_FORMAT == 1
    assert data[1:9] == (513).to_bytes(8, "big")
    assert data[9:25] == GOLDEN.originator_id.bytes
    assert data[25:33] == (3).to_bytes(8, "big")
    assert data[33:35] == b"\x00\x04" and data[35:39] == "a:É".encode()
    assert data[39:43] == b"\x00\x00\x00\x07" and data[43:] == b'{"n":1}'


def test_r_rec_4_golden_entry_leaf_hash_is_sha256_of_0x00_and_the_entry() -> None:
    assert GOLDEN.leaf_hash.hex() == GOLDEN_LEAF
    assert GOLDEN.leaf_hash == hashlib.sha256(b"\x00" + GOLDEN_BYTES).digest() == leaf_hash(GOLDEN_BYTES)
    assert GOLDEN.leaf_hash != hashlib.sha256(GOLDEN_BYTES).digest()  # the 0x00 prefix is there


def test_r_rec_4_golden_entry_decodes_to_its_fields() -> None:
    assert Entry.decode(GOLDEN_BYTES) == GOLDEN


@given(entries)
def test_r_rec_4_an_entry_round_trips_through_its_encoding(entry: Entry) -> None:
    data = entry.encode()

    assert Entry.decode(data) == entry
    assert Entry.decode(data).encode() == data
    topic = entry.topic.encode()
    assert len(data) == 39 + len(topic) + len(entry.state)
    assert data[33:35] == len(topic).to_bytes(2, "big")
    assert data[35 + len(topic):39 + len(topic)] == len(entry.state).to_bytes(4, "big")


@given(entries, entries)
def test_r_rec_4_distinct_entries_never_share_an_encoding(a: Entry, b: Entry) -> None:
    assert (a.encode() == b.encode()) == (a == b)


@pytest.mark.parametrize(("a", "b"), [
    (("ab", b"c"), ("a", b"bc")),  # bytes moved from the topic to the state
    (("a", b"bc"), ("abc", b"")),  # … and from the state to the topic
    (("", b"x:y"), ("x:y", b"")),
])
def test_r_rec_4_moving_bytes_between_topic_and_state_changes_the_encoding(a: tuple[str, bytes],
                                                                          b: tuple[str, bytes]) -> None:
    first = Entry(7, GOLDEN.originator_id, 1, a[0], a[1])
    second = Entry(7, GOLDEN.originator_id, 1, b[0], b[1])
    assert a[0].encode() + a[1] == b[0].encode() + b[1]  # the same bytes once concatenated

    assert first.encode() != second.encode()
    assert first.leaf_hash != second.leaf_hash
    assert Entry.decode(first.encode()) == first and Entry.decode(second.encode()) == second


def test_r_rec_4_swapping_position_and_version_changes_the_encoding() -> None:
    assert Entry(1, GOLDEN.originator_id, 2, "t", b"").encode() != Entry(2, GOLDEN.originator_id, 1, "t", b"").encode()


def test_r_rec_4_a_topic_longer_than_its_length_field_is_refused() -> None:
    Entry(1, GOLDEN.originator_id, 1, "x" * 0xFFFF, b"").encode()  # the longest there is
    with pytest.raises(ValueError, match="65535"):
        Entry(1, GOLDEN.originator_id, 1, "x" * 0x10000, b"").encode()
    with pytest.raises(ValueError, match="65535"):
        Entry(1, GOLDEN.originator_id, 1, "é" * 0x8000, b"").encode()  # 32768 characters, 65536 bytes


@pytest.mark.parametrize(("position", "version"), [(-1, 1), (1, -1), (1 << 64, 1), (1, 1 << 64)])
def test_r_rec_4_a_position_or_version_beyond_eight_bytes_is_refused(position: int, version: int) -> None:
    with pytest.raises(ValueError, match="2\\*\\*64"):
        Entry(position, GOLDEN.originator_id, version, "t", b"").encode()


# Bytes that are not an entry

def with_topic_bytes(topic: bytes) -> bytes:
    """The golden entry with ``topic`` as its topic's raw bytes (and the right length before them)."""
    return GOLDEN_BYTES[:33] + struct.pack(">H", len(topic)) + topic + GOLDEN_BYTES[39:]


@pytest.mark.parametrize(("data", "match"), [
    (b"\x02" + GOLDEN_BYTES[1:], "format 2"),
    (b"\x00" + GOLDEN_BYTES[1:], "format 0"),
    (GOLDEN_BYTES + b"\x00", "state is 8 bytes but its length says 7"),  # trailing bytes
    (GOLDEN_BYTES + GOLDEN_BYTES, "length says 7"),
    (GOLDEN_BYTES[:39] + b"\x00\x00\x00\x08" + GOLDEN_BYTES[43:], "state is 7 bytes but its length says 8"),
    (GOLDEN_BYTES[:39] + b"\x00\x00\x00\x06" + GOLDEN_BYTES[43:], "state is 7 bytes but its length says 6"),
    (GOLDEN_BYTES[:33] + b"\x00\x05" + GOLDEN_BYTES[35:], "length says 1915"),  # the topic takes a byte too many
    (GOLDEN_BYTES[:33] + b"\xff\xff" + GOLDEN_BYTES[35:], "ends inside its topic"),
    (with_topic_bytes(b"\xff\xfe"), "not UTF-8"),
    (with_topic_bytes(b"a:\xc3"), "not UTF-8"),  # a sequence cut short
    (with_topic_bytes(b"\xc0\xaf"), "not UTF-8"),  # an overlong "/"
    (with_topic_bytes(b"\xed\xa0\x80"), "not UTF-8"),  # a surrogate
], ids=["format-2", "format-0", "trailing-byte", "two-entries", "state-length-long", "state-length-short",
        "topic-length-off", "topic-length-huge", "topic-ff", "topic-cut", "topic-overlong", "topic-surrogate"])
def test_r_rec_4_bytes_that_are_not_one_entry_are_refused(data: bytes, match: str) -> None:
    with pytest.raises(MalformedEntry, match=match):
        Entry.decode(data)


def test_r_rec_4_every_truncation_of_an_entry_is_refused() -> None:
    for end in range(len(GOLDEN_BYTES)):
        with pytest.raises(MalformedEntry):
            Entry.decode(GOLDEN_BYTES[:end])


def test_malformed_entry_is_a_value_error() -> None:
    assert issubclass(MalformedEntry, ValueError)


# The checkpoint note

def test_r_rec_4_a_checkpoint_note_is_three_lines_with_a_standard_base64_root() -> None:
    note = checkpoint_note(ORIGIN, 42, ROOT)

    assert note == "example.org/log\n42\n4OHi4+Tl5ufo6err7O3u7/Dx8vP09fb3+Pn6+/z9/v8=\n"
    assert note.split("\n") == [ORIGIN, "42", ROOT_B64, ""]
    assert checkpoint_note(ORIGIN, 0, bytes(32)) == f"{ORIGIN}\n0\n{'A' * 43}=\n"


def test_r_rec_4_a_note_parses_back_to_its_origin_size_and_root() -> None:
    assert parse_note(NOTE) == Note(ORIGIN, 42, ROOT)
    assert parse_note(checkpoint_note("o", 0, bytes(32))) == Note("o", 0, bytes(32))


@given(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=60),
       st.integers(min_value=0, max_value=2**63 - 1), st.binary(min_size=32, max_size=32))
def test_r_rec_4_a_note_round_trips(origin: str, size: int, root: bytes) -> None:
    note = checkpoint_note(origin, size, root)

    assert parse_note(note) == Note(origin, size, root)
    assert note.count("\n") == 3 and note.endswith("\n")


@pytest.mark.parametrize(("origin", "size", "root"), [
    ("example.org log", 1, ROOT),  # a space
    ("", 1, ROOT),
    ("example.org/日志", 1, ROOT),  # not ASCII
    ("example.org/log\n", 1, ROOT),
    ("example.org/\tlog", 1, ROOT),
    (ORIGIN, -1, ROOT),
    (ORIGIN, 1, ROOT[:31]),
    (ORIGIN, 1, ROOT + b"\x00"),
])
def test_r_rec_4_a_note_cannot_be_made_of_a_bad_origin_size_or_root(origin: str, size: int, root: bytes) -> None:
    with pytest.raises(ValueError):
        checkpoint_note(origin, size, root)


NOT_CANONICAL: dict[str, tuple[str, str]] = {  # a note, and why it is refused
    "size-leading-zero": (f"{ORIGIN}\n042\n{ROOT_B64}\n", "size is not a decimal"),
    "size-00": (f"{ORIGIN}\n00\n{ROOT_B64}\n", "size is not a decimal"),
    "size-plus": (f"{ORIGIN}\n+42\n{ROOT_B64}\n", "size is not a decimal"),
    "size-negative": (f"{ORIGIN}\n-42\n{ROOT_B64}\n", "size is not a decimal"),
    "size-space": (f"{ORIGIN}\n 42\n{ROOT_B64}\n", "size is not a decimal"),
    "size-empty": (f"{ORIGIN}\n\n{ROOT_B64}\n", "size is not a decimal"),
    "size-fullwidth-digits": (f"{ORIGIN}\n４２\n{ROOT_B64}\n", "size is not a decimal"),
    "size-underscore": (f"{ORIGIN}\n4_2\n{ROOT_B64}\n", "size is not a decimal"),
    "no-final-newline": (f"{ORIGIN}\n42\n{ROOT_B64}", "three lines"),
    "extra-line": (f"{ORIGIN}\n42\n{ROOT_B64}\n\n", "three lines"),
    "extra-text-line": (f"{ORIGIN}\n42\n{ROOT_B64}\n— example.org/log abc\n", "three lines"),
    "two-lines": (f"{ORIGIN}\n42\n", "three lines"),
    "crlf": (f"{ORIGIN}\r\n42\r\n{ROOT_B64}\r\n", "size is not a decimal"),
    "root-urlsafe": (f"{ORIGIN}\n42\n{ROOT_B64.replace('+', '-').replace('/', '_')}\n", "not base64"),
    "root-no-padding": (f"{ORIGIN}\n42\n{ROOT_B64.rstrip('=')}\n", "not base64"),
    "root-not-base64": (f"{ORIGIN}\n42\n{'!' * 44}\n", "not base64"),
    # "/=" and "+=" end in the same bytes: only the spelling differs
    "root-non-canonical-bits": (f"{ORIGIN}\n42\n{ROOT_B64[:42]}+=\n", "not in its canonical form"),
    "root-31-bytes": (f"{ORIGIN}\n42\n{'A' * 40}AA==\n", "32-byte root"),
    "root-33-bytes": (f"{ORIGIN}\n42\n{'A' * 44}\n", "32-byte root"),
    "root-hex": (f"{ORIGIN}\n42\n{ROOT.hex()}\n", "32-byte root"),
    "origin-space": (f"example.org log\n42\n{ROOT_B64}\n", "log origin is printable ASCII"),
    "origin-empty": (f"\n42\n{ROOT_B64}\n", "log origin is printable ASCII"),
    "origin-trailing-space": (f"{ORIGIN} \n42\n{ROOT_B64}\n", "log origin is printable ASCII"),
}


@pytest.mark.parametrize(("note", "reason"), NOT_CANONICAL.values(), ids=NOT_CANONICAL.keys())
def test_r_rec_4_a_note_not_in_its_one_canonical_spelling_is_refused(note: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_note(note)


def test_the_non_canonical_root_really_decodes_to_the_same_bytes() -> None:
    # so that the note above is refused for its spelling, not for its bytes
    assert base64.b64decode(NOT_CANONICAL["root-non-canonical-bits"][0].split("\n")[2], validate=True) == ROOT


# The time a checkpoint vouches for

def test_r_rec_4_the_timestamp_message_is_the_cosignature_v1_time_line_then_the_note() -> None:
    assert timestamp_message(NOTE, 1795000000) == (b"cosignature/v1\ntime 1795000000\n"
                                                   + b"example.org/log\n42\n" + ROOT_B64.encode() + b"\n")
    assert timestamp_message(NOTE, 0) == b"cosignature/v1\ntime 0\n" + NOTE.encode()


def test_r_rec_4_a_time_before_1970_is_refused() -> None:
    with pytest.raises(ValueError):
        timestamp_message(NOTE, -1)
