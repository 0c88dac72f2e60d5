"""``registry log verify FILE``: an export (``api/log_format.py``) checked offline, on a regulator's machine.

Verification recomputes every leaf hash from its entry and the tree's root at each checkpoint's size, checks both
signatures of every checkpoint (the note, and its time), the cosignatures of the witnesses the regulator names
(c2sp.org/tlog-cosignature: the regulator's own witness, say), and, given a checkpoint the regulator kept from
before, that the export's tree still reproduces it and is consistent with it (RFC 9162 §2.1.4). The first flaw found
is named, with its line.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from api.checkpoint_notes import cosigners
from api.keys import ALGORITHM, key_id, leaked, public_key_from_base64
from api.log_format import CHECKPOINT_FIELDS, FORMAT, READABLE, Flaw, canonical
from api.published_keys import Keys, VerifyingKey, verifying
from api.signed_note import MalformedNote, NoteRefused, NoteVerifier, parse
from projections.log import Checkpoint
from registry import merkle
from registry.entries import Entry, MalformedEntry, checkpoint_note, parse_note, timestamp_message

_HEX32 = re.compile(r"[0-9a-f]{64}")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@dataclass(frozen=True)
class Verified:
    entries: int
    checkpoints: int
    root_hash: str
    latest: dict[str, Any]
    kept: dict[str, Any] | None  # the regulator's checkpoint the export was found consistent with
    cosignatures: int  # the witnesses' cosignature lines in the file
    witnessed: dict[int, list[str]]  # by checkpoint size, the names of the given witnesses whose cosignature holds


def verify(data: bytes, kept: Mapping[str, Any] | None = None, trusted: Keys | None = None,
           witnesses: Sequence[NoteVerifier] = (), quorum: int = 0) -> Verified:
    """Verifies an export; raises ``Flaw`` naming the first flaw. ``kept``: a checkpoint kept from before (as the
    API served it); ``trusted``: the keys to trust (by key id), instead of those the file carries, each for the
    checkpoints it signed before it was retired, when that is known; ``witnesses``: the cosignature/v1 keys whose
    lines are checked (a line that does not hold is a flaw), and ``quorum`` how many of them must have cosigned one
    checkpoint of the file at least (the export's last checkpoint is often signed for it, before any witness saw
    it: a cosigned earlier one vouches for the entries it covers, and the tree's roots tie them to the rest)."""
    if not data.endswith(b"\n"):
        raise Flaw("the file does not end with a line break: it was cut short or added to")
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as e:
        raise Flaw(f"byte {e.start} is not ASCII: the file was altered") from None
    lines = text.split("\n")[:-1]
    header = _line(lines, 0)
    if set(header) != {"format", "keys"} or header["format"] not in READABLE:
        raise Flaw(f"the first line is not a {FORMAT} header", 1)
    cosigned = header["format"] == FORMAT  # /1 was written before witnesses
    keys: Keys = _keys(header["keys"])
    if trusted is not None:  # only the regulator's own keys vouch, not those the file brings
        keys = trusted
    leaves: list[bytes] = []
    number, last_position = 1, 0
    while number < len(lines) and not lines[number].startswith('{"checkpoint":'):
        record = _line(lines, number)
        if set(record) != {"entry", "leaf_index", "position"}:
            raise Flaw("an entry line holds entry, leaf_index and position, and nothing else", number + 1)
        if type(record["leaf_index"]) is not int or record["leaf_index"] != len(leaves):
            raise Flaw(f"leaf {len(leaves)} was expected here, not leaf {record['leaf_index']}: entries were removed, "
                       f"added or reordered", number + 1)
        position = record["position"]
        if type(position) is not int or position <= last_position:
            raise Flaw(f"log position {position} does not come after {last_position}: entries were reordered",
                       number + 1)
        entry_bytes = _b64(record["entry"], "the entry", number + 1)
        try:
            entry = Entry.decode(entry_bytes)
        except MalformedEntry as e:
            raise Flaw(f"the entry is malformed: {e}", number + 1) from None
        if entry.position != position:
            raise Flaw(f"the entry holds log position {entry.position}, the line says {position}", number + 1)
        leaves.append(merkle.leaf_hash(entry_bytes))
        last_position, number = position, number + 1
    tree = merkle.Tree()
    tree.extend(leaves)
    if tree.size == 0:
        raise Flaw("the export holds no entries")
    checkpoints: list[Checkpoint] = []
    witnessed: dict[int, list[str]] = {}
    lines_seen = 0
    for index in range(number, len(lines)):
        checkpoint, cosignatures = _checkpoint(lines, index, tree, keys, checkpoints, cosigned)
        checkpoints.append(checkpoint)
        lines_seen += len(cosignatures)
        names = _cosigners(checkpoint, cosignatures, witnesses, index + 1)
        if names:
            witnessed[checkpoint.size] = names
    if not checkpoints:
        raise Flaw("the export holds no checkpoint: nothing vouches for its entries")
    if checkpoints[-1].size != tree.size:
        raise Flaw(f"the last checkpoint covers {checkpoints[-1].size} leaves but the export holds {tree.size} "
                   f"entries: entries were added after it", len(lines))
    if kept is not None:
        _kept(kept, tree, keys)
    if quorum and not any(len(names) >= quorum for names in witnessed.values()):
        most = max(map(len, witnessed.values()), default=0)
        raise Flaw(f"no checkpoint of the export is cosigned by {quorum} of the {len(witnesses)} witnesses given "
                   f"(at most {most}): nobody else vouches for this log")
    return Verified(tree.size, len(checkpoints), tree.root().hex(), checkpoints[-1].as_dict(),
                    dict(kept) if kept is not None else None, lines_seen, witnessed)


def _line(lines: list[str], index: int) -> dict[str, Any]:
    if index >= len(lines):
        raise Flaw("the file is empty")
    try:
        obj = json.loads(lines[index])
    except ValueError:
        raise Flaw("not JSON: the line was altered", index + 1) from None
    if not isinstance(obj, dict) or canonical(obj) != lines[index] + "\n":
        raise Flaw("not in the canonical form (sorted keys, no spaces, ASCII): the line was altered", index + 1)
    return obj


def _b64(value: Any, what: str, line: int) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True) if isinstance(value, str) else None
    except ValueError:  # binascii.Error, or a character beyond ASCII (JSON's \u escapes can spell one)
        raw = None
    if raw is None or base64.b64encode(raw).decode("ascii") != value:
        raise Flaw(f"{what} is not canonical base64", line)
    return raw


