"""R-REC-4 as C2SP tlog-tiles (issue 26, ``api/tiles.py``, ``api/log_mirror.py``): tile paths as the spec writes
them, the tiles of a tree of each awkward size, and the tree's root recomputed from its tiles alone, by RFC 6962
hashing written out here, equal to the root the log view signs: at sizes 1, 255, 256, 257, 65,536 and 65,537
(partial and full tiles, at levels 0, 1 and 2)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.log_mirror import Mirrored, mirror
from api.tiles import HASH_SIZE, WIDTH, Kept, Tile, TilePathError, bundle, index_path, parse, tiles_of
from projections.log import LogView
from store import open_store
from tests.conftest import view_store_url

SIZES = (1, 255, 256, 257, 65_536, 65_537)


def leaf(i: int) -> bytes:
    return hashlib.sha256(b"\x00" + i.to_bytes(8, "big")).digest()


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LogView]:
    """A log view on SQLite with 65,537 leaves (positions 1, 2, …), appended in a few batches."""
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('tiles') / 'log.db'}")
    view: LogView = store.open_view(LogView, "log")
    view.create_view_tables()
    for start in range(0, max(SIZES), 20_000):
        end = min(start + 20_000, max(SIZES))
        view.append_leaves(range(start + 1, end + 1), [leaf(i) for i in range(start, end)], "Registry:log")
    yield view
    store.close()


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(hashes: list[bytes]) -> bytes:
    """RFC 6962's Merkle tree hash of leaves given by their hashes (split at the largest power of two below the
    count)."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return node(mth(hashes[:k]), mth(hashes[k:]))


