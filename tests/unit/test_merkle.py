"""R-REC-4: RFC 9162 Merkle hashing and proofs, against Certificate Transparency's published vectors and, for every
tree size up to 64, against the RFC's recursive definitions taken literally."""

from __future__ import annotations

import pytest

from registry.merkle import (
    EMPTY_ROOT,
    RightEdge,
    Tree,
    consistency_path,
    inclusion_path,
    leaf_hash,
    node_hash,
    root_from_inclusion,
    split,
    verify_consistency,
)

CT_ENTRIES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                         "606162636465666768696a6b6c6d6e6f")]
CT_ROOTS = [  # the tree heads of the first n entries, n = 0..8 (RFC 6962 / Certificate Transparency test data)
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = {  # (0-based leaf index, tree size): audit path
    (0, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (5, 8): ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
}


def ct_tree() -> Tree:
    tree = Tree()
    for entry in CT_ENTRIES:
        tree.append(leaf_hash(entry))
    return tree


# The RFC's definitions, literally (RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1), for the cross-check.

def mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = split(len(leaves))
    return path(m, leaves[:k]) + [mth(leaves[k:])] if m < k else path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = split(n)
    if m <= k:
        return subproof(m, leaves[:k], whole) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


LEAVES = [leaf_hash(i.to_bytes(2, "big")) for i in range(64)]


@pytest.fixture(scope="module")
def tree64() -> Tree:
    tree = Tree()
    for leaf in LEAVES:
        tree.append(leaf)
    return tree


def test_r_rec_4_roots_match_the_published_tree_heads() -> None:
    tree = ct_tree()
    assert [tree.root(n).hex() for n in range(9)] == CT_ROOTS


@pytest.mark.parametrize(("index", "size"), sorted(CT_INCLUSION))
def test_r_rec_4_inclusion_proofs_match_the_published_ones(index: int, size: int) -> None:
    tree = ct_tree()
    proof = inclusion_path(tree.subtree, index, size)
    assert [p.hex() for p in proof] == CT_INCLUSION[(index, size)]
    assert root_from_inclusion(index, size, leaf_hash(CT_ENTRIES[index]), proof) == tree.root(size)


def test_r_rec_4_every_root_equals_the_rfc_definition_up_to_64(tree64: Tree) -> None:
    for n in range(65):
        assert tree64.root(n) == mth(LEAVES[:n])


def test_r_rec_4_every_inclusion_proof_up_to_64_verifies_and_equals_the_rfc_path(tree64: Tree) -> None:
    for n in range(1, 65):
        root = tree64.root(n)
        for m in range(n):
            proof = inclusion_path(tree64.subtree, m, n)
            assert proof == path(m, LEAVES[:n])
            assert root_from_inclusion(m, n, LEAVES[m], proof) == root
            if proof:  # a flipped byte anywhere leads elsewhere
                bad = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
                assert root_from_inclusion(m, n, LEAVES[m], bad) != root
            assert root_from_inclusion(m, n, LEAVES[(m + 1) % n], proof) != root or n == 1


def test_r_rec_4_every_consistency_proof_up_to_64_verifies_and_equals_the_rfc_proof(tree64: Tree) -> None:
    for n in range(1, 65):
        second = tree64.root(n)
        for m in range(1, n + 1):
            proof = consistency_path(tree64.subtree, m, n)
            assert proof == subproof(m, LEAVES[:n], True)
            first = tree64.root(m)
            assert verify_consistency(m, n, first, second, proof)
            assert not verify_consistency(m, n, bytes(32), second, proof)
            if proof:
                tampered = [*proof[:-1], bytes([proof[-1][0] ^ 1]) + proof[-1][1:]]
                assert not verify_consistency(m, n, first, second, tampered)
                assert not verify_consistency(m, n, first, second, proof[:-1])


def test_r_rec_4_a_tree_rewritten_in_the_middle_is_not_consistent_with_its_past(tree64: Tree) -> None:
    forged = Tree()
    for i, leaf in enumerate(LEAVES[:40]):
        forged.append(leaf_hash(b"altered") if i == 7 else leaf)
    proof = consistency_path(forged.subtree, 20, 40)
    assert not verify_consistency(20, 40, tree64.root(20), forged.root(40), proof)


def test_r_rec_4_out_of_range_requests_are_refused(tree64: Tree) -> None:
    with pytest.raises(ValueError):
        inclusion_path(tree64.subtree, 64, 64)
    with pytest.raises(ValueError):
        consistency_path(tree64.subtree, 0, 5)
    with pytest.raises(ValueError):
        root_from_inclusion(1, 8, LEAVES[1], inclusion_path(tree64.subtree, 1, 8)[:-1])


def test_r_rec_4_the_right_edge_appends_the_same_subtrees_and_root_as_the_tree(tree64: Tree) -> None:
    edge, completed = RightEdge(), list[tuple[int, int, bytes]]()
    for size in range(1, 65):
        edge.append(tree64.levels[0][size - 1], completed)
        assert edge.root() == tree64.root(size)
        resumed = RightEdge(size, dict(edge.hashes))  # as a store reloads it after a restart
        assert resumed.root() == edge.root()
    assert RightEdge().root() == EMPTY_ROOT
    for level, index, digest in completed:
        assert tree64.levels[level][index] == digest
    assert len(completed) == sum(len(level) for level in tree64.levels)


def test_r_rec_4_a_right_edge_that_does_not_fit_its_size_is_refused() -> None:
    with pytest.raises(ValueError, match="right edge"):
        RightEdge(3, {0: b"\x00" * 32})


@pytest.mark.parametrize("batches", [[64], [1] * 64, [3, 5, 1, 7, 16, 32], [2, 30, 1, 1, 30], [63, 1]])
def test_r_rec_4_extending_in_batches_equals_appending_one_by_one(tree64: Tree, batches: list[int]) -> None:
    leaves = tree64.levels[0]
    edge, tree, start = RightEdge(), Tree(), 0
    completed: list[tuple[int, int, bytes]] = []
    for size in batches:
        completed += edge.extend(leaves[start:start + size])
        tree.extend(leaves[start:start + size])
        start += size
        assert edge.root() == tree.root() == tree64.root(start)
    assert tree.levels == tree64.levels
    assert sorted(completed) == sorted((h, i, d) for h, level in enumerate(tree64.levels) for i, d in enumerate(level))
