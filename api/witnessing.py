"""The log's side of witnessing (R-REC-4, issue 26; c2sp.org/tlog-witness): each new checkpoint is sent to the
configured witnesses with a consistency proof from the size each cosigned last, and their cosignatures, once they
verify under the witness's key, are kept (``projections.cosignatures``) and served after the log's own lines.

``REGISTRY_WITNESSES`` lists the witnesses, separated by ``;`` or newlines, each ``<vkey> <url>``: the witness's
verifier key as ``registry witness serve`` prints it (its name is the key's name; signature type 0x04,
cosignature/v1) and the prefix its ``/add-checkpoint`` is under. ``REGISTRY_WITNESS_QUORUM`` is how many of them
must have cosigned a checkpoint for it to be shown as witnessed (default: all).

Each witness has a thread of its own, woken by each new checkpoint and every ``retry`` seconds besides, with a
timeout on every request: a witness that is down or slow delays nothing but its own cosignatures; the checkpoint is
served without them meanwhile. The size a witness cosigned last is what this log kept of it, and, when the witness
says otherwise (409, ``text/x.tlog.size``), what it says: a request starts from there again at once.
"""

from __future__ import annotations

import base64
import http.client
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from api.checkpoint_notes import witness_key
from api.signed_note import MalformedNote, NoteVerifier, open_note
from api.witness import SIZE_TYPE, AddCheckpoint
from projections.cosignatures import Cosignature
from projections.log import Checkpoint, LogView

log = logging.getLogger("api.witnessing")


class WitnessError(RuntimeError):
    """A witness did not cosign a checkpoint: it is down, refused it, or answered what does not verify."""


class SplitView(WitnessError):
    """A witness cosigned a tree this log does not hold (R-REC-4): another root at a size, or more leaves."""


@dataclass(frozen=True)
class WitnessConfig:
    """A witness the log sends its checkpoints to: its cosignature/v1 verifier key and its submission prefix."""

    key: NoteVerifier
    url: str

    @property
    def name(self) -> str:
        return self.key.name

    @property
    def key_id(self) -> str:
        return self.key.key_id.hex()


@dataclass(frozen=True)
class Witnesses:
    """The configured witnesses, and how many cosignatures make a checkpoint witnessed."""

    witnesses: tuple[WitnessConfig, ...] = ()
    quorum: int = 0

    def cosigners(self, cosignatures: Iterable[Cosignature]) -> list[str]:
        """The names of the configured witnesses among ``cosignatures`` (each once), in configured order."""
        kept = {(c.witness, c.key_id) for c in cosignatures}
        return [w.name for w in self.witnesses if (w.name, w.key_id) in kept]

    def witnessed(self, cosignatures: Iterable[Cosignature]) -> bool:
        return self.quorum > 0 and len(self.cosigners(cosignatures)) >= self.quorum

    def said(self, cosignatures: Iterable[Cosignature]) -> tuple[str, str]:
        """What the office says of a checkpoint's witnessing, Chinese first, then English."""
        count, total = len(self.cosigners(cosignatures)), len(self.witnesses)
        if not total:
            return "未配置见证人", "no witnesses are configured"
        if count >= self.quorum:
            return f"已见证：{total} 位见证人中 {count} 位副署", f"witnessed by {count} of {total}"
        return (f"未达到见证法定数：{total} 位见证人中 {count} 位副署，需要 {self.quorum} 位",
                f"not witnessed by the quorum: {count} of {total} cosigned, {self.quorum} needed")


def parse_witnesses(text: str, quorum: int | None) -> Witnesses:
    """REGISTRY_WITNESSES and REGISTRY_WITNESS_QUORUM read (``ValueError`` naming what is wrong)."""
    witnesses = []
    for entry in (e.strip() for e in text.replace("\n", ";").split(";")):
        if not entry:
            continue
        parts = entry.split()
        if len(parts) != 2:
            raise ValueError(f"REGISTRY_WITNESSES: an entry is '<vkey> <url>', not {entry!r}")
        try:
            key = witness_key(parts[0])
        except MalformedNote as e:
            raise ValueError(f"REGISTRY_WITNESSES: {e}") from None
        url = urlsplit(parts[1])
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"REGISTRY_WITNESSES: {parts[1]!r} is not an http(s) URL")
        witnesses.append(WitnessConfig(key, parts[1].rstrip("/")))
    if len({w.name for w in witnesses}) != len(witnesses):
        raise ValueError("REGISTRY_WITNESSES names a witness twice")
    needed = len(witnesses) if quorum is None else quorum
    if not 0 <= needed <= len(witnesses) or (witnesses and needed == 0):
        raise ValueError(f"REGISTRY_WITNESS_QUORUM is between 1 and the {len(witnesses)} witnesses configured")
    return Witnesses(tuple(witnesses), needed)


