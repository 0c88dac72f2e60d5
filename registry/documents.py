"""A case's documents as they were received (R-APP-4): what the registry hands back when one is asked for.

The bytes are stored once by SHA-256 (``content_address``); the case's own events say which of them are its documents,
and with what kind, content type and file name each was received.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from registry.errors import InvalidInput
from registry.intake import CaseIntake


def content_address(content: bytes) -> str:
    """The SHA-256 (hex) by which bytes are stored and referred to from events (R-APP-4, R-REC-3)."""
    if not content:
        raise InvalidInput("file", "文件为空 / the file is empty")
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class CaseDocument:
    sha256: str
    kind: str
    content_type: str  # as received; what it may be served as is the edge's to decide
    filename: str  # as received; may be empty
    content: bytes


def receipt(events: Iterable[Any], sha256: str) -> CaseIntake.DocumentReceived | None:
    """The case's latest receipt of the document ``sha256``, if the case ever received it."""
    found = None
    for event in events:
        if isinstance(event, CaseIntake.DocumentReceived) and event.sha256 == sha256:
            found = event
    return found