def _keys(listed: Any) -> dict[str, Ed25519PublicKey]:
    if not isinstance(listed, list):
        raise Flaw("the header's keys are not a list", 1)
    keys = {}
    for item in listed:
        if not isinstance(item, dict) or set(item) != {"algorithm", "key_id", "public_key", "use"}:
            raise Flaw("a key is algorithm, key_id, public_key and use", 1)
        if item["algorithm"] != ALGORITHM or item["use"] != "checkpoint":
            raise Flaw(f"a key is {ALGORITHM} for use checkpoint", 1)
        _b64(item["public_key"], "a public key", 1)
        try:
            public = public_key_from_base64(item["public_key"])
        except ValueError as e:
            raise Flaw(f"a public key is unreadable: {e}", 1) from None
        if key_id(public) != item["key_id"]:
            raise Flaw(f"key {item['key_id']} is not the id of its public key", 1)
        keys[item["key_id"]] = public
    return keys


def _checkpoint(lines: list[str], index: int, tree: merkle.Tree, keys: Keys, before: list[Checkpoint],
                cosigned: bool) -> tuple[Checkpoint, list[str]]:
    line = index + 1
    record = _line(lines, index)
    body = record.get("checkpoint")
    allowed = {"checkpoint", "cosignatures"} if cosigned else {"checkpoint"}
    if not {"checkpoint"} <= set(record) <= allowed or not isinstance(body, dict) or set(body) != set(
            CHECKPOINT_FIELDS):
        raise Flaw(f"a checkpoint line holds a checkpoint of {', '.join(CHECKPOINT_FIELDS)} and, in "
                   f"{FORMAT}, its cosignatures, and nothing else (or an entry comes after the checkpoints)", line)
    cosignatures = record.get("cosignatures", [])
    if "cosignatures" in record and (not isinstance(cosignatures, list) or not cosignatures or not all(
            isinstance(c, str) for c in cosignatures) or len(set(cosignatures)) != len(cosignatures)):
        raise Flaw("a checkpoint's cosignatures are a list of its witnesses' signature lines, each once (and none "
                   "when no witness cosigned it)", line)
    checkpoint = _read_checkpoint(body, line)
    if before and checkpoint.size <= before[-1].size:
        raise Flaw(f"checkpoints go smallest first: {checkpoint.size} after {before[-1].size}", line)
    if before and checkpoint.unix_seconds < before[-1].unix_seconds:
        raise Flaw(f"the checkpoint of {checkpoint.size} leaves is dated before the one of {before[-1].size}", line)
    _check_signatures(checkpoint, keys, line)
    if checkpoint.size > tree.size:
        raise Flaw(f"the checkpoint covers {checkpoint.size} leaves but the export holds {tree.size} entries: "
                   "entries were removed", line)
    if tree.root(checkpoint.size).hex() != checkpoint.root_hash:
        raise Flaw(f"the entries do not reproduce the root signed for the first {checkpoint.size} leaves: an entry "
                   "among them was altered, removed, added or reordered", line)
    return checkpoint, cosignatures


