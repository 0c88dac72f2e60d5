"""A kept checkpoint as a C2SP signed note (``api/checkpoint_notes.py``; R-REC-4): made from the checkpoint's own
signatures, never signed again, and read back with the log's time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.checkpoint_notes import UnknownCheckpointKey, log_verifiers, open_checkpoint, signed_checkpoint
from api.keys import raw_public
from api.signed_note import NoteRefused, SignedNote, cosign, sign
from api.signing import CurrentKey, key_id
from projections.log import sign_checkpoint

ORIGIN = "registry.example.cn/log"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
AT = datetime(2026, 11, 24, 2, 0, 1, tzinfo=UTC)


class Fixed:
    def current(self) -> CurrentKey:
        return CurrentKey(KEY, key_id(KEY.public_key()))


CHECKPOINT = sign_checkpoint(Fixed(), ORIGIN, 3, bytes(range(32)), AT)
KEYS = {CHECKPOINT.key_id: raw_public(KEY.public_key())}
LOG, _ = log_verifiers(ORIGIN, KEY.public_key())


def test_a_kept_checkpoint_is_the_note_its_key_would_sign_with_its_time_as_a_cosignature() -> None:
    seconds = int(AT.timestamp())
    expected = SignedNote(CHECKPOINT.note, (sign(CHECKPOINT.note, ORIGIN, KEY),
                                            cosign(CHECKPOINT.note, ORIGIN, KEY, seconds)))
    assert str(signed_checkpoint(CHECKPOINT, KEYS)) == str(expected)  # Ed25519 is deterministic


def test_the_note_opens_with_the_logs_key_and_says_the_checkpoint_and_its_time() -> None:
    opened = open_checkpoint(str(signed_checkpoint(CHECKPOINT, KEYS)), [LOG])
    assert (opened.origin, opened.size, opened.root, opened.unix_seconds) == (ORIGIN, 3, bytes(range(32)),
                                                                              int(AT.timestamp()))


def test_a_checkpoint_whose_key_is_not_published_has_no_note() -> None:
    with pytest.raises(UnknownCheckpointKey):
        signed_checkpoint(CHECKPOINT, {})


def test_a_note_without_the_logs_time_or_signed_under_another_name_does_not_open() -> None:
    note = signed_checkpoint(CHECKPOINT, KEYS)
    with pytest.raises(NoteRefused, match="both"):
        open_checkpoint(str(SignedNote(note.text, note.signatures[:1])), [LOG])
    elsewhere = replace(CHECKPOINT, origin="elsewhere.example/log")  # the note still says ORIGIN
    renamed = signed_checkpoint(elsewhere, KEYS)
    with pytest.raises(NoteRefused, match="named for its origin"):
        open_checkpoint(str(renamed), [log_verifiers("elsewhere.example/log", KEY.public_key())[0]])
