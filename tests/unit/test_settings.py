"""The REGISTRY_* settings refuse what the server could not run with, at start-up rather than at the first request."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.settings import Settings


def test_registry_writers_must_let_at_least_one_command_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_WRITERS", "0")  # a semaphore of nothing: every command would wait for ever
    with pytest.raises(ValidationError, match="writers"):
        Settings()
    monkeypatch.setenv("REGISTRY_WRITERS", "2")
    assert Settings().writers == 2