def split(data: bytes) -> list[bytes]:
    return [data[i:i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def root_from_tiles(size: int, read: dict[str, bytes]) -> bytes:
    """The root of the tree of ``size`` leaves from its tiles alone, every tile's every hash checked: the level 0
    tiles hold exactly the ``size`` leaf hashes, and each hash of a higher tile is the Merkle tree hash of the full
    tile it stands for, one level down."""
    tiles = list(tiles_of(size))
    leaves = [h for t in tiles if t.level == 0 for h in split(read[t.path])]
    assert len(leaves) == size
    for tile in tiles:
        if tile.level:
            for i, hashed in enumerate(split(read[tile.path])):
                below = read[Tile(tile.level - 1, tile.index * WIDTH + i).path]
                assert len(below) == WIDTH * HASH_SIZE and mth(split(below)) == hashed
    return mth(leaves)


# Paths


@pytest.mark.parametrize(("index", "path"), [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"),
                                             (1234067, "x001/x234/067")])
def test_an_index_is_written_in_groups_of_three_digits_all_but_the_last_prefixed_with_x(index: int, path: str) -> None:
    assert index_path(index) == path
    assert parse(f"0/{path}") == Tile(0, index)
    assert parse(f"entries/{path}.p/17") == Tile(None, index, 17)


@pytest.mark.parametrize("path", ["0/1", "0/0001", "0/x000/001", "0/001.p/0", "0/001.p/256", "0/001.p/017",
                                  "64/000", "01/000", "-1/000", "0/001/", "x/000", "0/x001", "entries/abc", ""])
def test_a_path_tlog_tiles_does_not_allow_is_refused(path: str) -> None:
    with pytest.raises(TilePathError):
        parse(path)


def test_the_tiles_of_a_tree_are_those_the_specification_lists() -> None:
    # "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0 tile of width 112,
    # one full level 1 tile, one partial level 1 tile of width 17, and one partial level 2 tile of width 1"
    tiles = list(tiles_of(70_000))
    assert tiles == [*(Tile(0, n) for n in range(273)), Tile(0, 273, 112), Tile(1, 0), Tile(1, 1, 17), Tile(2, 0, 1)]
    assert list(tiles_of(256)) == [Tile(0, 0), Tile(1, 0, 1)]
    assert list(tiles_of(257, entries=True)) == [Tile(None, 0), Tile(None, 1, 1), Tile(0, 0), Tile(0, 1, 1),
                                                 Tile(1, 0, 1)]
    assert Tile(1, 1, 17).path == "tile/1/001.p/17" and Tile(None, 1234067).path == "tile/entries/x001/x234/067"


def test_an_entry_bundle_is_big_endian_uint16_length_prefixed_entries() -> None:
    assert bundle([b"ab", b"", b"\xff" * 300]) == b"\x00\x02ab" + b"\x00\x00" + b"\x01\x2c" + b"\xff" * 300
    with pytest.raises(ValueError, match="65535"):
        bundle([b"x" * 65_536])


# The tree from its tiles


@pytest.mark.parametrize("size", SIZES)
def test_the_root_recomputed_from_the_tiles_alone_is_the_root_the_log_signs(log: LogView, size: int) -> None:
    read = {}
    for tile in tiles_of(size):
        level, start, end = tile.nodes()
        read[tile.path] = log.hashes(level, start, end)
        assert len(read[tile.path]) == tile.width * HASH_SIZE
    assert root_from_tiles(size, read) == log.root(size)


def test_a_tile_beyond_the_tree_has_fewer_hashes_than_it_names(log: LogView) -> None:
    level, start, end = Tile(0, 256, 2).nodes()  # leaves 65,536 and 65,537: the tree has 65,537
    assert len(log.hashes(level, start, end)) == HASH_SIZE


def test_a_mirror_holds_every_tile_of_the_checkpoint_and_keeps_what_it_has_when_run_again(
        log: LogView, tmp_path: Path) -> None:
    done = mirror(log, None, tmp_path, "note\n", 65_537)
    files = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert files == {t.path for t in tiles_of(65_537)} | {"checkpoint"}
    assert done.written == len(files) - 1 and done.kept == 0
    read = {t.path: (tmp_path / t.path).read_bytes() for t in tiles_of(65_537)}
    assert root_from_tiles(65_537, read) == log.root(65_537)
    assert mirror(log, None, tmp_path, "note 2\n", 65_537) == Mirrored(65_537, written=0, kept=len(files) - 1)
    assert (tmp_path / "checkpoint").read_text() == "note 2\n"
    smaller = mirror(log, None, tmp_path, "note 3\n", 65_535)  # an earlier checkpoint's tree: its own partial tiles
    assert smaller.written == 2
    assert (tmp_path / "tile/0/255.p/255").stat().st_size == 255 * 32
    assert (tmp_path / "tile/1/000.p/255").stat().st_size == 255 * 32


def test_the_tiles_kept_in_memory_stay_within_their_budget_the_most_recently_served_kept() -> None:
    kept = Kept(budget=3 * 8192)
    for n in range(3):
        kept.keep(Tile(0, n), bytes(8192))
    assert kept.get(Tile(0, 0)) is not None  # now the most recent
    kept.keep(Tile(0, 3), bytes(8192))
    assert kept.get(Tile(0, 1)) is None and kept.get(Tile(0, 0)) is not None and kept.get(Tile(0, 3)) is not None


# Tiles read for the API, gathered (store.TileReader)


@pytest.fixture(params=["sqlite", "postgres"])
def small_log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, LogView]]:
    """A store and its log view of 600 leaves, on SQLite and on PostgreSQL (a schema of its own)."""
    store = open_store(view_store_url(request, tmp_path))
    view: LogView = store.open_view(LogView, "log")
    view.create_view_tables()
    view.append_leaves(range(1, 601), [leaf(i) for i in range(600)], "Registry:log")
    yield store, view
    store.close()


def test_tiles_read_at_once_are_each_the_hashes_the_view_holds(small_log: tuple[Any, LogView]) -> None:
    store, view = small_log
    wanted = [*tiles_of(600), Tile(0, 2, 88), Tile(0, 2, 100), Tile(0, 3), Tile(1, 0, 3)]  # one twice; three beyond

    async def read_all() -> list[bytes | None]:
        reader = store.tile_reader(view)
        await reader.open()
        try:
            return list(await asyncio.gather(*(reader.get(t.nodes()) for t in wanted)))
        finally:
            await reader.close()

    read = asyncio.run(read_all())
    for tile, data in zip(wanted, read, strict=True):
        expected = view.hashes(*tile.nodes())
        assert (data or b"") == expected, tile
    assert [len(data or b"") // HASH_SIZE for data in read] == [256, 256, 88, 2, 88, 88, 0, 2]
