"""The witnesses' cosignatures of the log's checkpoints (R-REC-4; c2sp.org/tlog-cosignature), kept beside the
checkpoints: like them in a table no one may update or delete (R-REC-2) and that a rebuild does not empty, since a
cosignature is a witness's statement about a checkpoint, not something the log's events make again.

A row is what a cosignature/v1 line carries, so the line is served byte for byte as the witness made it: the
witness's key name and 4-byte key id (hex), its time (Unix seconds) and its Ed25519 signature (base64).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import astuple, dataclass

from projections.views import View

COSIGNATURE_FIELDS = ("size", "witness", "key_id", "timestamp", "signature")


@dataclass(frozen=True)
class Cosignature:
    """A witness's cosignature of the kept checkpoint of ``size`` leaves."""

    size: int
    witness: str  # the witness's key name
    key_id: str  # hex, 4 bytes
    timestamp: int  # Unix seconds, as the witness signed it
    signature: str  # base64 Ed25519 over "cosignature/v1\ntime <timestamp>\n" + the checkpoint's note


class Cosignatures(View):
    """The table ``log_cosignatures`` of a view (the log's), created and kept with its checkpoints."""

    def create_view_tables(self) -> None:
        super().create_view_tables()
        with self.cursor(commit=True) as curs:
            curs.execute(f"CREATE TABLE IF NOT EXISTS {self.table('log_cosignatures')} (size BIGINT NOT NULL, "
                         "witness TEXT NOT NULL, key_id TEXT NOT NULL, timestamp BIGINT NOT NULL, "
                         "signature TEXT NOT NULL, PRIMARY KEY (size, witness, key_id))")
        self.dialect.append_only(self.datastore, ("log_cosignatures",))

    def add_cosignature(self, cosignature: Cosignature) -> None:
        """Keeps a cosignature; a witness's second one of a checkpoint (sent again) leaves the first."""
        with self.cursor(commit=True) as curs:
            curs.execute(self.dialect.insert_or_ignore(self.table("log_cosignatures"), COSIGNATURE_FIELDS,
                                                       "size, witness, key_id"), astuple(cosignature))

    def cosignatures(self, sizes: Iterable[int]) -> dict[int, list[Cosignature]]:
        """The kept cosignatures of the checkpoints of ``sizes``, by size, each size's by witness then time."""
        wanted = sorted(set(sizes))
        if not wanted:
            return {}
        marks = ", ".join("%s" for _ in wanted)
        found: dict[int, list[Cosignature]] = {size: [] for size in wanted}
        return self._read(found, f"WHERE size IN ({marks})", wanted)

    def cosignatures_up_to(self, size: int) -> dict[int, list[Cosignature]]:
        """Every kept cosignature of the checkpoints of at most ``size`` leaves, by size (the sizes cosigned only),
        each size's by witness then time."""
        return self._read({}, "WHERE size <= %s", [size])

    def _read(self, found: dict[int, list[Cosignature]], where: str, parameters: list[int]
              ) -> dict[int, list[Cosignature]]:
        with self.reading() as curs:
            curs.execute(f"SELECT {', '.join(COSIGNATURE_FIELDS)} FROM {self.table('log_cosignatures')} {where} "
                         "ORDER BY size, witness, timestamp", parameters)
            rows = curs.fetchall()
        for size, witness, key_id, timestamp, signature in rows:
            found.setdefault(int(size), []).append(Cosignature(int(size), witness, key_id, int(timestamp), signature))
        return found

    def witnessed_size(self, witnesses: Iterable[tuple[str, str]], quorum: int) -> int:
        """The largest checkpoint that ``quorum`` of ``witnesses`` (key name, key id hex) cosigned, as kept here (0
        for none)."""
        wanted = sorted(set(witnesses))
        if not wanted or quorum < 1:
            return 0
        either = " OR ".join("(witness = %s AND key_id = %s)" for _ in wanted)
        with self.reading() as curs:
            curs.execute(f"SELECT size FROM {self.table('log_cosignatures')} WHERE {either} GROUP BY size "
                         "HAVING COUNT(*) >= %s ORDER BY size DESC LIMIT 1", [*(v for w in wanted for v in w), quorum])
            row = curs.fetchone()
        return int(row[0]) if row else 0

    def cosigned_size(self, witness: str, key_id: str) -> int:
        """The largest checkpoint the witness's key cosigned, as kept here (0 for none)."""
        with self.reading() as curs:
            curs.execute(f"SELECT MAX(size) FROM {self.table('log_cosignatures')} WHERE witness = %s AND key_id = %s",
                         (witness, key_id))
            row = curs.fetchone()
        return int(row[0]) if row and row[0] is not None else 0
