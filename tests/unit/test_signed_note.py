"""C2SP signed notes and cosignature/v1 lines (``api/signed_note.py``; R-REC-4: the log's checkpoints are such notes).

The fixed vector below comes from Go's ``golang.org/x/mod/sumdb/note`` (v0.7.0, Debian's golang-golang-x-mod-dev),
unmodified, run on 2026-12-03 with the Ed25519 key whose seed is the bytes 0, 1, …, 31::

    priv := ed25519.NewKeyFromSeed(seed)                        // seed[i] = byte(i)
    vkey, _ := note.NewEd25519VerifierKey("registry.example.cn/log", priv.Public().(ed25519.PublicKey))
    signer, _ := note.NewSigner("PRIVATE+KEY+registry.example.cn/log+c999e978+" + base64(0x01 ‖ seed))
    msg, _ := note.Sign(&note.Note{Text: TEXT}, signer)

Ed25519 is deterministic, so the same key signs the same text into the same bytes here. Go's note knows no
cosignature/v1; those lines are checked against the layout tlog-cosignature specifies, written out in the test.
"""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api import signed_note as sn
from api.keys import raw_public

NAME = "registry.example.cn/log"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
TEXT = "registry.example.cn/log\n3\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
GO_VKEY = "registry.example.cn/log+c999e978+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
GO_NOTE = (TEXT + "\n— registry.example.cn/log yZnpeAjADCgYuvFqIncIpExTJp9u6yJu5pPhe5EajLylhv2eE+DMVQ+GD4HVGQoKCAizK/"
           "cjXQGPvVyHCyoq0cf71QU=\n")
LOG = sn.verifier(NAME, KEY.public_key())
TIME = sn.verifier(NAME, KEY.public_key(), sn.COSIGNATURE_V1)


def signed(seconds: int = 1_790_000_000) -> str:
    return str(sn.SignedNote(TEXT, (sn.sign(TEXT, NAME, KEY), sn.cosign(TEXT, NAME, KEY, seconds))))


def test_the_key_id_and_verifier_key_are_those_go_derives() -> None:
    assert LOG.key_id.hex() == "c999e978"
    assert LOG.vkey == GO_VKEY
    assert sn.parse_verifier_key(GO_VKEY) == LOG


def test_a_note_signed_here_is_byte_for_byte_the_note_go_signs() -> None:
    assert str(sn.SignedNote(TEXT, (sn.sign(TEXT, NAME, KEY),))) == GO_NOTE
    opened = sn.open_note(GO_NOTE.encode("utf-8"), [LOG])
    assert opened.text == TEXT and [v for v, _ in opened.verified] == [LOG]


def test_a_cosignature_v1_line_is_the_time_then_ed25519_over_the_header_the_time_and_the_text() -> None:
    line = sn.cosign(TEXT, NAME, KEY, 1_790_000_000).line
    assert line.startswith(f"— {NAME} ")
    raw = base64.b64decode(line.split(" ")[2])
    public = KEY.public_key()
    assert raw[:4] == hashlib.sha256(NAME.encode() + b"\n\x04" + raw_public(public)).digest()[:4]
    assert struct.unpack(">Q", raw[4:12]) == (1_790_000_000,)
    public.verify(raw[12:], b"cosignature/v1\ntime 1790000000\n" + TEXT.encode())
    assert len(raw) == 4 + 8 + 64


def test_parsing_and_opening_round_trip_with_the_logs_signature_and_its_time() -> None:
    note = signed()
    assert str(sn.parse(note)) == note
    opened = sn.open_note(note, [LOG, TIME])
    signature = opened.by(TIME)
    assert signature is not None and signature.timestamp == 1_790_000_000
    assert opened.by(LOG) is not None and opened.unverified == ()


def test_signatures_of_unknown_keys_are_ignored_but_one_known_key_must_have_signed() -> None:
    witness = Ed25519PrivateKey.generate()
    note = str(sn.parse(signed()).adding(sn.cosign(TEXT, "witness.example/w1", witness, 1_790_000_001)))
    opened = sn.open_note(note, [LOG])
    assert [s.name for s in opened.unverified] == [NAME, "witness.example/w1"]  # the time line, and the witness
    other = sn.verifier(NAME, Ed25519PrivateKey.generate().public_key())  # same name, another key: unknown
    with pytest.raises(sn.NoteRefused, match="no signature of a known key"):
        sn.open_note(note, [other])
    assert sn.parse(note).adding(sn.cosign(TEXT, "witness.example/w1", witness, 1_790_000_001)) == sn.parse(note)


def test_a_known_keys_signature_that_fails_refuses_the_whole_note() -> None:
    forged = sn.Signature(NAME, LOG.key_id, bytes(64))
    note = str(sn.SignedNote(TEXT, (sn.sign(TEXT, NAME, KEY), forged)))
    with pytest.raises(sn.NoteRefused, match="does not hold"):
        sn.open_note(note, [LOG])


def test_changing_any_one_byte_of_the_note_refuses_it_or_loses_the_signature_it_changed() -> None:
    note = signed().encode("utf-8")
    for at in range(len(note)):
        altered = note[:at] + bytes([note[at] ^ 0x01]) + note[at + 1:]
        try:
            opened = sn.open_note(altered, [LOG, TIME])
        except (sn.NoteRefused, sn.MalformedNote):
            continue
        # A changed name or key id makes a line some other key's, which a reader ignores (C2SP): it then lacks it.
        assert at > len(TEXT) and (opened.by(LOG) is None or opened.by(TIME) is None), at


@pytest.mark.parametrize("note", [
    TEXT,  # no signatures
    TEXT + "\n",  # a blank line and nothing after it
    GO_NOTE.replace("— ", "- "),  # a hyphen for the em dash
    GO_NOTE.replace("— ", "—"),
    GO_NOTE[:-1],  # the last line cut short of its newline
    GO_NOTE.replace(f"— {NAME}", "— registry.example.cn/log+x"),  # a '+' in the name
    GO_NOTE.replace(f"— {NAME} ", "— registry example "),  # a space in it
    GO_NOTE.replace("QU=\n", "QV=\n"),  # base64 Go accepts, but not canonical
    GO_NOTE.replace("QU=\n", "Q!=\n"),
    GO_NOTE.replace("yZnpeAjADCgY", "yZnp\teAjADCgY"),
    GO_NOTE.replace("\n3\n", "\n3\r\n"),  # a control character
    f"{TEXT}\n— {NAME} AAAA\n",  # shorter than a key id and a signature
    TEXT + "\n" + f"— {NAME} {base64.b64encode(bytes(68)).decode()}\n" * 101,
])
def test_malformed_notes_are_refused(note: str) -> None:
    with pytest.raises(sn.MalformedNote):
        sn.open_note(note, [LOG])


def test_bytes_that_are_not_utf8_are_refused() -> None:
    with pytest.raises(sn.MalformedNote, match="UTF-8"):
        sn.parse(GO_NOTE.encode("utf-8").replace(b"3", b"\xff", 1))


@pytest.mark.parametrize("vkey", [
    GO_VKEY.replace("+c999e978+", "+c999e979+"),  # not the key's id
    GO_VKEY.replace("+AQ", "+Ag"),
    "registry.example.cn/log+c999e978",
    "+c999e978+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4",
])
def test_a_verifier_key_that_does_not_name_its_key_is_refused(vkey: str) -> None:
    with pytest.raises(sn.MalformedNote):
        sn.parse_verifier_key(vkey)
