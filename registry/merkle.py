"""RFC 9162 Merkle trees over the event log (R-REC-4): hashing, inclusion and consistency proofs, verification.

Hashing (RFC 9162 §2.1.1): a leaf is SHA-256(0x00 ‖ entry), an interior node SHA-256(0x01 ‖ left ‖ right), the
empty tree SHA-256(""). A tree of n leaves splits at k, the largest power of two smaller than n. Leaf indexes are
0-based.

The tree is read through ``subtree(start, end)``, the hash of the leaves ``[start, end)``; every range the
algorithms ask for is either a perfect subtree (aligned, a power of two long) or splits into them, so a store that
keeps the hashes of perfect subtrees answers any proof in O(log n) lookups. ``Tree`` keeps them in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

Subtree = Callable[[int, int], bytes]
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    sha256 = hashlib.sha256
    return [sha256(b"\x00" + e).digest() for e in entries]


def _parents(nodes: list[bytes], start: int, end: int) -> list[bytes]:
    """The hashes of the pairs (start, start + 1), (start + 2, start + 3), … of ``nodes`` before ``end``."""
    sha256 = hashlib.sha256
    return [sha256(b"\x01" + nodes[i] + nodes[i + 1]).digest() for i in range(start, end - 1, 2)]


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(perfect: Subtree, start: int, end: int) -> bytes:
    """MTH of the leaves [start, end), from the hashes of perfect subtrees."""
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and start % n == 0:
        return perfect(start, end)
    k = split(n)
    return node_hash(range_hash(perfect, start, start + k), range_hash(perfect, start + k, end))


def perfect_reads(compute: Callable[[Subtree], object]) -> list[tuple[int, int]]:
    """The perfect subtrees ``compute`` reads through the lookup it is given, in order: a store fetches them all
    in one query, then runs ``compute`` again over what it fetched."""
    read: list[tuple[int, int]] = []

    def record(start: int, end: int) -> bytes:
        read.append((start, end))
        return EMPTY_ROOT

    compute(record)
    return read


def inclusion_path(subtree: Subtree, index: int, size: int) -> list[bytes]:
    """RFC 9162 §2.1.3.1: the audit path of leaf ``index`` in the tree of ``size`` leaves."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            path.append(subtree(start + k, end))
            end = start + k
        else:
            path.append(subtree(start, start + k))
            start += k
    return path[::-1]


def consistency_path(subtree: Subtree, first: int, second: int) -> list[bytes]:
    """RFC 9162 §2.1.4.1: the proof that the tree of ``first`` leaves is a prefix of the tree of ``second``."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    proof: list[bytes] = []
    m, start, end, whole = first, 0, second, True
    while True:
        n = end - start
        if m == n:
            if not whole:
                proof.append(subtree(start, end))
            break
        k = split(n)
        if m <= k:
            proof.append(subtree(start + k, end))
            end = start + k
        else:
            proof.append(subtree(start, start + k))
            m -= k
            start += k
            whole = False
    return proof[::-1]


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2: the root a leaf and its audit path lead to (compare it with the known root)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ValueError("the audit path is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("the audit path is too short")
    return r


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: whether ``proof`` shows the first tree is a prefix of the second."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root is itself a node of the second tree
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


class RightEdge:
    """The hashes of the perfect subtrees along a tree's right edge, one per set bit of its size: all that
    appending needs, O(log n) of memory. Each append reports the perfect subtrees it completes, for a store."""

    def __init__(self, size: int = 0, hashes: dict[int, bytes] | None = None) -> None:
        expected = {h for h in range(size.bit_length()) if size >> h & 1}
        if set(hashes or {}) != expected:
            raise ValueError(f"a tree of {size} leaves has a right edge at levels {sorted(expected)}")
        self.size = size
        self.hashes = dict(hashes or {})  # level → the perfect subtree of 2**level leaves ending the tree there

    def append(self, leaf: bytes, completed: list[tuple[int, int, bytes]]) -> None:
        """Adds a leaf hash; appends (level, index, hash) of the leaf and of each subtree it completes."""
        level, index, current = 0, self.size, leaf
        completed.append((0, index, leaf))
        while index & 1:
            current = node_hash(self.hashes.pop(level), current)
            level, index = level + 1, index >> 1
            completed.append((level, index, current))
        self.hashes[level] = current
        self.size += 1

    def extend(self, leaves: list[bytes]) -> list[tuple[int, int, bytes]]:
        """Adds leaf hashes; answers (level, index, hash) of each and of every subtree they complete. Level by
        level, each level's hashes in one pass: about half the interpreter's work of appending one by one."""
        completed = list(zip([0] * len(leaves), range(self.size, self.size + len(leaves)), leaves, strict=True))
        level, start, nodes = 0, self.size, leaves
        self.size += len(leaves)
        while nodes:
            pending = self.hashes.pop(level, None)
            if pending is not None:  # the left sibling waiting on the edge (an even index)
                nodes, start = [pending, *nodes], start - 1
            if len(nodes) & 1:
                self.hashes[level] = nodes[-1]
            nodes = _parents(nodes, 0, len(nodes))
            level, start = level + 1, start >> 1
            completed.extend(zip([level] * len(nodes), range(start, start + len(nodes)), nodes, strict=True))
        return completed

    def root(self) -> bytes:
        """MTH of the whole tree: its right edge folded from the smallest subtree up."""
        root: bytes | None = None
        for level in sorted(self.hashes):
            root = self.hashes[level] if root is None else node_hash(self.hashes[level], root)
        return EMPTY_ROOT if root is None else root


class Tree:
    """A Merkle tree kept in memory, appended to in O(log n): it stores the hash of every perfect subtree."""

    def __init__(self) -> None:
        self.levels: list[list[bytes]] = [[]]  # levels[h][i]: the perfect subtree of 2**h leaves at i * 2**h

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, leaf: bytes) -> None:
        self.levels[0].append(leaf)
        height, index = 0, self.size - 1
        while index & 1:  # this leaf completes a perfect subtree one level up
            if len(self.levels) == height + 1:
                self.levels.append([])
            level = self.levels[height]
            self.levels[height + 1].append(node_hash(level[index - 1], level[index]))
            height, index = height + 1, index >> 1

    def extend(self, leaves: list[bytes]) -> None:
        """Adds leaf hashes, each level's new subtrees in one pass."""
        self.levels[0].extend(leaves)
        height = 0
        while len(self.levels[height]) >= 2:
            if len(self.levels) == height + 1:
                self.levels.append([])
            lower, upper = self.levels[height], self.levels[height + 1]
            if len(upper) == len(lower) // 2:
                break
            upper.extend(_parents(lower, 2 * len(upper), len(lower)))
            height += 1

    def perfect(self, start: int, end: int) -> bytes:
        height = (end - start).bit_length() - 1
        return self.levels[height][start >> height]

    def subtree(self, start: int, end: int) -> bytes:
        return range_hash(self.perfect, start, end)

    def root(self, size: int | None = None) -> bytes:
        return self.subtree(0, self.size if size is None else size)
