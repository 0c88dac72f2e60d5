"""The office's sessions, kept server-side: a table beside the log (never in it, and not append-only).

Server-side rather than a signed cookie: logout and revocation end a session at once, in every worker, with no key
to keep and no revocation list to consult. The table is opened as the read models' are (``Store.open_view``), in
portable SQL, so it is the same code on SQLite, PostgreSQL and the in-memory store, and ``store/`` is unchanged.

The cookie holds a random id; the table keeps its SHA-256, so a copy of the table opens no session. A session ends
after ``idle`` without a request, or ``absolute`` after sign-in, whichever comes first; each request it is used for
moves its idle limit on. Each session has its own CSRF token, which every form posted under it carries.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from projections.views import View

SEEN_STEP = 60  # seconds: how stale a session's last-seen time may get before a request writes it again


class SessionTable(View):
    # One row per sign-in. ``password`` is the id of the password signed in with: the application ends the session
    # when the user's password is no longer that one (``Registry.signed_in_user``).
    name = "office_signins"
    tables: ClassVar[dict[str, str]] = {
        "office_signins": "id TEXT PRIMARY KEY, user_name TEXT NOT NULL, password TEXT NOT NULL, csrf TEXT NOT NULL, "
                          "created BIGINT NOT NULL, seen BIGINT NOT NULL",
    }


@dataclass(frozen=True)
class Session:
    user_name: str
    password_id: str
    csrf: str

    def accepts(self, token: str | None) -> bool:
        """Whether ``token`` is this session's CSRF token."""
        return same_token(self.csrf, token)


def same_token(expected: str | None, given: str | None) -> bool:
    """Whether ``given`` is the CSRF token ``expected`` (compared in constant time); never when either is missing."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    """Begins, finds (moving its idle limit on) and ends sessions. Times are whole seconds since the epoch."""

    def __init__(self, table: Any, idle: timedelta, absolute: timedelta) -> None:
        self.table, self.idle, self.absolute = table, idle, absolute
        self._sql = table.table("office_signins")

    def begin(self, user_name: str, password_id: str, now: datetime) -> tuple[str, Session]:
        """A new session for the user signed in with the password ``password_id``: its id (for the cookie, never
        stored) and the session."""
        session_id = secrets.token_urlsafe(32)
        session = Session(user_name, password_id, secrets.token_urlsafe(32))
        at = int(now.timestamp())
        with self.table.cursor(commit=True) as curs:
            curs.execute(f"DELETE FROM {self._sql} WHERE created < %s",  # sessions past any limit, gone for good
                         (at - int(self.absolute.total_seconds()),))
            curs.execute(f"INSERT INTO {self._sql} (id, user_name, password, csrf, created, seen) "
                         "VALUES (%s, %s, %s, %s, %s, %s)",
                         (_key(session_id), user_name, password_id, session.csrf, at, at))
        return session_id, session

    def find(self, session_id: str | None, now: datetime) -> Session | None:
        """The live session the cookie names, its idle limit moved on; None when there is none or it expired.

        Read first, written only when needed: an expired session is deleted, and the last-seen time is written
        once it is ``SEEN_STEP`` old (an idle limit of 30 minutes does not need it to the second: a session may end
        up to that much sooner than the limit after its last request, never later). Most page views
        are then one read, where writing on each cost every page a transaction with a commit to disk."""
        if not session_id:
            return None
        at, key = int(now.timestamp()), _key(session_id)
        with self.table.reading() as curs:
            curs.execute(f"SELECT user_name, password, csrf, created, seen FROM {self._sql} WHERE id = %s", (key,))
            row = curs.fetchone()
        if row is None:
            return None
        user_name, password_id, csrf, created, seen = row
        if int(seen) <= at - int(self.idle.total_seconds()) or int(created) <= at - int(self.absolute.total_seconds()):
            self.end(session_id)
            return None
        if at - int(seen) >= min(SEEN_STEP, self.idle.total_seconds() / 2):
            with self.table.cursor(commit=True) as curs:
                curs.execute(f"UPDATE {self._sql} SET seen = %s WHERE id = %s AND seen < %s", (at, key, at))
        return Session(str(user_name), str(password_id), str(csrf))

    def end(self, session_id: str) -> None:
        with self.table.cursor(commit=True) as curs:
            curs.execute(f"DELETE FROM {self._sql} WHERE id = %s", (_key(session_id),))
