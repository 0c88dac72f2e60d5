"""``registry log mirror DIR`` (R-REC-4; https://c2sp.org/tlog-tiles): the log's latest checkpoint and every tile
of its tree, as static files that any web server or object store serves as they are::

    DIR/checkpoint                 the signed note (GET /log/checkpoint)
    DIR/tile/<L>/<N>[.p/<W>]       the hash tiles of the checkpoint's tree (``api/tiles.py``)
    DIR/tile/entries/<N>[.p/<W>]   with ``--entries`` only: the entry bundles (private facts: a regulator's mirror)

Tiles are written before the checkpoint, each file whole (written aside, then renamed), so a mirror served while it
is brought up to date never names a tile it lacks. A tile's bytes never change (a partial one's path names its
width), so a tile already in the folder is kept and not read again: mirroring again after the log grew writes only
the new tiles and the checkpoint.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.tiles import HASH_SIZE, Tile, bundle, entries, tiles_of

TILES_PER_READ = 256  # tiles read in one query: 65,536 hashes (2 MB), or 65,536 entries


@dataclass(frozen=True)
class Mirrored:
    """What a mirror holds: the checkpoint's tree size, the tiles written now and those kept from before."""

    size: int
    written: int
    kept: int


def mirror(log: Any, recorder: Any, folder: Path, note: str, size: int, with_entries: bool = False) -> Mirrored:
    """Writes the tiles of the tree of ``size`` leaves (and with ``with_entries`` its entry bundles), then ``note``,
    the signed checkpoint of that size, into ``folder``."""
    todo: list[list[Tile]] = []
    kept = 0
    for group in _reads(tiles_of(size, with_entries)):
        missing = [tile for tile in group if not (folder / tile.path).exists()]
        kept += len(group) - len(missing)
        if missing:
            todo.append(missing)
    # The database reads the next group while this one's files are written (each about half the time).
    with ThreadPoolExecutor(max_workers=1) as ahead:
        reading = ahead.submit(_read, log, recorder, todo[0]) if todo else None
        for i, tiles in enumerate(todo):
            assert reading is not None
            read = reading.result()
            reading = ahead.submit(_read, log, recorder, todo[i + 1]) if i + 1 < len(todo) else None
            start = tiles[0].nodes()[1]
            for tile in tiles:
                _, first, last = tile.nodes()
                first, last = first - start, last - start  # within what was read
                _write(folder / tile.path, bundle(read[first:last]) if isinstance(read, list)
                       else read[first * HASH_SIZE:last * HASH_SIZE])
    _write(folder / "checkpoint", note.encode("utf-8"))
    return Mirrored(size, sum(map(len, todo)), kept)


def _read(log: Any, recorder: Any, tiles: list[Tile]) -> bytes | list[bytes]:
    """What consecutive tiles of one level are made of, read at once: their hashes, or the entries of bundles."""
    level, start, _ = tiles[0].nodes()
    end = tiles[-1].nodes()[2]
    if tiles[0].level is None:
        found = entries(log, recorder, start, end)
        complete = len(found) == end - start
    else:
        hashes = log.hashes(level, start, end)
        complete = len(hashes) == (end - start) * HASH_SIZE
    if not complete:
        raise RuntimeError(f"the log view lacks some of {tiles[0].path}…: is it caught up with the checkpoint?")
    return found if tiles[0].level is None else hashes


def _reads(tiles: Iterator[Tile]) -> Iterator[list[Tile]]:
    """The tiles in groups read with one query each: consecutive tiles of one level, at most ``TILES_PER_READ``."""
    for _, same_level in itertools.groupby(tiles, key=lambda tile: tile.level):
        while group := list(itertools.islice(same_level, TILES_PER_READ)):
            yield group


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.part")
    aside.write_bytes(data)
    os.replace(aside, path)
