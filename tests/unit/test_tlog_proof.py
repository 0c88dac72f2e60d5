"""The C2SP tlog-proof text (``api/tlog_proof.py``; R-REC-4, issue 26): written as the spec's example is laid out,
read back whole, and refused when its form is not the spec's."""

from __future__ import annotations

import base64

import pytest

from api.tlog_proof import HEADER, MalformedProof, parse_tlog_proof, tlog_proof

CHECKPOINT = ("example.com/fancylog\n109482\nsFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n\n"
              "— example.com/fancylog hI2DJw==\n")
PATH = (bytes(range(32)), bytes(range(32, 64)))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_a_proof_is_the_header_its_index_its_path_a_line_each_an_empty_line_and_the_checkpoint() -> None:
    proof = tlog_proof(73894, PATH, CHECKPOINT)

    assert proof.text == f"{HEADER}\nindex 73894\n{b64(PATH[0])}\n{b64(PATH[1])}\n\n{CHECKPOINT}"
    assert parse_tlog_proof(proof.text) == proof
    assert tlog_proof(0, (), CHECKPOINT).text == f"{HEADER}\nindex 0\n\n{CHECKPOINT}"  # a tree of one leaf


def test_the_specs_example_with_its_extra_line_reads_and_its_extra_is_kept_apart() -> None:
    text = (f"{HEADER}\nextra YWdlLXYx\nindex 73894\ngSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n"
            f"B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=\n\n{CHECKPOINT}")

    proof = parse_tlog_proof(text)

    assert (proof.index, len(proof.path), proof.extra, proof.checkpoint) == (73894, 2, b"age-v1", CHECKPOINT)
    assert proof.text == text


@pytest.mark.parametrize("text", [
    f"c2sp.org/tlog-proof@v2\nindex 1\n\n{CHECKPOINT}",  # another version
    f"{HEADER}\nindex 1\n{CHECKPOINT}",  # no empty line before the checkpoint
    f"{HEADER}\n{b64(PATH[0])}\n\n{CHECKPOINT}",  # no index
    f"{HEADER}\nindex 01\n\n{CHECKPOINT}",  # a leading zero
    f"{HEADER}\nindex -1\n\n{CHECKPOINT}",
    f"{HEADER}\nindex 1\n{b64(bytes(31))}\n\n{CHECKPOINT}",  # not a SHA-256 hash
    f"{HEADER}\nindex 1\n{b64(PATH[0])[:-2]}9=\n\n{CHECKPOINT}",  # unused bits set: not its one spelling
])
def test_what_is_not_a_tlog_proof_is_refused(text: str) -> None:
    with pytest.raises(MalformedProof):
        parse_tlog_proof(text)