class Channel:
    """One witness's HTTP connection, kept alive between requests (as the spec asks), opened again after a failure."""

    def __init__(self, witness: WitnessConfig, timeout: float) -> None:
        self.url, self.timeout = urlsplit(witness.url), timeout
        self.path = f"{self.url.path}/add-checkpoint"
        self._connection: http.client.HTTPConnection | None = None

    def post(self, body: bytes) -> tuple[int, str, str]:
        """The status, content type and text of the witness's answer."""
        if self._connection is None:
            kind = http.client.HTTPSConnection if self.url.scheme == "https" else http.client.HTTPConnection
            self._connection = kind(self.url.hostname or "", self.url.port, timeout=self.timeout)
        try:
            self._connection.request("POST", self.path, body, {"Content-Type": "text/plain; charset=utf-8"})
            response = self._connection.getresponse()
            text = response.read(64 * 1024).decode("utf-8", "replace")
        except Exception:
            self.close()
            raise
        return response.status, (response.getheader("Content-Type") or "").split(";")[0].strip(), text

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class Witnessing:
    """Sends each new checkpoint to every witness, each in a thread of its own (``projections.log.Witnessing``)."""

    def __init__(self, witnesses: Witnesses, note_of: Callable[[Checkpoint], str], timeout: float = 5.0,
                 retry: float = 10.0) -> None:
        self.witnesses, self._note_of, self.timeout, self.retry = witnesses, note_of, timeout, retry
        self._stop = threading.Event()
        self._wakes = {w.name: threading.Event() for w in witnesses.witnesses}
        self._threads: list[threading.Thread] = []
        self._log: LogView | None = None

    def start(self, log_view: LogView) -> None:
        self._log = log_view
        for witness in self.witnesses.witnesses:
            thread = threading.Thread(target=self._follow, args=(witness,), name=f"witness {witness.name}",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)

    def signed(self, checkpoint: Checkpoint) -> None:
        self._wake_all()

    def stop(self) -> None:
        self._stop.set()
        self._wake_all()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 1)

    def _wake_all(self) -> None:
        for wake in self._wakes.values():
            wake.set()

    def _follow(self, witness: WitnessConfig) -> None:
        channel = Channel(witness, self.timeout)
        known: list[int | None] = [None]  # the size the witness cosigned last, once read or learned
        wake = self._wakes[witness.name]
        try:
            while not self._stop.is_set():
                wake.clear()
                try:
                    self.send(witness, channel, known)
                except SplitView as e:
                    log.critical("%s (asking again in %g s)", e, self.retry)
                except Exception as e:
                    log.warning("witness %s has not cosigned the latest checkpoint (trying again in %g s): %s",
                                witness.name, self.retry, e)
                wake.wait(self.retry)
        finally:
            channel.close()

    def send(self, witness: WitnessConfig, channel: Any, known: list[int | None]) -> Cosignature | None:
        """Sends the latest checkpoint to ``witness`` unless it cosigned it; keeps and answers its cosignature.
        ``known[0]``: the size the witness cosigned last (None: read what this log kept)."""
        log_view = self._log
        assert log_view is not None
        latest = log_view.checkpoint()
        if latest is None:
            return None
        old = log_view.cosigned_size(witness.name, witness.key_id) if known[0] is None else known[0]
        known[0] = old
        if old >= latest.size:
            return None
        note = self._note_of(latest)
        for _ in range(3):  # a 409 says where to start from; a third one is a witness changing its mind
            proof = log_view.consistency(old, latest.size) if 0 < old < latest.size else []
            status, kind, text = channel.post(AddCheckpoint(old, tuple(proof), note).encode())
            if status == 200:
                cosignature = self._verified(witness, latest, text)
                log_view.add_cosignature(cosignature)
                known[0] = latest.size
                return cosignature
            if status == 409 and old == latest.size:  # the size it cosigned, refused: another root there
                raise SplitView(f"R-REC-4: {witness.name} cosigned another tree of {old} leaves than this log "
                                f"holds: a fork, or this log's history was changed ({text[:200].strip()})")
            if status == 422:  # this log's proof from the size the witness cosigned does not lead to its root
                raise SplitView(f"R-REC-4: {witness.name} cosigned a tree of {old} leaves that this log's tree of "
                                f"{latest.size} does not extend: a fork, or this log's history was changed")
            if status != 409 or kind != SIZE_TYPE:
                raise WitnessError(f"{witness.name} answered {status}: {text[:300].strip()}")
            learned = int(text.strip())
            if learned == old:  # the same size, refused: the witness cosigned another root there
                raise SplitView(f"R-REC-4: {witness.name} cosigned another tree of {old} leaves than this log "
                                   "holds: a fork, or this log's history was changed")
            if learned > latest.size:
                raise SplitView(f"R-REC-4: {witness.name} cosigned a tree of {learned} leaves, more than this "
                                   f"log's latest checkpoint ({latest.size}): the log lost events, or was restored")
            old = known[0] = learned
        raise WitnessError(f"{witness.name} kept answering 409")

    def _verified(self, witness: WitnessConfig, checkpoint: Checkpoint, answer: str) -> Cosignature:
        """The witness's cosignature of ``checkpoint`` in its answer, once it holds under the witness's key."""
        try:
            opened = open_note(checkpoint.note + "\n" + answer, [witness.key])
        except ValueError as e:  # MalformedNote, NoteRefused
            raise WitnessError(f"{witness.name}'s answer is not its cosignature of the checkpoint: {e}") from None
        signature = opened.by(witness.key)
        assert signature is not None and signature.timestamp is not None  # open_note held it under a 0x04 key
        return Cosignature(checkpoint.size, witness.name, witness.key_id, signature.timestamp,
                           base64.b64encode(signature.payload[8:]).decode("ascii"))
