"""R-REC-4 on both real stores: the log view's Merkle tree over the event log, its proofs, its exactly-once appends
and its signed checkpoints, which a rebuild must reproduce; and R-REC-2 for the kept checkpoints (issue 7).

Every root, proof and node is checked against an in-memory ``merkle.Tree`` built from the stored events themselves
(``entry_of(notification).encode()``), never against the view's own answers.
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.exceptions import InvalidSignature

from api.signing import Signer
from demo.scenario import Staff, Walk
from projections.log import Checkpoint, Checkpointing, LogError, LogMismatch, LogView, NotInTree
from projections.runner import ProjectionFailed, Views, open_views
from registry.application import Registry
from registry.clock import FixedClock
from registry.entries import checkpoint_note, entry_of, parse_note, timestamp_message
from registry.merkle import EMPTY_ROOT, Tree, root_from_inclusion, verify_consistency
from store import Cursor
from tests.integration.conftest import OpenRegistry

ORIGIN = "example.org/log"
ALL = 1_000_000


# Helpers

@pytest.fixture
def opened() -> Iterator[list[Views]]:
    """Views opened by a test, closed after it (each holds connections of its own)."""
    views: list[Views] = []
    yield views
    for v in views:
        v.log.datastore.close()
        v.public.datastore.close()


@pytest.fixture
def signer(tmp_path: Path) -> Signer:
    return Signer(tmp_path / "c.key", "http://x", uses=("checkpoint",))


@pytest.fixture
def checkpointing(signer: Signer) -> Checkpointing:
    return Checkpointing(signer, ORIGIN, 0.1)


def views_of(app: Registry, opened: list[Views], checkpointing: Checkpointing | None = None) -> Views:
    views = open_views(app, checkpointing=checkpointing)
    opened.append(views)
    return views


def certify(app: Registry, staff: Staff, certificates: int = 1) -> None:
    """Whole lifecycles, application to certificate (26 events each; with the staff's 10, 36 leaves for one)."""
    for _ in range(certificates):
        Walk(app, staff, date(2026, 3, 2)).to_certificate()


def stored(app: Registry) -> list[Any]:
    """Every stored event, in log order, as the store reads it."""
    return list(app.recorder.select_notifications(1, ALL))


def reference(notifications: Sequence[Any]) -> Tree:
    """The tree of the stored events, in memory, each leaf hashed here from the entry's bytes."""
    tree = Tree()
    for n in notifications:
        tree.append(hashlib.sha256(b"\x00" + entry_of(n).encode()).digest())
    return tree


def nodes(log: LogView) -> list[tuple[int, int, bytes]]:
    """Every stored subtree hash, (level, index, hash) in order."""
    with log.cursor() as curs:
        curs.execute(f"SELECT level, idx, hash FROM {log.table('log_nodes')} ORDER BY level, idx")
        return [(int(lv), int(i), bytes(h)) for lv, i, h in curs.fetchall()]


def all_nodes(tree: Tree) -> list[tuple[int, int, bytes]]:
    """Every perfect subtree of ``tree``: exactly what the view should have stored."""
    return [(h, i, node) for h, level in enumerate(tree.levels) for i, node in enumerate(level)]


def direct(app: Registry) -> tuple[Any, str, str]:
    """A connection of our own (autocommit), and the names of the event log's and the checkpoints' tables."""
    database = app.store
    if database.kind == "sqlite":
        conn = sqlite3.connect(database.env["SQLITE_DBNAME"], isolation_level=None)
        return conn, app.recorder.events_table_name, "log_checkpoints"  # type: ignore[attr-defined]
    e = database.env
    pg = psycopg.connect(host=e["POSTGRES_HOST"], port=e["POSTGRES_PORT"], dbname=e["POSTGRES_DBNAME"],
                         user=e["POSTGRES_USER"], password=e["POSTGRES_PASSWORD"], autocommit=True)
    schema = f'"{database.schema}"'
    return pg, f"{schema}.{app.recorder.events_table_name}", f"{schema}.log_checkpoints"  # type: ignore[attr-defined]


def tamper(app: Registry, notification: Any, state: bytes | None) -> None:
    """Rewrites one stored event's state underneath the registry, or with ``None`` removes the event: possible only
    with the append-only triggers (R-REC-2) out of the way."""
    conn, events, _ = direct(app)
    try:
        if app.store.kind == "sqlite":
            if state is None:
                conn.execute(f"DROP TRIGGER {events}_no_delete")
                cur = conn.execute(f"DELETE FROM {events} WHERE rowid = ?", (notification.id,))
            else:
                conn.execute(f"DROP TRIGGER {events}_no_update")
                cur = conn.execute(f"UPDATE {events} SET state = ? WHERE rowid = ?", (state, notification.id))
        else:
            conn.execute(f"ALTER TABLE {events} DISABLE TRIGGER append_only")
            if state is None:
                cur = conn.execute(f"DELETE FROM {events} WHERE notification_id = %s", (notification.id,))
            else:
                cur = conn.execute(f"UPDATE {events} SET state = %s WHERE notification_id = %s",
                                   (state, notification.id))
        assert cur.rowcount == 1
    finally:
        conn.close()


def verify_signatures(checkpoint: Checkpoint, signer: Signer) -> None:
    """The checkpoint's note and time are signed by ``signer``'s key (raises ``InvalidSignature`` if not)."""
    key = signer.public_key
    key.verify(base64.b64decode(checkpoint.signature, validate=True), checkpoint.note.encode("utf-8"))
    key.verify(base64.b64decode(checkpoint.timestamp_signature, validate=True),
               timestamp_message(checkpoint.note, checkpoint.unix_seconds))


# The tree

def test_r_rec_4_the_root_at_every_size_is_the_tree_of_the_stored_events(app: Registry, staff: Staff,
                                                                         opened: list[Views]) -> None:
    certify(app, staff)
    views = views_of(app, opened)
    assert views.catch_up() == views.head()
    notifications = stored(app)
    tree = reference(notifications)
    n = len(notifications)
    assert n == views.head() > 33  # past a power of two and one more

    assert views.log.size() == n
    assert views.log.root(0) == EMPTY_ROOT
    for size in range(1, n + 1):
        assert views.log.root(size) == tree.root(size), f"the root of the first {size} leaves"
    assert views.log.leaves(0, n) == [(i, notif.id, tree.levels[0][i]) for i, notif in enumerate(notifications)]
    assert views.log.leaves_through(notifications[9].id) == 10
    with pytest.raises(LogError, match=f"the tree has {n} leaves"):
        views.log.root(n + 1)


def test_r_rec_4_every_inclusion_proof_leads_to_the_root(app: Registry, staff: Staff, opened: list[Views]) -> None:
    certify(app, staff)
    views = views_of(app, opened)
    views.catch_up()
    notifications = stored(app)
    tree = reference(notifications)
    n = len(notifications)

    for size in sorted({1, 2, 3, 7, 8, 13, 16, 17, 32, 33, n - 1, n}):
        root = tree.root(size)
        for index, notification in enumerate(notifications[:size]):
            got_index, leaf, path, proved_root = views.log.prove_inclusion(notification.id, size)
            assert (got_index, leaf) == (index, tree.levels[0][index])
            assert root_from_inclusion(index, size, leaf, path) == root == proved_root, (index, size)
            assert views.log.inclusion(notification.id, size) == (index, leaf, path)
        if size < n:  # the next event is not in a tree of this size
            with pytest.raises(NotInTree):
                views.log.inclusion(notifications[size].id, size)
    # a path proves its own leaf only
    index, leaf, path = views.log.inclusion(notifications[5].id, n)
    assert root_from_inclusion(index, n, tree.levels[0][6], path) != tree.root()
    with pytest.raises(NotInTree):
        views.log.inclusion(notifications[-1].id + 1000, n)
    with pytest.raises(LogError):
        views.log.inclusion(notifications[0].id, n + 1)


def test_r_rec_4_every_consistency_proof_verifies(app: Registry, staff: Staff, opened: list[Views]) -> None:
    certify(app, staff)
    views = views_of(app, opened)
    views.catch_up()
    tree = reference(stored(app))
    n = tree.size
    pairs = [(m, k) for k in range(1, n + 1) for m in range(1, k + 1)]  # every pair

    for first, second in pairs:
        proof, first_root, second_root = views.log.prove_consistency(first, second)
        assert (first_root, second_root) == (tree.root(first), tree.root(second))
        assert verify_consistency(first, second, tree.root(first), tree.root(second), proof), (first, second)
    # a proof does not pass for another tree
    proof = views.log.consistency(5, n)
    assert not verify_consistency(5, n, tree.root(6), tree.root(), proof)
    assert not verify_consistency(5, n, tree.root(5), tree.root(n - 1), proof)
    for first, second in ((0, 3), (4, 3), (1, n + 1)):
        with pytest.raises(LogError):
            views.log.consistency(first, second)


# Appending, exactly once

def test_r_rec_4_appending_in_batches_of_any_size_stores_the_same_nodes(app: Registry, staff: Staff,
                                                                       opened: list[Views]) -> None:
    certify(app, staff)
    notifications = stored(app)
    expected = all_nodes(reference(notifications))
    views = views_of(app, opened)
    other = views_of(app, opened).log  # a second process's view of the same tables

    def appended(sizes: list[int], tracking: str) -> list[tuple[int, int, bytes]]:
        """Empties the tree, then appends every event in batches of ``sizes`` (over and over), through the two
        views by turns."""
        views.log.clear()
        at, turn = 0, 0
        while at < len(notifications):
            size = sizes[turn % len(sizes)]
            (views.log, other)[turn % 2].append(notifications[at:at + size], tracking)
            at, turn = at + size, turn + 1
        assert views.log.size() == len(notifications)
        return nodes(views.log)

    assert appended([1], "one-by-one") == expected
    assert appended([len(notifications)], "all-at-once") == expected
    assert appended([2, 1, 5, 8, 3, 16, 1, 4], "varied") == expected
    assert appended([7, 9, 1, 31, 14], "odd") == expected
    assert appended([32, 1], "a-power-of-two-first") == expected
    views.log.append([], "nothing")  # an empty batch is nothing
    assert nodes(views.log) == expected


def test_r_rec_4_a_batch_out_of_order_is_refused_and_writes_nothing(app: Registry, staff: Staff,
                                                                   opened: list[Views]) -> None:
    certify(app, staff)
    views = views_of(app, opened)
    notifications = stored(app)
    views.log.append(notifications[:10], views.log_tracking_name)
    before = nodes(views.log)

    for batch in (notifications[9:12],  # the last leaf again
                  notifications[5:8],  # before it
                  [notifications[10], notifications[12], notifications[11]],  # out of order
                  [notifications[10], notifications[10]]):  # twice
        with pytest.raises(LogError, match="do not follow"):
            views.log.append(batch, views.log_tracking_name)
        assert nodes(views.log) == before
        assert views.log_position() == notifications[9].id
    with pytest.raises(ProjectionFailed, match=f"stopped before log position {notifications[3].id}"):
        views.process_log(notifications[3:5])

    views.catch_up()
    assert views.log.root(len(notifications)) == reference(notifications).root()


@pytest.mark.parametrize("fails_at", ["nodes", "tracking"])
def test_r_rec_4_a_batch_failing_midway_writes_nothing_and_the_next_catch_up_completes(
        app: Registry, staff: Staff, opened: list[Views], monkeypatch: pytest.MonkeyPatch, fails_at: str) -> None:
    certify(app, staff)
    views = views_of(app, opened)
    notifications = stored(app)
    views.log.append(notifications[:13], views.log_tracking_name)
    before, position = nodes(views.log), views.log_position()
    calls: list[str] = []

    if fails_at == "nodes":  # after the leaves are written, at the nodes
        cursor = type(views.log.dialect.cursor(None))  # the store's cursor class
        insert_rows = cursor.insert_rows

        def failing(self: Cursor, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
            calls.append(table)
            if "log_nodes" in table:
                raise RuntimeError("the disk is full")
            insert_rows(self, table, columns, rows)

        monkeypatch.setattr(cursor, "insert_rows", failing)
    else:  # after the leaves and nodes are written, at the tracking position
        def no_tracking(curs: Any, tracking: Any) -> None:
            calls.append("tracking")
            raise RuntimeError("the connection dropped")

        monkeypatch.setattr(views.log, "_insert_tracking", no_tracking)

    with pytest.raises(ProjectionFailed, match=f"stopped before log position {notifications[13].id}"):
        views.catch_up()
    # it did fail midway: the leaves (and at the tracking position, the nodes too) were written in the transaction
    if fails_at == "nodes":
        assert "log_leaves" in calls[-2] and "log_nodes" in calls[-1]
    else:  # the batch, then its first event alone (a failed batch is done again event by event)
        assert calls == ["tracking", "tracking"]

    assert nodes(views.log) == before
    assert views.log.size() == 13
    assert views.log_position() == position
    monkeypatch.undo()

    assert views.catch_up() == len(notifications) - 13
    tree = reference(notifications)
    assert nodes(views.log) == all_nodes(tree)
    assert views.log.root(tree.size) == tree.root()
    assert views.log_position() == notifications[-1].id


# Checkpoints

def test_r_rec_4_a_checkpoint_is_signed_over_the_note_and_its_time(app: Registry, staff: Staff, signer: Signer,
                                                                  checkpointing: Checkpointing,
                                                                  opened: list[Views]) -> None:
    views = views_of(app, opened, checkpointing)
    assert views.checkpoint() is None  # an empty tree has none (the staff are not in the tree yet)
    certify(app, staff)
    views.catch_up()
    tree = reference(stored(app))
    assert views_of(app, opened).checkpoint() is None  # no key, no checkpoint
    assert views.log.checkpoints() == []

    checkpoint = views.checkpoint()

    assert checkpoint is not None
    assert checkpoint.size == tree.size
    assert checkpoint.root_hash == tree.root().hex()
    assert checkpoint.origin == ORIGIN
    assert checkpoint.key_id == signer.key_id
    assert checkpoint.note == checkpoint_note(ORIGIN, tree.size, tree.root())
    assert parse_note(checkpoint.note).root == tree.root()
    assert checkpoint.timestamp == "2026-11-24T04:00:00Z"  # the registry's clock, whole seconds
    assert checkpoint.unix_seconds == int(app.clock.now().timestamp())
    verify_signatures(checkpoint, signer)
    other = Signer(signer.key_path.with_name("other.key"), "http://x", uses=("checkpoint",))
    with pytest.raises(InvalidSignature):
        verify_signatures(checkpoint, other)
    with pytest.raises(InvalidSignature):  # the time signature covers the time
        signer.public_key.verify(base64.b64decode(checkpoint.timestamp_signature),
                                 timestamp_message(checkpoint.note, checkpoint.unix_seconds + 1))

    assert views.checkpoint() is None  # the tree has not grown
    assert views.log.checkpoints() == [checkpoint]
    assert views.log.checkpoint() == checkpoint == views.log.checkpoint(tree.size)
    assert views.log.checkpoint(tree.size - 1) is None


def test_r_rec_4_a_checkpoint_after_a_restart_is_consistent_with_the_one_before(
        app: Registry, staff: Staff, signer: Signer, checkpointing: Checkpointing, open_registry: OpenRegistry,
        clock: FixedClock, opened: list[Views]) -> None:
    certify(app, staff)
    views = views_of(app, opened, checkpointing)
    views.catch_up()
    first = views.checkpoint()
    assert first is not None
    app.close()

    clock.advance(seconds=90)
    again = open_registry()
    restarted = views_of(again, opened, Checkpointing(Signer(signer.key_path, "http://x", uses=("checkpoint",)),
                                                      ORIGIN, 0.1))
    certify(again, staff)
    assert restarted.catch_up() == restarted.head() - first.size
    second = restarted.checkpoint()

    assert second is not None
    tree = reference(stored(again))
    assert (second.size, second.root_hash) == (tree.size, tree.root().hex())
    assert second.size > first.size
    assert second.unix_seconds == first.unix_seconds + 90
    assert second.key_id == first.key_id
    verify_signatures(second, signer)
    proof = restarted.log.consistency(first.size, second.size)
    assert verify_consistency(first.size, second.size, bytes.fromhex(first.root_hash),
                              bytes.fromhex(second.root_hash), proof)
    assert restarted.log.checkpoints() == [first, second]
    assert restarted.log.checkpoints(after_size=first.size) == [second]
    assert restarted.log.checkpoints(up_to=second.size - 1) == [first]


def test_r_rec_4_checkpoint_time_never_runs_backwards(app: Registry, staff: Staff, checkpointing: Checkpointing,
                                                      signer: Signer, clock: FixedClock,
                                                      opened: list[Views]) -> None:
    views = views_of(app, opened, checkpointing)
    certify(app, staff)
    views.catch_up()
    first = views.checkpoint()
    assert first is not None
    clock.advance(days=-1)
    certify(app, staff)
    views.catch_up()

    second = views.checkpoint()

    assert second is not None
    assert second.timestamp == first.timestamp
    verify_signatures(second, signer)


def test_r_rec_4_a_checkpoint_of_a_size_already_kept_keeps_the_first(app: Registry, staff: Staff, signer: Signer,
                                                                     checkpointing: Checkpointing, clock: FixedClock,
                                                                     opened: list[Views]) -> None:
    certify(app, staff)
    views = views_of(app, opened, checkpointing)
    views.catch_up()
    first = views.checkpoint()
    assert first is not None
    from projections.log import sign_checkpoint

    clock.advance(seconds=5)
    late = sign_checkpoint(signer, ORIGIN, first.size, bytes.fromhex(first.root_hash), clock.now())
    assert late != first

    assert views_of(app, opened).log.add_checkpoint(late) == first  # another process signed the same size first
    assert views.log.checkpoints() == [first]


def test_r_rec_4_a_rebuild_keeps_the_checkpoints_and_reproduces_their_roots(
        app: Registry, staff: Staff, checkpointing: Checkpointing, opened: list[Views]) -> None:
    views = views_of(app, opened, checkpointing)
    certify(app, staff)
    views.catch_up()
    first = views.checkpoint()
    certify(app, staff)
    views.catch_up()
    second = views.checkpoint()
    assert first is not None and second is not None
    before = nodes(views.log)
    roots = [views.log.root(size) for size in range(second.size + 1)]

    assert views.rebuild() == views.head()

    assert views.log.checkpoints() == [first, second]
    assert nodes(views.log) == before
    assert [views.log.root(size) for size in range(second.size + 1)] == roots
    assert views.log.root(first.size).hex() == first.root_hash
    assert views.checkpoint() is None  # nothing new to sign


def test_r_rec_4_a_rebuild_over_a_tampered_log_names_the_checkpoint_it_no_longer_reproduces(
        app: Registry, staff: Staff, checkpointing: Checkpointing, clock: FixedClock, opened: list[Views]) -> None:
    views = views_of(app, opened, checkpointing)
    certify(app, staff)
    views.catch_up()
    first = views.checkpoint()
    clock.advance(seconds=30)
    certify(app, staff)
    views.catch_up()
    second = views.checkpoint()
    assert first is not None and second is not None
    views.log.verify_checkpoints()  # as it is, the log reproduces both

    # an event after the first checkpoint, before the second: still decodable, one name changed
    notifications = stored(app)
    victim = next(n for n in notifications[first.size:second.size] if b'"name":"' in n.state)
    tamper(app, victim, bytes(victim.state).replace(b'"name":"', b'"name":"X', 1))

    with pytest.raises(LogMismatch, match=f"R-REC-4: .* checkpoint of {second.size} leaves \\({second.timestamp}\\)"):
        views.rebuild()
    assert views.log.root(first.size).hex() == first.root_hash  # the first still holds
    assert views.log.checkpoints() == [first, second]  # and both are kept, the evidence with them


def test_r_rec_4_a_rebuild_over_a_log_tampered_before_every_checkpoint_names_the_first(
        app: Registry, staff: Staff, checkpointing: Checkpointing, clock: FixedClock, opened: list[Views]) -> None:
    views = views_of(app, opened, checkpointing)
    certify(app, staff)
    views.catch_up()
    first = views.checkpoint()
    assert first is not None
    victim = stored(app)[0]
    assert b'"name":"' in victim.state

    tamper(app, victim, bytes(victim.state).replace(b'"name":"', b'"name":"X', 1))

    with pytest.raises(LogMismatch, match=f"checkpoint of {first.size} leaves"):
        views.rebuild()


# R-REC-2: the checkpoints are append-only

def test_r_rec_2_the_database_refuses_to_change_or_remove_a_checkpoint(
        app: Registry, staff: Staff, checkpointing: Checkpointing, opened: list[Views]) -> None:
    views = views_of(app, opened, checkpointing)
    certify(app, staff)
    views.catch_up()
    kept = views.checkpoint()
    assert kept is not None
    statements = ["UPDATE {table} SET root_hash = '00'", "UPDATE {table} SET size = size + 1000",
                  "DELETE FROM {table}", f"DELETE FROM {{table}} WHERE size = {kept.size}"]
    if app.store.kind == "postgres":
        statements.append("TRUNCATE {table}")
    conn, _, table = direct(app)
    try:
        for statement in statements:
            with pytest.raises((sqlite3.DatabaseError, psycopg.Error), match="R-REC-2"):
                conn.execute(statement.format(table=table))
    finally:
        conn.close()
    assert views.log.checkpoints() == [kept]
    views.rebuild()  # and a rebuild, which empties the tree, leaves them be
    assert views.log.checkpoints() == [kept]


# Gaps in the log's positions (PostgreSQL's sequence skips the numbers of transactions that did not commit)

def test_r_rec_4_leaf_indexes_have_no_gaps_where_log_positions_do(pg_url: str, clock: FixedClock,
                                                                   opened: list[Views]) -> None:
    from demo.scenario import enrol_staff
    from registry.application import RegistryConfig
    from tests.conftest import STAFF_SINCE

    app = Registry(RegistryConfig(database_url=pg_url), clock)
    try:
        staff = enrol_staff(app, STAFF_SINCE)
        n = app.recorder.max_notification_id() or 0  # the staff's events: positions 1..n, leaves 0..n-1
        conn, events, _ = direct(app)
        try:
            for _ in range(5):
                conn.execute(f"SELECT nextval(pg_get_serial_sequence('{events}', 'notification_id'))")
        finally:
            conn.close()
        certify(app, staff)
        views = views_of(app, opened)
        views.catch_up()
        notifications = stored(app)
        tree = reference(notifications)
        assert [x.id for x in notifications[n - 1:n + 2]] == [n, n + 6, n + 7]  # the gap

        assert views.log.leaves(n - 1, n + 2) == [(n - 1, n, tree.levels[0][n - 1]), (n, n + 6, tree.levels[0][n]),
                                                  (n + 1, n + 7, tree.levels[0][n + 1])]
        assert views.log.root(tree.size) == tree.root()
        index, leaf, path = views.log.inclusion(n + 6, tree.size)
        assert index == n and root_from_inclusion(index, tree.size, leaf, path) == tree.root()
        assert views.log.leaves_through(n + 3) == views.log.leaves_through(n) == n
        with pytest.raises(NotInTree):
            views.log.inclusion(n + 3, tree.size)
    finally:
        app.close()


# Events removed from under a checkpoint

@pytest.mark.parametrize("which", ["last", "middle"])
def test_r_rec_4_a_rebuild_over_a_log_that_lost_an_event_names_the_checkpoint(
        app: Registry, staff: Staff, checkpointing: Checkpointing, opened: list[Views], which: str) -> None:
    views = views_of(app, opened, checkpointing)
    certify(app, staff)
    views.catch_up()
    kept = views.checkpoint()
    assert kept is not None
    notifications = stored(app)
    documents = [i for i, x in enumerate(notifications) if x.topic.endswith("DocumentReceived")]
    victim = notifications[-1] if which == "last" else notifications[documents[len(documents) // 2]]
    assert which == "last" or victim.topic.endswith("DocumentReceived")  # no view needs it

    tamper(app, victim, None)

    with pytest.raises(LogMismatch, match=f"checkpoint of {kept.size} leaves"):
        views.rebuild()
