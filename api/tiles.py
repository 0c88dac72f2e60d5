"""The Merkle log (R-REC-4) as C2SP tlog-tiles (https://c2sp.org/tlog-tiles): the static resources a mirror
serves and a verifier nobody here wrote reads (Go's ``golang.org/x/mod/sumdb/tlog``, tile height 8).

A *hash tile* ``tile/<L>/<N>`` is 256 consecutive Merkle tree hashes of level ``8·L``: hash ``i`` is the root of the
leaves ``[(256·N + i)·256^L, (256·N + i + 1)·256^L)``. The log view stores every perfect subtree's hash (``log_nodes``,
by level and index), so a tile is a range of one level's rows, read and never computed. The rightmost tiles of a tree
are *partial*, ``tile/<L>/<N>.p/<W>`` with 1 ≤ W ≤ 255 hashes; a tile's bytes never change once it exists, partial
or full. An *entry bundle* ``tile/entries/<N>[.p/<W>]`` holds the entries that level 0's tile ``N`` hashes, each as a
big-endian uint16 length and its bytes; entries hold private facts, so bundles are for regulators only.

``<N>`` is written in 3-digit groups, all but the last prefixed with ``x``: 1234067 is ``x001/x234/067``.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from registry.entries import entry_of

HEIGHT = 8
WIDTH = 1 << HEIGHT  # hashes in a full tile, entries in a full bundle
HASH_SIZE = 32
MAX_LEVEL = 63
ENTRIES = "entries"
MAX_ENTRY = 0xFFFF  # an entry bundle's length prefix is 16 bits
MEDIA_TYPE = "application/octet-stream"
# A tile's bytes never change once it exists (a partial tile's path names its width), so a cache may keep it for good.
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"}

_GROUP = re.compile(r"x\d{3}")
_LAST = re.compile(r"\d{3}")
_WIDTH = re.compile(r"[1-9]\d{0,2}")
_LEVEL = re.compile(r"0|[1-9]\d?")


class TilePathError(ValueError):
    """A path that names no tile (C2SP tlog-tiles' grammar)."""


@dataclass(frozen=True)
class Tile:
    """A hash tile (``level`` 0…63) or an entry bundle (``level`` None), ``index`` within its level, ``width``
    hashes or entries (256: full)."""

    level: int | None
    index: int
    width: int = WIDTH

    @property
    def partial(self) -> bool:
        return self.width < WIDTH

    @property
    def path(self) -> str:
        level = ENTRIES if self.level is None else str(self.level)
        return f"tile/{level}/{index_path(self.index)}{f'.p/{self.width}' if self.partial else ''}"

    def nodes(self) -> tuple[int, int, int]:
        """(level in the tree, first index, end index) of the stored hashes this tile is made of."""
        level = 0 if self.level is None else HEIGHT * self.level
        return level, WIDTH * self.index, WIDTH * self.index + self.width


def index_path(n: int) -> str:
    """``n`` as tlog-tiles writes it: zero-padded 3-digit groups, all but the last prefixed with ``x``."""
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def parse(path: str) -> Tile:
    """The tile a path after ``tile/`` names (``0/x001/234``, ``entries/005.p/17``); ``TilePathError`` when the path
    is not one tlog-tiles allows (leading zeros, a width of 0 or 256, a level above 63, …)."""
    level_text, _, rest = path.partition("/")
    if level_text == ENTRIES:
        level: int | None = None
    elif _LEVEL.fullmatch(level_text) and int(level_text) <= MAX_LEVEL:
        level = int(level_text)
    else:
        raise TilePathError(f"不是瓦片层级 / not a tile level: {level_text[:20]!r}")
    width = WIDTH
    if ".p/" in rest:
        rest, _, width_text = rest.partition(".p/")
        if not _WIDTH.fullmatch(width_text) or not 1 <= int(width_text) < WIDTH:
            raise TilePathError(f"部分瓦片宽度须为 1 至 255 / a partial tile's width is 1 to 255: {width_text[:20]!r}")
        width = int(width_text)
    groups = rest.split("/")
    if len(groups) > 7 or not _LAST.fullmatch(groups[-1]) or not all(_GROUP.fullmatch(g) for g in groups[:-1]):
        raise TilePathError(f"不是瓦片序号 / not a tile index: {rest[:40]!r}")
    index = 0
    for group in groups:
        index = index * 1000 + int(group.lstrip("x"))
    if index_path(index) != rest:  # one spelling per index: x000/001 is not 001
        raise TilePathError(f"瓦片序号写法不规范 / not the canonical tile index: {rest[:40]!r}")
    return Tile(level, index, width)


def tiles_of(size: int, entries: bool = False) -> Iterator[Tile]:
    """Every hash tile of the tree of ``size`` leaves, level by level, full ones then the partial one (if any), and
    with ``entries`` its entry bundles, first."""
    if entries:
        yield from (Tile(None, n) for n in range(size // WIDTH))
        if size % WIDTH:
            yield Tile(None, size // WIDTH, size % WIDTH)
    level, span = 0, 1
    while size >= span:
        hashes = size // span  # perfect subtrees of 256^level leaves
        yield from (Tile(level, n) for n in range(hashes // WIDTH))
        if hashes % WIDTH:
            yield Tile(level, hashes // WIDTH, hashes % WIDTH)
        level, span = level + 1, span * WIDTH


def bundle(entries: Iterable[bytes]) -> bytes:
    """An entry bundle: each entry as its big-endian uint16 length and its bytes."""
    out = bytearray()
    for entry in entries:
        if len(entry) > MAX_ENTRY:
            raise ValueError(f"an entry of {len(entry)} bytes does not fit an entry bundle (at most {MAX_ENTRY})")
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def entries(log: Any, recorder: Any, start: int, end: int) -> list[bytes]:
    """The entries (``registry/entries.py``) of the leaves [start, end) as far as the tree has them, in leaf
    order: the events at the leaves' positions, read in one query."""
    leaves = log.leaves(start, end)
    if not leaves:
        return []
    stored = recorder.select_notifications(leaves[0][1], len(leaves), stop=leaves[-1][1])
    return [entry_of(notification).encode() for _, notification in zip(leaves, stored, strict=True)]


class Kept:
    """The tiles served last, up to ``budget`` bytes, most recently served kept: a tile's bytes never change, so a
    kept one is always right, and the tiles asked for most (the tree's right edge, which every new checkpoint's
    verifier reads) are answered without a query. Used by one event loop: no lock."""

    def __init__(self, budget: int = 32 * 1024 * 1024) -> None:
        self.budget = budget
        self._kept: OrderedDict[Tile, bytes] = OrderedDict()
        self._size = 0

    def get(self, tile: Tile) -> bytes | None:
        data = self._kept.get(tile)
        if data is not None:
            self._kept.move_to_end(tile)
        return data

    def keep(self, tile: Tile, data: bytes) -> None:
        if tile in self._kept or len(data) > self.budget:
            return
        self._kept[tile] = data
        self._size += len(data)
        while self._size > self.budget:
            _, dropped = self._kept.popitem(last=False)
            self._size -= len(dropped)