def _cosigners(checkpoint: Checkpoint, cosignatures: list[str], witnesses: Sequence[NoteVerifier],
               line: int) -> list[str]:
    """The names of the ``witnesses`` whose line among ``cosignatures`` is their cosignature of ``checkpoint``;
    every line is a C2SP signature line, and a given witness's line that does not hold is a flaw."""
    if not cosignatures:
        return []
    try:
        note = parse(f"{checkpoint.note}\n" + "".join(f"{c}\n" for c in cosignatures))
        return [w.name for w in cosigners(note.text, note.signatures, witnesses)]
    except MalformedNote as e:
        raise Flaw(f"a cosignature of the checkpoint of {checkpoint.size} leaves is not a signature line: {e}",
                   line) from None
    except NoteRefused as e:
        raise Flaw(f"the checkpoint of {checkpoint.size} leaves: {e}", line) from None


def _read_checkpoint(body: Mapping[str, Any], line: int | None) -> Checkpoint:
    """A checkpoint's fields, each in its one spelling, and its note agreeing with them."""
    try:
        checkpoint = Checkpoint(**{name: body[name] for name in CHECKPOINT_FIELDS})
    except (KeyError, TypeError):
        raise Flaw(f"a checkpoint has the fields {', '.join(CHECKPOINT_FIELDS)}", line) from None
    if not isinstance(checkpoint.size, int) or isinstance(checkpoint.size, bool) or checkpoint.size < 1:
        raise Flaw("a checkpoint's size is a whole number of leaves", line)
    if not all(isinstance(getattr(checkpoint, f), str) for f in CHECKPOINT_FIELDS[1:]):
        raise Flaw("a checkpoint's fields other than its size are text", line)
    if not _HEX32.fullmatch(checkpoint.root_hash):
        raise Flaw("a checkpoint's root hash is 64 lowercase hex digits", line)
    if not _TIMESTAMP.fullmatch(checkpoint.timestamp) or _seconds(checkpoint.timestamp) is None:
        raise Flaw("a checkpoint's timestamp is a time since 1970 as YYYY-MM-DDTHH:MM:SSZ", line)
    try:
        note = parse_note(checkpoint.note)
        expected = checkpoint_note(checkpoint.origin, checkpoint.size, bytes.fromhex(checkpoint.root_hash))
    except ValueError as e:
        raise Flaw(f"the checkpoint's note: {e}", line) from None
    if checkpoint.note != expected or note.origin != checkpoint.origin:
        raise Flaw("the checkpoint's note does not say its origin, size and root hash", line)
    return checkpoint


