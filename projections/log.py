"""The Merkle log read model (R-REC-4): the hash of every perfect subtree over the event log, and the signed
checkpoints.

Each stored event is a leaf (its entry: ``registry/entries.py``). Appending a leaf writes its hash and the hash of
every perfect subtree it completes, one per level on average, from the right edge of the tree held in memory:
O(log n) per event, never a recomputation. Leaves and their tracking position are one transaction, like every
view's, so a crash loses or doubles nothing. Any root or proof reads O(log n) stored hashes, in one query.

Checkpoints are kept in a table of their own that a rebuild does not empty and no one may update or delete
(R-REC-2): a rebuilt tree must reproduce every root ever signed, and ``verify_checkpoints`` says whether it does.
The witnesses' cosignatures of them are kept the same way beside them (``projections.cosignatures``).
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol

from eventsourcing.persistence import Tracking

from projections.cosignatures import Cosignatures
from registry.entries import checkpoint_note, entry_of, timestamp_message
from registry.merkle import (
    RightEdge,
    Subtree,
    consistency_path,
    inclusion_path,
    leaf_hashes,
    perfect_reads,
    range_hash,
)
from store import Cursor


class LogError(ValueError):
    """A proof or range asked of the log that it cannot give (a size beyond the tree, a position not in it)."""


class NotInTree(LogError):
    """No event at that log position is a leaf of the tree (yet)."""


class LogMismatch(RuntimeError):
    """The tree does not reproduce a root that was signed: the log, or the view, is not what it was."""


class SigningKey(Protocol):
    """One Ed25519 key, as it is at one moment."""

    @property
    def key_id(self) -> str: ...

    def sign(self, data: bytes) -> bytes: ...


class CheckpointKey(Protocol):
    """What signs checkpoints (``api.signing.Signer`` with use ``checkpoint``): its key can be rotated by another
    process, so a checkpoint takes the key as it is once, and makes its note's and its time's signatures with it."""

    def current(self) -> SigningKey: ...


@dataclass(frozen=True)
class Checkpoint:
    """A signed checkpoint, as ``GET /api/v1/log/checkpoint`` serves it (hashes hex, signatures base64)."""

    size: int
    root_hash: str
    timestamp: str  # ISO 8601 UTC, whole seconds: the time the timestamp signature covers
    key_id: str
    origin: str
    note: str
    signature: str
    timestamp_signature: str

    @property
    def unix_seconds(self) -> int:
        return int(datetime.fromisoformat(self.timestamp).timestamp())

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Witnessing(Protocol):
    """What sends the signed checkpoints to witnesses, in the background (``api.witnessing``): started and stopped
    with the signing, told of each new checkpoint; it never holds the signing or the views up."""

    def start(self, log: LogView) -> None: ...

    def signed(self, checkpoint: Checkpoint) -> None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class Checkpointing:
    """Who signs the log's checkpoints, under which origin, how often at most (seconds), and who witnesses them."""

    key: CheckpointKey
    origin: str
    interval: float = 1.0
    witnessing: Witnessing | None = None


def sign_checkpoint(signer: CheckpointKey, origin: str, size: int, root: bytes, at: datetime) -> Checkpoint:
    """The checkpoint of the tree of ``size`` leaves with ``root``, as of ``at``. The key is taken after the time
    was: a key retired since is never used for a time after its retirement (``api/keys.py``)."""
    note = checkpoint_note(origin, size, root)
    seconds = int(at.timestamp())
    key = signer.current()
    b64 = base64.b64encode
    return Checkpoint(size=size, root_hash=root.hex(),
                      timestamp=datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z"),
                      key_id=key.key_id, origin=origin, note=note,
                      signature=b64(key.sign(note.encode("utf-8"))).decode("ascii"),
                      timestamp_signature=b64(key.sign(timestamp_message(note, seconds))).decode("ascii"))


def _tables(blob: str) -> dict[str, str]:
    return {
        "log_leaves": "leaf_index BIGINT PRIMARY KEY, position BIGINT NOT NULL UNIQUE",
        # level 0 holds the leaves' hashes; (level, idx) is the perfect subtree of the leaves
        # [idx * 2**level, (idx + 1) * 2**level)
        "log_nodes": f"level INTEGER NOT NULL, idx BIGINT NOT NULL, hash {blob} NOT NULL, PRIMARY KEY (level, idx)",
    }


