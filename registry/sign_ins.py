"""The slow-down after repeated failed sign-ins for a name, kept in this process's memory.

After ``FAILURES_ALLOWED`` failures for a name within ``WINDOW``, the name may not try again for a pause that doubles
with each further failure (30 s, 1 min, 2 min, … at most 15 min); a success forgets its failures. While paused, the
password is not even checked, so guessing gains nothing. Per process and in memory: a restart or another worker
starts afresh, which bounds an attacker's rate per worker, not in all; what it protects is cheap to keep and is
never consulted for anything recorded.
"""

from __future__ import annotations

from datetime import datetime, timedelta

FAILURES_ALLOWED = 5
WINDOW = timedelta(minutes=15)
FIRST_PAUSE = timedelta(seconds=30)
LONGEST_PAUSE = timedelta(minutes=15)
NAMES_KEPT = 10_000  # names with recent failures held at most; past that, the oldest are forgotten


def name_key(name: str) -> str:
    """One key per name as users are told apart (``registry.user.user_id``): case and surrounding space ignored."""
    return name.strip().casefold()


class SignInThrottle:
    """Recent failed sign-ins by name. Every method is given the current instant: no hidden clock."""

    def __init__(self) -> None:
        self._failures: dict[str, list[datetime]] = {}

    def _recent(self, key: str, now: datetime) -> list[datetime]:
        failures = [at for at in self._failures.get(key, ()) if now - at < WINDOW]
        if failures:
            self._failures[key] = failures
        else:
            self._failures.pop(key, None)
        return failures

    def wait(self, name: str, now: datetime) -> float:
        """Seconds before ``name`` may try again: 0 when it may now."""
        failures = self._recent(name_key(name), now)
        if len(failures) < FAILURES_ALLOWED:
            return 0.0
        doublings = min(len(failures) - FAILURES_ALLOWED, 10)  # 30 s doubled 10 times is well past the longest
        pause = min(FIRST_PAUSE * (1 << doublings), LONGEST_PAUSE)
        return max(0.0, (failures[-1] + pause - now).total_seconds())

    def failed(self, name: str, now: datetime) -> None:
        key = name_key(name)
        failures = self._recent(key, now)
        if not failures and len(self._failures) >= NAMES_KEPT:
            del self._failures[next(iter(self._failures))]  # the name whose failures began longest ago
        self._failures[key] = [*failures, now]

    def succeeded(self, name: str) -> None:
        self._failures.pop(name_key(name), None)