def _seconds(timestamp: str) -> int | None:
    """Unix seconds of a YYYY-MM-DDTHH:MM:SSZ time since 1970, or None when it names no such time."""
    try:
        seconds = int(datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _check_signatures(checkpoint: Checkpoint, keys: Keys, line: int | None) -> None:
    listed = keys.get(checkpoint.key_id)
    if listed is None:
        raise Flaw(f"the checkpoint of {checkpoint.size} leaves is signed by key {checkpoint.key_id}, which is not "
                   f"among the keys checked against ({', '.join(sorted(keys)) or 'none'})", line)
    if leaked(checkpoint.key_id):
        raise Flaw(f"the checkpoint of {checkpoint.size} leaves is signed by key {checkpoint.key_id}, which was "
                   "published in the registry's repository: anyone can sign with it, so its signature proves nothing "
                   "(check the log against a checkpoint kept from before: --checkpoint)", line)
    key: VerifyingKey = verifying(listed)
    public = key.public_key
    seconds = _seconds(checkpoint.timestamp)
    assert seconds is not None  # _read_checkpoint let only real times through
    signed = ((checkpoint.note.encode("utf-8"), checkpoint.signature, "note"),
              (timestamp_message(checkpoint.note, seconds), checkpoint.timestamp_signature, "time"))
    for message, signature, what in signed:
        try:
            public.verify(_b64(signature, f"the {what} signature", line or 0), message)
        except InvalidSignature:
            raise Flaw(f"the {what} signature of the checkpoint of {checkpoint.size} leaves does not hold under key "
                       f"{checkpoint.key_id}: it was forged or altered", line) from None
    # The time is signed: a retired key's checkpoint dated after its retirement was not made by the registry.
    if key.valid_until is not None and seconds > key.valid_until.timestamp():
        raise Flaw(f"the checkpoint of {checkpoint.size} leaves ({checkpoint.timestamp}) is signed by key "
                   f"{checkpoint.key_id}, retired at {key.valid_until:%Y-%m-%dT%H:%M:%SZ}: it was not signed "
                   "while the key was current", line)


def _kept(kept: Mapping[str, Any], tree: merkle.Tree, keys: Keys) -> None:
    """The regulator's own checkpoint: genuine, and the export's tree reproduces it and extends it."""
    checkpoint = _read_checkpoint(kept, None)
    _check_signatures(checkpoint, keys, None)
    what = f"the kept checkpoint of {checkpoint.size} leaves ({checkpoint.timestamp})"
    if checkpoint.size > tree.size:
        raise Flaw(f"the export holds {tree.size} entries, fewer than {what} covers: entries were removed")
    root = bytes.fromhex(checkpoint.root_hash)
    proof = merkle.consistency_path(tree.subtree, checkpoint.size, tree.size)
    if tree.root(checkpoint.size) != root or not merkle.verify_consistency(
            checkpoint.size, tree.size, root, tree.root(), proof):
        raise Flaw(f"the export is not consistent with {what}: the log was altered since it was signed")


def read_kept(path: Path) -> dict[str, Any]:
    """A checkpoint a regulator kept: the JSON /api/v1/log/checkpoint served, saved to a file."""
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ValueError(f"cannot read the checkpoint {path}: {e}") from None
    if not isinstance(kept, dict):
        raise ValueError(f"{path} does not hold a checkpoint (a JSON object)")
    return kept