CHECKPOINT_FIELDS = ("size", "root_hash", "timestamp", "key_id", "origin", "note", "signature", "timestamp_signature")
CHECKPOINT_COLUMNS = ", ".join(CHECKPOINT_FIELDS)


class LogView(Cosignatures):
    name = "log"
    tables: ClassVar[dict[str, str]] = _tables("{binary}")

    _edge: tuple[int, RightEdge] | None = None  # (last position, right edge) as last written

    def create_view_tables(self) -> None:
        super().create_view_tables()
        with self.cursor(commit=True) as curs:
            curs.execute(f"CREATE TABLE IF NOT EXISTS {self.table('log_checkpoints')} (size BIGINT PRIMARY KEY, "
                         "root_hash TEXT NOT NULL, timestamp TEXT NOT NULL, key_id TEXT NOT NULL, "
                         "origin TEXT NOT NULL, note TEXT NOT NULL, signature TEXT NOT NULL, "
                         "timestamp_signature TEXT NOT NULL)")
        self.dialect.append_only(self.datastore, ("log_checkpoints",))

    def clear(self) -> None:
        super().clear()  # the leaves and nodes; the checkpoints stay, for the rebuilt tree to be checked against
        self._edge = None

    # Writing

    def append(self, notifications: Sequence[Any], tracking_name: str) -> None:
        """Appends stored events (``Notification``s, in log order, after the last leaf) as leaves, with the
        tracking position of the last, in one transaction."""
        if notifications:
            self.append_leaves([n.id for n in notifications],
                               leaf_hashes(entry_of(n).encode() for n in notifications), tracking_name)

    def append_leaves(self, positions: Sequence[int], hashes: Sequence[bytes], tracking_name: str) -> None:
        """Appends leaves, given as the stored events' log positions and leaf hashes (in log order, after the last
        leaf), with the tracking position of the last, in one transaction."""
        if not positions:
            return
        with self.tracked(Tracking(tracking_name, positions[-1])) as curs:
            if self.dialect.writes_first:  # the store cannot upgrade a reading transaction while another writes
                curs.execute(f"DELETE FROM {self.table('log_leaves')} WHERE leaf_index < 0")
            last, stored = self._right_edge(curs)
            edge = RightEdge(stored.size, stored.hashes)  # a copy: the stored edge stays as it is until commit
            if positions[0] <= last or any(a >= b for a, b in itertools.pairwise(positions)):
                raise LogError(f"日志位置 {positions[0]}…{positions[-1]} 未按顺序接在最后一个叶（{last}）之后 / "
                               f"log positions {positions[0]}…{positions[-1]} do not follow the last leaf's ({last}) "
                               "in order")
            leaves = list(zip(range(edge.size, edge.size + len(positions)), positions, strict=True))
            nodes = edge.extend(list(hashes))
            last = positions[-1]
            curs.insert_rows(self.table("log_leaves"), ("leaf_index", "position"), leaves)
            curs.insert_rows(self.table("log_nodes"), ("level", "idx", "hash"), nodes)
        self._edge = (last, edge)

    def _right_edge(self, curs: Cursor) -> tuple[int, RightEdge]:
        """The last leaf's position and the tree's right edge as stored (what is held in memory is used only
        while it matches the table)."""
        curs.execute(f"SELECT leaf_index, position FROM {self.table('log_leaves')} ORDER BY leaf_index DESC LIMIT 1")
        row = curs.fetchone()
        size, last = (int(row[0]) + 1, int(row[1])) if row else (0, 0)
        if self._edge is not None and self._edge[0] == last and self._edge[1].size == size:
            return self._edge
        wanted = [(h, (size >> h) - 1) for h in range(size.bit_length()) if size >> h & 1]
        found = self._nodes(curs, wanted)
        self._edge = (last, RightEdge(size, {h: found[(h, i)] for h, i in wanted}))
        return self._edge

    def _nodes(self, curs: Cursor, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        wanted = list(dict.fromkeys(wanted))
        if not wanted:
            return {}
        condition, params = self.dialect.pairs_in(("level", "idx"), wanted)
        curs.execute(f"SELECT level, idx, hash FROM {self.table('log_nodes')} WHERE {condition}", params)
        found = {(int(lv), int(i)): bytes(h) for lv, i, h in curs.fetchall()}
        if len(found) != len(wanted):
            raise LogMismatch(f"the log view is missing {len(wanted) - len(found)} stored subtree hashes")
        return found

    def add_checkpoint(self, checkpoint: Checkpoint) -> Checkpoint:
        """Keeps a checkpoint; when one of that size is kept already (another process signed it first), that
        one stays and is answered."""
        with self.cursor(commit=True) as curs:
            curs.execute(self.dialect.insert_or_ignore(self.table("log_checkpoints"), CHECKPOINT_FIELDS, "size"),
                         list(asdict(checkpoint).values()))
        kept = self.checkpoint(checkpoint.size)
        assert kept is not None
        return kept

    # Reading

    # Every hash once written never changes, so its reads need no snapshot of their own (``View.reading``).

    def size(self) -> int:
        with self.reading() as curs:
            curs.execute(f"SELECT MAX(leaf_index) FROM {self.table('log_leaves')}")
            row = curs.fetchone()
        return int(row[0]) + 1 if row and row[0] is not None else 0

    def _compute(self, curs: Cursor, compute: Callable[[Subtree], Any]) -> Any:
        """Runs a tree computation over the stored perfect subtrees, read in one query."""
        reads = perfect_reads(compute)
        keys = {(s, e): ((e - s).bit_length() - 1, s >> ((e - s).bit_length() - 1)) for s, e in reads}
        found = self._nodes(curs, keys.values())
        return compute(lambda s, e: found[keys[(s, e)]])

    def _check_size(self, size: int, curs: Cursor, position: int = 0) -> int | None:
        """Refuses a size beyond the tree; answers the leaf index of the event at ``position``, if in it."""
        leaves = self.table("log_leaves")
        curs.execute(f"SELECT (SELECT MAX(leaf_index) FROM {leaves}), "
                     f"(SELECT leaf_index FROM {leaves} WHERE position = %s)", (position,))
        row = curs.fetchone()
        assert row is not None
        have = int(row[0]) + 1 if row[0] is not None else 0
        if not 0 <= size <= have:
            raise LogError(f"树有 {have} 个叶，不存在 {size} 个叶的树 / "
                           f"the tree has {have} leaves; there is no tree of {size}")
        return None if row[1] is None else int(row[1])

    def root(self, size: int) -> bytes:
        with self.reading() as curs:
            self._check_size(size, curs)
            root: bytes = self._compute(curs, lambda perfect: range_hash(perfect, 0, size))
        return root

    def inclusion(self, position: int, size: int) -> tuple[int, bytes, list[bytes]]:
        """The leaf index and hash of the event at log ``position`` and its audit path in the tree of ``size``."""
        return self.prove_inclusion(position, size)[:3]

    def prove_inclusion(self, position: int, size: int) -> tuple[int, bytes, list[bytes], bytes]:
        """``inclusion``, and the root the path leads to: two queries in one transaction."""
        with self.reading() as curs:
            index = self._check_size(size, curs, position)
            if index is None:
                raise NotInTree(f"日志位置 {position} 的事件（尚）不在树中 / "
                                f"no event at log position {position} is in the tree (yet)")
            if index >= size:
                raise NotInTree(f"日志位置 {position} 的事件是第 {index} 个叶，不在 {size} 个叶的树中 / "
                                f"the event at log position {position} is leaf {index}, not in a tree of {size}")
            proof: tuple[int, bytes, list[bytes], bytes] = self._compute(curs, lambda perfect: (
                index, perfect(index, index + 1),
                inclusion_path(lambda s, e: range_hash(perfect, s, e), index, size), range_hash(perfect, 0, size)))
        return proof

    def consistency(self, first: int, second: int) -> list[bytes]:
        return self.prove_consistency(first, second)[0]

    def prove_consistency(self, first: int, second: int) -> tuple[list[bytes], bytes, bytes]:
        """The consistency proof from ``first`` to ``second`` and both roots: two queries in one transaction."""
        if not 0 < first <= second:
            raise LogError(f"一致性证明须从至少 1 个叶的树到不小于它的树，不能从 {first} 到 {second} / "
                           f"a consistency proof goes from a tree of 1 or more leaves to one as large or larger, "
                           f"not from {first} to {second}")
        with self.reading() as curs:
            self._check_size(second, curs)
            proof: tuple[list[bytes], bytes, bytes] = self._compute(curs, lambda perfect: (
                consistency_path(lambda s, e: range_hash(perfect, s, e), first, second),
                range_hash(perfect, 0, first), range_hash(perfect, 0, second)))
        return proof

    def leaves(self, start: int, end: int) -> list[tuple[int, int, bytes]]:
        """(leaf index, position, leaf hash) of the leaves [start, end)."""
        with self.reading() as curs:
            curs.execute(f"SELECT l.leaf_index, l.position, n.hash FROM {self.table('log_leaves')} l JOIN "
                         f"{self.table('log_nodes')} n ON n.level = 0 AND n.idx = l.leaf_index "
                         "WHERE l.leaf_index >= %s AND l.leaf_index < %s ORDER BY l.leaf_index", (start, end))
            return [(int(i), int(p), bytes(h)) for i, p, h in curs.fetchall()]

    def hashes(self, level: int, start: int, end: int) -> bytes:
        """The stored hashes of the perfect subtrees of 2^``level`` leaves with indexes [start, end), concatenated in
        order, as many as the tree has (a C2SP tile's bytes, or many tiles': ``api/tiles.py``)."""
        where = f"FROM {self.table('log_nodes')} WHERE level = %s AND idx >= %s AND idx < %s"
        together = self.dialect.bytes_agg("hash", "idx")
        with self.reading() as curs:
            if together is not None:
                curs.execute(f"SELECT {together} {where}", (level, start, end))
                row = curs.fetchone()
                return bytes(row[0]) if row and row[0] is not None else b""
            curs.execute(f"SELECT hash {where} ORDER BY idx", (level, start, end))
            return b"".join(bytes(row[0]) for row in curs.fetchall())

    def checkpoint(self, size: int | None = None) -> Checkpoint | None:
        """The kept checkpoint of ``size`` leaves, or the latest."""
        where, params = ("WHERE size = %s", [size]) if size is not None else ("", [])
        with self.reading() as curs:
            curs.execute(f"SELECT {CHECKPOINT_COLUMNS} FROM {self.table('log_checkpoints')} {where} "
                         "ORDER BY size DESC LIMIT 1", params)
            row = curs.fetchone()
        return Checkpoint(int(row[0]), *row[1:]) if row else None

    def checkpoints(self, after_size: int = 0, up_to: int | None = None, limit: int | None = None) -> list[Checkpoint]:
        """The kept checkpoints of more than ``after_size`` and at most ``up_to`` leaves, smallest first."""
        sql = f"SELECT {CHECKPOINT_COLUMNS} FROM {self.table('log_checkpoints')} WHERE size > %s"
        params: list[int] = [after_size]
        if up_to is not None:
            sql += " AND size <= %s"
            params.append(up_to)
        sql += " ORDER BY size"
        if limit is not None:
            sql += " LIMIT %s"
            params.append(limit)
        with self.reading() as curs:
            curs.execute(sql, params)
            return [Checkpoint(int(r[0]), *r[1:]) for r in curs.fetchall()]

    def leaves_through(self, position: int) -> int:
        """How many leaves the tree needs to include the event at log ``position`` (and all before it)."""
        with self.reading() as curs:
            curs.execute(f"SELECT MAX(leaf_index) FROM {self.table('log_leaves')} WHERE position <= %s", (position,))
            row = curs.fetchone()
        return int(row[0]) + 1 if row and row[0] is not None else 0

    def make_checkpoint(self, key: CheckpointKey, origin: str, now: datetime) -> Checkpoint | None:
        """Signs and keeps a checkpoint of the tree as it is, if it has grown since the latest; answers it."""
        size = self.size()
        latest = self.checkpoint()
        if size == 0 or (latest is not None and latest.size >= size):
            return None
        if latest is not None and int(now.timestamp()) < latest.unix_seconds:
            now = datetime.fromtimestamp(latest.unix_seconds, UTC)  # time never runs backwards between checkpoints
        return self.add_checkpoint(sign_checkpoint(key, origin, size, self.root(size), now))

    def verify_checkpoints(self) -> None:
        """Raises ``LogMismatch`` naming the first kept checkpoint whose root the tree does not reproduce, or
        that covers more leaves than the tree holds. Call it when the view has caught up with the whole log."""
        size = self.size()
        for checkpoint in self.checkpoints():
            if checkpoint.size > size:
                raise LogMismatch(f"R-REC-4: the log holds {size} events, fewer than the checkpoint of "
                                  f"{checkpoint.size} leaves ({checkpoint.timestamp}) was signed over: events were "
                                  "removed")
            if self.root(checkpoint.size).hex() != checkpoint.root_hash:
                raise LogMismatch(f"R-REC-4: the log no longer reproduces the root signed in the checkpoint of "
                                  f"{checkpoint.size} leaves ({checkpoint.timestamp})")
